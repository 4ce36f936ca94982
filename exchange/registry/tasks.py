"""Celery tasks of the registry: integrating sequenced registrations into the log."""

from celery import shared_task

from exchange.tasks import TASK_DEFAULTS


@shared_task(name="registry.integrate", **TASK_DEFAULTS)
def integrate() -> int:
    """Append the registrations sequenced since the last run, a batch under each checkpoint (sent
    when a sequencing transaction commits; beat runs it each minute too)."""
    from exchange.registry.services import integrate_all

    return integrate_all()
