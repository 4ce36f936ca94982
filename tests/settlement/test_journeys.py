"""The whole trade through the HTTP API, as each party: the buyer orders and pays, the merchant
delivers by each mode (file, API gateway, privacy computing), the buyer uses the data and
accepts, the worker clears, the next working day's batch pays the merchant out (``settle``), and
the settlement operator reads it; then the other endings (cancellation, a dispute refunded in
full, acceptance when the window ends, the refund of an order never delivered). ``reconcile`` is
clean after each."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from exchange import clock
from exchange.ledger.reconcile import reconcile
from settlement import services
from settlement.models import Order, PayoutBatch
from tests.conftest import api_client_for
from tests.settlement.conftest import plan_of, settle_next_working_day
from tests.settlement.test_delivery_modes import dataset_csv, offer
from tests.settlement.test_disputes import evidence

pytestmark = pytest.mark.django_db


def order_and_pay(buyer, listing, key):
    placed = buyer.post(
        "/api/orders/",
        {
            "listing": listing.pk,
            "plan": plan_of(listing, "monthly").pk,
            "scenario": "financial_services",
        },
        format="json",
    )
    assert placed.status_code == 201, placed.content
    order = placed.json()
    paid = buyer.post(f"/api/orders/{order['id']}/pay/", HTTP_IDEMPOTENCY_KEY=key)
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    return order["id"]


def deliver(merchant, order_id, mode):
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = merchant.post(
        f"/api/orders/{order_id}/deliver/",
        {"file": SimpleUploadedFile("企业登记数据.csv", dataset_csv()), "mode": mode},
        format="multipart",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["mode"] == mode
    return answer.json()


def test_each_delivery_mode_from_order_to_payout(
    listed, funded_buyer, seller, settlement_operator, django_capture_on_commit_callbacks
):
    offer(listed, "file", "api", "privacy_computing")
    buyer, merchant = api_client_for(funded_buyer), api_client_for(seller)
    orders = {mode: order_and_pay(buyer, listed, f"pay-{mode}") for mode in ("file", "api")}
    orders["privacy_computing"] = order_and_pay(buyer, listed, "pay-privacy")
    assert reconcile().ok

    # file: a signed link, downloaded once
    delivered = deliver(merchant, orders["file"], "file")
    assert (
        merchant.get(f"/api/orders/{orders['file']}/deliveries/").json()[0]["download_url"] is None
    )
    link = buyer.get(f"/api/orders/{orders['file']}/deliveries/").json()[0]["download_url"]
    client = APIClient()
    client.force_login(funded_buyer)
    fetched = client.get(link)
    assert fetched.status_code == 200 and delivered["sha256"]
    # API: the buyer's key, the gateway's rows, the usage both sides read
    deliver(merchant, orders["api"], "api")
    key = buyer.post(f"/api/orders/{orders['api']}/gateway/key/").json()["key"]
    rows = APIClient().get(
        f"/gateway/orders/{orders['api']}/rows", {"limit": 10}, HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert rows.status_code == 200 and len(rows.json()["rows"]) == 10
    assert merchant.get(f"/api/orders/{orders['api']}/gateway/").json()["calls"] == 1
    # privacy computing: an aggregate answer, a refusal for rows
    deliver(merchant, orders["privacy_computing"], "privacy_computing")
    url = f"/api/orders/{orders['privacy_computing']}/queries/"
    assert (
        buyer.post(url, {"sql": "SELECT 企业编号 FROM dataset"}, format="json").status_code == 400
    )
    asked = buyer.post(url, {"sql": "SELECT 区, COUNT(*) FROM dataset GROUP BY 区"}, format="json")
    assert asked.status_code == 201 and asked.json()["result"]["suppressed_groups"] == 1
    assert reconcile().ok

    for order_id in orders.values():
        with django_capture_on_commit_callbacks(execute=True):  # the worker clears on commit
            accepted = buyer.post(f"/api/orders/{order_id}/accept/")
        assert accepted.status_code == 200
        assert buyer.get(f"/api/orders/{order_id}/").json()["status"] == "cleared"
    assert reconcile().ok

    # the next working day's batch, run as the command operators run
    day = clock.add_working_days(clock.today(), 1)
    from datetime import datetime

    from django.utils import timezone

    clock.set_simulated_time(at=timezone.make_aware(datetime.combine(day, datetime.min.time())))
    call_command("settle", date=day.isoformat(), verbosity=0)  # as outside tools call it
    batch = PayoutBatch.objects.get(business_date=day)
    assert batch.status == "settled"
    body = api_client_for(settlement_operator).get(f"/api/batches/{day.isoformat()}/").json()
    lines = {line["payee"]: Decimal(line["amount"]) for line in body["payouts"]}
    merchant_org = listed.product.merchant.organisation.name
    # three orders of ¥3,000: the merchant keeps each value less its 2.5% fee and the assessor's
    # 1%, plus the subsidies its side earns
    assert lines[merchant_org] >= Decimal("3") * Decimal("3000.00") * Decimal("0.965")
    for order_id in orders.values():
        assert buyer.get(f"/api/orders/{order_id}/").json()["status"] == "settled"
    assert reconcile().ok


def test_the_other_endings_each_leave_the_money_where_the_state_says(
    listed, funded_buyer, seller, arbitrator, settings, django_capture_on_commit_callbacks
):
    buyer, merchant = api_client_for(funded_buyer), api_client_for(seller)
    # cancelled after payment: the hold released
    cancelled = order_and_pay(buyer, listed, "pay-cancel")
    answer = buyer.post(f"/api/orders/{cancelled}/cancel/", {"reason": "需求变更"}, format="json")
    assert answer.json()["status"] == "cancelled"
    assert reconcile().ok
    # disputed and refunded in full by an arbitrator
    disputed = order_and_pay(buyer, listed, "pay-dispute")
    deliver(merchant, disputed, "file")
    opened = buyer.post(
        f"/api/orders/{disputed}/dispute/",
        {"reason": "数据与说明书不符", "evidence": evidence()},
        format="multipart",
    )
    assert opened.status_code == 201
    decided = api_client_for(arbitrator).post(
        f"/api/orders/{disputed}/decide/",
        {"outcome": "refund_in_full", "reason": "交付不符"},
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "refunded"
    assert reconcile().ok
    # accepted for the buyer when the window ends (beat)
    waited = order_and_pay(buyer, listed, "pay-wait")
    deliver(merchant, waited, "file")
    order = Order.objects.get(pk=waited)
    clock.set_simulated_time(at=services.acceptance_due_at(order) + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):  # the worker clears it on commit
        assert services.accept_due() == 1
    assert buyer.get(f"/api/orders/{waited}/").json()["status"] == "cleared"
    assert reconcile().ok
    # never delivered: refunded when the deadline passes (beat)
    forgotten = order_and_pay(buyer, listed, "pay-forgotten")
    clock.set_simulated_time(
        at=clock.now() + timedelta(days=settings.DELIVERY_DEADLINE_DAYS, minutes=1)
    )
    assert services.refund_undelivered() == 1
    assert buyer.get(f"/api/orders/{forgotten}/").json()["status"] == "refunded"
    assert reconcile().ok
    settle_next_working_day()
    assert buyer.get(f"/api/orders/{waited}/").json()["status"] == "settled"
    assert reconcile().ok
