"""Benchmark: the certificate log next to raw ``hashlib.sha256`` and to pymerkle, in one run.

    .venv/bin/pip install -r bench/requirements.txt   # pymerkle 7.0.0, for this benchmark only
    .venv/bin/python bench/bench_log.py [--entries 1000000 | --quick] [--workers 2]
                                        [--one-by-one 2000] [--proofs 2000] [--postgres URL]

The entries are certificate records shaped like ``exchange.registry.services.log_record``'s, as
RFC 8785 canonical JSON (about 500 bytes, Chinese names and labels), generated deterministically.
Every figure is printed next to the raw ``hashlib.sha256`` rate of the same entries on this
machine (one thread, one digest per entry) and next to pymerkle doing the same work:

1. batched durable append: ``log.append`` of 1,000 entries a transaction (the entries, the tiles,
   the head and one signed checkpoint each) on a fresh SQLite file, against pymerkle's
   ``SqliteTree`` appending one entry a transaction (``append_entry``) and 1,000 a transaction
   (``append_entries``), under the same SQLite settings: WAL with synchronous=NORMAL, as
   exchange/settings/base.py sets (a commit survives the process, not a power cut), and again
   with synchronous=FULL (every commit fsynced, durable in the strict sense) on
   ``--durable-entries`` entries;
2. one-by-one durable append (``log.append([entry])``, each its own transaction) on SQLite under
   both settings and on PostgreSQL (a throw-away database; the server's synchronous_commit);
3. proofs from the database of the ``--entries`` log in a fresh process: p50/p95 of
   ``log.inclusion_proof(i, size)`` and ``log.consistency_proof(m, size)`` over ``--proofs``
   random i and m, against pymerkle's proofs on its own SQLite tree of the same entries (each kind
   cut short after ``--pymerkle-seconds``: pymerkle rebuilds subtrees from the leaf hashes);
4. full verification (``verify_log``, fresh process) with one process and with ``--workers``,
   against the raw hashing time of the same entries; pymerkle's nearest equivalent is rehashing
   its stored entries against its stored leaf hashes and recomputing its root, fresh process.

The issue's targets are printed beside the figures, with whether this run met them. Each phase
runs in a subprocess of this script, so that it starts with cold caches; the SQLite databases live
in a temporary folder, and the PostgreSQL database is created and dropped here. This script does
not install pymerkle: when it is missing, it says how to install it and stops. Nothing is
asserted: the figures are for people.
"""

import argparse
import hashlib
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throwaway import create_database, drop_database  # noqa: E402 (bench/ runs as scripts)

BATCH = 1000  # entries a transaction in the batched figures (issue 5)
QUICK_ENTRIES = 50_000
SEED = 20260518

# Issue 5's targets for this benchmark.
TARGET_BATCHED_RATE = 15_000  # entries/s
TARGET_BATCHED_VS_PYMERKLE = 10  # × pymerkle's one-by-one durable append
TARGET_P50_MS, TARGET_P95_MS = 0.5, 1.0  # proofs at 1,000,000 entries, SQLite
TARGET_VERIFY_VS_RAW = 3  # × the raw hashing time, using both cores

# --- the entries ----------------------------------------------------------------------------------

REGIONS = ["上海", "浦东", "长三角", "杭州", "苏州", "临港", "虹桥", "南京", "合肥", "宁波", "无锡"]
TRADES = ["数据科技", "信息技术", "智能制造", "航运物流", "医疗健康", "供应链金融", "征信服务"]
TRADES += ["能源互联网", "数字营销", "城市大脑"]
SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司"]
DOMAINS = ["企业工商", "港口集装箱", "船舶轨迹", "医疗理赔", "信用评估", "新能源汽车充电", "气象"]
DOMAINS += ["交通出行", "电力消费", "跨境电商", "商圈客流", "碳排放", "农业遥感", "药品流通"]
PRODUCT_KINDS = ["数据集", "指数", "数据接口", "分析报告", "风控模型", "数据包", "监测服务"]
SUBJECT_TYPES = {
    "DR": "registry.registereddata",
    "DA": "registry.registereddata",
    "DP": "listings.productversion",
    "TX": "settlement.order",
}
RIGHTS = ["resource_holding", "processing_use", "product_operation"]
AMENDMENTS = {
    "licence": "许可使用登记：被许可方按合同约定的范围和期限加工使用数据",
    "transfer": "转让登记：数据资源持有权依协议转让给受让方",
    "change": "变更登记：数据来源说明与更新频率发生变化",
    "renewal": "续展登记：登记证书有效期届满前申请续展",
}


