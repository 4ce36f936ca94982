"""Signed notes, tlog checkpoints and tlog proofs (exchange.registry.notes), against public vectors.

Vector sources:
- golang.org/x/mod/sumdb/note note_test.go (TestNewVerifier, TestNewSigner, TestSign, TestOpen):
  the PeterNeumann and EnochRoot keys and their signatures over the Peter Neumann quote.
- golang.org/x/mod/sumdb/tlog note_test.go (TestFormatTree, TestParseTree): a tree head text.
- c2sp.org/signed-note, "Verifier keys / Example": the example.com/foo key and note.
- c2sp.org/tlog-proof@v1, the example block (its signatures are elided in the spec, so the
  log's signature line here is a real one by a fixed test key, and the witness lines are fakes).
"""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from exchange.registry.notes import (
    MAX_SIGNATURES,
    PROOF_HEADER,
    Checkpoint,
    NoteError,
    TlogProof,
    format_proof,
    generate_seed,
    key_id,
    open_checkpoint,
    open_note,
    parse_proof,
    parse_signer_key,
    parse_tlog_proof,
    parse_verifier_key,
    public_key_of,
    sign_checkpoint,
    sign_note,
    signer_key,
    verifier_key,
)

# golang.org/x/mod/sumdb/note note_test.go
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
QUOTE = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

