import base64

from rest_framework import serializers

from exchange import clock
from exchange.api.serializers import ModelSerializer
from exchange.registry import selectors
from exchange.registry.models import AMENDMENT_ACTIONS, Certificate, RegisteredData, Right
from exchange.registry.states import CERTIFICATE_LIFECYCLE


class Base64Field(serializers.Field):
    """Bytes as standard padded base64."""

    def to_representation(self, value):
        return base64.b64encode(bytes(value)).decode()


class CertificateSerializer(ModelSerializer):
    status = serializers.SerializerMethodField()
    references = serializers.SlugRelatedField(
        source="original", slug_field="number", read_only=True
    )

    class Meta:
        model = Certificate
        fields = [
            "number",
            "kind",
            "action",
            "status",
            "references",
            "registrant_name",
            "registrant_credit_code",
            "subject_type",
            "subject_id",
            "subject_label",
            "rights",
            "digest",
            "issued_at",
            "valid_until",
            "log_index",
        ]
        read_only_fields = fields

    def get_status(self, certificate) -> str:
        # One reading of the business clock for the whole page (the context is shared).
        if "now" not in self.context:
            self.context["now"] = clock.now()
        return selectors.status_of(certificate, now=self.context["now"])


class HistoryItemSerializer(CertificateSerializer):
    class Meta(CertificateSerializer.Meta):
        fields = ["number", "action", "reason", "issued_at", "valid_until", "log_index"]
        read_only_fields = fields


class CertificateDetailSerializer(CertificateSerializer):
    content = serializers.JSONField(source="content_data", read_only=True)
    proof = serializers.CharField(read_only=True, help_text="c2sp.org/tlog-proof@v1 block")
    checkpoint_size = serializers.IntegerField(
        source="checkpoint.size", read_only=True, allow_null=True
    )
    history = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(
        help_text="The registrations you may make on this certificate now "
        "(POST …/amendments/ with that action); empty unless you are an operator."
    )

    class Meta(CertificateSerializer.Meta):
        fields = [
            *CertificateSerializer.Meta.fields,
            "reason",
            "content",
            "checkpoint_size",
            "proof",
            "history",
            "actions",
        ]
        read_only_fields = fields

    def get_history(self, certificate) -> list[dict]:
        return HistoryItemSerializer(selectors.history(certificate), many=True).data

    def get_actions(self, certificate) -> list[str]:
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return []
        original = certificate.original or certificate
        status = selectors.status_of(original)
        return [
            a.name for a in CERTIFICATE_LIFECYCLE.available(request.user, original, status=status)
        ]


class AmendmentInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=AMENDMENT_ACTIONS)
    reason = serializers.CharField(max_length=2000)


class RegisterDataSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RegisteredData._meta.get_field("kind").choices)
    registrant_name = serializers.CharField(max_length=200)
    registrant_credit_code = serializers.CharField(max_length=18, min_length=18)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000)
    source = serializers.CharField(max_length=4000)
    volume = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    rights = serializers.ListField(
        child=serializers.ChoiceField(choices=Right.choices), allow_empty=False
    )
    book_value = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="A data asset's book value in CNY (yuan), as a decimal string.",
    )


class VerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    bad_entry = serializers.IntegerField(allow_null=True)
    checkpoint_size = serializers.IntegerField(
        source="checkpoint.size", allow_null=True, default=None
    )


class InclusionProofSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    size = serializers.IntegerField()
    hashes = serializers.ListField(child=serializers.CharField(), help_text="base64")


class ConsistencyProofSerializer(serializers.Serializer):
    first = serializers.IntegerField()
    second = serializers.IntegerField()
    hashes = serializers.ListField(child=serializers.CharField(), help_text="base64")


class CheckpointSerializer(serializers.Serializer):
    size = serializers.IntegerField()
    root = serializers.CharField(help_text="base64")
    note = serializers.CharField(help_text="The signed note (C2SP tlog-checkpoint)")
    vkey = serializers.CharField(help_text="The note verifier key")
    signed_at = serializers.DateTimeField()


class EntrySerializer(serializers.Serializer):
    index = serializers.IntegerField()
    data = serializers.CharField(help_text="The entry's exact bytes, base64")
    text = serializers.CharField(help_text="The same bytes as UTF-8 text (RFC 8785 JSON)")
