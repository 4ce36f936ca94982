"""The demo's trading: the subsidy fund granted its money; the demo buyer, verified by the demo
operator, orders a listed product at its list price twice: the first order is paid into escrow and
waits for delivery, the second is delivered, accepted and cleared with its fees and subsidies (the
next working day's batch pays the merchant). Idempotent: once the buyer has an order, nothing
more."""

from django.core.files.base import ContentFile

from exchange.accounts.models import User
from exchange.accounts.roles import Role
from exchange.creditcode import build_credit_code
from exchange.money import Money
from listings.models import CatalogEntry, PlanKind
from settlement import clearing, services
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
    clearing.fund_subsidies(amount=Money("5000000.00"), key="demo-subsidy-grant")
    for entry in CatalogEntry.objects.select_related("listing__product__registered_version"):
        listing = entry.listing
        plan = listing.plans.filter(kind__in=PRICED).order_by("price_amount").first()
        scenario = listing.product.registered_version.scenarios.first()
        seller = User.objects.filter(
            organisation_id=listing.product.merchant.organisation_id, role=Role.MERCHANT_ADMIN
        ).first()
        if plan is None or scenario is None or seller is None:
            continue
        made = []
        for number in (1, 2):
            order = services.place_order(actor=buyer, listing=listing, plan=plan, scenario=scenario)
            services.pay_order(
                order,
                actor=buyer,
                key=f"demo-order-{number}-pay",
                respond=lambda paid: dict(OrderSerializer(paid).data),
            )
            made.append(f"order {order.pk}")
        services.deliver_file(order, actor=seller, upload=_package(listing))
        services.accept_order(order, actor=buyer)
        clearing.clear_order(order)  # the worker clears it after the acceptance commits
        return made
    return []


def _package(listing) -> ContentFile:
    """The delivery package: the product's sample stands in for its full data."""
    version = listing.product.registered_version
    if version.sample:
        with version.sample.open("rb") as sample:
            return ContentFile(sample.read(), name=version.sample_name or "data.csv")
    return ContentFile("日期,数值\n2026-01-05,1\n".encode(), name="data.csv")
