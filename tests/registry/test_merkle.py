"""RFC 6962 / RFC 9162 Merkle maths: the published vectors, an RFC reference, and properties.

The vectors in testdata/transparency_dev_merkle.json are copied from github.com/transparency-dev/merkle
(each section names its source file and the commit).
"""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.registry.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    NodeID,
    Nodes,
    ProofError,
    consistency_nodes,
    consistency_proof,
    frontier_nodes,
    inclusion_nodes,
    inclusion_proof,
    leaf_hash,
    node_hash,
    perfect_node_hash,
    range_nodes,
    root,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

VECTORS = json.loads(
    (Path(__file__).parent / "testdata" / "transparency_dev_merkle.json").read_text()
)
RFC_LEAVES = [bytes.fromhex(entry) for entry in VECTORS["leaf_inputs"]["hex"]]
RFC_LEAF_HASHES = [leaf_hash(entry) for entry in RFC_LEAVES]
RFC_ROOTS = [bytes.fromhex(value) for value in VECTORS["root_hashes"]["hex"]]


def hashes(hex_values):
    return [bytes.fromhex(value) for value in hex_values]


def store_of(leaf_hashes):
    """Every perfect node of the tree, as a log's node table would hold them."""
    store = {}
    tree = CompactRange()
    for leaf in leaf_hashes:
        store.update(tree.append(leaf))
    return store


def root_from_store(store, size):
    return CompactRange(size, [store[node] for node in frontier_nodes(size)]).root()


def proof_from_store(store, nodes: Nodes):
    return nodes.rehash([store[node] for node in nodes.ids])


# Leaves for the property tests: distinct, fixed, so the node store is built once.
SMALL_MAX = 300
LEAVES = [leaf_hash(b"entry %d" % n) for n in range(SMALL_MAX)]
STORE = store_of(LEAVES)
ROOTS = [root(LEAVES[:size]) for size in range(SMALL_MAX + 1)]
LARGE_MAX = 100_003  # 17 levels, with a ragged right border
LARGE_LEAVES = [leaf_hash(n.to_bytes(4, "big")) for n in range(LARGE_MAX)]
LARGE_STORE = store_of(LARGE_LEAVES)


# --- RFC 9162 §2.1 written literally (recursion over slices), as an independent reference --------


def largest_power_of_two_below(n):
    return 1 << ((n - 1).bit_length() - 1)


def rfc_mth(leaves):
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = largest_power_of_two_below(len(leaves))
    return node_hash(rfc_mth(leaves[:k]), rfc_mth(leaves[k:]))


def rfc_path(m, leaves):
    if len(leaves) == 1:
        return []
    k = largest_power_of_two_below(len(leaves))
    if m < k:
        return [*rfc_path(m, leaves[:k]), rfc_mth(leaves[k:])]
    return [*rfc_path(m - k, leaves[k:]), rfc_mth(leaves[:k])]


