"""tlogcheck: check the exchange's certificate transparency log without trusting the exchange.

One file with no dependency beyond Python 3.10+ and the ``cryptography`` package: copy it anywhere
and run it. It implements the public specifications from scratch and shares no code with the
server it checks:

- RFC 9162 §2.1: the Merkle tree (SHA-256), inclusion proofs (§2.1.3.2), consistency proofs
  (§2.1.4.2);
- c2sp.org/signed-note and c2sp.org/tlog-checkpoint: checkpoints signed with Ed25519 note keys
  (``<name>+<hex key ID>+<base64(0x01 || public key)>``);
- c2sp.org/tlog-tiles: the log over HTTP as ``/log/checkpoint``, tiles ``/log/tile/<L>/<N>`` and
  entry bundles ``/log/tile/entries/<N>`` (``.p/<W>`` for partial ones);
- c2sp.org/tlog-proof@v1: a certificate's offline proof of inclusion;
- RFC 8785: every entry must be canonical JSON.

Usage::

    python tlogcheck.py verify URL [--vkey VKEY]
    python tlogcheck.py witness URL --state FILE [--vkey VKEY]
    python tlogcheck.py proof PROOF_FILE --vkey VKEY --entry ENTRY_FILE

``URL`` is the exchange's address (``https://exchange.example``; a trailing ``/log`` is allowed).
``VKEY`` is the log's verifier key, or a file holding it. Without ``--vkey``, ``verify`` and
``witness`` trust the key the log itself serves (trust on first use) and say so.

``verify`` fetches every tile and entry bundle, recomputes every leaf hash, rebuilds the tree and
checks the stored tiles and the signed root against it. ``witness`` keeps the last checkpoint it
accepted in FILE and accepts a newer one only with a valid consistency proof, so the log cannot
rewrite or fork its history unseen. ``proof`` checks a certificate's tlog-proof block against the
entry's bytes, offline.

Exit status: 0 when everything holds; 1 when something does not, or the check could not be made
(the reasons are printed: ``verify`` prints ``entry <index>`` first when an entry is bad); 2 for a
usage error.
"""

import os
import sys

# Run as ``python exchange/registry/tlogcheck.py``, Python puts this file's folder first on the
# module path, where the server's modules (selectors.py, numbers.py) would shadow the standard
# library's: ``socket`` imports ``selectors``. This file needs nothing from that folder.
if (
    __name__ == "__main__"
    and sys.path
    and os.path.abspath(sys.path[0] or os.curdir) == os.path.dirname(os.path.abspath(__file__))
):
    del sys.path[0]

import argparse
import base64
import contextlib
import hashlib
import http.client
import json
import math
import re
import socket
import time
import urllib.parse
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 §2.1.1: MTH({}) = HASH()
# c2sp.org/tlog-tiles: a tile holds 256 hashes, a subtree of height 8.
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
# RFC 9162 carries tree sizes as uint64.
MAX_TREE_SIZE = (1 << 64) - 1
# c2sp.org/signed-note: signature type 0x01 is Ed25519; key IDs are 4 bytes; verifiers must accept
# at least 16 signatures and should cap them (100, like golang.org/x/mod/sumdb/note).
SIGNATURE_TYPE_ED25519 = 0x01
KEY_ID_SIZE = 4
ED25519_SIGNATURE_SIZE = 64
MAX_SIGNATURES = 100
SIGNATURE_PREFIX = "\N{EM DASH} "
PROOF_HEADER = "c2sp.org/tlog-proof@v1"

CHECKPOINT_PATH = "log/checkpoint"
VKEY_PATH = "log/vkey"
CONSISTENCY_PATH = "api/registry/log/proof/consistency/"
TIMEOUT_SECONDS = 60
# A full entry bundle is at most 256 entries of 2 + 65,535 bytes; nothing the log serves is larger.
MAX_RESPONSE_BYTES = 32 << 20
MAX_PROBLEMS_SHOWN = 50
PROGRESS_SECONDS = 10  # how often progress is reported when stderr is not a terminal

_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_KEY_ID = re.compile(r"[0-9a-f]{8}")


class CheckError(Exception):
    """Something does not hold, or could not be checked; the message says what."""


class FetchError(CheckError):
    """An HTTP request failed: no answer, or a status other than 200."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Refused(CheckError):
    """The witness refuses the log's latest checkpoint."""


