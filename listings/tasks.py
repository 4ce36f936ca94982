"""Celery tasks of the listing pipeline: each loads by id and calls one service."""

from celery import shared_task

from exchange.tasks import TASK_DEFAULTS

# The automated checks read and scan a whole sample: a longer time limit than other tasks.
CHECK_OPTIONS = {**TASK_DEFAULTS, "soft_time_limit": 300, "time_limit": 360}


@shared_task(name="listings.run_automated_checks", **CHECK_OPTIONS)
def run_automated_checks(version_id: int) -> str:
    from listings.services import run_automated_checks as run

    report = run(version_id=version_id)
    return report.risk_level if report else "skipped"


@shared_task(name="listings.resume_lost_checks", **TASK_DEFAULTS)
def resume_lost_checks() -> int:
    from listings.services import resume_lost_checks as resume

    return resume()


@shared_task(name="listings.release_expired_claims", **TASK_DEFAULTS)
def release_expired_claims() -> int:
    from listings.services import release_expired_claims as release

    return release()


@shared_task(name="listings.close_public_notices", **TASK_DEFAULTS)
def close_public_notices() -> int:
    from listings.services import close_public_notices as close

    return close()


@shared_task(name="listings.escalate_overdue", **TASK_DEFAULTS)
def escalate_overdue() -> int:
    from listings.services import escalate_overdue as escalate

    return escalate()
