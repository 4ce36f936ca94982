from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from exchange.accounts.models import Organisation
from exchange.creditcode import validate_credit_code
from exchange.models import LifecycleEvent, StoredDocument, TimeStampedModel
from exchange.validators import validate_name
from merchants.states import CLOSED, LIFECYCLE, MerchantStatus
from merchants.validators import validate_contact_phone
from merchants.visibility import (
    MerchantDocumentQuerySet,
    MerchantEventQuerySet,
    MerchantQuerySet,
)


class Category(models.Model):
    """A merchant category of the exchange's merchant rules (DOMAIN.md §1), or one of its subtypes.

    Reference data loaded by a migration: six categories, each with its subtypes (``parent``).
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subtypes",
    )
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("merchant category")
        verbose_name_plural = _("merchant categories")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["position", "id"], name="merchants_category_order_idx")]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en

    @property
    def is_subtype(self) -> bool:
        return self.parent_id is not None


class District(models.TextChoices):
    """Where the company is registered: Shanghai's sixteen districts, or elsewhere."""

    HUANGPU = "huangpu", _("Huangpu")
    XUHUI = "xuhui", _("Xuhui")
    CHANGNING = "changning", _("Changning")
    JINGAN = "jingan", _("Jing'an")
    PUTUO = "putuo", _("Putuo")
    HONGKOU = "hongkou", _("Hongkou")
    YANGPU = "yangpu", _("Yangpu")
    MINHANG = "minhang", _("Minhang")
    BAOSHAN = "baoshan", _("Baoshan")
    JIADING = "jiading", _("Jiading")
    PUDONG = "pudong", _("Pudong New Area")
    JINSHAN = "jinshan", _("Jinshan")
    SONGJIANG = "songjiang", _("Songjiang")
    QINGPU = "qingpu", _("Qingpu")
    FENGXIAN = "fengxian", _("Fengxian")
    CHONGMING = "chongming", _("Chongming")
    YANGTZE_DELTA = "yangtze_delta", _("Yangtze River Delta (outside Shanghai)")
    OTHER = "other", _("Elsewhere in China")


class LegalStatus(models.TextChoices):
    """The company's standing in the business register."""

    IN_OPERATION = "in_operation", _("In operation (存续)")
    REVOKED = "revoked", _("Licence revoked (吊销)")
    DEREGISTERED = "deregistered", _("Deregistered (注销)")


class DcmmLevel(models.IntegerChoices):
    """DCMM (GB/T 36073-2018) data management capability maturity levels."""

    INITIAL = 1, _("1 · Initial")
    MANAGED = 2, _("2 · Managed")
    ROBUST = 3, _("3 · Robust")
    QUANTITATIVELY_MANAGED = 4, _("4 · Quantitatively managed")
    OPTIMISING = 5, _("5 · Optimising")


class DataAcquisition(models.TextChoices):
    """How a declared data source was obtained (DOMAIN.md §3)."""

    COLLECTED = "collected", _("Collected directly")
    PUBLIC = "public", _("Public data")
    LICENSED = "licensed", _("Licensed")
    PURCHASED = "purchased", _("Purchased")


