from django.conf import settings
from rest_framework import serializers

from exchange.accounts.models import Invitation, Organisation, User
from exchange.accounts.roles import OrganisationKind, Role
from exchange.api.serializers import AvailableActionsField, ModelSerializer
from exchange.validators import validate_name


class OrganisationSerializer(ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "created_at"]
        read_only_fields = fields


class UserSerializer(ModelSerializer):
    organisation = OrganisationSerializer()
    full_name = serializers.CharField(source="get_full_name")

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "role", "language", "organisation"]
        read_only_fields = fields


class SignUpInputSerializer(serializers.Serializer):
    organisation_name = serializers.CharField(max_length=200, validators=[validate_name])
    kind = serializers.ChoiceField(choices=[OrganisationKind.MERCHANT, OrganisationKind.BUYER])
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    password = serializers.CharField(
        max_length=128, write_only=True, style={"input_type": "password"}
    )
    full_name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, default="", validators=[validate_name]
    )


class InvitationSerializer(ModelSerializer):
    organisation = OrganisationSerializer()
    invited_by = serializers.StringRelatedField()
    actions = AvailableActionsField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "organisation",
            "email",
            "role",
            "status",
            "actions",
            "invited_by",
            "expires_at",
            "created_at",
        ]
        read_only_fields = fields


class InvitationInputSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text="Defaults to your own organisation; operators may name a service provider.",
    )
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)


class AcceptInvitationInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=64)
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=128, write_only=True, style={"input_type": "password"}
    )
    full_name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, default="", validators=[validate_name]
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, required=False, default=settings.LANGUAGE_CODE
    )
