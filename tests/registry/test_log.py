"""The database-backed log: appends, tiles, checkpoints, proofs, and its append-only guards."""

import base64

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext

from exchange.models import AppendOnlyError
from exchange.registry import log, merkle, notes, tiles
from exchange.registry.models import Checkpoint, LogBundlePart, LogKey, LogState, LogTile

pytestmark = pytest.mark.django_db


def entries(count: int, start: int = 0) -> list[bytes]:
    return [f'{{"entry":{start + n}}}'.encode() for n in range(count)]


def leaves(data: list[bytes]) -> list[bytes]:
    return [merkle.leaf_hash(entry) for entry in data]


def test_appends_are_dense_and_every_batch_ends_with_one_signed_checkpoint():
    first = log.append(entries(3))
    second = log.append(entries(2, start=3))
    assert (first.first_index, second.first_index) == (0, 3)
    assert log.entries(0, 10) == list(enumerate(entries(5)))
    # Each append stored its entries as one part of bundle 0.
    assert list(LogBundlePart.objects.values_list("first", "count")) == [(0, 3), (3, 2)]
    assert list(Checkpoint.objects.order_by("size").values_list("size", flat=True)) == [3, 5]
    latest = log.latest_checkpoint()
    signed = notes.open_checkpoint(latest.note, log.verifier_key(latest.key))
    assert signed.origin == latest.key.name
    assert signed.root == merkle.root(leaves(entries(5))) == bytes(latest.root)


def test_the_tiles_hold_what_the_tree_is_made_of():
    data = entries(600)
    for batch in range(0, 600, 170):  # batches that end in the middle of tiles
        log.append(data[batch : batch + 170])
    hashes = leaves(data)
    stored = {(t.level, t.index): bytes(t.hashes) for t in LogTile.objects.all()}
    assert set(stored) == {(0, 0), (0, 1), (0, 2), (1, 0)}
    assert stored[(0, 0)] == b"".join(hashes[:256])
    assert stored[(0, 2)] == b"".join(hashes[512:600])
    assert stored[(1, 0)] == merkle.root(hashes[:256]) + merkle.root(hashes[256:512])
    state = LogState.objects.get()
    assert state.size == 600
    assert merkle.CompactRange.from_bytes(600, bytes(state.frontier)).root() == merkle.root(hashes)