def rfc_subproof(m, leaves, is_complete_subtree):
    n = len(leaves)
    if m == n:
        return [] if is_complete_subtree else [rfc_mth(leaves)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return [*rfc_subproof(m, leaves[:k], is_complete_subtree), rfc_mth(leaves[k:])]
    return [*rfc_subproof(m - k, leaves[k:], False), rfc_mth(leaves[:k])]


# --- Published vectors ---------------------------------------------------------------------------


def test_empty_root_is_sha256_of_nothing():
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root([]) == EMPTY_ROOT == RFC_ROOTS[0]


def test_node_hashes_match_the_published_node_hashes():
    levels = [hashes(level) for level in VECTORS["node_hashes"]["hex"]]
    assert levels[0] == RFC_LEAF_HASHES
    for level in range(1, len(levels)):
        below = levels[level - 1]
        assert levels[level] == [
            node_hash(below[2 * i], below[2 * i + 1]) for i in range(len(levels[level]))
        ]
    assert store_of(RFC_LEAF_HASHES) == {
        NodeID(level, index): hash_
        for level, row in enumerate(levels)
        for index, hash_ in enumerate(row)
    }


@pytest.mark.parametrize("size", range(9))
def test_root_matches_the_published_root(size):
    assert root(RFC_LEAF_HASHES[:size]) == RFC_ROOTS[size]


@pytest.mark.parametrize("size", range(9))
def test_compact_range_matches_the_published_compact_tree(size):
    tree = CompactRange()
    for leaf in RFC_LEAF_HASHES[:size]:
        tree.append(leaf)
    assert tree.hashes == hashes(VECTORS["compact_trees"]["hex"][size])
    assert tree.root() == RFC_ROOTS[size]


@pytest.mark.parametrize(
    "vector", VECTORS["inclusion_proofs"]["vectors"], ids=lambda v: f"{v['leaf']}:{v['size']}"
)
def test_inclusion_proof_equals_the_published_proof_and_verifies(vector):
    if vector["leaf"] == 0:  # the source's deliberately invalid entry {0, 0, nil}
        with pytest.raises(ValueError, match="must be positive"):
            inclusion_nodes(-1, vector["size"])
        return
    index, size, published = vector["leaf"] - 1, vector["size"], hashes(vector["proof"])

    assert inclusion_proof(index, RFC_LEAF_HASHES[:size]) == published
    verify_inclusion(index, size, RFC_LEAF_HASHES[index], published, RFC_ROOTS[size])


@pytest.mark.parametrize(
    "vector", VECTORS["consistency_proofs"]["vectors"], ids=lambda v: f"{v['size1']}:{v['size2']}"
)
def test_consistency_proof_equals_the_published_proof_and_verifies(vector):
    first, second, published = vector["size1"], vector["size2"], hashes(vector["proof"])

    assert consistency_proof(first, RFC_LEAF_HASHES[:second]) == published
    verify_consistency(first, second, RFC_ROOTS[first], RFC_ROOTS[second], published)


def nodes_case_id(case):
    sizes = [value for key, value in case.items() if key in ("size", "index", "size1", "size2")]
    return ":".join(map(str, sizes))


@pytest.mark.parametrize("case", VECTORS["inclusion_nodes"]["cases"], ids=nodes_case_id)
def test_inclusion_nodes_match_transparency_dev(case):
    if case.get("error"):
        with pytest.raises(ValueError):
            inclusion_nodes(case["index"], case["size"])
        return
    nodes = inclusion_nodes(case["index"], case["size"])
    assert nodes.ids == tuple(NodeID(*pair) for pair in case["ids"])
    assert (nodes.begin, nodes.end) == (case["begin"], case["end"])


@pytest.mark.parametrize("case", VECTORS["consistency_nodes"]["cases"], ids=nodes_case_id)
def test_consistency_nodes_match_transparency_dev(case):
    if case.get("error"):
        with pytest.raises(ValueError):
            consistency_nodes(case["size1"], case["size2"])
        return
    nodes = consistency_nodes(case["size1"], case["size2"])
    assert nodes.ids == tuple(NodeID(*pair) for pair in case["ids"])
    assert (nodes.begin, nodes.end) == (case["begin"], case["end"])


@pytest.mark.parametrize("case", VECTORS["ephemeral_nodes"]["cases"], ids=nodes_case_id)
def test_ephemeral_node_matches_transparency_dev(case):
    assert inclusion_nodes(case["index"], case["size"]).ephem == NodeID(*case["ephem"])


@pytest.mark.parametrize(
    "probe", VECTORS["inclusion_probes"]["probes"], ids=lambda probe: probe["file"]
)
def test_inclusion_probe(probe):
    def verify():
        verify_inclusion(
            probe["leafIdx"],
            probe["treeSize"],
            bytes.fromhex(probe["leafHash"]),
            hashes(probe["proof"]),
            bytes.fromhex(probe["root"]),
        )

    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()


@pytest.mark.parametrize(
    "probe", VECTORS["consistency_probes"]["probes"], ids=lambda probe: probe["file"]
)
def test_consistency_probe(probe):
    def verify():
        verify_consistency(
            probe["size1"],
            probe["size2"],
            bytes.fromhex(probe["root1"]),
            bytes.fromhex(probe["root2"]),
            hashes(probe["proof"]),
        )

    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()


# --- Against the RFC's own recursive definitions -------------------------------------------------


def test_root_equals_the_rfc_definition_at_every_size():
    for size in range(SMALL_MAX + 1):
        assert ROOTS[size] == rfc_mth(LEAVES[:size]), size


def test_inclusion_proofs_equal_the_rfc_path_for_every_leaf_of_small_trees():
    for size in range(1, 65):
        leaves = LEAVES[:size]
        for index in range(size):
            assert inclusion_proof(index, leaves) == rfc_path(index, leaves), (index, size)


def test_consistency_proofs_equal_the_rfc_proof_for_every_pair_of_small_sizes():
    for second in range(1, 65):
        leaves = LEAVES[:second]
        for first in range(1, second + 1):
            expected = rfc_subproof(first, leaves, True)
            assert consistency_proof(first, leaves) == expected, (first, second)


# --- Refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "size", "rule"),
    [
        (0, 0, "tree size 0 must be positive"),
        (0, -1, "tree size -1 must be positive"),
        (5, 5, r"leaf index 5 must be in \[0, 5\)"),
        (-1, 5, r"leaf index -1 must be in \[0, 5\)"),
    ],
)
def test_inclusion_nodes_refuse_impossible_coordinates(index, size, rule):
    with pytest.raises(ValueError, match=rule):
        inclusion_nodes(index, size)


