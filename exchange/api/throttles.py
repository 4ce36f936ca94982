"""Rate limits of the API (and of the password-reset page), counted in the cache.

DRF's own classes read their rates once, at import; these read ``DEFAULT_THROTTLE_RATES`` on each
request, so that the rates are settings like any other (tests lower them with
``override_settings``). A rate of ``None`` switches a limit off.

The certificate log's endpoints set ``throttle_classes = []``: verifiers fetch many proofs.
"""

import hashlib

from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling
from rest_framework.settings import api_settings


class RatesFromSettings:
    def get_rate(self):
        if not getattr(self, "scope", None):
            raise ImproperlyConfigured(f"{type(self).__name__} needs a scope.")
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                f"No rate for the throttle scope {self.scope!r} in DEFAULT_THROTTLE_RATES."
            ) from None


class AnonRateThrottle(RatesFromSettings, throttling.AnonRateThrottle):
    """Anonymous callers, per address."""


class UserRateThrottle(RatesFromSettings, throttling.UserRateThrottle):
    """Signed-in callers, per user."""


class ScopedRateThrottle(RatesFromSettings, throttling.ScopedRateThrottle):
    """Views that name a ``throttle_scope`` (sign-up, tokens, invitations), per user or address."""


class AddressThrottle(RatesFromSettings, throttling.SimpleRateThrottle):
    """A page's limit per client address (``scope`` names the rate)."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ValueThrottle(RatesFromSettings, throttling.SimpleRateThrottle):
    """A limit per value (an e-mail address, a username), whoever sends it."""

    def __init__(self, value: str):
        self.value = value.strip().lower()
        super().__init__()

    def get_cache_key(self, request, view):
        digest = hashlib.sha256(self.value.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}
