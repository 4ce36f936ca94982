"""The ledger's pages, as each role sees them."""

import pytest
from django.urls import reverse

from exchange.accounts.roles import Role
from exchange.ledger import bank
from exchange.ledger.models import Transfer
from exchange.money import Money
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def treasurer(buyer):
    return make_user(role=Role.BUYER, organisation=buyer, username="treasurer")


@pytest.fixture
def settlement(exchange_org):
    return make_user(role=Role.SETTLEMENT_OPERATOR, organisation=exchange_org, username="settle")


def test_a_buyer_requests_a_deposit_once_even_when_the_form_is_sent_twice(client, treasurer):
    client.force_login(treasurer)
    page = client.get(reverse("ledger:funds"))
    assert page.status_code == 200 and b'data-testid="deposit-form"' in page.content
    form = {"deposit-amount": "500.00", "deposit-currency": "CNY", "deposit-key": "form-key-1"}
    for _ in range(2):
        done = client.post(reverse("ledger:move", args=["deposit"]), form, follow=True)
        assert done.status_code == 200
    assert Transfer.objects.filter(code="deposit").count() == 1
    assert "¥500.00" in done.content.decode()


def test_a_refusal_is_shown_and_moves_nothing(client, treasurer):
    client.force_login(treasurer)
    form = {"withdrawal-amount": "1.00", "withdrawal-currency": "CNY", "withdrawal-key": "w"}
    done = client.post(reverse("ledger:move", args=["withdrawal"]), form, follow=True)
    assert "¥0.00" in done.content.decode() and "¥1.00" in done.content.decode()
    assert not Transfer.objects.exists()


def test_the_settlement_operator_confirms_from_the_queue(client, treasurer, settlement):
    hold = bank.request_deposit(
        actor=treasurer, organisation=treasurer.organisation, amount=Money("500.00"), key="k"
    )
    client.force_login(settlement)
    queue = client.get(reverse("ledger:bank"))
    assert b'data-action="confirm"' in queue.content
    client.post(reverse("ledger:decide", args=[hold.pk, "confirm"]), follow=True)
    assert bank.request_of(hold).state == "confirmed"
    queue = client.get(reverse("ledger:bank"))
    assert b'data-action="confirm"' not in queue.content  # nothing waits any more
    client.force_login(treasurer)
    account = hold.credit_account
    statement = client.get(reverse("ledger:statement", args=[account.pk]))
    assert "¥500.00" in statement.content.decode()
    csv = client.get(reverse("ledger:statement-csv", args=[account.pk]))
    rows = csv.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 3 and rows[-1].split(",")[5:9] == ["", "500.00", "500.00", "0.00"]


def test_others_see_nothing(client, treasurer, applicant, auditor):
    hold = bank.request_deposit(
        actor=treasurer, organisation=treasurer.organisation, amount=Money("5.00"), key="k"
    )
    client.force_login(applicant)
    assert client.get(reverse("ledger:statement", args=[hold.credit_account.pk])).status_code == 404
    assert client.get(reverse("ledger:bank")).status_code == 403
    assert client.get(reverse("ledger:reconcile")).status_code == 403
    client.force_login(auditor)
    assert client.get(reverse("ledger:statement", args=[hold.credit_account.pk])).status_code == 200
    assert b'data-action="confirm"' not in client.get(reverse("ledger:bank")).content
    assert b'data-testid="reconciled"' in client.get(reverse("ledger:reconcile")).content
