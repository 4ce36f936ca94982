"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and compact ranges: pure functions, stdlib only.

Proofs are served to third-party clients, so their layout is exactly RFC 9162 §2.1.3 and §2.1.4, in
the shape transparency-dev/merkle computes them (``proof.Nodes``): a proof is described as a list of
perfect-subtree nodes, which a store can load by id, plus at most one "ephemeral" node on the right
border of the tree that is rehashed from several of them.

Coordinates: ``NodeID(level, index)`` is the perfect subtree of ``2**level`` leaves starting at leaf
``index * 2**level``; level 0 holds the leaf hashes.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# RFC 9162 §2.1.1: domain separation between leaves and interior nodes.
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """A proof is malformed or does not lead to the expected root."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def leaf_hashes(entries: Sequence[bytes]) -> list[bytes]:
    """``leaf_hash`` of each entry, in one loop (a batch's hot path)."""
    sha256, prefix = hashlib.sha256, _LEAF_PREFIX
    return [sha256(prefix + entry).digest() for entry in entries]


def parent_hashes(children: Sequence[bytes]) -> list[bytes]:
    """``node_hash`` of each pair of an even-length list of siblings, left to right."""
    sha256, prefix = hashlib.sha256, _NODE_PREFIX
    pairs = iter(children)
    return [
        sha256(prefix + left + right).digest() for left, right in zip(pairs, pairs, strict=True)
    ]


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of the whole sequence (RFC 9162 §2.1.1); ``EMPTY_ROOT`` for no leaves.

    Folds a compact range (the frontier of perfect subtrees) leaf by leaf: O(log n) memory and n-1
    node hashes, with the hashing inlined because this runs over millions of leaves.
    """
    sha256 = hashlib.sha256
    frontier: list[bytes] = []
    for size, subtree in enumerate(leaf_hashes, start=1):
        # Each trailing zero bit of the new size completes one more perfect subtree.
        while not size & 1:
            subtree = sha256(_NODE_PREFIX + frontier.pop() + subtree).digest()
            size >>= 1
        frontier.append(subtree)
    return _fold_frontier(frontier)


def _fold_frontier(frontier: Sequence[bytes]) -> bytes:
    if not frontier:
        return EMPTY_ROOT
    hash_ = frontier[-1]
    for left in reversed(frontier[:-1]):
        hash_ = node_hash(left, hash_)
    return hash_


@dataclass(frozen=True, order=True)
class NodeID:
    level: int
    index: int

    @property
    def begin(self) -> int:
        """First leaf covered (inclusive)."""
        return self.index << self.level

    @property
    def end(self) -> int:
        """Last leaf covered (exclusive)."""
        return (self.index + 1) << self.level

    def parent(self) -> "NodeID":
        return NodeID(self.level + 1, self.index >> 1)

    def sibling(self) -> "NodeID":
        return NodeID(self.level, self.index ^ 1)


def _trailing_zeros(n: int) -> int:
    return (n & -n).bit_length() - 1


def range_nodes(begin: int, end: int) -> list[NodeID]:
    """The perfect subtrees that exactly cover leaves ``[begin, end)``, left to right.

    The minimal cover (transparency-dev compact.RangeNodes): growing levels along the left border,
    then shrinking levels along the right border.
    """
    if not 0 <= begin <= end:
        raise ValueError(f"range [{begin}, {end}) must satisfy 0 <= begin <= end")
    if begin == 0:
        left, right = 0, end
    else:
        # Nodes strictly below the point where the paths to leaves begin-1 and end diverge.
        mask = (1 << (((begin - 1) ^ end).bit_length() - 1)) - 1
        left, right = ~(begin - 1) & mask, end & mask
    ids: list[NodeID] = []
    position = begin
    while left:
        level = _trailing_zeros(left)
        ids.append(NodeID(level, position >> level))
        position += 1 << level
        left ^= 1 << level
    while right:
        level = right.bit_length() - 1
        ids.append(NodeID(level, position >> level))
        position += 1 << level
        right ^= 1 << level
    return ids


def frontier_nodes(size: int) -> list[NodeID]:
    """The perfect subtrees whose hashes form ``CompactRange(size, ...)``, largest first.

    Folding their hashes right to left gives the root of the tree of that size, so a store that
    keeps every perfect node can produce any past root.
    """
    if size < 0:
        raise ValueError(f"tree size {size} must not be negative")
    return range_nodes(0, size)


@dataclass(frozen=True)
class Nodes:
    """Which perfect-subtree hashes a proof needs, and how to fold them into the proof.

    ``ids[begin:end]`` (empty when ``begin == end``) are the perfect subtrees under the ephemeral
    node ``ephem``, lowest level first: a node on the right border of an imperfect tree, whose hash
    replaces them in the proof. ``ephem`` is None only when no tree walk happened (empty proof).
    """

    ids: tuple[NodeID, ...]
    begin: int = 0
    end: int = 0
    ephem: NodeID | None = None

    def rehash(self, hashes: Sequence[bytes]) -> list[bytes]:
        """The proof, in RFC 9162 order, from ``hashes[i]`` = the hash of ``ids[i]``."""
        if len(hashes) != len(self.ids):
            raise ValueError(f"got {len(hashes)} hashes for {len(self.ids)} node ids")
        proof = list(hashes[: self.begin])
        if self.begin < self.end:
            ephemeral = hashes[self.begin]
            for left in hashes[self.begin + 1 : self.end]:
                ephemeral = node_hash(left, ephemeral)
            proof.append(ephemeral)
        proof.extend(hashes[self.end :])
        return proof

    def _without_first(self) -> "Nodes":
        # The first node is the one being proven, which the client already has.
        if self.begin < self.end:
            return Nodes(self.ids[1:], self.begin - 1, self.end - 1, self.ephem)
        return Nodes(self.ids[1:], 0, 0, self.ephem)


def _path_nodes(index: int, level: int, size: int) -> Nodes:
    """Nodes proving that ``NodeID(level, index)`` (itself listed first) is in the tree of ``size``.

    A port of transparency-dev proof.nodes: the siblings on the path up to the ``fork`` node, where
    the paths to this node and to leaf size-1 diverge; then the nodes covering the range right of
    the fork (the ephemeral sibling of the fork, lowest first); then those covering the range left of
    it, lowest first.
    """
    inner = (index ^ (size >> level)).bit_length() - 1
    fork = NodeID(level + inner, index >> inner)
    node = NodeID(level, index)
    ids = [node]
    while node.level < fork.level:
        ids.append(node.sibling())
        node = node.parent()
    ephemeral_begin = len(ids)
    ids.extend(reversed(range_nodes(fork.end, size)))
    ephemeral_end = len(ids)
    ids.extend(reversed(range_nodes(0, fork.begin)))
    if ephemeral_begin >= ephemeral_end:
        ephemeral_begin = ephemeral_end = 0
    return Nodes(tuple(ids), ephemeral_begin, ephemeral_end, fork.sibling())


def inclusion_nodes(index: int, size: int) -> Nodes:
    if size <= 0:
        raise ValueError(f"tree size {size} must be positive for an inclusion proof")
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} must be in [0, {size}) for a tree of size {size}")
    return _path_nodes(index, 0, size)._without_first()


def consistency_nodes(first: int, second: int) -> Nodes:
    if first <= 0:
        raise ValueError(f"first tree size {first} must be positive for a consistency proof")
    if first > second:
        raise ValueError(f"first tree size {first} must not exceed the second tree size {second}")
    if first == second:
        return Nodes(())
    # Start from the largest perfect subtree ending at leaf first-1 and prove it is in `second`.
    level = _trailing_zeros(first)
    nodes = _path_nodes((first - 1) >> level, level, second)
    if first & (first - 1) == 0:
        # That subtree is the whole first tree, whose root the client already holds.
        return nodes._without_first()
    return nodes


def perfect_node_hash(leaf_hashes: Sequence[bytes], node: NodeID) -> bytes:
    """The hash of a perfect subtree of the tree made of ``leaf_hashes``."""
    if node.end > len(leaf_hashes):
        raise ValueError(f"{node} covers leaves [{node.begin}, {node.end}) beyond the tree size")
    return root(leaf_hashes[node.begin : node.end])


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """In-memory reference: the proof for leaf ``index`` in the tree of all ``leaf_hashes``."""
    nodes = inclusion_nodes(index, len(leaf_hashes))
    return nodes.rehash([perfect_node_hash(leaf_hashes, node) for node in nodes.ids])


def consistency_proof(first: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """In-memory reference: the proof from size ``first`` to the tree of all ``leaf_hashes``."""
    nodes = consistency_nodes(first, len(leaf_hashes))
    return nodes.rehash([perfect_node_hash(leaf_hashes, node) for node in nodes.ids])


def _check_hash_sizes(what: str, hashes: Sequence[bytes]) -> None:
    for position, hash_ in enumerate(hashes):
        if len(hash_) != HASH_SIZE:
            raise ProofError(f"{what} hash {position} has {len(hash_)} bytes, not {HASH_SIZE}")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from leaf hash ``leaf`` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} must be in [0, {size}) for a tree of size {size}")
    if len(leaf) != HASH_SIZE:
        raise ProofError(f"leaf hash has {len(leaf)} bytes, not {HASH_SIZE}")
    # Siblings below the fork with the right border, then one left sibling per set bit above it.
    inner = (index ^ (size - 1)).bit_length()
    expected_length = inner + (index >> inner).bit_count()
    if len(proof) != expected_length:
        raise ProofError(
            f"inclusion proof for leaf {index} in a tree of size {size} must have "
            f"{expected_length} hashes, not {len(proof)}"
        )
    _check_hash_sizes("proof", proof)
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # unreachable after the length check; kept as the RFC's own guard
        raise ProofError(f"inclusion proof for leaf {index} is too short for size {size}")
    return result


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    calculated = root_from_inclusion_proof(index, size, leaf, proof)
    if calculated != root:
        raise ProofError(
            f"inclusion proof for leaf {index} in a tree of size {size} leads to root "
            f"{calculated.hex()}, not the expected {root.hex()}"
        )


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of size ``second`` extends the tree of size ``first`` (RFC 9162 §2.1.4.2)."""
    if first <= 0:
        raise ProofError(f"first tree size {first} must be positive: nothing to prove from empty")
    if first > second:
        raise ProofError(f"first tree size {first} must not exceed the second tree size {second}")
    if first == second:
        if proof:
            raise ProofError(f"consistency proof between equal sizes {first} must be empty")
        if first_root != second_root:
            raise ProofError(f"roots differ for the same tree size {first}")
        return
    expected_length = _consistency_proof_length(first, second)
    if len(proof) != expected_length:
        raise ProofError(
            f"consistency proof from size {first} to {second} must have {expected_length} "
            f"hashes, not {len(proof)}"
        )
    _check_hash_sizes("proof", proof)
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first_result = second_result = path[0]
    for hash_ in path[1:]:
        if sn == 0:  # unreachable after the length check; kept as the RFC's own guard
            raise ProofError(f"consistency proof from size {first} to {second} is too long")
        if fn & 1 or fn == sn:
            first_result = node_hash(hash_, first_result)
            second_result = node_hash(hash_, second_result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            second_result = node_hash(second_result, hash_)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"consistency proof from size {first} to {second} is too short")
    if first_result != first_root:
        raise ProofError(
            f"consistency proof leads to root {first_result.hex()} for size {first}, not the "
            f"expected {first_root.hex()}"
        )
    if second_result != second_root:
        raise ProofError(
            f"consistency proof leads to root {second_result.hex()} for size {second}, not the "
            f"expected {second_root.hex()}"
        )


def _consistency_proof_length(first: int, second: int) -> int:
    # The inclusion proof of leaf first-1 from the level of the largest perfect subtree ending
    # there, plus that subtree's own hash unless it is the whole first tree.
    shift = _trailing_zeros(first)
    inner = ((first - 1) ^ (second - 1)).bit_length()
    border = ((first - 1) >> inner).bit_count()
    own_hash = 0 if first & (first - 1) == 0 else 1
    return own_hash + (inner - shift) + border


class CompactRange:
    """The right frontier of a tree (the roots of its perfect subtrees, largest first): appending
    needs nothing else."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0:
            raise ValueError(f"tree size {size} must not be negative")
        if len(hashes) != size.bit_count():
            raise ValueError(
                f"a tree of size {size} has {size.bit_count()} frontier hashes, not {len(hashes)}"
            )
        for position, hash_ in enumerate(hashes):
            if len(hash_) != HASH_SIZE:
                raise ValueError(
                    f"frontier hash {position} has {len(hash_)} bytes, not {HASH_SIZE}"
                )
        self.size = size
        self.hashes = list(hashes)

    def __repr__(self) -> str:
        return f"CompactRange(size={self.size}, hashes=[{len(self.hashes)} hashes])"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self.size == other.size and self.hashes == other.hashes

    __hash__ = None  # mutable

    def append(self, leaf: bytes) -> list[tuple[NodeID, bytes]]:
        """Append one leaf hash; return every perfect node it completes, the leaf first, then the
        merged parents upwards."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"leaf hash has {len(leaf)} bytes, not {HASH_SIZE}")
        node = NodeID(0, self.size)
        completed = [(node, leaf)]
        hash_ = leaf
        # A right child (odd index) merges with its left sibling, the last frontier hash.
        while node.index & 1:
            hash_ = node_hash(self.hashes.pop(), hash_)
            node = node.parent()
            completed.append((node, hash_))
        self.hashes.append(hash_)
        self.size += 1
        return completed

    def extend(self, leaves: Sequence[bytes]) -> list[tuple[int, int, list[bytes]]]:
        """Append many leaf hashes at once, level by level rather than leaf by leaf. Returns the
        perfect nodes they complete (the nodes ``append`` would return one leaf at a time), as
        ``(level, index of the first, hashes)`` from the leaves up."""
        for position, leaf in enumerate(leaves):
            if len(leaf) != HASH_SIZE:
                raise ValueError(f"leaf hash {position} has {len(leaf)} bytes, not {HASH_SIZE}")
        old_size = self.size
        # The old frontier by level: a perfect subtree for each set bit of the size.
        levels = [
            level for level in range(old_size.bit_length() - 1, -1, -1) if old_size >> level & 1
        ]
        old = dict(zip(levels, self.hashes, strict=True))
        new: dict[int, bytes] = {}
        completed = []
        level, start, nodes = 0, old_size, list(leaves)
        while nodes:
            completed.append((level, start, nodes))
            if start & 1:  # the first new node is a right child: its sibling is on the frontier
                nodes, start = [old[level], *nodes], start - 1
            if len(nodes) & 1:  # the last is left without a sibling: the new frontier's
                new[level] = nodes[-1]
            level, start, nodes = level + 1, start >> 1, parent_hashes(nodes[: len(nodes) & ~1])
        new.update((above, hash_) for above, hash_ in old.items() if above >= level)
        self.size = old_size + len(leaves)
        self.hashes = [new[level] for level in sorted(new, reverse=True)]
        return completed

    def root(self) -> bytes:
        return _fold_frontier(self.hashes)

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> "CompactRange":
        if len(data) % HASH_SIZE:
            raise ValueError(f"{len(data)} bytes is not a whole number of {HASH_SIZE}-byte hashes")
        hashes = [data[offset : offset + HASH_SIZE] for offset in range(0, len(data), HASH_SIZE)]
        return cls(size, hashes)