# c2sp.org/signed-note, "Verifier keys / Example"
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = (
    "This is an example message.\n"
    "\n"
    "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)

# c2sp.org/tlog-proof@v1, the example block down to its checkpoint
SPEC_PROOF_HEAD = """c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

"""
SPEC_CHECKPOINT_BODY = (
    "example.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n"
)

ORIGIN = "example.com/registry-log"
SEED = bytes(range(32))
OTHER_SEED = bytes(range(32, 64))
ROOT = hashlib.sha256(b"root").digest()


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def vkey_for(name: str, seed: bytes) -> str:
    return verifier_key(name, public_key_of(seed))


def signed(text: str, name: str = ORIGIN, seed: bytes = SEED) -> str:
    return sign_note(text, name, seed)


def refusal(code: str, match: str, call, *args) -> NoteError:
    with pytest.raises(NoteError, match=match) as caught:
        call(*args)
    assert caught.value.code == code
    return caught.value


# Keys and signatures: x/mod vectors, byte for byte


def test_x_mod_signer_key_parses_to_the_key_of_its_verifier_key():
    name, seed = parse_signer_key(PETER_SKEY)

    assert name == "PeterNeumann"
    assert verifier_key(name, public_key_of(seed)) == PETER_VKEY
    assert key_id(name, public_key_of(seed)).hex() == "c74f20a3"
    assert signer_key(name, seed) == PETER_SKEY
    assert parse_verifier_key(PETER_VKEY) == (name, public_key_of(seed))


def test_x_mod_note_signature_matches_byte_for_byte():
    name, seed = parse_signer_key(PETER_SKEY)

    assert sign_note(QUOTE, name, seed) == QUOTE + "\n" + PETER_SIG


def test_x_mod_doubly_signed_note_opens_with_either_key():
    note = QUOTE + "\n" + PETER_SIG + ENOCH_SIG

    assert open_note(note, PETER_VKEY) == QUOTE
    assert open_note(note, ENOCH_VKEY) == QUOTE


def test_c2sp_signed_note_example_verifies():
    assert open_note(C2SP_NOTE, C2SP_VKEY) == "This is an example message.\n"


def test_x_mod_verifier_key_manglings_are_all_refused():
    # TestNewVerifier: every proper substring, and every character bumped by one.
    manglings = {
        PETER_VKEY[i:j]
        for i in range(len(PETER_VKEY) + 1)
        for j in range(i + 1, len(PETER_VKEY) + 1)
        if (i, j) != (0, len(PETER_VKEY))
    }
    manglings |= {
        PETER_VKEY[:i] + chr(ord(PETER_VKEY[i]) + 1) + PETER_VKEY[i + 1 :]
        for i in range(len(PETER_VKEY))
    }
    manglings |= {
        # wrong length key, with adjusted key hash
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        # unknown algorithm, with adjusted key hash
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    }

    for mangled in manglings:
        with pytest.raises(NoteError) as caught:
            parse_verifier_key(mangled)
        assert caught.value.code == "malformed_key", mangled


def test_x_mod_signer_key_manglings_are_all_refused():
    # TestNewSigner: every proper substring, and every character bumped by one.
    manglings = {
        PETER_SKEY[i:j]
        for i in range(len(PETER_SKEY) + 1)
        for j in range(i + 1, len(PETER_SKEY) + 1)
        if (i, j) != (0, len(PETER_SKEY))
    }
    manglings |= {
        PETER_SKEY[:i] + chr(ord(PETER_SKEY[i]) + 1) + PETER_SKEY[i + 1 :]
        for i in range(len(PETER_SKEY))
    }

    for mangled in manglings:
        with pytest.raises(NoteError) as caught:
            parse_signer_key(mangled)
        assert caught.value.code == "malformed_key", mangled


def test_signer_key_refusal_does_not_echo_the_secret():
    mangled = PETER_SKEY.replace("c74f20a3", "c74f20a4")

    error = refusal("malformed_key", "does not match", parse_signer_key, mangled)

    assert "AYEKFALV" not in str(error)


def test_verifier_key_of_another_signature_type_is_refused_by_name():
    cosignature_key = b"\x04" + public_key_of(SEED)
    digest = hashlib.sha256(ORIGIN.encode() + b"\n" + cosignature_key).digest()
    vkey = f"{ORIGIN}+{digest[:4].hex()}+{b64(cosignature_key)}"

    refusal("malformed_key", "signature type is 0x04", parse_verifier_key, vkey)


def test_verifier_key_id_must_be_lowercase_hex():
    refusal("malformed_key", "lowercase hex", parse_verifier_key, PETER_VKEY.replace("c", "C", 1))


@pytest.mark.parametrize("name", ["", "two words", "a+b", "tab\there", "nbsp\u00a0x", "ctl\x01"])
def test_invalid_key_names_are_refused(name):
    refusal("malformed_key", "key name", key_id, name, public_key_of(SEED))


def test_key_material_of_the_wrong_size_is_refused():
    refusal("malformed_key", "public key must be 32 bytes, got 31", key_id, ORIGIN, bytes(31))
    refusal("malformed_key", "seed must be 32 bytes, got 33", public_key_of, bytes(33))
    refusal("malformed_key", "seed must be 32 bytes, got str", signer_key, ORIGIN, "x" * 32)


def test_key_id_is_sha256_of_name_newline_type_and_public_key():
    public_key = public_key_of(SEED)
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + public_key).digest()[:4]

    assert key_id(ORIGIN, public_key) == expected
    assert verifier_key(ORIGIN, public_key) == (
        f"{ORIGIN}+{expected.hex()}+{b64(b'\x01' + public_key)}"
    )


def test_generated_seeds_are_fresh_32_byte_keys():
    first, second = generate_seed(), generate_seed()

    assert len(first) == len(second) == 32
    assert first != second
    assert parse_signer_key(signer_key(ORIGIN, first)) == (ORIGIN, first)
    assert parse_verifier_key(vkey_for(ORIGIN, first)) == (ORIGIN, public_key_of(first))


# Checkpoints


def test_x_mod_tree_head_text_is_the_checkpoint_body():
    # TestFormatTree: RecordHash("hello world") is the RFC 6962 leaf hash SHA-256(0x00 ‖ data).
    checkpoint = Checkpoint(
        origin="go.sum database tree",
        size=123456789012,
        root=hashlib.sha256(b"\x00hello world").digest(),
    )

    assert checkpoint.body() == (
        "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"
    )


def test_signed_checkpoint_is_body_blank_line_and_one_ed25519_signature_line():
    checkpoint = Checkpoint(origin=ORIGIN, size=5, root=ROOT, extensions=("ext one", "ext-two"))

    note = sign_checkpoint(checkpoint, ORIGIN, SEED)

    body = f"{ORIGIN}\n5\n{b64(ROOT)}\next one\next-two\n"
    assert checkpoint.body() == body
    prefix = f"{body}\n— {ORIGIN} "
    assert note.startswith(prefix)
    assert note.endswith("=\n")
    raw = base64.b64decode(note.removeprefix(prefix))
    assert raw[:4] == key_id(ORIGIN, public_key_of(SEED))
    Ed25519PublicKey.from_public_bytes(public_key_of(SEED)).verify(raw[4:], body.encode())


