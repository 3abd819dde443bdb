"""A real PostgreSQL server for tests: ``initdb`` and ``pg_ctl`` in a temporary directory.

``initdb`` refuses to run as root, so when the tests run as root the cluster belongs to the
``postgres`` system user (``runuser -u postgres``). The server listens on a free loopback port
and trusts local connections; it is stopped (``-m fast``) when the context exits.
"""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pop_pipeline_tests.servers.ports import free_port

USER = "pop"


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str

    def dsn(self, database: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create ``name`` and return its DSN."""
        _run([_binary("createdb"), "-h", self.host, "-p", str(self.port), "-U", self.user, name])
        return self.dsn(name)

    def env(self, database: str) -> dict[str, str]:
        """The ``POP_PG_*`` variables production's ``dagster.yaml`` reads."""
        return {
            "POP_PG_HOST": self.host,
            "POP_PG_PORT": str(self.port),
            "POP_PG_USER": self.user,
            "POP_PG_PASSWORD": "",
            "POP_PG_DB": database,
        }


def postgres_available() -> str | None:
    """``None`` when ``initdb`` and ``pg_ctl`` can be found, else the reason they cannot."""
    for name in ("initdb", "pg_ctl", "createdb"):
        if _binary(name) is None:
            return f"PostgreSQL's {name} is not installed (apt-get install postgresql)"
    return None


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in versions:
        if (directory / name).exists():
            return str(directory / name)
    return None


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway cluster in a fresh temporary directory and yield where it listens.

    The directory lives directly under the system temp dir (pytest's ``tmp_path`` parents are
    private to root, and the server runs as ``postgres``); it is removed afterwards.
    """
    root = Path(tempfile.mkdtemp(prefix="pop-postgres-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data, log, port = root / "data", root / "postgres.log", free_port()
    _run(_as_owner([_binary("initdb"), "-D", str(data), "-A", "trust", "-U", USER]))
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
    pg_ctl = _binary("pg_ctl")
    _run(_as_owner([pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]))
    try:
        yield PostgresServer(host="127.0.0.1", port=port, user=USER)
    finally:
        subprocess.run(
            _as_owner([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)
