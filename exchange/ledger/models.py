"""The exchange's double-entry ledger: accounts and the transfers between them.

Modelled on TigerBeetle. Every movement of money is a ``Transfer`` of a positive amount from one
account (debited) to another (credited) of the same currency, posted at once or held as pending
and later posted (in full or in part), voided, or expired; a correction is a new reversing
transfer. No row of this app is ever updated or deleted: the database refuses it (triggers.py).

Each transfer carries the balances of both its accounts as they stand after it (``dr_*`` for the
debit account, ``cr_*`` for the credit account), which the database checks against the account's
previous transfer: an account's balance is its latest transfer's, read in one index lookup
whatever the length of its history, and a statement's running balance is on every line. Amounts
are whole minor units (fen): exact on both databases, SQLite included.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from exchange.models import AppendOnlyError
from exchange.money import MINOR_UNITS, Money

CURRENCIES = [(code, code) for code in MINOR_UNITS]


class AccountPurpose(models.TextChoices):
    AVAILABLE = "available", _("Available funds")
    ESCROW = "escrow", _("Funds held in escrow")
    FEE_INCOME = "fee_income", _("Fee income")
    SERVICE_FEES_PAYABLE = "service_fees_payable", _("Third-party service fees payable")
    SUBSIDY_FUND = "subsidy_fund", _("Subsidy fund")
    PAYOUTS_IN_TRANSIT = "payouts_in_transit", _("Payouts in transit")
    BANK = "bank", _("Settlement account at the bank")


class TransferKind(models.TextChoices):
    POSTED = "posted", _("Posted")
    PENDING = "pending", _("Pending (held)")
    POST = "post", _("Posting of a pending transfer")
    VOID = "void", _("Voiding of a pending transfer")
    EXPIRE = "expire", _("Expiry of a pending transfer")


RESOLVING_KINDS = (TransferKind.POST, TransferKind.VOID, TransferKind.EXPIRE)

# What the exchange's own codes mean; a caller's other codes read as written.
CODE_LABELS = {
    "deposit": _("Deposit from the bank"),
    "withdrawal": _("Withdrawal to the bank"),
    "hold": _("Funds held"),
    "service_fee": _("Service fee"),
    "reversal": _("Reversal"),
    "payment": _("Payment"),
    "fee": _("Fee"),
    "subsidy": _("Subsidy"),
    "refund": _("Refund"),
}


class InsertOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are never deleted.")


class Account(InsertOnly):
    """An account of an owner (an organisation; none: the exchange itself) for one purpose and
    currency. Its limits are fixed when it is opened."""

    owner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    purpose = models.CharField(_("purpose"), max_length=30, choices=AccountPurpose.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, default="CNY")
    debits_must_not_exceed_credits = models.BooleanField(
        _("debits may not exceed credits"),
        default=False,
        help_text=_("The owner cannot spend money it does not have."),
    )
    credits_must_not_exceed_debits = models.BooleanField(
        _("credits may not exceed debits"), default=False
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "purpose", "currency"],
                condition=models.Q(owner__isnull=False),
                name="ledger_account_one_per_owner_purpose",
            ),
            models.UniqueConstraint(
                fields=["purpose", "currency"],
                condition=models.Q(owner__isnull=True),
                name="ledger_account_one_per_exchange_purpose",
            ),
            models.CheckConstraint(
                condition=~(
                    models.Q(debits_must_not_exceed_credits=True)
                    & models.Q(credits_must_not_exceed_debits=True)
                ),
                name="ledger_account_one_limit",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=AccountPurpose.values),
                name="ledger_account_purpose_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(currency__in=list(MINOR_UNITS)),
                name="ledger_account_currency_valid",
            ),
        ]

    def __str__(self):
        owner = self.owner.name if self.owner_id else _("the exchange")
        return f"{owner} · {self.get_purpose_display()} · {self.currency}"


class Transfer(InsertOnly):
    """A movement of ``amount`` (minor units) from ``debit_account`` to ``credit_account``."""

    key = models.CharField(_("idempotency key"), max_length=255)  # unique: see Meta
    # SHA-256 of what was asked under the key: a replay with another body is refused.
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    kind = models.CharField(_("kind"), max_length=10, choices=TransferKind.choices)
    # Each transfer is written once and indexed as little as its readers need: the account
    # foreign keys by the (account, id) indexes in Meta, the pending one by its unique index.
    debit_account = models.ForeignKey(
        Account,
        verbose_name=_("debit account"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    credit_account = models.ForeignKey(
        Account,
        verbose_name=_("credit account"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    amount = models.BigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, default="CNY")
    pending = models.ForeignKey(
        "self",
        verbose_name=_("pending transfer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolutions",
        db_index=False,
    )
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    # Transfers made together, all or none (linked): the key of the first of them.
    chain = models.CharField(_("linked with"), max_length=255, blank=True)
    code = models.CharField(_("code"), max_length=40)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    booked_at = models.DateTimeField(_("booked at"))
    business_date = models.DateField(_("business date"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # The debit account's balances after this transfer ...
    dr_debits_pending = models.BigIntegerField()
    dr_debits_posted = models.BigIntegerField()
    dr_credits_pending = models.BigIntegerField()
    dr_credits_posted = models.BigIntegerField()
    # ... and the credit account's.
    cr_debits_pending = models.BigIntegerField()
    cr_debits_posted = models.BigIntegerField()
    cr_credits_pending = models.BigIntegerField()
    cr_credits_posted = models.BigIntegerField()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["debit_account", "id"], name="ledger_transfer_debit_idx"),
            models.Index(fields=["credit_account", "id"], name="ledger_transfer_credit_idx"),
            models.Index(fields=["business_date", "id"], name="ledger_transfer_day_idx"),
            models.Index(
                fields=["expires_at"],
                condition=models.Q(kind="pending", expires_at__isnull=False),
                name="ledger_transfer_expiry_idx",
            ),
        ]
        constraints = [
            # A constraint rather than unique=True: no second (LIKE) index on PostgreSQL.
            models.UniqueConstraint(fields=["key"], name="ledger_transfer_key_unique"),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="ledger_transfer_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(debit_account=models.F("credit_account")),
                name="ledger_transfer_two_accounts",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=TransferKind.values), name="ledger_transfer_kind_valid"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=RESOLVING_KINDS, pending__isnull=False)
                    | (~models.Q(kind__in=RESOLVING_KINDS) & models.Q(pending__isnull=True))
                ),
                name="ledger_transfer_resolves_a_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__isnull=True) | models.Q(kind="pending"),
                name="ledger_transfer_only_pending_expires",
            ),
            models.CheckConstraint(
                condition=models.Q(reverses__isnull=True) | models.Q(kind="posted"),
                name="ledger_transfer_reversal_is_posted",
            ),
            # A pending transfer is posted, voided or expired once.
            models.UniqueConstraint(
                fields=["pending"],
                condition=models.Q(pending__isnull=False),
                name="ledger_transfer_resolved_once",
            ),
        ]

    def __str__(self):
        return f"{self.key}: {self.money} {self.get_kind_display()}"

    @property
    def money(self) -> Money:
        return Money.from_minor(self.amount, self.currency)

    @property
    def what(self) -> str:
        """What the transfer is for, as people read it: its memo, else its code's name."""
        return self.memo or str(CODE_LABELS.get(self.code, self.code))


class SealedDay(InsertOnly):
    """A business day's transfers, sealed: the RFC 9162 Merkle root of their canonical records,
    registered in the certificate log as the exchange's own certificate. No transfer may be
    booked on a sealed day (the database refuses it), and a changed transfer no longer hashes to
    the root the log holds."""

    business_date = models.DateField(_("business date"), unique=True)
    transfers = models.PositiveIntegerField(_("transfers"))
    first_transfer = models.ForeignKey(
        Transfer, verbose_name=_("first transfer"), on_delete=models.PROTECT, related_name="+"
    )
    last_transfer = models.ForeignKey(
        Transfer, verbose_name=_("last transfer"), on_delete=models.PROTECT, related_name="+"
    )
    root = models.BinaryField(_("Merkle root"), max_length=32)
    certificate = models.OneToOneField(
        "registry.Certificate",
        verbose_name=_("certificate"),
        on_delete=models.PROTECT,
        related_name="sealed_ledger_day",
    )
    sealed_at = models.DateTimeField(_("sealed at"))

    class Meta:
        verbose_name = _("sealed ledger day")
        verbose_name_plural = _("sealed ledger days")
        ordering = ["-business_date"]

    def __str__(self):
        return f"{self.business_date}: {self.transfers} transfers"
