from celery import shared_task

from exchange.tasks import TASK_DEFAULTS


@shared_task(name="accounts.send_invitation", **TASK_DEFAULTS)
def send_invitation(invitation_id: int, token: str) -> None:
    # The link's secret travels with the task: the database keeps only its hash.
    from exchange.accounts.services import email_invitation

    email_invitation(invitation_id=invitation_id, token=token)


@shared_task(name="accounts.expire_invitations", **TASK_DEFAULTS)
def expire_invitations() -> int:
    from exchange.accounts.services import expire_invitations as expire

    return expire()