# --- RFC 9162 §2.1: the Merkle tree --------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def tree_root(leaves: Sequence[bytes]) -> bytes:
    """MTH over the leaf hashes (RFC 9162 §2.1.1).

    Built level by level: pair the nodes left to right and lift an odd last node unchanged. That
    is the RFC's recursive split at the largest power of two below n, without the recursion.
    """
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2; raises CheckError unless ``proof`` leads from ``leaf`` to ``root``."""
    if not 0 <= index < size:
        raise CheckError(f"leaf index {index} is not below the tree size {size}")
    _check_hash_lengths([leaf, root], "leaf and root")
    _check_hash_lengths(proof, "inclusion proof")
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise CheckError(f"the inclusion proof is longer than a tree of size {size} needs")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise CheckError(f"the inclusion proof is shorter than a tree of size {size} needs")
    if result != root:
        raise CheckError(
            f"the inclusion proof of entry {index} leads to root {_b64(result)}, "
            f"not to the checkpoint's {_b64(root)}"
        )


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2; raises CheckError unless the tree of ``second`` extends that of ``first``."""
    if first == 0:
        # RFC 9162 defines no proof from the empty tree (which every tree extends).
        raise CheckError("there is no consistency proof from the empty tree")
    if not 0 < first <= second:
        raise CheckError(f"tree size {first} is not between 1 and {second}")
    _check_hash_lengths(proof, "consistency proof")
    if first == second:
        if proof:
            raise CheckError(f"a consistency proof between equal sizes {first} must be empty")
        if first_root != second_root:
            raise CheckError(f"two different roots for the same tree size {first}")
        return
    if not proof:
        raise CheckError(f"the consistency proof from size {first} to {second} is empty")
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of 2: the first tree is a subtree of the second
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first_result = second_result = path[0]
    for hash_ in path[1:]:
        if sn == 0:
            raise CheckError(f"the consistency proof from size {first} to {second} is too long")
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
        raise CheckError(f"the consistency proof from size {first} to {second} is too short")
    if first_result != first_root:
        raise CheckError(
            f"the consistency proof gives root {_b64(first_result)} for size {first}, "
            f"not {_b64(first_root)}"
        )
    if second_result != second_root:
        raise CheckError(
            f"the consistency proof gives root {_b64(second_result)} for size {second}, "
            f"not {_b64(second_root)}"
        )


def _check_hash_lengths(hashes: Sequence[bytes], what: str) -> None:
    for position, hash_ in enumerate(hashes):
        if len(hash_) != HASH_SIZE:
            raise CheckError(f"{what} hash {position} has {len(hash_)} bytes, not {HASH_SIZE}")


# --- c2sp.org/signed-note and tlog-checkpoint ----------------------------------------------------


