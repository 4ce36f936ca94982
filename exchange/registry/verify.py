"""Checking the whole log from its stored bytes: what ``verify_log`` runs.

Every entry's leaf hash is recomputed and the tree rebuilt from the leaves; each perfect node at a
tile level is compared with its stored tile, the root at each checkpoint's size with the signed
root, each checkpoint's signature with its key, and the head's frontier with the rebuilt one.
The first entry whose bytes disagree is named, so that a person knows where the log broke.

The leaves are checked in ranges of whole level-0 tiles. Each range yields its problems, the
perfect subtrees that cover it and, at every checkpoint size inside it, the subtrees that cover it
up to that size; joining the ranges left to right rebuilds the tree. With ``workers > 1`` the
ranges are checked by that many processes, each with its own database connection, and the report
is the same as with one: every problem carries the place where a single pass over the leaves meets
it, and the report lists them in that order.
"""

import hashlib
import math
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter

from django.db import connection, connections

from exchange.registry import merkle, notes, tiles
from exchange.registry.log import verifier_key
from exchange.registry.models import Checkpoint, LogBundlePart, LogState, LogTile

HASH = merkle.HASH_SIZE
WIDTH = tiles.TILE_WIDTH
TILE_BYTES = WIDTH * HASH
FETCH_PARTS = 64  # bundle parts (up to 256 entries each) fetched from the cursor at a time
# A range is read with one query; PostgreSQL's client-side cursor holds all its rows in memory,
# so a range holds at most this many entries (about 32 MB of certificate records).
MAX_RANGE = 1 << 16
# Ranges per worker: enough for the workers to finish together and for the progress to move.
RANGES_PER_WORKER = 4

_LEAF_PREFIX = b"\x00"  # RFC 9162 §2.1.1, as merkle.leaf_hash and merkle.node_hash
_NODE_PREFIX = b"\x01"

# A perfect subtree: (level, index, hash), as merkle.NodeID plus its hash.
Node = tuple[int, int, bytes]
# Where a single pass over the leaves meets a problem: (leaf position, 0 for the entry itself,
# 1 for a tile node it completes, 2 for the checkpoint of size position + 1; the node's level).
Place = tuple[int, int, int]


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


@dataclass
class _Range:
    """What checking the entries ``start ...`` found (``count`` of them, then a gap or the end)."""

    start: int
    count: int = 0
    stop: str = ""  # why the entries stop before the range's end, if they do
    nodes: list[Node] = field(default_factory=list)
    # checkpoint size -> the nodes covering [start, size)
    at_sizes: dict[int, list[Node]] = field(default_factory=dict)
    problems: list[tuple[Place, str]] = field(default_factory=list)


