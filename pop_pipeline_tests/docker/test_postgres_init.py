"""docker/postgres/init-databases.sh on a real PostgreSQL server: the `dagster` and `mlflow`
databases, each owned by its own login role, with passwords psql reads from its environment and
quotes itself (never on its command line)."""

import base64
import hashlib
import hmac
import os
import subprocess
from pathlib import Path

import pytest

from pop_pipeline_tests.servers.postgres import (
    _binary,
    postgres_available,
    postgres_server,
)

INIT_SCRIPT = Path(__file__).resolve().parents[2] / "docker" / "postgres" / "init-databases.sh"

pytestmark = pytest.mark.skipif(postgres_available() is not None, reason=str(postgres_available()))


def _query(server, sql: str) -> str:
    result = subprocess.run(
        [
            _binary("psql") or "psql",
            "-h",
            server.host,
            "-p",
            str(server.port),
            "-U",
            server.user,
            "-d",
            "postgres",
            "-At",
            "-c",
            sql,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def _recording_psql(folder: Path) -> Path:
    """A ``psql`` for PATH that appends its arguments to ``argv.txt``, then runs the real one."""
    folder.mkdir()
    shim = folder / "psql"
    shim.write_text(
        "#!/usr/bin/env bash\n"
        f'printf "%s\\n" "$*" >> "{folder}/argv.txt"\n'
        f'exec "{_binary("psql") or "psql"}" "$@"\n'
    )
    shim.chmod(0o755)
    return folder


def test_init_script_creates_one_database_and_role_per_service(tmp_path):
    # A quote and a backslash: a script pasting the password into SQL would break on them.
    dagster_password, mlflow_password = "it's-dagster\\x", "mlflow'; DROP ROLE pop; --"
    shim = _recording_psql(tmp_path / "bin")
    with postgres_server() as server:
        env = {
            **os.environ,
            "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}",
            "PGHOST": server.host,
            "PGPORT": str(server.port),
            "POSTGRES_USER": server.user,
            "DAGSTER_DB_PASSWORD": dagster_password,
            "MLFLOW_DB_PASSWORD": mlflow_password,
        }
        result = subprocess.run(["bash", str(INIT_SCRIPT)], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        argv = (shim / "argv.txt").read_text()  # psql ran, and no password was an argument
        assert "postgres" in argv
        assert dagster_password not in argv and mlflow_password not in argv

        owners = _query(
            server,
            "SELECT d.datname || '=' || r.rolname FROM pg_database d "
            "JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname IN ('dagster', 'mlflow') "
            "ORDER BY 1",
        )
        assert owners.splitlines() == ["dagster=dagster", "mlflow=mlflow"]
        roles = _query(
            server,
            "SELECT rolname || ':' || rolcanlogin || ':' || rolsuper FROM pg_roles "
            "WHERE rolname IN ('dagster', 'mlflow', 'pop') ORDER BY 1",
        )
        assert roles.splitlines() == ["dagster:true:false", "mlflow:true:false", "pop:true:true"]
        # Each role's stored SCRAM verifier is of its password exactly as given, quote and all.
        for role, password in (("dagster", dagster_password), ("mlflow", mlflow_password)):
            verifier = _query(server, f"SELECT rolpassword FROM pg_authid WHERE rolname = '{role}'")
            assert _scram_matches(verifier, password), role
            assert not _scram_matches(verifier, "change-me")


def _scram_matches(verifier: str, password: str) -> bool:
    """RFC 5802/7677: ``SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey`` (what PostgreSQL
    stores) holds StoredKey = SHA-256(HMAC(PBKDF2(password, salt, iterations), "Client Key"))."""
    method, params, keys = verifier.split("$")
    assert method == "SCRAM-SHA-256", verifier
    iterations, salt = params.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return base64.b64encode(hashlib.sha256(client_key).digest()).decode() == stored_key
