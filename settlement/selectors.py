"""What each person sees of trading: a buyer its organisation's orders, a merchant the orders of
its products, an arbitrator the disputed orders, settlement operators, operators and auditors
all."""

from django.db.models import F, Q, QuerySet

from settlement import permissions
from settlement.models import (
    Buyer,
    ClearingLine,
    Dispute,
    LineKind,
    Negotiation,
    Order,
    PayoutBatch,
)


def orders_visible_to(user) -> QuerySet[Order]:
    orders = Order.objects.select_related(
        "buyer",
        "merchant",
        "listing__product",
        "plan",
        "scenario",
        "contract__certificate",
        "dispute__certificate",
    )
    if not user.is_authenticated:
        return orders.none()
    if permissions.sees_all_orders(user):
        return orders
    seen = Q(dispute__isnull=False) if permissions.is_arbitrator(user) else Q(pk__in=[])
    if user.organisation_id is not None:
        seen |= Q(buyer_id=user.organisation_id) | Q(merchant__organisation_id=user.organisation_id)
    return orders.filter(seen)


def negotiations_visible_to(user) -> QuerySet[Negotiation]:
    """Quote rounds: the two parties theirs, the exchange's trading staff and auditors all."""
    negotiations = Negotiation.objects.select_related(
        "buyer", "merchant", "listing__product__registered_version", "plan", "scenario", "order"
    )
    if not user.is_authenticated:
        return negotiations.none()
    if permissions.sees_all_orders(user):
        return negotiations
    if user.organisation_id is None:
        return negotiations.none()
    return negotiations.filter(
        Q(buyer_id=user.organisation_id) | Q(merchant__organisation_id=user.organisation_id)
    )


def disputes_visible_to(user) -> QuerySet[Dispute]:
    """The dispute queue: every dispute for arbitrators and the exchange's trading staff, open
    ones first; a party sees its own disputes on its orders' pages."""
    disputes = Dispute.objects.select_related(
        "order__buyer", "order__merchant", "decided_by__organisation"
    )
    if not permissions.sees_disputes(user):
        return disputes.none()
    return disputes.order_by(F("decided_at").desc(nulls_first=True), "opened_at", "id")


def buyers_visible_to(user) -> QuerySet[Buyer]:
    buyers = Buyer.objects.select_related("organisation")
    if not user.is_authenticated:
        return buyers.none()
    if permissions.sees_all_orders(user):
        return buyers
    return buyers.filter(organisation_id=user.organisation_id)


def lines_seen_by(user, order: Order) -> list[ClearingLine]:
    """The clearing lines of ``order`` its viewer sees: the buyer its side (the trade value, its
    fee and subsidy), the merchant its side (the value, fees and subsidies), a third party its own
    lines, the exchange's staff and the arbitrators of a disputed order every line."""
    lines = list(order.lines.select_related("party"))
    if permissions.sees_all_orders(user) or (
        permissions.is_arbitrator(user) and Dispute.objects.filter(order=order).exists()
    ):
        return lines
    if user.organisation_id == order.buyer_id:
        side = "buyer"
    elif user.organisation_id == order.merchant.organisation_id:
        side = "merchant"
    else:
        return [line for line in lines if line.party_id == user.organisation_id]
    return [line for line in lines if _side(line, order) in (side, "both")]


def _side(line: ClearingLine, order: Order) -> str:
    if line.kind == LineKind.VALUE:
        return "both"
    if line.kind == LineKind.BUYER_FEE or line.party_id == order.buyer_id:
        return "buyer"
    return "merchant"


def batches_visible_to(user) -> QuerySet[PayoutBatch]:
    """Settlement batches: all for the exchange's staff; for anyone else, those that paid their
    organisation."""
    batches = PayoutBatch.objects.select_related("certificate")
    if not user.is_authenticated:
        return batches.none()
    if permissions.sees_all_orders(user):
        return batches
    if user.organisation_id is None or not permissions.sees_statements(user):
        return batches.none()
    return batches.filter(lines__payee_id=user.organisation_id).distinct()


def statement(user, batch: PayoutBatch) -> dict:
    """A batch as its viewer may see it: the payout lines, and each order with its lines."""
    payouts = batch.lines.select_related("payee", "account", "transfer")
    orders = batch.orders.select_related("buyer", "merchant").order_by("id")
    if not permissions.sees_all_orders(user):
        payouts = payouts.filter(payee_id=user.organisation_id)
        orders = orders.filter(
            Q(merchant__organisation_id=user.organisation_id)
            | Q(lines__party_id=user.organisation_id)
        ).distinct()
    return {
        "payouts": list(payouts),
        "orders": [(order, lines_seen_by(user, order)) for order in orders],
    }
