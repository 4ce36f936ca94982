"""Reading the ledger, scoped: an organisation sees its own accounts and transfers; settlement
operators and auditors see all; anyone else sees none (a row out of sight is not found)."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from exchange.ledger import permissions
from exchange.ledger.bank import CODES
from exchange.ledger.models import Account, Transfer, TransferKind
from exchange.money import Money


def accounts_visible_to(user) -> QuerySet[Account]:
    accounts = Account.objects.select_related("owner").order_by("owner_id", "purpose", "id")
    if permissions.sees_all(user):
        return accounts
    if not user.is_authenticated or user.organisation_id is None:
        return accounts.none()
    return accounts.filter(owner_id=user.organisation_id)


def transfers_visible_to(user) -> QuerySet[Transfer]:
    transfers = Transfer.objects.select_related(
        "debit_account__owner", "credit_account__owner", "pending", "reverses"
    ).order_by("-id")
    if permissions.sees_all(user):
        return transfers
    if not user.is_authenticated or user.organisation_id is None:
        return transfers.none()
    own = user.organisation_id
    return transfers.filter(Q(debit_account__owner_id=own) | Q(credit_account__owner_id=own))


@dataclass(frozen=True)
class StatementLine:
    transfer: Transfer
    account_id: int
    debit: Money | None  # money out of the account
    credit: Money | None  # money into it
    balance: Money  # posted, after this line
    held: Money  # pending debits, after this line

    @property
    def counterparty(self) -> Account:
        t = self.transfer
        return t.credit_account if t.debit_account_id == self.account_id else t.debit_account


def statement(account: Account, *, newest_first: bool = True) -> list[StatementLine]:
    """Every transfer of ``account`` with the running balance it left (read off the row itself)."""
    transfers = (
        Transfer.objects.filter(Q(debit_account=account) | Q(credit_account=account))
        .select_related("debit_account__owner", "credit_account__owner", "pending")
        .order_by("-id" if newest_first else "id")
    )
    lines = []
    for t in transfers:
        own = "dr" if t.debit_account_id == account.pk else "cr"
        debits_pending, debits_posted, _, credits_posted = (
            getattr(t, f"{own}_{name}")
            for name in ("debits_pending", "debits_posted", "credits_pending", "credits_posted")
        )
        moved = t.money if t.kind in (TransferKind.POSTED, TransferKind.POST) else None
        lines.append(
            StatementLine(
                transfer=t,
                account_id=account.pk,
                debit=moved if moved and own == "dr" else None,
                credit=moved if moved and own == "cr" else None,
                balance=Money.from_minor(credits_posted - debits_posted, account.currency),
                held=Money.from_minor(debits_pending, account.currency),
            )
        )
    return lines


def bank_holds_visible_to(user) -> QuerySet[Transfer]:
    """Deposit and withdrawal requests (their holds), newest first."""
    return transfers_visible_to(user).filter(kind=TransferKind.PENDING, code__in=CODES)
