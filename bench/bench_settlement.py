"""Benchmark: orders through the real services on PostgreSQL, next to django-hordak and a raw floor.

    .venv/bin/pip install -r bench/requirements.txt   # django-hordak, for the comparison only
    .venv/bin/python bench/bench_settlement.py        # --orders N (default 100,000); --quick

On a throw-away PostgreSQL database it measures, in one run:

1. a whole order's path through the services the pages and the API call: place (the contract
   registered in the certificate log), pay (the escrow hold), deliver (a file package checked and
   stored), accept, and clear (the hold posted with its fees and subsidies in one linked chain):
   a. one order at a time (``--single``, default 1,000), each step its own transaction, as a
      buyer clicking through the pages;
   b. ``--orders`` orders through the batch paths (``place_orders``, ``pay_orders``,
      ``deliver_orders``, ``accept_orders``, ``clear_orders``), ``--batch`` orders per
      transaction: the same rules, fees, ledger transfers and log entries, each step one
      transaction for the batch (as the simulation and a bulk buyer's API client drive them);
2. the T+1 settlement batch of all those orders (``clearing.settle``): orders settled per second;
3. django-hordak recording one bare balanced transfer per commit, and the raw-SQL floor (a
   two-row journal insert per commit), with bench_ledger.py's phases, in the same database.

Targets (issue 10): a whole order's path faster per order than hordak records one bare committed
transfer (the batch path's orders/s against hordak's transfers/s); settlement batches at least
10× hordak's committed transfer rate.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

QUICK = {"orders": 2_000, "single": 200, "transfers": 300}
FULL = {"orders": 100_000, "single": 1_000, "transfers": 2_000}
BATCH = 1_000


def phase_orders(args) -> dict:
    """The world through the services, then ``--count`` orders, then their settlement."""
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.utils import timezone

    from exchange import clock
    from exchange.accounts.roles import OrganisationKind, Role
    from exchange.ledger import bank
    from exchange.money import Money
    from listings import services as listings
    from listings.models import Board
    from merchants.states import MerchantStatus
    from settlement import clearing, deliveries, services
    from tests.factories import (
        create_version,
        credit_code,
        make_organisation,
        make_user,
        merchant_in,
    )
    from tests.listings.conftest import passing_checklist, register

    call_command("migrate", verbosity=0)  # the project's and hordak's tables
    exchange_org = make_organisation(kind=OrganisationKind.EXCHANGE, name="基准测试交易所")
    seller = make_user(role=Role.MERCHANT_ADMIN, username="bench_seller")
    operator = make_user(role=Role.OPERATOR, organisation=exchange_org, username="bench_op")
    merchant_in(MerchantStatus.ACTIVE, applicant=seller, operator=operator)
    assessor = make_organisation(kind=OrganisationKind.SERVICE_PROVIDER, name="基准律师事务所")
    senior = make_user(role=Role.COMPLIANCE_REVIEWER, organisation=exchange_org)
    senior.is_senior_reviewer = True
    senior.save(update_fields=["is_senior_reviewer"])
    reviewers = {
        "compliance": make_user(role=Role.COMPLIANCE_REVIEWER, organisation=assessor),
        "senior": senior,
        "quality": make_user(role=Role.QUALITY_REVIEWER, organisation=exchange_org),
        "registration": make_user(role=Role.OPERATOR, organisation=exchange_org),
        "committee": make_user(role=Role.LISTING_COMMITTEE, organisation=exchange_org),
    }
    version = register(create_version(seller), seller, reviewers)
    listing = listings.apply_for_listing(
        product=version.product, actor=seller, boards=[Board.objects.get(code="credit")]
    )
    listings.claim_listing(listing=listing, actor=reviewers["committee"])
    listings.decide_listing_review(
        listing=listing,
        actor=reviewers["committee"],
        decision="approve",
        checklist={
            **passing_checklist("listing"),
            "pricing": {"result": "pass", "comment": "合理"},
        },
    )
    buyer_org = make_organisation(kind=OrganisationKind.BUYER, name="基准采购有限公司")
    buyer = make_user(role=Role.BUYER, organisation=buyer_org, username="bench_buyer")
    application = services.apply_as_buyer(
        actor=buyer, company_name=buyer_org.name, credit_code=credit_code(3)
    )
    services.decide_buyer(application, "verify", actor=operator)
    settler = make_user(role=Role.SETTLEMENT_OPERATOR, organisation=exchange_org)
    deposit = bank.request_deposit(
        actor=buyer,
        organisation=buyer_org,
        amount=Money(str(3100 * (args.count + args.single + 10))),
        key="bench",
    )
    if bank.request_of(deposit).is_open:
        bank.confirm(actor=settler, hold=deposit)
    clearing.fund_subsidies(amount=Money("100000000.00"), key="bench-grant")
    plan = listing.plans.get(kind="monthly")
    scenario = version.scenarios.first()
    package = "统一社会信用代码,企业名称\n91310115MA1K00000A,测试公司\n".encode()

    def one(number: int) -> None:
        order = services.place_order(actor=buyer, listing=listing, plan=plan, scenario=scenario)
        services.pay_order(order, actor=buyer, key=f"pay-{number}", respond=lambda paid: {})
        deliveries.deliver(order, actor=seller, upload=ContentFile(package, name="data.csv"))
        services.accept_order(order, actor=buyer)  # clearing runs once this commits (eager)

    def many(first: int, count: int) -> None:
        request = services.OrderRequest(buyer, listing, plan, scenario)
        orders = services.place_orders([request] * count)
        services.pay_orders(
            [
                services.PaymentRequest(order, buyer, f"pay-{first + number}")
                for number, order in enumerate(orders)
            ],
            respond=lambda paid: {},
        )
        deliveries.deliver_orders(
            orders, actor=seller, upload=ContentFile(package, name="data.csv")
        )
        services.accept_orders([(order, buyer) for order in orders])  # clear_orders on commit

    def timed(label: str, total: int, step, size: int) -> float:
        started, done = time.perf_counter(), 0
        while done < total:
            step(done, min(size, total - done))
            done += min(size, total - done)
            if args.progress and (done % max(size, total // 10) == 0 or done == total):
                rate = done / (time.perf_counter() - started)
                print(f"  {label}: {done:,} orders, {rate:,.0f}/s", flush=True)
        return time.perf_counter() - started

    for number in range(-5, 0):  # warm-up: imports, plans, first queries
        one(number)
    many(-1_000_000, 5)
    single = timed("one at a time", args.single, lambda first, _n: one(first), 1)
    batched = timed(
        "batch paths", args.count, lambda first, n: many(args.single + first, n), args.batch
    )
    day = clock.add_working_days(clock.today(), 1)
    clock.set_simulated_time(at=timezone.make_aware(datetime.combine(day, datetime.min.time())))
    started = time.perf_counter()
    batch = clearing.settle()
    settling = time.perf_counter() - started
    settled = batch.orders.count()
    assert settled == args.count + args.single + 10, (settled, args.count)
    from exchange.ledger.reconcile import reconcile

    report = reconcile()
    assert report.ok, report.problems[:3]
    return {
        "single": args.single,
        "single_seconds": single,
        "count": args.count,
        "seconds": batched,
        "batch": args.batch,
        "settled": settled,
        "settle_seconds": settling,
        "reconciled": report.summary(),
    }


def phase_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=["orders"])
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--single", type=int, default=0)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--tag", default="")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    args.result.write_text(json.dumps(phase_orders(args)))


def run_orders(folder: Path, database: str, sizes: dict, media: Path) -> dict:
    result = folder / "orders.json"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings_hordak",
        "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}",
        "DATABASE_URL": database,
        "DJANGO_DEBUG": "false",
        "PRIVATE_MEDIA_ROOT": str(media),
        "PYTHONUNBUFFERED": "1",
    }
    environment.pop("CELERY_BROKER_URL", None)
    command = [sys.executable, __file__, "phase", "orders", "--result", str(result)]
    command += ["--count", str(sizes["orders"]), "--single", str(sizes["single"])]
    command += ["--batch", str(sizes["batch"]), "--progress"]
    subprocess.run(command, cwd=ROOT, env=environment, check=True)
    return json.loads(result.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (seconds)")
    parser.add_argument("--orders", type=int, help="orders through the batch paths")
    parser.add_argument("--single", type=int, help="orders one at a time")
    parser.add_argument("--batch", type=int, default=BATCH, help="orders per batch transaction")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    try:
        import hordak
    except ImportError:
        sys.exit(
            "bench_settlement.py compares with django-hordak, which the project does not "
            "install:\n    .venv/bin/pip install -r bench/requirements.txt"
        )
    import bench_ledger
    from throwaway import create_database, drop_database

    sizes = dict(QUICK if args.quick else FULL)
    for name in ("orders", "single"):
        if getattr(args, name) is not None:
            sizes[name] = getattr(args, name)
    sizes["batch"] = args.batch
    name = create_database(args.postgres)
    database = f"{args.postgres}/{name}"
    try:
        with tempfile.TemporaryDirectory(prefix="bench-settlement-") as folder:
            folder = Path(folder)
            print(f"PostgreSQL database {name}: migrating, then", flush=True)
            print(
                f"(1, 2) {sizes['single']:,} orders one at a time and {sizes['orders']:,} through "
                f"the batch paths ({sizes['batch']:,} a transaction), then settled..."
            )
            ours = run_orders(folder, database, sizes, folder / "media")
            print(f"(3) hordak and the floor, {sizes['transfers']:,} transfers each...")
            bench_ledger.checkpoint(database)
            hordak = bench_ledger.run(folder, database, "hordak", count=sizes["transfers"], tag="s")
            bench_ledger.checkpoint(database)
            floor = bench_ledger.run(folder, database, "floor", count=sizes["transfers"], tag="s")
    finally:
        drop_database(args.postgres, name)
    single = ours["single"] / ours["single_seconds"] if ours["single"] else 0.0
    orders = ours["count"] / ours["seconds"]
    settled = ours["settled"] / ours["settle_seconds"]
    hordak_rate = bench_ledger.rate(hordak)
    floor_rate = bench_ledger.rate(floor)
    print()
    print("a whole order: place, pay, deliver, accept, clear")
    print(f"  one at a time                          {single:10,.1f} orders/s   "
          f"{ours['single']:,} in {ours['single_seconds']:.1f} s")  # fmt: skip
    print(f"  batch paths, {ours['batch']:,} per transaction     {orders:10,.1f} orders/s   "
          f"{ours['count']:,} in {ours['seconds']:.1f} s")  # fmt: skip
    print(f"settlement batch                         {settled:10,.1f} orders/s   "
          f"{ours['settled']:,} in {ours['settle_seconds']:.2f} s")  # fmt: skip
    print(f"hordak, one bare transfer per commit     {hordak_rate:10,.1f}/s")
    print(f"raw SQL floor, two rows per commit       {floor_rate:10,.1f}/s")
    print(f"{ours['reconciled']}")
    print()
    print(f"a whole order (batch paths) vs one hordak transfer: {orders / hordak_rate:.2f}× "
          f"(target ≥ 1×: {bench_ledger.met(orders >= hordak_rate)}); "
          f"one at a time: {single / hordak_rate:.2f}×")  # fmt: skip
    print(f"settlement vs hordak: {settled / hordak_rate:.1f}× "
          f"(target ≥ 10×: {bench_ledger.met(settled >= 10 * hordak_rate)})")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "phase":
        phase_main(sys.argv[2:])
    else:
        main()
