from celery import shared_task

from exchange.tasks import TASK_DEFAULTS


@shared_task(name="merchants.remind_overdue_reviews", **TASK_DEFAULTS)
def remind_overdue_reviews() -> int:
    from merchants.services import remind_overdue_reviews as remind

    return remind().notified
