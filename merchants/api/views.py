"""Merchants API: reads through selectors, each write one service call."""

import django_filters
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from exchange.errors import PermissionDeniedError
from exchange.scoping import VIEW_INTERNALS
from exchange.uploads import DOCUMENT_TYPES
from exchange.web import private_file_response
from merchants import selectors, services
from merchants.api.serializers import (
    ApplicationInputSerializer,
    CategorySerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    IssueAgreementInputSerializer,
    MerchantEventSerializer,
    MerchantSerializer,
    NoInputSerializer,
    ReasonInputSerializer,
    RequiredReasonInputSerializer,
)
from merchants.models import Category, DcmmLevel, District, Merchant, MerchantDocument
from merchants.permissions import can_see_queue
from merchants.states import MerchantStatus


class MerchantFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=MerchantStatus.choices)
    category = django_filters.CharFilter(
        method="filter_category", help_text="Category or subtype code."
    )
    district = django_filters.ChoiceFilter(choices=District.choices)
    dcmm_level = django_filters.ChoiceFilter(choices=DcmmLevel.choices)
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", help_text="Past the review deadline."
    )

    class Meta:
        model = Merchant
        fields = ["status", "district", "dcmm_level"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(categories__code=value).distinct()

    def filter_overdue(self, queryset, name, value):
        late = Q(submitted_at__lt=selectors.overdue_before())
        return queryset.filter(late) if value else queryset.exclude(late)


def _transition_action(service, input_serializer, summary: str, url_path: str):
    """A POST action that validates ``input_serializer`` and calls ``service`` once."""

    def handler(self, request, pk=None):
        merchant = self.get_object()
        data = self.validated(input_serializer, request)
        service(merchant=merchant, actor=request.user, **data)
        return Response(self.output(merchant.pk))

    # The router maps the HTTP method to the attribute's name: name the function before decorating.
    handler.__name__ = url_path.replace("-", "_")
    handler = action(detail=True, methods=["post"], url_path=url_path)(handler)
    return extend_schema(request=input_serializer, responses=MerchantSerializer, summary=summary)(
        handler
    )


class MerchantViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Merchant applications and merchants (数商). Visibility follows the caller's organisation and role."""

    serializer_class = MerchantSerializer
    filterset_class = MerchantFilter
    search_fields = ["company_name", "credit_code", "organisation__name"]
    ordering_fields = ["submitted_at", "created_at", "company_name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.merchants_visible_to(self.request.user)

    def validated(self, serializer_class, request, **kwargs) -> dict:
        serializer = serializer_class(data=request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def output(self, pk) -> dict:
        return MerchantSerializer(
            self.get_queryset().get(pk=pk), context=self.get_serializer_context()
        ).data

    @extend_schema(
        request=ApplicationInputSerializer,
        responses={201: MerchantSerializer},
        summary="Open a draft application",
    )
    def create(self, request, *args, **kwargs):
        data = self.validated(ApplicationInputSerializer, request)
        merchant = services.create_application(actor=request.user, **data)
        return Response(self.output(merchant.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ApplicationInputSerializer,
        responses=MerchantSerializer,
        summary="Change a draft application",
    )
    def partial_update(self, request, *args, **kwargs):
        merchant = self.get_object()
        data = self.validated(ApplicationInputSerializer, request, partial=True)
        services.update_application(merchant=merchant, actor=request.user, **data)
        return Response(self.output(merchant.pk))

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        responses=MerchantSerializer(many=True), summary="Operators' review queue, oldest first"
    )
    @action(detail=False, methods=["get"])
    def queue(self, request):
        if not can_see_queue(request.user):
            raise PermissionDeniedError()
        merchants = self.filter_queryset(selectors.review_queue(request.user))
        page = self.paginate_queryset(merchants)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        responses=MerchantEventSerializer(many=True),
        summary="The audit trail: who moved it, when, why",
    )
    @action(
        detail=True, methods=["get"], filterset_class=None, search_fields=[], ordering_fields=[]
    )
    def events(self, request, pk=None):
        merchant = get_object_or_404(
            selectors.merchants_visible_to(request.user, VIEW_INTERNALS), pk=pk
        )
        page = self.paginate_queryset(selectors.events_of(merchant, request.user))
        return self.get_paginated_response(MerchantEventSerializer(page, many=True).data)

    submit = _transition_action(
        services.submit_application, NoInputSerializer, "Submit the application", "submit"
    )
    resubmit = _transition_action(
        services.resubmit_application,
        ReasonInputSerializer,
        "Resubmit with the information asked for",
        "resubmit",
    )
    withdraw = _transition_action(
        services.withdraw_application, ReasonInputSerializer, "Withdraw", "withdraw"
    )
    start_review = _transition_action(
        services.start_review, NoInputSerializer, "Take into review", "start-review"
    )
    request_information = _transition_action(
        services.request_information,
        RequiredReasonInputSerializer,
        "Ask for more information",
        "request-information",
    )
    approve = _transition_action(
        services.approve_application, ReasonInputSerializer, "Approve", "approve"
    )
    reject = _transition_action(
        services.reject_application, RequiredReasonInputSerializer, "Reject", "reject"
    )
    issue_agreement = _transition_action(
        services.issue_agreement,
        IssueAgreementInputSerializer,
        "Issue the agreement to sign",
        "issue-agreement",
    )
    sign = _transition_action(
        services.sign_agreement, NoInputSerializer, "Sign the agreement (签约)", "sign"
    )
    suspend = _transition_action(
        services.suspend_merchant, RequiredReasonInputSerializer, "Suspend", "suspend"
    )
    reinstate = _transition_action(
        services.reinstate_merchant, ReasonInputSerializer, "Lift a suspension", "reinstate"
    )
    terminate = _transition_action(
        services.terminate_merchant, RequiredReasonInputSerializer, "Terminate", "terminate"
    )


class MerchantDocumentViewSet(
    mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Qualification documents of one application: its internals, so only its members and the
    supervisors find them (everyone else gets 404, the same as for a merchant that does not exist)."""

    serializer_class = DocumentSerializer
    parser_classes = [MultiPartParser]
    filterset_class = None
    search_fields: list[str] = []
    ordering_fields: list[str] = []

    def get_merchant(self) -> Merchant:
        return get_object_or_404(
            selectors.merchants_visible_to(self.request.user, VIEW_INTERNALS),
            pk=self.kwargs["merchant_pk"],
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MerchantDocument.objects.none()
        return selectors.documents_of(self.get_merchant(), self.request.user)

    @extend_schema(
        request=DocumentUploadSerializer,
        responses={201: DocumentSerializer},
        summary="Upload a document",
    )
    def create(self, request, *args, **kwargs):
        serializer = DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = services.add_document(
            merchant=self.get_merchant(), actor=request.user, kind=data["kind"], upload=data["file"]
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, summary="Remove a document from an editable application")
    def destroy(self, request, *args, **kwargs):
        services.remove_document(document=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        # The file as it was uploaded: one of the document types uploads accept.
        responses={(200, media_type): OpenApiTypes.BINARY for media_type in DOCUMENT_TYPES},
        summary="Download the file",
    )
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        document = self.get_object()
        return private_file_response(
            document.file, filename=document.original_name, content_type=document.content_type
        )


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Merchant categories (DOMAIN.md §1) and their subtypes."""

    queryset = Category.objects.select_related("parent")
    serializer_class = CategorySerializer
    lookup_field = "code"
    filterset_fields = ["parent__code"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering_fields = ["position"]
