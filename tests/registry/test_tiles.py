"""C2SP tlog-tiles coordinates (https://c2sp.org/tlog-tiles): paths, widths, and node locations."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.registry import tiles
from exchange.registry.merkle import CompactRange, NodeID, leaf_hash
from exchange.registry.tiles import (
    MAX_INDEX,
    TILE_HEIGHT,
    TILE_WIDTH,
    decode_index,
    encode_index,
    entries_path,
    parse_tile_path,
    tile_node_hash,
    tile_of,
    tile_path,
    tile_width,
)


def store_of(size):
    """Every perfect node of a tree of ``size`` leaves, as a log's node table would hold them."""
    store = {}
    tree = CompactRange()
    for n in range(size):
        store.update(tree.append(leaf_hash(n.to_bytes(4, "big"))))
    return store


# Two full level-1 tiles' worth of leaves (level-16 nodes, i.e. tile level 2) plus a ragged tail.
STORE = store_of((1 << 16) + 300)
SMALL_STORE = store_of(2 * TILE_WIDTH * 4 + 77)


def test_constants():
    assert (TILE_HEIGHT, TILE_WIDTH) == (8, 256)


@pytest.mark.parametrize(
    ("n", "path"),
    [
        (0, "000"),
        (67, "067"),
        (999, "999"),
        (1000, "x001/000"),
        (1234, "x001/234"),
        (1234067, "x001/x234/067"),  # the spec's example
        (999_999_999_999_999_999, "x999/x999/x999/x999/x999/999"),
        (MAX_INDEX, "x018/x446/x744/x073/x709/x551/615"),
    ],
)
def test_index_encoding_examples(n, path):
    assert encode_index(n) == path
    assert decode_index(path) == n


@settings(max_examples=300)
@given(st.one_of(st.integers(0, 10**7), st.integers(0, MAX_INDEX)))
def test_index_round_trips(n):
    assert decode_index(encode_index(n)) == n


@pytest.mark.parametrize(
    "path",
    [
        "",
        "67",  # not zero-padded
        "0067",
        "x067",  # the last element has no x
        "001/234",  # the others do
        "x001/x234",
        "x1/234",
        "X001/234",
        "x001//234",
        "x001/234/",
        "/234",
        "+67",
        "-67",
        " 67",
        "06a",
        "٠٦٧",  # Arabic-Indic digits: int() would take them
        "x000/067",  # not canonical: 67 is "067"
        "x000/x001/234",
        "x018/x446/x744/x073/x709/x551/616",  # 2**64
    ],
)
def test_non_canonical_indexes_are_refused(path):
    with pytest.raises(ValueError, match="tile index"):
        decode_index(path)


@pytest.mark.parametrize("n", [-1, MAX_INDEX + 1])
def test_indexes_outside_uint64_cannot_be_encoded(n):
    with pytest.raises(ValueError, match=r"must be in \[0, 2\*\*64\)"):
        encode_index(n)


@pytest.mark.parametrize(
    ("level", "index", "width", "path"),
    [
        (0, 1234, 256, "tile/0/x001/234"),
        (0, 1234, 17, "tile/0/x001/234.p/17"),
        (0, 0, 255, "tile/0/000.p/255"),
        (1, 0, 256, "tile/1/000"),
        (15, 455667, 256, "tile/15/x455/667"),
        (15, 123456789, 41, "tile/15/x123/x456/789.p/41"),
        (63, 999_999_999_999_999_999, 255, "tile/63/x999/x999/x999/x999/x999/999.p/255"),
        (None, 1234067, 89, "tile/entries/x001/x234/067.p/89"),
        (None, 0, 256, "tile/entries/000"),
    ],
)
def test_tile_path_examples(level, index, width, path):
    if level is None:
        assert entries_path(index, width) == path
    else:
        assert tile_path(level, index, width) == path
    assert parse_tile_path(path) == (level, index, width)


def test_full_width_is_the_default():
    assert tile_path(2, 5) == "tile/2/005"
    assert entries_path(5) == "tile/entries/005"