def test_checkpoint_round_trips_through_sign_and_open():
    checkpoint = Checkpoint(origin=ORIGIN, size=0, root=ROOT, extensions=("x",))

    assert open_checkpoint(sign_checkpoint(checkpoint, ORIGIN, SEED), vkey_for(ORIGIN, SEED)) == (
        checkpoint
    )


def test_open_checkpoint_ignores_other_signers_lines():
    checkpoint = Checkpoint(origin=ORIGIN, size=7, root=ROOT)
    note = sign_checkpoint(checkpoint, ORIGIN, SEED)
    witness = sign_note(checkpoint.body(), "witness.example", OTHER_SEED).split("\n\n")[1]
    # Same name with another key, and another name with our key ID: both are other keys.
    impostor_line = sign_note(checkpoint.body(), ORIGIN, OTHER_SEED).split("\n\n")[1]
    our_line = note.split("\n\n")[1]
    renamed_line = our_line.replace(ORIGIN, "other.example", 1)
    cosigned = checkpoint.body() + "\n" + witness + impostor_line + renamed_line + our_line

    assert open_checkpoint(cosigned, vkey_for(ORIGIN, SEED)) == checkpoint


def test_sixteen_signatures_are_accepted_and_more_than_the_cap_refused():
    body = Checkpoint(origin=ORIGIN, size=1, root=ROOT).body()
    line = signed(body).split("\n\n")[1]
    witness = sign_note(body, "witness.example", OTHER_SEED).split("\n\n")[1]

    assert open_checkpoint(body + "\n" + witness * 15 + line, vkey_for(ORIGIN, SEED)).size == 1
    refusal(
        "malformed_note",
        f"more than {MAX_SIGNATURES}",
        open_checkpoint,
        body + "\n" + line * (MAX_SIGNATURES + 1),
        vkey_for(ORIGIN, SEED),
    )


def test_repeated_signature_lines_by_the_key_must_all_verify():
    note = sign_checkpoint(Checkpoint(origin=ORIGIN, size=1, root=ROOT), ORIGIN, SEED)
    body, line = note.split("\n\n")
    name_part, encoded = line.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 0x01
    tampered = f"{name_part} {b64(bytes(raw))}\n"

    assert open_checkpoint(body + "\n\n" + line + line, vkey_for(ORIGIN, SEED)).size == 1
    refusal(
        "invalid_signature",
        "does not verify",
        open_checkpoint,
        body + "\n\n" + line + tampered,
        vkey_for(ORIGIN, SEED),
    )


def test_checkpoint_signed_by_another_key_of_the_same_name_is_refused():
    note = sign_checkpoint(Checkpoint(origin=ORIGIN, size=1, root=ROOT), ORIGIN, OTHER_SEED)

    refusal(
        "no_signature_by_key",
        f"no signature by key {ORIGIN}+",
        open_checkpoint,
        note,
        vkey_for(ORIGIN, SEED),
    )


def test_checkpoint_signed_only_by_an_unknown_signer_is_refused():
    body = Checkpoint(origin=ORIGIN, size=1, root=ROOT).body()
    note = sign_note(body, "stranger.example", SEED)

    refusal(
        "no_signature_by_key", "no signature by key", open_checkpoint, note, vkey_for(ORIGIN, SEED)
    )


def test_x_mod_note_opened_with_an_unrelated_key_is_refused():
    refusal(
        "no_signature_by_key",
        "EnochRoot\\+af0cfe78",
        open_note,
        QUOTE + "\n" + PETER_SIG,
        ENOCH_VKEY,
    )


