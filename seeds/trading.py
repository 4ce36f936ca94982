"""The demo's trading: the demo buyer, verified by the demo operator, orders a listed product at
its list price and pays it into escrow. Idempotent: once the buyer has an order, nothing more."""

from exchange.accounts.models import User
from exchange.creditcode import build_credit_code
from listings.models import CatalogEntry, PlanKind
from settlement import services
from settlement.api.serializers import OrderSerializer
from settlement.models import Buyer, Order
from settlement.states import BuyerStatus

# 上海远航供应链管理有限公司, Pudong (region 310115).
BUYER_CREDIT_CODE = build_credit_code(
    authority_type="91", region="310115", organisation_base="MA1YH001"
)
PRICED = [PlanKind.ONE_OFF, PlanKind.MONTHLY, PlanKind.YEARLY]


def seed_trading() -> list[str]:
    """Returns what it made (nothing on a second run)."""
    buyer = User.objects.filter(username="buyer").first()
    operator = User.objects.filter(username="operator").first()
    if buyer is None or operator is None or Order.objects.filter(buyer=buyer.organisation).exists():
        return []
    organisation = buyer.organisation
    registration = Buyer.objects.filter(organisation=organisation).first()
    if registration is None:
        registration = services.apply_as_buyer(
            actor=buyer, company_name=organisation.name, credit_code=BUYER_CREDIT_CODE
        )
    if registration.status == BuyerStatus.APPLIED:
        services.decide_buyer(registration, "verify", actor=operator)
    for entry in CatalogEntry.objects.select_related("listing__product__registered_version"):
        listing = entry.listing
        plan = listing.plans.filter(kind__in=PRICED).order_by("price_amount").first()
        scenario = listing.product.registered_version.scenarios.first()
        if plan is None or scenario is None:
            continue
        order = services.place_order(actor=buyer, listing=listing, plan=plan, scenario=scenario)
        services.pay_order(
            order,
            actor=buyer,
            key="demo-order-1-pay",
            respond=lambda paid: dict(OrderSerializer(paid).data),
        )
        return [f"order {order.pk}"]
    return []
