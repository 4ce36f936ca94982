"""Accounts API: tokens, sign-up, the current user, organisations and invitations."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange.accounts import selectors, services
from exchange.accounts.api.serializers import (
    AcceptInvitationInputSerializer,
    InvitationInputSerializer,
    InvitationSerializer,
    OrganisationSerializer,
    SignUpInputSerializer,
    UserSerializer,
)

TokenSerializer = inline_serializer(
    "Token", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
)


class TokenView(APIView):
    """Exchange a username and password for an API token (failed attempts are throttled).

    The same token comes back until it expires (``API_TOKEN_VALID_DAYS``), is revoked, or the
    password changes; then a new one is issued.
    """

    permission_classes = [AllowAny]
    throttle_scope = "token"

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: TokenSerializer,
            429: OpenApiResponse(description="Too many attempts."),
        },
        summary="Get an API token",
        auth=[],
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # django-axes refused before the password was checked: say so, rather than "wrong password".
            if getattr(request, "axes_locked_out", False):
                raise Throttled(
                    detail=_("Too many failed logins. Try again later or reset your password.")
                ) from None
            raise
        token = services.issue_api_token(user=serializer.validated_data["user"])
        return Response({"token": token.key, "expires_at": services.token_expires_at(token)})


class TokenRevokeView(APIView):
    """Revoke your API token: it stops working at once (sign in again for a new one)."""

    @extend_schema(request=None, responses={204: None}, summary="Revoke my API token")
    def post(self, request):
        services.revoke_api_tokens(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=UserSerializer, summary="Who am I")
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class SignUpView(APIView):
    """Open an account for a merchant applicant or buyer organisation."""

    permission_classes = [AllowAny]
    throttle_scope = "signup"

    @extend_schema(
        request=SignUpInputSerializer, responses={201: UserSerializer}, summary="Sign up", auth=[]
    )
    def post(self, request):
        serializer = SignUpInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.sign_up(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class AcceptInvitationView(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "signup"

    @extend_schema(
        request=AcceptInvitationInputSerializer,
        responses={201: UserSerializer},
        summary="Accept an invitation",
        auth=[],
    )
    def post(self, request):
        serializer = AcceptInvitationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.accept_invitation(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganisationSerializer
    filterset_fields = ["kind"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return selectors.organisations_visible_to(self.request.user)


class InvitationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = InvitationSerializer
    filterset_fields = ["status", "role"]
    search_fields = ["email"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.invitations_visible_to(self.request.user)

    @property
    def throttle_scope(self):
        # Each invitation sends an e-mail: sending them has its own limit, reading them does not.
        return "invitation" if self.action == "create" else None

    @extend_schema(
        request=InvitationInputSerializer,
        responses={201: InvitationSerializer},
        summary="Invite a member",
    )
    def create(self, request, *args, **kwargs):
        serializer = InvitationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organisation = get_object_or_404(
            selectors.organisations_visible_to(request.user),
            pk=data.get("organisation", request.user.organisation_id),
        )
        invitation = services.invite_member(
            organisation=organisation, email=data["email"], role=data["role"], actor=request.user
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses=InvitationSerializer, summary="Revoke a pending invitation"
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        invitation = services.revoke_invitation(invitation=self.get_object(), actor=request.user)
        return Response(InvitationSerializer(invitation).data)
