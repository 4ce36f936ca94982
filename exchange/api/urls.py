from django.urls import path

from exchange.api import views
from exchange.api.routers import Router

app_name = "exchange-api"

router = Router()
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [path("clock/", views.ClockView.as_view(), name="clock"), *router.urls]
