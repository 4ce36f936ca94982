"""/api/orders/ and /api/buyers/: placing, paying and cancelling orders; buyers' verification.

A buyer sees its organisation's orders, a merchant the orders of its products, an arbitrator the
disputed orders; settlement operators, operators and auditors all; an order out of sight is 404. Paying takes an
``Idempotency-Key`` header (required): the same key again answers exactly what it answered first.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from exchange.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotency_key
from exchange.errors import RuleViolation
from listings.models import CatalogEntry, ListingPlan, Scenario
from settlement import disputes, selectors, services
from settlement.api.serializers import (
    BatchSerializer,
    BuyerApplicationSerializer,
    BuyerDecisionSerializer,
    BuyerSerializer,
    CancelSerializer,
    DecisionSerializer,
    DeliverySerializer,
    DeliveryUploadSerializer,
    DisputeAnswerSerializer,
    DisputeOpenSerializer,
    OrderSerializer,
    PlaceOrderSerializer,
)


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = OrderSerializer
    permission_classes = [drf_permissions.IsAuthenticated]
    filterset_fields = ["status"]

    def get_queryset(self):
        return selectors.orders_visible_to(self.request.user)

    def _data(self, order):
        order = self.get_queryset().get(pk=order.pk)
        return OrderSerializer(order, context=self.get_serializer_context()).data

    @extend_schema(request=PlaceOrderSerializer, responses={201: OrderSerializer})
    def create(self, request):
        data = PlaceOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = CatalogEntry.objects.filter(pk=data.validated_data["listing"]).first()
        if entry is None:
            raise RuleViolation(
                "No catalogue entry has this id.", code="not_found", field="listing"
            )
        plan = ListingPlan.objects.filter(pk=data.validated_data["plan"]).first()
        if plan is None:
            raise RuleViolation("No plan has this id.", code="not_found", field="plan")
        scenario = Scenario.objects.filter(code=data.validated_data["scenario"]).first()
        if scenario is None:
            raise RuleViolation("No scenario has this code.", code="not_found", field="scenario")
        order = services.place_order(
            actor=request.user,
            listing=entry.listing,
            plan=plan,
            scenario=scenario,
            quantity=data.validated_data["quantity"],
        )
        return Response(self._data(order), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses=OrderSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        summary="Pay into escrow",
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        order = self.get_object()
        payment, _made = services.pay_order(
            order, actor=request.user, key=idempotency_key(request), respond=self._data
        )
        return Response(payment.response, status=status.HTTP_200_OK)

    @extend_schema(
        request={"multipart/form-data": DeliveryUploadSerializer},
        responses={201: DeliverySerializer},
        summary="Deliver a file (merchant)",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def deliver(self, request, pk=None):
        order = self.get_object()
        data = DeliveryUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        delivery = services.deliver_file(
            order, actor=request.user, upload=data.validated_data["file"]
        )
        context = self.get_serializer_context()
        return Response(
            DeliverySerializer(delivery, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses=DeliverySerializer(many=True), summary="The order's deliveries")
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        order = self.get_object()
        context = self.get_serializer_context()
        return Response(DeliverySerializer(order.deliveries.all(), many=True, context=context).data)

    @extend_schema(request=None, responses=OrderSerializer, summary="Accept the delivery (buyer)")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        order = self.get_object()
        services.accept_order(order, actor=request.user)
        return Response(self._data(order))

    @extend_schema(
        request={"multipart/form-data": DisputeOpenSerializer},
        responses={201: OrderSerializer},
        summary="Dispute the delivery (buyer, within the acceptance window)",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def dispute(self, request, pk=None):
        order = self.get_object()
        data = DisputeOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        disputes.open_dispute(order, actor=request.user, **data.validated_data)
        return Response(self._data(order), status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": DisputeAnswerSerializer},
        responses=OrderSerializer,
        summary="Answer the dispute (merchant, once)",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def answer(self, request, pk=None):
        order = self.get_object()
        data = DisputeAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        disputes.answer_dispute(
            order,
            actor=request.user,
            answer=data.validated_data["answer"],
            evidence=data.validated_data.get("evidence"),
        )
        return Response(self._data(order))

    @extend_schema(
        request=DecisionSerializer,
        responses=OrderSerializer,
        summary="Decide the dispute (an arbitrator who is not a party)",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        order = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        disputes.decide_dispute(order, actor=request.user, **data.validated_data)
        return Response(self._data(order))

    @extend_schema(request=CancelSerializer, responses=OrderSerializer, summary="Cancel")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cancel_order(order, actor=request.user, reason=data.validated_data["reason"])
        return Response(self._data(order))


class BuyerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Buyers' registrations: an organisation applies; an exchange operator verifies or rejects."""

    serializer_class = BuyerSerializer
    permission_classes = [drf_permissions.IsAuthenticated]
    filterset_fields = ["status"]

    def get_queryset(self):
        return selectors.buyers_visible_to(self.request.user)

    @extend_schema(request=BuyerApplicationSerializer, responses={201: BuyerSerializer})
    def create(self, request):
        data = BuyerApplicationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        buyer = services.apply_as_buyer(actor=request.user, **data.validated_data)
        return Response(BuyerSerializer(buyer).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, pk, name):
        buyer = get_object_or_404(self.get_queryset(), pk=pk)
        data = BuyerDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.decide_buyer(buyer, name, actor=request.user, reason=data.validated_data["reason"])
        buyer.refresh_from_db()
        return Response(BuyerSerializer(buyer).data)

    @extend_schema(request=BuyerDecisionSerializer, responses=BuyerSerializer, summary="Verify")
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._decide(request, pk, "verify")

    @extend_schema(request=BuyerDecisionSerializer, responses=BuyerSerializer, summary="Reject")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, pk, "reject")

    @extend_schema(
        request=BuyerDecisionSerializer, responses=BuyerSerializer, summary="Apply again"
    )
    @action(detail=True, methods=["post"])
    def reapply(self, request, pk=None):
        return self._decide(request, pk, "reapply")


class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Settlement batches by date (``/api/batches/2026-12-04/``): the exchange's staff see every
    batch, a payee the batches that paid it (its own payout and orders), anyone else none."""

    serializer_class = BatchSerializer
    permission_classes = [drf_permissions.IsAuthenticated]
    lookup_field = "business_date"
    lookup_url_kwarg = "date"
    lookup_value_regex = r"\d{4}-\d{2}-\d{2}"

    def get_queryset(self):
        return selectors.batches_visible_to(self.request.user)