@pytest.mark.parametrize(
    ("first", "second", "rule"),
    [
        (0, 5, "first tree size 0 must be positive"),
        (0, 0, "first tree size 0 must be positive"),
        (-2, 5, "first tree size -2 must be positive"),
        (6, 5, "first tree size 6 must not exceed the second tree size 5"),
    ],
)
def test_consistency_nodes_refuse_impossible_sizes(first, second, rule):
    with pytest.raises(ValueError, match=rule):
        consistency_nodes(first, second)


def test_consistency_between_equal_sizes_is_empty():
    assert consistency_nodes(5, 5) == Nodes(())
    assert consistency_proof(5, LEAVES[:5]) == []
    verify_consistency(5, 5, ROOTS[5], ROOTS[5], [])
    with pytest.raises(ProofError, match="roots differ for the same tree size 5"):
        verify_consistency(5, 5, ROOTS[5], ROOTS[4], [])
    with pytest.raises(ProofError, match="between equal sizes 5 must be empty"):
        verify_consistency(5, 5, ROOTS[5], ROOTS[5], [ROOTS[5]])


def test_consistency_from_an_empty_tree_is_refused():
    with pytest.raises(ProofError, match="first tree size 0 must be positive"):
        verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])


@pytest.mark.parametrize(
    ("index", "size", "leaf", "proof", "rule"),
    [
        (3, 3, LEAVES[0], [], r"leaf index 3 must be in \[0, 3\)"),
        (0, 0, LEAVES[0], [], r"leaf index 0 must be in \[0, 0\)"),
        (0, 1, LEAVES[0][:31], [], "leaf hash has 31 bytes, not 32"),
        (0, 2, LEAVES[0], [], "must have 1 hashes, not 0"),
        (0, 2, LEAVES[0], [LEAVES[1] + b"\x00"], "proof hash 0 has 33 bytes, not 32"),
    ],
    ids=["index-past-size", "empty-tree", "short-leaf", "short-proof", "long-proof-hash"],
)
def test_root_from_inclusion_proof_refuses_malformed_proofs(index, size, leaf, proof, rule):
    with pytest.raises(ProofError, match=rule):
        root_from_inclusion_proof(index, size, leaf, proof)


def test_proof_error_is_a_value_error_naming_both_roots():
    proof = inclusion_proof(2, LEAVES[:7])
    with pytest.raises(ValueError, match=f"leads to root .*, not the expected {ROOTS[6].hex()}"):
        verify_inclusion(2, 7, LEAVES[2], proof, ROOTS[6])


def test_rehash_refuses_a_wrong_number_of_hashes():
    nodes = inclusion_nodes(0, 7)
    with pytest.raises(ValueError, match="got 3 hashes for 4 node ids"):
        nodes.rehash(LEAVES[:3])


def test_compact_range_refuses_a_frontier_of_the_wrong_shape():
    with pytest.raises(ValueError, match="a tree of size 3 has 2 frontier hashes, not 1"):
        CompactRange(3, LEAVES[:1])
    with pytest.raises(ValueError, match="frontier hash 0 has 3 bytes"):
        CompactRange(1, [b"abc"])
    with pytest.raises(ValueError, match="must not be negative"):
        CompactRange(-1)
    with pytest.raises(ValueError, match="not a whole number of 32-byte hashes"):
        CompactRange.from_bytes(1, b"\x00" * 33)
    with pytest.raises(ValueError, match="leaf hash has 0 bytes"):
        CompactRange().append(b"")


def test_perfect_node_hash_refuses_nodes_beyond_the_tree():
    with pytest.raises(ValueError, match=r"covers leaves \[4, 8\) beyond the tree size"):
        perfect_node_hash(LEAVES[:7], NodeID(2, 1))


# --- CompactRange --------------------------------------------------------------------------------


def test_compact_range_root_equals_root_at_every_size_and_round_trips_through_bytes():
    tree = CompactRange()
    assert tree.root() == EMPTY_ROOT
    for size in range(1, SMALL_MAX + 1):
        tree.append(LEAVES[size - 1])
        assert tree.size == size
        assert tree.root() == ROOTS[size]
        assert tree.hashes == [STORE[node] for node in frontier_nodes(size)]
        restored = CompactRange.from_bytes(size, tree.to_bytes())
        assert restored == tree
        assert len(tree.to_bytes()) == size.bit_count() * HASH_SIZE


