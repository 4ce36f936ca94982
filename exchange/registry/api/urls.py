from django.urls import path

from exchange.api.routers import Router
from exchange.registry.api import views

app_name = "registry-api"

router = Router()
router.register("registry/certificates", views.CertificateViewSet, basename="certificate")

urlpatterns = [
    path("registry/log/checkpoint/", views.LatestCheckpointView.as_view(), name="log-checkpoint"),
    path(
        "registry/log/proof/inclusion/", views.InclusionProofView.as_view(), name="inclusion-proof"
    ),
    path(
        "registry/log/proof/consistency/",
        views.ConsistencyProofView.as_view(),
        name="consistency-proof",
    ),
    path("registry/log/entries/", views.EntryBatchView.as_view(), name="log-entries"),
    path("registry/log/entries/<int:index>/", views.EntryView.as_view(), name="log-entry"),
    *router.urls,
]
