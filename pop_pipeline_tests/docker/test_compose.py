"""docker/: the compose file validates with Debian's docker-compose, and its structure keeps the
promises README.md makes (every variable in .env.example, only the proxy exposed, MLflow on
Postgres and S3, webserver and daemon on the code server, a Dockerfile that builds)."""

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "docker-compose.yml"
GPU_OVERRIDE = DOCKER / "docker-compose.gpu.yml"
ENV_EXAMPLE = DOCKER / ".env.example"
DOCKERFILE = DOCKER / "Dockerfile"
IMAGE_WORKDIR = "/app"  # WORKDIR of docker/Dockerfile: relative paths in commands start there

PROXY = "proxy"
CODE_SERVER = "dagster-code-server"
LOOPBACK = "127.0.0.1"

# `${NAME}`, `${NAME:-default}`, `$NAME`; `$$` is compose's escape for a literal `$`.
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
COMPOSE_VARIABLE = re.compile(rf"\$(?:\{{({NAME})[^}}]*\}}|({NAME}))")


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _services() -> dict[str, dict]:
    return _compose()["services"]


def _env_example() -> dict[str, str]:
    entries = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            entries[name.strip()] = value.strip()
    return entries


def _strings(node) -> list[str]:
    """Every key and value of a parsed YAML document (compose interpolates those, not comments)."""
    if isinstance(node, dict):
        return [text for key, value in node.items() for text in (*_strings(key), *_strings(value))]
    if isinstance(node, list):
        return [text for item in node for text in _strings(item)]
    return [node] if isinstance(node, str) else []


def _compose_variables(path: Path) -> set[str]:
    names = set()
    for text in _strings(yaml.safe_load(path.read_text())):
        text = text.replace("$$", "")  # escaped dollars are the container's, not compose's
        names |= {braced or bare for braced, bare in COMPOSE_VARIABLE.findall(text)}
    return names


def _options(command: list[str]) -> dict[str, str]:
    """``--name=value`` and ``--name value`` / ``-w value`` pairs of a command, by name."""
    options, pending = {}, None
    for arg in command:
        if pending is not None and not arg.startswith("-"):
            options[pending] = arg
            pending = None
        elif arg.startswith("-"):
            name, sep, value = arg.partition("=")
            if sep:
                options[name] = value
                pending = None
            else:
                options[name] = ""
                pending = name
    return options


# --- docker-compose config -------------------------------------------------------------------


