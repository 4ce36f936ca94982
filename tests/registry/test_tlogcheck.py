"""The standalone checker, exchange/registry/tlogcheck.py, against a live server and the specs.

It speaks HTTP to pytest-django's live server as any outsider would: the CLI runs as a subprocess,
and its functions are called directly where that is quicker. On SQLite the live server's thread and
the tests share one connection, so requests stay sequential: one subprocess or call at a time.
"""

import ast
import base64
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import rfc8785
from django.core.management import call_command
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from exchange import clock
from exchange.registry import log, merkle, notes, services, tlogcheck
from exchange.registry.management.commands.tamper_log import altered
from exchange.registry.models import Certificate, Checkpoint
from tests.factories import log_entries
from tests.registry.conftest import as_insider, forge_entry, registration

# The live server answers from its own thread, so the rows must be committed.
live = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(tlogcheck.__file__).resolve()
VECTORS = json.loads(
    (Path(__file__).parent / "testdata" / "transparency_dev_merkle.json").read_text()
)
# Three batches, three checkpoints (300, 550, 600): at 600 the log has two full bundles and a
# partial one of 88 entries, and a partial level-1 tile of 2 hashes.
BATCHES = (300, 250, 50)
SIZE = sum(BATCHES)


def run(*args: str) -> subprocess.CompletedProcess:
    """The CLI exactly as documented: ``python exchange/registry/tlogcheck.py ...``."""
    return subprocess.run(
        [sys.executable, str(SCRIPT.relative_to(ROOT)), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def issue_batches(*counts: int, start: int = 0) -> list[Certificate]:
    certificates = []
    for count in counts:
        first = start + len(certificates)
        certificates += services.issue_certificates([registration(first + n) for n in range(count)])
    return certificates


@pytest.fixture
def grown_log() -> list[Certificate]:
    return issue_batches(*BATCHES)


def vkey() -> str:
    return log.verifier_key(log.latest_checkpoint().key)


def signed_checkpoint(size: int, root: bytes) -> str:
    """A checkpoint note validly signed with the log's own key, over any tree we like."""
    key, seed = log.signing_key()
    body = notes.Checkpoint(origin=key.name, size=size, root=root)
    return notes.sign_checkpoint(body, key.name, seed)


def alter_entry(index: int) -> None:
    forge_entry(index, altered(log.entry(index)))


def alter_tile_hash(level: int, index: int, position: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT hashes FROM registry_logtile WHERE level = %s AND "index" = %s', [level, index]
        )
        data = bytearray(cursor.fetchone()[0])
    data[position * 32] ^= 1
    as_insider(
        "registry_logtile",
        'UPDATE registry_logtile SET hashes = %s WHERE level = %s AND "index" = %s',
        [bytes(data), level, index],
    )


def verify_directly(url: str) -> tuple[int, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    code = tlogcheck.run_verify(url, vkey=vkey(), out=out, err=err)
    return code, out.getvalue().splitlines()


# --- verify --------------------------------------------------------------------------------------


@live
def test_verify_passes_and_prints_a_one_line_summary(live_server, grown_log):
    result = run("verify", live_server.url, "--vkey", vkey())

    assert result.returncode == 0, result.stdout + result.stderr
    root = base64.b64encode(bytes(log.latest_checkpoint().root)).decode()
    assert result.stdout.splitlines() == [
        f"ok: {SIZE} entries, 4 tiles and 3 entry bundles of registry.data-exchange.example/log "
        f"rebuild the root {root} of its signed checkpoint {SIZE}"
    ]
    assert result.stderr == ""


@live
def test_verify_without_a_key_trusts_the_log_on_first_use_and_says_so(live_server, grown_log):
    result = run("verify", f"{live_server.url}/log/")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"ok: {SIZE} entries")
    assert "trust on first use" in result.stderr and vkey() in result.stderr


@live
def test_verify_names_an_altered_entry_first(live_server, grown_log):
    alter_entry(530)  # in the partial bundle

    result = run("verify", live_server.url, "--vkey", vkey())

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "entry 530"
    assert lines[1].startswith("entry 530: its bytes hash to ")
    assert lines[1].endswith("the entry was altered after it was logged")
    assert len(lines) == 2  # the tiles above and the root still hold: nothing else to blame


@live
@pytest.mark.parametrize("index", [0, 255, 256, 511, 599])
def test_verify_locates_an_altered_entry_anywhere(live_server, grown_log, index):
    alter_entry(index)

    code, lines = verify_directly(live_server.url)

    assert code == 1
    assert lines[0] == f"entry {index}"
    assert "(tile/0/00" in lines[1]


@live
def test_verify_names_the_first_of_several_altered_entries(live_server, grown_log):
    for index in (417, 12, 300):
        alter_entry(index)

    code, lines = verify_directly(live_server.url)

    assert code == 1
    assert lines[0] == "entry 12"
    assert [line.split(":")[0] for line in lines[1:]] == ["entry 12", "entry 300", "entry 417"]


@live
def test_verify_blames_a_corrupt_leaf_tile_and_not_the_entry(live_server, grown_log):
    alter_tile_hash(0, 0, 7)

    code, lines = verify_directly(live_server.url)

    assert code == 1
    assert lines == [
        "tile/0/000: hash 7 is not entry 7's hash, which gives the signed root: the tile is "
        "wrong, not the entry"
    ]


@live
def test_verify_checks_the_tiles_above_the_leaves(live_server, grown_log):
    alter_tile_hash(1, 0, 1)

    code, lines = verify_directly(live_server.url)

    assert code == 1
    assert lines == [
        "tile/1/000.p/2: hash 1 is not the hash of the tile below it (entries 256..511)"
    ]


@live
def test_verify_reports_a_signed_root_that_the_entries_do_not_give(live_server, grown_log):
    forged = signed_checkpoint(SIZE, bytes(32))
    as_insider(
        "registry_checkpoint",
        "UPDATE registry_checkpoint SET note = %s WHERE size = %s",
        [forged, SIZE],
    )

    code, lines = verify_directly(live_server.url)

    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith("the tree gives the root ")
    assert lines[0].endswith(f"but checkpoint {SIZE} signs {base64.b64encode(bytes(32)).decode()}")


@live
def test_verify_refuses_a_checkpoint_not_signed_by_the_given_key(live_server, grown_log):
    stranger = notes.verifier_key(
        "registry.data-exchange.example/log", notes.public_key_of(notes.generate_seed())
    )

    result = run("verify", live_server.url, "--vkey", stranger)

    assert result.returncode == 1
    assert result.stdout.startswith("the log cannot be verified: the note has no signature by")


@live
def test_verify_reports_entries_the_log_does_not_serve(live_server, grown_log):
    # A checkpoint that signs one entry more than the log holds: its bundle and tile are missing.
    leaves = [merkle.leaf_hash(d) for d in log_entries()]
    note = signed_checkpoint(SIZE + 1, merkle.root([*leaves, merkle.leaf_hash(b"{}")]))
    key, _ = log.signing_key()
    Checkpoint.objects.create(
        size=SIZE + 1, root=bytes(32), note=note, key=key, signed_at=clock.now()
    )

    code, lines = verify_directly(live_server.url)

    assert code == 1
    assert lines[0] == f"entry {SIZE - 88}"  # the partial bundle is not served at width 89
    assert lines[1].startswith(f"entry {SIZE - 88}: cannot fetch the bundle of entries 512..600")
    assert lines[1].endswith("tile/entries/002.p/89: HTTP 404")
    assert lines[2].startswith("tile/0/002.p/89: GET ") and lines[2].endswith("HTTP 404")
    assert lines[3].startswith("the tree gives the root ")


@live
def test_verify_passes_on_each_side_of_the_tile_boundaries(live_server):
    size = 0
    for count in (1, 254, 1, 1, 255, 1):  # sizes 1, 255, 256, 257, 512, 513
        log.append([services.canonical_json({"n": size + n}) for n in range(count)])
        size += count

        code, lines = verify_directly(live_server.url)

        assert code == 0, lines
        assert lines[0].startswith(f"ok: {size} {'entry' if size == 1 else 'entries'}, ")


@live
def test_verify_checks_the_second_tile_level(live_server):
    # 256 full level-0 tiles and a partial one, a full level-1 tile, a level-2 tile of one hash.
    size = tlogcheck.TILE_WIDTH**2 + 1
    log.append([services.canonical_json({"n": n}) for n in range(size)])

    code, lines = verify_directly(live_server.url)

    assert code == 0, lines
    assert lines[0].startswith(f"ok: {size} entries, 259 tiles and 257 entry bundles ")


# --- witness -------------------------------------------------------------------------------------


@live
def test_witness_accepts_the_first_checkpoint_then_a_consistent_later_one(live_server, tmp_path):
    state = tmp_path / "checkpoint"
    issue_batches(300)

    first = run("witness", live_server.url, "--state", str(state), "--vkey", vkey())

    assert first.returncode == 0, first.stderr
    assert first.stdout == (
        f"witnessed registry.data-exchange.example/log: (none) → 300 "
        f"(first checkpoint, saved in {state})\n"
    )
    assert state.read_text() == log.latest_checkpoint().note

    issue_batches(250, 50, start=300)
    later = run("witness", live_server.url, "--state", str(state), "--vkey", vkey())

    assert later.returncode == 0, later.stderr
    assert later.stdout.startswith(f"witnessed registry.data-exchange.example/log: 300 → {SIZE} ")
    assert "(consistent" in later.stdout
    assert state.read_text() == log.latest_checkpoint().note

    again = run("witness", live_server.url, "--state", str(state))

    assert again.returncode == 0, again.stderr
    assert f"{SIZE} → {SIZE} (unchanged" in again.stdout
    assert "trust on first use" in again.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["checkpoint"]  # no temporaries


@live
def test_witness_starts_on_a_brand_new_log_and_accepts_its_first_entries(live_server, tmp_path):
    state = tmp_path / "checkpoint"

    empty = run("witness", live_server.url, "--state", str(state), "--vkey", vkey())

    assert empty.returncode == 0, empty.stderr
    assert "(none) → 0 " in empty.stdout
    issue_batches(3)
    later = run("witness", live_server.url, "--state", str(state), "--vkey", vkey())
    assert later.returncode == 0, later.stderr
    assert "0 → 3 " in later.stdout


@live
@pytest.mark.parametrize(
    ("size", "message"),
    [
        (300, f"the log's checkpoint {SIZE} does not extend checkpoint 300 accepted before"),
        (SIZE, f"the log has signed two different roots for size {SIZE}"),
        (1, f"the log's checkpoint {SIZE} does not extend checkpoint 1 accepted before"),
    ],
    ids=["smaller-fork", "same-size-fork", "first-entry-fork"],
)
def test_witness_refuses_a_forked_log(live_server, grown_log, tmp_path, size, message):
    state = tmp_path / "checkpoint"
    fork = signed_checkpoint(size, merkle.leaf_hash(b"another history"))
    state.write_text(fork)

    result = run("witness", live_server.url, "--state", str(state), "--vkey", vkey())

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"refused: {message}")
    assert result.stderr.rstrip().endswith(f"{state} is unchanged.")
    assert state.read_text() == fork


@live
def test_witness_refuses_a_log_that_shrank(live_server, grown_log, tmp_path):
    state = tmp_path / "checkpoint"
    bigger = signed_checkpoint(SIZE + 100, merkle.leaf_hash(b"the future"))
    state.write_text(bigger)

    result = run("witness", live_server.url, "--state", str(state), "--vkey", vkey())

    assert result.returncode == 1
    assert result.stderr.startswith(
        f"refused: the log's latest checkpoint has size {SIZE}, smaller than the size "
        f"{SIZE + 100} accepted before: a log never shrinks"
    )
    assert state.read_text() == bigger


@live
def test_witness_refuses_a_state_file_signed_by_another_key(live_server, grown_log, tmp_path):
    state = tmp_path / "checkpoint"
    seed = notes.generate_seed()
    origin = "registry.data-exchange.example/log"
    other = notes.sign_checkpoint(notes.Checkpoint(origin, 300, bytes(32)), origin, seed)
    state.write_text(other)

    result = run("witness", live_server.url, "--state", str(state))

    assert result.returncode == 1
    assert f"refused: the state file {state} does not hold a checkpoint signed by" in result.stderr
    assert state.read_text() == other


@live
def test_witness_command_runs_the_standalone_witness(live_server, grown_log, tmp_path):
    state = tmp_path / "checkpoint"
    out, err = io.StringIO(), io.StringIO()

    call_command("witness", url=live_server.url, state=str(state), stdout=out, stderr=err)

    assert out.getvalue() == (
        f"witnessed registry.data-exchange.example/log: (none) → {SIZE} "
        f"(first checkpoint, saved in {state})\n"
    )
    assert "trust on first use" in err.getvalue()

    fork = signed_checkpoint(SIZE, bytes(32))
    state.write_text(fork)
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "witness", url=live_server.url, state=str(state), vkey=vkey(), stdout=out, stderr=err
        )

    assert exit_.value.code == 1
    assert "refused: the log has signed two different roots" in err.getvalue()
    assert state.read_text() == fork


