"""The registry over the API: certificates, their verification, and the log's proofs in JSON.

Reading is open to anyone and never throttled (verifiers fetch many proofs); registering an
amendment is for exchange operators. Hashes are standard padded base64 everywhere.
"""

import base64

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotency_key
from exchange.errors import RuleViolation
from exchange.registry import log, permissions, selectors, services
from exchange.registry.api.serializers import (
    AmendmentInputSerializer,
    CertificateDetailSerializer,
    CertificateSerializer,
    CheckpointSerializer,
    ConsistencyProofSerializer,
    EntrySerializer,
    InclusionProofSerializer,
    RegisterDataSerializer,
    VerificationSerializer,
)

MAX_ENTRIES = 1000


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Public:
    permission_classes = [drf_permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []


def _int_param(request, name: str, *, minimum: int = 0) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        raise RuleViolation(
            _("The query parameter %(name)s is required."),
            code="required",
            field=name,
            params={"name": name},
        )
    if not raw.isascii() or not raw.isdigit() or (len(raw) > 1 and raw[0] == "0"):
        raise RuleViolation(
            _("%(name)s must be a non-negative decimal integer."),
            code="invalid",
            field=name,
            params={"name": name},
        )
    value = int(raw)
    if value < minimum:
        raise RuleViolation(
            _("%(name)s must be at least %(minimum)s."),
            code="out_of_range",
            field=name,
            params={"name": name, "minimum": minimum},
        )
    return value


def _signed_size() -> int:
    return log.latest_checkpoint().size


def _at_most_signed(name: str, value: int, signed: int) -> None:
    if value > signed:
        raise RuleViolation(
            _("%(name)s must not exceed the latest checkpoint's size, %(size)s."),
            code="out_of_range",
            field=name,
            params={"name": name, "size": signed},
        )


class InclusionProofView(Public, APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("index", int, required=True, description="Entry index, below size."),
            OpenApiParameter(
                "size", int, required=True, description="Tree size, 1 … the latest checkpoint's."
            ),
        ],
        responses=InclusionProofSerializer,
        summary="Inclusion proof (RFC 9162 §2.1.3)",
    )
    def get(self, request):
        index = _int_param(request, "index")
        size = _int_param(request, "size", minimum=1)
        _at_most_signed("size", size, _signed_size())
        if index >= size:
            raise RuleViolation(
                _("index must be below size (%(size)s)."),
                code="out_of_range",
                field="index",
                params={"size": size},
            )
        hashes = log.inclusion_proof(index, size)
        return Response({"index": index, "size": size, "hashes": [b64(h) for h in hashes]})


class ConsistencyProofView(Public, APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "first", int, required=True, description="Older tree size, at least 1."
            ),
            OpenApiParameter(
                "second",
                int,
                required=True,
                description="Newer tree size, first … the latest checkpoint's.",
            ),
        ],
        responses=ConsistencyProofSerializer,
        summary="Consistency proof (RFC 9162 §2.1.4)",
    )
    def get(self, request):
        first = _int_param(request, "first", minimum=1)
        second = _int_param(request, "second", minimum=1)
        _at_most_signed("second", second, _signed_size())
        if first > second:
            raise RuleViolation(
                _("first must not exceed second (%(second)s)."),
                code="out_of_range",
                field="first",
                params={"second": second},
            )
        hashes = log.consistency_proof(first, second)
        return Response({"first": first, "second": second, "hashes": [b64(h) for h in hashes]})


class LatestCheckpointView(Public, APIView):
    @extend_schema(responses=CheckpointSerializer, summary="The latest signed checkpoint")
    def get(self, request):
        latest = log.latest_checkpoint()
        return Response(
            {
                "size": latest.size,
                "root": b64(bytes(latest.root)),
                "note": latest.note,
                "vkey": log.verifier_key(latest.key),
                "signed_at": latest.signed_at,
            }
        )


class EntryBatchView(Public, APIView):
    """Entries ``start`` … ``end - 1`` (at most 1,000 at a time, below the signed size)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", int, required=True),
            OpenApiParameter(
                "end", int, required=True, description="Exclusive; at most start + 1000."
            ),
        ],
        responses=EntrySerializer(many=True),
        summary="A batch of entries",
    )
    def get(self, request):
        start = _int_param(request, "start")
        end = _int_param(request, "end")
        _at_most_signed("end", end, _signed_size())
        if not start <= end <= start + MAX_ENTRIES:
            raise RuleViolation(
                _("end must be between start and start + %(most)s."),
                code="out_of_range",
                field="end",
                params={"most": MAX_ENTRIES},
            )
        return Response([_entry(index, data) for index, data in log.entries(start, end)])


class EntryView(Public, APIView):
    @extend_schema(responses=EntrySerializer, summary="One entry by its index")
    def get(self, request, index: int):
        signed = _signed_size()
        if index >= signed:
            raise RuleViolation(
                _("index must be below the latest checkpoint's size, %(size)s."),
                code="out_of_range",
                field="index",
                params={"size": signed},
            )
        return Response(_entry(*log.entries(index, index + 1)[0]))


def _entry(index: int, data: bytes) -> dict:
    return {"index": index, "data": b64(data), "text": data.decode("utf-8", errors="replace")}


class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The public registry: search by number, registrant (name or credit code) or subject."""

    lookup_field = "number"
    lookup_value_regex = r"[A-Z]{2}-\d{4}-\d{7}-[0-9A-Z]"
    filterset_fields = ["kind", "action", "registrant_credit_code"]
    search_fields = ["number", "registrant_name", "registrant_credit_code", "subject_label"]
    ordering_fields = ["issued_at", "log_index"]
    throttle_classes: list = []

    def get_permissions(self):
        if self.action in ("amend", "create"):
            return [drf_permissions.IsAuthenticated()]
        return [drf_permissions.AllowAny()]

    def get_queryset(self):
        return selectors.certificates().order_by("-log_index")

    def get_serializer_class(self):
        return CertificateDetailSerializer if self.action == "retrieve" else CertificateSerializer

    @extend_schema(
        request=RegisterDataSerializer,
        responses={201: CertificateDetailSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        summary="Register a data resource or a data asset (operators)",
        description=(
            "Each registration enters the permanent log. Send an `Idempotency-Key` so that a "
            "retried request returns the first certificate instead of issuing another one."
        ),
    )
    def create(self, request):
        if not permissions.can_register(request.user):
            self.permission_denied(request, message="Only exchange operators register data.")
        data = RegisterDataSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = services.register_data(
            **data.validated_data, actor=request.user, idempotency_key=idempotency_key(request)
        )
        return Response(
            CertificateDetailSerializer(certificate, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses=VerificationSerializer, summary="Verify against the latest checkpoint")
    @action(detail=True, methods=["get"])
    def verify(self, request, number=None):
        certificate = self.get_object()
        outcome = selectors.verify_certificate(certificate)
        return Response(VerificationSerializer(outcome).data)

    @extend_schema(
        request=AmendmentInputSerializer,
        responses={201: CertificateDetailSerializer},
        summary="Register a licence, transfer, change, renewal, cancellation, revocation or objection",
    )
    @action(detail=True, methods=["post"], url_path="amendments")
    def amend(self, request, number=None):
        if not permissions.can_register(request.user):
            self.permission_denied(request, message="Only exchange operators register amendments.")
        original = get_object_or_404(selectors.certificates(), number=number)
        data = AmendmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = services.amend_certificate(
            original=original, actor=request.user, **data.validated_data
        )
        return Response(
            CertificateDetailSerializer(certificate, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