def make_records(count: int) -> list[bytes]:
    """``count`` certificate records as canonical JSON, the same for the same ``count`` prefix."""
    from exchange.creditcode import CREDIT_CODE_ALPHABET, build_credit_code

    rng = random.Random(SEED)
    registrants = []
    for number in range(500):
        code = "".join(rng.choice(CREDIT_CODE_ALPHABET[:30]) for _ in range(5))
        name = f"{rng.choice(REGIONS)}{rng.choice(TRADES)}{rng.choice(SUFFIXES)}"
        credit_code = build_credit_code(
            authority_type="91", region="310115", organisation_base=f"MA{number % 10}{code}"
        )
        registrants.append({"name": name, "credit_code": credit_code})
    issued = datetime(2026, 1, 5, 1, 30, tzinfo=UTC)
    sequence = dict.fromkeys(SUBJECT_TYPES, 0)
    issued_numbers: list[str] = []
    records = []
    for position in range(count):
        kind = rng.choice(["DR", "DA", "DP", "DP", "DP", "TX"])
        sequence[kind] += 1
        number = f"{kind}-{issued.year}-{sequence[kind]:08d}"
        action = "initial"
        if issued_numbers and rng.random() < 0.25:
            action = rng.choice(list(AMENDMENTS))
        issued += timedelta(seconds=rng.randrange(1, 60), microseconds=rng.randrange(1_000_000))
        label = f"{rng.choice(REGIONS)}{rng.choice(DOMAINS)}{rng.choice(PRODUCT_KINDS)}"
        record = {
            "number": number,
            "kind": kind,
            "action": action,
            "references": rng.choice(issued_numbers) if action != "initial" else None,
            "registrant": rng.choice(registrants),
            "subject": {
                "type": SUBJECT_TYPES[kind],
                "id": position + 1,
                "label": f"{label}（第{rng.randrange(1, 9)}版）",
            },
            "rights": sorted(rng.sample(RIGHTS, rng.randrange(1, 4))),
            "content_sha256": hashlib.sha256(f"content {position}".encode()).hexdigest(),
            "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "valid_until": (issued + timedelta(days=1095)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "reason": AMENDMENTS.get(action, ""),
        }
        if len(issued_numbers) < 10_000:
            issued_numbers.append(number)
        # RFC 8785 for these records (ASCII keys, strings, integers, null): sorted keys, no spaces,
        # UTF-8 unescaped; checked against the rfc8785 package in main().
        records.append(
            json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        )
    return records


def write_entries(path: Path, entries: list[bytes]) -> None:
    with path.open("wb") as file:
        file.write(b"".join(len(entry).to_bytes(2, "big") + entry for entry in entries))


def read_entries(path: Path, count: int) -> list[bytes]:
    data, entries, offset = path.read_bytes(), [], 0
    while offset < len(data) and len(entries) < count:
        length = int.from_bytes(data[offset : offset + 2], "big")
        entries.append(data[offset + 2 : offset + 2 + length])
        offset += 2 + length
    return entries


def raw_hashing_seconds(entries: list[bytes]) -> float:
    """The best of three passes of one ``hashlib.sha256`` digest per entry, one thread."""
    sha256, best = hashlib.sha256, float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for entry in entries:
            sha256(entry).digest()
        best = min(best, time.perf_counter() - started)
    return best


# --- phases: each runs in a fresh process ---------------------------------------------------------


