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
    assert "--backend-store-uri" not in options  # it holds the password: environment only
    env = _services()["mlflow"]["environment"]
    backend = env["MLFLOW_BACKEND_STORE_URI"]  # the envvar of `mlflow server --backend-store-uri`
    assert backend.startswith("postgresql://") and "@postgres:5432/mlflow" in backend
    assert options["--artifacts-destination"].startswith("s3://")
    assert "--serve-artifacts" in options and "--no-serve-artifacts" not in options
    assert env["MLFLOW_S3_ENDPOINT_URL"] == "http://minio:9000"


def test_mlflow_server_reads_its_backend_store_from_the_environment():
    from mlflow.cli import server

    [option] = [param for param in server.params if param.name == "backend_store_uri"]
    assert option.envvar == "MLFLOW_BACKEND_STORE_URI"


# --- secrets never on a command line --------------------------------------------------------

# Shell builtins that may read a secret inside a `sh -c` command without passing it to another
# program's argv: tests, and printf piping it to a program's standard input.
SHELL_SECRET_USES = (
    r'\[ -z "\$(?P<a>{name})" \]',
    r'\[ "\$(?P<b>{name})" = change-me \]',
    r"printf '%s\\n' \"\$(?P<c>{name})\" \|",
    r"unset (?P<d>{name})",
)


def _secret_variables() -> set[str]:
    """The .env.example secrets and every container variable whose value carries one."""
    secrets = {name for name in _env_example() if "PASSWORD" in name}
    for service in _services().values():
        for key, value in (service.get("environment") or {}).items():
            used = {braced or bare for braced, bare in COMPOSE_VARIABLE.findall(str(value))}
            if used & secrets:
                secrets.add(key)
    return secrets


def _argv_texts(service: dict) -> list[str]:
    """Every string that becomes (part of) a process's command line: command, entrypoint and
    the healthcheck's test."""
    texts = []
    for key in ("command", "entrypoint"):
        texts += _strings(service.get(key))
    texts += _strings((service.get("healthcheck") or {}).get("test"))
    return texts


def test_no_service_command_contains_a_secret_variable():
    secrets = _secret_variables()
    assert {"MLFLOW_BACKEND_STORE_URI", "POP_PG_PASSWORD", "AWS_SECRET_ACCESS_KEY"} <= secrets
    for name, service in _services().items():
        for text in _argv_texts(service):
            compose_text = text.replace("$$", "")  # `$$` escapes a `$` for the container
            interpolated = {
                braced or bare for braced, bare in COMPOSE_VARIABLE.findall(compose_text)
            }
            assert not interpolated & secrets, f"{name}: compose puts a secret in {text!r}"
            shell = text.replace("$$", "$")  # what the container's shell reads
            for pattern in SHELL_SECRET_USES:
                shell = re.sub(pattern.format(name="|".join(sorted(secrets))), "", shell)
            referenced = {braced or bare for braced, bare in COMPOSE_VARIABLE.findall(shell)}
            assert not referenced & secrets, f"{name}: a program gets a secret in {text!r}"


def test_no_secret_reaches_a_command_line_once_resolved(docker_compose, tmp_path):
    """With every secret set to a value of its own, no resolved command, entrypoint or
    healthcheck holds one, while the services' environments still receive them."""
    env = _env_example()
    values = {name: f"s3cret{index}x{name.lower()}" for index, name in enumerate(sorted(env))}
    secrets = {name: values[name] for name in env if "PASSWORD" in name}
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={secrets.get(k, v)}\n" for k, v in env.items()))
    result = subprocess.run(
        [docker_compose, "-f", str(COMPOSE), "--env-file", str(env_file), "config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    for name, service in services.items():
        for text in _argv_texts(service):
            leaked = [secret for secret, value in secrets.items() if value in text]
            assert not leaked, f"{name} has {leaked} on its command line: {text!r}"
    backend = services["mlflow"]["environment"]["MLFLOW_BACKEND_STORE_URI"]
    assert secrets["MLFLOW_DB_PASSWORD"] in backend
    postgres_env = services["postgres"]["environment"]
    assert postgres_env["DAGSTER_DB_PASSWORD"] == secrets["DAGSTER_DB_PASSWORD"]


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
