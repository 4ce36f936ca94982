from django.urls import path, re_path
from django.views.decorators.http import require_safe

from exchange.registry import logviews, views

app_name = "registry"

urlpatterns = [
    path("log/checkpoint", logviews.checkpoint, name="log-checkpoint"),
    path("log/vkey", logviews.vkey, name="log-vkey"),
    re_path(r"^log/tile/(?P<path>.+)$", logviews.tile, name="log-tile"),
    path("registry/", require_safe(views.registry_search), name="search"),
    path("registry/register/", views.register_data, name="register"),
    path("registry/<str:number>/", views.certificate_detail, name="certificate"),
    path("registry/<str:number>/amend/", views.certificate_amend, name="certificate-amend"),
    path("registry/<str:number>/print/", views.certificate_print, name="certificate-print"),
    path("registry/<str:number>/pdf/", views.certificate_pdf, name="certificate-pdf"),
]
