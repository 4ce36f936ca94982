"""/api/ledger/: deposits and withdrawals with Idempotency-Key, scoped reading, reconciliation."""

import pytest

from exchange.accounts.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def treasurer(buyer):
    return make_user(role=Role.BUYER, organisation=buyer, username="treasurer")


@pytest.fixture
def settlement(exchange_org):
    return make_user(role=Role.SETTLEMENT_OPERATOR, organisation=exchange_org, username="settle")


def deposit(api, user, amount="1000.00", key="dep-1"):
    return api(user).post(
        "/api/ledger/deposits/", {"amount": amount}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_a_deposit_is_requested_confirmed_and_shows_in_the_balance(api, treasurer, settlement):
    asked = deposit(api, treasurer)
    assert asked.status_code == 201, asked.content
    assert asked.json()["state"] == "requested"
    assert asked.json()["amount"] == "1000.00"
    again = deposit(api, treasurer)
    assert (again.status_code, again.json()["id"]) == (201, asked.json()["id"])
    accounts = api(treasurer).get("/api/ledger/accounts/").json()["results"]
    assert [(a["purpose"], a["available"], a["held"]) for a in accounts] == [
        ("available", "0.00", "0.00")
    ]
    confirmed = api(settlement).post(f"/api/ledger/deposits/{asked.json()['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["state"] == "confirmed"
    assert confirmed.json()["decision"]["kind"] == "post"
    account = api(treasurer).get(f"/api/ledger/accounts/{accounts[0]['id']}/").json()
    assert account["available"] == "1000.00"
    again = api(settlement).post(f"/api/ledger/deposits/{asked.json()['id']}/confirm/")
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")
    lines = api(treasurer).get(f"/api/ledger/accounts/{accounts[0]['id']}/statement/").json()
    assert [(line["credit"], line["balance"]) for line in lines["results"]] == [
        ("1000.00", "1000.00"),
        (None, "0.00"),
    ]


def test_a_deposit_needs_an_idempotency_key_and_a_positive_amount(api, treasurer):
    missing = api(treasurer).post("/api/ledger/deposits/", {"amount": "1.00"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "Idempotency-Key"
    for amount in ("0", "-5", "1.001", "abc"):
        refused = deposit(api, treasurer, amount=amount, key=f"k-{amount}")
        assert refused.status_code == 400, (amount, refused.content)
        assert refused.json()["errors"][0]["field"] == "amount"
    conflict = deposit(api, treasurer, amount="2.00", key="same")
    assert conflict.status_code == 201
    conflict = deposit(api, treasurer, amount="3.00", key="same")
    assert (conflict.status_code, conflict.json()["code"]) == (409, "idempotency_conflict")


def test_a_withdrawal_is_refused_past_what_is_available(api, treasurer, settlement):
    asked = deposit(api, treasurer, amount="100.00")
    api(settlement).post(f"/api/ledger/deposits/{asked.json()['id']}/confirm/")
    too_much = api(treasurer).post(
        "/api/ledger/withdrawals/", {"amount": "100.01"}, format="json", HTTP_IDEMPOTENCY_KEY="w1"
    )
    assert (too_much.status_code, too_much.json()["code"]) == (409, "insufficient_funds")
    ok = api(treasurer).post(
        "/api/ledger/withdrawals/", {"amount": "60.00"}, format="json", HTTP_IDEMPOTENCY_KEY="w2"
    )
    assert ok.status_code == 201
    accounts = api(treasurer).get("/api/ledger/accounts/").json()["results"]
    assert (accounts[0]["available"], accounts[0]["held"]) == ("40.00", "60.00")


def test_only_settlement_operators_decide(api, treasurer, operator):
    asked = deposit(api, treasurer)
    refused = api(treasurer).post(f"/api/ledger/deposits/{asked.json()['id']}/confirm/")
    assert refused.status_code == 403
    assert (
        api(operator).post(f"/api/ledger/deposits/{asked.json()['id']}/confirm/").status_code == 404
    )


def test_an_organisation_sees_only_its_own_money(api, treasurer, applicant, auditor, settlement):
    asked = deposit(api, treasurer)
    account_id = api(treasurer).get("/api/ledger/accounts/").json()["results"][0]["id"]
    assert api(applicant).get("/api/ledger/accounts/").json()["results"] == []
    assert api(applicant).get(f"/api/ledger/accounts/{account_id}/").status_code == 404
    assert api(applicant).get(f"/api/ledger/deposits/{asked.json()['id']}/").status_code == 404
    assert api(applicant).get("/api/ledger/transfers/").json()["results"] == []
    assert api(auditor).get(f"/api/ledger/accounts/{account_id}/").status_code == 200
    assert len(api(settlement).get("/api/ledger/transfers/").json()["results"]) == 1
    assert api(None).get("/api/ledger/accounts/").status_code in (401, 403)


def test_reconciliation_is_for_settlement_and_auditors(api, treasurer, auditor):
    deposit(api, treasurer)
    assert api(treasurer).get("/api/ledger/reconcile/").status_code == 403
    report = api(auditor).get("/api/ledger/reconcile/").json()
    assert report["ok"] is True and report["summary"].startswith("reconciled: ")
