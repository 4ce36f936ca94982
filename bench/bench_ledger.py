"""Benchmark: the ledger on PostgreSQL, next to django-hordak and a raw-SQL floor, in one run.

    .venv/bin/pip install -r bench/requirements.txt   # django-hordak 2.0.0, for this benchmark only
    .venv/bin/python bench/bench_ledger.py            # --quick for a short run

On a throw-away PostgreSQL database (both ledgers' tables, migrated before timing), it measures:

1. our posted transfers, one per commit (``ledger.transfer``: the idempotency lookup, the account
   locks, the balances, the insert and the database's check of it);
2. our linked batches of cleared payments, 1,000 transfers a commit (``ledger.transfer_linked``:
   each payment moves escrow to the merchant, the fee to the exchange and a subsidy from the fund);
3. django-hordak recording balanced transfers (``Account.transfer_to``), one commit each;
4. the floor: a raw-SQL two-row journal insert per transfer (one debit leg, one credit leg, no
   check at all), one per commit and 1,000 a commit, through the same driver;
5. balance reads once the ledger holds ``--history`` transfers (1,000,000 by default): an
   account with a short history against the account every transfer touched.

The first four run in rounds, interleaved in a rotating order with a CHECKPOINT before each, and
each rate is the total over the rounds: a checkpoint or a burst of other work slows all of them
alike rather than one.

Targets (issue 9): one per commit at least hordak's rate; batches at least 10× hordak's committed
rate and within 2× of the raw floor's batched rate; balance reads O(1) (the same at any history).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BATCH = 1_000
WARMUP = 30  # untimed operations before each timed phase
# Per round; the rounds interleave the contenders (in a rotating order, each after a CHECKPOINT),
# so that none of them meets more of the machine's and the database's slow moments than another.
QUICK = {"rounds": 2, "single": 200, "batches": 3, "history": 20_000}
FULL = {"rounds": 5, "single": 600, "batches": 8, "history": 1_000_000}


# --- phases: each runs in a fresh process ---------------------------------------------------------


def setup_django() -> None:
    import django

    django.setup()


def world():
    """The accounts every phase uses: a buyer's escrow, merchants, the fee and subsidy accounts."""
    from exchange.accounts.models import Organisation
    from exchange.ledger import services as ledger
    from exchange.money import Money

    buyer, _ = Organisation.objects.get_or_create(name="基准测试采购有限公司", kind="buyer")
    merchants = [
        Organisation.objects.get_or_create(name=f"基准测试数商{n}有限公司", kind="merchant")[0]
        for n in range(10)
    ]
    bank = ledger.account_for(None, "bank")
    escrow = ledger.account_for(buyer, "escrow")
    available = ledger.account_for(buyer, "available")
    fund = ledger.account_for(None, "subsidy_fund")
    fees = ledger.account_for(None, "fee_income")
    payees = [ledger.account_for(m, "available") for m in merchants]
    ledger.transfer(
        ledger.Move(
            key="bench-fund-buyer",
            debit=bank,
            credit=available,
            amount=Money("900000000.00"),
            code="deposit",
        )
    )
    ledger.transfer(
        ledger.Move(
            key="bench-fund-escrow",
            debit=bank,
            credit=escrow,
            amount=Money("900000000.00"),
            code="deposit",
        )
    )
    ledger.transfer(
        ledger.Move(
            key="bench-fund-subsidy",
            debit=bank,
            credit=fund,
            amount=Money("900000000.00"),
            code="deposit",
        )
    )
    return {"available": available, "escrow": escrow, "fund": fund, "fees": fees, "payees": payees}


def phase_migrate(args) -> dict:
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    world()
    return {}


def timed(operation, count: int, warmup: int) -> float:
    """Seconds for ``operation(0..count-1)``, after ``warmup`` untimed calls (negative numbers):
    every contender's first queries, plans and imports are paid before its clock starts."""
    for number in range(-warmup, 0):
        operation(number)
    started = time.perf_counter()
    for number in range(count):
        operation(number)
    return time.perf_counter() - started


def phase_single(args) -> dict:
    setup_django()
    from exchange.ledger import services as ledger
    from exchange.money import Money

    accounts = world()
    amount = Money("12.34")

    def one(number):
        ledger.transfer(
            ledger.Move(
                key=f"single-{args.tag}-{number}",
                debit=accounts["available"],
                credit=accounts["payees"][number % 10],
                amount=amount,
                code="payment",
            )
        )

    return {"seconds": timed(one, args.count, WARMUP), "count": args.count}


