"""/api/orders/ as the issue names it: the catalogue's plans, placing an order, paying it with an
Idempotency-Key (replays answer the same, another key 409, none 400, too little money 409), and
50 concurrent payments on PostgreSQL through the HTTP API."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from exchange.ledger import services as ledger
from exchange.ledger.models import AccountPurpose, Transfer
from exchange.ledger.reconcile import reconcile
from exchange.money import Money
from settlement.models import Order
from tests.settlement.conftest import plan_of


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def place(client, listing, kind="monthly"):
    plan = plan_of(listing, kind)
    return client.post(
        "/api/orders/",
        {"listing": listing.pk, "plan": plan.pk, "scenario": "financial_services"},
        format="json",
    )


@pytest.mark.django_db
def test_the_catalogue_entry_lists_its_plans(listed):
    body = APIClient().get(f"/api/catalog/{listed.pk}/").json()
    plans = {plan["kind"]: plan for plan in body["plans"]}
    assert plans["monthly"]["price_amount"] == "3000.0000" and plans["monthly"]["currency"] == "CNY"
    assert plans["monthly"]["id"] == plan_of(listed, "monthly").pk


@pytest.mark.django_db
def test_an_order_is_placed_and_paid_once_whatever_the_retries(listed, funded_buyer):
    client = client_for(funded_buyer)
    placed = place(client, listed)
    assert placed.status_code == 201, placed.json()
    order = placed.json()
    assert order["status"] == "contract_signed" and order["total"] == "3000.00"
    assert order["certificate"].startswith("TX-")
    assert "pay" in order["actions"]

    missing = client.post(f"/api/orders/{order['id']}/pay/")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "Idempotency-Key"

    paid = client.post(f"/api/orders/{order['id']}/pay/", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    replay = client.post(f"/api/orders/{order['id']}/pay/", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert (replay.status_code, replay.json()) == (paid.status_code, paid.json())
    other = client.post(f"/api/orders/{order['id']}/pay/", HTTP_IDEMPOTENCY_KEY="pay-2")
    assert other.status_code == 409 and other.json()["code"] == "already_paid"
    assert client.get(f"/api/orders/{order['id']}/").json()["status"] == "paid"
    assert Transfer.objects.filter(code="order_payment").count() == 1


@pytest.mark.django_db
def test_too_little_money_is_a_clear_refusal(listed, verified, purchaser):
    client = client_for(purchaser)
    order = place(client, listed).json()
    refused = client.post(f"/api/orders/{order['id']}/pay/", HTTP_IDEMPOTENCY_KEY="pay")
    assert refused.status_code == 409
    assert refused.json()["code"] == "insufficient_funds"
    assert client.get(f"/api/orders/{order['id']}/").json()["status"] == "contract_signed"


@pytest.mark.django_db
def test_bad_input_names_the_field(listed, funded_buyer):
    client = client_for(funded_buyer)
    plan = plan_of(listed, "monthly")
    for body, field in (
        ({"plan": plan.pk, "scenario": "financial_services"}, "listing"),
        ({"listing": listed.pk, "plan": 999_999, "scenario": "financial_services"}, "plan"),
        ({"listing": listed.pk, "plan": plan.pk, "scenario": "nowhere"}, "scenario"),
        ({"listing": listed.pk, "plan": plan.pk, "scenario": "healthcare"}, "scenario"),
    ):
        answer = client.post("/api/orders/", body, format="json")
        assert answer.status_code == 400, (body, answer.json())
        assert answer.json()["errors"][0]["field"] == field
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_orders_are_seen_by_their_parties_only(listed, funded_buyer, seller, other_applicant):
    order = place(client_for(funded_buyer), listed).json()
    assert client_for(seller).get(f"/api/orders/{order['id']}/").status_code == 200
    assert client_for(other_applicant).get(f"/api/orders/{order['id']}/").status_code == 404
    assert APIClient().get(f"/api/orders/{order['id']}/").status_code in (401, 403)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_concurrent_payments_move_the_money_once(listed, funded_buyer):
    order = place(client_for(funded_buyer), listed).json()
    barrier = threading.Barrier(50)
    answers = [None] * 50

    def pay(number):
        try:
            barrier.wait(timeout=30)
            answer = client_for(funded_buyer).post(
                f"/api/orders/{order['id']}/pay/", HTTP_IDEMPOTENCY_KEY=f"racer-{number}"
            )
            answers[number] = answer.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(answers) == [200] + [409] * 49
    assert Transfer.objects.filter(code="order_payment").count() == 1
    available = ledger.account_for(funded_buyer.organisation, AccountPurpose.AVAILABLE)
    assert ledger.balances_of(available).available == Money("7000.00")
    assert reconcile().ok
