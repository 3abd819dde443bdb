"""README.md's "Production" section agrees with docker/ and the definitions."""

import re
from pathlib import Path

import yaml

from pop_pipeline.definitions import defs

ROOT = Path(__file__).resolve().parents[2]


def _section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("\n## Production\n")
    return text[start : text.index("\n## ", start + 1)]


def _env_example_names() -> set[str]:
    lines = (ROOT / "docker" / ".env.example").read_text().splitlines()
    return {line.split("=")[0] for line in lines if line and not line.startswith("#")}


def test_every_variable_of_env_example_is_explained():
    section = _section()
    missing = {name for name in _env_example_names() if f"`{name}`" not in section}
    assert missing == set()


def test_commands_name_existing_files_services_schedules_and_sensors():
    section = _section()
    services = yaml.safe_load((ROOT / "docker" / "docker-compose.yml").read_text())["services"]
    for path in set(re.findall(r"docker/[\w./-]+\.(?:yml|yaml|example|md)", section)):
        assert (ROOT / path).is_file(), path
    for service in re.findall(r" exec ([\w-]+)", section):
        assert service in services, service
    loaded = defs()
    for schedule in re.findall(r"dagster schedule start (\w+)", section):
        assert loaded.resolve_schedule_def(schedule).name == schedule
    for sensor in re.findall(r"dagster sensor start (\w+)", section):
        assert loaded.resolve_sensor_def(sensor).name == sensor
    assert "nightly_retraining_schedule" in section and "raw_drop_sensor" in section


def test_published_ports_are_the_ones_documented():
    env = dict(
        line.split("=", 1)
        for line in (ROOT / "docker" / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    section = _section()
    assert f"http://localhost:{env['DAGSTER_UI_PORT']}" in section
    assert f"http://localhost:{env['MLFLOW_UI_PORT']}" in section
    assert f"http://127.0.0.1:{env['MINIO_API_PORT']}" in section
