"""/api/orders/ and /api/buyers/: placing, paying and cancelling orders; buyers' verification.

A buyer sees its organisation's orders, a merchant the orders of its products, an arbitrator the
disputed orders; settlement operators, operators and auditors all; an order out of sight is 404. Paying takes an
``Idempotency-Key`` header (required): the same key again answers exactly what it answered first.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotency_key
from exchange.errors import NotFoundError, RuleViolation
from listings.models import CatalogEntry, ListingPlan, Scenario
from settlement import (
    contracts,
    deliveries,
    disputes,
    negotiations,
    selectors,
    services,
    subscriptions,
)
from settlement.api.serializers import (
    BatchSerializer,
    BuyerApplicationSerializer,
    BuyerDecisionSerializer,
    BuyerSerializer,
    CancelSerializer,
    ChangeAnswerSerializer,
    ChangeInSerializer,
    ContractChangeSerializer,
    DecisionSerializer,
    DeclineSerializer,
    DeliverySerializer,
    DeliveryUploadSerializer,
    DisputeAnswerSerializer,
    DisputeOpenSerializer,
    GatewayAccessSerializer,
    GatewayKeySerializer,
    GatewayRowsSerializer,
    NegotiationSerializer,
    OfferInSerializer,
    OrderSerializer,
    PlaceOrderSerializer,
    PrivacyQueryInSerializer,
    PrivacyQuerySerializer,
    QuoteRequestSerializer,
    RenewalSerializer,
)
from settlement.models import ContractChange, GatewayAccess


def _offer_named(data: dict):
    """The listing (by its catalogue entry's id), plan and scenario an order or a quote request
    names; each one not found is refused on its field."""
    entry = CatalogEntry.objects.filter(pk=data["listing"]).first()
    if entry is None:
        raise RuleViolation("No catalogue entry has this id.", code="not_found", field="listing")
    plan = ListingPlan.objects.filter(pk=data["plan"]).first()
    if plan is None:
        raise RuleViolation("No plan has this id.", code="not_found", field="plan")
    scenario = Scenario.objects.filter(code=data["scenario"]).first()
    if scenario is None:
        raise RuleViolation("No scenario has this code.", code="not_found", field="scenario")
    return entry.listing, plan, scenario


CHANGE_PARAMETER = OpenApiParameter(
    "change", OpenApiTypes.INT, OpenApiParameter.PATH, description="The change's id."
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
        listing, plan, scenario = _offer_named(data.validated_data)
        order = services.place_order(
            actor=request.user,
            listing=listing,
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
        summary="Deliver (merchant): a file, API access or privacy computing",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def deliver(self, request, pk=None):
        order = self.get_object()
        data = DeliveryUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        delivery = deliveries.deliver(
            order,
            actor=request.user,
            upload=data.validated_data["file"],
            mode=data.validated_data.get("mode"),
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

    def _access(self, order) -> GatewayAccess:
        access = GatewayAccess.objects.filter(order=order).first()
        if access is None:
            raise NotFoundError(
                "This order was not delivered by API: it has no gateway access.",
                code="no_api_delivery",
            )
        return access

    @extend_schema(
        responses=GatewayAccessSerializer,
        summary="The order's API access: quota, validity, key prefix and recent calls",
    )
    @action(detail=True, methods=["get"])
    def gateway(self, request, pk=None):
        access = self._access(self.get_object())
        return Response(GatewayAccessSerializer(access, context=self.get_serializer_context()).data)

    @extend_schema(
        request=None,
        responses={201: GatewayKeySerializer},
        summary="Issue the order's API key (buyer): shown once; the previous key stops working",
    )
    @action(detail=True, methods=["post"], url_path="gateway/key")
    def gateway_key(self, request, pk=None):
        order = self.get_object()
        self._access(order)
        access, key = deliveries.issue_key(order, actor=request.user)
        context = self.get_serializer_context()
        return Response(
            {"key": key, "access": GatewayAccessSerializer(access, context=context).data},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        methods=["GET"],
        responses=PrivacyQuerySerializer(many=True),
        summary="The order's privacy-computing queries and their receipts",
    )
    @extend_schema(
        methods=["POST"],
        request=PrivacyQueryInSerializer,
        responses={201: PrivacyQuerySerializer},
        summary="Run an aggregate query over the delivered dataset (buyer, privacy computing)",
    )
    @action(detail=True, methods=["get", "post"])
    def queries(self, request, pk=None):
        order = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            asked = order.queries.select_related("order__buyer")
            return Response(PrivacyQuerySerializer(asked, many=True, context=context).data)
        data = PrivacyQueryInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        query = deliveries.ask(order, actor=request.user, sql=data.validated_data["sql"])
        return Response(
            PrivacyQuerySerializer(query, context=context).data, status=status.HTTP_201_CREATED
        )

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

    @extend_schema(
        request=RenewalSerializer,
        responses=OrderSerializer,
        summary="Turn a subscription's renewal on or off (buyer)",
    )
    @action(detail=True, methods=["post"])
    def renewal(self, request, pk=None):
        order = self.get_object()
        data = RenewalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscriptions.set_auto_renew(
            order, actor=request.user, on=data.validated_data["auto_renew"]
        )
        return Response(self._data(order))

    @extend_schema(
        methods=["GET"],
        responses=ContractChangeSerializer(many=True),
        summary="The contract's changes (amendments, early end)",
    )
    @extend_schema(
        methods=["POST"],
        request=ChangeInSerializer,
        responses={201: ContractChangeSerializer},
        summary="Propose a change to the contract (either party)",
    )
    @action(detail=True, methods=["get", "post"])
    def changes(self, request, pk=None):
        order = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            changes = ContractChange.objects.filter(contract__order=order).select_related(
                "scenario", "certificate", "contract__order__buyer", "contract__order__merchant"
            )
            return Response(ContractChangeSerializer(changes, many=True, context=context).data)
        data = ChangeInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        code = data.validated_data.get("scenario")
        scenario = Scenario.objects.filter(code=code).first() if code else None
        if code and scenario is None:
            raise RuleViolation("No scenario has this code.", code="not_found", field="scenario")
        change = contracts.propose(
            order,
            actor=request.user,
            kind=data.validated_data["kind"],
            clauses=data.validated_data["clauses"],
            scenario=scenario,
            ends_at=data.validated_data.get("ends_at"),
        )
        return Response(
            ContractChangeSerializer(change, context=context).data, status=status.HTTP_201_CREATED
        )

    def _change_step(self, request, change, name):
        order = self.get_object()
        found = get_object_or_404(ContractChange, pk=change, contract__order=order)
        data = ChangeAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contracts.take(
            found, name, actor=request.user, reason=data.validated_data.get("reason", "")
        )
        found.refresh_from_db()
        context = self.get_serializer_context()
        return Response(ContractChangeSerializer(found, context=context).data)

    @extend_schema(
        request=ChangeAnswerSerializer,
        responses=ContractChangeSerializer,
        parameters=[CHANGE_PARAMETER],
        summary="Agree to a proposed change (the other party): it is registered and applied",
    )
    @action(detail=True, methods=["post"], url_path=r"changes/(?P<change>[0-9]+)/agree")
    def change_agree(self, request, pk=None, change=None):
        return self._change_step(request, change, "agree")

    @extend_schema(
        request=ChangeAnswerSerializer,
        responses=ContractChangeSerializer,
        parameters=[CHANGE_PARAMETER],
        summary="Reject a proposed change (the other party, with a reason)",
    )
    @action(detail=True, methods=["post"], url_path=r"changes/(?P<change>[0-9]+)/reject")
    def change_reject(self, request, pk=None, change=None):
        return self._change_step(request, change, "reject")

    @extend_schema(
        request=ChangeAnswerSerializer,
        responses=ContractChangeSerializer,
        parameters=[CHANGE_PARAMETER],
        summary="Withdraw a proposed change (its proposer)",
    )
    @action(detail=True, methods=["post"], url_path=r"changes/(?P<change>[0-9]+)/withdraw")
    def change_withdraw(self, request, pk=None, change=None):
        return self._change_step(request, change, "withdraw")

    @extend_schema(request=CancelSerializer, responses=OrderSerializer, summary="Cancel")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cancel_order(order, actor=request.user, reason=data.validated_data["reason"])
        return Response(self._data(order))


class NegotiationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quote rounds for negotiated plans: the buyer asks, the merchant quotes, the buyer accepts
    or counters; accepting the other side's last price forms the contract (``order``)."""

    serializer_class = NegotiationSerializer
    permission_classes = [drf_permissions.IsAuthenticated]
    filterset_fields = ["status"]

    def get_queryset(self):
        return selectors.negotiations_visible_to(self.request.user).prefetch_related("offers")

    def _data(self, negotiation, status_code=status.HTTP_200_OK):
        negotiation = self.get_queryset().get(pk=negotiation.pk)
        data = NegotiationSerializer(negotiation, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @extend_schema(request=QuoteRequestSerializer, responses={201: NegotiationSerializer})
    def create(self, request):
        data = QuoteRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        listing, plan, scenario = _offer_named(data.validated_data)
        negotiation = negotiations.request_quote(
            actor=request.user,
            listing=listing,
            plan=plan,
            scenario=scenario,
            requirements=data.validated_data["requirements"],
        )
        return self._data(negotiation, status.HTTP_201_CREATED)

    def _offer(self, request, name):
        negotiation = self.get_object()
        data = OfferInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        negotiations.take(negotiation, name, actor=request.user, **data.validated_data)
        return self._data(negotiation)

    @extend_schema(
        request=OfferInSerializer, responses=NegotiationSerializer, summary="Quote (merchant)"
    )
    @action(detail=True, methods=["post"])
    def quote(self, request, pk=None):
        return self._offer(request, "quote")

    @extend_schema(
        request=OfferInSerializer, responses=NegotiationSerializer, summary="Counter-offer (buyer)"
    )
    @action(detail=True, methods=["post"])
    def counter(self, request, pk=None):
        return self._offer(request, "counter")

    @extend_schema(
        request=None,
        responses=NegotiationSerializer,
        summary="Accept the quote (buyer): the contract forms",
    )
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        negotiation = negotiations.agree(self.get_object(), actor=request.user, name="agree")
        return self._data(negotiation)

    @extend_schema(
        request=None,
        responses=NegotiationSerializer,
        summary="Accept the counter-offer (merchant): the contract forms",
    )
    @action(detail=True, methods=["post"], url_path="agree-counter")
    def agree_counter(self, request, pk=None):
        negotiation = negotiations.agree(
            self.get_object(), actor=request.user, name="agree_counter"
        )
        return self._data(negotiation)

    @extend_schema(request=DeclineSerializer, responses=NegotiationSerializer, summary="Decline")
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        negotiation = self.get_object()
        data = DeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        negotiations.decline(negotiation, actor=request.user, reason=data.validated_data["reason"])
        return self._data(negotiation)


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


class GatewayRowsView(APIView):
    """The exchange's API gateway: an API delivery's rows, a page per call, for the order's key.
    Every call with a valid key is metered; the quota and the validity bound them. The key, not a
    session, authenticates: ``Authorization: Bearer <key>``."""

    authentication_classes = []
    permission_classes = [drf_permissions.AllowAny]
    throttle_classes = []  # the order's quota meters the calls

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "Authorization",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="Bearer <the order's API key>",
            ),
            OpenApiParameter("offset", OpenApiTypes.INT, description="The first row (from 0)."),
            OpenApiParameter("limit", OpenApiTypes.INT, description="Rows per page (at most 100)."),
        ],
        responses=GatewayRowsSerializer,
        summary="Gateway: a page of an API delivery's rows (metered against the quota)",
    )
    def get(self, request, pk):
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        key = key.strip() if scheme.lower() == "bearer" else ""
        _access, body = deliveries.serve_rows(
            key,
            order_id=pk,
            offset=_whole(request.query_params.get("offset"), "offset", 0),
            limit=_whole(request.query_params.get("limit"), "limit", None),
        )
        return Response(body)


def _whole(text: str | None, name: str, default):
    if text in (None, ""):
        return default
    try:
        return int(text)
    except ValueError:
        raise RuleViolation(
            gettext("%(name)s is a whole number.") % {"name": name}, code="invalid", field=name
        ) from None
