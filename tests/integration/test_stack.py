"""bin/stack: gunicorn + Celery worker + Celery beat against this machine's PostgreSQL and Redis.

The stack gets a database of its own (created by bin/stack, dropped here), Redis database 14, a
free port, its own worker name and beat schedule file. It must come up healthy, answer a ping
from its worker, start beat, and stop completely on one SIGTERM to its process group.
This test does not use Django's test database.
"""

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.processes import stop_process_group

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 14
START_TIMEOUT = 90
STOP_TIMEOUT = 30


def postgres_server() -> dict:
    """Host, port and user of the suite's PostgreSQL server (127.0.0.1:5432, user postgres)."""
    db = connection.settings_dict if connection.vendor == "postgresql" else {}
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": int(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or "",
    }


def admin_connection(server: dict) -> psycopg.Connection:
    try:
        return psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **server)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL at {server['host']}:{server['port']} (user {server['user']}) is not "
            f"reachable: {error}. Start it (pg_ctlcluster <version> main start); bin/stack needs it.",
            pytrace=False,
        )


def redis_url() -> str:
    """The suite's Redis server (127.0.0.1:6379 by default), database 14."""
    broker = urlsplit(settings.CELERY_BROKER_URL)
    netloc = broker.netloc if broker.scheme == "redis" else "127.0.0.1:6379"
    return f"redis://{netloc}/{REDIS_DB}"


def flush_redis(url: str) -> None:
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5) as client:
            client.flushdb()
    except redis.RedisError as error:
        pytest.fail(
            f"Redis at {url} is not reachable: {error}. Start it: redis-server --daemonize yes "
            "--bind 127.0.0.1 --port 6379",
            pytrace=False,
        )


def drop_database(server: dict, name: str) -> None:
    with admin_connection(server) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def session_members(session_id: int) -> list[int]:
    """PIDs of the live processes in the session ``session_id`` (from /proc)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        # pid (comm) state ppid pgrp session ...; comm may contain spaces and parentheses
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == session_id:
            members.append(int(entry.name))
    return members


def healthz(url: str) -> tuple[int, dict | None]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, None


def test_bin_stack_runs_web_worker_and_beat_and_stops_cleanly(tmp_path):
    server = postgres_server()
    admin_connection(server).close()  # fail early, with what to start, when PostgreSQL is down
    broker = redis_url()
    flush_redis(broker)  # also fails early when Redis is down

    database = f"exchange_stack_{secrets.token_hex(4)}"
    password = f":{server['password']}" if server["password"] else ""
    port = free_port()
    hostname = socket.gethostname()
    worker_name = f"stack-{os.getpid()}-{secrets.token_hex(3)}"
    env = {
        key: value
        for key, value in os.environ.items()
        # bin/stack chooses its own profile; pytest's exchange.settings.test must not leak in.
        if key not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DATABASE_URL=f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{database}",
        CELERY_BROKER_URL=broker,
        WEB_HOST="127.0.0.1",
        WEB_PORT=str(port),
        WEB_CONCURRENCY="1",
        WORKER_CONCURRENCY="1",
        WORKER_NAME=worker_name,
        BEAT_SCHEDULE_FILE=str(tmp_path / "celerybeat-schedule"),
        DJANGO_STATIC_ROOT=str(tmp_path / "staticfiles"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "uploads"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    log_path = tmp_path / "stack.log"

    def log_tail() -> str:
        return log_path.read_text(errors="replace")[-4000:] if log_path.exists() else "(no output)"

    with log_path.open("w") as log:
        stack = subprocess.Popen(
            [str(ROOT / "bin" / "stack")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # 1. web answers /healthz with the database and the broker reachable
        deadline = time.monotonic() + START_TIMEOUT
        status, health = 0, None
        while not (status == 200 and health == {"status": "ok", "database": "ok", "broker": "ok"}):
            assert stack.poll() is None, f"bin/stack exited with {stack.returncode}:\n{log_tail()}"
            assert time.monotonic() < deadline, (
                f"/healthz was not healthy after {START_TIMEOUT} s (last: {status} {health}):\n"
                f"{log_tail()}"
            )
            time.sleep(0.5)
            status, health = healthz(f"http://127.0.0.1:{port}/healthz")

        # 2. the worker answers a ping by its node name, from a process with the same environment
        node = f"{worker_name}@{hostname}"
        deadline = time.monotonic() + 45
        while True:
            ping = subprocess.run(
                [sys.executable, "-m", "celery", "-A", "exchange", "inspect", "ping",
                 "--destination", node, "--timeout", "5"],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            if ping.returncode == 0 and f"{node}: OK" in ping.stdout and "pong" in ping.stdout:
                break
            assert stack.poll() is None, f"bin/stack exited with {stack.returncode}:\n{log_tail()}"
            assert time.monotonic() < deadline, (
                f"The worker {node} did not answer a ping:\n{ping.stdout}\n{ping.stderr}\n{log_tail()}"
            )
            time.sleep(1)

        # 3. beat started, with the schedule file it was given
        deadline = time.monotonic() + 30
        while "beat: Starting" not in log_path.read_text(errors="replace"):
            assert time.monotonic() < deadline, f"beat did not start:\n{log_tail()}"
            time.sleep(0.5)
        assert str(tmp_path / "celerybeat-schedule") in log_path.read_text(errors="replace")

        # 4. one SIGTERM to the process group stops everything bin/stack started
        members = session_members(stack.pid)
        assert len(members) >= 4, f"expected honcho, gunicorn, worker and beat, found {members}"
        stop_process_group(stack, timeout=STOP_TIMEOUT)
        deadline = time.monotonic() + 15
        while left := session_members(stack.pid):
            assert time.monotonic() < deadline, f"still running after the stack stopped: {left}"
            time.sleep(0.2)
        assert healthz(f"http://127.0.0.1:{port}/healthz")[0] == 0, "the port still answers"
    except BaseException:
        print(f"--- bin/stack output (tail) ---\n{log_tail()}")
        raise
    finally:
        if stack.poll() is None or session_members(stack.pid):
            stop_process_group(stack, timeout=STOP_TIMEOUT)
            for pid in session_members(stack.pid):  # children that outlived honcho
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        drop_database(server, database)
        flush_redis(broker)
