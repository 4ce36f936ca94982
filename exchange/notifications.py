"""Notifications: an in-app row written with the decision, and an e-mail sent after commit."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Choices
from django.utils import timezone, translation
from django.utils.functional import Promise

from exchange.errors import PermissionDeniedError
from exchange.models import Notification
from exchange.tasks import deliver_notifications, enqueue_on_commit


@transaction.atomic(savepoint=False)  # all or nothing, inside the caller's transaction
def notify(
    *,
    recipients,
    title,
    body="",
    params: dict | None = None,
    url: str = "",
    kind: str = "",
    dedupe_key: str = "",
) -> list[Notification]:
    """Write one notification per recipient, in the recipient's language, and e-mail it after commit.

    ``title`` and ``body`` are lazy translatable templates filled with ``params``. Each is
    rendered in the recipient's language (``User.language``), never in the language of whoever
    triggered it: a param that is itself words must be lazy too (a status's ``.label``, or the
    choice itself, whose label is used), not a string already translated. With a ``dedupe_key``,
    a recipient who already has that key gets nothing new.
    """
    recipients = list(recipients)
    if dedupe_key:
        told = set(
            Notification.objects.filter(
                dedupe_key=dedupe_key, recipient__in=recipients
            ).values_list("recipient_id", flat=True)
        )
        recipients = [recipient for recipient in recipients if recipient.pk not in told]
    message = Message(recipients, title, body, params, url, kind)
    notifications = _compose(message, dedupe_key=dedupe_key)
    if not notifications or not dedupe_key:
        return _store(notifications)
    try:
        with transaction.atomic():
            return _store(notifications)
    except IntegrityError:  # someone was told meanwhile: skip them
        return _store(_create_one_by_one(notifications), saved=True)


@dataclass(frozen=True)
class Message:
    """What ``notify`` takes, for ``notify_all``."""

    recipients: Iterable
    title: Any
    body: Any = ""
    params: dict | None = None
    url: str = ""
    kind: str = ""


@transaction.atomic(savepoint=False)
def notify_all(messages: Iterable[Message]) -> list[Notification]:
    """Several ``notify`` calls at once (e.g. a batch of checks): one INSERT and one mail task."""
    return _store([notification for message in messages for notification in _compose(message)])


def _compose(message: Message, *, dedupe_key: str = "") -> list[Notification]:
    notifications = []
    params = message.params or {}
    for recipient in message.recipients:
        with translation.override(recipient.language):
            notifications.append(
                Notification(
                    recipient=recipient,
                    kind=message.kind,
                    dedupe_key=dedupe_key,
                    title=_fill(message.title, params),
                    body=_fill(message.body, params) if message.body else "",
                    url=message.url,
                )
            )
    return notifications


def _store(notifications: list[Notification], *, saved: bool = False) -> list[Notification]:
    """Insert the notifications (one INSERT for all) and e-mail them after commit."""
    if not notifications:
        return []
    created = notifications if saved else Notification.objects.bulk_create(notifications)
    mailed = [notification.pk for notification in created if notification.recipient.email]
    if mailed:
        enqueue_on_commit(deliver_notifications, notification_ids=mailed)
    return created


def _create_one_by_one(notifications: list[Notification]) -> list[Notification]:
    created = []
    for notification in notifications:
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            continue  # already told: the de-duplication key held
        created.append(notification)
    return created


def _fill(template, params: dict) -> str:
    """The template and its params in the active language (the recipient's)."""
    if not params:
        return str(template)
    return str(template) % {key: _words(value) for key, value in params.items()}


def _words(value):
    if isinstance(value, Choices):
        return str(value.label)
    if isinstance(value, Promise):
        return str(value)
    return value


def email_notification(*, notification_id: int) -> bool:
    """E-mail a notification once. Returns False when it was already sent (a task may run twice).

    The mail is sent without holding a row lock (no network I/O under locks); the mark is then set
    only if still empty, so a concurrent duplicate cannot overwrite the first time.
    """
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if notification.emailed_at is not None:
        return False
    link = f"{settings.SITE_URL}{notification.url}" if notification.url else ""
    send_mail(
        subject=notification.title,
        message="\n\n".join(part for part in (notification.body, link) if part),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notification.recipient.email],
    )
    Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    return True


def mark_read(*, notification: Notification, actor) -> Notification:
    """Mark one of the actor's own notifications as read (idempotent).

    Raises:
        PermissionDeniedError ``not_recipient`` for someone else's notification.
    """
    if notification.recipient_id != actor.pk:
        raise PermissionDeniedError(code="not_recipient")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def mark_all_read(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
