"""Exchange-wide Celery tasks, and the one helper that enqueues any task."""

from functools import partial

from celery import shared_task
from django.db import OperationalError, transaction

# Errors worth a retry: the database or a mail server that is briefly away. Bad data fails at once.
TRANSIENT_ERRORS = (OperationalError, ConnectionError, TimeoutError)

# The options every task of ours shares (STYLE §11): acknowledged late, so a task whose worker
# dies runs again; retried with backoff on transient errors only; bounded in time.
TASK_DEFAULTS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "max_retries": 5,
    "soft_time_limit": 30,
    "time_limit": 60,
}


def enqueue_on_commit(task, **kwargs) -> None:
    """Send ``task`` with JSON keyword arguments once the surrounding transaction commits."""
    transaction.on_commit(partial(task.delay, **kwargs))


@shared_task(name="exchange.deliver_notifications", **TASK_DEFAULTS)
def deliver_notifications(notification_ids: list[int]) -> int:
    """E-mail the notifications written together (one message for all; a retry sends only those
    not sent yet). Returns how many were sent now."""
    from exchange.notifications import email_notification

    return sum(email_notification(notification_id=pk) for pk in notification_ids)


@shared_task(name="exchange.noop", **TASK_DEFAULTS)
def noop() -> None:
    """Does nothing: the benchmarks' baseline for what a task costs on a real worker."""
