"""Checking the whole log from its stored bytes: what ``verify_log`` runs.

Every entry's leaf hash is recomputed and the tree rebuilt from the leaves; each perfect node at a
tile level is compared with its stored tile, the root at each checkpoint's size with the signed
root, each checkpoint's signature with its key, and the head's frontier with the rebuilt one.
The first entry whose bytes disagree is named, so that a person knows where the log broke.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from exchange.registry import merkle, notes, tiles
from exchange.registry.log import verifier_key
from exchange.registry.models import Checkpoint, LogEntry, LogState, LogTile

HASH = merkle.HASH_SIZE
CHUNK = 5000


@dataclass
class LogReport:
    entries: int = 0
    checkpoints: int = 0
    tiles: int = 0
    problems: list[str] = field(default_factory=list)
    bad_entry: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def entry_broke(self, index: int, why: str) -> None:
        if self.bad_entry is None or index < self.bad_entry:
            self.bad_entry = index
        self.problems.append(f"entry {index}: {why}")


def _entries(start: int = 0) -> Iterator[tuple[int, bytes]]:
    """Every entry in index order, read in chunks (the log may not fit in memory)."""
    while True:
        rows = list(
            LogEntry.objects.filter(index__gte=start)
            .order_by("index")
            .values_list("index", "data")[:CHUNK]
        )
        for index, data in rows:
            yield index, bytes(data)
        if len(rows) < CHUNK:
            return
        start = rows[-1][0] + 1


class _Tiles:
    """The stored tiles, one per level at a time, in the order the rebuild reaches them."""

    def __init__(self):
        self.current: dict[int, tuple[int, bytes]] = {}
        self.seen = 0

    def hash_at(self, level: int, position: int) -> bytes | None:
        index, offset = divmod(position, tiles.TILE_WIDTH)
        held = self.current.get(level)
        if held is None or held[0] != index:
            data = (
                LogTile.objects.filter(level=level, index=index)
                .values_list("hashes", flat=True)
                .first()
            )
            held = (index, bytes(data) if data is not None else b"")
            self.current[level] = held
            self.seen += 1
        data = held[1]
        return (
            data[offset * HASH : (offset + 1) * HASH] if len(data) >= (offset + 1) * HASH else None
        )


def verify_log(progress: Callable[[int, int], None] | None = None) -> LogReport:
    report = LogReport()
    state = LogState.objects.filter(pk=LogState.SINGLETON_ID).first()
    size = state.size if state else 0
    checkpoints = list(Checkpoint.objects.select_related("key").order_by("size"))
    report.checkpoints = len(checkpoints)
    signed_roots = {}
    for checkpoint in checkpoints:
        try:
            signed = notes.open_checkpoint(checkpoint.note, verifier_key(checkpoint.key))
        except notes.NoteError as error:
            report.problems.append(f"checkpoint {checkpoint.size}: signature: {error}")
            continue
        if (signed.size, signed.root) != (checkpoint.size, bytes(checkpoint.root)):
            report.problems.append(f"checkpoint {checkpoint.size}: the note differs from the row")
        signed_roots[signed.size] = signed.root
    if checkpoints and checkpoints[-1].size != size:
        report.problems.append(
            f"the latest checkpoint covers {checkpoints[-1].size} of {size} entries"
        )

    tree = merkle.CompactRange()
    stored = _Tiles()
    expected = 0
    for index, data in _entries():
        if index != expected:
            report.entry_broke(expected, "missing (the indexes have a gap)")
            break
        expected += 1
        leaf = merkle.leaf_hash(data)
        logged = stored.hash_at(0, index)
        if logged != leaf:
            report.entry_broke(index, "its bytes do not match the logged leaf hash")
            # Go on with the logged hash, so that one altered entry is reported once, not again
            # by every tile and checkpoint above it.
            leaf = logged or leaf
        for node, hash_ in tree.append(leaf):
            tile_level, height = divmod(node.level, tiles.TILE_HEIGHT)
            if height or tile_level == 0:
                continue
            if stored.hash_at(tile_level, node.index) != hash_:
                report.problems.append(
                    f"tile {tile_level}/{node.index // tiles.TILE_WIDTH}: hash {node.index} "
                    f"differs (covers entries {node.begin}..{node.end - 1})"
                )
        if tree.size in signed_roots and tree.root() != signed_roots[tree.size]:
            report.problems.append(f"checkpoint {tree.size}: the entries give another root")
        if progress and tree.size % 10000 == 0:
            progress(tree.size, size)
    report.entries = tree.size
    report.tiles = stored.seen
    if tree.size != size:
        report.problems.append(f"the log's head says {size} entries; {tree.size} are stored")
    elif state and state.size and bytes(state.frontier) != tree.to_bytes():
        report.problems.append("the head's frontier differs from the rebuilt tree")
    if progress:
        progress(tree.size, size)
    return report
