"""Celery tasks of the ledger (Celery beat runs both on its timetable)."""

from celery import shared_task

from exchange.tasks import TASK_DEFAULTS


@shared_task(name="ledger.expire_holds", **TASK_DEFAULTS)
def expire_holds() -> int:
    from exchange.ledger.services import expire_due

    return expire_due()


@shared_task(name="ledger.seal_days", **TASK_DEFAULTS)
def seal_days() -> list[str]:
    from exchange.ledger.seals import seal_ended_days

    return [sealed.business_date.isoformat() for sealed in seal_ended_days()]
