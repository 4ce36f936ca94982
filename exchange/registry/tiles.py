"""C2SP tlog-tiles coordinates (https://c2sp.org/tlog-tiles): tile paths and where tree nodes live.

A tile at level ``L`` holds up to 256 consecutive hashes of tree level ``8 * L``; a full tile is a
perfect subtree of height 8 over those hashes. Entry bundles (``tile/entries/...``) mirror the
level-0 tiles. Pure functions, stdlib only.
"""

import hashlib
import re
from collections.abc import Sequence

from exchange.registry.merkle import HASH_SIZE, NodeID

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
# tlog-tiles: "<L> ... MUST be a decimal ASCII integer between 0 and 63".
MAX_TILE_LEVEL = 63
# Checkpoint tree sizes are uint64 in every implementation (Go's tlog, tessera); an index past that
# cannot name a real tile.
MAX_INDEX = (1 << 64) - 1

ENTRIES_LEVEL = "entries"
_PARTIAL_MARKER = ".p/"
# [0-9], not \d: \d also matches non-ASCII digits, which the spec does not allow.
_INDEX_PATTERN = re.compile(r"(?:x[0-9]{3}/)*[0-9]{3}")
_LEVEL_PATTERN = re.compile(r"0|[1-9][0-9]?")
_WIDTH_PATTERN = re.compile(r"[1-9][0-9]{0,2}")


def encode_index(n: int) -> str:
    """The spec's ``<N>``: zero-padded 3-digit path elements, all but the last prefixed ``x``."""
    if not 0 <= n <= MAX_INDEX:
        raise ValueError(f"tile index {n} must be in [0, 2**64)")
    elements = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        elements.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(elements))


def decode_index(path: str) -> int:
    """Inverse of ``encode_index``; only the canonical form is accepted.

    The spec gives each tile a single path, so a leading ``x000/`` element (which lenient parsers
    such as tessera's accept) is refused: it would give a cached, immutable resource a second name.
    """
    if not _INDEX_PATTERN.fullmatch(path):
        raise ValueError(
            f"tile index {path!r} must be zero-padded 3-digit path elements, all but the last "
            "starting with 'x' (for example 'x001/x234/067')"
        )
    if path.startswith("x000/"):
        raise ValueError(f"tile index {path!r} is not canonical: it has a leading 'x000/' element")
    n = 0
    for element in path.split("/"):
        n = n * 1000 + int(element.removeprefix("x"))
    if n > MAX_INDEX:
        raise ValueError(f"tile index {path!r} exceeds 2**64 - 1")
    return n


def _suffix(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width {width} must be in 1..{TILE_WIDTH} ({TILE_WIDTH} = full)")
    return "" if width == TILE_WIDTH else f"{_PARTIAL_MARKER}{width}"


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``; ``width`` below 256 makes it a partial tile."""
    if not 0 <= level <= MAX_TILE_LEVEL:
        raise ValueError(f"tile level {level} must be in 0..{MAX_TILE_LEVEL}")
    return f"tile/{level}/{encode_index(index)}{_suffix(width)}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """``tile/entries/<N>[.p/<W>]``: the entry bundle matching level-0 tile ``index``."""
    return f"tile/{ENTRIES_LEVEL}/{encode_index(index)}{_suffix(width)}"


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """``(level, index, width)`` of a tile path; level None for an entry bundle, width 256 if full."""
    prefix, _, rest = path.partition("/")
    level_text, _, index_text = rest.partition("/")
    if prefix != "tile" or not index_text:
        raise ValueError(f"tile path {path!r} must look like 'tile/<L>/<N>[.p/<W>]'")
    if level_text == ENTRIES_LEVEL:
        level = None
    elif _LEVEL_PATTERN.fullmatch(level_text) and int(level_text) <= MAX_TILE_LEVEL:
        level = int(level_text)
    else:
        raise ValueError(
            f"tile level {level_text!r} must be '{ENTRIES_LEVEL}' or a decimal integer "
            f"0..{MAX_TILE_LEVEL} without leading zeros"
        )
    width = TILE_WIDTH
    if _PARTIAL_MARKER in index_text:
        index_text, _, width_text = index_text.partition(_PARTIAL_MARKER)
        if not _WIDTH_PATTERN.fullmatch(width_text) or int(width_text) >= TILE_WIDTH:
            raise ValueError(
                f"partial tile width {width_text!r} must be a decimal integer 1..{TILE_WIDTH - 1} "
                "without leading zeros"
            )
        width = int(width_text)
    return level, decode_index(index_text), width


def tile_width(level: int, index: int, tree_size: int) -> int:
    """How many hashes tile ``(level, index)`` holds in a tree of ``tree_size``: 256 when full,
    0 when the tile does not exist yet (empty tiles are never served)."""
    hashes_at_level = tree_size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, hashes_at_level - index * TILE_WIDTH))


def tile_of(node: NodeID) -> tuple[int, int, int, int]:
    """Where a perfect node lives: ``(tile level, tile index, first position, count)``.

    A node at tree level ``h`` is rebuilt from ``count = 2**(h % 8)`` consecutive hashes of tile
    level ``h // 8``, starting at ``first`` in that tile; ``count == 1`` means it is stored as is.
    """
    tile_level, height_in_tile = divmod(node.level, TILE_HEIGHT)
    count = 1 << height_in_tile
    position = node.index << height_in_tile  # of the first hash, along tree level 8 * tile_level
    tile_index, first = divmod(position, TILE_WIDTH)
    return tile_level, tile_index, first, count


def tile_node_hash(stored: Sequence[bytes]) -> bytes:
    """Hash of the perfect subtree over ``2**k`` consecutive stored hashes of one tile."""
    count = len(stored)
    if not 1 <= count <= TILE_WIDTH or count & (count - 1):
        raise ValueError(f"{count} stored hashes is not a power of two in 1..{TILE_WIDTH}")
    for position, hash_ in enumerate(stored):
        if len(hash_) != HASH_SIZE:
            raise ValueError(f"stored hash {position} has {len(hash_)} bytes, not {HASH_SIZE}")
    return fold(b"".join(stored))


def fold(packed: bytes) -> bytes:
    """``tile_node_hash`` of hashes packed end to end: the fast path the log's proofs take."""
    count, rest = divmod(len(packed), HASH_SIZE)
    if rest or not 1 <= count <= TILE_WIDTH or count & (count - 1):
        raise ValueError(f"{len(packed)} bytes are not 2**k hashes of {HASH_SIZE} bytes, k <= 8")
    sha256 = hashlib.sha256
    pair = 2 * HASH_SIZE
    while len(packed) > HASH_SIZE:
        packed = b"".join(
            [
                sha256(b"\x01" + packed[at : at + pair]).digest()
                for at in range(0, len(packed), pair)
            ]
        )
    return packed


# --- entry bundles: each entry preceded by its big-endian 2-byte length --------------------------


def pack_entries(entries: Sequence[bytes]) -> bytes:
    return b"".join(len(entry).to_bytes(2, "big") + entry for entry in entries)


def unpack_entries(data: bytes) -> list[bytes]:
    """The entries of packed ``data``; ValueError if it does not parse to its last byte."""
    entries, position, end = [], 0, len(data)
    while position < end:
        start = position + 2
        position = start + int.from_bytes(data[position:start], "big")
        if position > end:
            raise ValueError(f"entry {len(entries)} runs past the end of the data")
        entries.append(data[start:position])
    return entries
