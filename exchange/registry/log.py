"""The certificate transparency log: append, sign checkpoints, read tiles and proofs.

The tree is RFC 9162's; it is stored as C2SP tlog-tiles (256 hashes a tile) next to the entries,
which are stored as parts of their C2SP entry bundles (one row per append and bundle), and the
head keeps a compact-range frontier, so an append reads only the head and the right-edge tile of
each level, and a proof reads a handful of tiles in one query, whatever the log's size. Every
append is one transaction that ends with a signed checkpoint of the new size.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from exchange import clock
from exchange.registry import merkle, notes, tiles
from exchange.registry.models import Checkpoint, LogBundlePart, LogKey, LogState, LogTile

HASH = merkle.HASH_SIZE
MAX_ENTRY_BYTES = 0xFFFF  # an entry bundle prefixes each entry with its 2-byte length
INDEX = '"index"'  # a column named like an SQL keyword, quoted the same way on both databases


@dataclass(frozen=True)
class Appended:
    first_index: int
    checkpoint: Checkpoint


# --- keys ----------------------------------------------------------------------------------------


def signing_key() -> tuple[LogKey, bytes]:
    """The log's key row and Ed25519 seed: from REGISTRY_LOG_SIGNER_KEY, or kept in the database.

    The embedded default generates its key on first use; call it under the log lock. One raw
    SELECT when the key exists: every append signs.
    """
    origin = settings.REGISTRY_LOG_ORIGIN
    if settings.REGISTRY_LOG_SIGNER_KEY:
        name, seed = notes.parse_signer_key(settings.REGISTRY_LOG_SIGNER_KEY)
        if name != origin:
            raise ImproperlyConfigured(
                f"REGISTRY_LOG_SIGNER_KEY is named {name!r}; it must be named after the log's "
                f"origin {origin!r} (REGISTRY_LOG_ORIGIN)."
            )
        public_key = notes.public_key_of(seed)
        key = _stored_key("name = %s AND public_key = %s", [name, public_key])
        if key is None:
            key, _ = LogKey.objects.get_or_create(
                name=name, public_key=public_key, defaults={"seed": None}
            )
        return key, seed
    key = _stored_key("name = %s AND seed IS NOT NULL", [origin])
    if key is None:
        seed = notes.generate_seed()
        key = LogKey.objects.create(name=origin, public_key=notes.public_key_of(seed), seed=seed)
    return key, bytes(key.seed)


def _stored_key(where: str, params: list) -> LogKey | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, name, public_key, seed, created_at FROM registry_logkey WHERE {where} "
            "ORDER BY id LIMIT 1",
            params,
        )
        row = cursor.fetchone()
    if row is None:
        return None
    key_id, name, public_key, seed, created_at = row
    return LogKey.from_db(
        connection.alias,
        ["id", "name", "public_key", "seed", "created_at"],
        [key_id, name, bytes(public_key), seed and bytes(seed), clock.from_db(created_at)],
    )


def verifier_key(key: LogKey) -> str:
    return notes.verifier_key(key.name, bytes(key.public_key))


# --- writing -------------------------------------------------------------------------------------
# An append is a handful of fixed statements around two bulk inserts; they are raw SQL because
# building them through the ORM cost more than the database's work (bench/bench_log.py).


def lock_head() -> tuple[int, bytes]:
    """Lock the log's head row (one appender at a time) and return its size and frontier."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute(
                f"SELECT size, frontier FROM registry_logstate WHERE id = %s{lock}",
                [LogState.SINGLETON_ID],
            )
            row = cursor.fetchone()
            if row is not None:
                return row[0], bytes(row[1])
            # A brand-new log: make its head, or wait for the appender that is making it.
            cursor.execute(
                "INSERT INTO registry_logstate (id, size, frontier, updated_at) "
                "VALUES (%s, 0, %s, %s) ON CONFLICT (id) DO NOTHING",
                [LogState.SINGLETON_ID, b"", _write_datetime(timezone.now())],
            )
    raise RuntimeError("the log's head row cannot be read")