def setup_django(*, migrate: bool = False, synchronous: str = "") -> str:
    """Django on DATABASE_URL; returns how the database commits (for the table)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if migrate:
        call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            if synchronous:
                cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            level = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[cursor.fetchone()[0]]
            return f"SQLite journal_mode={journal} synchronous={level}"
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
        cursor.execute("SHOW synchronous_commit")
        commit = cursor.fetchone()[0]
        cursor.execute("SHOW fsync")
        return f"PostgreSQL {version} synchronous_commit={commit} fsync={cursor.fetchone()[0]}"


def progress_line(label: str, done: int, total: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    print(
        f"    {label}: {done:,}/{total:,} in {elapsed:.1f} s ({done / elapsed:,.0f}/s)", flush=True
    )


def phase_migrate(args) -> dict:
    return {"settings": setup_django(migrate=True)}


def phase_ours_append(args) -> dict:
    settings = setup_django(migrate=args.migrate, synchronous=args.synchronous)
    from exchange.registry import log

    entries = read_entries(args.folder / "entries.bin", args.count + 1)
    if args.batch == 1:
        log.append([entries[-1]])  # the first append makes the signing key: not timed
        entries = entries[:-1]
    else:
        entries = entries[: args.count]
    step = max(args.batch, args.count // 10 // args.batch * args.batch)
    started = time.perf_counter()
    for first in range(0, len(entries), args.batch):
        log.append(entries[first : first + args.batch])
        done = first + args.batch
        if args.progress and (done % step == 0 or done >= len(entries)):
            progress_line("ours", min(done, len(entries)), len(entries), started)
    return {"seconds": time.perf_counter() - started, "count": len(entries), "settings": settings}


def open_pymerkle(path: Path, synchronous: str):
    from pymerkle import SqliteTree

    tree = SqliteTree(str(path))
    tree.con.execute("PRAGMA journal_mode=WAL")
    tree.con.execute(f"PRAGMA synchronous={synchronous}")
    return tree


def phase_pymerkle_append(args) -> dict:
    path = args.folder / args.file
    tree = open_pymerkle(path, args.synchronous)
    entries = read_entries(args.folder / "entries.bin", args.count)
    step = max(args.batch, args.count // 10 // args.batch * args.batch)
    started = time.perf_counter()
    if args.batch == 1:
        for entry in entries:
            tree.append_entry(entry)  # one transaction each
    else:
        for first in range(0, len(entries), args.batch):
            tree.append_entries(entries[first : first + args.batch])  # one transaction each
            done = first + args.batch
            if args.progress and (done % step == 0 or done >= len(entries)):
                progress_line("pymerkle", min(done, len(entries)), len(entries), started)
    seconds = time.perf_counter() - started
    root = tree.get_root().hex() if args.batch > 1 else ""
    tree.close()
    return {"seconds": seconds, "count": len(entries), "root": root}


def phase_ours_proofs(args) -> dict:
    setup_django()
    from exchange.registry import log, merkle

    checkpoint = log.latest_checkpoint()
    size, root = checkpoint.size, bytes(checkpoint.root)
    rng = random.Random(SEED + 1)
    inclusion, consistency, clock = [], [], time.perf_counter
    indexes = [rng.randrange(size) for _ in range(args.count)]
    firsts = [rng.randrange(1, size) for _ in range(args.count)]
    for index in indexes:
        started = clock()
        log.inclusion_proof(index, size)
        inclusion.append(clock() - started)
    for first in firsts:
        started = clock()
        log.consistency_proof(first, size)
        consistency.append(clock() - started)
    for index in indexes[:20]:  # the proofs lead to the signed root (not timed)
        leaf = merkle.leaf_hash(log.entry(index))
        merkle.verify_inclusion(index, size, leaf, log.inclusion_proof(index, size), root)
    return {"size": size, "root": root.hex(), "inclusion": inclusion, "consistency": consistency}


def phase_pymerkle_proofs(args) -> dict:
    tree = open_pymerkle(args.folder / args.file, "NORMAL")
    size = tree.get_size()
    rng = random.Random(SEED + 1)
    indexes = [rng.randrange(size) for _ in range(args.count)]
    firsts = [rng.randrange(1, size) for _ in range(args.count)]
    samples = {"inclusion": [], "consistency": []}
    for kind, values in (("inclusion", indexes), ("consistency", firsts)):
        deadline = time.perf_counter() + args.seconds
        for value in values:
            started = time.perf_counter()
            if kind == "inclusion":
                tree.prove_inclusion(value + 1, size)  # pymerkle counts leaves from one
            else:
                tree.prove_consistency(value, size)
            samples[kind].append(time.perf_counter() - started)
            if started > deadline:
                break
    return {"size": size, **samples}


def phase_ours_verify(args) -> dict:
    setup_django()
    from exchange.registry.verify import verify_log

    started = time.perf_counter()
    report = verify_log(workers=args.workers)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "ok": report.ok,
        "entries": report.entries,
        "tiles": report.tiles,
        "checkpoints": report.checkpoints,
        "problems": report.problems[:5],
    }


def phase_pymerkle_verify(args) -> dict:
    path = args.folder / args.file
    started = time.perf_counter()
    tree = open_pymerkle(path, "NORMAL")
    reader = sqlite3.connect(path)
    mismatches = 0
    cursor = reader.execute("SELECT entry, hash FROM leaf ORDER BY id")
    while rows := cursor.fetchmany(4096):
        mismatches += sum(tree.hash_buff(entry) != hash_ for entry, hash_ in rows)
    root = tree.get_root()
    seconds = time.perf_counter() - started
    reader.close()
    tree.close()
    return {"seconds": seconds, "mismatches": mismatches, "root": root.hex()}


PHASES = {
    "migrate": phase_migrate,
    "ours-append": phase_ours_append,
    "pymerkle-append": phase_pymerkle_append,
    "ours-proofs": phase_ours_proofs,
    "pymerkle-proofs": phase_pymerkle_proofs,
    "ours-verify": phase_ours_verify,
    "pymerkle-verify": phase_pymerkle_verify,
}


def phase_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=PHASES)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--synchronous", default="")
    parser.add_argument("--migrate", action="store_true")
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--file", default="")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    args.result.write_text(json.dumps(PHASES[args.name](args)))


class Runner:
    """Runs phases in subprocesses of this script, in the temporary folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.runs = 0

    def __call__(self, name: str, *, database: str = "", **options) -> dict:
        self.runs += 1
        result = self.folder / f"{self.runs:02d}-{name}.json"
        command = [sys.executable, __file__, "phase", name, "--folder", str(self.folder)]
        command += ["--result", str(result)]
        for key, value in options.items():
            flag = f"--{key.replace('_', '-')}"
            if value is True:
                command.append(flag)
            elif value not in (False, None, ""):
                command += [flag, str(value)]
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "exchange.settings.test",
            "DJANGO_DEBUG": "false",  # no query log: as in production
            "PYTHONUNBUFFERED": "1",
        }
        environment.pop("CELERY_BROKER_URL", None)
        if database:
            environment["DATABASE_URL"] = database
        subprocess.run(command, cwd=ROOT, env=environment, check=True)
        return json.loads(result.read_text())

    def fresh_sqlite(self, name: str) -> str:
        """A copy of the migrated template database, as a DATABASE_URL."""
        path = self.folder / name
        with (
            sqlite3.connect(self.folder / "template.sqlite3") as source,
            sqlite3.connect(path) as target,
        ):
            source.backup(target)
        return f"sqlite:///{path}"


