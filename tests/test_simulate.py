"""``simulate`` is deterministic: on two empty databases the same options print the same last line,
down to the certificate log's size and root. Each run is a fresh ``manage.py`` process on its own
database of the profile's engine (SQLite files, or PostgreSQL databases copied from one migrated
template), with Celery eager."""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def environment(database: str, media: Path) -> dict:
    """The embedded default's settings on ``database``; Celery eager: one process, one order of
    events."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in ("CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    return {**inherited, "DATABASE_URL": database, "PRIVATE_MEDIA_ROOT": str(media)}


def manage(database: str, media: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment(database, media),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture
def empty_databases(tmp_path):
    """Two empty, migrated databases of the profile's engine; their DATABASE_URLs."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "sqlite" in engine:
        template = tmp_path / "template.sqlite3"
        migrated = manage(f"sqlite:///{template}", tmp_path / "media", "migrate", "-v0")
        assert migrated.returncode == 0, migrated.stderr
        urls = []
        for name in ("a", "b"):
            shutil.copy(template, tmp_path / f"{name}.sqlite3")
            urls.append(f"sqlite:///{tmp_path / f'{name}.sqlite3'}")
        yield urls
        return
    server = settings.DATABASES["default"]
    base = f"postgres://{server['USER']}@{server['HOST']}:{server['PORT']}"
    names = [f"exchange_sim_{uuid.uuid4().hex[:8]}" for _ in range(3)]
    admin = psycopg.connect(f"{base}/postgres", autocommit=True)
    try:
        admin.execute(f'CREATE DATABASE "{names[0]}"')
        migrated = manage(f"{base}/{names[0]}", tmp_path / "media", "migrate", "-v0")
        assert migrated.returncode == 0, migrated.stderr
        for name in names[1:]:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{names[0]}"')
        yield [f"{base}/{name}" for name in names[1:]]
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_the_same_options_on_empty_databases_print_the_same_last_line(empty_databases, tmp_path):
    command = ("simulate", "--seed", "7", "--days", "30")
    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", *command, "--report", str(tmp_path / f"{number}.html")],
            cwd=ROOT,
            env=environment(url, tmp_path / f"media{number}"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number, url in enumerate(empty_databases)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err[-3000:]
    lines = [out.strip().splitlines()[-1] for out, _err in outputs]
    assert lines[0] == lines[1]
    assert lines[0].startswith("simulated 30 days from 2026-03-02 (seed 7): ")
    words = lines[0].split()
    assert words[-3] == "log" and int(words[-2]) > 100  # the log's size, then its root
    # The report: the same figures, charted by the vendored ECharts inside the one file.
    report = (tmp_path / "0.html").read_text(encoding="utf-8")
    assert '<script id="figures" type="application/json">' in report and "echarts.init" in report
    assert report == (tmp_path / "1.html").read_text(encoding="utf-8")
    assert f"report: {tmp_path / '0.html'}" in outputs[0][0]
    # A second run on a database that holds a simulated market is refused, by name.
    again = manage(empty_databases[0], tmp_path / "media0", *command)
    assert again.returncode != 0 and "simulated market already" in again.stderr


def test_bad_options_are_refused_by_name(tmp_path):
    refused = manage("sqlite:///:memory:", tmp_path / "media", "simulate", "--dispute-rate", "2")
    assert refused.returncode != 0
    assert "--dispute-rate: a share from 0 to 1" in refused.stderr
