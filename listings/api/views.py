"""Products, versions, reviews, listings and the public catalogue over the API."""

import django_filters
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange.accounts.roles import SUPERVISOR_ROLES
from exchange.api.filters import IdFilter
from exchange.errors import PermissionDeniedError
from exchange.scoping import VIEW_INTERNALS
from exchange.uploads import DOCUMENT_TYPES, check_upload
from exchange.web import private_file_response
from listings import permissions, selectors, services
from listings.api.serializers import (
    BoardSerializer,
    CatalogEntryDetailSerializer,
    CatalogEntrySerializer,
    DecisionInputSerializer,
    EventSerializer,
    ListingEventSerializer,
    ListingInputSerializer,
    ListingReasonInputSerializer,
    ListingSerializer,
    ObjectionDecisionSerializer,
    ObjectionInputSerializer,
    ObjectionSerializer,
    ProductDocumentSerializer,
    ProductDocumentUploadSerializer,
    ReviewSerializer,
    SampleUploadSerializer,
    ScanReportSerializer,
    ScenarioSerializer,
    SheetInputSerializer,
    VersionDetailSerializer,
    VersionSerializer,
)
from listings.errors import ClaimNotHeld
from listings.models import (
    SAMPLE_CONTENT_TYPES,
    Board,
    ObjectionStatus,
    Product,
    ProductType,
    Scenario,
)
from listings.paginators import CatalogPagination
from listings.sample_report import scan_report
from listings.states import ListingStatus, ReviewStage, VersionStatus
from merchants.selectors import merchants_visible_to


def validated(serializer_class, request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def sheet_arguments(data: dict) -> dict:
    """Split validated sheet input into the service's keyword arguments."""
    if "fields_schema" in data:
        data["fields_schema"] = [dict(field) for field in data["fields_schema"]]
    if "plans" in data:
        data["plans"] = [dict(plan) for plan in data["plans"]]
    return data


class VersionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=VersionStatus.choices)
    board = django_filters.CharFilter(field_name="board__code")
    merchant = IdFilter(field_name="product__merchant_id")
    product = IdFilter(field_name="product_id")


class VersionViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Versions of data products with their description sheets (数据产品说明书)."""

    filterset_class = VersionFilter
    search_fields = ["name", "summary", "product__merchant__company_name"]
    ordering_fields = ["submitted_at", "stage_entered_at", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.versions_visible_to(self.request.user)

    def get_serializer_class(self):
        return VersionDetailSerializer if self.action != "list" else VersionSerializer

    def output(self, pk):
        return VersionDetailSerializer(
            self.get_queryset().get(pk=pk), context=self.get_serializer_context()
        ).data

    def get_object_with_internals(self):
        """The version, if the caller may see its material, reviews and audit trail (else 404)."""
        return get_object_or_404(
            selectors.versions_visible_to(self.request.user, VIEW_INTERNALS), pk=self.kwargs["pk"]
        )

    @extend_schema(
        request=SheetInputSerializer,
        responses=VersionDetailSerializer,
        summary="Change a draft sheet",
    )
    def partial_update(self, request, *args, **kwargs):
        version = self.get_object()
        data = sheet_arguments(validated(SheetInputSerializer, request, partial=True))
        services.update_version(version=version, actor=request.user, **data)
        return Response(self.output(version.pk))

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "stage",
                enum=[s.value for s in ReviewStage if s != ReviewStage.LISTING],
                required=True,
            )
        ],
        responses=VersionSerializer(many=True),
        summary="A review stage's queue, oldest first",
    )
    @action(detail=False, methods=["get"])
    def queue(self, request):
        stage = request.query_params.get("stage", "")
        if stage not in (
            ReviewStage.COMPLIANCE,
            ReviewStage.QUALITY,
            ReviewStage.REGISTRATION,
        ) or not (
            permissions.works_stage(request.user, stage) or request.user.has_role(*SUPERVISOR_ROLES)
        ):
            raise PermissionDeniedError()
        page = self.paginate_queryset(
            self.filter_queryset(selectors.version_queue(request.user, stage))
        )
        return self.get_paginated_response(
            VersionSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(request=None, responses=VersionDetailSerializer, summary="Submit for review")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        version = services.submit_version(version=self.get_object(), actor=request.user)
        return Response(self.output(version.pk))

    @extend_schema(
        request=ListingReasonInputSerializer,
        responses=VersionDetailSerializer,
        summary="Withdraw this version",
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        version = services.withdraw_version(
            version=self.get_object(),
            actor=request.user,
            **validated(ListingReasonInputSerializer, request),
        )
        return Response(self.output(version.pk))

    @extend_schema(
        request={"multipart/form-data": SampleUploadSerializer},
        responses=VersionDetailSerializer,
        summary="Attach the sample",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def sample(self, request, pk=None):
        data = validated(SampleUploadSerializer, request)
        version = services.attach_sample(
            version=self.get_object_with_internals(), actor=request.user, upload=data["file"]
        )
        return Response(self.output(version.pk))

    @extend_schema(
        responses={
            (200, media_type): OpenApiTypes.BINARY
            for media_type in sorted(set(SAMPLE_CONTENT_TYPES.values()))
        },
        summary="Download the sample (members, reviewers, supervisors)",
    )
    @action(detail=True, methods=["get"], url_path="sample/download")
    def sample_download(self, request, pk=None):
        version = self.get_object_with_internals()
        if not version.sample:
            raise Http404
        return private_file_response(
            version.sample, filename=version.sample_name, content_type=version.sample_content_type
        )

    @extend_schema(
        responses={(200, media_type): OpenApiTypes.BINARY for media_type in DOCUMENT_TYPES},
        summary="Download a document of the material (members, reviewers, supervisors)",
    )
    @action(
        detail=True, methods=["get"], url_path=r"documents/(?P<document_pk>[0-9]{1,18})/download"
    )
    def document_download(self, request, pk=None, document_pk=None):
        version = self.get_object_with_internals()
        document = get_object_or_404(selectors.documents_of(version, request.user), pk=document_pk)
        return private_file_response(
            document.file, filename=document.original_name, content_type=document.content_type
        )

    @extend_schema(
        request={"multipart/form-data": ProductDocumentUploadSerializer},
        responses={201: ProductDocumentSerializer},
        summary="Attach material",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def documents(self, request, pk=None):
        data = validated(ProductDocumentUploadSerializer, request)
        document = services.add_product_document(
            version=self.get_object_with_internals(),
            actor=request.user,
            kind=data["kind"],
            upload=data["file"],
        )
        return Response(ProductDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, summary="Remove material from a draft")
    @action(detail=True, methods=["post"], url_path=r"documents/(?P<document_pk>[0-9]+)/remove")
    def remove_document(self, request, pk=None, document_pk=None):
        version = self.get_object_with_internals()
        document = get_object_or_404(selectors.documents_of(version, request.user), pk=document_pk)
        services.remove_product_document(document=document, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={201: ReviewSerializer},
        summary="Claim this version in your review queue",
    )
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        review = services.claim_version(version=self.get_object(), actor=request.user)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DecisionInputSerializer,
        responses=VersionDetailSerializer,
        summary="Decide your claimed review",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        version = services.decide_version_review(
            version=self.get_object(),
            actor=request.user,
            **validated(DecisionInputSerializer, request),
        )
        return Response(self.output(version.pk))

    @extend_schema(
        request=None, responses=ReviewSerializer, summary="Give your claim back to the queue"
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        review = selectors.open_review_of(request.user, version=self.get_object())
        return Response(
            ReviewSerializer(
                services.release_claim(review=review or _no_claim(), actor=request.user)
            ).data
        )

    @extend_schema(responses=ReviewSerializer(many=True), summary="Reviews of this version")
    @action(
        detail=True, methods=["get"], filterset_class=None, search_fields=[], ordering_fields=[]
    )
    def reviews(self, request, pk=None):
        version = self.get_object_with_internals()
        page = self.paginate_queryset(selectors.reviews_of(request.user, version=version))
        return self.get_paginated_response(ReviewSerializer(page, many=True).data)

    @extend_schema(
        request=ObjectionInputSerializer,
        responses={201: ObjectionSerializer},
        summary="Object during the public notice",
    )
    @action(detail=True, methods=["post"])
    def objections(self, request, pk=None):
        objection = services.file_objection(
            version=self.get_object(),
            actor=request.user,
            **validated(ObjectionInputSerializer, request),
        )
        return Response(
            ObjectionSerializer(objection, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses=EventSerializer(many=True), summary="The audit trail of this version")
    @action(
        detail=True, methods=["get"], filterset_class=None, search_fields=[], ordering_fields=[]
    )
    def events(self, request, pk=None):
        version = self.get_object_with_internals()
        page = self.paginate_queryset(selectors.version_events_of(version, request.user))
        return self.get_paginated_response(EventSerializer(page, many=True).data)


def _no_claim():
    raise ClaimNotHeld()


class ProductViewSet(viewsets.GenericViewSet):
    """Open a data product (its first version as a draft) and start later versions."""

    queryset = Product.objects.none()
    serializer_class = VersionDetailSerializer

    def get_queryset(self):
        return selectors.products_visible_to(self.request.user)

    @extend_schema(
        request=SheetInputSerializer,
        responses={201: VersionDetailSerializer},
        summary="Open a product and its first draft",
    )
    def create(self, request):
        data = sheet_arguments(validated(SheetInputSerializer, request))
        merchant = (
            merchants_visible_to(request.user)
            .filter(organisation_id=request.user.organisation_id)
            .first()
        )
        if merchant is None:
            raise PermissionDeniedError()
        version = services.create_product(actor=request.user, merchant=merchant, **data)
        return Response(
            VersionDetailSerializer(version, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=None,
        responses={201: VersionDetailSerializer},
        summary="Start the next version of a registered product",
    )
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None):
        version = services.start_new_version(
            product=get_object_or_404(self.get_queryset(), pk=pk), actor=request.user
        )
        return Response(
            VersionDetailSerializer(version, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class ListingFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ListingStatus.choices)
    board = django_filters.CharFilter(field_name="boards__code")
    merchant = IdFilter(field_name="product__merchant_id")


def _listing_action(service, input_serializer, summary: str, url_path: str):
    def handler(self, request, pk=None):
        listing = service(
            listing=self.get_object(), actor=request.user, **validated(input_serializer, request)
        )
        return Response(
            ListingSerializer(
                self.get_queryset().get(pk=listing.pk), context=self.get_serializer_context()
            ).data
        )

    handler.__name__ = url_path.replace("-", "_")
    handler = action(detail=True, methods=["post"], url_path=url_path)(handler)
    return extend_schema(request=input_serializer, responses=ListingSerializer, summary=summary)(
        handler
    )


class ListingViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Sale items (挂牌): apply to list, committee review, suspension, delisting."""

    serializer_class = ListingSerializer
    filterset_class = ListingFilter
    search_fields = ["product__merchant__company_name"]
    ordering_fields = ["submitted_at", "listed_at"]

    def get_queryset(self):
        return selectors.listings_visible_to(self.request.user)

    @extend_schema(
        request=ListingInputSerializer,
        responses={201: ListingSerializer},
        summary="Apply to list a registered product",
    )
    def create(self, request, *args, **kwargs):
        data = validated(ListingInputSerializer, request)
        product = get_object_or_404(selectors.products_visible_to(request.user), pk=data["product"])
        plans = [dict(plan) for plan in data["plans"]] if "plans" in data else None
        listing = services.apply_for_listing(
            product=product, actor=request.user, boards=data["boards"], plans=plans
        )
        return Response(
            ListingSerializer(
                self.get_queryset().get(pk=listing.pk), context=self.get_serializer_context()
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        responses=ListingSerializer(many=True),
        summary="The listing committee's queue, oldest first",
    )
    @action(detail=False, methods=["get"])
    def queue(self, request):
        if not (
            permissions.works_stage(request.user, ReviewStage.LISTING)
            or request.user.has_role(*SUPERVISOR_ROLES)
        ):
            raise PermissionDeniedError()
        page = self.paginate_queryset(selectors.listing_queue(request.user))
        return self.get_paginated_response(
            ListingSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        request=None,
        responses={201: ReviewSerializer},
        summary="Claim this item for listing review",
    )
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        review = services.claim_listing(listing=self.get_object(), actor=request.user)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DecisionInputSerializer,
        responses=ListingSerializer,
        summary="List or reject the claimed item",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        listing = self.get_object()
        data = validated(DecisionInputSerializer, request)
        data.pop("scores", None)
        data.pop("stage", None)
        services.decide_listing_review(listing=listing, actor=request.user, **data)
        return Response(
            ListingSerializer(
                self.get_queryset().get(pk=listing.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        responses=ListingEventSerializer(many=True), summary="The audit trail of this item"
    )
    @action(
        detail=True, methods=["get"], filterset_class=None, search_fields=[], ordering_fields=[]
    )
    def events(self, request, pk=None):
        listing = get_object_or_404(
            selectors.listings_visible_to(request.user, VIEW_INTERNALS), pk=pk
        )
        page = self.paginate_queryset(selectors.listing_events_of(listing, request.user))
        return self.get_paginated_response(ListingEventSerializer(page, many=True).data)

    suspend = _listing_action(
        services.suspend_listing, ListingReasonInputSerializer, "Suspend (暂停)", "suspend"
    )
    reinstate = _listing_action(
        services.reinstate_listing, ListingReasonInputSerializer, "Put back on sale", "reinstate"
    )
    delist = _listing_action(
        services.delist_listing, ListingReasonInputSerializer, "Delist (摘牌)", "delist"
    )
    withdraw = _listing_action(
        services.withdraw_listing, ListingReasonInputSerializer, "Withdraw from sale", "withdraw"
    )


class ObjectionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ObjectionStatus.choices)
    # An id, not a choice among every version: a choice would tell a hidden version from none.
    version = IdFilter(field_name="version_id")


class ObjectionViewSet(viewsets.ReadOnlyModelViewSet):
    """Objections filed during public notices; operators decide them."""

    serializer_class = ObjectionSerializer
    filterset_class = ObjectionFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.objections_visible_to(self.request.user)

    @extend_schema(
        request=ObjectionDecisionSerializer,
        responses=ObjectionSerializer,
        summary="Uphold or dismiss",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        objection = services.decide_objection(
            objection=self.get_object(),
            actor=request.user,
            **validated(ObjectionDecisionSerializer, request),
        )
        return Response(ObjectionSerializer(objection, context=self.get_serializer_context()).data)

    @extend_schema(
        request=ListingReasonInputSerializer,
        responses=ObjectionSerializer,
        summary="Withdraw your own pending objection",
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        objection = services.withdraw_objection(
            objection=self.get_object(),
            actor=request.user,
            **validated(ListingReasonInputSerializer, request),
        )
        return Response(ObjectionSerializer(objection, context=self.get_serializer_context()).data)


class CatalogFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="noop", help_text="Full-text search (Chinese and English)."
    )
    board = django_filters.CharFilter(method="noop")
    scenario = django_filters.CharFilter(method="noop")
    product_type = django_filters.ChoiceFilter(choices=ProductType.choices, method="noop")
    delivery = django_filters.CharFilter(method="noop")
    price_min = django_filters.NumberFilter(method="noop")
    price_max = django_filters.NumberFilter(method="noop")
    merchant = IdFilter(method="noop")
    sort = django_filters.ChoiceFilter(
        choices=[(key, key) for key in selectors.SORTS], method="noop"
    )

    def noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        data = {
            key: value for key, value in self.form.cleaned_data.items() if value not in (None, "")
        }
        return selectors.search_catalog(
            query=data.get("q", ""),
            board=data.get("board", ""),
            scenario=data.get("scenario", ""),
            product_type=data.get("product_type", ""),
            delivery=data.get("delivery", ""),
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
            merchant=data.get("merchant"),
            sort=data.get("sort", "newest"),
        )


class CatalogViewSet(viewsets.ReadOnlyModelViewSet):
    """The public catalogue: listed items only, searchable and filterable; no login needed."""

    permission_classes = [AllowAny]
    pagination_class = CatalogPagination
    serializer_class = CatalogEntrySerializer
    filterset_class = CatalogFilter
    search_fields: list[str] = []
    ordering_fields: list[str] = []

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.search_catalog().prefetch_related("listing__plans")
        return selectors.search_catalog()

    def get_serializer_class(self):
        return CatalogEntryDetailSerializer if self.action == "retrieve" else CatalogEntrySerializer


class BoardViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    queryset = Board.objects.all()
    serializer_class = BoardSerializer
    lookup_field = "code"
    filterset_fields = ["kind"]


class ScenarioViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    queryset = Scenario.objects.all()
    serializer_class = ScenarioSerializer
    lookup_field = "code"


class SampleScanView(APIView):
    """The merchants' pre-check: profile a sample and find personal information, store nothing."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": SampleUploadSerializer},
        responses=ScanReportSerializer,
        summary="Scan a sample",
    )
    def post(self, request):
        upload = validated(SampleUploadSerializer, request)["file"]
        check_upload(upload, allowed=None)  # size and name; the content is checked by parsing it
        return Response(scan_report(upload.read(), filename=upload.name))


QueueRowsSerializer = inline_serializer(
    "QueueHealthRow",
    many=True,
    fields={
        "stage": serializers.CharField(),
        "label": serializers.CharField(),
        "waiting": serializers.IntegerField(),
        "claimed": serializers.IntegerField(),
        "oldest_days": serializers.FloatField(allow_null=True),
        "decided_last_7_days": serializers.IntegerField(),
        "median_review_minutes": serializers.FloatField(allow_null=True),
        "escalated": serializers.IntegerField(),
    },
)
QueueHealthSerializer = inline_serializer(
    "QueueHealth",
    {
        "queues": QueueRowsSerializer,
        "automated_checks": inline_serializer(
            "CheckThroughput",
            {
                "waiting": serializers.IntegerField(),
                "checked_last_day": serializers.IntegerField(),
                "median_ms": serializers.FloatField(allow_null=True),
            },
        ),
    },
)


class QueueHealthView(APIView):
    @extend_schema(
        responses=QueueHealthSerializer, summary="Queue lengths, ages, throughput and review times"
    )
    def get(self, request):
        if not request.user.has_role(*SUPERVISOR_ROLES):
            raise PermissionDeniedError()
        return Response(
            {
                "queues": [vars(row) for row in selectors.queue_health()],
                "automated_checks": selectors.check_throughput(),
            }
        )
