"""Bank in, bank out (simulated): organisations fund their exchange account from the bank and
withdraw to it.

A deposit is a hold from the exchange's settlement account at the bank to the organisation's
available funds; a settlement operator confirms it when the money has arrived (the hold is
posted) or rejects it (voided). A withdrawal is a hold the other way, which reserves the money at
once; confirming it pays the money out. Each request and each decision is a transfer: its receipt.

States (derived from the transfers, never stored): requested → confirmed | rejected | expired.
Who: members in a treasury role request for their own organisation; settlement operators decide.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchange.errors import ConflictError, NotFoundError, PermissionDeniedError
from exchange.ledger import permissions, services
from exchange.ledger.models import AccountPurpose, Transfer, TransferKind
from exchange.money import Money

DEPOSIT, WITHDRAWAL = "deposit", "withdrawal"
CODES = (DEPOSIT, WITHDRAWAL)
# A request's state, from the transfer that decided it (none yet: requested).
STATES = {
    None: ("requested", gettext_lazy("Requested")),
    TransferKind.POST: ("confirmed", gettext_lazy("Confirmed")),
    TransferKind.VOID: ("rejected", gettext_lazy("Rejected")),
    TransferKind.EXPIRE: ("expired", gettext_lazy("Expired")),
}


@dataclass(frozen=True)
class BankRequest:
    """A deposit or withdrawal: its hold, and the transfer that decided it (if any)."""

    hold: Transfer
    decision: Transfer | None

    @property
    def code(self) -> str:
        return self.hold.code

    @property
    def state(self) -> str:
        return STATES[self.decision.kind if self.decision else None][0]

    @property
    def state_label(self) -> str:
        return str(STATES[self.decision.kind if self.decision else None][1])

    @property
    def is_open(self) -> bool:
        return self.decision is None


def request_deposit(*, actor, organisation, amount: Money, key: str) -> Transfer:
    """Ask for ``amount`` to come in from the bank (a replay of ``key`` returns the first)."""
    return _request(actor, organisation, amount, key, DEPOSIT)


def request_withdrawal(*, actor, organisation, amount: Money, key: str) -> Transfer:
    """Ask for ``amount`` to go out to the bank; it is reserved at once.

    Raises InsufficientFunds (409) when it is more than is available.
    """
    return _request(actor, organisation, amount, key, WITHDRAWAL)


def _request(actor, organisation, amount: Money, key: str, code: str) -> Transfer:
    if not permissions.may_move_funds(actor, organisation):
        raise PermissionDeniedError(
            _("Only your organisation's administrators and buyers move its money.")
        )
    bank = services.account_for(None, AccountPurpose.BANK, amount.currency)
    own = services.account_for(organisation, AccountPurpose.AVAILABLE, amount.currency)
    debit, credit = (bank, own) if code == DEPOSIT else (own, bank)
    hold = services.transfer(
        services.Move(
            key=_ledger_key(code, organisation, key),
            debit=debit,
            credit=credit,
            amount=amount,
            code=code,
            pending=True,
        ),
        actor=actor,
    )
    if code == DEPOSIT and settings.LEDGER_AUTO_CONFIRM_DEPOSITS:
        transaction.on_commit(lambda: services.post_pending(hold, key=f"confirm:{hold.key}"))
    return hold


def _ledger_key(code: str, organisation, key: str) -> str:
    """The ledger's key for an organisation's request: its own key, in its own namespace."""
    services.checked_key(key)
    composed = f"{code}:{organisation.pk}:{key}"
    if len(composed) <= services.MAX_KEY_LENGTH:
        return composed
    return f"{code}:{organisation.pk}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def confirm(*, actor, hold: Transfer) -> Transfer:
    """The money arrived at (or left) the bank: post the hold. From: requested. Who: settlement."""
    return _decide(actor, hold, confirm=True)


def reject(*, actor, hold: Transfer) -> Transfer:
    """Nothing arrived (or the payout failed): void the hold. From: requested. Who: settlement."""
    return _decide(actor, hold, confirm=False)


def _decide(actor, hold: Transfer, *, confirm: bool) -> Transfer:
    if not permissions.may_settle(actor):
        raise PermissionDeniedError(_("Only settlement operators confirm or reject bank moves."))
    if hold.code not in CODES or hold.kind != TransferKind.PENDING:
        raise NotFoundError(_("No such deposit or withdrawal."))
    if not request_of(hold).is_open:
        raise ConflictError(
            _("This %(what)s was %(state)s already."),
            code="already_decided",
            params={"what": _(hold.code), "state": request_of(hold).state_label.lower()},
        )
    if confirm:
        return services.post_pending(hold, key=f"confirm:{hold.key}", actor=actor)
    return services.void_pending(hold, key=f"reject:{hold.key}", actor=actor)


def request_of(hold: Transfer) -> BankRequest:
    return BankRequest(hold=hold, decision=hold.resolutions.first())


def requests(holds) -> list[BankRequest]:
    """``holds`` (deposit and withdrawal holds) with their decisions, in two queries."""
    holds = list(holds)
    decisions = {
        t.pending_id: t for t in Transfer.objects.filter(pending__in=[h.pk for h in holds])
    }
    return [BankRequest(hold=h, decision=decisions.get(h.pk)) for h in holds]
