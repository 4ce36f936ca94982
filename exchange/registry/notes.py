"""C2SP signed notes, tlog checkpoints and tlog proofs, with Ed25519 note keys.

Pure functions over text: no Django, no database, no clock. The formats are public specs, so a
checkpoint or proof we issue can be checked by anyone's verifier (for example Go's
``golang.org/x/mod/sumdb/note``), and theirs by ours:

- c2sp.org/signed-note: ``text ⏎ ⏎ — <key name> <base64(key ID ‖ signature)> ⏎`` …
- c2sp.org/tlog-checkpoint: a note whose text is ``origin ⏎ tree size ⏎ base64(root) ⏎``
  followed by optional extension lines.
- c2sp.org/tlog-proof@v1: a header line, an optional ``extra`` line, ``index N``, the inclusion
  proof hashes one per line, a blank line, then the signed checkpoint verbatim.

Key strings follow x/mod: a verifier key is ``<name>+<hex key ID>+<base64(0x01 ‖ public key)>``
and a signer key ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ private seed)>``.

Every base64 field is standard padded base64 (RFC 4648 §4) and must be in its canonical form,
so that parsing then formatting gives back the very text that was signed.
"""

import base64
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "MAX_SIGNATURES",
    "MAX_TREE_SIZE",
    "PROOF_HEADER",
    "Checkpoint",
    "NoteError",
    "TlogProof",
    "format_proof",
    "generate_seed",
    "key_id",
    "open_checkpoint",
    "open_note",
    "parse_proof",
    "parse_signer_key",
    "parse_tlog_proof",
    "parse_verifier_key",
    "public_key_of",
    "sign_checkpoint",
    "sign_note",
    "signer_key",
    "verifier_key",
]

# c2sp.org/signed-note "Signature types": 0x01 is Ed25519, the only type we sign or verify.
SIGNATURE_TYPE_ED25519 = 0x01
ED25519_KEY_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
KEY_ID_SIZE = 4
# c2sp.org/signed-note: verifiers must accept at least 16 signatures and should cap them;
# 100 is the cap of golang.org/x/mod/sumdb/note, so any note Go accepts we accept.
MAX_SIGNATURES = 100
# RFC 6962 §3.5 carries tree_size as a uint64; larger sizes are refused.
MAX_TREE_SIZE = 2**64 - 1
# RFC 6962 §2.1 with SHA-256, the hash of c2sp.org/tlog-checkpoint and tlog-proof.
HASH_SIZE = 32
# An inclusion proof in a tree of at most 2^64 - 1 leaves has at most 64 hashes.
MAX_PROOF_HASHES = 64
PROOF_HEADER = "c2sp.org/tlog-proof@v1"

SIGNATURE_PREFIX = "\N{EM DASH} "
SIGNER_KEY_PREFIX = "PRIVATE+KEY+"
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")


class NoteError(ValueError):
    """A note, checkpoint, key or proof that is malformed, or whose signature does not hold.

    ``code`` is a stable snake_case word for callers that map refusals to domain errors:
    ``malformed_key``, ``malformed_note``, ``malformed_checkpoint``, ``malformed_proof``,
    ``invalid_signature`` or ``no_signature_by_key``.
    """

    def __init__(self, message: str, *, code: str = "malformed_note") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Checkpoint:
    """The text of a tlog checkpoint; constructing an invalid one raises ``NoteError``."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.extensions, str):
            raise NoteError(
                "checkpoint extensions must be a sequence of lines, not one string",
                code="malformed_checkpoint",
            )
        # A list would make the frozen value unhashable; store what was meant, a tuple.
        object.__setattr__(self, "extensions", tuple(self.extensions))
        _check_line(self.origin, "checkpoint origin")
        _check_count(self.size, "checkpoint tree size", MAX_TREE_SIZE)
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise NoteError(
                f"checkpoint root hash must be {HASH_SIZE} bytes, got {_describe_length(self.root)}",
                code="malformed_checkpoint",
            )
        for number, line in enumerate(self.extensions, start=1):
            _check_line(line, f"checkpoint extension line {number}")

    def body(self) -> str:
        """The note text: origin, size, base64 root, extension lines, each ending in newline."""
        lines = [self.origin, str(self.size), _b64encode(self.root), *self.extensions]
        return "".join(f"{line}\n" for line in lines)


@dataclass(frozen=True)
class TlogProof:
    """A parsed c2sp.org/tlog-proof@v1 block; the checkpoint note in it is not yet verified."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint_note: str
    extra: bytes | None = None


