"""A real Celery worker process for the integration tests, on the test database and the real broker."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.processes import stop_process_group

ROOT = Path(__file__).resolve().parents[2]
QUEUES = "default,checks,notifications,settlement"


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


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """Start ``celery worker`` as its own process; stop it by its PID at the end of the session.

    Yields the folder where the worker's file e-mail backend writes what it sends.
    """
    from tests.conftest import require_postgres, require_redis

    with django_db_blocker.unblock():
        require_postgres()
        url = database_url()
    require_redis()
    mail_dir = tmp_path_factory.mktemp("worker-mail")
    name = f"pytest-{os.getpid()}@{socket.gethostname()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exchange.settings.test",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "PYTHONUNBUFFERED": "1",
    }
    celery = [sys.executable, "-m", "celery", "-A", "exchange"]
    # Messages left by an earlier, interrupted run must not reach this worker.
    subprocess.run(
        [*celery, "purge", "-f", "-Q", QUEUES], env=env, cwd=ROOT, check=False, capture_output=True
    )
    log = (tmp_path_factory.mktemp("worker-log") / "worker.log").open("w+")
    worker = subprocess.Popen(
        # solo: one task at a time, in the order they arrive, so tests can reason about order
        [*celery, "worker", "--pool", "solo", "--queues", QUEUES, "--hostname", name,
         "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip

    def ready():
        if worker.poll() is not None:
            log.seek(0)
            pytest.fail(f"The Celery worker exited early:\n{log.read()[-3000:]}")
        log.seek(0)
        return " ready." in log.read()

    try:
        wait_for(ready, timeout=60, what="the Celery worker to report ready")
        yield mail_dir
    finally:
        stop_process_group(worker)
        log.close()
