"""A real MLflow tracking server: Postgres backend store, artifacts proxied to S3."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pop_pipeline_tests.servers.ports import free_port, wait_for_http
from pop_pipeline_tests.servers.processes import background_process, log_tail


@contextmanager
def mlflow_server(
    backend_store_uri: str, artifacts_destination: str, env: dict[str, str], log_path: Path
) -> Iterator[str]:
    """Start ``mlflow server`` on a free loopback port and yield its URL once /health answers.

    ``env`` must carry the S3 settings (``MLFLOW_S3_ENDPOINT_URL``, ``AWS_*``) for the server
    to reach ``artifacts_destination``; clients then only talk HTTP to the server.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--backend-store-uri",
        backend_store_uri,
        "--artifacts-destination",
        artifacts_destination,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    with background_process(command, env, log_path) as process:
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(f"{url}/health", timeout_s=180, process=process)
        except (TimeoutError, RuntimeError) as error:
            raise RuntimeError(f"{error}\n{log_tail(log_path)}") from error
        yield url