def verify_log(progress: Callable[[int, int], None] | None = None, workers: int = 1) -> LogReport:
    """Check every entry, tile, checkpoint root and signature, and the head.

    ``workers`` > 1 checks the entries in that many processes. They read the database through
    their own connections, so they see only committed rows: inside a transaction, or on an
    in-memory SQLite database (which other processes cannot open), the ranges are checked in
    this process instead, with the same result.
    """
    report = LogReport()
    state = LogState.objects.filter(pk=LogState.SINGLETON_ID).first()
    size = state.size if state else 0
    checkpoints = list(Checkpoint.objects.select_related("key").order_by("size"))
    report.checkpoints = len(checkpoints)
    tree: list[Node] = []  # the perfect subtrees covering [0, verified), largest first
    verified = 0
    problems: list[tuple[Place, str]] = []
    stored = _StoredTiles()
    signed_roots: dict[int, bytes] = {}

    def join(checked: _Range) -> bool:
        nonlocal verified
        problems.extend(checked.problems)
        for checkpoint_size, nodes in checked.at_sizes.items():
            if checkpoint_size not in signed_roots:
                continue
            frontier = list(tree)
            for node in nodes:
                _push(frontier, node)
            root = merkle.CompactRange(checkpoint_size, [hash_ for _, _, hash_ in frontier]).root()
            if root != signed_roots[checkpoint_size]:
                problems.append(
                    (
                        (checkpoint_size - 1, 2, 0),
                        f"checkpoint {checkpoint_size}: the entries give another root",
                    )
                )
        for node in checked.nodes:
            _push(tree, node, lambda made: stored.check(made, problems))
        verified = checked.start + checked.count
        if checked.stop:
            problems.append(((verified, 0, 0), f"entry {verified}: {checked.stop}"))
        if progress:
            progress(verified, size)
        return not checked.stop

    tasks = _ranges(size, workers, _claimed_sizes(checkpoints))
    with _checked_ranges(tasks, workers) as results:
        # The signatures are checked while the workers hash; the roots are compared after.
        for checkpoint in checkpoints:
            try:
                signed = notes.open_checkpoint(checkpoint.note, verifier_key(checkpoint.key))
            except notes.NoteError as error:
                report.problems.append(f"checkpoint {checkpoint.size}: signature: {error}")
                continue
            if (signed.size, signed.root) != (checkpoint.size, bytes(checkpoint.root)):
                report.problems.append(
                    f"checkpoint {checkpoint.size}: the note differs from the row"
                )
            signed_roots[signed.size] = signed.root
        if checkpoints and checkpoints[-1].size != size:
            report.problems.append(
                f"the latest checkpoint covers {checkpoints[-1].size} of {size} entries"
            )
        for checked in results:
            if not join(checked):
                break

    problems.sort(key=itemgetter(0))
    for (position, order, _), problem in problems:
        if order == 0 and (report.bad_entry is None or position < report.bad_entry):
            report.bad_entry = position
        report.problems.append(problem)
    report.entries = verified
    report.tiles = _tiles_read(verified)
    if verified != size:
        report.problems.append(f"the log's head says {size} entries; {verified} are stored")
    elif state and state.size and bytes(state.frontier) != b"".join(h for _, _, h in tree):
        report.problems.append("the head's frontier differs from the rebuilt tree")
    if progress:
        progress(verified, size)
    return report


# --- splitting and joining ------------------------------------------------------------------------

# (first entry, end or None for "to the last stored entry", checkpoint sizes in (first, end])
_Task = tuple[int, int | None, tuple[int, ...]]


def _ranges(size: int, workers: int, sizes: list[int]) -> list[_Task]:
    """Ranges of whole level-0 tiles covering [0, size); the last one runs on to whatever entries
    are stored past the head, as a single pass would."""
    wanted = math.ceil(size / (max(1, workers) * RANGES_PER_WORKER))
    span = min(MAX_RANGE, max(WIDTH, math.ceil(wanted / WIDTH) * WIDTH))
    starts = list(range(0, size, span)) or [0]
    tasks = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else None
        inside = tuple(s for s in sizes if s > start and (end is None or s <= end))
        tasks.append((start, end, inside))
    return tasks


def _claimed_sizes(checkpoints: list[Checkpoint]) -> list[int]:
    """Every size a checkpoint's row or note claims: whichever signatures verify, the ranges
    rebuild the tree at these sizes (a note's size is its second line, c2sp.org/tlog-checkpoint)."""
    sizes = {checkpoint.size for checkpoint in checkpoints}
    for checkpoint in checkpoints:
        lines = checkpoint.note.split("\n", 2)
        if len(lines) > 1 and lines[1].isdecimal():
            sizes.add(int(lines[1]))
    return sorted(sizes)


@contextmanager
def _checked_ranges(tasks: list[_Task], workers: int) -> Iterator[Iterator[_Range]]:
    """The results of ``tasks``, in order; with worker processes, they start at once."""
    if workers <= 1 or len(tasks) == 1 or not _can_fork() or not _other_processes_see_the_rows():
        yield map(_check_range, tasks)
        return
    # A forked child must not reuse the parent's connections: each opens its own.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    pool = context.Pool(min(workers, len(tasks)), initializer=_close_connections_at_exit)
    received = 0

    def results() -> Iterator[_Range]:
        nonlocal received
        for checked in pool.imap(_check_range, tasks):
            received += 1
            yield checked

    try:
        yield results()
    finally:
        if received == len(tasks):
            pool.close()  # the workers exit on their own and close their connections
        else:
            pool.terminate()  # a gap or an error: the ranges still being checked are moot
        pool.join()