@settings(max_examples=300)
@given(
    level=st.one_of(st.none(), st.integers(0, 63)),
    index=st.integers(0, MAX_INDEX),
    width=st.integers(1, TILE_WIDTH),
)
def test_tile_paths_round_trip(level, index, width):
    path = entries_path(index, width) if level is None else tile_path(level, index, width)
    assert parse_tile_path(path) == (level, index, width)


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("tile/00/000", "tile level '00' must be 'entries' or a decimal integer 0..63"),
        ("tile/64/000", "tile level '64' must be"),
        ("tile/-1/000", "tile level '-1' must be"),
        ("tile/+1/000", "tile level '\\+1' must be"),
        ("tile/data/000", "tile level 'data' must be"),
        ("tile/Entries/000", "tile level 'Entries' must be"),
        ("tile//000", "tile level '' must be"),
        ("tile/0/000.p/0", "partial tile width '0' must be a decimal integer 1..255"),
        ("tile/0/000.p/256", "partial tile width '256' must be"),
        ("tile/0/000.p/017", "partial tile width '017' must be"),
        ("tile/0/000.p/", "partial tile width '' must be"),
        ("tile/0/000.p/1/2", "partial tile width '1/2' must be"),
        ("tile/0/x001.p/5/234", "partial tile width '5/234' must be"),
        ("tile/entries/000.p/256", "partial tile width '256' must be"),
        ("tile/0/000.p", "tile index '000.p' must be zero-padded"),
        ("tile/0/x001/x234", "tile index 'x001/x234' must be zero-padded"),
        ("tile/0/x000/067", "tile index 'x000/067' is not canonical"),
        ("tile/0/x001/x234/", "tile index 'x001/x234/' must be"),
        ("tile/0", "must look like 'tile/<L>/<N>"),
        ("tile/entries", "must look like"),
        ("tile/0/", "must look like"),
        ("/tile/0/000", "must look like"),
        ("tiles/0/000", "must look like"),
        ("checkpoint", "must look like"),
    ],
)
def test_bad_tile_paths_are_refused_naming_the_rule(path, rule):
    with pytest.raises(ValueError, match=rule):
        parse_tile_path(path)


@pytest.mark.parametrize(
    ("call", "rule"),
    [
        (lambda: tile_path(64, 0), "tile level 64 must be in 0..63"),
        (lambda: tile_path(-1, 0), "tile level -1 must be in 0..63"),
        (lambda: tile_path(0, 0, 0), "tile width 0 must be in 1..256"),
        (lambda: tile_path(0, 0, 257), "tile width 257 must be in 1..256"),
        (lambda: entries_path(0, 0), "tile width 0 must be in 1..256"),
        (lambda: tile_path(0, -1), r"tile index -1 must be in \[0, 2\*\*64\)"),
    ],
    ids=["level-64", "level-negative", "width-0", "width-257", "entries-width-0", "index-negative"],
)
def test_impossible_tile_coordinates_are_refused(call, rule):
    with pytest.raises(ValueError, match=rule):
        call()


def test_tile_widths_follow_the_spec_example_of_a_tree_of_70000():
    # "273 full level 0 tiles, one partial level 0 tile of width 112, one full level 1 tile, one
    # partial level 1 tile of width 17, and one partial level 2 tile of width 1."
    size = 70_000
    assert [tile_width(0, index, size) for index in range(275)] == [256] * 273 + [112, 0]
    assert [tile_width(1, index, size) for index in range(3)] == [256, 17, 0]
    assert [tile_width(2, index, size) for index in range(2)] == [1, 0]
    assert tile_width(3, 0, size) == 0


def test_a_tree_of_256_has_a_full_level_0_tile_and_a_level_1_tile_of_width_1():
    assert (tile_width(0, 0, 256), tile_width(0, 1, 256)) == (256, 0)
    assert (tile_width(1, 0, 256), tile_width(2, 0, 256)) == (1, 0)


