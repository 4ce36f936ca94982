from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from exchange import health, views

# An unmatched /api/ URL answers with the API's JSON error body, like every other API refusal.
handler404 = "exchange.api.errors.not_found"

urlpatterns = [
    path("", include("market.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("clock/", views.clock_page, name="clock"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("ledger/", include("exchange.ledger.urls")),
    path("", include("settlement.urls")),
    path("accounts/", include("exchange.accounts.urls")),
    path("merchants/", include("merchants.urls")),
    path("", include("listings.urls")),
    path("", include("exchange.registry.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/", include("exchange.accounts.api.urls")),
    path("api/", include("exchange.api.urls")),
    path("api/", include("merchants.api.urls")),
    path("api/", include("listings.api.urls")),
    path("api/", include("exchange.registry.api.urls")),
    path("api/", include("exchange.ledger.api.urls")),
    path("api/", include("settlement.api.urls")),
]
