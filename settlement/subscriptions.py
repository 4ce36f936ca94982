"""Subscriptions (monthly and yearly plans): the period a delivery opens, renewal with a new charge,
or lapse.

A subscription's first delivery opens its period (a calendar month or year on the business clock;
the API gateway's access lasts as long). ``RENEWAL_NOTICE_DAYS`` before the period ends, beat
renews every subscription whose buyer has not turned renewal off: a new order at the plan's
current price, its own contract registered, pointing at the order it renews, charged at once from
the buyer's available funds under its standing instruction (or left to pay by hand when they do not
cover it). The merchant delivers the renewal like any order, and its period follows the one it
renews without a gap. A renewal still unpaid when its period should begin lapses (cancelled by the
exchange), and the subscription ends with the period paid for. A buyer who turns renewal off lets
the subscription end there too.
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from exchange import clock, lifecycle
from exchange.errors import DomainError, PermissionDeniedError, RuleViolation
from listings.models import PlanKind
from settlement import permissions, services
from settlement.models import Order
from settlement.states import CLEARED, ORDER_LIFECYCLE, RELEASED, OrderStatus

PERIODS = {PlanKind.MONTHLY: relativedelta(months=1), PlanKind.YEARLY: relativedelta(years=1)}


def is_subscription(order: Order) -> bool:
    return order.plan_kind in PERIODS


def open_period(order: Order, delivered_at) -> None:
    """Set the period a subscription's delivery opens (a renewal's follows the one it renews)."""
    if not is_subscription(order):
        return
    start = delivered_at
    previous = order.renewal_of
    if previous is not None and previous.period_end is not None:
        start = max(delivered_at, previous.period_end)
    order.period_start = start
    order.period_end = start + PERIODS[order.plan_kind] * order.quantity


@transaction.atomic
def set_auto_renew(order: Order, *, actor, on: bool) -> Order:
    """The buyer turns a subscription's renewal on or off (before it has renewed)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not permissions.acts_for_buyer(actor, order.buyer):
        raise PermissionDeniedError(
            _("Only the buyer's members change a subscription's renewal."), code="not_your_order"
        )
    if not is_subscription(order):
        raise RuleViolation(
            _("Only monthly and yearly subscriptions renew."), code="not_a_subscription"
        )
    if order.status in RELEASED or hasattr(order, "renewal"):
        raise RuleViolation(
            _("This subscription has already renewed or ended: its renewal cannot change."),
            code="renewal_settled",
            field="auto_renew",
        )
    if order.auto_renew != on:
        order.auto_renew = on
        order.save(update_fields=["auto_renew", "updated_at"])
        lifecycle.record_event(order, kind="renewal_on" if on else "renewal_off", actor=actor)
    return order


@transaction.atomic
def renew(order: Order) -> Order:
    """The renewal of ``order``: a new order at the plan's current price, its contract formed and
    registered under the buyer's standing instruction. Raises NotOnSale and the other ordering
    refusals when the product can no longer be ordered (the subscription then ends)."""
    order = Order.objects.select_for_update().select_related("plan", "listing").get(pk=order.pk)
    if hasattr(order, "renewal"):
        return order.renewal
    listing = services.check_offer(
        actor=order.placed_by, listing=order.listing, plan=order.plan, scenario=order.scenario
    )
    renewal = services.form_contract(
        placed_by=order.placed_by,
        listing=listing,
        plan=order.plan,
        scenario=order.scenario,
        quantity=order.quantity,
        unit_price=order.plan.price_amount,
        extra_terms={
            "renews": {"order": order.pk, "contract": services.contract_certificate(order).number}
        },
    )
    renewal.renewal_of = order
    renewal.save(update_fields=["renewal_of", "updated_at"])
    lifecycle.record_event(order, kind="renewed", actor=None, data={"renewal": renewal.pk})
    return renewal


def charge(renewal: Order) -> bool:
    """Pay a renewal from the buyer's available funds; False (and nothing moved) when they do
    not cover it: the buyer pays it on its page before the period begins."""
    from settlement.api.serializers import OrderSerializer

    try:
        services.pay_order(
            renewal,
            actor=renewal.placed_by,
            key=f"renewal:{renewal.pk}",
            respond=lambda paid: dict(OrderSerializer(paid).data),
        )
    except DomainError:
        return False
    return True


def renew_due() -> int:
    """Renew the subscriptions whose period ends within ``RENEWAL_NOTICE_DAYS`` (beat)."""
    horizon = clock.now() + timedelta(days=settings.RENEWAL_NOTICE_DAYS)
    due = Order.objects.filter(
        plan_kind__in=list(PERIODS),
        status__in=sorted(CLEARED),
        auto_renew=True,
        period_end__lte=horizon,
        renewal__isnull=True,
    )
    count = 0
    for order in due.order_by("period_end", "id"):
        try:
            renewal = renew(order)
        except DomainError as error:  # no longer on sale, or the buyer no longer may order
            with transaction.atomic():
                Order.objects.filter(pk=order.pk).update(auto_renew=False)
                lifecycle.record_event(
                    order, kind="renewal_refused", actor=None, reason=error.message
                )
            continue
        charge(renewal)
        count += 1
    return count


def lapse_due() -> int:
    """Cancel the renewals still unpaid when the period they follow has ended (beat)."""
    due = Order.objects.filter(
        status=OrderStatus.CONTRACT_SIGNED,
        renewal_of__period_end__lte=clock.now(),
    )
    count = 0
    for order_id in due.order_by("id").values_list("id", flat=True):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.status != OrderStatus.CONTRACT_SIGNED:
                continue  # paid a moment ago
            lifecycle.take(order, ORDER_LIFECYCLE["lapse"], actor=None, locked=True)
            count += 1
    return count


def state_of(order: Order) -> str | None:
    """A subscription's standing, as the order's page says it."""
    if not is_subscription(order):
        return None
    renewal = getattr(order, "renewal", None)
    if renewal is not None:
        return "lapsed" if renewal.status == OrderStatus.CANCELLED else "renewed"
    if order.period_end is None:
        return "not_started"
    if order.period_end <= clock.now():
        return "ended"
    return "renews" if order.auto_renew else "ends"