@dataclass(frozen=True)
class Verifier:
    """A note verifier key: who signs, and the Ed25519 key that checks their signatures."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey
    vkey: str


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint whose signature has been verified."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...]
    note: str


def parse_vkey(vkey: str) -> Verifier:
    """``<name>+<hex key ID>+<base64(0x01 || 32-byte Ed25519 public key)>``."""
    name, _, rest = vkey.strip().partition("+")
    id_hex, _, key_text = rest.partition("+")
    if not _is_key_name(name) or not _KEY_ID.fullmatch(id_hex) or not key_text:
        raise CheckError(
            f"verifier key {vkey.strip()!r} is not '<name>+<8 lowercase hex digits>+<base64 key>'"
        )
    raw = _b64decode(key_text, "verifier key")
    if len(raw) != 1 + 32 or raw[0] != SIGNATURE_TYPE_ED25519:
        raise CheckError("verifier key is not an Ed25519 key (type byte 0x01 and 32 key bytes)")
    key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:KEY_ID_SIZE]
    if key_id.hex() != id_hex:
        raise CheckError(
            f"verifier key ID {id_hex} does not match its name and key (they give {key_id.hex()})"
        )
    return Verifier(name, key_id, Ed25519PublicKey.from_public_bytes(raw[1:]), vkey.strip())


def open_note(note: str, verifier: Verifier) -> str:
    """The text of a signed note, once the signature by ``verifier`` holds.

    Signatures by other keys are ignored (c2sp.org/signed-note); every signature by this key must
    verify, and at least one must be there.
    """
    if any(char < " " and char != "\n" for char in note):
        raise CheckError("the note holds a control character")
    if not note.endswith("\n"):
        raise CheckError("the note does not end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise CheckError("the note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    lines = block.removesuffix("\n").split("\n") if block else []
    if not lines:
        raise CheckError("the note has no signature lines")
    if len(lines) > MAX_SIGNATURES:
        raise CheckError(f"the note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    try:
        message = text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise CheckError("the note is not valid UTF-8") from error
    verified = False
    for number, line in enumerate(lines, start=1):
        name, space, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
        if not line.startswith(SIGNATURE_PREFIX) or not space or not _is_key_name(name):
            raise CheckError(f"signature line {number} is not '— <key name> <base64>'")
        raw = _b64decode(encoded, f"signature line {number}")
        if len(raw) <= KEY_ID_SIZE:
            raise CheckError(f"signature line {number} is too short for a key ID and a signature")
        if name != verifier.name or raw[:KEY_ID_SIZE] != verifier.key_id:
            continue
        signature = raw[KEY_ID_SIZE:]
        try:
            if len(signature) != ED25519_SIGNATURE_SIZE:
                raise InvalidSignature
            verifier.public_key.verify(signature, message)
        except InvalidSignature as error:
            raise CheckError(f"the signature by {_key_label(verifier)} does not verify") from error
        verified = True
    if not verified:
        raise CheckError(f"the note has no signature by {_key_label(verifier)}")
    return text


def open_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """The checkpoint in a signed note (c2sp.org/tlog-checkpoint), once its signature holds.

    Its origin must be the key's name, so that one log's checkpoint cannot pass for another's.
    """
    text = open_note(note, verifier)
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise CheckError("the checkpoint is not an origin, a tree size and a root hash line")
    origin, size_text, root_text, *extensions = lines
    if not _DECIMAL.fullmatch(size_text) or int(size_text) > MAX_TREE_SIZE:
        raise CheckError(f"the checkpoint's tree size {size_text!r} is not a canonical uint64")
    root = _b64decode(root_text, "the checkpoint's root hash")
    if len(root) != HASH_SIZE:
        raise CheckError(f"the checkpoint's root hash has {len(root)} bytes, not {HASH_SIZE}")
    if origin != verifier.name:
        raise CheckError(f"the checkpoint's origin {origin!r} is not the key's name")
    return Checkpoint(origin, int(size_text), root, tuple(extensions), note)


def _is_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() or c < " " for c in name)


def _key_label(verifier: Verifier) -> str:
    return f"{verifier.name}+{verifier.key_id.hex()}"


# --- c2sp.org/tlog-proof@v1 ----------------------------------------------------------------------


@dataclass(frozen=True)
class TlogProof:
    index: int
    hashes: tuple[bytes, ...]
    checkpoint_note: str
    extra: bytes | None


def parse_tlog_proof(text: str) -> TlogProof:
    """The fields of a tlog-proof block; nothing in it is trusted until ``check_proof``."""
    head, blank, note = text.partition("\n\n")
    if not blank:
        raise CheckError("the proof has no blank line before its checkpoint")
    lines = head.split("\n")
    if lines[0] != PROOF_HEADER:
        raise CheckError(f"the proof does not start with the line {PROOF_HEADER!r}")
    position, extra = 1, None
    if position < len(lines) and lines[position].startswith("extra "):
        extra = _b64decode(lines[position].removeprefix("extra "), "the proof's extra line")
        position += 1
    if position >= len(lines) or not lines[position].startswith("index "):
        raise CheckError(f"line {position + 1} of the proof is not 'index <decimal>'")
    index_text = lines[position].removeprefix("index ")
    if not _DECIMAL.fullmatch(index_text) or int(index_text) >= MAX_TREE_SIZE:
        raise CheckError(f"the proof's index {index_text!r} is not a canonical decimal")
    hashes = tuple(
        _b64decode(line, f"proof line {number}")
        for number, line in enumerate(lines[position + 1 :], start=position + 2)
    )
    _check_hash_lengths(hashes, "inclusion proof")
    return TlogProof(int(index_text), hashes, note, extra)


def check_proof(text: str, entry: bytes, verifier: Verifier) -> tuple[int, Checkpoint]:
    """``(index, checkpoint)`` once the proof shows ``entry`` in the signed tree."""
    proof = parse_tlog_proof(text)
    checkpoint = open_checkpoint(proof.checkpoint_note, verifier)
    verify_inclusion(proof.index, checkpoint.size, leaf_hash(entry), proof.hashes, checkpoint.root)
    return proof.index, checkpoint


# --- RFC 8785: canonical JSON entries ------------------------------------------------------------


class _NotCanonical(ValueError):
    pass


def canonical_json_problem(entry: bytes) -> str | None:
    """Why ``entry`` is not RFC 8785 canonical JSON, or None when it is."""
    try:
        value = json.loads(
            entry.decode("utf-8"),
            object_pairs_hook=_object_without_duplicates,
            parse_float=float,
            parse_constant=_refuse_constant,
        )
        canonical = _canonical(value).encode("utf-8")
    except UnicodeError:
        return "not UTF-8"
    except _NotCanonical as error:
        return str(error)
    except ValueError as error:
        return f"not JSON ({error})"
    if canonical != entry:
        return "not RFC 8785 canonical JSON (its canonical form differs)"
    return None


def _object_without_duplicates(pairs: list[tuple[str, object]]) -> dict:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise _NotCanonical("a JSON object repeats a key")
    return value


def _refuse_constant(name: str) -> float:
    raise _NotCanonical(f"{name} is not JSON")


def _canonical(value: object) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int | float):
        return _ecmascript_number(value)
    if isinstance(value, str):
        _check_unicode(value)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(_canonical(item) for item in value) + "]"
    if isinstance(value, dict):
        for key in value:
            _check_unicode(key)
        # RFC 8785 §3.2.3: members sorted by their names' UTF-16 code units.
        keys = sorted(value, key=lambda key: key.encode("utf-16-be"))
        members = (
            f"{json.dumps(key, ensure_ascii=False)}:{_canonical(value[key])}" for key in keys
        )
        return "{" + ",".join(members) + "}"
    raise _NotCanonical(f"unexpected JSON value {value!r}")


def _check_unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise _NotCanonical("a JSON string holds a lone surrogate") from error


def _ecmascript_number(value: int | float) -> str:
    """RFC 8785 §3.2.2.3: the number as a double, serialised by ECMAScript's Number.toString."""
    try:
        number = float(value)
    except OverflowError as error:
        raise _NotCanonical("a JSON number is beyond the range of a double") from error
    if not math.isfinite(number):
        raise _NotCanonical("a JSON number is beyond the range of a double")
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    # repr gives the shortest digits that round-trip, as ECMAScript requires; rewrite them as
    # digits × 10**exponent with no leading or trailing zero.
    mantissa, _, exponent_text = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    significant = (whole + fraction).lstrip("0")
    digits = significant.rstrip("0")
    exponent = int(exponent_text or 0) - len(fraction) + len(significant) - len(digits)
    # ECMAScript's k (number of digits) and n (value = 0.digits × 10**n).
    k = len(digits)
    n = k + exponent
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    power = f"e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return sign + (digits if k == 1 else digits[0] + "." + digits[1:]) + power