@pytest.mark.parametrize("line", [0, 1, 2, 3])
def test_altering_any_body_line_breaks_the_signature(line):
    checkpoint = Checkpoint(origin=ORIGIN, size=12, root=ROOT, extensions=("extension",))
    note = sign_checkpoint(checkpoint, ORIGIN, SEED)
    body, signatures = note.split("\n\n")
    lines = body.split("\n")
    replacements = [ORIGIN + "x", "13", b64(hashlib.sha256(b"other").digest()), "extensioN"]
    lines[line] = replacements[line]

    refusal(
        "invalid_signature",
        "does not verify",
        open_checkpoint,
        "\n".join(lines) + "\n\n" + signatures,
        vkey_for(ORIGIN, SEED),
    )


def test_appending_or_dropping_a_body_line_breaks_the_signature():
    checkpoint = Checkpoint(origin=ORIGIN, size=12, root=ROOT, extensions=("extension",))
    body, signatures = sign_checkpoint(checkpoint, ORIGIN, SEED).split("\n\n")

    for altered in (body + "\nmore", body.rsplit("\n", 1)[0]):
        refusal(
            "invalid_signature",
            "does not verify",
            open_checkpoint,
            altered + "\n\n" + signatures,
            vkey_for(ORIGIN, SEED),
        )


def test_altered_signature_bytes_are_refused():
    note = sign_checkpoint(Checkpoint(origin=ORIGIN, size=3, root=ROOT), ORIGIN, SEED)
    body, line = note.split("\n\n")
    name_part, encoded = line.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 0x01
    altered = f"{body}\n\n{name_part} {b64(bytes(raw))}\n"

    refusal(
        "invalid_signature", "does not verify", open_checkpoint, altered, vkey_for(ORIGIN, SEED)
    )


def test_truncated_signature_is_refused():
    note = sign_checkpoint(Checkpoint(origin=ORIGIN, size=3, root=ROOT), ORIGIN, SEED)
    body, line = note.split("\n\n")
    name_part, encoded = line.rstrip("\n").rsplit(" ", 1)
    short = f"{body}\n\n{name_part} {b64(base64.b64decode(encoded)[:40])}\n"

    refusal("invalid_signature", "does not verify", open_checkpoint, short, vkey_for(ORIGIN, SEED))


@pytest.mark.parametrize(
    ("mangle", "match"),
    [
        (lambda note: note.replace("\n\n", "\n"), "no blank line"),
        (lambda note: note[:-1], "must end with a newline"),
        (lambda note: note + "\n", "no signature lines"),
        (lambda note: note + "trailing line\n", "does not start with an em dash"),
        (lambda note: note.replace("— ", "- "), "does not start with an em dash"),
        (lambda note: note.replace("— ", "—"), "does not start with an em dash"),
        (lambda note: note.replace(f"— {ORIGIN} ", f"— {ORIGIN}+x "), "no valid key name"),
        (lambda note: note[:-2] + "!\n", "not standard padded base64"),
        (lambda note: note.replace("=\n", "\n"), "not standard padded base64"),
        (lambda note: "\x01" + note, "control character"),
        (lambda note: note.replace("\n", "\r\n"), "control character"),
        (lambda note: "\ud800" + note, "not valid UTF-8"),
    ],
)
def test_malformed_notes_are_refused(mangle, match):
    note = sign_checkpoint(Checkpoint(origin=ORIGIN, size=3, root=ROOT), ORIGIN, SEED)

    refusal("malformed_note", match, open_checkpoint, mangle(note), vkey_for(ORIGIN, SEED))


def test_x_mod_malformed_messages_are_refused():
    # TestOpen's badMsgs.
    bad_messages = [
        QUOTE,
        QUOTE + "\n",
        QUOTE + "\n" + PETER_SIG[:-1],
        "\x01" + QUOTE + "\n" + PETER_SIG,
        QUOTE + "\n" + "— Bad Name " + PETER_SIG.split(" ")[2],
        QUOTE + "\n" + PETER_SIG + "Unexpected line.\n",
    ]

    for message in bad_messages:
        with pytest.raises(NoteError) as caught:
            open_note(message, PETER_VKEY)
        assert caught.value.code == "malformed_note", message


