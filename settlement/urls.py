from datetime import date

from django.urls import path, register_converter

from settlement import views
from settlement.api.views import GatewayRowsView


class IsoDate:
    """A day in a URL as YYYY-MM-DD (a settlement batch's date)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # ValueError: not a day, so no route matches

    def to_url(self, value: date | str) -> str:
        return value.isoformat() if isinstance(value, date) else value


register_converter(IsoDate, "day")

app_name = "settlement"

urlpatterns = [
    path("orders/", views.order_list, name="orders"),
    path("orders/new/<int:plan_pk>/", views.order_new, name="order-new"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/pay/", views.order_pay, name="order-pay"),
    path("orders/<int:pk>/deliver/", views.order_deliver, name="order-deliver"),
    path("orders/<int:pk>/accept/", views.order_accept, name="order-accept"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order-cancel"),
    path("orders/<int:pk>/dispute/", views.order_dispute, name="order-dispute"),
    path("orders/<int:pk>/answer/", views.order_answer, name="order-answer"),
    path("orders/<int:pk>/decide/", views.order_decide, name="order-decide"),
    path("orders/<int:pk>/evidence/<str:side>/", views.dispute_evidence, name="dispute-evidence"),
    path("disputes/", views.dispute_list, name="disputes"),
    path("negotiations/", views.negotiation_list, name="negotiations"),
    path("negotiations/new/<int:plan_pk>/", views.negotiation_new, name="negotiation-new"),
    path("negotiations/<int:pk>/", views.negotiation_detail, name="negotiation"),
    path("negotiations/<int:pk>/<str:action>/", views.negotiation_act, name="negotiation-act"),
    path("orders/<int:pk>/receipt.pdf", views.order_receipt_pdf, name="order-receipt-pdf"),
    path("orders/<int:pk>/receipt.csv", views.order_receipt_csv, name="order-receipt-csv"),
    path("deliveries/<int:pk>/download/", views.download, name="download"),
    path("orders/<int:pk>/gateway-key/", views.order_gateway_key, name="order-gateway-key"),
    path("orders/<int:pk>/queries/", views.order_query, name="order-query"),
    path("orders/<int:pk>/renewal/", views.order_renewal, name="order-renewal"),
    path("orders/<int:pk>/changes/", views.order_change_propose, name="order-change"),
    path(
        "orders/<int:pk>/changes/<int:change_pk>/<str:action>/",
        views.order_change_act,
        name="order-change-act",
    ),
    path("gateway/orders/<int:pk>/rows", GatewayRowsView.as_view(), name="gateway-rows"),
    path("settlement/", views.batch_list, name="batches"),
    path("settlement/<day:day>/", views.batch_detail, name="batch"),
    path("settlement/<day:day>/csv/", views.batch_csv, name="batch-csv"),
    path("settlement/<day:day>/pdf/", views.batch_pdf, name="batch-pdf"),
    path("buyers/apply/", views.buyer_apply, name="buyer-apply"),
    path("buyers/", views.buyer_queue, name="buyers"),
    path("buyers/<int:pk>/<str:action>/", views.buyer_decide, name="buyer-decide"),
]
