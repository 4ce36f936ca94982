"""The ledger's refusals: each names the account, the transfer or the field, and the rule."""

from django.utils.translation import gettext_lazy as _

from exchange.errors import ConflictError, RuleViolation


class IdempotencyConflict(ConflictError):
    code = "idempotency_conflict"
    message_template = _(
        "The idempotency key %(key)s was used before for a different request; a retry must send "
        "exactly what was sent first."
    )


class InsufficientFunds(ConflictError):
    code = "insufficient_funds"
    message_template = _(
        "%(account)s holds %(available)s available; %(amount)s cannot be moved from it."
    )


class LimitExceeded(ConflictError):
    code = "limit_exceeded"
    message_template = _("%(account)s may not be credited past its debits by %(amount)s.")


class PendingResolved(ConflictError):
    code = "pending_resolved"
    message_template = _("Transfer %(key)s was already %(resolution)s.")


class PendingExpired(ConflictError):
    code = "pending_expired"
    message_template = _("Transfer %(key)s expired at %(expires_at)s and can no longer be posted.")


class NotPending(ConflictError):
    code = "not_pending"
    message_template = _("Transfer %(key)s is not a pending transfer.")


class ExceedsPending(RuleViolation):
    code = "exceeds_pending"
    field = "amount"
    message_template = _("Transfer %(key)s holds %(held)s; %(amount)s cannot be posted from it.")


class ExceedsReversible(RuleViolation):
    code = "exceeds_reversible"
    field = "amount"
    message_template = _("Transfer %(key)s has %(left)s left to reverse; %(amount)s is more.")


class NotReversible(ConflictError):
    code = "not_reversible"
    message_template = _("Transfer %(key)s moved no money and cannot be reversed.")


class DaySealed(ConflictError):
    code = "day_sealed"
    message_template = _("%(day)s is sealed; nothing more is booked on it.")
