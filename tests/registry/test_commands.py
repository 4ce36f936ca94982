"""The log's commands end to end, in subprocesses on a SQLite file: as a teacher runs them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ISSUE = """
from exchange.registry import services
from tests.registry.conftest import registration
services.issue_certificates([registration(n) for n in range(40)])
"""


def manage(*args: str, database: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL")
    }
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("log") / "exchange.sqlite3"
    assert manage("migrate", "-v0", database=path).returncode == 0
    issued = manage("shell", "-c", ISSUE, database=path)
    assert issued.returncode == 0, issued.stderr
    return path


def test_verify_log_passes_on_an_untouched_log(database):
    result = manage("verify_log", database=database)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: 40 entries")


def test_the_tamper_demo_alters_a_copy_and_the_verifier_names_the_entry(database, tmp_path):
    copy = tmp_path / "tampered.sqlite3"
    demo = manage("tamper_log", "--index", "13", "--copy", str(copy), database=database)
    assert demo.returncode == 0, demo.stderr
    assert f"DATABASE_URL=sqlite:///{copy}" in demo.stdout
    verified = manage("verify_log", database=copy)
    assert verified.returncode == 1
    assert verified.stdout.splitlines()[0] == "entry 13"
    assert manage("verify_log", database=database).returncode == 0  # the original is untouched
    api = manage(
        "shell",
        "-c",
        "from django.test import Client; from exchange.registry.models import Certificate; "
        "n = Certificate.objects.get(log_index=13).number; "
        "print(Client().get(f'/api/registry/certificates/{n}/verify/').json()['bad_entry'])",
        database=copy,
    )
    assert api.stdout.strip().splitlines()[-1] == "13"


def test_the_tamper_demo_refuses_the_database_in_use_and_a_missing_entry(database):
    assert (
        "must not be the database in use"
        in manage("tamper_log", "--index", "1", "--copy", str(database), database=database).stderr
    )
    assert "no entry 99" in manage("tamper_log", "--index", "99", database=database).stderr


def test_log_key_prints_the_verifier_key_and_generates_signer_keys(database):
    from exchange.registry import notes

    shown = manage("log_key", database=database)
    name, _ = notes.parse_verifier_key(shown.stdout.strip())
    generated = manage("log_key", "--generate", "--origin", "log.example/x", database=database)
    signer, verifier = generated.stdout.split()
    assert (
        notes.parse_signer_key(signer)[0]
        == "log.example/x"
        == notes.parse_verifier_key(verifier)[0]
    )
    assert name == "registry.data-exchange.example/log"
