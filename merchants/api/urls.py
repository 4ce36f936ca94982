from exchange.api.routers import Router
from merchants.api.views import CategoryViewSet, MerchantDocumentViewSet, MerchantViewSet

app_name = "merchants-api"

router = Router()
router.register("merchants", MerchantViewSet, basename="merchant")
router.register(
    r"merchants/(?P<merchant_pk>[0-9]{1,18})/documents",
    MerchantDocumentViewSet,
    basename="document",
)
router.register("merchant-categories", CategoryViewSet, basename="category")

urlpatterns = router.urls
