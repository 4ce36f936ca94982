"""API token authentication with an end: a token works ``API_TOKEN_VALID_DAYS`` after it was issued."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from exchange.accounts.services import token_is_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(
                _("This token has expired. Get a new one with POST /api/auth/token/."),
                code="token_expired",
            )
        return user, token
