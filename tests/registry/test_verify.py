"""verify_log: the whole log checked from its stored bytes, in one process or several.

Most tests run inside the test's transaction, where ``workers > 1`` checks the same ranges in this
process (other connections could not see the rows); the transactional tests at the end run real
worker processes, in the test process and through ``manage.py verify_log`` in a subprocess.
"""

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from exchange.registry import log, notes
from exchange.registry.models import Checkpoint, LogState, LogTile
from exchange.registry.verify import verify_log
from tests.registry.conftest import as_insider, forge_entry, remove_entry

pytestmark = pytest.mark.django_db

SIZE = 1100  # four full level-0 tiles and a partial one; four hashes in level-1 tile 0
BATCH = 170  # checkpoints in the middle of tiles
WORKERS = [1, 2, 3]


def record(number: int) -> bytes:
    """A certificate record shaped like ``services.log_record``'s, as canonical JSON."""
    data = {
        "action": "initial",
        "content_sha256": f"{number:064x}",
        "issued_at": "2026-05-18T08:00:00.000000Z",
        "kind": "DR",
        "number": f"DR-2026-{number:06d}",
        "reason": "",
        "references": None,
        "registrant": {"credit_code": "91310000MA1K000000", "name": "上海测试数据科技有限公司"},
        "rights": ["resource_holding"],
        "subject": {"id": number, "label": f"测试数据资源 {number}", "type": "tests.resource"},
        "valid_until": "2029-05-18T08:00:00.000000Z",
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


@pytest.fixture
def logged() -> int:
    for start in range(0, SIZE, BATCH):
        log.append([record(n) for n in range(start, min(SIZE, start + BATCH))])
    return SIZE


def alter_entry(index: int) -> None:
    data = log.entry(index)
    forged = data.replace(b'"kind":"DR"', b'"kind":"DA"')
    assert forged != data
    forge_entry(index, forged)


def alter_tile_hash(level: int, index: int, position: int) -> None:
    data = bytearray(LogTile.objects.get(level=level, index=index).hashes)
    data[position * 32] ^= 1
    as_insider(
        "registry_logtile",
        'UPDATE registry_logtile SET hashes = %s WHERE level = %s AND "index" = %s',
        [bytes(data), level, index],
    )


def resign_checkpoint(size: int) -> None:
    """Replace the checkpoint's note by the same checkpoint signed with another key."""
    checkpoint = Checkpoint.objects.get(size=size)
    body = notes.Checkpoint(origin=checkpoint.key.name, size=size, root=bytes(checkpoint.root))
    forged = notes.sign_checkpoint(body, checkpoint.key.name, notes.generate_seed())
    as_insider(
        "registry_checkpoint",
        "UPDATE registry_checkpoint SET note = %s WHERE size = %s",
        [forged, size],
    )


def as_tuple(report) -> tuple:
    return report.entries, report.checkpoints, report.tiles, report.bad_entry, report.problems


# --- what each kind of damage looks like ---------------------------------------------------------


@pytest.mark.parametrize("workers", WORKERS)
def test_a_clean_log_verifies(logged, workers):
    report = verify_log(workers=workers)
    assert report.ok and report.problems == [] and report.bad_entry is None
    # 7 checkpoints (one per batch of 170); tiles 0/0..0/4 and 1/0
    assert (report.entries, report.checkpoints, report.tiles) == (SIZE, 7, 6)


@pytest.mark.parametrize("workers", WORKERS)
def test_an_altered_entry_is_named_once(logged, workers):
    alter_entry(700)
    report = verify_log(workers=workers)
    assert report.bad_entry == 700
    assert report.problems == ["entry 700: its bytes do not match the logged leaf hash"]
    assert report.entries == SIZE


@pytest.mark.parametrize("workers", WORKERS)
def test_a_stored_part_that_does_not_parse_stops_the_check_there(logged, workers):
    # The part of entries 680..767 (the append of 680..849 within bundle 2), one byte short.
    as_insider(
        "registry_logbundlepart",
        "UPDATE registry_logbundlepart SET data = substr(data, 1, length(data) - 1) "
        "WHERE first = %s"
        if connection.vendor == "sqlite"
        else "UPDATE registry_logbundlepart SET data = substring(data from 1 for length(data) - 1) "
        "WHERE first = %s",
        [680],
    )
    report = verify_log(workers=workers)
    assert report.bad_entry == 680
    assert report.problems[0] == (
        "entry 680: the stored part of entries 680..767 does not parse as 88 length-prefixed entries"
    )
    assert report.entries == 680


@pytest.mark.parametrize("workers", WORKERS)
def test_an_altered_tile_hash_is_reported(logged, workers):
    alter_tile_hash(level=1, index=0, position=2)
    report = verify_log(workers=workers)
    assert report.bad_entry is None
    assert report.problems == ["tile 1/0: hash 2 differs (covers entries 512..767)"]


@pytest.mark.parametrize("workers", WORKERS)
def test_an_altered_leaf_hash_names_its_entry(logged, workers):
    alter_tile_hash(level=0, index=1, position=3)
    report = verify_log(workers=workers)
    assert report.bad_entry == 259
    # The checkpoints from 340 on were signed over the true leaf; the pass meets each problem
    # at the leaf that completes it (tile 1/0 hash 1 at leaf 511, after checkpoint 510).
    roots = [f"checkpoint {size}: the entries give another root" for size in (340, 510, 680)]
    assert report.problems == [
        "entry 259: its bytes do not match the logged leaf hash",
        *roots[:2],
        "tile 1/0: hash 1 differs (covers entries 256..511)",
        roots[2],
        *(f"checkpoint {size}: the entries give another root" for size in (850, 1020, 1100)),
        "the head's frontier differs from the rebuilt tree",
    ]


@pytest.mark.parametrize("workers", WORKERS)
def test_a_checkpoint_signed_by_another_key_is_reported(logged, workers):
    resign_checkpoint(340)
    key = Checkpoint.objects.get(size=340).key
    expected_id = notes.key_id(key.name, bytes(key.public_key)).hex()
    report = verify_log(workers=workers)
    assert report.bad_entry is None
    assert report.problems == [
        f"checkpoint 340: signature: note has no signature by key {key.name}+{expected_id}"
    ]


@pytest.mark.parametrize("workers", WORKERS)
def test_a_missing_entry_stops_the_check_at_the_gap(logged, workers):
    remove_entry(512)  # the first entry of a range when split for two workers or more
    report = verify_log(workers=workers)
    assert report.bad_entry == 512
    assert report.problems == [
        "entry 512: missing (the indexes have a gap)",
        f"the log's head says {SIZE} entries; 512 are stored",
    ]
    assert (report.entries, report.tiles) == (512, 3)


@pytest.mark.parametrize("workers", WORKERS)
def test_a_head_that_disagrees_with_the_entries_is_reported(logged, workers):
    LogState.objects.filter(pk=LogState.SINGLETON_ID).update(frontier=b"\0" * 32 * 3)
    assert verify_log(workers=workers).problems == [
        "the head's frontier differs from the rebuilt tree"
    ]


def test_every_mode_gives_the_same_report_for_a_log_broken_in_many_places(logged):
    alter_entry(5)
    alter_entry(511)
    alter_entry(512)
    alter_tile_hash(level=1, index=0, position=3)
    resign_checkpoint(680)
    remove_entry(1090)
    reports = [as_tuple(verify_log(workers=workers)) for workers in WORKERS]
    assert reports[0][3] == 5 and len(reports[0][4]) == 7
    assert reports[1] == reports[0] and reports[2] == reports[0]


def test_progress_reaches_the_log_size(logged):
    seen = []
    verify_log(progress=lambda done, total: seen.append((done, total)), workers=2)
    assert seen[-1] == (SIZE, SIZE)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_an_empty_log_verifies():
    report = verify_log(workers=2)
    assert report.ok and (report.entries, report.checkpoints, report.tiles) == (0, 0, 0)


# --- the command ----------------------------------------------------------------------------------


def run_command(*args: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    try:
        call_command("verify_log", *args, stdout=out, verbosity=0)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue().splitlines()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_command_names_the_first_bad_entry_first(logged, workers):
    assert run_command("--workers", workers) == (
        0,
        [f"ok: {SIZE} entries, 7 checkpoints, 6 tiles verified"],
    )
    alter_entry(900)
    alter_entry(300)
    code, lines = run_command("--workers", workers)
    assert code == 1
    assert lines == [
        "entry 300",
        "entry 300: its bytes do not match the logged leaf hash",
        "entry 900: its bytes do not match the logged leaf hash",
    ]


def test_the_command_refuses_zero_workers():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="workers"):
        call_command("verify_log", "--workers", "0")


# --- real worker processes ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_processes_find_what_one_process_finds(logged):
    alter_entry(5)
    alter_tile_hash(level=1, index=0, position=3)
    remove_entry(1090)
    # Workers are forked only from a single-threaded process on a database other processes can
    # open; elsewhere (a test run with threads, in-memory SQLite) the ranges are checked here.
    # The subprocess test below always forks them.
    assert as_tuple(verify_log(workers=2)) == as_tuple(verify_log(workers=1))


def database_url_for_another_process(folder: Path) -> str:
    """A URL at which another process finds this test's (committed) log."""
    if connection.vendor == "sqlite":
        copy = folder / "log.sqlite3"
        with sqlite3.connect(copy) as target:
            connection.ensure_connection()
            connection.connection.backup(target)
        return f"sqlite:///{copy}"
    params = connection.settings_dict
    host = params["HOST"] or "127.0.0.1"
    return f"postgres://{params['USER']}@{host}:{params['PORT'] or 5432}/{params['NAME']}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_manage_py_verify_log_with_worker_processes_names_the_bad_entry(logged, tmp_path):
    alter_entry(777)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exchange.settings.test",
        "DATABASE_URL": database_url_for_another_process(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_log", "--workers", "2"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "entry 777",
        "entry 777: its bytes do not match the logged leaf hash",
    ]