@pytest.mark.parametrize(
    "size",
    ["007", "00", "-1", "+1", "1e3", "0x10", " 1", "1 ", "1.0", "", "１", "18446744073709551616"],
)
def test_non_canonical_tree_sizes_are_refused(size):
    note = signed(f"{ORIGIN}\n{size}\n{b64(ROOT)}\n")

    refusal(
        "malformed_checkpoint",
        "checkpoint tree size",
        open_checkpoint,
        note,
        vkey_for(ORIGIN, SEED),
    )


def test_largest_uint64_tree_size_is_accepted():
    note = signed(f"{ORIGIN}\n18446744073709551615\n{b64(ROOT)}\n")

    assert open_checkpoint(note, vkey_for(ORIGIN, SEED)).size == 2**64 - 1


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_root_hash_of_the_wrong_length_is_refused(length):
    note = signed(f"{ORIGIN}\n1\n{b64(bytes(length))}\n")

    refusal(
        "malformed_checkpoint",
        f"must be 32 bytes, got {length}",
        open_checkpoint,
        note,
        vkey_for(ORIGIN, SEED),
    )


def test_x_mod_bad_tree_heads_are_refused():
    # TestParseTree's badTrees, under a key whose name is the origin.
    root = "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0="
    for body, match in [
        (f"{ORIGIN}\n0xabcdef\n{root}\n", "tree size"),
        (f"{ORIGIN}\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n", "root"),
    ]:
        refusal(
            "malformed_checkpoint", match, open_checkpoint, signed(body), vkey_for(ORIGIN, SEED)
        )


def test_root_hash_in_non_canonical_base64_is_refused():
    encoded = b64(ROOT)
    # 32 bytes leave two unused bits in the last base64 digit; setting one changes no byte.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet[alphabet.index(encoded[42]) | 1]
    assert base64.b64decode(encoded[:42] + last + "=") == ROOT
    note = signed(f"{ORIGIN}\n1\n{encoded[:42]}{last}=\n")

    refusal(
        "malformed_checkpoint",
        "not canonical base64",
        open_checkpoint,
        note,
        vkey_for(ORIGIN, SEED),
    )


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (f"{ORIGIN}\n1\n", "needs an origin, a tree size and a root hash"),
        (f"{ORIGIN}\n", "needs an origin, a tree size and a root hash"),
        (f"{ORIGIN}\n1\n{b64(ROOT)}\n\nextension\n", "extension line 1 must be non-empty"),
    ],
)
def test_checkpoint_bodies_missing_lines_are_refused(body, match):
    refusal("malformed_checkpoint", match, open_checkpoint, signed(body), vkey_for(ORIGIN, SEED))


def test_checkpoint_whose_origin_is_not_the_key_name_is_refused():
    note = sign_note(f"other.example/log\n1\n{b64(ROOT)}\n", ORIGIN, SEED)

    refusal(
        "malformed_checkpoint",
        "differs from the key name",
        open_checkpoint,
        note,
        vkey_for(ORIGIN, SEED),
    )
    refusal(
        "malformed_checkpoint",
        "differs from the key name",
        sign_checkpoint,
        Checkpoint(origin="other.example/log", size=1, root=ROOT),
        ORIGIN,
        SEED,
    )


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"origin": ""}, "origin must be non-empty"),
        ({"origin": "two\nlines"}, "origin must be one line"),
        ({"size": -1}, "tree size must be an integer from 0"),
        ({"size": 2**64}, "tree size must be an integer from 0"),
        ({"size": True}, "tree size must be an integer from 0"),
        ({"size": "1"}, "tree size must be an integer from 0"),
        ({"root": bytes(31)}, "root hash must be 32 bytes, got 31 bytes"),
        ({"root": "x" * 32}, "root hash must be 32 bytes, got str"),
        ({"extensions": ("",)}, "extension line 1 must be non-empty"),
        ({"extensions": ("ok", "a\nb")}, "extension line 2 must be one line"),
        ({"extensions": "one string"}, "extensions must be a sequence of lines"),
    ],
)
def test_invalid_checkpoints_cannot_be_built(fields, match):
    values = {"origin": ORIGIN, "size": 1, "root": ROOT} | fields

    refusal("malformed_checkpoint", match, Checkpoint, *values.values())