# Keys


def key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], the Ed25519 key ID of c2sp.org/signed-note."""
    _check_key_name(name)
    _check_public_key(public_key)
    digest = hashlib.sha256(
        name.encode() + b"\n" + bytes([SIGNATURE_TYPE_ED25519]) + public_key
    ).digest()
    return digest[:KEY_ID_SIZE]


def verifier_key(name: str, public_key: bytes) -> str:
    """``<name>+<hex key ID>+<base64(0x01 ‖ public key)>``."""
    encoded = _b64encode(bytes([SIGNATURE_TYPE_ED25519]) + public_key)
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(vkey: str) -> tuple[str, bytes]:
    """``(name, public key)`` from a verifier key, after checking its key ID."""
    name, id_hex, key_data = _split_key(vkey, "verifier key")
    public_key = _key_material(key_data, "verifier key")
    if key_id(name, public_key).hex() != id_hex:
        raise NoteError(
            f"verifier key ID {id_hex} does not match its name and public key "
            f"(expected {key_id(name, public_key).hex()})",
            code="malformed_key",
        )
    return name, public_key


def signer_key(name: str, private_seed: bytes) -> str:
    """``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ seed)>``: a secret, never log it."""
    public_key = public_key_of(private_seed)
    encoded = _b64encode(bytes([SIGNATURE_TYPE_ED25519]) + private_seed)
    return f"{SIGNER_KEY_PREFIX}{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_signer_key(skey: str) -> tuple[str, bytes]:
    """``(name, 32-byte seed)`` from a signer key, after checking its key ID."""
    if not isinstance(skey, str) or not skey.startswith(SIGNER_KEY_PREFIX):
        raise NoteError(f"signer key must start with {SIGNER_KEY_PREFIX!r}", code="malformed_key")
    name, id_hex, key_data = _split_key(skey.removeprefix(SIGNER_KEY_PREFIX), "signer key")
    seed = _key_material(key_data, "signer key")
    if key_id(name, public_key_of(seed)).hex() != id_hex:
        # Messages never echo key material: this string is a secret.
        raise NoteError(
            f"signer key ID {id_hex} does not match its name and private key",
            code="malformed_key",
        )
    return name, seed


def generate_seed() -> bytes:
    """32 random bytes from the OS, the private seed of a new Ed25519 key (RFC 8032 §5.1.5)."""
    return secrets.token_bytes(ED25519_KEY_SIZE)


def public_key_of(seed: bytes) -> bytes:
    """The 32-byte Ed25519 public key of a private seed."""
    return _private_key(seed).public_key().public_bytes_raw()


# Signed notes


def sign_note(text: str, name: str, private_seed: bytes) -> str:
    """The signed note: ``text``, a blank line and one signature line by the key."""
    _check_note_characters(text)
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    public_key = public_key_of(private_seed)
    signature = _private_key(private_seed).sign(text.encode())
    encoded = _b64encode(key_id(name, public_key) + signature)
    return f"{text}\n{SIGNATURE_PREFIX}{name} {encoded}\n"


def open_note(note: str, vkey: str) -> str:
    """The text of ``note`` once a signature by ``vkey`` verifies.

    Signature lines by other keys (witness cosignatures, a rotated log key) are ignored, as
    c2sp.org/signed-note requires; every line by this key must verify, and one at least must
    be there.
    """
    name, public_key = parse_verifier_key(vkey)
    expected_id = key_id(name, public_key)
    verifier = Ed25519PublicKey.from_public_bytes(public_key)
    text, signatures = _split_note(note)
    found = False
    for line_name, raw in signatures:
        if line_name != name or raw[:KEY_ID_SIZE] != expected_id:
            continue
        if not _verifies(verifier, raw[KEY_ID_SIZE:], text):
            # c2sp.org/signed-note: a known key's bad signature should reject the whole note.
            raise NoteError(
                f"signature by key {name}+{expected_id.hex()} does not verify",
                code="invalid_signature",
            )
        found = True
    if not found:
        raise NoteError(
            f"note has no signature by key {name}+{expected_id.hex()}",
            code="no_signature_by_key",
        )
    return text


# Checkpoints


def sign_checkpoint(checkpoint: Checkpoint, name: str, private_seed: bytes) -> str:
    """The checkpoint as a note signed by the key ``name``, which must be its origin."""
    _check_origin_is_key_name(checkpoint.origin, name)
    return sign_note(checkpoint.body(), name, private_seed)


def open_checkpoint(note: str, vkey: str) -> Checkpoint:
    """The checkpoint in ``note``, once its signature by ``vkey`` verifies.

    The key name must equal the origin line (c2sp.org/tlog-checkpoint says it should; our logs
    always do), so a checkpoint of one log cannot pass for another log's under the same key.
    """
    name, _ = parse_verifier_key(vkey)
    checkpoint = _parse_checkpoint_text(open_note(note, vkey))
    _check_origin_is_key_name(checkpoint.origin, name)
    return checkpoint


# Proofs


def format_proof(
    index: int, proof: Sequence[bytes], checkpoint_note: str, *, extra: bytes | None = None
) -> str:
    """The c2sp.org/tlog-proof@v1 block for the entry at ``index``.

    ``proof`` runs from the leaf's sibling up to the root's child (RFC 6962 §2.1.1), and
    ``checkpoint_note`` is the signed checkpoint it was computed against, copied verbatim.
    ``extra`` is the spec's optional unauthenticated extra data, omitted when ``None``.
    """
    lines = [PROOF_HEADER]
    if extra is not None:
        if not isinstance(extra, bytes) or not extra:
            raise NoteError(
                "proof extra data must be non-empty bytes (pass None to omit the line)",
                code="malformed_proof",
            )
        lines.append(f"extra {_b64encode(extra)}")
    _check_count(index, "proof index", MAX_TREE_SIZE - 1, code="malformed_proof")
    lines.append(f"index {index}")
    hashes = tuple(proof)
    _check_proof_hashes(hashes)
    lines.extend(_b64encode(value) for value in hashes)
    _check_proof_checkpoint(index, checkpoint_note)
    return "\n".join(lines) + "\n\n" + checkpoint_note


def parse_tlog_proof(text: str) -> TlogProof:
    """Every field of a c2sp.org/tlog-proof@v1 block, ``extra`` included.

    Only the format is checked here: open the returned ``checkpoint_note`` with the log's key
    (``open_checkpoint``) and verify the inclusion proof against its root before trusting any
    of it. ``extra`` is never authenticated.
    """
    if not isinstance(text, str):
        raise NoteError("proof must be text", code="malformed_proof")
    head, separator, checkpoint_note = text.partition("\n\n")
    if not separator:
        raise NoteError("proof has no blank line before its checkpoint", code="malformed_proof")
    lines = head.split("\n")
    if lines[0] != PROOF_HEADER:
        raise NoteError(f"proof must start with the line {PROOF_HEADER!r}", code="malformed_proof")
    position = 1
    extra = None
    if position < len(lines) and lines[position].startswith("extra "):
        extra = _b64decode(
            lines[position].removeprefix("extra "), "proof extra data", code="malformed_proof"
        )
        if not extra:
            raise NoteError("proof extra line is empty", code="malformed_proof")
        position += 1
    if position >= len(lines) or not lines[position].startswith("index "):
        raise NoteError(
            f"proof line {position + 1} must be 'index <decimal>'", code="malformed_proof"
        )
    index = _parse_decimal(
        lines[position].removeprefix("index "),
        "proof index",
        MAX_TREE_SIZE - 1,
        code="malformed_proof",
    )
    hashes = tuple(
        _b64decode(line, f"proof hash on line {number}", code="malformed_proof")
        for number, line in enumerate(lines[position + 1 :], start=position + 2)
    )
    _check_proof_hashes(hashes)
    _check_proof_checkpoint(index, checkpoint_note)
    return TlogProof(index=index, hashes=hashes, checkpoint_note=checkpoint_note, extra=extra)


def parse_proof(text: str) -> tuple[int, list[bytes], str]:
    """``(index, hashes, checkpoint note)`` of a tlog-proof block; see ``parse_tlog_proof``."""
    proof = parse_tlog_proof(text)
    return proof.index, list(proof.hashes), proof.checkpoint_note


# Helpers


def _split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """(text, [(key name, key ID ‖ signature)]) of a signed note, nothing verified yet."""
    _check_note_characters(note)
    # The text ends at the note's last blank line (c2sp.org/signed-note "Format").
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block:
        raise NoteError("note has no signature lines after its blank line")
    if not block.endswith("\n"):
        raise NoteError("note must end with a newline after its last signature line")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signature lines, more than {MAX_SIGNATURES}")
    signatures = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"signature line {number} does not start with an em dash and a space")
        name, space, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
        if not space or not _is_key_name(name):
            raise NoteError(f"signature line {number} has no valid key name")
        raw = _b64decode(encoded, f"signature on line {number}", code="malformed_note")
        if len(raw) <= KEY_ID_SIZE:
            raise NoteError(f"signature on line {number} is too short for a key ID and signature")
        signatures.append((name, raw))
    return text, signatures


def _parse_checkpoint_text(text: str) -> Checkpoint:
    lines = text.removesuffix("\n").split("\n")
    if len(lines) < 3:
        raise NoteError(
            "checkpoint needs an origin, a tree size and a root hash line",
            code="malformed_checkpoint",
        )
    origin, size, root, *extensions = lines
    return Checkpoint(
        origin=origin,
        size=_parse_decimal(
            size, "checkpoint tree size", MAX_TREE_SIZE, code="malformed_checkpoint"
        ),
        root=_b64decode(root, "checkpoint root hash", code="malformed_checkpoint"),
        extensions=tuple(extensions),
    )


def _check_proof_hashes(hashes: tuple[bytes, ...]) -> None:
    if len(hashes) > MAX_PROOF_HASHES:
        raise NoteError(
            f"proof has {len(hashes)} hashes, more than {MAX_PROOF_HASHES}",
            code="malformed_proof",
        )
    for number, value in enumerate(hashes, start=1):
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise NoteError(
                f"proof hash {number} must be {HASH_SIZE} bytes, got {_describe_length(value)}",
                code="malformed_proof",
            )


def _check_proof_checkpoint(index: int, checkpoint_note: str) -> None:
    """The checkpoint must at least read as a signed checkpoint that holds ``index``."""
    text, _ = _split_note(checkpoint_note)
    checkpoint = _parse_checkpoint_text(text)
    if index >= checkpoint.size:
        raise NoteError(
            f"proof index {index} is not below the checkpoint tree size {checkpoint.size}",
            code="malformed_proof",
        )


def _check_origin_is_key_name(origin: str, name: str) -> None:
    if origin != name:
        raise NoteError(
            f"checkpoint origin {origin!r} differs from the key name {name!r}",
            code="malformed_checkpoint",
        )


def _split_key(value: str, what: str) -> tuple[str, str, str]:
    if not isinstance(value, str):
        raise NoteError(f"{what} must be text", code="malformed_key")
    parts = value.split("+", 2)
    if len(parts) != 3:
        raise NoteError(f"{what} must be '<name>+<key ID>+<key data>'", code="malformed_key")
    name, id_hex, key_data = parts
    if not _is_key_name(name):
        raise NoteError(f"{what} has an invalid key name", code="malformed_key")
    if not _KEY_ID_HEX.fullmatch(id_hex):
        raise NoteError(f"{what} ID must be 8 lowercase hex digits", code="malformed_key")
    return name, id_hex, key_data


def _key_material(key_data: str, what: str) -> bytes:
    """The 32 bytes after the signature type byte, which must be 0x01 (Ed25519)."""
    raw = _b64decode(key_data, f"{what} data", code="malformed_key")
    if not raw or raw[0] != SIGNATURE_TYPE_ED25519:
        kind = f"0x{raw[0]:02x}" if raw else "missing"
        raise NoteError(
            f"{what} signature type is {kind}, only 0x01 (Ed25519) is supported",
            code="malformed_key",
        )
    if len(raw) != 1 + ED25519_KEY_SIZE:
        raise NoteError(
            f"{what} must hold {ED25519_KEY_SIZE} key bytes, got {len(raw) - 1}",
            code="malformed_key",
        )
    return raw[1:]


def _verifies(verifier: Ed25519PublicKey, signature: bytes, text: str) -> bool:
    if len(signature) != ED25519_SIGNATURE_SIZE:
        return False
    try:
        verifier.verify(signature, text.encode())
    except InvalidSignature:
        return False
    return True


def _private_key(seed: bytes) -> Ed25519PrivateKey:
    if not isinstance(seed, bytes) or len(seed) != ED25519_KEY_SIZE:
        raise NoteError(
            f"Ed25519 private seed must be {ED25519_KEY_SIZE} bytes, got {_describe_length(seed)}",
            code="malformed_key",
        )
    return _loaded_private_key(seed)


@lru_cache(maxsize=8)  # a log signs with one key, every append: load it once
def _loaded_private_key(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def _check_public_key(public_key: bytes) -> None:
    if not isinstance(public_key, bytes) or len(public_key) != ED25519_KEY_SIZE:
        raise NoteError(
            f"Ed25519 public key must be {ED25519_KEY_SIZE} bytes, "
            f"got {_describe_length(public_key)}",
            code="malformed_key",
        )


def _is_key_name(name: str) -> bool:
    # c2sp.org/signed-note: non-empty, no Unicode spaces, no plus; notes also forbid controls.
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(char.isspace() or char < " " for char in name)
        and _is_utf8(name)
    )


def _check_key_name(name: str) -> None:
    if not _is_key_name(name):
        raise NoteError(
            f"key name {name!r} must be non-empty, without spaces, plus signs or control "
            "characters",
            code="malformed_key",
        )


def _check_note_characters(note: str) -> None:
    # c2sp.org/signed-note: valid UTF-8, no ASCII control characters other than newline.
    if not isinstance(note, str):
        raise NoteError("note must be text")
    if not _is_utf8(note):
        raise NoteError("note is not valid UTF-8")
    for position, char in enumerate(note):
        if char < " " and char != "\n":
            raise NoteError(f"note has control character {char!r} at position {position}")


def _check_line(line: str, what: str) -> None:
    if not isinstance(line, str) or not line:
        raise NoteError(f"{what} must be non-empty text", code="malformed_checkpoint")
    if any(char < " " for char in line) or not _is_utf8(line):
        raise NoteError(
            f"{what} must be one line of UTF-8 without control characters",
            code="malformed_checkpoint",
        )


def _check_count(
    value: int, what: str, maximum: int, *, code: str = "malformed_checkpoint"
) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise NoteError(f"{what} must be an integer from 0 to {maximum}", code=code)


def _parse_decimal(value: str, what: str, maximum: int, *, code: str) -> int:
    # ASCII digits only, no sign, no leading zero: exactly one spelling per number.
    if not _DECIMAL.fullmatch(value) or len(value) > len(str(maximum)):
        raise NoteError(
            f"{what} {value!r} is not a canonical decimal (ASCII digits, no sign, no leading zero)",
            code=code,
        )
    number = int(value)
    if number > maximum:
        raise NoteError(f"{what} {number} is above {maximum}", code=code)
    return number


def _b64encode(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _b64decode(value: str, what: str, *, code: str) -> bytes:
    if not _BASE64.fullmatch(value) or len(value) % 4:
        raise NoteError(f"{what} is not standard padded base64", code=code)
    raw = base64.b64decode(value, validate=True)
    # Unused trailing bits must be zero: one spelling per value keeps signed text reproducible.
    if _b64encode(raw) != value:
        raise NoteError(f"{what} is not canonical base64", code=code)
    return raw


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def _describe_length(value: object) -> str:
    return f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
