from django.urls import path

from exchange.accounts.api import views
from exchange.api.routers import Router

app_name = "accounts-api"

router = Router()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("invitations", views.InvitationViewSet, basename="invitation")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/token/revoke/", views.TokenRevokeView.as_view(), name="token-revoke"),
    path("auth/signup/", views.SignUpView.as_view(), name="signup"),
    path("auth/accept-invitation/", views.AcceptInvitationView.as_view(), name="accept-invitation"),
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
