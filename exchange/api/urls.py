from django.urls import path
from rest_framework.routers import SimpleRouter

from exchange.api import views

app_name = "exchange-api"

router = SimpleRouter()
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [path("clock/", views.ClockView.as_view(), name="clock"), *router.urls]