# --- HTTP ----------------------------------------------------------------------------------------


class Client:
    """GET requests to one exchange over a kept-alive HTTP/1.1 connection.

    A full check makes hundreds of requests: one connection (and TLS handshake) serves them all.
    """

    def __init__(self, url: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
        parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CheckError(f"{url!r} is not an http:// or https:// address")
        if parts.query or parts.fragment:
            raise CheckError(f"{url!r} must have no query or fragment")
        path = parts.path.rstrip("/")
        # Tolerate the log's own prefix: the checks also need the JSON API beside it.
        self.prefix = path.removesuffix("/log")
        self.base_url = f"{parts.scheme}://{parts.netloc}{self.prefix}"
        self.timeout = timeout
        self.requests = 0
        self._secure = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._connection: http.client.HTTPConnection | None = None

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path}"

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def get(self, path: str, params: dict[str, int] | None = None) -> bytes:
        """The body of ``GET <path>``; FetchError unless the answer is 200."""
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        target, url = f"{self.prefix}/{path}{query}", f"{self.url(path)}{query}"
        for attempt in range(2):
            try:
                status, headers, body = self._exchange(target)
                break
            except (http.client.HTTPException, ConnectionError) as error:
                # A kept-alive connection the server has closed meanwhile: retry once on a new
                # one (GET is idempotent).
                self.close()
                if attempt:
                    raise FetchError(f"GET {url}: {error or type(error).__name__}") from error
            except OSError as error:
                self.close()
                raise FetchError(f"GET {url}: {error}") from error
        self.requests += 1
        if status != 200:
            # Say what a text or JSON answer says; an HTML error page is no use on a terminal.
            kind = headers.get("content-type", "")
            readable = kind.startswith(("text/plain", "application/json"))
            detail = " ".join(body[:300].decode("utf-8", "replace").split()) if readable else ""
            raise FetchError(
                f"GET {url}: HTTP {status}" + (f" ({detail})" if detail else ""), status=status
            )
        if headers.get("content-encoding", "identity").lower() == "gzip":
            body = _gunzip(body, url)
        return body

    def get_text(self, path: str) -> str:
        body = self.get(path)
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CheckError(f"{self.url(path)} is not UTF-8 text") from error

    def get_json(self, path: str, params: dict[str, int]) -> object:
        body = self.get(path, params)
        try:
            return json.loads(body)
        except ValueError as error:
            raise CheckError(f"{self.url(path)} did not answer JSON") from error

    def _exchange(self, target: str) -> tuple[int, dict[str, str], bytes]:
        if self._connection is None:
            kind = http.client.HTTPSConnection if self._secure else http.client.HTTPConnection
            self._connection = kind(self._host, self._port, timeout=self.timeout)
        connection = self._connection
        connection.request(
            "GET",
            target,
            headers={"Accept-Encoding": "gzip, identity", "User-Agent": "tlogcheck/1"},
        )
        _acknowledge_quickly(connection)
        response = connection.getresponse()
        body = response.read(MAX_RESPONSE_BYTES + 1)
        if len(body) > MAX_RESPONSE_BYTES:
            self.close()
            raise FetchError(f"{target}: the answer is larger than {MAX_RESPONSE_BYTES} bytes")
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, body


