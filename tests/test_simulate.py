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

from seeds import scenario

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
def fresh_databases(tmp_path):
    """``make(n)``: n empty, migrated databases of the profile's engine (copies of one migrated
    template); their DATABASE_URLs."""
    engine = settings.DATABASES["default"]["ENGINE"]
    server = settings.DATABASES["default"]
    base = f"postgres://{server['USER']}@{server['HOST']}:{server['PORT']}"
    made: list[str] = []
    admin = None

    def make(count: int) -> list[str]:
        nonlocal admin
        if "sqlite" in engine:
            template = tmp_path / "template.sqlite3"
            migrated = manage(f"sqlite:///{template}", tmp_path / "media", "migrate", "-v0")
            assert migrated.returncode == 0, migrated.stderr
            urls = []
            for number in range(count):
                shutil.copy(template, tmp_path / f"{number}.sqlite3")
                urls.append(f"sqlite:///{tmp_path / f'{number}.sqlite3'}")
            return urls
        admin = psycopg.connect(f"{base}/postgres", autocommit=True)
        names = [f"exchange_sim_{uuid.uuid4().hex[:8]}" for _ in range(count + 1)]
        made.extend(names)
        admin.execute(f'CREATE DATABASE "{names[0]}"')
        migrated = manage(f"{base}/{names[0]}", tmp_path / "media", "migrate", "-v0")
        assert migrated.returncode == 0, migrated.stderr
        for name in names[1:]:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{names[0]}"')
        return [f"{base}/{name}" for name in names[1:]]

    yield make
    if admin is not None:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            # the tamper step's copy of a database, if a scenario made one
            admin.execute(f'DROP DATABASE IF EXISTS "{name}_tampered_40" WITH (FORCE)')
        admin.close()


def run_all(commands: list[tuple[str, tuple]], tmp_path) -> list[tuple[int, str, str]]:
    """Run ``manage.py`` commands side by side, each ``(database, args)``; (exit, out, err)."""
    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=environment(url, tmp_path / f"media{number}"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number, (url, args) in enumerate(commands)
    ]
    outputs = [run.communicate(timeout=900) for run in runs]
    return [(run.returncode, out, err) for run, (out, err) in zip(runs, outputs, strict=True)]


def test_the_same_options_on_empty_databases_print_the_same_last_line(fresh_databases, tmp_path):
    databases = fresh_databases(2)
    command = ("simulate", "--seed", "7", "--days", "30")
    results = run_all(
        [
            (url, (*command, "--report", str(tmp_path / f"{n}.html")))
            for n, url in enumerate(databases)
        ],
        tmp_path,
    )
    for code, _out, err in results:
        assert code == 0, err[-3000:]
    lines = [out.strip().splitlines()[-1] for _code, out, _err in results]
    assert lines[0] == lines[1]
    assert lines[0].startswith("simulated 30 days from 2026-03-02 (seed 7): ")
    words = lines[0].split()
    assert words[-3] == "log" and int(words[-2]) > 100  # the log's size, then its root
    # The report: the same figures, charted by the vendored ECharts inside the one file.
    report = (tmp_path / "0.html").read_text(encoding="utf-8")
    assert '<script id="figures" type="application/json">' in report and "echarts.init" in report
    assert report == (tmp_path / "1.html").read_text(encoding="utf-8")
    assert f"report: {tmp_path / '0.html'}" in results[0][1]
    # A second run on a database that holds a simulated market is refused, by name.
    again = manage(databases[0], tmp_path / "media0", *command)
    assert again.returncode != 0 and "simulated market already" in again.stderr


def test_each_classroom_scenario_tells_its_story_and_its_outcomes_come_true(
    fresh_databases, tmp_path
):
    stories = sorted(path.stem for path in scenario.FOLDER.glob("*.yaml"))
    assert {
        "national-holiday",
        "partial-refund",
        "personal-information",
        "cross-border",
        "tampered-log",
    } <= set(stories)
    # And one whose expected outcome is wrong: the check says so, and the run fails.
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        "title: wrong\noptions: {seed: 3, days: 3}\n"
        "expect:\n  - {check: settled_in_batch, cleared_on: 2026-03-03, batch: 2026-03-05}\n",
        encoding="utf-8",
    )
    names = [*stories, str(wrong)]
    databases = fresh_databases(len(names))
    results = run_all(
        [
            (url, ("simulate", "--scenario", name, "--report", str(tmp_path / f"{n}.html")))
            for n, (url, name) in enumerate(zip(databases, names, strict=True))
        ],
        tmp_path,
    )
    for name, (code, out, err) in zip(stories, results, strict=False):
        checks = [line for line in out.splitlines() if line[:2] in ("✓ ", "✗ ")]
        assert code == 0 and checks and all(line.startswith("✓") for line in checks), (
            name,
            out[-2000:],
            err[-2000:],
        )
    code, out, err = results[-1]
    assert code != 0 and "1 of the scenario's 1 outcomes did not come true" in err
    assert "✗ settled_in_batch:" in out and "settled in the batch of 2026-03-04" in out


def test_a_scenario_file_that_cannot_run_is_refused_by_place_and_rule(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "title: bad\nsteps:\n  - {on: 2026-03-04, do: dispute, outcome: dismiss}\n"
        "expect:\n  - {check: reconciled}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        scenario.ScenarioError, match=r"steps\[1\]\.day: a date \(YYYY-MM-DD\), not None"
    ):
        scenario.load(bad)
    bad.write_text(
        "title: bad\noptions: {speed: 2}\nexpect: [{check: reconciled}]\n", encoding="utf-8"
    )
    with pytest.raises(scenario.ScenarioError, match="options: unknown speed"):
        scenario.load(bad)


def test_bad_options_are_refused_by_name(tmp_path):
    refused = manage("sqlite:///:memory:", tmp_path / "media", "simulate", "--dispute-rate", "2")
    assert refused.returncode != 0
    assert "--dispute-rate: a share from 0 to 1" in refused.stderr
