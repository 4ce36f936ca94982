"""The buyer's verification and the order's lifecycle (DOMAIN.md §8; the states are a simulator
rule). Each action names the states it acts from and who may take it."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exchange.lifecycle import Action, Lifecycle, by_system
from settlement import permissions


class BuyerStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


def _operator(actor, buyer) -> bool:
    return actor is not None and permissions.may_verify_buyers(actor, buyer.organisation)


def _buyer_member(actor, buyer) -> bool:
    return actor is not None and permissions.acts_for_buyer(actor, buyer.organisation)


OPERATOR = _("an exchange operator")
BUYER_MEMBER = _("the buyer's admin")

B = BuyerStatus
# fmt: off
BUYER_LIFECYCLE = Lifecycle(
    status=BuyerStatus,
    initial=B.APPLIED,
    main_path=(B.APPLIED, B.VERIFIED),
    actions=(
        Action("verify", _("Verify"), frozenset({B.APPLIED}), B.VERIFIED, _operator, OPERATOR),
        Action("reject", _("Reject"), frozenset({B.APPLIED}), B.REJECTED, _operator, OPERATOR,
               style="danger", reason="required"),
        Action("reapply", _("Apply again"), frozenset({B.REJECTED}), B.APPLIED, _buyer_member,
               BUYER_MEMBER),
    ),
)
# fmt: on


class OrderStatus(models.TextChoices):
    CONTRACT_SIGNED = "contract_signed", _("Contract formed")
    PAID = "paid", _("Paid (held in escrow)")
    DELIVERED = "delivered", _("Delivered")
    ACCEPTED = "accepted", pgettext_lazy("order", "Accepted")
    DISPUTED = "disputed", _("Disputed (funds held)")
    DECIDED = "decided", _("Decided (awaiting clearing)")
    CLEARED = "cleared", _("Cleared")
    SETTLED = "settled", _("Settled")
    CANCELLED = "cancelled", pgettext_lazy("order", "Cancelled")
    REFUNDED = "refunded", pgettext_lazy("order", "Refunded")


def _orders_for_buyer(actor, order) -> bool:
    return actor is not None and permissions.acts_for_buyer(actor, order.buyer)


def _either_party(actor, order) -> bool:
    return actor is not None and (
        permissions.acts_for_buyer(actor, order.buyer)
        or permissions.acts_for_merchant(actor, order.merchant)
    )


def _merchant(actor, order) -> bool:
    return actor is not None and permissions.acts_for_merchant(actor, order.merchant)


def _arbitrator(actor, order) -> bool:
    return actor is not None and permissions.may_arbitrate(actor, order)


def _own_dispute(actor, order):
    from exchange.errors import PermissionDeniedError

    if actor is not None and permissions.is_arbitrator(actor):
        return PermissionDeniedError(
            _("An arbitrator does not decide a dispute their own organisation is a party to."),
            code="own_dispute",
        )
    return None


BUYER = _("the buyer")
MERCHANT = _("the merchant's admin")
EITHER_PARTY = _("the buyer or the merchant")
SYSTEM = _("the exchange, when the acceptance window ends")
CLEARING = _("the exchange's clearing, after acceptance or an arbitrator's decision")
DEADLINE = _("the exchange, when the delivery deadline passes")
SETTLEMENT = _("the exchange's settlement batch, on the next working day")
ARBITRATOR = _("an arbitrator who is not a party")
RENEWAL = _("the exchange, when a renewal is still unpaid as its period begins")


O = OrderStatus  # noqa: E741
# fmt: off
ORDER_LIFECYCLE = Lifecycle(
    status=OrderStatus,
    initial=O.CONTRACT_SIGNED,
    main_path=(O.CONTRACT_SIGNED, O.PAID, O.DELIVERED, O.ACCEPTED, O.CLEARED, O.SETTLED),
    actions=(
        # Paying holds the total in escrow: settlement.services.pay_order, which moves the money.
        Action("pay", _("Pay"), frozenset({O.CONTRACT_SIGNED}), O.PAID, _orders_for_buyer, BUYER),
        # The merchant delivers (a file package, checked like a sample); the buyer's access and
        # the acceptance window start then, not at payment.
        Action("deliver", _("Deliver"), frozenset({O.PAID}), O.DELIVERED, _merchant, MERCHANT),
        Action("accept", _("Accept the delivery"), frozenset({O.DELIVERED}), O.ACCEPTED,
               _orders_for_buyer, BUYER),
        Action("auto_accept", _("Accepted when the window ended"), frozenset({O.DELIVERED}),
               O.ACCEPTED, by_system, SYSTEM),
        # A dispute within the acceptance window holds the funds until an arbitrator decides; the
        # merchant answers it (settlement.disputes).
        Action("dispute", _("Dispute the delivery"), frozenset({O.DELIVERED}), O.DISPUTED,
               _orders_for_buyer, BUYER, style="danger", reason="required"),
        Action("answer", _("Answer the dispute"), frozenset({O.DISPUTED}), None, _merchant,
               MERCHANT),
        # The decision: the whole total back to the buyer; an exact part of the trade value back
        # and the rest cleared; or dismissed, and the whole value cleared. It is registered.
        Action("refund_in_full", _("Refund in full"), frozenset({O.DISPUTED}), O.REFUNDED,
               _arbitrator, ARBITRATOR, reason="required", refusal=_own_dispute),
        Action("refund_in_part", _("Refund in part"), frozenset({O.DISPUTED}), O.DECIDED,
               _arbitrator, ARBITRATOR, reason="required", refusal=_own_dispute),
        Action("dismiss", _("Dismiss the dispute"), frozenset({O.DISPUTED}), O.DECIDED,
               _arbitrator, ARBITRATOR, reason="required", refusal=_own_dispute),
        # No "paid and got nothing": a paid order not delivered by its deadline is refunded.
        Action("refund_undelivered", _("Refunded: not delivered in time"), frozenset({O.PAID}),
               O.REFUNDED, by_system, DEADLINE),
        # Clearing posts the escrow to the merchant with the fees and subsidies in one linked
        # chain (settlement.clearing.clear_order); the T+1 batch pays it out (settle).
        Action("clear", _("Cleared"), frozenset({O.ACCEPTED, O.DECIDED}), O.CLEARED, by_system,
               CLEARING),
        Action("settle", _("Settled"), frozenset({O.CLEARED}), O.SETTLED, by_system, SETTLEMENT),
        # A subscription's renewal the buyer has not paid by the end of the period it follows
        # lapses, and the subscription with it (settlement.subscriptions).
        Action("lapse", _("Lapsed: the renewal was not paid in time"),
               frozenset({O.CONTRACT_SIGNED}), O.CANCELLED, by_system, RENEWAL),
        # Before delivery either party may withdraw; a paid order's hold is released.
        Action("cancel", _("Cancel"), frozenset({O.CONTRACT_SIGNED, O.PAID}), O.CANCELLED,
               _either_party, EITHER_PARTY, style="danger", reason="required"),
    ),
)
# fmt: on

# Orders whose money the exchange holds in escrow: reconcile checks the escrow accounts against
# their totals.
HELD = frozenset({O.PAID, O.DELIVERED, O.ACCEPTED, O.DISPUTED, O.DECIDED})
# Orders clearing takes: accepted by the buyer (or for it), or decided by an arbitrator.
CLEARABLE = frozenset({O.ACCEPTED, O.DECIDED})
# Orders whose hold clearing has posted: their money has gone on to the merchant and the fees.
CLEARED = frozenset({O.CLEARED, O.SETTLED})
# Orders whose buyer may download their deliveries: delivered, and not refunded or cancelled.
DATA_ACCESS = frozenset({O.DELIVERED, O.ACCEPTED, O.DISPUTED, O.DECIDED, O.CLEARED, O.SETTLED})
# Orders whose hold was released to the buyer in full.
RELEASED = frozenset({O.CANCELLED, O.REFUNDED})


# --- negotiated plans (协议交易): the quote round before the contract -----------------------------


class NegotiationStatus(models.TextChoices):
    REQUESTED = "requested", _("Quote requested")
    QUOTED = "quoted", _("Quoted by the merchant")
    COUNTERED = "countered", _("Countered by the buyer")
    AGREED = "agreed", _("Agreed (contract formed)")
    DECLINED = "declined", _("Declined")


def _negotiating_buyer(actor, negotiation) -> bool:
    return actor is not None and permissions.acts_for_buyer(actor, negotiation.buyer)


def _negotiating_merchant(actor, negotiation) -> bool:
    return actor is not None and permissions.acts_for_merchant(actor, negotiation.merchant)


def _negotiating_party(actor, negotiation) -> bool:
    return _negotiating_buyer(actor, negotiation) or _negotiating_merchant(actor, negotiation)


N = NegotiationStatus
# fmt: off
NEGOTIATION_LIFECYCLE = Lifecycle(
    status=NegotiationStatus,
    initial=N.REQUESTED,
    main_path=(N.REQUESTED, N.QUOTED, N.AGREED),
    actions=(
        # The merchant names a price (and may answer a counter-offer with a new one).
        Action("quote", _("Quote a price"), frozenset({N.REQUESTED, N.COUNTERED}), N.QUOTED,
               _negotiating_merchant, MERCHANT),
        Action("counter", _("Counter-offer"), frozenset({N.QUOTED}), N.COUNTERED,
               _negotiating_buyer, BUYER),
        # Either side accepting the other's last price forms the contract at that price: the
        # order is placed and its contract registered (settlement.negotiations).
        Action("agree", _("Accept the quote"), frozenset({N.QUOTED}), N.AGREED,
               _negotiating_buyer, BUYER),
        Action("agree_counter", _("Accept the counter-offer"), frozenset({N.COUNTERED}), N.AGREED,
               _negotiating_merchant, MERCHANT),
        Action("decline", _("Decline"), frozenset({N.REQUESTED, N.QUOTED, N.COUNTERED}),
               N.DECLINED, _negotiating_party, EITHER_PARTY, style="danger", reason="required"),
    ),
)
# fmt: on
OPEN_NEGOTIATIONS = frozenset({N.REQUESTED, N.QUOTED, N.COUNTERED})


# --- contract changes: an amendment or an early end, agreed by both parties ----------------------


class ChangeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    AGREED = "agreed", _("Agreed (registered)")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def _other_party(actor, change) -> bool:
    """The party that did not propose the change answers it."""
    if actor is None:
        return False
    order = change.contract.order
    if change.proposed_side == "buyer":
        return permissions.acts_for_merchant(actor, order.merchant)
    return permissions.acts_for_buyer(actor, order.buyer)


def _proposing_party(actor, change) -> bool:
    if actor is None:
        return False
    order = change.contract.order
    if change.proposed_side == "buyer":
        return permissions.acts_for_buyer(actor, order.buyer)
    return permissions.acts_for_merchant(actor, order.merchant)


OTHER_PARTY = _("the party that did not propose it")
PROPOSER = _("the party that proposed it")

H = ChangeStatus
# fmt: off
CHANGE_LIFECYCLE = Lifecycle(
    status=ChangeStatus,
    initial=H.PROPOSED,
    main_path=(H.PROPOSED, H.AGREED),
    actions=(
        # Agreeing registers the change against the contract's certificate and applies it.
        Action("agree", _("Agree to the change"), frozenset({H.PROPOSED}), H.AGREED,
               _other_party, OTHER_PARTY),
        Action("reject", _("Reject the change"), frozenset({H.PROPOSED}), H.REJECTED,
               _other_party, OTHER_PARTY, style="danger", reason="required"),
        Action("withdraw", _("Withdraw the proposal"), frozenset({H.PROPOSED}), H.WITHDRAWN,
               _proposing_party, PROPOSER, style="secondary"),
    ),
)
# fmt: on
