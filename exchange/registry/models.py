"""Unified registration (统一登记): certificates and the transparency log that holds them.

A certificate is an append-only record of what was registered, for whom, with a digest of the
registered content. Each one is an entry of the log (RFC 9162 Merkle tree stored as C2SP tiles,
Ed25519-signed checkpoints). All log state lives in these tables; database triggers (migration
0002) refuse updates and deletes of entries and checkpoints, and any change to a full tile.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models.functions import Mod
from django.utils.translation import gettext_lazy as _

from exchange.models import AppendOnlyError, AppendOnlyModel
from exchange.registry.tiles import TILE_WIDTH
from exchange.validators import validate_name


class CertificateKind(models.TextChoices):
    DATA_RESOURCE = "DR", _("Data resource registration")
    DATA_PRODUCT = "DP", _("Data product registration")
    DATA_ASSET = "DA", _("Data asset registration")
    TRADE = "TX", _("Trade certificate")
    # The exchange's own: a sealed ledger day, the Merkle root of its transfers (exchange/ledger).
    LEDGER_DAY = "LD", _("Sealed ledger day")
    # A day's settlement batch: the digest of its payout lines (settlement).
    SETTLEMENT_BATCH = "SB", _("Settlement batch")


class Right(models.TextChoices):
    """三权分置: the three rights a registration may confirm (DOMAIN.md §6)."""

    RESOURCE_HOLDING = "resource_holding", _("Data resource holding right")
    PROCESSING_USE = "processing_use", _("Data processing and use right")
    PRODUCT_OPERATION = "product_operation", _("Data product operation right")


class Action(models.TextChoices):
    """Kinds of registration (DOMAIN.md §6). Every kind after the first appends a new certificate
    that references the original; nothing is edited."""

    INITIAL = "initial", _("Initial registration")
    LICENCE = "licence", _("Licence registration")
    TRANSFER = "transfer", _("Transfer registration")
    CHANGE = "change", _("Change registration")
    RENEWAL = "renewal", _("Renewal registration")
    CANCELLATION = "cancellation", _("Cancellation registration")
    REVOCATION = "revocation", _("Revocation registration")
    OBJECTION = "objection", _("Objection registration")


# What an amendment may register: every kind but the first registration.
AMENDMENT_ACTIONS = [choice for choice in Action.choices if choice[0] != Action.INITIAL]


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    CHANGED = "changed", _("Changed")
    CANCELLED = "cancelled", _("Cancelled")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


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
    action = models.CharField(
        _("registration kind"), max_length=20, choices=Action.choices, default=Action.INITIAL
    )
    # The certificate an amendment (licence, change, cancellation...) refers to.
    original = models.ForeignKey(
        "self",
        verbose_name=_("original certificate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
    )
    reason = models.TextField(_("reason"), blank=True)
    # Set in the transaction that issues it: the entry, and the proof against the checkpoint
    # signed right after the entry was appended (c2sp.org/tlog-proof@v1).
    log_index = models.PositiveBigIntegerField(_("log index"), unique=True, null=True)
    checkpoint = models.ForeignKey(
        "Checkpoint",
        verbose_name=_("checkpoint"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    proof = models.TextField(_("inclusion proof"), blank=True)

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
            models.CheckConstraint(
                condition=models.Q(action__in=sorted(Action.values)),
                name="registry_certificate_action_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(action=Action.INITIAL, original__isnull=True)
                | (~models.Q(action=Action.INITIAL) & models.Q(original__isnull=False)),
                name="registry_certificate_amendment_has_original",
            ),
            # One first registration per subject (a change registers a new subject version).
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id"],
                condition=models.Q(action__in=["change", "initial"]),
                name="registry_certificate_one_per_subject",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def content_data(self) -> dict:
        return json.loads(self.content)


class SequencedRegistration(models.Model):
    """A first registration queued for the log (Tessera's sequencing): written inside the caller's
    transaction without the log's head lock, then integrated with the others queued since, in one
    append under one signed checkpoint (``services.integrate_pending``), which issues its
    certificate (number, log entry, proof). The id is the order of integration."""

    kind = models.CharField(_("kind"), max_length=2, choices=CertificateKind.choices)
    registrant_name = models.CharField(_("registrant"), max_length=200)
    registrant_credit_code = models.CharField(_("registrant's credit code"), max_length=18)
    subject_type = models.CharField(_("subject type"), max_length=60)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject_label = models.CharField(_("subject"), max_length=300)
    rights = models.JSONField(_("rights"), default=list)
    content = models.JSONField(_("content"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    sequenced_at = models.DateTimeField(_("sequenced at"))
    certificate = models.OneToOneField(
        Certificate,
        verbose_name=_("certificate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sequenced",
    )

    class Meta:
        verbose_name = _("sequenced registration")
        verbose_name_plural = _("sequenced registrations")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id"],
                name="registry_sequenced_one_per_subject",
            ),
        ]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(certificate__isnull=True),
                name="registry_sequenced_pending_idx",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.subject_type}:{self.subject_id}"


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


class RegisteredData(AppendOnlyModel):
    """A data resource or data asset registered directly by its holder (数据资源/数据资产登记).

    Data products are registered by the listing pipeline; resources and assets are registered
    here, by an operator, for any enterprise holding them. The certificate's subject is this row.
    """

    kind = models.CharField(
        _("kind"),
        max_length=2,
        choices=[
            (CertificateKind.DATA_RESOURCE, CertificateKind.DATA_RESOURCE.label),
            (CertificateKind.DATA_ASSET, CertificateKind.DATA_ASSET.label),
        ],
    )
    name = models.CharField(_("name"), max_length=200, validators=[validate_name])
    description = models.TextField(_("description"))
    source = models.TextField(_("data source and how it was obtained"))
    volume = models.CharField(_("volume"), max_length=200, blank=True)
    # A data asset's book value (入表), when the holder recognises it on the balance sheet.
    book_value = models.DecimalField(
        _("book value"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    registrant_name = models.CharField(_("registrant"), max_length=200, validators=[validate_name])
    registrant_credit_code = models.CharField(_("registrant's credit code"), max_length=18)
    # Who asked for the registration, and the Idempotency-Key they sent with it: the same key
    # again returns this registration instead of a second certificate (STYLE §5).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, blank=True)
    request_digest = models.CharField(_("SHA-256 of the request"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("registered data resource or asset")
        verbose_name_plural = _("registered data resources and assets")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["DA", "DR"]), name="registry_registereddata_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(book_value__isnull=True) | models.Q(book_value__gt=0),
                name="registry_registereddata_book_value_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(currency="CNY"), name="registry_registereddata_currency_cny"
            ),
            models.UniqueConstraint(
                fields=["requested_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="registry_registereddata_idempotency_key_unique",
            ),
        ]

    def __str__(self):
        return self.name


# --- The transparency log ---------------------------------------------------------------------


class LogKey(models.Model):
    """The log's Ed25519 key. The public half verifies every checkpoint signed by it.

    The embedded default generates the key once and keeps its seed here, so a copy of the
    database still verifies; production gives the seed in REGISTRY_LOG_SIGNER_KEY and stores
    only the public key.
    """

    name = models.CharField(_("key name (the log's origin)"), max_length=200)
    public_key = models.BinaryField(_("Ed25519 public key"), max_length=32)
    seed = models.BinaryField(_("Ed25519 private seed"), max_length=32, null=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("log signing key")
        verbose_name_plural = _("log signing keys")
        constraints = [
            models.UniqueConstraint(fields=["name", "public_key"], name="registry_logkey_unique")
        ]

    def __str__(self):
        return self.name


class LogState(models.Model):
    """The head of the log: its size and compact-range frontier (row-locked by the appender)."""

    SINGLETON_ID = 1

    size = models.PositiveBigIntegerField(default=0)
    # The roots of the tree's perfect subtrees, largest first, 32 bytes each.
    frontier = models.BinaryField(default=b"")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("log state")
        verbose_name_plural = _("log state")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="registry_logstate_singleton")
        ]

    def __str__(self):
        return f"log size {self.size}"


class LogIndexField(models.PositiveBigIntegerField):
    """A log index as a primary key. SQLite makes a key declared exactly INTEGER the table's rowid,
    so the entries are one B-tree rather than a table and an index (its integers are 64-bit)."""

    def db_type(self, connection):
        return "integer" if connection.vendor == "sqlite" else super().db_type(connection)


class LogBundlePart(models.Model):
    """The entries one append added to one C2SP entry bundle (256 entries a bundle), stored as the
    bundle serves them: each entry, the RFC 8785 canonical JSON bytes of a certificate record
    exactly as hashed, preceded by its 2-byte big-endian length. A bundle is its parts in order
    of their first entry; a part never changes. An append of a thousand entries writes four or
    five rows, not a thousand; one-by-one appends write one row each, as before.
    """

    first = LogIndexField(_("first entry"), primary_key=True)
    count = models.PositiveSmallIntegerField(_("entries"))
    data = models.BinaryField(_("entry bytes"))

    class Meta:
        verbose_name = _("log entries (part of a bundle)")
        verbose_name_plural = _("log entries (parts of bundles)")
        ordering = ["first"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(count__gte=1)
                & models.lookups.LessThanOrEqual(
                    Mod(models.F("first"), TILE_WIDTH) + models.F("count"), TILE_WIDTH
                ),
                name="registry_logbundlepart_within_one_bundle",
            )
        ]

    def __str__(self):
        return f"entries {self.first}..{self.first + self.count - 1}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Log entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Log entries are append-only.")


class LogTile(models.Model):
    """A C2SP tlog-tiles tile: up to 256 hashes of tree level 8 × ``level``, 32 bytes each.

    The right-edge tile of each level grows as entries are appended; a full tile never changes.
    """

    level = models.PositiveSmallIntegerField(_("tile level"))
    index = models.PositiveBigIntegerField(_("tile index"))
    hashes = models.BinaryField(_("hashes"))

    class Meta:
        verbose_name = _("log tile")
        verbose_name_plural = _("log tiles")
        ordering = ["level", "index"]
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="registry_logtile_unique")
        ]

    def __str__(self):
        return f"tile {self.level}/{self.index} ({len(self.hashes) // 32})"


class Checkpoint(models.Model):
    """A signed checkpoint (C2SP tlog-checkpoint in a signed note) of the tree at ``size``."""

    size = models.PositiveBigIntegerField(_("tree size"), unique=True)
    root = models.BinaryField(_("root hash"), max_length=32)
    note = models.TextField(_("signed note"))
    key = models.ForeignKey(LogKey, verbose_name=_("signing key"), on_delete=models.PROTECT)
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["-size"]
        get_latest_by = "size"

    def __str__(self):
        return f"checkpoint {self.size}"
