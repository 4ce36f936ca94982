"""Data products (数据产品), their versions and description sheets, reviews, and sale items (挂牌).

A *product* is the merchant's lasting identity for a data product. Each *version* carries a full
description sheet (数据产品说明书) and goes through the registration pipeline; the product points at
its registered version. A *listing* is the sale item on one or more boards, reviewed separately.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from exchange.models import LifecycleEvent, StoredDocument, TimeStampedModel
from exchange.money import format_amount
from exchange.registry.models import Certificate
from exchange.uploads import private_storage
from exchange.validators import validate_name
from listings.cross_border import Route, export_route
from listings.states import (
    LISTING_LIFECYCLE,
    LISTING_LIVE,
    OBJECTION_LIFECYCLE,
    VERSION_IN_PROGRESS,
    VERSION_LIFECYCLE,
    ListingStatus,
    ObjectionStatus,
    ReviewStage,
    VersionStatus,
)
from listings.visibility import (
    ListingEventQuerySet,
    ListingQuerySet,
    ObjectionQuerySet,
    ProductVersionQuerySet,
    ReviewQuerySet,
    VersionEventQuerySet,
    VersionInternalsQuerySet,
)
from merchants.models import DataAcquisition, Merchant


class ReferenceData(models.Model):
    """Bilingual reference rows loaded by migrations (boards, scenarios)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class QualityGrade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    E = "E", "E"


class BoardKind(models.TextChoices):
    KEY = "key", _("Key board")
    SPECIAL = "special", _("Special board")
    INTERNATIONAL = "international", _("International Board")
    DIGITAL_ASSET = "digital_asset", _("Digital asset board")
    REGIONAL = "regional", _("Regional board")


class Board(ReferenceData):
    """A board (板块) of the exchange's catalogue (DOMAIN.md §3)."""

    kind = models.CharField(_("kind"), max_length=20, choices=BoardKind.choices)
    # The lowest quality grade a product may have to be listed here (simulator rule, per board).
    min_quality_grade = models.CharField(
        _("minimum quality grade"),
        max_length=1,
        choices=QualityGrade.choices,
        default=QualityGrade.C,
    )

    class Meta(ReferenceData.Meta):
        verbose_name = _("board")
        verbose_name_plural = _("boards")
        indexes = [models.Index(fields=["position", "id"], name="listings_board_order_idx")]

    @property
    def is_international(self) -> bool:
        return self.kind == BoardKind.INTERNATIONAL