def _acknowledge_quickly(connection: http.client.HTTPConnection) -> None:
    """Ask Linux to acknowledge the answer at once.

    A server that writes the headers and the body of an answer in two sends (Python's wsgiref,
    behind Django's runserver, does) waits for the acknowledgement of the first before sending the
    second (Nagle's algorithm), while a kept-alive connection delays that acknowledgement by up to
    40 ms: that would be 40 ms a request.
    """
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None and connection.sock is not None:
        with contextlib.suppress(OSError):
            connection.sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


def _gunzip(body: bytes, url: str) -> bytes:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(body, MAX_RESPONSE_BYTES + 1)
    except zlib.error as error:
        raise FetchError(f"GET {url}: the gzip body does not decompress ({error})") from error
    if len(data) > MAX_RESPONSE_BYTES or decompressor.unconsumed_tail:
        raise FetchError(f"GET {url}: the body is larger than {MAX_RESPONSE_BYTES} bytes")
    return data


def log_verifier(client: Client, vkey: str | None, err: TextIO) -> Verifier:
    """The verifier for ``vkey`` (a key, or a file holding one), or the log's own key, announced."""
    if vkey:
        return parse_vkey(read_vkey(vkey))
    verifier = parse_vkey(client.get_text(VKEY_PATH))
    _say(
        err,
        f"No --vkey given: trusting the key the log itself serves at {client.url(VKEY_PATH)} "
        f"(trust on first use): {verifier.vkey}",
    )
    return verifier


def read_vkey(value: str) -> str:
    """``value`` itself, or the key in the file it names (a key always holds a ``+``)."""
    if "+" in value or not Path(value).is_file():
        return value
    try:
        return Path(value).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CheckError(f"cannot read the verifier key file {value}: {error}") from error


# --- verify: the whole log from its tiles and entry bundles --------------------------------------


def encode_index(n: int) -> str:
    """c2sp.org/tlog-tiles ``<N>``: 3-digit groups, all but the last prefixed with ``x``."""
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def tile_path(level: int | str, index: int, width: int) -> str:
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{encode_index(index)}{suffix}"


@dataclass
class LogReport:
    checkpoint: Checkpoint
    tiles: int = 0
    bundles: int = 0
    entry_problems: dict[int, str] = field(default_factory=dict)
    other_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.entry_problems and not self.other_problems

    @property
    def bad_entry(self) -> int | None:
        return min(self.entry_problems, default=None)

    @property
    def problems(self) -> list[str]:
        """Entry problems by index, then the others in the order they were found."""
        entries = [f"entry {i}: {why}" for i, why in sorted(self.entry_problems.items())]
        return entries + self.other_problems

    def entry_broke(self, index: int, why: str) -> None:
        self.entry_problems.setdefault(index, why)

    def problem(self, text: str) -> None:
        self.other_problems.append(text)

    def summary(self) -> str:
        checkpoint = self.checkpoint
        return (
            f"ok: {_entries(checkpoint.size)}, {self.tiles} tiles and {self.bundles} entry bundles "
            f"of {checkpoint.origin} rebuild the root {_b64(checkpoint.root)} of its signed "
            f"checkpoint {checkpoint.size}"
        )


