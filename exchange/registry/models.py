"""Unified registration (统一登记): certificates for data resources, products, assets and contracts.

A certificate is an append-only record of what was registered, for whom, with a digest of the
registered content. Issue #5 appends each one to a verifiable transparency log; the content is kept
as the exact canonical JSON bytes for that.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from exchange.models import AppendOnlyModel


class CertificateKind(models.TextChoices):
    DATA_RESOURCE = "DR", _("Data resource registration")
    DATA_PRODUCT = "DP", _("Data product registration")
    DATA_ASSET = "DA", _("Data asset registration")
    TRADE = "TX", _("Trade certificate")


class Right(models.TextChoices):
    """三权分置: the three rights a registration may confirm (DOMAIN.md §6)."""

    RESOURCE_HOLDING = "resource_holding", _("Data resource holding right")
    PROCESSING_USE = "processing_use", _("Data processing and use right")
    PRODUCT_OPERATION = "product_operation", _("Data product operation right")


class Certificate(AppendOnlyModel):
    number = models.CharField(_("certificate number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=2, choices=CertificateKind.choices)
    registrant_name = models.CharField(_("registrant"), max_length=200)
    registrant_credit_code = models.CharField(_("registrant's credit code"), max_length=18)
    # What was registered, named without a foreign key: the registry sits below the domain apps.
    subject_type = models.CharField(_("subject type"), max_length=60)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject_label = models.CharField(_("subject"), max_length=300)
    rights = models.JSONField(_("rights"), default=list)
    content = models.TextField(_("registered content (canonical JSON)"))
    digest = models.CharField(_("SHA-256 of the content"), max_length=64)
    issued_at = models.DateTimeField(_("issued at"))
    valid_until = models.DateTimeField(_("valid until"))

    class Meta:
        verbose_name = _("registration certificate")
        verbose_name_plural = _("registration certificates")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["-issued_at", "-id"], name="registry_cert_recent_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="registry_cert_subject_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=CertificateKind.values),
                name="registry_certificate_kind_valid",
            ),
            # One certificate per registered subject (a change registers a new subject version).
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id"],
                name="registry_certificate_one_per_subject",
            ),
        ]

    def __str__(self):
        return self.number


class CertificateSequence(models.Model):
    """The running number of each kind of certificate in each year (row-locked when drawn)."""

    kind = models.CharField(max_length=2, choices=CertificateKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("certificate sequence")
        verbose_name_plural = _("certificate sequences")
        ordering = ["kind", "year"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="registry_sequence_unique")
        ]

    def __str__(self):
        return f"{self.kind}-{self.year}: {self.last}"
