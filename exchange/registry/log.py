"""The certificate transparency log: append, sign checkpoints, read tiles and proofs.

The tree is RFC 9162's; it is stored as C2SP tlog-tiles (256 hashes a tile) next to the entries,
and the head keeps a compact-range frontier, so an append reads only the head and the right-edge
tile of each level, and a proof reads a handful of tiles in one query, whatever the log's size.
Every append is one transaction that ends with a signed checkpoint of the new size.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Q

from exchange import clock
from exchange.registry import merkle, notes, tiles
from exchange.registry.models import Checkpoint, LogEntry, LogKey, LogState, LogTile

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

    The embedded default generates its key on first use; call it under the log lock.
    """
    origin = settings.REGISTRY_LOG_ORIGIN
    if settings.REGISTRY_LOG_SIGNER_KEY:
        name, seed = notes.parse_signer_key(settings.REGISTRY_LOG_SIGNER_KEY)
        if name != origin:
            raise ImproperlyConfigured(
                f"REGISTRY_LOG_SIGNER_KEY is named {name!r}; it must be named after the log's "
                f"origin {origin!r} (REGISTRY_LOG_ORIGIN)."
            )
        key, _ = LogKey.objects.get_or_create(
            name=name, public_key=notes.public_key_of(seed), defaults={"seed": None}
        )
        return key, seed
    key = LogKey.objects.filter(name=origin, seed__isnull=False).order_by("pk").first()
    if key is None:
        seed = notes.generate_seed()
        key = LogKey.objects.create(name=origin, public_key=notes.public_key_of(seed), seed=seed)
    return key, bytes(key.seed)


def verifier_key(key: LogKey) -> str:
    return notes.verifier_key(key.name, bytes(key.public_key))


# --- writing -------------------------------------------------------------------------------------


def lock_state() -> LogState:
    state = LogState.objects.select_for_update().filter(pk=LogState.SINGLETON_ID).first()
    if state is None:  # a brand-new log
        LogState.objects.get_or_create(pk=LogState.SINGLETON_ID)
        state = LogState.objects.select_for_update().get(pk=LogState.SINGLETON_ID)
    return state


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
    state = lock_state()
    first = state.size
    frontier = merkle.CompactRange.from_bytes(first, bytes(state.frontier))
    grown = _right_edge_tiles(first)
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
    # Raw inserts: the ORM's bulk_create was most of an append's time.
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO registry_logentry ({INDEX}, data) VALUES (%s, %s)",
            list(zip(range(first, first + len(entries)), entries, strict=True)),
        )
        cursor.executemany(
            f"INSERT INTO registry_logtile (level, {INDEX}, hashes) VALUES (%s, %s, %s) "
            f"ON CONFLICT (level, {INDEX}) DO UPDATE SET hashes = excluded.hashes",
            [(level, index, bytes(data)) for (level, index), data in grown.items()],
        )
    state.size = frontier.size
    state.frontier = frontier.to_bytes()
    state.save(update_fields=["size", "frontier", "updated_at"])
    return Appended(first_index=first, checkpoint=_sign(frontier.size, frontier.root()))


def _right_edge_tiles(size: int) -> dict[tuple[int, int], bytearray]:
    """The partial tile of each level at ``size``, which the next hashes extend."""
    partial = []
    level = 0
    while (count := size >> (tiles.TILE_HEIGHT * level)) > 0:
        if count % tiles.TILE_WIDTH:
            partial.append((level, count // tiles.TILE_WIDTH))
        level += 1
    if not partial:
        return {}
    rows = LogTile.objects.filter(reduce(or_, (Q(level=lv, index=ix) for lv, ix in partial)))
    return {
        (level, index): bytearray(hashes)
        for level, index, hashes in rows.values_list("level", "index", "hashes")
    }


def _sign(size: int, root: bytes) -> Checkpoint:
    key, seed = signing_key()
    body = notes.Checkpoint(origin=key.name, size=size, root=root)
    return Checkpoint.objects.create(
        size=size,
        root=root,
        note=notes.sign_checkpoint(body, key.name, seed),
        key=key,
        signed_at=clock.now(),
    )


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
        lock_state()  # the embedded default may generate its key now: one key, whoever asks first
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
    """The hashes of perfect subtrees, read from their tiles in one query.

    Raw SQL: a proof is a handful of tile reads, and building the query through the ORM would
    cost more than reading and hashing them.
    """
    if not ids:
        return []
    places = [tiles.tile_of(node) for node in ids]
    wanted = sorted({(level, index) for level, index, _, _ in places})
    where = " OR ".join(["(level = %s AND " + INDEX + " = %s)"] * len(wanted))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT level, {INDEX}, hashes FROM registry_logtile WHERE {where}",
            [value for pair in wanted for value in pair],
        )
        stored = {(level, index): bytes(data) for level, index, data in cursor.fetchall()}
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
    rows = LogEntry.objects.filter(index__gte=first, index__lt=first + width).order_by("index")
    data = [bytes(entry) for entry in rows.values_list("data", flat=True)]
    if len(data) != width:
        return None
    return b"".join(len(entry).to_bytes(2, "big") + entry for entry in data)


def entries(start: int, stop: int) -> list[tuple[int, bytes]]:
    rows = LogEntry.objects.filter(index__gte=start, index__lt=stop).order_by("index")
    return [(index, bytes(data)) for index, data in rows.values_list("index", "data")]