def verify_log(
    client: Client, verifier: Verifier, *, progress: Callable[[int, int], None] | None = None
) -> LogReport:
    """Check the log at its latest checkpoint: every entry, every tile, the signed root.

    Raises CheckError when the checkpoint itself cannot be fetched or its signature fails.
    """
    checkpoint = open_checkpoint(client.get_text(CHECKPOINT_PATH), verifier)
    report = LogReport(checkpoint)
    recorded, differing = _level_zero(client, report, checkpoint.size, progress)
    leaves, root = _settle_level_zero(report, recorded, differing)
    level_hashes = leaves
    for level in range(1, 64):
        # Tile level L holds the hashes of tree level 8L: each is a full tile of the level below.
        count = len(level_hashes) // TILE_WIDTH
        if not count:
            break
        rebuilt = [
            tree_root(level_hashes[i * TILE_WIDTH : (i + 1) * TILE_WIDTH]) for i in range(count)
        ]
        for index in range(-(-count // TILE_WIDTH)):
            first = index * TILE_WIDTH
            width = min(TILE_WIDTH, count - first)
            stored = _fetch_tile(client, report, level, index, width)
            for offset, hash_ in enumerate(stored or ()):
                if hash_ != rebuilt[first + offset]:
                    span = TILE_WIDTH**level
                    begin = (first + offset) * span
                    report.problem(
                        f"{tile_path(level, index, width)}: hash {offset} is not the hash of the "
                        f"tile below it (entries {begin}..{begin + span - 1})"
                    )
        level_hashes = rebuilt
    if root != checkpoint.root:
        report.problem(
            f"the tree gives the root {_b64(root)}, but checkpoint {checkpoint.size} signs "
            f"{_b64(checkpoint.root)}"
        )
    return report


def _level_zero(
    client: Client,
    report: LogReport,
    size: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[list[bytes], dict[int, bytes]]:
    """The level-0 hashes as the log recorded them (tile 0), and each entry's own hash where it
    differs from the recorded one.

    Where a tile is missing, the entries' own hashes stand in; where both are, zeros do (the
    problem is reported and the root will not match).
    """
    leaves: list[bytes] = []
    differing: dict[int, bytes] = {}
    for index in range(-(-size // TILE_WIDTH)):
        first = index * TILE_WIDTH
        width = min(TILE_WIDTH, size - first)
        entries = _fetch_bundle(client, report, index, width)
        recorded = _fetch_tile(client, report, 0, index, width)
        for offset in range(width):
            position = first + offset
            own = None
            if entries[offset] is not None:
                own = leaf_hash(entries[offset])
                why = canonical_json_problem(entries[offset])
                if why:
                    report.entry_broke(position, why)
            logged = recorded[offset] if recorded else None
            if own is not None and logged is not None and own != logged:
                differing[position] = own
            leaves.append(logged or own or bytes(HASH_SIZE))
        if progress:
            progress(first + width, size)
    return leaves, differing


def _settle_level_zero(
    report: LogReport, recorded: list[bytes], differing: dict[int, bytes]
) -> tuple[list[bytes], bytes]:
    """The level-0 hashes to build the tree on, and its root.

    Where an entry and its recorded hash disagree, one of them lies: the one that gives the signed
    root is what the log signed. When neither does, the recorded hashes are kept, so that the
    tiles above are checked against the tile below them and only the root is left to disagree.
    """
    recorded_root = tree_root(recorded)
    if not differing:
        return recorded, recorded_root
    signed = report.checkpoint.root
    own = [differing.get(position, hash_) for position, hash_ in enumerate(recorded)]
    own_root = tree_root(own)
    tile_is_wrong = own_root == signed and recorded_root != signed
    for position, own_hash in sorted(differing.items()):
        first = position - position % TILE_WIDTH
        tile = tile_path(0, position // TILE_WIDTH, min(TILE_WIDTH, len(recorded) - first))
        if tile_is_wrong:
            report.problem(
                f"{tile}: hash {position % TILE_WIDTH} is not entry {position}'s hash, which "
                "gives the signed root: the tile is wrong, not the entry"
            )
            continue
        why = (
            f"its bytes hash to {_b64(own_hash)}, but the log recorded "
            f"{_b64(recorded[position])} ({tile}, hash {position % TILE_WIDTH})"
        )
        if recorded_root == signed:
            why += ", which gives the signed root: the entry was altered after it was logged"
        report.entry_broke(position, why)
    return (own, own_root) if tile_is_wrong else (recorded, recorded_root)


def _fetch_bundle(client: Client, report: LogReport, index: int, width: int) -> list[bytes | None]:
    """The entries of bundle ``index`` (big-endian uint16 length, then the bytes); None for each
    entry that is missing or unreadable, which is reported."""
    path = tile_path("entries", index, width)
    first = index * TILE_WIDTH
    try:
        data = client.get(f"log/{path}")
    except FetchError as error:
        report.entry_broke(
            first, f"cannot fetch the bundle of entries {first}..{first + width - 1}: {error}"
        )
        return [None] * width
    report.bundles += 1
    entries: list[bytes | None] = []
    position = 0
    while position < len(data) and len(entries) < width:
        length = int.from_bytes(data[position : position + 2], "big")
        if position + 2 + length > len(data):
            break
        entries.append(data[position + 2 : position + 2 + length])
        position += 2 + length
    if position != len(data) or len(entries) != width:
        where = first + len(entries)
        report.entry_broke(
            where,
            f"{path} holds {len(data)} bytes that do not parse as {width} length-prefixed "
            f"entries (it breaks at entry {where})",
        )
        entries.extend([None] * (width - len(entries)))
    return entries


def _fetch_tile(
    client: Client, report: LogReport, level: int, index: int, width: int
) -> list[bytes] | None:
    path = tile_path(level, index, width)
    try:
        data = client.get(f"log/{path}")
    except FetchError as error:
        report.problem(f"{path}: {error}")
        return None
    report.tiles += 1
    if len(data) != width * HASH_SIZE:
        report.problem(f"{path}: {len(data)} bytes, not {width} hashes of {HASH_SIZE} bytes")
        return None
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


# --- witness: accept a checkpoint only if it extends the last one accepted -----------------------


@dataclass(frozen=True)
class Witnessed:
    old: Checkpoint | None
    new: Checkpoint

    def summary(self, state: Path) -> str:
        old = "(none)" if self.old is None else str(self.old.size)
        if self.old is None:
            how = f"first checkpoint, saved in {state}"
        elif self.old.size == self.new.size:
            how = f"unchanged, {state} kept"
        else:
            how = f"consistent, saved in {state}"
        return f"witnessed {self.new.origin}: {old} → {self.new.size} ({how})"


def witness(client: Client, verifier: Verifier, state: Path) -> Witnessed:
    """Accept the log's latest checkpoint if it extends the one in ``state``; then save it there.

    Raises Refused (``state`` untouched) for a bad signature, a smaller size, another root for the
    same size, or a consistency proof that fails; FetchError when the log cannot be reached.
    """
    note = client.get_text(CHECKPOINT_PATH)
    try:
        new = open_checkpoint(note, verifier)
    except CheckError as error:
        raise Refused(f"the log's latest checkpoint: {error}") from error
    old = load_state(state, verifier)
    if old is not None:
        _check_extends(client, old, new)
    if old is None or new.size != old.size:
        save_state(state, note)
    return Witnessed(old, new)


def _check_extends(client: Client, old: Checkpoint, new: Checkpoint) -> None:
    if new.size < old.size:
        raise Refused(
            f"the log's latest checkpoint has size {new.size}, smaller than the size {old.size} "
            "accepted before: a log never shrinks"
        )
    if new.size == old.size:
        if new.root != old.root:
            raise Refused(
                f"the log has signed two different roots for size {new.size}: "
                f"{_b64(old.root)} accepted before, {_b64(new.root)} now: it has forked"
            )
        return
    if old.size == 0:
        return  # the empty tree is a prefix of every tree
    data = client.get_json(CONSISTENCY_PATH, {"first": old.size, "second": new.size})
    if (
        not isinstance(data, dict)
        or data.get("first") != old.size
        or data.get("second") != new.size
        or not isinstance(data.get("hashes"), list)
        or not all(isinstance(item, str) for item in data["hashes"])
    ):
        raise Refused(
            f"the log answered no consistency proof from size {old.size} to {new.size}: "
            f"{json.dumps(data)[:300]}"
        )
    try:
        proof = [_b64decode(item, "a consistency proof hash") for item in data["hashes"]]
        verify_consistency(old.size, new.size, old.root, new.root, proof)
    except CheckError as error:
        raise Refused(
            f"the log's checkpoint {new.size} does not extend checkpoint {old.size} accepted "
            f"before ({error}): the log has forked or rewritten its history"
        ) from error


def load_state(state: Path, verifier: Verifier) -> Checkpoint | None:
    """The checkpoint accepted last, or None when ``state`` does not exist yet."""
    try:
        raw = state.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise CheckError(f"cannot read the state file {state}: {error}") from error
    try:
        return open_checkpoint(raw.decode("utf-8"), verifier)
    except (UnicodeDecodeError, CheckError) as error:
        raise Refused(
            f"the state file {state} does not hold a checkpoint signed by "
            f"{_key_label(verifier)} ({error}); has the log changed its key?"
        ) from error


def save_state(state: Path, note: str) -> None:
    """Replace ``state`` with ``note`` atomically: a crash leaves the old file or the new one."""
    temporary = state.with_name(f".{state.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="\n") as file:
            file.write(note)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, state)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise CheckError(f"cannot write the state file {state}: {error}") from error
    try:  # make the rename itself durable; not every system can open a directory
        directory = os.open(state.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(directory)
    finally:
        os.close(directory)


# --- the command line ----------------------------------------------------------------------------


def run_verify(url: str, *, vkey: str | None, out: TextIO, err: TextIO) -> int:
    client = None
    try:
        client = Client(url)
        verifier = log_verifier(client, vkey, err)
        with _Progress(err, "entries") as progress:
            report = verify_log(client, verifier, progress=progress.update)
    except CheckError as error:
        _say(out, f"the log cannot be verified: {error}")
        return 1
    finally:
        if client is not None:
            client.close()
    if report.ok:
        _say(out, report.summary())
        return 0
    if report.bad_entry is not None:
        _say(out, f"entry {report.bad_entry}")
    problems = report.problems
    for line in problems[:MAX_PROBLEMS_SHOWN]:
        _say(out, line)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        _say(out, f"… and {len(problems) - MAX_PROBLEMS_SHOWN} more problems")
    return 1


def run_witness(url: str, *, state: Path | str, vkey: str | None, out: TextIO, err: TextIO) -> int:
    """The witness as a command: ``manage.py witness`` runs this too."""
    state = Path(state)
    client = None
    try:
        client = Client(url)
        verifier = log_verifier(client, vkey, err)
        result = witness(client, verifier, state)
    except Refused as error:
        _say(err, f"refused: {error}. {state} is unchanged.")
        return 1
    except CheckError as error:
        _say(err, f"cannot witness the log: {error}. {state} is unchanged.")
        return 1
    finally:
        if client is not None:
            client.close()
    _say(out, result.summary(state))
    return 0


def run_proof(proof_file: str, *, vkey: str, entry_file: str, out: TextIO, err: TextIO) -> int:
    try:
        verifier = parse_vkey(read_vkey(vkey))
        text = Path(proof_file).read_bytes().decode("utf-8")
        entry = sys.stdin.buffer.read() if entry_file == "-" else Path(entry_file).read_bytes()
        index, checkpoint = check_proof(text, entry, verifier)
    except (OSError, UnicodeDecodeError, CheckError) as error:
        _say(err, f"refused: the proof does not hold: {error}")
        return 1
    _say(
        out,
        f"ok: entry {index} is in the tree of {_entries(checkpoint.size)} of {checkpoint.origin} "
        f"(root {_b64(checkpoint.root)}), as its signed checkpoint says",
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tlogcheck.py",
        description="Check the exchange's certificate transparency log without trusting it.",
        epilog="Exit status: 0 all holds; 1 something does not (or could not be checked); 2 usage.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    vkey_help = "the log's verifier key, or a file holding it (default: trust the log's own)"
    verify = commands.add_parser(
        "verify",
        help="rebuild the whole log from its tiles and entries and check it",
        description="Fetch every tile and entry bundle, rebuild the tree and check every stored "
        "hash and the signed root.",
    )
    verify.add_argument("url", metavar="URL", help="the exchange, e.g. https://exchange.example")
    verify.add_argument("--vkey", help=vkey_help)
    watch = commands.add_parser(
        "witness",
        help="accept the latest checkpoint only if it extends the last one accepted",
        description="Keep the last accepted checkpoint in FILE; accept a newer one only with a "
        "valid consistency proof, then save it there.",
    )
    watch.add_argument("url", metavar="URL", help="the exchange, e.g. https://exchange.example")
    watch.add_argument("--state", required=True, metavar="FILE", help="the accepted checkpoint")
    watch.add_argument("--vkey", help=vkey_help)
    proof = commands.add_parser(
        "proof",
        help="check a certificate's c2sp.org/tlog-proof@v1 block offline",
        description="Check the proof's checkpoint signature and the inclusion of the entry.",
    )
    proof.add_argument("proof_file", metavar="PROOF_FILE", help="the tlog-proof block")
    proof.add_argument("--vkey", required=True, help="the log's verifier key, or a file")
    proof.add_argument(
        "--entry", required=True, metavar="ENTRY_FILE", help="the entry's exact bytes (- = stdin)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = _parser().parse_args(argv)
    if args.command == "verify":
        return run_verify(args.url, vkey=args.vkey, out=sys.stdout, err=sys.stderr)
    if args.command == "witness":
        return run_witness(
            args.url, state=args.state, vkey=args.vkey, out=sys.stdout, err=sys.stderr
        )
    return run_proof(
        args.proof_file, vkey=args.vkey, entry_file=args.entry, out=sys.stdout, err=sys.stderr
    )


class _Progress:
    """``done/total`` on stderr: live on a terminal, otherwise a line every few seconds."""

    def __init__(self, stream: TextIO, what: str) -> None:
        self.stream, self.what = stream, what
        self.live = hasattr(stream, "isatty") and stream.isatty()
        self.started = self.shown = time.monotonic()
        self.dirty = False

    def __enter__(self) -> "_Progress":
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.dirty:
            self.stream.write("\n")
            self.stream.flush()

    def update(self, done: int, total: int) -> None:
        now = time.monotonic()
        interval = 0.2 if self.live else PROGRESS_SECONDS
        if now - self.shown < interval and done < total:
            return
        if not self.live and now - self.started < PROGRESS_SECONDS:
            return
        self.shown = now
        line = f"{done:,}/{total:,} {self.what}"
        if self.live:
            self.stream.write(f"\r{line}")
            self.dirty = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _say(stream: TextIO, line: str) -> None:
    stream.write(line + "\n")
    stream.flush()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str, what: str) -> bytes:
    """Standard padded base64 (RFC 4648 §4), in its one canonical spelling."""
    if len(text) % 4 or not _BASE64.fullmatch(text):
        raise CheckError(f"{what} is not standard padded base64")
    raw = base64.b64decode(text, validate=True)
    if _b64(raw) != text:
        raise CheckError(f"{what} is not canonical base64")
    return raw


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


if __name__ == "__main__":
    sys.exit(main())