def test_compact_range_append_returns_exactly_the_perfect_nodes_leaf_first_then_upwards():
    tree = CompactRange()
    seen = []
    for size in range(1, SMALL_MAX + 1):
        completed = tree.append(LEAVES[size - 1])
        ids = [node for node, _ in completed]
        assert ids[0] == NodeID(0, size - 1)
        assert [node.level for node in ids] == list(range(len(ids)))
        assert all(node.end == size for node in ids)  # all completed by this leaf
        for node, hash_ in completed:
            assert (
                hash_ == perfect_node_hash(LEAVES, node) == rfc_mth(LEAVES[node.begin : node.end])
            )
        seen.extend(ids)
        perfect = {
            NodeID(level, index)
            for level in range(size.bit_length())
            for index in range(size >> level)
        }
        assert set(seen) == perfect and len(seen) == len(perfect)


def test_compact_range_continues_from_a_stored_frontier():
    tree = CompactRange.from_bytes(
        37, CompactRange(37, [STORE[n] for n in frontier_nodes(37)]).to_bytes()
    )
    for leaf in LEAVES[37:300]:
        tree.append(leaf)
    assert tree.root() == ROOTS[300]


@given(st.integers(0, SMALL_MAX), st.integers(0, SMALL_MAX))
def test_extend_completes_the_same_nodes_as_appending_one_leaf_at_a_time(size, count):
    count = min(count, SMALL_MAX - size)
    one_by_one = CompactRange(size, [STORE[n] for n in frontier_nodes(size)])
    expected = {}
    for leaf in LEAVES[size : size + count]:
        expected.update(one_by_one.append(leaf))
    batched = CompactRange(size, [STORE[n] for n in frontier_nodes(size)])

    completed = batched.extend(LEAVES[size : size + count])

    got = {
        NodeID(level, start + offset): hash_
        for level, start, level_hashes in completed
        for offset, hash_ in enumerate(level_hashes)
    }
    assert got == expected
    assert batched == one_by_one
    assert batched.root() == ROOTS[size + count]


def test_extend_refuses_a_leaf_of_the_wrong_size():
    with pytest.raises(ValueError, match="leaf hash 1 has 31 bytes"):
        CompactRange().extend([LEAVES[0], b"x" * 31])


def test_range_nodes_cover_the_range_exactly_with_perfect_subtrees():
    for begin in range(0, 70):
        for end in range(begin, 70):
            ids = range_nodes(begin, end)
            covered = [leaf for node in ids for leaf in range(node.begin, node.end)]
            assert covered == list(range(begin, end))
            assert all(node.begin % (1 << node.level) == 0 for node in ids)


# --- Properties: every generated proof verifies, every tampered one fails --------------------------


def flipped_bit_variants(hash_list):
    for position, hash_ in enumerate(hash_list):
        for bit in range(HASH_SIZE * 8):
            tampered = bytearray(hash_)
            tampered[bit // 8] ^= 1 << (bit % 8)
            yield [*hash_list[:position], bytes(tampered), *hash_list[position + 1 :]]


def assert_refused(check, *args):
    with pytest.raises(ProofError):
        check(*args)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(1, SMALL_MAX))
