"""Clearing and settlement with real processes on PostgreSQL and Redis: the worker clears an order
once its acceptance commits; a ``manage.py settle`` killed inside its batch (SIGKILL, between two
payouts) is run again and settles each order exactly once."""
# ruff: noqa: F811 (the fixtures are imported from the unit tests' modules and named as arguments)

import os
import signal
import subprocess
import sys
from datetime import datetime

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from exchange import clock
from exchange.ledger import services as ledger
from exchange.ledger.models import AccountPurpose, Transfer
from exchange.ledger.reconcile import reconcile
from exchange.money import Money
from settlement import clearing, deliveries, services
from settlement.models import BatchStatus, Order, PayoutBatch, PayoutLine
from settlement.states import OrderStatus
from tests.integration.conftest import ROOT, wait_for
from tests.listings.conftest import reviewers, seller  # noqa: F401  (fixtures)
from tests.listings.test_labels import listed  # noqa: F401  (fixture)
from tests.settlement.conftest import (  # noqa: F401  (fixtures)
    buyer_org,
    fund,
    no_buyer_fee,
    plan_of,
    purchaser,
    settlement_operator,
    verified,
    verifier,
)
from tests.settlement.test_orders import package

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def on_sale(request):
    """The listed product, its review pipeline run in-process: these tests are about the worker
    that clears and the process that settles, not the one that checks products."""
    from exchange.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        return request.getfixturevalue("listed")
    finally:
        app.conf.task_always_eager = saved


def accepted(listed, buyer, seller):
    version = listed.product.registered_version
    order = services.place_order(
        actor=buyer,
        listing=listed,
        plan=plan_of(listed, "monthly"),
        scenario=version.scenarios.first(),
    )
    services.pay_order(order, actor=buyer, key=f"pay-{order.pk}", respond=lambda o: {})
    deliveries.deliver(order, actor=seller, upload=package())
    services.accept_order(order, actor=buyer)  # the clearing task leaves on commit
    return order


def status_of(order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def test_the_worker_clears_an_order_after_its_acceptance_commits(
    celery_worker, on_sale, verified, purchaser, settlement_operator, seller
):
    fund(purchaser, "20000.00", settlement_operator)
    order = accepted(on_sale, purchaser, seller)
    wait_for(lambda: status_of(order) == OrderStatus.CLEARED, what="the worker to clear the order")
    assert order.lines.count() >= 3 and reconcile().ok


def settle_process(db_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exchange.settings.test",
        "DATABASE_URL": db_url,
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "settle"], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def test_a_batch_killed_between_payouts_is_finished_by_the_next_run(
    worker_database, on_sale, verified, purchaser, settlement_operator, seller
):
    fund(purchaser, "20000.00", settlement_operator)
    order = accepted(on_sale, purchaser, seller)
    clearing.clear_order(order)
    payable = ledger.account_for(
        order.lines.get(kind="assessor_fee").party, AccountPurpose.SERVICE_FEES_PAYABLE
    )
    day = clock.add_working_days(clock.today(), 1)
    clock.set_simulated_time(at=timezone.make_aware(datetime.combine(day, datetime.min.time())))
    # Another session holds the assessor's account: the batch pays the merchant, then waits.
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"] or "postgres",
        dbname=db["NAME"], autocommit=False,
    ) as blocker:  # fmt: skip
        blocker.execute("SELECT id FROM ledger_account WHERE id = %s FOR UPDATE", [payable.pk])
        first = settle_process(worker_database)
        wait_for(lambda: PayoutLine.objects.count() == 1, what="the first payout")
        assert first.poll() is None, first.stdout.read()
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        blocker.rollback()
    batch = PayoutBatch.objects.get()
    assert batch.status == BatchStatus.OPEN and status_of(order) == OrderStatus.CLEARED
    assert reconcile().ok  # what was paid is out of the payout account; the rest still waits
    second = settle_process(worker_database)
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0, out
    assert (
        out.strip().splitlines()[-1].startswith(f"settled: {day.isoformat()}, orders 1, payouts 2")
    )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SETTLED and batch.certificate is not None
    assert status_of(order) == OrderStatus.SETTLED
    assert Transfer.objects.filter(code="payout").count() == 2
    assert order.events.filter(kind="settle").count() == 1
    paid = sum((line.money for line in batch.lines.all()), Money.zero())
    assert paid == batch.total and reconcile().ok
