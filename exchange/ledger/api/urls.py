from django.urls import path

from exchange.api.routers import Router
from exchange.ledger.api import views

app_name = "ledger-api"

router = Router()
router.register("ledger/accounts", views.AccountViewSet, basename="account")
router.register("ledger/transfers", views.TransferViewSet, basename="transfer")
router.register("ledger/deposits", views.DepositViewSet, basename="deposit")
router.register("ledger/withdrawals", views.WithdrawalViewSet, basename="withdrawal")

urlpatterns = [
    path("ledger/reconcile/", views.ReconcileView.as_view(), name="reconcile"),
    *router.urls,
]
