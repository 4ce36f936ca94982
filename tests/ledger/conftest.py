import pytest

from exchange.accounts.roles import OrganisationKind
from exchange.ledger import services as ledger
from exchange.money import Money
from tests.factories import make_organisation


@pytest.fixture
def buyer(db):
    return make_organisation(kind=OrganisationKind.BUYER, name="上海浦东测试数据采购有限公司")


@pytest.fixture
def bank(db):
    return ledger.account_for(None, "bank")


@pytest.fixture
def available(buyer):
    return ledger.account_for(buyer, "available")


@pytest.fixture
def escrow(buyer):
    return ledger.account_for(buyer, "escrow")


@pytest.fixture
def funded(bank, available):
    """The buyer's available funds after a deposit of ¥1,000.00."""
    ledger.transfer(
        ledger.Move(
            key="deposit-1", debit=bank, credit=available, amount=Money("1000.00"), code="deposit"
        )
    )
    return available
