"""Shapes of the merchants API. Input serializers check shape and types only; rules live in services."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exchange.api.serializers import AvailableActionsField, InternalFieldsMixin, ModelSerializer
from exchange.creditcode import credit_code_warnings, normalize_credit_code, validate_credit_code
from merchants.models import (
    Agreement,
    Category,
    DataAcquisition,
    DcmmLevel,
    District,
    DocumentKind,
    LegalStatus,
    Merchant,
    MerchantDocument,
    MerchantEvent,
)


class CreditCodeField(serializers.CharField):
    """A unified social credit code: blanks stripped and upper-cased, then checked (GB 32100)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.validators.append(validate_credit_code)

    def to_internal_value(self, data):
        return normalize_credit_code(super().to_internal_value(data))


class CategorySerializer(ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["code", "name", "name_zh", "name_en", "parent"]


class DataSourceSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    acquisition = serializers.ChoiceField(choices=DataAcquisition.choices)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ApplicationInputSerializer(serializers.Serializer):
    """The fields an applicant fills in. On update, every field is optional (PATCH)."""

    company_name = serializers.CharField(max_length=200)
    credit_code = CreditCodeField()
    legal_representative = serializers.CharField(max_length=60, required=False, allow_blank=True)
    legal_status = serializers.ChoiceField(choices=LegalStatus.choices, required=False)
    registered_address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    district = serializers.ChoiceField(choices=District.choices, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    categories = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.all(), many=True, required=False
    )
    business_scope = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    dcmm_level = serializers.ChoiceField(choices=DcmmLevel.choices, required=False, allow_null=True)
    data_sources = DataSourceSerializer(many=True, required=False)
    has_data_security_system = serializers.BooleanField(required=False)
    clean_record_declared = serializers.BooleanField(required=False)


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RequiredReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Shown to the applicant.")


class NoInputSerializer(serializers.Serializer):
    pass


class IssueAgreementInputSerializer(serializers.Serializer):
    term_months = serializers.IntegerField(
        min_value=1, max_value=120, required=False, allow_null=True
    )


class AgreementSerializer(ModelSerializer):
    class Meta:
        model = Agreement
        fields = ["number", "term_months", "issued_at", "signed_on", "ends_on"]


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MerchantSerializer(InternalFieldsMixin, ModelSerializer):
    """A merchant as the caller may see it: the contacts are ``null`` unless the caller is a member
    of its organisation or a supervisor (operator, auditor)."""

    internal_fields = ("contact_name", "contact_phone", "contact_email")

    status_display = serializers.CharField(source="get_status_display")
    organisation = OrganisationRefSerializer()
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    data_sources = DataSourceSerializer(many=True)
    credit_code_warnings = serializers.SerializerMethodField()
    reviewer = serializers.StringRelatedField(allow_null=True)
    agreement = serializers.SerializerMethodField()
    actions = AvailableActionsField()

    class Meta:
        model = Merchant
        fields = [
            "id",
            "status",
            "status_display",
            "actions",
            "organisation",
            "company_name",
            "credit_code",
            "credit_code_warnings",
            "legal_representative",
            "legal_status",
            "registered_address",
            "district",
            "contact_name",
            "contact_phone",
            "contact_email",
            "categories",
            "business_scope",
            "dcmm_level",
            "data_sources",
            "has_data_security_system",
            "clean_record_declared",
            "submitted_at",
            "decided_at",
            "reviewer",
            "agreement",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_credit_code_warnings(self, merchant) -> list[str]:
        return credit_code_warnings(merchant.credit_code)

    @extend_schema_field(AgreementSerializer(allow_null=True))
    def get_agreement(self, merchant):
        agreement = getattr(merchant, "agreement", None)
        return AgreementSerializer(agreement).data if agreement else None


class MerchantEventSerializer(ModelSerializer):
    class Meta:
        model = MerchantEvent
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


class DocumentSerializer(ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = MerchantDocument
        fields = [
            "id",
            "kind",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, document) -> str:
        return reverse(
            "merchants-api:document-download",
            kwargs={"merchant_pk": document.merchant_id, "pk": document.pk},
        )


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(max_length=200, allow_empty_file=False)
