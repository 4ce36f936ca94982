"""The deployment pieces: docker-compose.yml, .env.example and the production settings profile.

Every check runs the real command in a subprocess (docker-compose, manage.py, gunicorn) with an
environment built here, so that nothing depends on the developer's shell or a local .env. No test
database is used.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from exchange.registry.notes import signer_key
from exchange.settings.base import INSECURE_SECRET_KEY
from tests.processes import stop_process_group

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SETTINGS_FILES = [ROOT / "exchange/settings/base.py", ROOT / "exchange/settings/production.py"]
APP_SERVICES = ("migrate", "web", "worker", "beat")
HEALTHCHECKED = ("postgres", "redis", "web", "worker", "beat")
# A valid production key: 50+ characters, many distinct ones, no "django-insecure" prefix.
SECRET_KEY = "test-deploy-secret-key-Zq8vN3xR7tY2wP5kL9mB4cH6jD1fG0sA-not-used-elsewhere"
LOG_ORIGIN = "registry.exchange.example/log"
LOG_SIGNER_KEY = signer_key(LOG_ORIGIN, bytes(range(32)))
# Production runs on PostgreSQL. The checks that need no database get one that nothing serves
# (port 1): `check` and `collectstatic` never connect.
UNSERVED_DATABASE = "postgres://exchange:unused@127.0.0.1:1/exchange"


def settings_variables() -> set[str]:
    """Every environment variable the production profile (and the base it imports) reads."""
    names = set()
    for path in SETTINGS_FILES:
        names |= set(re.findall(r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', path.read_text()))
    return names


def clean_environ(**values: str) -> dict[str, str]:
    """os.environ without anything the settings or compose read, plus ``values``."""
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests for this process; production never has it.
    blocked = settings_variables() | {
        "DJANGO_SETTINGS_MODULE",
        "SITE_URL",
        "DEFAULT_FROM_EMAIL",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in blocked and not key.startswith(("POSTGRES_", "WEB_", "WORKER_", "BEAT_"))
    }
    return {**environ, "PYTHONDONTWRITEBYTECODE": "1", **values}


def production_environ(tmp_path: Path, **overrides: str) -> dict[str, str]:
    values = {
        "DJANGO_SETTINGS_MODULE": "exchange.settings.production",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "exchange.example,127.0.0.1",
        "DATABASE_URL": UNSERVED_DATABASE,
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_STATIC_ROOT": str(tmp_path / "staticfiles"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "uploads"),
        "REGISTRY_LOG_ORIGIN": LOG_ORIGIN,
        "REGISTRY_LOG_SIGNER_KEY": LOG_SIGNER_KEY,
    }
    return clean_environ(**{**values, **overrides})


def manage(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- docker-compose.yml ----------------------------------------------------------------------------


def docker_compose(*args: str, env_file: Path) -> subprocess.CompletedProcess:
    executable = shutil.which("docker-compose")
    if executable is None:
        pytest.fail(
            "docker-compose is not installed. Install Debian's docker-compose "
            "(sudo apt-get install docker-compose; bin/test installs it). No Docker engine is needed.",
            pytrace=False,
        )
    return subprocess.run(
        [
            executable,
            "--file",
            str(ROOT / "docker-compose.yml"),
            "--env-file",
            str(env_file),
            *args,
        ],
        cwd=ROOT,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def compose_config() -> dict:
    """The compose file as docker-compose resolves it, with .env.example as the .env file."""
    result = docker_compose("config", env_file=ROOT / ".env.example")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_file_is_valid_with_the_example_environment():
    result = docker_compose("config", "-q", env_file=ROOT / ".env.example")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_compose_refuses_to_run_without_a_required_secret(tmp_path):
    env_file = tmp_path / "incomplete.env"
    env_file.write_text(
        "".join(
            line + "\n"
            for line in (ROOT / ".env.example").read_text().splitlines()
            if not line.startswith("DJANGO_SECRET_KEY=")
        )
    )
    result = docker_compose("config", "-q", env_file=env_file)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_compose_runs_every_service_with_a_health_check(compose_config):
    services = compose_config["services"]
    assert set(services) >= {"postgres", "redis", *APP_SERVICES}
    for name in HEALTHCHECKED:
        healthcheck = services[name].get("healthcheck")
        assert healthcheck and healthcheck.get("test"), f"{name} has no health check"
        assert not healthcheck.get("disable"), f"{name} disables its health check"
    assert "pg_isready" in str(services["postgres"]["healthcheck"]["test"])
    assert "redis-cli ping" in str(services["redis"]["healthcheck"]["test"])
    assert "/healthz" in str(services["web"]["healthcheck"]["test"])


def test_compose_starts_services_in_order(compose_config):
    services = compose_config["services"]

    def condition(service: str, dependency: str) -> str:
        return services[service]["depends_on"][dependency]["condition"]

    assert condition("migrate", "postgres") == "service_healthy"
    assert services["migrate"]["command"][-3:] == ["manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        assert condition(name, "migrate") == "service_completed_successfully"
        assert condition(name, "redis") == "service_healthy"
    assert condition("web", "postgres") == "service_healthy"


def test_compose_builds_one_image_for_the_production_profile(compose_config):
    services = compose_config["services"]
    built = [name for name, service in services.items() if "build" in service]
    assert built == ["migrate"], "exactly one service builds the image"
    assert len({services[name]["image"] for name in APP_SERVICES}) == 1
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "exchange.settings.production"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:")


def test_compose_worker_health_check_pings_the_workers_own_node_name(compose_config):
    worker = compose_config["services"]["worker"]
    command = " ".join(worker["command"])
    assert "--queues=default,checks,notifications,settlement" in command
    assert "--hostname=celery@%h" in command
    check = " ".join(worker["healthcheck"]["test"])
    # $$ in the compose file is a literal $, expanded by the container's shell to its hostname,
    # which is what Celery's %h becomes.
    assert re.search(r"inspect ping --destination \"?celery@\$\$\{?HOSTNAME\b", check), check


def test_compose_beat_keeps_its_schedule_on_a_volume(compose_config):
    beat = compose_config["services"]["beat"]
    [schedule] = [arg.split("=", 1)[1] for arg in beat["command"] if arg.startswith("--schedule=")]
    mounts = [volume.split(":")[1] for volume in beat["volumes"]]
    assert str(Path(schedule).parent) in mounts
    assert Path(schedule).name in str(beat["healthcheck"]["test"])


# --- Dockerfile -----------------------------------------------------------------------------------


def test_dockerfile_build_values_satisfy_the_production_profile(tmp_path):
    """The throw-away values the image build gives collectstatic pass production.py's checks."""
    dockerfile = "\n".join(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.startswith("#")
    )
    assert re.search(r"^FROM python:3\.12-slim\b", dockerfile, flags=re.MULTILINE)
    users = re.findall(r"^USER (\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}, "the image must run as an unprivileged user"
    [build_step] = [
        step for step in re.split(r"\n(?=[A-Z]+ )", dockerfile) if "collectstatic" in step
    ]
    build_values = dict(re.findall(r"\b([A-Z][A-Z0-9_]+)=(\S+)", build_step))
    assert {
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
    } <= set(build_values)
    settings_module = re.search(r"DJANGO_SETTINGS_MODULE=(\S+)", dockerfile).group(1)
    assert settings_module == "exchange.settings.production"
    # a PostgreSQL address that nothing serves: collectstatic never connects
    assert build_values["DATABASE_URL"].startswith("postgres://")
    result = manage(
        "check",
        env=clean_environ(
            **build_values,
            DJANGO_SETTINGS_MODULE=settings_module,
            DJANGO_STATIC_ROOT=str(tmp_path / "staticfiles"),
        ),
    )
    assert result.returncode == 0, result.stderr


# --- .env.example ---------------------------------------------------------------------------------


def test_env_example_documents_every_variable_the_production_profile_reads():
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    missing = settings_variables() - documented
    assert not missing, f".env.example does not document {sorted(missing)}"
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "SITE_URL"} <= documented