def test_every_inclusion_and_consistency_proof_of_a_tree_verifies(size):
    leaves = LEAVES[:size]
    for index in range(size):
        proof = proof_from_store(STORE, inclusion_nodes(index, size))
        verify_inclusion(index, size, leaves[index], proof, ROOTS[size])
    for first in range(1, size + 1):
        proof = proof_from_store(STORE, consistency_nodes(first, size))
        verify_consistency(first, size, ROOTS[first], ROOTS[size], proof)
    # The in-memory reference takes the same path as the store.
    assert inclusion_proof(size // 3, leaves) == proof_from_store(
        STORE, inclusion_nodes(size // 3, size)
    )
    assert consistency_proof(size // 2 or 1, leaves) == proof_from_store(
        STORE, consistency_nodes(size // 2 or 1, size)
    )


@st.composite
def leaf_in_tree(draw):
    size = draw(st.integers(1, SMALL_MAX))
    return draw(st.integers(0, size - 1)), size


@settings(max_examples=25, deadline=None)
@given(leaf_in_tree())
def test_any_tampered_inclusion_proof_fails(coordinates):
    index, size = coordinates
    leaf, good_root = LEAVES[index], ROOTS[size]
    proof = inclusion_proof(index, LEAVES[:size])
    verify_inclusion(index, size, leaf, proof, good_root)

    for tampered in flipped_bit_variants(proof):
        assert_refused(verify_inclusion, index, size, leaf, tampered, good_root)
    for tampered_leaf in flipped_bit_variants([leaf]):
        assert_refused(verify_inclusion, index, size, tampered_leaf[0], proof, good_root)
    for tampered_root in flipped_bit_variants([good_root]):
        assert_refused(verify_inclusion, index, size, leaf, proof, tampered_root[0])
    if proof:
        assert_refused(verify_inclusion, index, size, leaf, proof[:-1], good_root)
        assert_refused(verify_inclusion, index, size, leaf, proof[1:], good_root)
    assert_refused(verify_inclusion, index, size, leaf, [*proof, LEAVES[0]], good_root)
    assert_refused(verify_inclusion, index, size, leaf, [LEAVES[0], *proof], good_root)
    for wrong_index in (index - 1, index + 1):
        assert_refused(verify_inclusion, wrong_index, size, leaf, proof, good_root)
    for wrong_size in (size - 1, size + 1, size * 2):
        if 0 < wrong_size <= SMALL_MAX:
            assert_refused(verify_inclusion, index, wrong_size, leaf, proof, ROOTS[wrong_size])
    for other_root in (ROOTS[size - 1], EMPTY_ROOT):
        assert_refused(verify_inclusion, index, size, leaf, proof, other_root)


@st.composite
def two_sizes(draw):
    second = draw(st.integers(2, SMALL_MAX))
    return draw(st.integers(1, second - 1)), second


@settings(max_examples=25, deadline=None)
@given(two_sizes())
def test_any_tampered_consistency_proof_fails(sizes):
    first, second = sizes
    first_root, second_root = ROOTS[first], ROOTS[second]
    proof = consistency_proof(first, LEAVES[:second])
    verify_consistency(first, second, first_root, second_root, proof)

    for tampered in flipped_bit_variants(proof):
        assert_refused(verify_consistency, first, second, first_root, second_root, tampered)
    for tampered_root in flipped_bit_variants([first_root]):
        assert_refused(verify_consistency, first, second, tampered_root[0], second_root, proof)
    for tampered_root in flipped_bit_variants([second_root]):
        assert_refused(verify_consistency, first, second, first_root, tampered_root[0], proof)
    assert_refused(verify_consistency, first, second, first_root, second_root, proof[:-1])
    assert_refused(verify_consistency, first, second, first_root, second_root, proof[1:])
    assert_refused(verify_consistency, first, second, first_root, second_root, [*proof, LEAVES[0]])
    assert_refused(verify_consistency, first, second, first_root, second_root, [LEAVES[0], *proof])
    assert_refused(verify_consistency, second, first, second_root, first_root, proof)
    assert_refused(verify_consistency, first, second, second_root, first_root, proof)
    for wrong_first in (first - 1, first + 1):
        if 0 < wrong_first <= second:
            assert_refused(
                verify_consistency, wrong_first, second, ROOTS[wrong_first], second_root, proof
            )
    for wrong_second in (second - 1, second + 1):
        if first <= wrong_second <= SMALL_MAX:
            assert_refused(
                verify_consistency, first, wrong_second, first_root, ROOTS[wrong_second], proof
            )


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_proofs_in_a_large_tree_built_from_stored_perfect_nodes_verify(data):
    size = data.draw(
        st.one_of(st.integers(1, LARGE_MAX), st.sampled_from([1 << 16, (1 << 16) + 1, LARGE_MAX]))
    )
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(1, size))
    size_root = root_from_store(LARGE_STORE, size)
    first_root = root_from_store(LARGE_STORE, first)

    proof = proof_from_store(LARGE_STORE, inclusion_nodes(index, size))
    verify_inclusion(index, size, LARGE_LEAVES[index], proof, size_root)
    if proof:
        assert_refused(verify_inclusion, index, size, LARGE_LEAVES[index], proof[:-1], size_root)
        assert_refused(
            verify_inclusion, index, size, LARGE_LEAVES[index], [proof[0], *proof], size_root
        )

    proof = proof_from_store(LARGE_STORE, consistency_nodes(first, size))
    verify_consistency(first, size, first_root, size_root, proof)
    if proof:
        assert_refused(verify_consistency, first, size, first_root, size_root, proof[:-1])
        assert_refused(verify_consistency, first, size, size_root, first_root, proof)


def test_roots_from_stored_perfect_nodes_equal_root_over_the_leaves():
    for size in (1, 255, 256, 257, 65_535, 65_536, 65_537, LARGE_MAX):
        assert root_from_store(LARGE_STORE, size) == root(LARGE_LEAVES[:size]), size
