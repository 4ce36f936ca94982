from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exchange.api.serializers import ModelSerializer
from exchange.money import Money
from listings.api.serializers import MoneyField
from listings.models import DeliveryMode
from settlement import deliveries, permissions, selectors, subscriptions
from settlement.models import (
    Buyer,
    ChangeKind,
    ClearingLine,
    ContractChange,
    Delivery,
    Dispute,
    DisputeOutcome,
    GatewayAccess,
    GatewayCall,
    Negotiation,
    Offer,
    Order,
    PayoutBatch,
    PayoutLine,
    PrivacyQuery,
)


class BuyerSerializer(ModelSerializer):
    class Meta:
        model = Buyer
        fields = ["id", "company_name", "credit_code", "status", "created_at"]
        read_only_fields = ["id", "status", "created_at"]


class BuyerApplicationSerializer(serializers.Serializer):
    company_name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(
        max_length=18,
        help_text="统一社会信用代码 (GB 32100-2015), checked with its check character.",
    )


class BuyerDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PlaceOrderSerializer(serializers.Serializer):
    listing = serializers.IntegerField(min_value=1, help_text="The catalogue entry's id.")
    plan = serializers.IntegerField(min_value=1, help_text="One of the entry's plans (its id).")
    scenario = serializers.CharField(
        max_length=60, help_text="The buyer's application scenario (应用场景): a scenario code."
    )
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000, default=1)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ClearingLineSerializer(ModelSerializer):
    party = serializers.CharField(source="party.name")
    debit = serializers.CharField(source="transfer.debit_account")
    credit = serializers.CharField(source="transfer.credit_account")
    amount = serializers.SerializerMethodField()
    transfer = serializers.CharField(source="transfer.key")

    class Meta:
        model = ClearingLine
        fields = ["kind", "party", "debit", "credit", "amount", "currency", "rule", "transfer"]
        read_only_fields = fields

    def get_amount(self, line) -> str:
        return line.money.to_api()


class DisputeSerializer(ModelSerializer):
    refund = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField()
    answered = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields = ["reason", "evidence_name", "evidence_sha256", "opened_at", "answered", "answer",
                  "answered_at", "outcome", "refund", "currency", "decision_reason", "decided_at",
                  "certificate"]  # fmt: skip
        read_only_fields = fields

    def get_refund(self, dispute) -> str:
        return dispute.refund.to_api()

    def get_certificate(self, dispute) -> str | None:
        """The decision's TX certificate (once decided)."""
        return dispute.certificate.number if dispute.certificate_id else None

    def get_answered(self, dispute) -> bool:
        return dispute.answered_at is not None


class DisputeOpenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="What differs from the sheet.")
    evidence = serializers.FileField(help_text="A PDF, PNG or JPEG that shows it.")


class DisputeAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=2000)
    evidence = serializers.FileField(required=False, help_text="Optional: a PDF, PNG or JPEG.")


class DecisionSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=DisputeOutcome.choices)
    refund = serializers.CharField(
        required=False,
        default=None,
        allow_null=True,
        help_text='For refund_in_part: the exact part of the trade value returned, e.g. "1250.00".',
    )
    reason = serializers.CharField(max_length=2000, help_text="The grounds of the decision.")


class OrderSerializer(ModelSerializer):
    listing = serializers.IntegerField(source="listing_id")
    product = serializers.CharField(source="product_name")
    plan = serializers.IntegerField(source="plan_id")
    buyer = serializers.CharField(source="buyer.name")
    merchant = serializers.CharField(source="merchant.company_name")
    scenario = serializers.CharField(source="scenario.code")
    unit_price = MoneyField()
    value = serializers.SerializerMethodField()
    buyer_fee = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField()
    batch = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()
    dispute = serializers.SerializerMethodField()
    subscription = serializers.SerializerMethodField()
    renewal_of = serializers.IntegerField(source="renewal_of_id", allow_null=True)
    renewal = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "status",
            "listing",
            "product",
            "plan",
            "plan_kind",
            "buyer",
            "merchant",
            "scenario",
            "unit_price",
            "quantity",
            "value",
            "buyer_fee",
            "total",
            "currency",
            "placed_at",
            "delivered_at",
            "cleared_at",
            "period_start",
            "period_end",
            "auto_renew",
            "subscription",
            "renewal_of",
            "renewal",
            "certificate",
            "batch",
            "lines",
            "dispute",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(DisputeSerializer(allow_null=True))
    def get_dispute(self, order):
        try:
            return DisputeSerializer(order.dispute).data
        except Dispute.DoesNotExist:
            return None

    def get_value(self, order) -> str:
        return order.value.to_api()

    def get_buyer_fee(self, order) -> str:
        return order.buyer_fee.to_api()

    def get_total(self, order) -> str:
        return order.total.to_api()

    def get_batch(self, order) -> str | None:
        """The settlement date of the batch that paid the order out."""
        return order.batch.business_date.isoformat() if order.batch_id else None

    def get_lines(self, order) -> list[dict]:
        """The clearing lines its viewer sees (after clearing)."""
        request = self.context.get("request")
        if request is None or order.cleared_at is None:
            return []
        return ClearingLineSerializer(selectors.lines_seen_by(request.user, order), many=True).data

    def get_certificate(self, order) -> str | None:
        contract = getattr(order, "contract", None)
        return contract.number if contract else None

    def get_subscription(self, order) -> str | None:
        """A subscription's standing: not_started, renews, ends, renewed, lapsed or ended."""
        return subscriptions.state_of(order)

    def get_renewal(self, order) -> int | None:
        renewal = getattr(order, "renewal", None)
        return renewal.pk if renewal else None

    def get_actions(self, order) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [a.slug for a in Order.LIFECYCLE.available(request.user, order)]


class DeliveryUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The delivery package: CSV, or a JSON array of objects.")
    mode = serializers.ChoiceField(
        choices=DeliveryMode.choices,
        required=False,
        help_text="One of the modes the product's description sheet offers; by default file if "
        "offered, else the first offered. API and privacy-computing packages are never handed "
        "over: the gateway serves them, or aggregate queries read them.",
    )


class ColumnSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField(help_text="The engine's type (privacy computing); else empty.")


class DeliverySerializer(ModelSerializer):
    columns = ColumnSerializer(many=True, read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "mode",
            "original_name",
            "size",
            "rows",
            "sha256",
            "columns",
            "delivered_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, delivery) -> str | None:
        """A signed, time-limited link for the buyer's members to a file delivery of a live
        order (none for anyone else, and none for API or privacy-computing deliveries)."""
        request = self.context.get("request")
        if (
            request is None
            or not delivery.downloadable
            or not deliveries.may_reach_data(request.user, delivery.order)
        ):
            return None
        token = deliveries.download_token(delivery, request.user)
        url = reverse("settlement:download", kwargs={"pk": delivery.pk})
        return request.build_absolute_uri(f"{url}?token={token}")


class GatewayCallSerializer(ModelSerializer):
    class Meta:
        model = GatewayCall
        fields = ["called_at", "outcome", "rows", "query"]
        read_only_fields = fields


class GatewayAccessSerializer(ModelSerializer):
    remaining = serializers.IntegerField(read_only=True)
    gateway_url = serializers.SerializerMethodField()
    recent_calls = serializers.SerializerMethodField()

    class Meta:
        model = GatewayAccess
        fields = [
            "quota",
            "calls",
            "remaining",
            "valid_until",
            "key_prefix",
            "key_issued_at",
            "gateway_url",
            "recent_calls",
        ]
        read_only_fields = fields

    def get_gateway_url(self, access) -> str:
        url = reverse("settlement:gateway-rows", kwargs={"pk": access.order_id})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(GatewayCallSerializer(many=True))
    def get_recent_calls(self, access):
        return GatewayCallSerializer(access.log.all()[:20], many=True).data


class GatewayKeySerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Shown once: send it as “Authorization: Bearer <key>”.")
    access = GatewayAccessSerializer()


class GatewayRowsSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField(allow_null=True))
    )
    offset = serializers.IntegerField()
    limit = serializers.IntegerField()
    total = serializers.IntegerField()
    calls = serializers.IntegerField()
    quota = serializers.IntegerField()
    valid_until = serializers.DateTimeField()


class PrivacyQueryInSerializer(serializers.Serializer):
    sql = serializers.CharField(
        trim_whitespace=False,
        help_text="One aggregate SELECT over the table dataset, e.g. "
        "SELECT region, COUNT(*), AVG(amount) FROM dataset GROUP BY region.",
    )


class PrivacyResultSerializer(serializers.Serializer):
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField()))
    suppressed_groups = serializers.IntegerField()
    k = serializers.IntegerField()
    truncated = serializers.BooleanField()