def cleared_payments(accounts, batch: int, tag: str):
    """About ``BATCH`` transfers: payments of three legs each (merchant, fee, subsidy)."""
    from exchange.ledger import services as ledger
    from exchange.money import Money

    moves = []
    price, fee, subsidy = Money("1000.00"), Money("25.00"), Money("10.00")
    payment = 0
    while len(moves) < BATCH:
        payee = accounts["payees"][payment % 10]
        key = f"batch-{tag}-{batch}-{payment}"
        moves += [
            ledger.Move(
                key=f"{key}-m",
                debit=accounts["escrow"],
                credit=payee,
                amount=price - fee,
                code="payment",
            ),
            ledger.Move(
                key=f"{key}-f",
                debit=accounts["escrow"],
                credit=accounts["fees"],
                amount=fee,
                code="fee",
            ),
            ledger.Move(
                key=f"{key}-s", debit=accounts["fund"], credit=payee, amount=subsidy, code="subsidy"
            ),
        ]
        payment += 1
    return moves[:BATCH]


def phase_batches(args) -> dict:
    setup_django()
    from exchange.ledger import services as ledger

    accounts = world()
    batches = {n: cleared_payments(accounts, n, args.tag) for n in range(-1, args.count)}
    seconds = timed(lambda number: ledger.transfer_linked(batches[number]), args.count, 1)
    return {"seconds": seconds, "count": args.count * BATCH}


def phase_hordak(args) -> dict:
    setup_django()
    from django.db import transaction
    from djmoney.money import Money as HordakMoney
    from hordak.models import Account, AccountType

    source, _ = Account.objects.get_or_create(
        name="bench escrow", defaults={"type": AccountType.liability, "currencies": ["CNY"]}
    )
    targets = [
        Account.objects.get_or_create(
            name=f"bench merchant {n}",
            defaults={"type": AccountType.liability, "currencies": ["CNY"]},
        )[0]
        for n in range(10)
    ]
    amount = HordakMoney("12.34", "CNY")

    def one(number):
        with transaction.atomic():
            targets[number % 10].transfer_to(source, amount)

    return {"seconds": timed(one, args.count, WARMUP), "count": args.count}


