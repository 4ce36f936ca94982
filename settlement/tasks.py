"""Celery tasks of trading (beat runs them on its timetable)."""

from celery import shared_task

from exchange.tasks import TASK_DEFAULTS


@shared_task(name="settlement.accept_due", **TASK_DEFAULTS)
def accept_due() -> int:
    from settlement.services import accept_due as accept

    return accept()


@shared_task(name="settlement.refund_undelivered", **TASK_DEFAULTS)
def refund_undelivered() -> int:
    from settlement.services import refund_undelivered as refund

    return refund()


@shared_task(name="settlement.renew_due", **TASK_DEFAULTS)
def renew_due() -> int:
    from settlement.subscriptions import renew_due as renew

    return renew()


@shared_task(name="settlement.lapse_due", **TASK_DEFAULTS)
def lapse_due() -> int:
    from settlement.subscriptions import lapse_due as lapse

    return lapse()


@shared_task(name="settlement.clear_order", **TASK_DEFAULTS)
def clear_order(order_id: int) -> str:
    """Clear an order once its acceptance has committed (a second run does nothing)."""
    from settlement.clearing import clear_order as clear
    from settlement.models import Order

    return clear(Order.objects.get(pk=order_id)).status


@shared_task(name="settlement.clear_orders", **TASK_DEFAULTS)
def clear_orders(order_ids: list[int]) -> int:
    """Clear orders accepted together once their acceptance has committed; how many cleared."""
    from settlement.clearing import clear_orders as clear
    from settlement.states import OrderStatus

    return sum(order.status == OrderStatus.CLEARED for order in clear(order_ids))


# A batch pays many payees; each payout is its own transaction, so a retry resumes it.
@shared_task(
    name="settlement.settle", **{**TASK_DEFAULTS, "soft_time_limit": 600, "time_limit": 660}
)
def settle() -> str:
    """Today's settlement batch, on a working day (beat, each morning)."""
    from exchange import clock
    from settlement.clearing import settle as settle_day

    if not clock.is_working_day(clock.today()):
        return "not a working day"
    return str(settle_day())
