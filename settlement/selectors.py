"""What each person sees of trading: a buyer its organisation's orders, a merchant the orders of
its products, settlement operators, operators and auditors all."""

from django.db.models import Q, QuerySet

from settlement import permissions
from settlement.models import Buyer, Order


def orders_visible_to(user) -> QuerySet[Order]:
    orders = Order.objects.select_related(
        "buyer", "merchant", "listing__product", "plan", "scenario", "contract__certificate"
    )
    if not user.is_authenticated:
        return orders.none()
    if permissions.sees_all_orders(user):
        return orders
    if user.organisation_id is None:
        return orders.none()
    return orders.filter(
        Q(buyer_id=user.organisation_id) | Q(merchant__organisation_id=user.organisation_id)
    )


def buyers_visible_to(user) -> QuerySet[Buyer]:
    buyers = Buyer.objects.select_related("organisation")
    if not user.is_authenticated:
        return buyers.none()
    if permissions.sees_all_orders(user):
        return buyers
    return buyers.filter(organisation_id=user.organisation_id)