class Merchant(TimeStampedModel):
    """A data merchant (数商): its application while onboarding, then its standing at the exchange."""

    LIFECYCLE = LIFECYCLE

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="merchants",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=MerchantStatus.choices,
        default=MerchantStatus.DRAFT,
        editable=False,
    )
    company_name = models.CharField(_("company name"), max_length=200, validators=[validate_name])
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, validators=[validate_credit_code]
    )
    legal_representative = models.CharField(
        _("legal representative"), max_length=60, blank=True, validators=[validate_name]
    )
    legal_status = models.CharField(
        _("legal status"),
        max_length=20,
        choices=LegalStatus.choices,
        default=LegalStatus.IN_OPERATION,
    )
    registered_address = models.CharField(_("registered address"), max_length=300, blank=True)
    district = models.CharField(_("district"), max_length=20, choices=District.choices, blank=True)
    contact_name = models.CharField(
        _("contact person"), max_length=60, blank=True, validators=[validate_name]
    )
    contact_phone = models.CharField(
        _("contact phone"), max_length=30, blank=True, validators=[validate_contact_phone]
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    categories = models.ManyToManyField(
        Category, verbose_name=_("categories and subtypes"), related_name="merchants", blank=True
    )
    business_scope = models.TextField(_("business scope"), blank=True)
    dcmm_level = models.PositiveSmallIntegerField(
        _("DCMM level"), choices=DcmmLevel.choices, null=True, blank=True
    )
    data_sources = models.JSONField(
        _("declared data sources"),
        default=list,
        blank=True,
        help_text=_("A list of {name, acquisition, description}."),
    )
    has_data_security_system = models.BooleanField(
        _("has a data-security management system"), default=False
    )
    clean_record_declared = models.BooleanField(
        _("three-year clean-record declaration"),
        default=False,
        help_text=_(
            "No data-related crime, administrative penalty or sanction in the last three years."
        ),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="merchants_reviewed",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )

    objects = MerchantQuerySet.as_manager()

    class Meta:
        verbose_name = _("data merchant")
        verbose_name_plural = _("data merchants")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="merchants_merchant_recent_idx"),
            models.Index(fields=["status", "submitted_at"], name="merchants_merchant_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=MerchantStatus.values),
                name="merchants_merchant_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(dcmm_level__isnull=True)
                | models.Q(dcmm_level__gte=1, dcmm_level__lte=5),
                name="merchants_merchant_dcmm_level_valid",
            ),
            # A credit code belongs to one live application or merchant at a time.
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(status__in=sorted(s.value for s in CLOSED)),
                name="merchants_merchant_unique_live_credit_code",
            ),
            # An organisation has one live application or merchant standing.
            models.UniqueConstraint(
                fields=["organisation"],
                condition=~models.Q(status__in=sorted(s.value for s in CLOSED)),
                name="merchants_merchant_one_live_per_organisation",
            ),
        ]

    def __str__(self):
        return f"{self.company_name} ({self.credit_code})"

    def clean(self):
        super().clean()
        errors = {}
        if not isinstance(self.data_sources, list):
            errors["data_sources"] = _("Declared data sources must be a list.")
        else:
            for number, source in enumerate(self.data_sources, start=1):
                problem = _data_source_problem(source)
                if problem:
                    errors["data_sources"] = _("Data source %(number)d: %(problem)s") % {
                        "number": number,
                        "problem": problem,
                    }
                    break
        if errors:
            raise ValidationError(errors)

    @property
    def declared_sources(self) -> list[tuple[str, str]]:
        """(name, how obtained) of each declared data source, for display."""
        labels = dict(DataAcquisition.choices)
        return [
            (s.get("name", ""), labels.get(s.get("acquisition"), "")) for s in self.data_sources
        ]

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED

    @property
    def is_active(self) -> bool:
        return self.status == MerchantStatus.ACTIVE


def _data_source_problem(source) -> str:
    if not isinstance(source, dict):
        return str(_("each source must be an object with name, acquisition and description."))
    if not str(source.get("name", "")).strip():
        return str(_("the name is required."))
    if source.get("acquisition") not in DataAcquisition.values:
        return str(
            _("acquisition must be one of %(choices)s.")
            % {"choices": ", ".join(DataAcquisition.values)}
        )
    unknown = set(source) - {"name", "acquisition", "description"}
    if unknown:
        return str(_("unknown keys %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    return ""


class MerchantEvent(LifecycleEvent):
    """The append-only audit trail of a merchant's onboarding and standing."""

    subject = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="events"
    )

    objects = MerchantEventQuerySet.as_manager()

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("merchant event")
        verbose_name_plural = _("merchant events")
        indexes = [
            models.Index(
                fields=["subject", "occurred_at", "id"], name="merchants_event_subject_idx"
            )
        ]


class Agreement(TimeStampedModel):
    """The merchant agreement (数商协议) the exchange issues and the merchant signs (签约)."""

    merchant = models.OneToOneField(
        Merchant, verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="agreement"
    )
    number = models.CharField(_("agreement number"), max_length=30, unique=True)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("merchant agreement")
        verbose_name_plural = _("merchant agreements")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["-issued_at", "-id"], name="merchants_agreement_recent_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_months__gte=1, term_months__lte=120),
                name="merchants_agreement_term_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    signed_on__isnull=True, signed_by__isnull=True, ends_on__isnull=True
                )
                | models.Q(signed_on__isnull=False, signed_by__isnull=False, ends_on__isnull=False),
                name="merchants_agreement_signature_complete",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_signed(self) -> bool:
        return self.signed_on is not None


class DocumentKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    SECURITY_SYSTEM = "security_system", _("Data-security management system")
    CLEAN_RECORD = "clean_record", _("Signed clean-record declaration")
    DCMM_CERTIFICATE = "dcmm_certificate", _("DCMM certificate")
    OTHER = "other", _("Other qualification")


class MerchantDocument(StoredDocument):
    """A qualification document uploaded with an application. Served only to those allowed."""

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)

    objects = MerchantDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("qualification document")
        verbose_name_plural = _("qualification documents")
        ordering = ["merchant", "kind", "id"]
        indexes = [
            models.Index(fields=["merchant", "kind", "id"], name="merchants_document_order_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DocumentKind.values),
                name="merchants_merchantdocument_kind_valid",
            ),
        ]

    def upload_folder(self) -> str:
        return f"merchants/{self.merchant_id}"