@pytest.mark.parametrize("size", [1, 2, 7, 256, 257, 600])
def test_proofs_from_the_database_equal_the_reference_proofs(size):
    data = entries(size)
    log.append(data)
    hashes = leaves(data)
    for index in {0, size // 2, size - 1}:
        assert log.inclusion_proof(index, size) == merkle.inclusion_proof(index, hashes)
    for first in {1, size // 3 or 1, size}:
        assert log.consistency_proof(first, size) == merkle.consistency_proof(first, hashes)
    assert log.root_at(size) == merkle.root(hashes)


def test_proofs_work_at_any_size_up_to_the_log_not_only_checkpoint_sizes():
    data = entries(300)
    log.append(data)
    hashes = leaves(data)
    for size in (1, 5, 255, 256, 299):
        proof = log.inclusion_proof(size - 1, size)
        merkle.verify_inclusion(size - 1, size, hashes[size - 1], proof, merkle.root(hashes[:size]))
        merkle.verify_consistency(
            size,
            300,
            merkle.root(hashes[:size]),
            merkle.root(hashes),
            log.consistency_proof(size, 300),
        )


def test_a_proof_costs_one_query_whatever_the_size(django_assert_num_queries):
    log.append(entries(2000))
    with django_assert_num_queries(1):
        log.inclusion_proof(1234, 2000)
    with django_assert_num_queries(1):
        log.consistency_proof(777, 2000)


def test_an_append_reads_only_the_head_and_the_right_edge_tiles():
    log.append(entries(700))
    with CaptureQueriesContext(connection) as queries:
        log.append(entries(3, start=700))
    reads = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    tile_reads = [sql for sql in reads if "registry_logtile" in sql]
    assert len(tile_reads) == 1
    assert "registry_logbundlepart" not in " ".join(reads)


def test_tiles_and_bundles_are_cut_to_the_width_asked():
    data = entries(300)
    log.append(data)
    hashes = leaves(data)
    assert log.tile_data(0, 0, 256, 300) == b"".join(hashes[:256])
    assert log.tile_data(0, 1, 44, 300) == b"".join(hashes[256:300])
    assert log.tile_data(0, 1, 10, 300) == b"".join(hashes[256:266])
    assert log.tile_data(0, 1, 45, 300) is None  # wider than the log
    assert log.tile_data(1, 0, 1, 300) == merkle.root(hashes[:256])
    bundle = log.entry_bundle(1, 2, 300)
    assert bundle == b"".join(len(e).to_bytes(2, "big") + e for e in data[256:258])


def test_a_bundle_is_the_parts_its_appends_stored_cut_to_the_width_asked():
    data = entries(600)
    for batch in range(0, 600, 170):  # appends that start and end inside bundles
        log.append(data[batch : batch + 170])
    parts = list(LogBundlePart.objects.values_list("first", "count"))
    assert parts == [(0, 170), (170, 86), (256, 84), (340, 170), (510, 2), (512, 88)]
    packed = [len(e).to_bytes(2, "big") + e for e in data]
    assert log.entry_bundle(0, 256, 600) == b"".join(packed[:256])
    assert log.entry_bundle(1, 256, 600) == b"".join(packed[256:512])
    assert log.entry_bundle(2, 88, 600) == b"".join(packed[512:600])
    assert log.entry_bundle(2, 38, 550) == b"".join(packed[512:550])  # an older, smaller tree
    assert log.entry_bundle(2, 89, 600) is None  # wider than the log
    assert log.entries(165, 260) == list(enumerate(data[165:260], start=165))
    assert log.entry(599) == data[599] and log.entry(600) is None


@pytest.mark.parametrize(
    ("first", "count"), [(250, 7), (0, 257), (10, 0)], ids=["crosses", "too many", "empty"]
)
def test_the_database_refuses_a_part_that_is_not_within_one_bundle(first, count):
    refused = pytest.raises(IntegrityError)
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registry_logbundlepart (first, count, data) VALUES (%s, %s, %s)",
            [first, count, b"\x00\x01x" * count],
        )


def test_empty_and_oversized_entries_are_refused_and_nothing_is_written():
    with pytest.raises(ValueError, match="entry 1 has 0 bytes"):
        log.append([b"ok", b""])
    with pytest.raises(ValueError, match="65535"):
        log.append([b"x" * 65536])
    with pytest.raises(ValueError, match="nothing to append"):
        log.append([])
    assert not LogBundlePart.objects.exists() and not Checkpoint.objects.exists()


def test_the_embedded_key_is_made_once_and_kept_in_the_database():
    log.append(entries(1))
    log.append(entries(1, start=1))
    key = LogKey.objects.get()
    assert key.seed is not None
    assert set(Checkpoint.objects.values_list("key", flat=True)) == {key.pk}
    vkey = log.verifier_key(key)
    _name, public = notes.parse_verifier_key(vkey)
    assert public == notes.public_key_of(bytes(key.seed))
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 1


def test_a_key_from_the_environment_signs_and_only_its_public_half_is_stored(settings):
    seed = bytes(range(32))
    settings.REGISTRY_LOG_SIGNER_KEY = notes.signer_key(settings.REGISTRY_LOG_ORIGIN, seed)
    log.append(entries(1))
    key = LogKey.objects.get()
    assert key.seed is None and bytes(key.public_key) == notes.public_key_of(seed)
    notes.open_checkpoint(log.latest_checkpoint().note, log.verifier_key(key))


def test_a_key_named_after_another_origin_is_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.REGISTRY_LOG_SIGNER_KEY = notes.signer_key("other.example/log", bytes(32))
    with pytest.raises(ImproperlyConfigured, match="REGISTRY_LOG_ORIGIN"):
        log.append(entries(1))
    assert not LogBundlePart.objects.exists()


# --- append-only, in the model layer and in the database ----------------------------------------


def test_the_model_layer_refuses_to_change_or_delete_an_entry():
    log.append(entries(1))
    entry = LogBundlePart.objects.get()
    entry.data = b"forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE registry_logbundlepart SET data = %s",
        "DELETE FROM registry_logbundlepart",
        "UPDATE registry_checkpoint SET note = %s",
        "DELETE FROM registry_checkpoint",
        "UPDATE registry_certificate SET registrant_name = %s",
        "DELETE FROM registry_certificate",
        "DELETE FROM registry_logtile",
    ],
)
def test_the_database_refuses_raw_changes(issue, statement):
    issue(3)
    refused = pytest.raises((IntegrityError, DatabaseError), match="append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [b"forged"] if "%s" in statement else None)


def test_a_tile_may_only_grow_until_it_is_full():
    log.append(entries(300))
    update = 'UPDATE registry_logtile SET hashes = %s WHERE level = 0 AND "index" = %s'
    for index, forged in ((0, b"\0" * 8192), (1, b"\0" * 64 * 32)):  # full; partial rewritten
        refused = pytest.raises(DatabaseError, match="may only grow")
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(update, [forged, index])
    assert LogTile.objects.get(level=0, index=1).hashes == b"".join(leaves(entries(300))[256:])


def test_the_triggers_exist_after_the_migrations():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'registry_%'"
            )
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'registry_%'")
        names = {row[0] for row in cursor.fetchall()}
    for table in (
        "registry_logbundlepart",
        "registry_checkpoint",
        "registry_certificate",
        "registry_logtile",
    ):
        assert any(name.startswith(table) for name in names), table


def test_tile_paths_name_what_the_log_serves():
    log.append(entries(3))
    assert tiles.tile_path(0, 0, 3) == "tile/0/000.p/3"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_moves_entries_into_bundle_parts_and_back():
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("registry", "0005_logentry_rowid")], [("registry", "0006_entry_bundle_parts")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        LogEntry = executor.loader.project_state(before).apps.get_model("registry", "LogEntry")
        data = entries(600)
        LogEntry.objects.bulk_create(LogEntry(index=n, data=e) for n, e in enumerate(data))
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        assert list(LogBundlePart.objects.values_list("first", "count")) == [
            (0, 256),
            (256, 256),
            (512, 88),
        ]
        assert log.entries(0, 600) == list(enumerate(data))
        with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
            cursor.execute("DELETE FROM registry_logbundlepart")
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        LogEntry = executor.loader.project_state(before).apps.get_model("registry", "LogEntry")
        assert list(LogEntry.objects.order_by("index").values_list("data", flat=True)) == data
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