def _can_fork() -> bool:
    """Forking is safe only from a single-threaded process (a thread may hold a lock that the
    child then waits on forever), as ``manage.py verify_log`` is; anywhere else the ranges are
    checked in this process."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def _other_processes_see_the_rows() -> bool:
    if connection.in_atomic_block:
        return False  # this transaction's rows are invisible to other connections
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def _close_connections_at_exit() -> None:
    from multiprocessing.util import Finalize

    Finalize(None, connections.close_all, exitpriority=10)


def _push(stack: list[Node], node: Node, made: Callable[[Node], None] | None = None) -> None:
    """Append a perfect subtree to the right of ``stack`` and merge it with its left siblings;
    ``made`` sees every node the merges complete."""
    level, index, hash_ = node
    while stack and index & 1 and stack[-1][0] == level:
        hash_ = hashlib.sha256(_NODE_PREFIX + stack.pop()[2] + hash_).digest()
        level, index = level + 1, index >> 1
        if made:
            made((level, index, hash_))
    stack.append((level, index, hash_))


def _tiles_read(count: int) -> int:
    """The tiles that hold the nodes of the first ``count`` entries: one pass reads each once."""
    total, level = 0, 0
    while hashes := count >> (tiles.TILE_HEIGHT * level):
        total += math.ceil(hashes / WIDTH)
        level += 1
    return total


class _StoredTiles:
    """Tiles above level 0, read when a node of theirs is first checked."""

    def __init__(self):
        self.held: dict[tuple[int, int], bytes] = {}

    def check(self, node: Node, problems: list[tuple[Place, str]]) -> None:
        level, index, hash_ = node
        tile_level, height = divmod(level, tiles.TILE_HEIGHT)
        if height or tile_level == 0:
            return
        tile_index, offset = divmod(index, WIDTH)
        key = (tile_level, tile_index)
        if key not in self.held:
            data = (
                LogTile.objects.filter(level=tile_level, index=tile_index)
                .values_list("hashes", flat=True)
                .first()
            )
            self.held[key] = bytes(data) if data is not None else b""
        if self.held[key][offset * HASH : (offset + 1) * HASH] != hash_:
            begin, end = index << level, (index + 1) << level
            problems.append(
                (
                    (end - 1, 1, level),
                    f"tile {tile_level}/{tile_index}: hash {index} differs "
                    f"(covers entries {begin}..{end - 1})",
                )
            )


# --- checking one range ---------------------------------------------------------------------------


def _check_range(task: _Task) -> _Range:
    start, end, sizes = task
    checked = _Range(start=start)
    level0 = _level0_tiles(start, end)
    stored = _StoredTiles()
    pending: list[bytes] = []  # leaf hashes of the tile being filled, which begins at `position`
    position = start
    for leaves, stop in _leaf_hashes(start, end):
        pending += leaves
        full = len(pending) - len(pending) % WIDTH
        for offset in range(0, full, WIDTH):
            _check_tile(checked, stored, level0, position, pending[offset : offset + WIDTH], sizes)
            position += WIDTH
        pending = pending[full:]
        checked.stop = stop  # the batch that stops is the last
    if pending:
        _check_tile(checked, stored, level0, position, pending, sizes)
        position += len(pending)
    checked.count = position - start
    return checked


def _leaf_hashes(start: int, end: int | None) -> Iterator[tuple[list[bytes], str]]:
    """The leaf hashes of entries ``start ...`` in order, a batch at a time, and why the entries
    stop after this batch ("" while they go on). ``start`` begins a bundle, as every range does."""
    table = connection.ops.quote_name(LogBundlePart._meta.db_table)
    sql = f"SELECT first, count, data FROM {table} WHERE first >= %s"
    params = [start]
    if end is not None:
        sql += " AND first < %s"
        params.append(end)
    sha256 = hashlib.sha256
    expected = start
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY first", params)
        while rows := cursor.fetchmany(FETCH_PARTS):
            leaves, stop = [], ""
            for first, count, data in rows:
                if first != expected:
                    stop = (
                        "missing (the indexes have a gap)"
                        if first > expected
                        else f"stored twice (the part of entries {first}..{first + count - 1} "
                        "overlaps the one before)"
                    )
                    break
                try:
                    entries = tiles.unpack_entries(bytes(data))
                except ValueError:
                    entries = []
                if len(entries) != count:
                    stop = (
                        f"the stored part of entries {first}..{first + count - 1} does not "
                        f"parse as {count} length-prefixed entries"
                    )
                    break
                leaves += [sha256(_LEAF_PREFIX + entry).digest() for entry in entries]
                expected += count
            yield leaves, stop
            if stop:
                return
    if end is not None and expected < end:
        yield [], "missing (the indexes have a gap)"


def _level0_tiles(start: int, end: int | None) -> dict[int, bytes]:
    rows = LogTile.objects.filter(level=0, index__gte=start // WIDTH)
    if end is not None:
        rows = rows.filter(index__lt=math.ceil(end / WIDTH))
    return {index: bytes(data) for index, data in rows.values_list("index", "hashes")}


def _check_tile(
    checked: _Range,
    stored: _StoredTiles,
    level0: dict[int, bytes],
    first: int,
    leaves: list[bytes],
    sizes: tuple[int, ...],
) -> None:
    """Check the leaf hashes of entries ``first ...`` (one level-0 tile, whole or the last part)
    against the stored tile, and add them to the range's tree."""
    logged = level0.get(first // WIDTH, b"")
    joined = b"".join(leaves)
    if logged[: len(joined)] != joined:
        for offset, leaf in enumerate(leaves):
            held = logged[offset * HASH : (offset + 1) * HASH]
            if held != leaf:
                index = first + offset
                checked.problems.append(
                    ((index, 0, 0), f"entry {index}: its bytes do not match the logged leaf hash")
                )
                # Go on with the logged hash, so that one altered entry is reported once, not
                # again by every tile and checkpoint above it.
                if len(held) == HASH:
                    leaves[offset] = held
        joined = b"".join(leaves)
    levels = _levels(joined)
    last = first + len(leaves)
    for size in sizes:
        if first < size <= last:
            checked.at_sizes[size] = checked.nodes + _subtrees(first, size - first, levels)
    if len(leaves) < WIDTH:
        for node in _subtrees(first, len(leaves), levels):
            _push(checked.nodes, node)
        return

    def made(node: Node) -> None:
        stored.check(node, checked.problems)

    root = (tiles.TILE_HEIGHT, first // WIDTH, levels[tiles.TILE_HEIGHT])
    made(root)
    _push(checked.nodes, root, made)


def _levels(joined: bytes) -> list[bytes]:
    """The hashes of each level of the subtrees over the leaf hashes ``joined`` (at most 256),
    joined: ``levels[k]`` holds the perfect nodes of height ``k`` from the tile's left edge."""
    sha256 = hashlib.sha256
    levels = [joined]
    while len(joined) >= 2 * HASH:
        pairs = len(joined) // (2 * HASH) * 2 * HASH
        joined = b"".join(
            [
                sha256(_NODE_PREFIX + joined[offset : offset + 2 * HASH]).digest()
                for offset in range(0, pairs, 2 * HASH)
            ]
        )
        levels.append(joined)
    return levels


def _subtrees(first: int, count: int, levels: list[bytes]) -> list[Node]:
    """The perfect subtrees, largest first, over the first ``count`` leaves of the tile that
    begins at entry ``first``."""
    nodes, offset = [], 0
    for level in range(len(levels) - 1, -1, -1):
        if count & (1 << level):
            position = offset >> level
            hash_ = levels[level][position * HASH : (position + 1) * HASH]
            nodes.append((level, (first + offset) >> level, hash_))
            offset += 1 << level
    return nodes