# --- proof ---------------------------------------------------------------------------------------


@pytest.fixture
def certificate_files(tmp_path) -> tuple[Path, Path, Path]:
    """A certificate's stored proof, its entry's exact bytes and the log's key, as files."""
    certificate = issue_batches(5)[3]
    proof, entry, key = tmp_path / "cert.tlog-proof", tmp_path / "entry.json", tmp_path / "vkey"
    proof.write_text(certificate.proof)
    entry.write_bytes(log.entry(certificate.log_index))
    key.write_text(vkey() + "\n")
    return proof, entry, key


@pytest.mark.django_db
def test_proof_verifies_a_certificates_stored_proof(certificate_files):
    proof, entry, key = certificate_files

    result = run("proof", str(proof), "--vkey", key.read_text().strip(), "--entry", str(entry))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "ok: entry 3 is in the tree of 5 entries of registry.data-exchange.example/log (root "
    )
    assert run("proof", str(proof), "--vkey", str(key), "--entry", str(entry)).returncode == 0


def flip_last_signature(note: str) -> str:
    """``note`` with one bit of its last signature flipped (past the 4-byte key ID)."""
    head, _, line = note.rstrip("\n").rpartition("\n")
    name_part, _, encoded = line.rpartition(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 1
    return f"{head}\n{name_part} {base64.b64encode(bytes(raw)).decode()}\n"


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["entry", "proof hash", "index", "checkpoint root", "signature"])
def test_proof_refuses_a_flipped_byte(certificate_files, target):
    proof, entry, key = certificate_files
    text = proof.read_text()
    lines = text.split("\n")
    if target == "entry":
        data = bytearray(entry.read_bytes())
        data[len(data) // 2] ^= 1
        entry.write_bytes(bytes(data))
    elif target == "proof hash":
        raw = bytearray(base64.b64decode(lines[2]))
        raw[0] ^= 1
        lines[2] = base64.b64encode(bytes(raw)).decode()
        proof.write_text("\n".join(lines))
    elif target == "index":
        proof.write_text(text.replace("index 3\n", "index 2\n"))
    elif target == "checkpoint root":
        root_line = lines.index("") + 3
        raw = bytearray(base64.b64decode(lines[root_line]))
        raw[5] ^= 1
        lines[root_line] = base64.b64encode(bytes(raw)).decode()
        proof.write_text("\n".join(lines))
    else:
        proof.write_text(flip_last_signature(text))

    result = run("proof", str(proof), "--vkey", str(key), "--entry", str(entry))

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("refused: the proof does not hold: ")


# --- the maths against the specs' published vectors (no server) ----------------------------------


def hex_hashes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


def test_tree_root_matches_published_roots_and_the_servers_at_every_size():
    leaves = [tlogcheck.leaf_hash(bytes.fromhex(value)) for value in VECTORS["leaf_inputs"]["hex"]]
    for size, root in enumerate(hex_hashes(VECTORS["root_hashes"]["hex"])):
        assert tlogcheck.tree_root(leaves[:size]) == root
    many = [tlogcheck.leaf_hash(b"entry %d" % n) for n in range(600)]
    for size in range(601):
        assert tlogcheck.tree_root(many[:size]) == merkle.root(many[:size])


@pytest.mark.parametrize(
    "probe", VECTORS["inclusion_probes"]["probes"], ids=lambda probe: probe["file"]
)
def test_inclusion_probe(probe):
    def verify():
        tlogcheck.verify_inclusion(
            probe["leafIdx"],
            probe["treeSize"],
            bytes.fromhex(probe["leafHash"]),
            hex_hashes(probe["proof"]),
            bytes.fromhex(probe["root"]),
        )

    if probe["wantErr"]:
        with pytest.raises(tlogcheck.CheckError):
            verify()
    else:
        verify()


@pytest.mark.parametrize(
    "probe", VECTORS["consistency_probes"]["probes"], ids=lambda probe: probe["file"]
)
def test_consistency_probe(probe):
    def verify():
        tlogcheck.verify_consistency(
            probe["size1"],
            probe["size2"],
            bytes.fromhex(probe["root1"]),
            bytes.fromhex(probe["root2"]),
            hex_hashes(probe["proof"]),
        )

    if probe["wantErr"]:
        with pytest.raises(tlogcheck.CheckError):
            verify()
    else:
        verify()


def test_every_proof_the_server_computes_verifies_and_any_flipped_bit_fails():
    leaves = [merkle.leaf_hash(b"entry %d" % n) for n in range(70)]
    for size in range(1, 71):
        root = merkle.root(leaves[:size])
        for index in range(size):
            proof = merkle.inclusion_proof(index, leaves[:size])
            tlogcheck.verify_inclusion(index, size, leaves[index], proof, root)
        for first in range(1, size + 1):
            proof = merkle.consistency_proof(first, leaves[:size])
            first_root = merkle.root(leaves[:first])
            tlogcheck.verify_consistency(first, size, first_root, root, proof)
            for position in range(len(proof)):
                bad = [*proof[:position], bytes([proof[position][0] ^ 1]) + proof[position][1:]]
                with pytest.raises(tlogcheck.CheckError):
                    tlogcheck.verify_consistency(
                        first, size, first_root, root, bad + proof[position + 1 :]
                    )


# c2sp.org/signed-note, "Verifier keys / Example"; golang.org/x/mod/sumdb/note note_test.go.
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = (
    "This is an example message.\n"
    "\n"
    "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_NOTE = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_signed_note_vectors_open_and_a_flipped_signature_does_not():
    assert tlogcheck.open_note(C2SP_NOTE, tlogcheck.parse_vkey(C2SP_VKEY)) == (
        "This is an example message.\n"
    )
    peter = tlogcheck.parse_vkey(PETER_VKEY)
    assert tlogcheck.open_note(PETER_NOTE, peter).startswith("If you think")
    with pytest.raises(tlogcheck.CheckError, match="does not verify"):
        tlogcheck.open_note(flip_last_signature(PETER_NOTE), peter)
    with pytest.raises(tlogcheck.CheckError, match="no signature by PeterNeumann"):
        tlogcheck.open_note(C2SP_NOTE, peter)  # another key's signature is ignored, not trusted
    with pytest.raises(tlogcheck.CheckError, match="does not match its name"):
        tlogcheck.parse_vkey(PETER_VKEY.replace("Peter", "Petra"))


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (b'{"a":1,"b":[true,null,"x"]}', None),
        (b'{"b":1,"a":2}', "canonical form differs"),
        (b'{"a": 1}', "canonical form differs"),
        (b'{"a":1.0}', "canonical form differs"),
        (b'{"a":"\\u0041"}', "canonical form differs"),
        (b'{"a":1,"a":1}', "repeats a key"),
        (b'{"a":9007199254740993}', "canonical form differs"),  # no such double
        (b'{"a":9007199254740992}', None),
        (b'{"a":NaN}', "NaN is not JSON"),
        (b"\xff", "not UTF-8"),
        (b"{", "not JSON"),
    ],
)
def test_entries_must_be_rfc_8785_canonical_json(entry, problem):
    found = tlogcheck.canonical_json_problem(entry)
    assert found is None if problem is None else problem in found


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**53) + 1, 2**53 - 1)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    )
)
def test_whatever_rfc8785_writes_is_canonical_to_the_checker(value):
    assert tlogcheck.canonical_json_problem(rfc8785.dumps(value)) is None


@pytest.mark.django_db
def test_the_records_the_registry_logs_are_canonical_json():
    certificate = issue_batches(1)[0]
    entry = log.entry(certificate.log_index)
    assert tlogcheck.canonical_json_problem(entry) is None


# --- the module stands alone ---------------------------------------------------------------------


def test_the_module_imports_only_the_standard_library_and_cryptography():
    tree = ast.parse(SCRIPT.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports"
            imported.add(node.module.split(".")[0])
    assert imported - sys.stdlib_module_names == {"cryptography"}
    assert "django" not in imported and "exchange" not in imported


def test_the_script_loads_no_module_of_the_folder_it_sits_in():
    # Run from its folder, Python would find the server's selectors.py before the standard
    # library's (socket imports it); the script takes its folder off the path first.
    result = subprocess.run(
        [sys.executable, "-v", str(SCRIPT), "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    folder = re.escape(str(SCRIPT.parent))
    loaded = set(re.findall(rf"{folder}/(?:__pycache__/)?(\w+)\.", result.stderr))
    assert loaded <= {"tlogcheck"}
    assert result.stdout.startswith("usage: tlogcheck.py [-h] COMMAND ...")
