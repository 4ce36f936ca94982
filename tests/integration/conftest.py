"""Real Celery worker processes for the integration tests, on the test database and the real broker."""

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.processes import stop_process_group

ROOT = Path(__file__).resolve().parents[2]
QUEUES = "default,checks,notifications,settlement"
CELERY = [sys.executable, "-m", "celery", "-A", "exchange"]


def wait_for(condition, *, timeout: float = 30, interval: float = 0.2, what: str = "condition"):
    """Poll ``condition`` until it returns a truthy value; fail with ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}.")


def database_url() -> str:
    """The URL of the database the tests use right now (pytest-django's test database)."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path
    name: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        stop_process_group(self.process)


def start_worker(
    *, name: str, queues: str, folder: Path, db_url: str, extra_env: dict | None = None
) -> Worker:
    """Start ``celery worker`` as its own process group (solo pool: one task at a time, in order)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exchange.settings.test",
        "DATABASE_URL": db_url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # uploads (samples) written by the tests must be readable by the worker
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(folder / "mail"),
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    log_path = folder / f"{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*CELERY, "worker", "--pool", "solo", "--queues", queues, "--hostname", f"{name}@{socket.gethostname()}",
             "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    worker = Worker(process, log_path, name)

    def ready():
        if process.poll() is not None:
            pytest.fail(f"The Celery worker {name} exited early:\n{worker.log()[-3000:]}")
        return " ready." in worker.log()

    wait_for(ready, timeout=60, what=f"the Celery worker {name} to report ready")
    return worker


def purge(queues: str, db_url: str) -> None:
    """Drop messages an earlier, interrupted run left behind."""
    env = {**os.environ, "DATABASE_URL": db_url, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    subprocess.run(
        [*CELERY, "purge", "-f", "-Q", queues], env=env, cwd=ROOT, check=False, capture_output=True
    )


@pytest.fixture(scope="session")
def worker_database(django_db_setup, django_db_blocker) -> str:
    from tests.conftest import require_postgres, require_redis

    with django_db_blocker.unblock():
        require_postgres()
        url = database_url()
    require_redis()
    return url


@pytest.fixture(scope="session")
def celery_worker(worker_database, tmp_path_factory):
    """The session's worker on every queue. Yields the folder its file e-mail backend writes to."""
    folder = tmp_path_factory.mktemp("worker")
    purge(QUEUES, worker_database)
    worker = start_worker(
        name=f"pytest-{os.getpid()}", queues=QUEUES, folder=folder, db_url=worker_database
    )
    try:
        yield folder / "mail"
    finally:
        worker.stop()
