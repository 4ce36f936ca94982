"""Accounts API: tokens, sign-up, the current user, organisations and invitations."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
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

TokenSerializer = inline_serializer("Token", {"token": serializers.CharField()})


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (failed attempts are throttled)."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: TokenSerializer,
            429: OpenApiResponse(description="Too many failed attempts."),
        },
        summary="Get an API token",
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes refused before the password was checked: say so, rather than "wrong password".
            if getattr(request, "axes_locked_out", False):
                raise Throttled(
                    detail=_("Too many failed logins. Try again later or reset your password.")
                ) from None
            raise


class MeView(APIView):
    @extend_schema(responses=UserSerializer, summary="Who am I")
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class SignUpView(APIView):
    """Open an account for a merchant applicant or buyer organisation."""

    permission_classes = [AllowAny]

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
        Token.objects.get_or_create(user=user)
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
