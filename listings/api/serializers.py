"""Shapes of the products and listings API. Inputs check shape and types; services hold the rules."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exchange.api.serializers import AvailableActionsField, InternalFieldsMixin, ModelSerializer
from listings.checklists import CHECKLISTS, QUALITY_INDICATORS
from listings.models import (
    Board,
    CatalogEntry,
    CheckReport,
    Classification,
    Decision,
    DeliveryMode,
    LegalBasis,
    Listing,
    ListingEvent,
    ListingPlan,
    Objection,
    PersonalInformationKind,
    PlanKind,
    PricingPlan,
    ProductDocument,
    ProductDocumentKind,
    ProductType,
    ProductVersion,
    Review,
    Scenario,
    UpdateFrequency,
    VersionEvent,
)
from listings.states import ReviewStage
from merchants.models import DataAcquisition


class ReferenceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class BoardSerializer(ModelSerializer):
    class Meta:
        model = Board
        fields = ["code", "name", "name_zh", "name_en", "kind", "min_quality_grade"]


class ScenarioSerializer(ModelSerializer):
    class Meta:
        model = Scenario
        fields = ["code", "name", "name_zh", "name_en"]


class MoneyField(serializers.DecimalField):
    """Amounts travel as strings ("3000.00") next to their currency."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)


class PlanInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PlanKind.choices)
    price_amount = MoneyField(required=False, allow_null=True, min_value=0)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PlanSerializer(ModelSerializer):
    price_amount = MoneyField(allow_null=True)

    class Meta:
        model = PricingPlan
        fields = ["kind", "price_amount", "currency", "note"]


class ListingPlanSerializer(PlanSerializer):
    class Meta(PlanSerializer.Meta):
        model = ListingPlan
        fields = ["id", *PlanSerializer.Meta.fields]


class FieldSchemaSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    type = serializers.CharField(max_length=20, required=False, allow_blank=True, default="text")
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )


class SheetInputSerializer(serializers.Serializer):
    """The description sheet (数据产品说明书). On update every field is optional (PATCH)."""

    name = serializers.CharField(max_length=120)
    summary = serializers.CharField(max_length=2000)
    product_type = serializers.ChoiceField(choices=ProductType.choices)
    board = serializers.SlugRelatedField(slug_field="code", queryset=Board.objects.all())
    scenarios = serializers.SlugRelatedField(
        slug_field="code", queryset=Scenario.objects.all(), many=True, required=False
    )
    data_source = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    acquisition = serializers.ChoiceField(
        choices=DataAcquisition.choices, required=False, allow_blank=True
    )
    fields_schema = FieldSchemaSerializer(many=True, required=False)
    time_coverage_start = serializers.DateField(required=False, allow_null=True)
    time_coverage_end = serializers.DateField(required=False, allow_null=True)
    spatial_coverage = serializers.CharField(max_length=200, required=False, allow_blank=True)
    record_count = serializers.IntegerField(
        min_value=0, max_value=2**63 - 1, required=False, allow_null=True
    )
    volume_note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    update_frequency = serializers.ChoiceField(
        choices=UpdateFrequency.choices, required=False, allow_blank=True
    )
    classification = serializers.ChoiceField(choices=Classification.choices, required=False)
    personal_information_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=PersonalInformationKind.choices), required=False
    )
    personal_information_basis = serializers.ChoiceField(
        choices=LegalBasis.choices, required=False, allow_blank=True
    )
    is_cross_border = serializers.BooleanField(required=False)
    exporter_is_ciio = serializers.BooleanField(required=False)
    personal_information_people = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False
    )
    sensitive_information_people = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False
    )
    usage_restrictions = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    delivery_modes = serializers.ListField(
        child=serializers.ChoiceField(choices=DeliveryMode.choices), required=False
    )
    plans = PlanInputSerializer(many=True, required=False)


class ProductDocumentSerializer(ModelSerializer):
    class Meta:
        model = ProductDocument
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "created_at"]
        read_only_fields = fields


class ProductDocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ProductDocumentKind.choices)
    file = serializers.FileField(max_length=200, allow_empty_file=False)


class SampleUploadSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=200, allow_empty_file=False)


class CheckReportSerializer(ModelSerializer):
    """The automated checks' report: the sample's profile, never its rows."""

    class Meta:
        model = CheckReport
        fields = [
            "risk_level",
            "is_blocking",
            "is_senior",
            "findings",
            "sample_profile",
            "personal_information",
            "cross_border_route",
            "duration_ms",
            "created_at",
        ]
        read_only_fields = fields


class CertificateSummarySerializer(serializers.Serializer):
    number = serializers.CharField()
    digest = serializers.CharField()
    issued_at = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()


class VersionSerializer(ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    merchant = serializers.SerializerMethodField()
    board = serializers.SlugRelatedField(slug_field="code", read_only=True)
    scenarios = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    plans = PlanSerializer(many=True, read_only=True)
    certificate = CertificateSummarySerializer(read_only=True, allow_null=True)
    has_sample = serializers.SerializerMethodField()
    actions = AvailableActionsField()

    class Meta:
        model = ProductVersion
        fields = [
            "id",
            "product",
            "number",
            "status",
            "status_display",
            "actions",
            "merchant",
            "name",
            "summary",
            "product_type",
            "board",
            "scenarios",
            "data_source",
            "acquisition",
            "fields_schema",
            "time_coverage_start",
            "time_coverage_end",
            "spatial_coverage",
            "record_count",
            "volume_note",
            "update_frequency",
            "classification",
            "personal_information_kinds",
            "personal_information_basis",
            "is_cross_border",
            "exporter_is_ciio",
            "personal_information_people",
            "sensitive_information_people",
            "usage_restrictions",
            "delivery_modes",
            "plans",
            "has_sample",
            "sample_name",
            "sample_sha256",
            "submitted_at",
            "stage_entered_at",
            "is_senior_compliance",
            "quality_grade",
            "notice_ends_at",
            "certificate",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ReferenceSerializer)
    def get_merchant(self, version) -> dict:
        merchant = version.product.merchant
        return {"code": str(merchant.pk), "name": merchant.company_name}

    def get_has_sample(self, version) -> bool:
        return bool(version.sample)


class VersionDetailSerializer(InternalFieldsMixin, VersionSerializer):
    """A version with its evidence. The check report and the material are the version's internals:
    ``null`` unless the caller is a member of its merchant, a reviewer or a supervisor."""

    internal_fields = ("check_report", "documents")

    check_report = serializers.SerializerMethodField()
    documents = ProductDocumentSerializer(many=True, read_only=True)

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "check_report", "documents"]
        read_only_fields = fields

    @extend_schema_field(CheckReportSerializer(allow_null=True))
    def get_check_report(self, version):
        report = getattr(version, "check_report", None)
        return CheckReportSerializer(report).data if report else None


class EventSerializer(ModelSerializer):
    class Meta:
        model = VersionEvent
        fields = [
            "id",
            "kind",
            "from_status",
            "to_status",
            "actor_name",
            "reason",
            "data",
            "occurred_at",
        ]
        read_only_fields = fields


class ListingEventSerializer(EventSerializer):
    class Meta(EventSerializer.Meta):
        model = ListingEvent


class ReviewSerializer(ModelSerializer):
    reviewer = serializers.StringRelatedField()

    class Meta:
        model = Review
        fields = [
            "id",
            "stage",
            "version",
            "listing",
            "reviewer",
            "claimed_at",
            "claim_expires_at",
            "released_at",
            "decision",
            "checklist",
            "scores",
            "comments",
            "decided_at",
        ]
        read_only_fields = fields


class DecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    checklist = serializers.DictField(
        child=serializers.DictField(), required=False, default=dict,
        help_text="{dimension: {result: pass|fail, comment}}; dimensions: "
        + "; ".join(f"{stage}: {', '.join(items)}" for stage, items in CHECKLISTS.items() if items),
    )  # fmt: skip
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100), required=False, default=dict,
        help_text="Quality review only: " + ", ".join(QUALITY_INDICATORS) + " (0–100 each).",
    )  # fmt: skip
    comments = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    stage = serializers.ChoiceField(
        choices=[s for s in ReviewStage.choices if s[0] != ReviewStage.LISTING],
        required=False,
        help_text="Product versions only: the stage you decide (default: the version's current "
        "one). A version that moved on since is refused with 409 instead of decided at another.",
    )


class ListingReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class ObjectionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class ObjectionDecisionSerializer(serializers.Serializer):
    uphold = serializers.BooleanField()
    note = serializers.CharField(max_length=4000)


class ObjectionSerializer(ModelSerializer):
    filed_by = serializers.StringRelatedField()
    decided_by = serializers.StringRelatedField(allow_null=True)
    actions = AvailableActionsField()

    class Meta:
        model = Objection
        fields = [
            "id",
            "version",
            "filed_by",
            "reason",
            "status",
            "actions",
            "decided_by",
            "decision_note",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class ListingInputSerializer(serializers.Serializer):
    product = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    boards = serializers.SlugRelatedField(
        slug_field="code", queryset=Board.objects.all(), many=True
    )
    plans = PlanInputSerializer(many=True, required=False)


class ListingSerializer(ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    name = serializers.SerializerMethodField()
    merchant = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField()
    boards = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    plans = ListingPlanSerializer(many=True, read_only=True)
    actions = AvailableActionsField()

    class Meta:
        model = Listing
        fields = [
            "id",
            "product",
            "version",
            "name",
            "merchant",
            "status",
            "status_display",
            "actions",
            "boards",
            "plans",
            "submitted_at",
            "listed_at",
            "stage_entered_at",
        ]
        read_only_fields = fields

    def get_name(self, listing) -> str:
        return str(listing.product)

    @extend_schema_field(ReferenceSerializer)
    def get_merchant(self, listing) -> dict:
        merchant = listing.product.merchant
        return {"code": str(merchant.pk), "name": merchant.company_name}

    def get_version(self, listing) -> int | None:
        return listing.product.registered_version_id


class CatalogEntrySerializer(ModelSerializer):
    id = serializers.IntegerField(source="listing_id")
    boards = serializers.SerializerMethodField()
    scenarios = serializers.SerializerMethodField()
    delivery_modes = serializers.SerializerMethodField()
    min_price_amount = MoneyField(allow_null=True)
    currency = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = CatalogEntry
        fields = [
            "id",
            "name",
            "summary",
            "merchant_name",
            "merchant_id",
            "product_type",
            "boards",
            "scenarios",
            "delivery_modes",
            "min_price_amount",
            "currency",
            "quality_grade",
            "listed_at",
            "url",
        ]
        read_only_fields = fields

    def get_boards(self, entry) -> list[str]:
        return entry.board_codes.split()

    def get_scenarios(self, entry) -> list[str]:
        return entry.scenario_codes.split()

    def get_delivery_modes(self, entry) -> list[str]:
        return entry.delivery_codes.split()

    def get_currency(self, entry) -> str:
        return "CNY"

    def get_url(self, entry) -> str:
        return reverse("listings:catalog-item", kwargs={"pk": entry.listing_id})


class CatalogEntryDetailSerializer(CatalogEntrySerializer):
    """One catalogue item with the plans a buyer orders from (``POST /api/orders/``)."""

    plans = ListingPlanSerializer(source="listing.plans", many=True, read_only=True)

    class Meta(CatalogEntrySerializer.Meta):
        fields = [*CatalogEntrySerializer.Meta.fields, "plans"]
        read_only_fields = fields


class ScanColumnSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()
    null_rate = serializers.FloatField()


class ScanFindingSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PersonalInformationKind.choices)
    column = serializers.CharField()
    count = serializers.IntegerField()


class ScanReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    columns = ScanColumnSerializer(many=True)
    personal_information = ScanFindingSerializer(many=True)