class Scenario(ReferenceData):
    """An application scenario (应用场景): every product and every order states one."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("application scenario")
        verbose_name_plural = _("application scenarios")
        indexes = [models.Index(fields=["position", "id"], name="listings_scenario_order_idx")]


class ProductType(models.TextChoices):
    DATASET = "dataset", _("Dataset")
    DATA_PACKAGE = "data_package", _("Data package")
    API = "api", _("Data API")
    REPORT = "report", _("Data report")
    APPLICATION = "application", _("Data application or solution")
    MODEL = "model", _("Model or algorithm")
    PRIVACY_COMPUTING = "privacy_computing", _("Privacy-computing service")


class Classification(models.TextChoices):
    """GB/T 43697-2024 levels; core data cannot be registered or traded."""

    GENERAL = "general", _("General data")
    IMPORTANT = "important", _("Important data")
    CORE = "core", _("Core data")


class UpdateFrequency(models.TextChoices):
    REALTIME = "realtime", _("Real time")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")
    ONCE = "once", _("One-off, no updates")


class ColumnType(models.TextChoices):
    """The type of a declared field (说明书's fields) and of a sample's column in its profile
    (``listings.samples.COLUMN_TYPES``)."""

    TEXT = "text", _("Text")
    INTEGER = "integer", _("Integer")
    DECIMAL = "decimal", _("Decimal number")
    BOOLEAN = "boolean", _("Yes/no")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    EMPTY = "empty", _("Empty")


class DeliveryMode(models.TextChoices):
    FILE = "file", _("File or data package")
    API = "api", _("API")
    PRIVACY_COMPUTING = "privacy_computing", _("Privacy computing (usable but not visible)")
    PROJECT = "project", _("Project delivery")


class LegalBasis(models.TextChoices):
    """Why personal information may be processed and traded (PIPL art. 13)."""

    CONSENT = "consent", _("Separate consent of the individuals")
    CONTRACT = "contract", _("Necessary for a contract with the individual")
    LEGAL_DUTY = "legal_duty", _("Legal duty")
    PUBLIC = "public", _("Lawfully disclosed information, within a reasonable scope")
    ANONYMISED = "anonymised", _("Anonymised: no longer personal information")


class PersonalInformationKind(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID number")
    MOBILE = "mobile", _("Mobile number")
    BANK_CARD = "bank_card", _("Bank card number")
    EMAIL = "email", _("E-mail address")
    PERSON_NAME = "person_name", _("Personal name")


class Product(TimeStampedModel):
    """A data product of a merchant: the lasting identity its versions and listings refer to."""

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="products"
    )
    registered_version = models.OneToOneField(
        "ProductVersion",
        verbose_name=_("registered version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("data product")
        verbose_name_plural = _("data products")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="listings_product_recent_idx")]

    def __str__(self):
        version = self.registered_version
        return version.name if version else f"#{self.pk}"

    @property
    def is_registered(self) -> bool:
        return self.registered_version_id is not None


# Samples are CSV or a JSON array of objects (listings.samples reads both).
SAMPLE_CONTENT_TYPES = {".csv": "text/csv; charset=utf-8", ".json": "application/json"}


def sample_path(version: "ProductVersion", filename: str) -> str:
    return f"products/{version.product_id}/samples/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


class ProductVersion(TimeStampedModel):
    """One version of a product's description sheet (数据产品说明书) on its way to registration."""

    LIFECYCLE = VERSION_LIFECYCLE

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=VersionStatus.choices,
        default=VersionStatus.DRAFT,
        editable=False,
    )
    # --- the description sheet ---
    name = models.CharField(_("product name"), max_length=120, validators=[validate_name])
    summary = models.TextField(_("summary"), max_length=2000)
    product_type = models.CharField(_("type"), max_length=24, choices=ProductType.choices)
    board = models.ForeignKey(
        Board, verbose_name=_("board"), on_delete=models.PROTECT, related_name="+"
    )
    scenarios = models.ManyToManyField(
        Scenario, verbose_name=_("application scenarios"), related_name="+", blank=True
    )
    data_source = models.TextField(_("data source"), blank=True)
    acquisition = models.CharField(
        _("how the data was obtained"), max_length=20, choices=DataAcquisition.choices, blank=True
    )
    fields_schema = models.JSONField(
        _("fields"), default=list, blank=True, help_text=_("A list of {name, type, description}.")
    )
    time_coverage_start = models.DateField(_("coverage from"), null=True, blank=True)
    time_coverage_end = models.DateField(_("coverage to"), null=True, blank=True)
    spatial_coverage = models.CharField(_("spatial coverage"), max_length=200, blank=True)
    record_count = models.PositiveBigIntegerField(_("records"), null=True, blank=True)
    volume_note = models.CharField(_("volume"), max_length=200, blank=True)
    update_frequency = models.CharField(
        _("update frequency"), max_length=20, choices=UpdateFrequency.choices, blank=True
    )
    classification = models.CharField(
        _("classification level"),
        max_length=20,
        choices=Classification.choices,
        default=Classification.GENERAL,
    )
    personal_information_kinds = models.JSONField(
        _("personal information declared"),
        default=list,
        blank=True,
        help_text=_("Kinds of personal information the data holds."),
    )
    personal_information_basis = models.CharField(
        _("legal basis"), max_length=20, choices=LegalBasis.choices, blank=True
    )
    is_cross_border = models.BooleanField(_("provided across the border"), default=False)
    exporter_is_ciio = models.BooleanField(
        _("exporter is a critical-infrastructure operator"), default=False
    )
    personal_information_people = models.PositiveIntegerField(
        _("people whose personal information leaves China this year"), default=0
    )
    sensitive_information_people = models.PositiveIntegerField(
        _("people whose sensitive personal information leaves China this year"), default=0
    )
    usage_restrictions = models.TextField(_("usage restrictions"), blank=True)
    delivery_modes = models.JSONField(_("delivery modes"), default=list, blank=True)
    # --- the sample ---
    sample = models.FileField(
        _("sample"), upload_to=sample_path, storage=private_storage, max_length=200, blank=True
    )
    sample_name = models.CharField(_("sample file name"), max_length=120, blank=True)
    sample_sha256 = models.CharField(_("sample SHA-256"), max_length=64, blank=True)
    # --- the pipeline ---
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    stage_entered_at = models.DateTimeField(
        _("in this stage since"), null=True, blank=True, editable=False
    )
    is_senior_compliance = models.BooleanField(
        _("routed to senior compliance"), default=False, editable=False
    )
    quality_grade = models.CharField(
        _("quality grade"), max_length=1, choices=QualityGrade.choices, blank=True, editable=False
    )
    notice_ends_at = models.DateTimeField(
        _("public notice ends"), null=True, blank=True, editable=False
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
    certificate = models.OneToOneField(
        Certificate,
        verbose_name=_("registration certificate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    objects = ProductVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        ordering = ["product", "-number"]
        indexes = [
            models.Index(fields=["product", "-number"], name="listings_version_order_idx"),
            models.Index(fields=["status", "stage_entered_at"], name="listings_version_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=VersionStatus.values),
                name="listings_productversion_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="listings_productversion_number_positive"
            ),
            models.UniqueConstraint(
                fields=["product", "number"], name="listings_productversion_unique_number"
            ),
            # One version on its way at a time; the registered one stays on sale meanwhile.
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(status__in=sorted(s.value for s in VERSION_IN_PROGRESS)),
                name="listings_productversion_one_in_progress",
            ),
            models.CheckConstraint(
                condition=models.Q(time_coverage_start__isnull=True)
                | models.Q(time_coverage_end__isnull=True)
                | models.Q(time_coverage_start__lte=models.F("time_coverage_end")),
                name="listings_productversion_coverage_order",
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.number}"

    def clean(self):
        super().clean()
        errors = {}
        unknown = set(self.personal_information_kinds or []) - set(PersonalInformationKind.values)
        if unknown:
            errors["personal_information_kinds"] = _("Unknown kinds: %(kinds)s.") % {
                "kinds": ", ".join(sorted(unknown))
            }
        unknown = set(self.delivery_modes or []) - set(DeliveryMode.values)
        if unknown:
            errors["delivery_modes"] = _("Unknown delivery modes: %(modes)s.") % {
                "modes": ", ".join(sorted(unknown))
            }
        if not isinstance(self.fields_schema, list) or not all(
            isinstance(f, dict) and str(f.get("name", "")).strip() for f in self.fields_schema
        ):
            errors["fields_schema"] = _("Each field needs at least a name.")
        if (
            self.time_coverage_start
            and self.time_coverage_end
            and self.time_coverage_start > self.time_coverage_end
        ):
            errors["time_coverage_end"] = _("The coverage ends before it starts.")
        if errors:
            raise ValidationError(errors)

    @property
    def sample_content_type(self) -> str:
        """What the sample is, by its name's suffix (its content was parsed when attached)."""
        suffix = PurePosixPath(self.sample_name).suffix.lower()
        return SAMPLE_CONTENT_TYPES.get(suffix, "application/octet-stream")

    @property
    def has_personal_information(self) -> bool:
        return bool(self.personal_information_kinds)

    @property
    def export_route(self) -> Route:
        """The route this data must take out of China (DOMAIN.md §5), from the sheet."""
        return export_route(
            is_cross_border=self.is_cross_border,
            exporter_is_ciio=self.exporter_is_ciio,
            has_important_data=self.classification == Classification.IMPORTANT,
            personal_information_people=self.personal_information_people,
            sensitive_information_people=self.sensitive_information_people,
        )

    def missing_export_evidence(self) -> Route | None:
        """The route whose evidence is not uploaded yet (International Board listing needs it)."""
        route = self.export_route
        if (
            route.needs_evidence
            and not self.documents.filter(kind=ProductDocumentKind.EXPORT_EVIDENCE).exists()
        ):
            return route
        return None

    @property
    def merchant(self) -> Merchant:
        return self.product.merchant


class PlanKind(models.TextChoices):
    ONE_OFF = "one_off", _("One-off purchase")
    MONTHLY = "monthly", _("Monthly subscription")
    YEARLY = "yearly", _("Yearly subscription")
    PER_CALL = "per_call", _("Per call")
    NEGOTIATED = "negotiated", _("Negotiated (agreement trading)")


class PlanFields(models.Model):
    kind = models.CharField(_("plan"), max_length=20, choices=PlanKind.choices)
    # Negotiated plans have no list price; every other plan has one (a check constraint holds it).
    price_amount = models.DecimalField(
        _("price"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.get_kind_display()}: {format_amount(self.price_amount, self.currency)}"


def plan_constraints(prefix: str) -> list:
    return [
        models.CheckConstraint(
            condition=models.Q(kind__in=PlanKind.values), name=f"{prefix}_kind_valid"
        ),
        models.CheckConstraint(
            condition=(models.Q(kind="negotiated") & models.Q(price_amount__isnull=True))
            | (~models.Q(kind="negotiated") & models.Q(price_amount__gt=0)),
            name=f"{prefix}_price_matches_kind",
        ),
        models.CheckConstraint(condition=models.Q(currency="CNY"), name=f"{prefix}_currency_cny"),
    ]


class PricingPlan(PlanFields):
    """A pricing plan on the description sheet. Per-call prices may have four decimals (¥0.0028)."""

    version = models.ForeignKey(
        ProductVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="plans"
    )

    class Meta:
        verbose_name = _("pricing plan")
        verbose_name_plural = _("pricing plans")
        ordering = ["version", "id"]
        constraints = [
            *plan_constraints("listings_pricingplan"),
            models.UniqueConstraint(
                fields=["version", "kind"], name="listings_pricingplan_one_per_kind"
            ),
        ]


class ProductDocumentKind(models.TextChoices):
    SOURCE_PROOF = "source_proof", _("Source proof (原始数据来源证明)")
    LAWFUL_SOURCE = "lawful_source", _("Lawful-source commitment (数据来源合法承诺书)")
    COMPLIANCE_REPORT = "compliance_report", _("Compliance assessment report")
    SAMPLE_AGREEMENT = "sample_agreement", _("Sample trade agreement")
    EXPORT_EVIDENCE = (
        "export_evidence",
        _("Cross-border evidence (assessment, standard contract or certification)"),
    )
    OTHER = "other", _("Other")


class ProductDocument(StoredDocument):
    """Supporting material of a version. A new version carries its predecessor's rows (same files)."""

    version = models.ForeignKey(
        ProductVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ProductDocumentKind.choices)

    objects = VersionInternalsQuerySet.as_manager()

    class Meta:
        verbose_name = _("product document")
        verbose_name_plural = _("product documents")
        ordering = ["version", "kind", "id"]
        indexes = [
            models.Index(fields=["version", "kind", "id"], name="listings_document_order_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ProductDocumentKind.values),
                name="listings_productdocument_kind_valid",
            ),
        ]

    def upload_folder(self) -> str:
        return f"products/{self.version.product_id}/documents"


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class CheckReport(TimeStampedModel):
    """What the automated checks found for a version; it routes the version to its queue."""

    version = models.OneToOneField(
        ProductVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="check_report",
    )
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    is_blocking = models.BooleanField(_("returns the version"), default=False)
    is_senior = models.BooleanField(_("needs senior compliance review"), default=False)
    findings = models.JSONField(_("findings"), default=list)
    sample_profile = models.JSONField(_("sample profile"), default=dict)
    personal_information = models.JSONField(_("personal information found"), default=list)
    cross_border_route = models.JSONField(_("cross-border route"), default=dict)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    objects = VersionInternalsQuerySet.as_manager()

    class Meta:
        verbose_name = _("automated check report")
        verbose_name_plural = _("automated check reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(risk_level__in=RiskLevel.values),
                name="listings_checkreport_risk_valid",
            ),
        ]

    def __str__(self):
        return f"{self.version}: {self.get_risk_level_display()}"


class VersionEvent(LifecycleEvent):
    subject = models.ForeignKey(
        ProductVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="events"
    )

    objects = VersionEventQuerySet.as_manager()

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("product version event")
        verbose_name_plural = _("product version events")
        indexes = [
            models.Index(
                fields=["subject", "occurred_at", "id"], name="listings_vevent_subject_idx"
            )
        ]


class Listing(TimeStampedModel):
    """A sale item (挂牌) of a registered product on one or more boards."""

    LIFECYCLE = LISTING_LIFECYCLE

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="listings"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ListingStatus.choices,
        default=ListingStatus.LISTING_REVIEW,
        editable=False,
    )
    boards = models.ManyToManyField(Board, verbose_name=_("boards"), related_name="listings")
    submitted_at = models.DateTimeField(_("submitted at"), editable=False)
    stage_entered_at = models.DateTimeField(_("in this stage since"), editable=False)
    listed_at = models.DateTimeField(_("listed at"), null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
    # Suspended because its merchant was: the merchant's reinstatement puts it back on sale.
    held_with_merchant = models.BooleanField(
        _("suspended with the merchant"), default=False, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    objects = ListingQuerySet.as_manager()

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["-submitted_at", "-id"], name="listings_listing_recent_idx"),
            models.Index(fields=["status", "stage_entered_at"], name="listings_listing_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ListingStatus.values),
                name="listings_listing_status_valid",
            ),
            # No double listing: one live sale item per product.
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(status__in=sorted(s.value for s in LISTING_LIVE)),
                name="listings_listing_one_live_per_product",
            ),
            models.CheckConstraint(
                condition=models.Q(held_with_merchant=False) | models.Q(status="suspended"),
                name="listings_listing_held_only_when_suspended",
            ),
        ]

    def __str__(self):
        return f"{self.product} ({self.get_status_display()})"

    @property
    def merchant(self) -> Merchant:
        return self.product.merchant


class ListingPlan(PlanFields):
    listing = models.ForeignKey(
        Listing, verbose_name=_("listing"), on_delete=models.CASCADE, related_name="plans"
    )

    class Meta:
        verbose_name = _("listing plan")
        verbose_name_plural = _("listing plans")
        ordering = ["listing", "id"]
        constraints = [
            *plan_constraints("listings_listingplan"),
            models.UniqueConstraint(
                fields=["listing", "kind"], name="listings_listingplan_one_per_kind"
            ),
        ]


class ListingEvent(LifecycleEvent):
    subject = models.ForeignKey(
        Listing, verbose_name=_("listing"), on_delete=models.PROTECT, related_name="events"
    )

    objects = ListingEventQuerySet.as_manager()

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("listing event")
        verbose_name_plural = _("listing events")
        indexes = [
            models.Index(
                fields=["subject", "occurred_at", "id"], name="listings_levent_subject_idx"
            )
        ]


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return for changes")
    REJECT = "reject", _("Reject")


class Review(TimeStampedModel):
    """A reviewer's claim on one stage of a version (or on a listing), and the decision they made.

    A claim lasts until it is decided, released, or expires (Celery beat releases expired ones).
    """

    stage = models.CharField(_("stage"), max_length=20, choices=ReviewStage.choices)
    version = models.ForeignKey(
        ProductVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
    )
    listing = models.ForeignKey(
        Listing,
        verbose_name=_("listing"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    reviewer_organisation_id = models.PositiveBigIntegerField(
        _("reviewer's organisation"), null=True
    )
    claimed_at = models.DateTimeField(_("claimed at"))
    claim_expires_at = models.DateTimeField(_("claim expires at"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-claimed_at", "-id"]
        indexes = [
            models.Index(fields=["-claimed_at", "-id"], name="listings_review_recent_idx"),
            models.Index(fields=["reviewer", "decided_at"], name="listings_review_reviewer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stage__in=ReviewStage.values), name="listings_review_stage_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(decision="") | models.Q(decision__in=Decision.values),
                name="listings_review_decision_valid",
            ),
            models.CheckConstraint(
                condition=(models.Q(version__isnull=False) & models.Q(listing__isnull=True))
                | (models.Q(version__isnull=True) & models.Q(listing__isnull=False)),
                name="listings_review_one_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(decision="", decided_at__isnull=True)
                | (~models.Q(decision="") & models.Q(decided_at__isnull=False)),
                name="listings_review_decision_complete",
            ),
            # One claimant at a time for each stage of each subject.
            models.UniqueConstraint(
                fields=["version", "stage"],
                condition=models.Q(
                    decided_at__isnull=True, released_at__isnull=True, version__isnull=False
                ),
                name="listings_review_one_open_claim_per_version_stage",
            ),
            models.UniqueConstraint(
                fields=["listing"],
                condition=models.Q(
                    decided_at__isnull=True, released_at__isnull=True, listing__isnull=False
                ),
                name="listings_review_one_open_claim_per_listing",
            ),
        ]

    def __str__(self):
        return f"{self.get_stage_display()} · {self.reviewer}"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None and self.released_at is None


class Objection(TimeStampedModel):
    """An objection (异议) filed during a version's public notice (公示)."""

    LIFECYCLE = OBJECTION_LIFECYCLE

    version = models.ForeignKey(
        ProductVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="objections",
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), max_length=4000)
    status = models.CharField(
        _("status"), max_length=12, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["version", "status"], name="listings_objection_version_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ObjectionStatus.values),
                name="listings_objection_status_valid",
            ),
            # One objection per person and version: a second one is a duplicate, not new evidence.
            models.UniqueConstraint(
                fields=["version", "filed_by"], name="listings_objection_one_per_person"
            ),
        ]

    def __str__(self):
        return f"{self.version}: {self.get_status_display()}"

    @property
    def merchant(self) -> Merchant:
        return self.version.product.merchant


class ObjectionEvent(LifecycleEvent):
    subject = models.ForeignKey(
        Objection, verbose_name=_("objection"), on_delete=models.PROTECT, related_name="events"
    )

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("objection event")
        verbose_name_plural = _("objection events")
        indexes = [
            models.Index(
                fields=["subject", "occurred_at", "id"], name="listings_oevent_subject_idx"
            )
        ]


class CatalogEntry(models.Model):
    """The public catalogue's search row for a listed item, written in the same transaction as the
    listing's state, so that search never drifts from the database."""

    listing = models.OneToOneField(
        Listing, on_delete=models.CASCADE, related_name="catalog_entry", primary_key=True
    )
    name = models.CharField(max_length=120)
    summary = models.TextField()
    merchant_name = models.CharField(max_length=200)
    merchant_id = models.PositiveBigIntegerField(db_index=True)
    product_type = models.CharField(max_length=24, choices=ProductType.choices)
    board_codes = models.CharField(max_length=400, help_text="space-separated, padded with spaces")
    scenario_codes = models.CharField(
        max_length=800, help_text="space-separated, padded with spaces"
    )
    delivery_codes = models.CharField(
        max_length=200, help_text="space-separated, padded with spaces"
    )
    min_price_amount = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    quality_grade = models.CharField(max_length=1, blank=True)
    # Words of the name, summary, merchant, boards and scenarios, segmented by jieba for Chinese.
    search_document = models.TextField()
    listed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("catalogue entry")
        verbose_name_plural = _("catalogue entries")
        ordering = ["-listed_at", "-listing_id"]
        indexes = [
            models.Index(fields=["-listed_at", "-listing"], name="listings_catalog_recent_idx"),
            models.Index(fields=["min_price_amount"], name="listings_catalog_price_idx"),
            models.Index(fields=["product_type", "-listed_at"], name="listings_catalog_type_idx"),
        ]

    def __str__(self):
        return self.name
