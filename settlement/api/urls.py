from exchange.api.routers import Router
from settlement.api import views

app_name = "settlement-api"

router = Router()
router.register("orders", views.OrderViewSet, basename="order")
router.register("buyers", views.BuyerViewSet, basename="buyer")
router.register("negotiations", views.NegotiationViewSet, basename="negotiation")
router.register("batches", views.BatchViewSet, basename="batch")

urlpatterns = router.urls