@pytest.fixture(scope="module")
def docker_compose() -> str:
    """Debian's docker-compose; installed with apt-get (as root) when missing."""
    found = shutil.which("docker-compose")
    if found:
        return found
    if os.geteuid() != 0:
        pytest.skip("docker-compose is not installed and installing it needs root (apt-get)")
    install = ["apt-get", "install", "-y", "-o", "DPkg::Lock::Timeout=600", "docker-compose"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(install, capture_output=True, text=True, timeout=900, env=env)
    if result.returncode != 0:  # the package lists may be missing or stale
        subprocess.run(
            ["apt-get", "update", "-o", "DPkg::Lock::Timeout=600"],
            capture_output=True,
            text=True,
            timeout=900,
            env=env,
        )
        result = subprocess.run(install, capture_output=True, text=True, timeout=900, env=env)
    found = shutil.which("docker-compose")
    if result.returncode != 0 or not found:
        pytest.skip(f"could not install docker-compose with apt-get: {result.stderr[-500:]}")
    return found


def _run_compose(docker_compose: str, *args: str) -> subprocess.CompletedProcess:
    files = ["-f", str(COMPOSE)]
    if "gpu" in args:
        files += ["-f", str(GPU_OVERRIDE)]
        args = tuple(arg for arg in args if arg != "gpu")
    return subprocess.run(
        [docker_compose, *files, "--env-file", str(ENV_EXAMPLE), "config", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_compose_file_validates(docker_compose):
    result = _run_compose(docker_compose, "-q")
    assert result.returncode == 0, result.stdout + result.stderr


def test_gpu_override_validates_and_reserves_a_gpu_for_the_code_server(docker_compose):
    result = _run_compose(docker_compose, "gpu", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    resolved = yaml.safe_load(_run_compose(docker_compose, "gpu").stdout)
    server = resolved["services"][CODE_SERVER]
    devices = server["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    assert server["environment"]["POP_DEVICE"] == "cuda"
    # The override adds to the base service; it does not replace it.
    assert server["environment"]["MLFLOW_TRACKING_URI"] == "http://mlflow:5000"


def test_resolved_config_takes_values_from_env_example(docker_compose):
    result = _run_compose(docker_compose)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    env = _env_example()
    mlflow_args = _options(services["mlflow"]["command"])
    assert mlflow_args["--artifacts-destination"] == f"s3://{env['MLFLOW_ARTIFACTS_BUCKET']}"
    assert services[CODE_SERVER]["environment"]["POP_RAW_URI"] == (
        f"s3://{env['POP_RAW_BUCKET']}/drops"
    )


# --- structure of the compose files ------------------------------------------------------------


def test_every_compose_variable_is_in_env_example_and_back():
    used = _compose_variables(COMPOSE) | _compose_variables(GPU_OVERRIDE)
    listed = set(_env_example())
    assert used - listed == set(), "used by the compose files, missing in .env.example"
    assert listed - used == set(), "listed in .env.example, used by no compose file"


def test_env_example_commits_no_secret():
    env = _env_example()
    secrets = {name for name in env if "PASSWORD" in name}
    assert secrets >= {"POSTGRES_PASSWORD", "PROXY_PASSWORD", "MINIO_ROOT_PASSWORD"}
    assert {env[name] for name in secrets} == {"change-me"}


def _published(service: dict) -> list[tuple[str | None, str]]:
    """(host address or None for all interfaces, port spec) of every published port."""
    published = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            published.append((port.get("host_ip"), str(port.get("published"))))
            continue
        spec = str(port).split("/")[0]
        parts = spec.split(":")
        published.append((parts[0] if len(parts) == 3 else None, spec))
    return published


def test_only_the_proxy_publishes_beyond_loopback():
    services = _services()
    assert _published(services[PROXY]), "the proxy publishes the UIs"
    for name, service in services.items():
        if name == PROXY:
            continue
        for address, spec in _published(service):
            assert address == LOOPBACK, f"{name} publishes {spec} beyond {LOOPBACK}"
    for name in ("postgres", "mlflow", CODE_SERVER, "dagster-webserver", "dagster-daemon"):
        assert not services[name].get("ports"), f"{name} must be reachable only inside the stack"


def test_proxy_authenticates_both_uis():
    caddyfile = (DOCKER / "Caddyfile").read_text()
    sites = re.findall(r"^:(\d+) \{(.*?)^\}", caddyfile, flags=re.S | re.M)
    upstreams = {}
    for port, body in sites:
        assert "basic_auth" in body, f"site :{port} has no authentication"
        upstreams[port] = re.search(r"reverse_proxy (\S+)", body).group(1)
    assert upstreams == {"3000": "dagster-webserver:3000", "5000": "mlflow:5000"}
    container_ports = {spec.rsplit(":", 1)[1] for _, spec in _published(_services()[PROXY])}
    assert container_ports == set(upstreams)


def test_mlflow_keeps_metadata_in_postgres_and_proxies_artifacts_to_s3():
    options = _options(_services()["mlflow"]["command"])
    backend = options["--backend-store-uri"]
    assert backend.startswith("postgresql://") and "@postgres:5432/mlflow" in backend
    assert options["--artifacts-destination"].startswith("s3://")
    assert "--serve-artifacts" in options and "--no-serve-artifacts" not in options
    env = _services()["mlflow"]["environment"]
    assert env["MLFLOW_S3_ENDPOINT_URL"] == "http://minio:9000"


def test_webserver_and_daemon_load_the_workspace_of_the_code_server():
    services = _services()
    server_options = _options(services[CODE_SERVER]["command"])
    assert server_options["--module-name"] == "pop_pipeline.definitions"
    for name in ("dagster-webserver", "dagster-daemon"):
        workspace_arg = _options(services[name]["command"])["-w"]
        assert workspace_arg == "docker/workspace.yaml"  # relative to the image's /app
        workspace = yaml.safe_load((ROOT / workspace_arg).read_text())
        [entry] = workspace["load_from"]
        grpc = entry["grpc_server"]
        assert grpc["host"] == CODE_SERVER
        assert str(grpc["port"]) == server_options["--port"]
        assert grpc["location_name"] == server_options["--location-name"]


def test_dependencies_wait_for_healthy_or_finished_services():
    services = _services()
    for name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            condition = rule["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"
            else:
                assert condition == "service_completed_successfully", (name, dependency)
                assert services[dependency].get("restart") == "no", f"{dependency} is one-shot"
    long_running = set(services) - {"minio-init", PROXY}
    assert all("healthcheck" in services[name] for name in long_running)


def test_files_mounted_from_docker_exist():
    for name, service in _services().items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("."):
                assert (DOCKER / source).is_file(), f"{name} mounts missing {source}"


# --- the Dockerfile ----------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, list[str]]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), shlex.split(rest)))
    return instructions


def test_compose_builds_the_dockerfile_from_the_repository_root():
    build = _compose()["x-pop-image"]["build"]
    context = (DOCKER / build["context"]).resolve()
    assert context == ROOT
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE


def test_files_the_dockerfile_copies_exist():
    copies = [args for keyword, args in _dockerfile_instructions() if keyword == "COPY"]
    assert copies
    for args in copies:
        sources = [arg for arg in args if not arg.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the build context"


def test_dockerfile_installs_dependencies_before_the_project_and_starts_nothing():
    instructions = _dockerfile_instructions()
    first_pip = next(
        i for i, (keyword, args) in enumerate(instructions) if keyword == "RUN" and "pip" in args
    )
    copy_project = next(
        i
        for i, (keyword, args) in enumerate(instructions)
        if keyword == "COPY" and args[0] == "pop_pipeline"
    )
    assert first_pip < copy_project  # code changes do not rebuild the dependency layer
    assert not [keyword for keyword, _ in instructions if keyword in ("CMD", "ENTRYPOINT")]
    workdir = [args[0] for keyword, args in instructions if keyword == "WORKDIR"]
    assert workdir == [IMAGE_WORKDIR]


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".pop", ".git", "docker/.env"} <= ignored