class PrivacyQuerySerializer(ModelSerializer):
    result = serializers.SerializerMethodField()

    class Meta:
        model = PrivacyQuery
        fields = [
            "id",
            "sql",
            "sql_sha256",
            "result",
            "result_sha256",
            "suppressed_groups",
            "k",
            "engine",
            "duration_ms",
            "asked_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PrivacyResultSerializer(allow_null=True))
    def get_result(self, query):
        """The result, for the buyer's members; others see the receipt's digests only."""
        request = self.context.get("request")
        if request is None or not permissions.acts_for_buyer(request.user, query.order.buyer):
            return None
        return query.result


class PayoutSerializer(ModelSerializer):
    payee = serializers.CharField(source="payee.name")
    account = serializers.CharField(source="account.purpose")
    amount = serializers.SerializerMethodField()
    transfer = serializers.CharField(source="transfer.key")

    class Meta:
        model = PayoutLine
        fields = ["payee", "account", "amount", "currency", "orders", "transfer"]
        read_only_fields = fields

    def get_amount(self, line) -> str:
        return line.money.to_api()


class BatchSerializer(ModelSerializer):
    """A day's settlement batch as its viewer may see it: a payee its own payout and orders."""

    date = serializers.DateField(source="business_date")
    total = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField()
    payouts = serializers.SerializerMethodField()
    orders = serializers.SerializerMethodField()

    class Meta:
        model = PayoutBatch
        fields = ["date", "status", "total", "currency", "digest", "certificate", "settled_at",
                  "payouts", "orders"]  # fmt: skip
        read_only_fields = fields

    def _seen(self, batch) -> dict:
        cache = self.context.setdefault("statements", {})
        if batch.pk not in cache:
            cache[batch.pk] = selectors.statement(self.context["request"].user, batch)
        return cache[batch.pk]

    def get_total(self, batch) -> str:
        """What the batch paid out to the payees the viewer sees (all of them, for staff)."""
        payouts = self._seen(batch)["payouts"]
        return sum((payout.money for payout in payouts), Money.zero(batch.currency)).to_api()

    def get_certificate(self, batch) -> str | None:
        return batch.certificate.number if batch.certificate_id else None

    def get_payouts(self, batch) -> list[dict]:
        return PayoutSerializer(self._seen(batch)["payouts"], many=True).data

    def get_orders(self, batch) -> list[int]:
        return [order.pk for order, _lines in self._seen(batch)["orders"]]


class OfferSerializer(ModelSerializer):
    amount = serializers.SerializerMethodField()

    class Meta:
        model = Offer
        fields = ["id", "side", "amount", "currency", "note", "made_at"]
        read_only_fields = fields

    def get_amount(self, offer) -> str:
        return offer.money.to_api()


class NegotiationSerializer(ModelSerializer):
    listing = serializers.IntegerField(source="listing_id")
    product = serializers.CharField(source="listing.product")
    plan = serializers.IntegerField(source="plan_id")
    buyer = serializers.CharField(source="buyer.name")
    merchant = serializers.CharField(source="merchant.company_name")
    scenario = serializers.CharField(source="scenario.code")
    offers = OfferSerializer(many=True, read_only=True)
    order = serializers.IntegerField(source="order_id", allow_null=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Negotiation
        fields = [
            "id",
            "status",
            "listing",
            "product",
            "plan",
            "buyer",
            "merchant",
            "scenario",
            "requirements",
            "currency",
            "offers",
            "order",
            "created_at",
            "actions",
        ]
        read_only_fields = fields

    def get_actions(self, negotiation) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [a.slug for a in Negotiation.LIFECYCLE.available(request.user, negotiation)]


class QuoteRequestSerializer(serializers.Serializer):
    listing = serializers.IntegerField(help_text="The catalogue entry's id.")
    plan = serializers.IntegerField(help_text="A negotiated plan of that listing.")
    scenario = serializers.CharField(help_text="A scenario code the product declares.")
    requirements = serializers.CharField(max_length=2000)


class OfferInSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text='The price in yuan, e.g. "120000.00".')
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RenewalSerializer(serializers.Serializer):
    auto_renew = serializers.BooleanField(help_text="false: the subscription ends with its period.")


class ContractChangeSerializer(ModelSerializer):
    scenario = serializers.CharField(source="scenario.code", allow_null=True, default=None)
    certificate = serializers.CharField(source="certificate.number", allow_null=True, default=None)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = ContractChange
        fields = [
            "id",
            "kind",
            "clauses",
            "scenario",
            "ends_at",
            "proposed_side",
            "proposed_at",
            "status",
            "certificate",
            "actions",
        ]
        read_only_fields = fields

    def get_actions(self, change) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [a.slug for a in ContractChange.LIFECYCLE.available(request.user, change)]


class ChangeInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    clauses = serializers.CharField(max_length=4000)
    scenario = serializers.CharField(
        required=False, allow_null=True, help_text="amend: a scenario code the product declares."
    )
    ends_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="end_early: when access ends (default: agreed)."
    )


class ChangeAnswerSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
