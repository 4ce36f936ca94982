"""Celery tasks of trading (beat runs them on its timetable)."""

from celery import shared_task

from exchange.tasks import TASK_DEFAULTS


@shared_task(name="settlement.accept_due", **TASK_DEFAULTS)
def accept_due() -> int:
    from settlement.services import accept_due as accept

    return accept()