def test_checkpoint_keeps_extensions_as_a_tuple():
    checkpoint = Checkpoint(origin=ORIGIN, size=1, root=ROOT, extensions=["a", "b"])

    assert checkpoint.extensions == ("a", "b")
    assert hash(checkpoint) == hash(Checkpoint(ORIGIN, 1, ROOT, ("a", "b")))


def test_note_text_must_end_with_a_newline_to_be_signed():
    refusal("malformed_note", "must end with a newline", sign_note, "no newline", ORIGIN, SEED)


key_names = st.text(
    alphabet=st.characters(
        exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"), exclude_characters="+"
    ),
    min_size=1,
    max_size=40,
).filter(lambda name: not any(char.isspace() for char in name))
extension_lines = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=40
)


@given(
    origin=key_names,
    size=st.integers(min_value=0, max_value=2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(extension_lines, max_size=3).map(tuple),
    seed=st.binary(min_size=32, max_size=32),
)
def test_any_checkpoint_round_trips(origin, size, root, extensions, seed):
    checkpoint = Checkpoint(origin=origin, size=size, root=root, extensions=extensions)

    note = sign_checkpoint(checkpoint, origin, seed)

    assert open_checkpoint(note, vkey_for(origin, seed)) == checkpoint
    assert parse_signer_key(signer_key(origin, seed)) == (origin, seed)


# tlog-proof@v1


def spec_checkpoint_note() -> str:
    """The spec example's checkpoint, signed by a fixed key named for its origin, with witnesses."""
    log_line = sign_note(SPEC_CHECKPOINT_BODY, "example.com/fancylog", SEED).split("\n\n")[1]
    witness_lines = "".join(
        f"— witness{number}.example {b64(bytes([number]) * 76)}\n" for number in (1, 2, 3)
    )
    return SPEC_CHECKPOINT_BODY + "\n" + log_line + witness_lines


SPEC_HASHES = [base64.b64decode(line) for line in SPEC_PROOF_HEAD.split("\n")[3:8]]
SPEC_EXTRA = base64.b64decode("YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ")


def test_proof_is_formatted_exactly_as_the_spec_example():
    note = spec_checkpoint_note()

    text = format_proof(73894, SPEC_HASHES, note, extra=SPEC_EXTRA)

    assert text == SPEC_PROOF_HEAD + note
    assert text.startswith(PROOF_HEADER + "\n")


def test_spec_example_proof_parses_to_its_fields_and_its_checkpoint_opens():
    note = spec_checkpoint_note()

    proof = parse_tlog_proof(SPEC_PROOF_HEAD + note)

    assert proof == TlogProof(
        index=73894, hashes=tuple(SPEC_HASHES), checkpoint_note=note, extra=SPEC_EXTRA
    )
    assert SPEC_EXTRA.startswith(b"age-v1.2.1-darwin-arm64.tar.gz")
    assert parse_proof(SPEC_PROOF_HEAD + note) == (73894, SPEC_HASHES, note)
    assert open_checkpoint(note, vkey_for("example.com/fancylog", SEED)) == Checkpoint(
        origin="example.com/fancylog",
        size=109482,
        root=base64.b64decode("sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08="),
    )


def test_proof_without_extra_has_no_extra_line():
    note = sign_checkpoint(Checkpoint(origin=ORIGIN, size=3, root=ROOT), ORIGIN, SEED)
    hashes = [hashlib.sha256(b"a").digest(), hashlib.sha256(b"b").digest()]

    text = format_proof(2, hashes, note)

    assert text == f"c2sp.org/tlog-proof@v1\nindex 2\n{b64(hashes[0])}\n{b64(hashes[1])}\n\n{note}"
    assert parse_tlog_proof(text).extra is None
    assert parse_proof(text) == (2, hashes, note)


def test_proof_in_a_one_leaf_tree_has_no_hashes():
    note = sign_checkpoint(Checkpoint(origin=ORIGIN, size=1, root=ROOT), ORIGIN, SEED)

    text = format_proof(0, [], note)

    assert text == f"c2sp.org/tlog-proof@v1\nindex 0\n\n{note}"
    assert parse_proof(text) == (0, [], note)


def proof_text(**replace: str) -> str:
    note = sign_checkpoint(Checkpoint(origin=ORIGIN, size=10, root=ROOT), ORIGIN, SEED)
    parts = {
        "header": "c2sp.org/tlog-proof@v1\n",
        "extra": "",
        "index": "index 4\n",
        "hashes": f"{b64(ROOT)}\n{b64(ROOT)}\n",
        "blank": "\n",
        "note": note,
    } | replace
    return "".join(parts.values())


def test_proof_text_helper_parses_when_unchanged():
    assert parse_proof(proof_text())[0] == 4


@pytest.mark.parametrize(
    ("replace", "match"),
    [
        ({"header": "c2sp.org/tlog-proof@v2\n"}, "must start with the line"),
        ({"header": ""}, "must start with the line"),
        ({"index": ""}, "line 2 must be 'index <decimal>'"),
        ({"index": "index: 4\n"}, "line 2 must be 'index <decimal>'"),
        ({"index": "index 04\n"}, "proof index '04' is not a canonical decimal"),
        ({"index": "index -1\n"}, "not a canonical decimal"),
        ({"index": "index 10\n"}, "index 10 is not below the checkpoint tree size 10"),
        ({"extra": "extra \n"}, "proof extra line is empty"),
        ({"extra": "extra AB=\n"}, "extra data is not standard padded base64"),
        ({"index": "index 4\nextra AAAA\n"}, "hash on line 3 is not standard padded base64"),
        ({"hashes": f"{b64(bytes(31))}\n"}, "hash 1 must be 32 bytes, got 31 bytes"),
        ({"hashes": "not base64!\n"}, "hash on line 3 is not standard padded base64"),
        ({"hashes": f"{b64(ROOT)}\n" * 65}, "65 hashes, more than 64"),
        ({"blank": "", "note": ""}, "no blank line before its checkpoint"),
    ],
)
def test_malformed_proofs_are_refused(replace, match):
    refusal("malformed_proof", match, parse_proof, proof_text(**replace))


@pytest.mark.parametrize(
    ("replace", "code", "match"),
    [
        ({"note": "not a note\n"}, "malformed_note", "no blank line before its signatures"),
        ({"note": f"{ORIGIN}\n10\n{b64(ROOT)}\n"}, "malformed_note", "no blank line"),
        (
            {"note": f"{ORIGIN}\n010\n{b64(ROOT)}\n\n— {ORIGIN} AAAAAAAA\n"},
            "malformed_checkpoint",
            "tree size '010'",
        ),
    ],
)
def test_proofs_whose_checkpoint_is_malformed_are_refused(replace, code, match):
    refusal(code, match, parse_proof, proof_text(**replace))


def test_format_proof_refuses_what_it_could_not_write_back():
    note = sign_checkpoint(Checkpoint(origin=ORIGIN, size=4, root=ROOT), ORIGIN, SEED)

    refusal("malformed_proof", "index must be an integer", format_proof, -1, [], note)
    refusal("malformed_proof", "not below the checkpoint tree size 4", format_proof, 4, [], note)
    refusal("malformed_proof", "hash 2 must be 32 bytes", format_proof, 0, [ROOT, b"x"], note)
    refusal("malformed_note", "no blank line", format_proof, 0, [ROOT], "garbage\n")
    with pytest.raises(NoteError, match="extra data must be non-empty bytes"):
        format_proof(0, [ROOT], note, extra=b"")


@given(
    index=st.integers(min_value=0, max_value=2**64 - 2),
    hashes=st.lists(st.binary(min_size=32, max_size=32), max_size=64),
    extra=st.none() | st.binary(min_size=1, max_size=64),
)
def test_any_proof_round_trips(index, hashes, extra):
    note = sign_checkpoint(Checkpoint(origin=ORIGIN, size=index + 1, root=ROOT), ORIGIN, SEED)

    text = format_proof(index, hashes, note, extra=extra)

    assert parse_tlog_proof(text) == TlogProof(index, tuple(hashes), note, extra)
