"""Trading: verified buyers, their orders of listed products, each order's contract (registered in
the certificate log as a TX trade certificate) and its payment into escrow.

Money moves only through the ledger (exchange.ledger): an order points at its transfers; it never
stores a balance of its own.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from exchange.accounts.models import Organisation
from exchange.creditcode import validate_credit_code
from exchange.models import LifecycleEvent, TimeStampedModel
from exchange.money import Money
from exchange.uploads import private_storage, stored_name
from listings.models import DeliveryMode, Listing, ListingPlan, PlanKind, Scenario
from merchants.models import Merchant
from settlement.states import (
    BUYER_LIFECYCLE,
    CHANGE_LIFECYCLE,
    NEGOTIATION_LIFECYCLE,
    ORDER_LIFECYCLE,
    BuyerStatus,
    ChangeStatus,
    NegotiationStatus,
    OrderStatus,
)


class Buyer(TimeStampedModel):
    """An organisation's application to buy (需求方): its credit code checked, an operator's light
    review. A signed data merchant buys without one."""

    LIFECYCLE = BUYER_LIFECYCLE

    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="buyer",
    )
    company_name = models.CharField(_("company name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, validators=[validate_credit_code]
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=BuyerStatus.choices,
        default=BuyerStatus.APPLIED,
        editable=False,
    )

    class Meta:
        verbose_name = _("buyer")
        verbose_name_plural = _("buyers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=BuyerStatus.values),
                name="settlement_buyer_status_valid",
            ),
            models.UniqueConstraint(fields=["credit_code"], name="settlement_buyer_unique_code"),
        ]

    def __str__(self):
        return f"{self.company_name} ({self.credit_code})"


class BuyerEvent(LifecycleEvent):
    subject = models.ForeignKey(
        Buyer, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="events"
    )

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("buyer event")
        verbose_name_plural = _("buyer events")


class Order(TimeStampedModel):
    """A buyer's order of one plan of a listed product. For a fixed-price plan the listing is the
    merchant's standing offer: placing the order accepts it and the contract forms at once."""

    LIFECYCLE = ORDER_LIFECYCLE

    buyer = models.ForeignKey(
        Organisation, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="orders"
    )
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="orders"
    )
    listing = models.ForeignKey(
        Listing, verbose_name=_("listing"), on_delete=models.PROTECT, related_name="orders"
    )
    plan = models.ForeignKey(
        ListingPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="orders"
    )
    # What was bought, as it was when the order was placed (the sheet and the plan may change).
    product_name = models.CharField(_("product name"), max_length=120)
    plan_kind = models.CharField(_("plan"), max_length=20, choices=PlanKind.choices)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=4)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    # The total the buyer pays: the trade value and, when one is due, the buyer's service fee.
    value_amount = models.DecimalField(_("trade value"), max_digits=18, decimal_places=2)
    buyer_fee_amount = models.DecimalField(
        _("buyer's service fee"), max_digits=18, decimal_places=2, default=0
    )
    total_amount = models.DecimalField(_("total"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    scenario = models.ForeignKey(
        Scenario,
        verbose_name=_("application scenario"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.CONTRACT_SIGNED,
        editable=False,
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    placed_at = models.DateTimeField(_("placed at"))
    # The first delivery: the buyer's access and the acceptance window start here.
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True, editable=False)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True, editable=False)
    # A subscription (monthly, yearly): the period its delivery opens, whether it renews, and the
    # order it renews (settlement.subscriptions).
    period_start = models.DateTimeField(_("period from"), null=True, blank=True, editable=False)
    period_end = models.DateTimeField(_("period until"), null=True, blank=True, editable=False)
    auto_renew = models.BooleanField(_("renews automatically"), default=True)
    renewal_of = models.OneToOneField(
        "self",
        verbose_name=_("renews"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="renewal",
    )
    batch = models.ForeignKey(
        "PayoutBatch",
        verbose_name=_("settlement batch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="orders",
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["buyer", "-placed_at"], name="settlement_order_buyer_idx"),
            models.Index(fields=["merchant", "-placed_at"], name="settlement_order_merchant_idx"),
            models.Index(fields=["status", "placed_at"], name="settlement_order_status_idx"),
            models.Index(
                fields=["delivered_at"],
                condition=models.Q(status="delivered"),
                name="settlement_order_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OrderStatus.values),
                name="settlement_order_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(total_amount__gt=0), name="settlement_order_total_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="settlement_order_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    value_amount__gt=0,
                    buyer_fee_amount__gte=0,
                    total_amount=models.F("value_amount") + models.F("buyer_fee_amount"),
                ),
                name="settlement_order_total_adds_up",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.product_name} × {self.quantity}"

    @property
    def total(self) -> Money:
        return Money(self.total_amount, self.currency)

    @property
    def value(self) -> Money:
        return Money(self.value_amount, self.currency)

    @property
    def buyer_fee(self) -> Money:
        return Money(self.buyer_fee_amount, self.currency)


class OrderEvent(LifecycleEvent):
    subject = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="events"
    )

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        indexes = [
            models.Index(
                fields=["subject", "occurred_at", "id"], name="settlement_oevent_subject_idx"
            )
        ]


class Contract(TimeStampedModel):
    """The purchase agreement an order forms: its parties, the product version, the plan, the
    price, the scenario and the usage restrictions, registered as a TX trade certificate."""

    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="contract"
    )
    terms = models.JSONField(_("terms"))
    formed_at = models.DateTimeField(_("formed at"))
    # Ended early by both parties' agreement: the buyer's access ends here (a ContractChange).
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, editable=False)
    # Sequenced with the order (formed_at), then issued when the log integrates it (batched):
    # empty for the second or so in between.
    certificate = models.OneToOneField(
        "registry.Certificate",
        verbose_name=_("trade certificate"),
        on_delete=models.PROTECT,
        related_name="contract",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-formed_at", "-id"]

    def __str__(self):
        return self.certificate.number if self.certificate else f"#{self.order_id}"

    @property
    def number(self) -> str | None:
        return self.certificate.number if self.certificate_id else None


class Negotiation(TimeStampedModel):
    """A negotiated plan's quote round (协议交易): the buyer asks, the merchant quotes, the buyer
    accepts or counters, until one side accepts the other's last price and the contract forms
    (an order at that price) or either side declines."""

    LIFECYCLE = NEGOTIATION_LIFECYCLE

    buyer = models.ForeignKey(
        Organisation,
        verbose_name=_("buyer"),
        on_delete=models.PROTECT,
        related_name="negotiations",
    )
    merchant = models.ForeignKey(
        Merchant,
        verbose_name=_("merchant"),
        on_delete=models.PROTECT,
        related_name="negotiations",
    )
    listing = models.ForeignKey(
        Listing, verbose_name=_("listing"), on_delete=models.PROTECT, related_name="negotiations"
    )
    plan = models.ForeignKey(
        ListingPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="negotiations"
    )
    scenario = models.ForeignKey(
        Scenario,
        verbose_name=_("application scenario"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requirements = models.TextField(_("what the buyer needs"), max_length=2000)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=NegotiationStatus.choices,
        default=NegotiationStatus.REQUESTED,
        editable=False,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.OneToOneField(
        "Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="negotiation",
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        verbose_name = _("negotiation")
        verbose_name_plural = _("negotiations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=NegotiationStatus.values),
                name="settlement_negotiation_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="agreed") | models.Q(order__isnull=False),
                name="settlement_negotiation_agreed_has_order",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.listing.product} ({self.get_status_display()})"

    @property
    def last_offer(self):
        return self.offers.order_by("-made_at", "-id").first()


class NegotiationEvent(LifecycleEvent):
    subject = models.ForeignKey(
        Negotiation, verbose_name=_("negotiation"), on_delete=models.PROTECT, related_name="events"
    )

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("negotiation event")
        verbose_name_plural = _("negotiation events")


class Side(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    MERCHANT = "merchant", _("Merchant")


class Offer(models.Model):
    """A price one side put to the other in a negotiation."""

    negotiation = models.ForeignKey(
        Negotiation, verbose_name=_("negotiation"), on_delete=models.PROTECT, related_name="offers"
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    amount = models.DecimalField(_("price"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    note = models.TextField(_("note"), max_length=2000, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    made_at = models.DateTimeField(_("made at"))

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["made_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="settlement_offer_amount_positive"
            ),
        ]

    def __str__(self):
        return f"{self.get_side_display()} {self.money}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class ChangeKind(models.TextChoices):
    AMEND = "amend", _("Amendment")
    END_EARLY = "end_early", _("Early end")


class ContractChange(TimeStampedModel):
    """A change one party proposes to a formed contract and the other agrees to (or rejects): an
    amendment of its clauses or application scenario, or an early end of the buyer's access. An
    agreed change is registered against the contract's certificate (a change registration)."""

    LIFECYCLE = CHANGE_LIFECYCLE

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="changes"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChangeKind.choices)
    clauses = models.TextField(_("what changes"), max_length=4000)
    scenario = models.ForeignKey(
        Scenario,
        verbose_name=_("new application scenario"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ends_at = models.DateTimeField(_("access ends at"), null=True, blank=True)
    proposed_side = models.CharField(_("proposed by"), max_length=10, choices=Side.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ChangeStatus.choices,
        default=ChangeStatus.PROPOSED,
        editable=False,
    )
    certificate = models.OneToOneField(
        "registry.Certificate",
        verbose_name=_("change registration"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("contract change")
        verbose_name_plural = _("contract changes")
        ordering = ["proposed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ChangeStatus.values),
                name="settlement_change_status_valid",
            ),
            models.UniqueConstraint(
                fields=["contract"],
                condition=models.Q(status="proposed"),
                name="settlement_change_one_open",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="agreed") | models.Q(certificate__isnull=False),
                name="settlement_change_agreed_registered",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.contract.order_id})"


class ContractChangeEvent(LifecycleEvent):
    subject = models.ForeignKey(
        ContractChange,
        verbose_name=_("contract change"),
        on_delete=models.PROTECT,
        related_name="events",
    )

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("contract change event")
        verbose_name_plural = _("contract change events")


class Payment(TimeStampedModel):
    """An order's payment into escrow: the ledger hold, and the response the API gave, which a
    retry under the same Idempotency-Key gets again."""

    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="payment"
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=255)
    hold = models.OneToOneField(
        "ledger.Transfer",
        verbose_name=_("escrow hold"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paid by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    paid_at = models.DateTimeField(_("paid at"))
    response = models.JSONField(_("API response"), default=dict)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at", "-id"]

    def __str__(self):
        return f"#{self.order_id}: {self.hold.money}"


def _delivery_path(delivery: "Delivery", filename: str) -> str:
    return stored_name(f"orders/{delivery.order_id}/deliveries", filename)


class Delivery(TimeStampedModel):
    """One delivery of an order, and its receipt: what (name, size, rows, SHA-256), when, by whom.

    Every mode starts with the merchant's data package, checked like a sample: a file delivery
    is downloaded by the buyer; an API delivery is served row by row through the exchange's
    gateway under the order's key; a privacy-computing delivery is never handed over, only
    queried in aggregate (its columns are what the buyer may query)."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="deliveries"
    )
    mode = models.CharField(_("delivery mode"), max_length=20, choices=DeliveryMode.choices)
    file = models.FileField(
        _("file"), upload_to=_delivery_path, storage=private_storage, max_length=300
    )
    original_name = models.CharField(_("file name"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    rows = models.PositiveIntegerField(_("rows"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delivered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    delivered_at = models.DateTimeField(_("delivered at"))

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["delivered_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mode__in=["file", "project", "api", "privacy_computing"]),
                name="settlement_delivery_mode_valid",
            ),
        ]

    def __str__(self):
        return f"#{self.order_id}: {self.original_name}"

    @property
    def downloadable(self) -> bool:
        return self.mode in (DeliveryMode.FILE, DeliveryMode.PROJECT)

    @property
    def file_format(self) -> str:
        return "json" if self.original_name.lower().endswith(".json") else "csv"


class Download(models.Model):
    """A download of a delivery: every one is recorded."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.PROTECT, related_name="downloads"
    )
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("downloaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    downloaded_at = models.DateTimeField(_("downloaded at"))

    class Meta:
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        ordering = ["-downloaded_at", "-id"]

    def __str__(self):
        return f"{self.delivery} ← {self.downloaded_by}"


# --- API and privacy-computing access ------------------------------------------------------------


class GatewayAccess(TimeStampedModel):
    """An API delivery's grant: the calls the order may make through the exchange's gateway, until
    when, and the hash of its current key (the key itself is shown once, to the buyer)."""

    delivery = models.OneToOneField(
        Delivery, verbose_name=_("delivery"), on_delete=models.PROTECT, related_name="gateway"
    )
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="gateway_grants"
    )
    quota = models.PositiveIntegerField(_("call quota"))
    calls = models.PositiveIntegerField(_("calls served"), default=0)
    valid_until = models.DateTimeField(_("valid until"))
    key_prefix = models.CharField(_("key prefix"), max_length=16, blank=True)
    key_hash = models.CharField(_("key hash"), max_length=64, blank=True, editable=False)
    key_issued_at = models.DateTimeField(_("key issued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API access")
        verbose_name_plural = _("API access")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(calls__lte=models.F("quota")),
                name="settlement_gateway_within_quota",
            ),
            models.UniqueConstraint(
                fields=["key_hash"],
                condition=~models.Q(key_hash=""),
                name="settlement_gateway_key_unique",
            ),
        ]

    def __str__(self):
        return f"#{self.order_id}: {self.calls}/{self.quota}"

    @property
    def remaining(self) -> int:
        return self.quota - self.calls


class CallOutcome(models.TextChoices):
    SERVED = "served", _("Served")
    QUOTA_EXHAUSTED = "quota_exhausted", _("Refused: quota used up")
    EXPIRED = "expired", _("Refused: access expired")
    ORDER_CLOSED = "order_closed", _("Refused: the order gives no access")


class GatewayCall(models.Model):
    """One call to the gateway with a valid key, served or refused: the meter both sides read."""

    access = models.ForeignKey(
        GatewayAccess, verbose_name=_("API access"), on_delete=models.PROTECT, related_name="log"
    )
    called_at = models.DateTimeField(_("called at"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=CallOutcome.choices)
    rows = models.PositiveIntegerField(_("rows returned"), default=0)
    query = models.CharField(_("query"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("gateway call")
        verbose_name_plural = _("gateway calls")
        ordering = ["-called_at", "-id"]
        indexes = [models.Index(fields=["access", "-called_at"], name="settlement_call_access_idx")]

    def __str__(self):
        return f"{self.access_id} {self.called_at:%Y-%m-%d %H:%M} {self.outcome}"


class PrivacyQuery(models.Model):
    """An aggregate query a buyer ran against a privacy-computing delivery, with its receipt: the
    query as it ran, its SHA-256, the result and the result's SHA-256 (RFC 8785 JSON)."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.PROTECT, related_name="queries"
    )
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="queries"
    )
    sql = models.TextField(_("query"))
    sql_sha256 = models.CharField(_("query SHA-256"), max_length=64)
    result = models.JSONField(_("result"))
    result_sha256 = models.CharField(_("result SHA-256"), max_length=64)
    suppressed_groups = models.PositiveIntegerField(_("groups suppressed"), default=0)
    k = models.PositiveIntegerField(_("smallest group shown"))
    engine = models.CharField(_("engine"), max_length=40)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    asked_at = models.DateTimeField(_("asked at"))

    class Meta:
        verbose_name = _("privacy query")
        verbose_name_plural = _("privacy queries")
        ordering = ["-asked_at", "-id"]

    def __str__(self):
        return f"#{self.order_id}: {self.sql_sha256[:12]}"


# --- disputes and arbitration -----------------------------------------------------------------------


class DisputeOutcome(models.TextChoices):
    """An arbitrator's decision (DOMAIN.md §8a): the names are the order's actions."""

    REFUND_IN_FULL = "refund_in_full", _("Refund in full")
    REFUND_IN_PART = "refund_in_part", _("Refund in part")
    DISMISS = "dismiss", _("Dismissed")


def _evidence_path(dispute: "Dispute", filename: str) -> str:
    return stored_name(f"orders/{dispute.order_id}/dispute", filename)


class Dispute(TimeStampedModel):
    """A buyer's dispute of a delivery, the merchant's answer and the arbitrator's decision; the
    funds stay held in escrow until it is decided, and the decision is registered (TX)."""

    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="dispute"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    evidence = models.FileField(
        _("evidence"), upload_to=_evidence_path, storage=private_storage, max_length=300
    )
    evidence_name = models.CharField(_("evidence file name"), max_length=120)
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"))
    answer = models.TextField(_("merchant's answer"), max_length=2000, blank=True)
    answer_evidence = models.FileField(
        _("answer's evidence"),
        upload_to=_evidence_path,
        storage=private_storage,
        max_length=300,
        blank=True,
    )
    answer_evidence_name = models.CharField(
        _("answer's evidence file name"), max_length=120, blank=True
    )
    answer_evidence_sha256 = models.CharField(
        _("answer's evidence SHA-256"), max_length=64, blank=True
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    outcome = models.CharField(
        _("decision"), max_length=20, choices=DisputeOutcome.choices, blank=True
    )
    # What goes back to the buyer: the whole total (in full), an exact part of the trade value.
    refund_amount = models.DecimalField(_("refund"), max_digits=18, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    decision_reason = models.TextField(_("grounds of the decision"), max_length=4000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    certificate = models.OneToOneField(
        "registry.Certificate",
        verbose_name=_("decision's certificate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(
                fields=["opened_at"],
                condition=models.Q(outcome=""),
                name="settlement_dispute_open_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=["", *DisputeOutcome.values]),
                name="settlement_dispute_outcome_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(refund_amount__gte=0)
                & (
                    models.Q(outcome="refund_in_part", refund_amount__gt=0)
                    | ~models.Q(outcome="refund_in_part")
                ),
                name="settlement_dispute_refund_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="", decided_at__isnull=True)
                | (~models.Q(outcome="") & models.Q(decided_at__isnull=False)),
                name="settlement_dispute_decided_when_decided",
            ),
        ]

    def __str__(self):
        return f"#{self.order_id}: {self.reason[:40]}"

    @property
    def refund(self) -> Money:
        return Money(self.refund_amount, self.currency)

    @property
    def is_open(self) -> bool:
        return not self.outcome


# --- clearing and settlement -------------------------------------------------------------------------


class LineKind(models.TextChoices):
    """The lines of an order's clearing (DOMAIN.md §8: fees and subsidies)."""

    VALUE = "value", _("Trade value")
    REFUND = "refund", _("Refund (arbitration decision)")
    BUYER_FEE = "buyer_fee", _("Buyer's service fee")
    MERCHANT_FEE = "merchant_fee", _("Exchange service fee")
    ASSESSOR_FEE = "assessor_fee", _("Compliance assessment fee")
    TRADING_SUBSIDY = "trading_subsidy", _("Trading service-fee subsidy")
    LISTING_SUBSIDY = "listing_subsidy", _("First registration and listing subsidy")


class ClearingLine(models.Model):
    """One line of an order's clearing: who pays or receives what, by which transfer of the
    order's linked chain, and the rule that set the amount (shown on receipts and statements)."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="lines"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LineKind.choices)
    # The organisation the line is for (the merchant, the buyer, the assessor).
    party = models.ForeignKey(
        Organisation, verbose_name=_("party"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    transfer = models.OneToOneField(
        "ledger.Transfer", verbose_name=_("transfer"), on_delete=models.PROTECT, related_name="+"
    )
    rule = models.CharField(_("rule"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("clearing line")
        verbose_name_plural = _("clearing lines")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="settlement_line_amount_positive"
            ),
        ]

    def __str__(self):
        return f"#{self.order_id} {self.get_kind_display()} {self.money}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class BatchStatus(models.TextChoices):
    OPEN = "open", _("Paying out")
    SETTLED = "settled", _("Settled")


class PayoutBatch(TimeStampedModel):
    """The settlement of one working day (T+1): every order cleared before it, netted into one
    payout per payee to the simulated bank, and registered in the certificate log."""

    business_date = models.DateField(_("settlement date"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"))
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    total_amount = models.DecimalField(_("paid out"), max_digits=18, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    digest = models.CharField(_("digest of the lines"), max_length=64, blank=True)
    certificate = models.OneToOneField(
        "registry.Certificate",
        verbose_name=_("certificate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("settlement batch")
        verbose_name_plural = _("settlement batches")
        ordering = ["-business_date"]

    def __str__(self):
        return f"{self.business_date.isoformat()} · {self.get_status_display()}"

    @property
    def total(self) -> Money:
        return Money(self.total_amount, self.currency)


class PayoutLine(models.Model):
    """One payee's payout in a batch: the net of its clearing lines, paid to the bank at once."""

    batch = models.ForeignKey(
        PayoutBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="lines"
    )
    payee = models.ForeignKey(
        Organisation, verbose_name=_("payee"), on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(
        "ledger.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    orders = models.PositiveIntegerField(_("orders"))
    transfer = models.OneToOneField(
        "ledger.Transfer", verbose_name=_("payout"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["batch", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "account"], name="settlement_payout_once"),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="settlement_payout_positive"
            ),
        ]

    def __str__(self):
        return f"{self.batch} → {self.payee}: {self.money}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)
