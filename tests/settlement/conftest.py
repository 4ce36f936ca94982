"""A listed product (¥3,000.00 a month, ¥0.0028 a call), a verified buyer with money, and the
exchange's people. Orders here carry no buyer's service fee unless a test asks for it
(tests/settlement/test_clearing.py does): their totals are their trade values."""

import pytest

from exchange.accounts.roles import OrganisationKind, Role
from exchange.ledger import bank
from exchange.money import Money
from settlement import services
from tests.factories import credit_code, make_organisation, make_user
from tests.listings.conftest import reviewers, seller  # noqa: F401  (fixtures)
from tests.listings.test_labels import listed  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def no_buyer_fee(settings):
    settings.BUYER_SERVICE_FEE_PERIOD = "none"


@pytest.fixture
def buyer_org(db):
    return make_organisation(kind=OrganisationKind.BUYER, name="上海测试采购科技有限公司")


@pytest.fixture
def purchaser(buyer_org):
    return make_user(role=Role.BUYER, organisation=buyer_org, username="purchaser")


@pytest.fixture
def verifier(exchange_org):
    return make_user(role=Role.OPERATOR, organisation=exchange_org, username="verifier")


@pytest.fixture
def commission(db):
    return make_organisation(
        kind=OrganisationKind.SERVICE_PROVIDER, name="上海仲裁委员会数据仲裁中心（测试）"
    )


@pytest.fixture
def arbitrator(commission):
    return make_user(role=Role.ARBITRATOR, organisation=commission, username="arbiter")


@pytest.fixture
def settlement_operator(exchange_org):
    return make_user(role=Role.SETTLEMENT_OPERATOR, organisation=exchange_org, username="settle")


@pytest.fixture
def verified(purchaser, verifier):
    """The purchaser's organisation, verified as a buyer."""
    buyer = services.apply_as_buyer(
        actor=purchaser, company_name=purchaser.organisation.name, credit_code=credit_code(7)
    )
    services.decide_buyer(buyer, "verify", actor=verifier)
    return buyer


def fund(user, amount: str, settlement) -> None:
    """Deposit ``amount`` for the user's organisation and have the bank confirm it."""
    hold = bank.request_deposit(
        actor=user, organisation=user.organisation, amount=Money(amount), key=f"fund-{amount}"
    )
    if bank.request_of(hold).is_open:
        bank.confirm(actor=settlement, hold=hold)


@pytest.fixture
def funded_buyer(verified, purchaser, settlement_operator):
    fund(purchaser, "10000.00", settlement_operator)
    return purchaser


def plan_of(listing, kind: str):
    return listing.plans.get(kind=kind)


def settle_next_working_day():
    """Move the business clock to the start of the next working day and run its batch."""
    from datetime import datetime

    from django.utils import timezone

    from exchange import clock
    from settlement import clearing

    day = clock.add_working_days(clock.today(), 1)
    clock.set_simulated_time(at=timezone.make_aware(datetime.combine(day, datetime.min.time())))
    return clearing.settle()
