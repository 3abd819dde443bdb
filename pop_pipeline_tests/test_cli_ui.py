"""`pop ui` starts a real Dagster webserver (and daemon) on the project's instance."""

import urllib.request

from pop_pipeline_tests.servers.dagster_ui import dagster_ui


def test_ui_serves_the_code_location(tmp_path):
    with (
        dagster_ui(tmp_path) as ui,
        urllib.request.urlopen(f"{ui.url}/server_info", timeout=30) as reply,
    ):
        body = reply.read().decode()
    assert "dagster_webserver_version" in body, ui.log_tail()
    dagster_yaml = (tmp_path / "dagster_home" / "dagster.yaml").read_text()
    assert dagster_yaml.count("enabled: false") == 1
