"""Operators see trading in the admin; every change goes through the services (read-only here)."""

from django.contrib import admin

from exchange.admin import ReadOnlyAdmin
from settlement.models import (
    Buyer,
    BuyerEvent,
    Contract,
    Delivery,
    Dispute,
    GatewayAccess,
    Negotiation,
    Order,
    OrderEvent,
    Payment,
    PrivacyQuery,
)


@admin.register(Buyer)
class BuyerAdmin(ReadOnlyAdmin):
    list_display = ["company_name", "credit_code", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["company_name", "credit_code"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["id", "buyer", "merchant", "plan_kind", "total_amount", "status", "placed_at"]
    list_filter = ["status", "plan_kind"]
    search_fields = ["buyer__name", "merchant__company_name", "product_name"]
    list_select_related = ["buyer", "merchant"]


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["order", "certificate", "formed_at"]
    list_select_related = ["certificate"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["order", "hold", "paid_by", "paid_at"]
    list_select_related = ["hold", "paid_by"]


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    list_display = ["subject", "kind", "from_status", "to_status", "actor_name", "occurred_at"]
    list_filter = ["kind"]


@admin.register(BuyerEvent)
class BuyerEventAdmin(ReadOnlyAdmin):
    list_display = ["subject", "kind", "from_status", "to_status", "actor_name", "occurred_at"]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["order", "opened_at", "answered_at", "outcome", "refund_amount", "decided_at"]
    list_filter = ["outcome"]
    list_select_related = ["order"]


@admin.register(Negotiation)
class NegotiationAdmin(ReadOnlyAdmin):
    list_display = ["id", "buyer", "merchant", "listing", "status", "order", "created_at"]
    list_filter = ["status"]
    search_fields = ["buyer__name", "merchant__company_name"]
    list_select_related = ["buyer", "merchant", "listing"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["order", "mode", "original_name", "rows", "sha256", "delivered_at"]
    list_filter = ["mode"]
    exclude = ["file"]  # a delivery's data is the buyer's: the admin shows its receipt only


@admin.register(GatewayAccess)
class GatewayAccessAdmin(ReadOnlyAdmin):
    list_display = ["order", "calls", "quota", "valid_until", "key_prefix"]
    exclude = ["key_hash"]


@admin.register(PrivacyQuery)
class PrivacyQueryAdmin(ReadOnlyAdmin):
    list_display = ["order", "sql_sha256", "result_sha256", "suppressed_groups", "asked_at"]
    exclude = ["result"]
