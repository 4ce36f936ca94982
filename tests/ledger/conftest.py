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


@pytest.fixture(autouse=True)
def ledger_checks_only(monkeypatch):
    """The ledger knows nothing of orders, and its tests hold money in escrow without one: the
    checks the apps above register with reconcile (settlement's orders and escrow) sit out here."""
    from exchange.ledger import reconcile

    own = [
        (name, check) for name, check in reconcile._checks if check.__module__ == reconcile.__name__
    ]
    monkeypatch.setattr(reconcile, "_checks", own)
