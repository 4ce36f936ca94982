"""Exchange-wide models: the base classes every app builds on, the business clock, notifications."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exchange.uploads import private_storage, stored_name


class TimeStampedModel(models.Model):
    """Technical record timestamps. Business times (deadlines, ages) come from ``exchange.clock``."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, editable=False)

    class Meta:
        abstract = True


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a row of an append-only table."""


class AppendOnlyModel(TimeStampedModel):
    """A row that is written once and never updated or deleted (events, ledger lines, log entries).

    A correction is a new row that reverses or supersedes an old one.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")


class LifecycleEvent(AppendOnlyModel):
    """One move of a lifecycle object, or a note on it: who, when (business clock), why.

    Concrete subclasses add ``subject = ForeignKey(<Model>, PROTECT, related_name="events")``.
    Only ``exchange.lifecycle`` and services write these rows.
    """

    kind = models.CharField(_("kind"), max_length=40)
    from_status = models.CharField(_("from status"), max_length=40, blank=True)
    to_status = models.CharField(_("to status"), max_length=40, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Copied at write time, so the trail still names the person if the account goes.
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)

    class Meta:
        abstract = True
        ordering = ["occurred_at", "id"]

    def __str__(self):
        return f"{self.kind} {self.from_status}→{self.to_status} by {self.actor_name or '-'}"


def _document_path(document: "StoredDocument", filename: str) -> str:
    return stored_name(document.upload_folder(), filename)


class StoredDocument(TimeStampedModel):
    """An uploaded document in private storage, served only to those allowed: the file under a
    random name, and the original name, type, size and SHA-256 of what was uploaded.

    Concrete subclasses add their owner's foreign key, ``kind`` (their own choices) and
    ``upload_folder()``; ``exchange.uploads.attach_document`` stores one.
    """

    file = models.FileField(
        _("file"), upload_to=_document_path, storage=private_storage, max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"

    def upload_folder(self) -> str:
        raise NotImplementedError


class BusinessClock(models.Model):
    """The one business clock. Empty ``simulated_now`` means real time.

    A simulation or a classroom scenario sets a date and steps it; every process (web, workers,
    beat) reads the same row, so they all agree on what day it is.
    """

    SINGLETON_ID = 1

    simulated_now = models.DateTimeField(_("simulated time"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("business clock")
        verbose_name_plural = _("business clock")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="exchange_businessclock_singleton"
            ),
        ]

    def __str__(self):
        if self.simulated_now is None:
            return str(_("Real time"))
        return str(_("Simulated: %(at)s") % {"at": timezone.localtime(self.simulated_now)})


class Notification(TimeStampedModel):
    """An in-app message about a decision; a Celery task also sends it by e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    # Set when a message must reach each recipient at most once (a daily digest, say).
    dedupe_key = models.CharField(_("de-duplication key"), max_length=80, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="exchange_notif_recipient_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="exchange_notification_unique_dedupe_key",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