@transaction.atomic
def append(entries: Sequence[bytes]) -> Appended:
    """Append ``entries`` (one writer at a time) and sign a checkpoint covering them.

    Raises ValueError when there is nothing to append or an entry is empty or too long.
    """
    if not entries:
        raise ValueError("nothing to append")
    for position, entry in enumerate(entries):
        if not 0 < len(entry) <= MAX_ENTRY_BYTES:
            raise ValueError(f"entry {position} has {len(entry)} bytes; 1..{MAX_ENTRY_BYTES} fit")
    first, frontier_bytes = lock_head()
    frontier = merkle.CompactRange.from_bytes(first, frontier_bytes)
    grown = {place: bytearray(data) for place, data in _read_tiles(_right_edge(first)).items()}
    width = tiles.TILE_WIDTH
    for level, start, hashes in frontier.extend(merkle.leaf_hashes(entries)):
        tile_level, height_in_tile = divmod(level, tiles.TILE_HEIGHT)
        if height_in_tile:
            continue  # only every TILE_HEIGHT-th level is stored: the tiles' rows
        # Cut the level's new hashes at tile boundaries and extend each tile with its share.
        position, index = 0, start
        while position < len(hashes):
            share = min(width - index % width, len(hashes) - position)
            tile = grown.setdefault((tile_level, index // width), bytearray())
            tile.extend(b"".join(hashes[position : position + share]))
            position, index = position + share, index + share
    # The entries go in as parts of their bundles: a part is the share of one bundle.
    parts, position, index = [], 0, first
    while position < len(entries):
        share = min(width - index % width, len(entries) - position)
        parts.append((index, share, tiles.pack_entries(entries[position : position + share])))
        position, index = position + share, index + share
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO registry_logbundlepart (first, count, data) VALUES (%s, %s, %s)", parts
        )
        cursor.executemany(
            f"INSERT INTO registry_logtile (level, {INDEX}, hashes) VALUES (%s, %s, %s) "
            f"ON CONFLICT (level, {INDEX}) DO UPDATE SET hashes = excluded.hashes",
            [(level, index, bytes(data)) for (level, index), data in grown.items()],
        )
        cursor.execute(
            "UPDATE registry_logstate SET size = %s, frontier = %s, updated_at = %s WHERE id = %s",
            [
                frontier.size,
                frontier.to_bytes(),
                _write_datetime(timezone.now()),
                LogState.SINGLETON_ID,
            ],
        )
    return Appended(first_index=first, checkpoint=_sign(frontier.size, frontier.root()))


def _right_edge(size: int) -> list[tuple[int, int]]:
    """The partial tile of each level at ``size``, which the next hashes extend."""
    partial = []
    level = 0
    while (count := size >> (tiles.TILE_HEIGHT * level)) > 0:
        if count % tiles.TILE_WIDTH:
            partial.append((level, count // tiles.TILE_WIDTH))
        level += 1
    return partial


def _sign(size: int, root: bytes) -> Checkpoint:
    key, seed = signing_key()
    note = notes.sign_checkpoint(
        notes.Checkpoint(origin=key.name, size=size, root=root), key.name, seed
    )
    signed_at = clock.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registry_checkpoint (size, root, note, key_id, signed_at) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING id",
            [size, root, note, key.pk, _write_datetime(signed_at)],
        )
        (checkpoint_id,) = cursor.fetchone()
    checkpoint = Checkpoint.from_db(
        connection.alias,
        ["id", "size", "root", "note", "key_id", "signed_at"],
        [checkpoint_id, size, root, note, key.pk, signed_at],
    )
    checkpoint.key = key
    return checkpoint


def _write_datetime(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _read_tiles(places) -> dict[tuple[int, int], bytes]:
    """The stored tiles at ``places`` (level, index), in one query."""
    places = sorted(set(places))
    if not places:
        return {}
    where = " OR ".join(["(level = %s AND " + INDEX + " = %s)"] * len(places))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT level, {INDEX}, hashes FROM registry_logtile WHERE {where}",
            [value for pair in places for value in pair],
        )
        return {(level, index): bytes(data) for level, index, data in cursor.fetchall()}


# --- reading -------------------------------------------------------------------------------------


def latest_checkpoint() -> Checkpoint:
    """The latest signed checkpoint. A brand-new log serves the signed checkpoint of the empty
    tree (size 0, which c2sp.org/tlog-checkpoint allows), so a witness can start before the first
    registration. It is not stored: Ed25519 signatures are deterministic, so every request serves
    the same bytes, and the first append's checkpoint extends it trivially."""
    stored = Checkpoint.objects.select_related("key").order_by("-size").first()
    if stored is not None:
        return stored
    with transaction.atomic():
        lock_head()  # the embedded default may generate its key now: one key, whoever asks first
        key, seed = signing_key()
    body = notes.Checkpoint(origin=key.name, size=0, root=merkle.EMPTY_ROOT)
    return Checkpoint(
        size=0,
        root=merkle.EMPTY_ROOT,
        note=notes.sign_checkpoint(body, key.name, seed),
        key=key,
        signed_at=clock.now(),
    )


def node_hashes(ids: Sequence[merkle.NodeID]) -> list[bytes]:
    """The hashes of perfect subtrees, read from their tiles in one query (raw SQL: a proof is a
    handful of tile reads, cheaper than building the query through the ORM)."""
    if not ids:
        return []
    places = [tiles.tile_of(node) for node in ids]
    stored = _read_tiles((level, index) for level, index, _, _ in places)
    hashes = []
    for node, (level, index, first, count) in zip(ids, places, strict=True):
        data = stored.get((level, index), b"")
        start, end = first * HASH, (first + count) * HASH
        if len(data) < end:
            raise LookupError(f"tile {level}/{index} does not hold node {node}")
        hashes.append(data[start:end] if count == 1 else tiles.fold(data[start:end]))
    return hashes


def inclusion_proof(index: int, size: int) -> list[bytes]:
    """RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` (ValueError if out of range)."""
    nodes = merkle.inclusion_nodes(index, size)
    return nodes.rehash(node_hashes(nodes.ids))


def inclusion_proofs(indices: Sequence[int], size: int) -> list[list[bytes]]:
    """``inclusion_proof`` of each of ``indices`` in the tree of ``size``, its tiles read once."""
    walks = [merkle.inclusion_nodes(index, size) for index in indices]
    ids = sorted({node for walk in walks for node in walk.ids})
    hashes = dict(zip(ids, node_hashes(ids), strict=True))
    return [walk.rehash([hashes[node] for node in walk.ids]) for walk in walks]


def consistency_proof(first: int, second: int) -> list[bytes]:
    """RFC 9162 consistency proof between the trees of ``first`` and ``second`` entries."""
    nodes = merkle.consistency_nodes(first, second)
    return nodes.rehash(node_hashes(nodes.ids))


def root_at(size: int) -> bytes:
    """The root of the tree of ``size`` entries, from the perfect subtrees that cover it."""
    if size == 0:
        return merkle.EMPTY_ROOT
    hashes = node_hashes(merkle.frontier_nodes(size))
    return merkle.CompactRange(size, hashes).root()


def tile_data(level: int, index: int, width: int, size: int) -> bytes | None:
    """Tile ``level/index`` cut to ``width`` hashes, if the tree of ``size`` holds that many."""
    if tiles.tile_width(level, index, size) < width:
        return None
    data = LogTile.objects.filter(level=level, index=index).values_list("hashes", flat=True).first()
    if data is None or len(data) < width * HASH:
        return None
    return bytes(data)[: width * HASH]


def entry_bundle(index: int, width: int, size: int) -> bytes | None:
    """Entries ``256·index`` … of a C2SP entry bundle, each preceded by its 2-byte length."""
    if tiles.tile_width(0, index, size) < width:
        return None
    first = index * tiles.TILE_WIDTH
    data, count = [], 0
    for part_first, part_count, part in _parts(first, first + width):
        if part_first != first + count:
            return None  # a part is missing
        data.append(part)
        count += part_count
    if count < width:
        return None
    bundle = b"".join(data)
    if count > width:  # the log has grown past the width asked: cut after `width` entries
        position = 0
        for _ in range(width):
            position += 2 + int.from_bytes(bundle[position : position + 2], "big")
        bundle = bundle[:position]
    return bundle


def entries(start: int, stop: int) -> list[tuple[int, bytes]]:
    """The stored entries ``start`` … ``stop - 1`` as (index, bytes), in order. The entries of a
    part that does not parse are left out, as missing (``verify_log`` tells what is wrong)."""
    found = []
    for first, _, data in _parts(start, stop):
        try:
            unpacked = tiles.unpack_entries(data)
        except ValueError:
            continue
        found += [
            (index, entry)
            for index, entry in enumerate(unpacked, start=first)
            if start <= index < stop
        ]
    return found


def entry(index: int) -> bytes | None:
    """Entry ``index``'s bytes, or None if it is not stored."""
    found = entries(index, index + 1)
    return found[0][1] if found else None


def _parts(start: int, stop: int) -> list[tuple[int, int, bytes]]:
    """The parts holding entries ``start`` … ``stop - 1``: a part lies within one bundle, so one
    that holds ``start`` begins less than a bundle's width before it."""
    rows = LogBundlePart.objects.filter(first__gt=start - tiles.TILE_WIDTH, first__lt=stop)
    return [
        (first, count, bytes(data))
        for first, count, data in rows.order_by("first").values_list("first", "count", "data")
        if first + count > start
    ]