def phase_floor(args) -> dict:
    """Two journal rows per transfer, plain INSERTs: what any ledger must at least write; one
    transfer a commit, or ``BATCH`` a commit with ``--batched``."""
    setup_django()
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_journal (id bigserial PRIMARY KEY, "
            "entry bigint NOT NULL, account bigint NOT NULL, amount bigint NOT NULL)"
        )

    def one(number):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_journal (entry, account, amount) VALUES (%s, 1, -1234), "
                "(%s, 2, 1234)",
                [number, number],
            )

    def batch(batch):
        rows = []
        for number in range(batch * BATCH, (batch + 1) * BATCH):
            rows += [(number, 1, -1234), (number, 2, 1234)]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO bench_journal (entry, account, amount) VALUES (%s, %s, %s)", rows
            )

    if args.batched:
        return {"seconds": timed(batch, args.count // BATCH, 1), "count": args.count}
    return {"seconds": timed(one, args.count, WARMUP), "count": args.count}


def phase_history(args) -> dict:
    """Grow the ledger to ``--count`` transfers, then time balance reads."""
    setup_django()
    from django.db import connection

    from exchange.ledger import services as ledger
    from exchange.ledger.models import Transfer

    accounts = world()
    have = Transfer.objects.count()
    batch = 0
    started = time.perf_counter()
    while have < args.count:
        ledger.transfer_linked(cleared_payments(accounts, batch, "history"))
        have += BATCH
        batch += 1
        if args.progress and batch % 50 == 0:
            elapsed = time.perf_counter() - started
            print(
                f"    history: {have:,}/{args.count:,} transfers ({have / elapsed:,.0f}/s)",
                flush=True,
            )
    connection.close()

    def timings(account, reads=300) -> list[float]:
        samples = []
        for _ in range(reads):
            began = time.perf_counter()
            ledger.balances_of(account)
            samples.append((time.perf_counter() - began) * 1000)
        return samples

    busy, quiet = accounts["escrow"], accounts["fees"]
    from exchange.ledger.models import Account

    fresh = ledger.account_for(Account.objects.first().owner, "payouts_in_transit")
    touched = Transfer.objects.filter(debit_account=busy).count()
    return {
        "transfers": Transfer.objects.count(),
        "busy_history": touched,
        "busy_ms": statistics.median(timings(busy)),
        "fresh_ms": statistics.median(timings(fresh)),
        "quiet_ms": statistics.median(timings(quiet)),
    }


CONTENDERS = ["single", "hordak", "floor_single", "batches", "floor_batched"]
PHASES = {
    "migrate": phase_migrate,
    "single": phase_single,
    "batches": phase_batches,
    "hordak": phase_hordak,
    "floor": phase_floor,
    "history": phase_history,
}


def phase_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=PHASES)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--batched", action="store_true")
    parser.add_argument("--tag", default="")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    args.result.write_text(json.dumps(PHASES[args.name](args)))


def run(folder: Path, database: str, name: str, **options) -> dict:
    result = folder / f"{name}-{options.get('tag', '')}.json"
    command = [sys.executable, __file__, "phase", name, "--result", str(result)]
    for key, value in options.items():
        flag = f"--{key.replace('_', '-')}"
        if value is True:
            command.append(flag)
        elif value not in (False, None, ""):
            command += [flag, str(value)]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings_hordak",
        "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}",
        "DATABASE_URL": database,
        "DJANGO_DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    environment.pop("CELERY_BROKER_URL", None)
    subprocess.run(command, cwd=ROOT, env=environment, check=True)
    return json.loads(result.read_text())


def rate(result: dict) -> float:
    return result["count"] / result["seconds"]


def met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (minutes → seconds)")
    parser.add_argument("--history", type=int, help="transfers in the ledger for the reads")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    try:
        import hordak  # noqa: F401
    except ImportError:
        sys.exit(
            "bench_ledger.py compares the ledger with django-hordak, which the project does not "
            "install:\n    .venv/bin/pip install -r bench/requirements.txt"
        )
    from throwaway import create_database, drop_database

    sizes = dict(QUICK if args.quick else FULL)
    if args.history:
        sizes["history"] = args.history
    name = create_database(args.postgres)
    database = f"{args.postgres}/{name}"
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ledger-") as folder:
            folder = Path(folder)
            print(f"PostgreSQL database {name}: migrating (the ledger and hordak)...", flush=True)
            run(folder, database, "migrate")
            totals = {name: {"seconds": 0.0, "count": 0} for name in CONTENDERS}
            for number in range(sizes["rounds"]):
                order = (
                    CONTENDERS[number % len(CONTENDERS) :] + CONTENDERS[: number % len(CONTENDERS)]
                )
                print(f"round {number + 1}/{sizes['rounds']}: {', '.join(order)}", flush=True)
                for contender in order:
                    checkpoint(database)
                    count = {"batches": sizes["batches"], "floor_batched": sizes["batches"] * BATCH}
                    count = count.get(contender, sizes["single"])
                    phase = "floor" if contender.startswith("floor") else contender
                    options = {"count": count, "tag": f"r{number}"}
                    if phase == "floor":
                        options["batched"] = contender == "floor_batched"
                    result = run(folder, database, phase, **options)
                    totals[contender]["seconds"] += result["seconds"]
                    totals[contender]["count"] += result["count"]
            print(f"(5) balance reads with {sizes['history']:,} transfers...", flush=True)
            history = run(
                folder, database, "history", count=sizes["history"], tag="a", progress=True
            )
    finally:
        drop_database(args.postgres, name)
    report(totals, history)


def checkpoint(database: str) -> None:
    """Write out what the previous phase left dirty before the next is timed."""
    import psycopg

    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute("CHECKPOINT")


def report(totals: dict, history: dict) -> None:
    ours_one, ours_batch, theirs = (rate(totals[name]) for name in ("single", "batches", "hordak"))
    floor_one, floor_batch = rate(totals["floor_single"]), rate(totals["floor_batched"])
    rows = [
        (
            "ours, one transfer a commit",
            ours_one,
            f"{ours_one / theirs:.2f}× hordak",
            f"≥ hordak: {met(ours_one >= theirs)}",
        ),
        (
            "ours, batches of 1,000 (cleared payments)",
            ours_batch,
            f"{ours_batch / theirs:.1f}× hordak, {floor_batch / ours_batch:.2f}× below the floor",
            f"≥10× hordak: {met(ours_batch >= 10 * theirs)}; within 2× of the floor: "
            f"{met(ours_batch * 2 >= floor_batch)}",
        ),
        ("django-hordak 2.0.0, one balanced transfer a commit", theirs, "", ""),
        (
            "floor: raw two-row journal insert, one a commit",
            floor_one,
            f"ours {ours_one / floor_one:.2f}×",
            "",
        ),
        (
            "floor: raw two-row journal insert, 1,000 a commit",
            floor_batch,
            f"ours {ours_batch / floor_batch:.2f}×",
            "",
        ),
    ]
    print("\nledger on PostgreSQL; transfers per second (each a debit and a credit)")
    for label, value, compared, target in rows:
        print(f"  {label:52} {value:>10,.0f}/s  {compared:42} {target}")
    ratio = history["busy_ms"] / history["fresh_ms"]
    print(
        f"\nbalance reads with {history['transfers']:,} transfers in the ledger (median of 300): "
        f"an account touched by {history['busy_history']:,} of them {history['busy_ms']:.3f} ms, "
        f"a fresh account {history['fresh_ms']:.3f} ms, the fee account "
        f"{history['quiet_ms']:.3f} ms: {ratio:.2f}× (O(1): within 2×: {met(ratio <= 2)})"
    )
    print(
        f"\nheadline: one a commit {ours_one:,.0f}/s vs hordak {theirs:,.0f}/s "
        f"({ours_one / theirs:.2f}×); batches {ours_batch:,.0f}/s = {ours_batch / theirs:.1f}× "
        f"hordak and {ours_batch / floor_batch:.2f}× the raw floor ({floor_batch:,.0f}/s)"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "phase":
        phase_main(sys.argv[2:])
    else:
        main()
