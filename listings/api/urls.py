from django.urls import path

from exchange.api.routers import Router
from listings.api import views

app_name = "listings-api"

router = Router()
router.register("products", views.ProductViewSet, basename="product")
router.register("product-versions", views.VersionViewSet, basename="version")
router.register("listings", views.ListingViewSet, basename="listing")
router.register("objections", views.ObjectionViewSet, basename="objection")
router.register("catalog", views.CatalogViewSet, basename="catalog")
router.register("boards", views.BoardViewSet, basename="board")
router.register("scenarios", views.ScenarioViewSet, basename="scenario")

urlpatterns = [
    path("samples/scan/", views.SampleScanView.as_view(), name="sample-scan"),
    path("queue-health/", views.QueueHealthView.as_view(), name="queue-health"),
    *router.urls,
]