@pytest.mark.parametrize(
    ("node", "location"),
    [
        (NodeID(0, 0), (0, 0, 0, 1)),
        (NodeID(0, 1234), (0, 4, 210, 1)),
        (NodeID(3, 5), (0, 0, 40, 8)),
        (NodeID(7, 1), (0, 0, 128, 128)),
        (NodeID(7, 3), (0, 1, 128, 128)),
        (NodeID(8, 0), (1, 0, 0, 1)),
        (NodeID(8, 300), (1, 1, 44, 1)),
        (NodeID(9, 1), (1, 0, 2, 2)),
        (NodeID(16, 2), (2, 0, 2, 1)),
        (NodeID(63, 1), (7, 0, 128, 128)),
    ],
)
def test_tile_of_examples(node, location):
    assert tile_of(node) == location


def stored_hashes(store, node):
    tile_level, tile_index, first, count = tile_of(node)
    base = tile_index * TILE_WIDTH + first
    return [store[NodeID(TILE_HEIGHT * tile_level, base + offset)] for offset in range(count)]


def test_every_perfect_node_is_rebuilt_from_its_tile():
    for store, levels in ((SMALL_STORE, range(0, 12)), (STORE, range(8, 17))):
        nodes = [node for node in store if node.level in levels]
        assert {node.level for node in nodes} == set(levels)
        for node in nodes:
            tile_level, _, first, count = tile_of(node)
            assert tile_level == node.level // TILE_HEIGHT
            assert count == 1 << (node.level % TILE_HEIGHT)
            assert first % count == 0 and first + count <= TILE_WIDTH  # aligned, within one tile
            assert tile_node_hash(stored_hashes(store, node)) == store[node], node


@settings(max_examples=200)
@given(st.sampled_from(sorted(STORE)))
def test_any_perfect_node_of_a_larger_tree_is_rebuilt_from_its_tile(node):
    assert tile_node_hash(stored_hashes(STORE, node)) == STORE[node]


def test_a_full_tile_hashes_to_the_node_one_tile_level_up():
    tile = [STORE[NodeID(8, index)] for index in range(TILE_WIDTH)]
    assert tile_node_hash(tile) == STORE[NodeID(16, 0)]
    assert stored_hashes(STORE, NodeID(16, 0)) == [STORE[NodeID(16, 0)]]


@pytest.mark.parametrize(
    ("stored", "rule"),
    [
        ([], "0 stored hashes is not a power of two in 1..256"),
        ([b"\x00" * 32] * 3, "3 stored hashes is not a power of two"),
        ([b"\x00" * 32] * 512, "512 stored hashes is not a power of two in 1..256"),
        ([b"\x00" * 32, b"\x00" * 31], "stored hash 1 has 31 bytes, not 32"),
    ],
    ids=["none", "three", "two-tiles", "short-hash"],
)
def test_tile_node_hash_refuses_anything_but_a_power_of_two_of_hashes(stored, rule):
    with pytest.raises(ValueError, match=rule):
        tile_node_hash(stored)


def test_fold_of_packed_hashes_equals_the_tile_node_hash():
    import hashlib

    hashes = [hashlib.sha256(str(n).encode()).digest() for n in range(256)]
    for count in (1, 2, 4, 8, 16, 32, 64, 128, 256):
        assert tiles.fold(b"".join(hashes[:count])) == tiles.tile_node_hash(hashes[:count])
    for bad in (b"", b"x" * 31, b"x" * 96, b"x" * 32 * 512):
        with pytest.raises(ValueError):
            tiles.fold(bad)


@settings(max_examples=200)
@given(st.lists(st.binary(min_size=0, max_size=300), max_size=20))
def test_packed_entries_unpack_to_themselves(entries):
    packed = tiles.pack_entries(entries)
    assert packed == b"".join(len(e).to_bytes(2, "big") + e for e in entries)
    assert tiles.unpack_entries(packed) == entries


@pytest.mark.parametrize("data", [b"\x00", b"\x00\x05abc", b"\x00\x01a\x00"])
def test_packed_entries_that_end_early_are_refused(data):
    with pytest.raises(ValueError, match="runs past the end"):
        tiles.unpack_entries(data)