# --- the report -----------------------------------------------------------------------------------


def percentile(samples: list[float], percent: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[percent - 1]


def rate(result: dict) -> float:
    return result["count"] / result["seconds"]


def met(condition: bool) -> str:
    return "met" if condition else "NOT met"


# Issue 5 states the proof and verification targets for a log of this size.
TARGET_SIZE = 1_000_000


def print_headline(ours: dict, pymerkle: dict, entries: int) -> None:
    """The issue's comparison: our batched append against pymerkle's, same SQLite, same run."""
    ratio = rate(ours) / rate(pymerkle)
    print(
        f"\nheadline: batched append of {entries:,} entries, {BATCH:,} a transaction, "
        f"{ours['settings']}: ours {rate(ours):,.0f}/s, pymerkle's append_entries "
        f"{rate(pymerkle):,.0f}/s: {ratio:.2f}× pymerkle (target ≥ 1.00×: "
        f"{met(ratio >= 1)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="size of the log built")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ENTRIES:,} entries")
    parser.add_argument("--durable-entries", type=int, default=100_000, help="for synchronous=FULL")
    parser.add_argument("--one-by-one", type=int, default=2000, help="our one-by-one appends")
    parser.add_argument("--pymerkle-one-by-one", type=int, default=20_000)
    parser.add_argument("--proofs", type=int, default=2000, help="proofs of each kind")
    parser.add_argument("--pymerkle-seconds", type=float, default=60, help="per proof kind")
    parser.add_argument("--workers", type=int, default=2, help="verify_log's processes")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--append-only", action="store_true", help="only the headline: (1) batched, NORMAL"
    )
    args = parser.parse_args()
    if args.quick:
        args.entries, args.durable_entries = QUICK_ENTRIES, min(args.durable_entries, 20_000)
        args.one_by_one, args.pymerkle_one_by_one = 500, 5000
        args.proofs, args.pymerkle_seconds = 500, 15
    durable = min(args.durable_entries, args.entries)
    try:
        import pymerkle
    except ImportError:
        sys.exit(
            "bench_log.py compares the log with pymerkle, which the project does not install:\n"
            "    .venv/bin/pip install -r bench/requirements.txt"
        )
    import rfc8785

    folder_handle = tempfile.TemporaryDirectory(prefix="bench-log-")
    folder = Path(folder_handle.name)
    run = Runner(folder)
    database = None
    try:
        cpus, load_before = os.cpu_count(), os.getloadavg()[0]
        print(f"bench_log: {args.entries:,} entries, {cpus} CPUs, pymerkle {pymerkle.__version__}")
        started = time.perf_counter()
        count = max(args.entries, durable, args.one_by_one, args.pymerkle_one_by_one) + 1
        entries = make_records(count)
        for entry in entries[:200]:
            if rfc8785.dumps(json.loads(entry)) != entry:
                raise RuntimeError(f"not canonical JSON: {entry!r}")
        write_entries(folder / "entries.bin", entries)
        entries = entries[: args.entries]
        sizes = [len(entry) for entry in entries]
        print(
            f"  {len(entries):,} certificate records in {time.perf_counter() - started:.1f} s: "
            f"{statistics.mean(sizes):.0f} bytes on average ({min(sizes)}..{max(sizes)})",
            flush=True,
        )
        raw = raw_hashing_seconds(entries)
        raw_rate = len(entries) / raw
        raw_one = raw / len(entries)
        print(f"  raw hashlib.sha256: {raw:.3f} s for {len(entries):,} entries", flush=True)
        del entries

        print("migrating a template SQLite database...", flush=True)
        template = run("migrate", database=f"sqlite:///{folder / 'template.sqlite3'}")

        print(f"(1) batched append, {BATCH:,} a transaction, {args.entries:,} entries:", flush=True)
        log_database = run.fresh_sqlite("log.sqlite3")
        batched = run("ours-append", database=log_database, count=args.entries, progress=True)
        pm_one = run(
            "pymerkle-append", file="pm-one.sqlite3", count=args.pymerkle_one_by_one,
            batch=1, synchronous="NORMAL",
        )  # fmt: skip
        pm_batched = run(
            "pymerkle-append", file="pymerkle.sqlite3", count=args.entries, synchronous="NORMAL",
            progress=True,
        )  # fmt: skip
        if args.append_only:
            print_headline(batched, pm_batched, args.entries)
            return
        print(f"    durable (synchronous=FULL), {durable:,} entries...", flush=True)
        batched_full = run(
            "ours-append", database=run.fresh_sqlite("full.sqlite3"), count=durable,
            synchronous="FULL",
        )  # fmt: skip
        pm_one_full = run(
            "pymerkle-append", file="pm-one-full.sqlite3", count=args.pymerkle_one_by_one,
            batch=1, synchronous="FULL",
        )  # fmt: skip
        pm_batched_full = run(
            "pymerkle-append", file="pm-full.sqlite3", count=durable, synchronous="FULL"
        )

        print(f"(2) one-by-one append, {args.one_by_one:,} entries each...", flush=True)
        one = run(
            "ours-append", database=run.fresh_sqlite("one.sqlite3"), count=args.one_by_one, batch=1
        )
        one_full = run(
            "ours-append", database=run.fresh_sqlite("one-full.sqlite3"),
            count=args.one_by_one, batch=1, synchronous="FULL",
        )  # fmt: skip
        database = create_database(args.postgres)
        print(f"    PostgreSQL database {database}: migrating...", flush=True)
        one_pg = run(
            "ours-append", database=f"{args.postgres}/{database}", count=args.one_by_one,
            batch=1, migrate=True,
        )  # fmt: skip
        drop_database(args.postgres, database)
        database = None

        print(
            f"(3) proofs at {args.entries:,} entries, {args.proofs:,} of each kind...", flush=True
        )
        proofs = run("ours-proofs", database=log_database, count=args.proofs)
        pm_proofs = run(
            "pymerkle-proofs", file="pymerkle.sqlite3", count=args.proofs,
            seconds=args.pymerkle_seconds,
        )  # fmt: skip

        print(f"(4) full verification of {args.entries:,} entries...", flush=True)
        verify_one = run("ours-verify", database=log_database, workers=1)
        verify_many = run("ours-verify", database=log_database, workers=args.workers)
        pm_verify = run("pymerkle-verify", file="pymerkle.sqlite3")
        roots_agree = pm_batched["root"] == pm_verify["root"] == proofs["root"]
    finally:
        if database:
            drop_database(args.postgres, database)
            print(f"dropped {database}")
        folder_handle.cleanup()

    # --- the table ---
    ours_batched, ours_full = rate(batched), rate(batched_full)
    ratio = ours_batched / rate(pm_one)
    ratio_full = ours_full / rate(pm_one_full)
    rows = []

    def append_row(figure, ours, ours_rate, pymerkle_text, pymerkle_rate, target="", verdict=""):
        vs_pymerkle = f"{ours_rate / pymerkle_rate:.2f}×" if pymerkle_rate else "n/a"
        rows.append(
            (figure, ours, f"{raw_rate:,.0f}/s", f"1/{raw_rate / ours_rate:,.0f}", pymerkle_text,
             vs_pymerkle, target, verdict)
        )  # fmt: skip

    sqlite_normal, sqlite_full = batched["settings"], batched_full["settings"]
    append_row(
        f"(1) batched append {BATCH:,}/tx, {args.entries:,}",
        f"{ours_batched:,.0f}/s", ours_batched,
        f"{rate(pm_one):,.0f}/s one-by-one", rate(pm_one),
        f"≥{TARGET_BATCHED_RATE:,}/s, ≥{TARGET_BATCHED_VS_PYMERKLE}× pm",
        f"rate {met(ours_batched >= TARGET_BATCHED_RATE)}, "
        f"10× {met(ratio >= TARGET_BATCHED_VS_PYMERKLE)}",
    )  # fmt: skip
    append_row(
        "    same, vs pymerkle batched", "", ours_batched,
        f"{rate(pm_batched):,.0f}/s {BATCH:,}/tx", rate(pm_batched),
    )  # fmt: skip
    append_row(
        f"(1') batched, synchronous=FULL, {durable:,}",
        f"{ours_full:,.0f}/s", ours_full,
        f"{rate(pm_one_full):,.0f}/s one-by-one", rate(pm_one_full),
        f"≥{TARGET_BATCHED_RATE:,}/s, ≥{TARGET_BATCHED_VS_PYMERKLE}× pm",
        f"rate {met(ours_full >= TARGET_BATCHED_RATE)}, "
        f"10× {met(ratio_full >= TARGET_BATCHED_VS_PYMERKLE)}",
    )  # fmt: skip
    append_row(
        "    same, vs pymerkle batched", "", ours_full,
        f"{rate(pm_batched_full):,.0f}/s {BATCH:,}/tx", rate(pm_batched_full),
    )  # fmt: skip
    append_row(
        "(2) one-by-one, SQLite NORMAL", f"{rate(one):,.0f}/s", rate(one),
        f"{rate(pm_one):,.0f}/s one-by-one", rate(pm_one),
    )  # fmt: skip
    append_row(
        "(2) one-by-one, SQLite FULL", f"{rate(one_full):,.0f}/s", rate(one_full),
        f"{rate(pm_one_full):,.0f}/s one-by-one", rate(pm_one_full),
    )  # fmt: skip
    append_row(
        "(2) one-by-one, PostgreSQL", f"{rate(one_pg):,.0f}/s", rate(one_pg),
        "no PostgreSQL store", 0,
    )  # fmt: skip
    for kind in ("inclusion", "consistency"):
        ms = [seconds * 1000 for seconds in proofs[kind]]
        pm_ms = [seconds * 1000 for seconds in pm_proofs[kind]]
        p50, p95 = percentile(ms, 50), percentile(ms, 95)
        pm50, pm95 = percentile(pm_ms, 50), percentile(pm_ms, 95)
        rows.append(
            (
                f"(3) {kind} proof at {proofs['size']:,}",
                f"p50 {p50:.3f} p95 {p95:.3f} ms",
                f"{raw_one * 1e6:.2f} µs/entry",
                f"p50 = {p50 / 1000 / raw_one:,.0f} hashes",
                f"p50 {pm50:.2f} p95 {pm95:.2f} ms ({len(pm_ms):,} proofs)",
                f"{pm50 / p50:.2f}× (p50)",
                f"p50 ≤{TARGET_P50_MS} p95 ≤{TARGET_P95_MS} ms",
                met(p50 <= TARGET_P50_MS and p95 <= TARGET_P95_MS)
                if proofs["size"] >= TARGET_SIZE
                else f"(set at {TARGET_SIZE:,})",
            )
        )
    for result, label in ((verify_one, "1 process"), (verify_many, f"{args.workers} processes")):
        within = result["seconds"] / raw
        rows.append(
            (
                f"(4) verify_log, {label}",
                f"{result['seconds']:.2f} s" + ("" if result["ok"] else " FAILED"),
                f"{raw:.2f} s",
                f"{within:.2f}× raw",
                f"{pm_verify['seconds']:.2f} s rehash + root",
                f"{pm_verify['seconds'] / result['seconds']:.2f}×",
                f"≤{TARGET_VERIFY_VS_RAW}× raw, both cores" if result is verify_many else "",
                ""
                if result is not verify_many
                else met(within <= TARGET_VERIFY_VS_RAW)
                if args.entries >= TARGET_SIZE
                else f"(set at {TARGET_SIZE:,})",
            )
        )

    print_headline(batched, pm_batched, args.entries)
    headers = ("figure", "ours", "raw sha256", "ours vs raw", "pymerkle 7.0.0 (same work)",
               "ours vs pm", "target (issue 5)", "this run")  # fmt: skip
    widths = [max(len(str(row[column])) for row in [headers, *rows]) for column in range(8)]
    print(
        f"\ncertificate log, {args.entries:,} entries of ~{statistics.mean(sizes):.0f} bytes; "
        f"{cpus} CPUs, load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} "
        "at the end (other work on the machine slows every figure)"
    )
    print(f"  SQLite: {sqlite_normal} (the project's settings); {sqlite_full} for the FULL rows")
    print(f"  {one_pg['settings']}; migrations done before timing; template {template['settings']}")
    print("  ours vs pm: how many times faster ours is (below 1: slower)")
    print("  " + " | ".join(text.ljust(width) for text, width in zip(headers, widths, strict=True)))
    print("  " + "-+-".join("-" * width for width in widths))
    for row in rows:
        print("  " + " | ".join(str(t).ljust(w) for t, w in zip(row, widths, strict=True)))
    print(
        f"\n  verify_log: {verify_many['entries']:,} entries, {verify_many['checkpoints']:,} "
        f"checkpoints, {verify_many['tiles']:,} tiles; ok={verify_one['ok']}/{verify_many['ok']}"
        f"{'' if verify_many['ok'] else ' ' + '; '.join(verify_many['problems'])}"
    )
    print(
        f"  the root of pymerkle's tree {'equals' if roots_agree else 'DIFFERS from'} our "
        f"checkpoint's (same RFC 9162 hashing); "
        f"{pm_verify['mismatches']} leaf mismatches; its proofs were cut after "
        f"{args.pymerkle_seconds:.0f} s a kind"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "phase":
        phase_main(sys.argv[2:])
    else:
        main()