def test_env_is_ignored_by_git_but_the_example_is_not():
    def ignored(name: str) -> bool:
        result = subprocess.run(
            ["git", "check-ignore", "--quiet", "--no-index", name], cwd=ROOT, check=False
        )
        assert result.returncode in (0, 1)
        return result.returncode == 0

    assert ignored(".env")
    assert not ignored(".env.example")
    dockerignore = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in dockerignore and ".venv" in dockerignore


# --- the production settings profile ----------------------------------------------------------------


def test_production_profile_passes_the_deployment_checks(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_environ(tmp_path)
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output.upper()


REFUSALS = {
    "missing secret key": ("DJANGO_SECRET_KEY", None),
    "embedded default key": ("DJANGO_SECRET_KEY", INSECURE_SECRET_KEY),
    "generated insecure key": ("DJANGO_SECRET_KEY", "django-insecure-" + SECRET_KEY),
    "short secret key": ("DJANGO_SECRET_KEY", "short-but-random-Zq8vN3xR7t"),
    "missing allowed hosts": ("DJANGO_ALLOWED_HOSTS", None),
    "missing database": ("DATABASE_URL", None),
    "sqlite database": ("DATABASE_URL", "sqlite:////tmp/exchange-production.sqlite3"),
    "missing broker": ("CELERY_BROKER_URL", None),
    "missing log key": ("REGISTRY_LOG_SIGNER_KEY", None),
    "malformed log key": ("REGISTRY_LOG_SIGNER_KEY", "PRIVATE+KEY+not-a-key"),
    "log key of another origin": (
        "REGISTRY_LOG_SIGNER_KEY",
        signer_key("other.example/log", bytes(range(32))),
    ),
}


@pytest.mark.parametrize("variable,value", REFUSALS.values(), ids=REFUSALS.keys())
def test_production_profile_refuses_to_start_without_what_it_needs(tmp_path, variable, value):
    env = production_environ(tmp_path)
    if value is None:
        del env[variable]
    else:
        env[variable] = value
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


# --- whitenoise under gunicorn ----------------------------------------------------------------------


def get(url: str, timeout: float = 10) -> tuple[int, dict, bytes]:
    """GET ``url``; the status, headers and body, also for error statuses."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def throwaway_database():
    """A PostgreSQL database of its own, on the server the services profile uses; dropped after."""
    import uuid

    import psycopg
    from django.conf import settings

    server = settings.DATABASES["default"]
    name = f"exchange_deploy_{uuid.uuid4().hex[:12]}"
    params = {
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{server['PASSWORD']}" if server["PASSWORD"] else ""
    yield f"postgres://{server['USER']}{password}@{params['host']}:{params['port']}/{name}"
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_gunicorn_serves_hashed_static_files_and_healthz_in_production(
    tmp_path, throwaway_database
):
    closed_port = free_port()  # nothing listens there: the broker is unreachable
    env = production_environ(
        tmp_path,
        DATABASE_URL=throwaway_database,
        CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port}/0",
        CACHE_URL="locmemcache://",
        DJANGO_SECURE_SSL_REDIRECT="false",
        PYTHONUNBUFFERED="1",
    )
    # migrate and collectstatic do not depend on each other: run them side by side.
    steps = [
        subprocess.Popen(
            [PYTHON, "manage.py", *args, "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for args in (["migrate"], ["collectstatic"])
    ]
    for step in steps:
        # migrating a fresh PostgreSQL database takes a while on a busy machine
        output, _ = step.communicate(timeout=300)
        assert step.returncode == 0, output

    manifest = json.loads((tmp_path / "staticfiles" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["exchange/css/app.css"]
    assert hashed != "exchange/css/app.css"

    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        gunicorn = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "exchange.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--no-control-socket", "--access-logfile", "-"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert gunicorn.poll() is None, f"gunicorn exited:\n{log_path.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"gunicorn did not answer:\n{log_path.read_text()[-3000:]}"  # fmt: skip
            try:
                status, headers, body = get(f"{base}/static/{hashed}", timeout=5)
                break
            except (ConnectionError, urllib.error.URLError, TimeoutError):
                time.sleep(0.2)

        assert status == 200, body[:500]
        assert body == (ROOT / "exchange/static/exchange/css/app.css").read_bytes()
        max_age = re.search(r"max-age=(\d+)", headers.get("Cache-Control", ""))
        assert max_age and int(max_age.group(1)) >= 365 * 24 * 3600, headers
        assert headers["Content-Type"].startswith("text/css")

        status, headers, body = get(f"{base}/healthz", timeout=15)
        assert status == 503, body
        health = json.loads(body)
        assert health["database"] == "ok"
        assert health["broker"].startswith("error"), health
        assert health["status"] == "unavailable"
        assert headers["Content-Type"] == "application/json"
    finally:
        stop_process_group(gunicorn, timeout=15)
