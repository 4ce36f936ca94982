"""The demo's money: the demo buyer funds its account from the (simulated) bank, and the ledger
shows a confirmed deposit, one waiting for the settlement operator, a withdrawal and a reversal
(seeds/trading.py adds an order's escrow hold). Fixed keys make it idempotent: a second run replays the same transfers."""

from exchange.accounts.models import User
from exchange.ledger import bank, services
from exchange.ledger.models import AccountPurpose, Transfer
from exchange.money import Money


def seed_funds() -> list[str]:
    """Returns the keys of the transfers it made (none on a second run)."""
    buyer = User.objects.filter(username="buyer").first()
    settlement = User.objects.filter(username="settlement").first()
    if buyer is None or settlement is None:
        return []
    before = set(Transfer.objects.values_list("key", flat=True))
    organisation = buyer.organisation
    funded = bank.request_deposit(
        actor=buyer, organisation=organisation, amount=Money("200000.00"), key="demo-deposit-1"
    )
    _confirm(settlement, funded)
    withdrawn = bank.request_withdrawal(
        actor=buyer, organisation=organisation, amount=Money("5000.00"), key="demo-withdrawal-1"
    )
    _confirm(settlement, withdrawn)
    # A second deposit waits in the settlement operator's bank queue.
    bank.request_deposit(
        actor=buyer, organisation=organisation, amount=Money("50000.00"), key="demo-deposit-2"
    )
    available = services.account_for(organisation, AccountPurpose.AVAILABLE)
    fees = services.account_for(None, AccountPurpose.FEE_INCOME)
    # A service fee charged twice by mistake, and the second charge reversed.
    services.transfer(
        services.Move(
            key="demo-fee-1",
            debit=available,
            credit=fees,
            amount=Money("2980.00"),
            code="service_fee",
            memo="数据合规培训服务费（演示）",
        ),
    )
    twice = services.transfer(
        services.Move(
            key="demo-fee-2",
            debit=available,
            credit=fees,
            amount=Money("2980.00"),
            code="service_fee",
            memo="数据合规培训服务费（重复收取，演示）",
        ),
    )
    services.reverse(
        twice, key="demo-fee-2-reversal", memo="冲正：重复收取的服务费", actor=settlement
    )
    return sorted(set(Transfer.objects.values_list("key", flat=True)) - before)


def _confirm(settlement: User, hold: Transfer) -> None:
    if bank.request_of(hold).is_open:
        bank.confirm(actor=settlement, hold=hold)
