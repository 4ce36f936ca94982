"""Limits on the password-reset page: per client address, and per e-mail address asked for.

The per-address limit counts every request for an address, whether or not an account has it, so
the refusal tells nobody whether the address is known. The rates are the API's
(``DEFAULT_THROTTLE_RATES``: ``password_reset``, ``password_reset_email``).
"""

import math

from django.utils.translation import gettext as _

from exchange.api.throttles import AddressThrottle, ValueThrottle


class PasswordResetThrottle(AddressThrottle):
    scope = "password_reset"


class PasswordResetEmailThrottle(ValueThrottle):
    scope = "password_reset_email"


def password_reset_refusal(request, email: str) -> str | None:
    """Why this reset request is refused now, or None (and then it is counted)."""
    for throttle, message in (
        (
            PasswordResetThrottle(),
            _(
                "Too many password reset requests from your network. Try again in %(minutes)s minutes."
            ),
        ),
        (
            PasswordResetEmailThrottle(email),
            _(
                "Reset e-mails were already sent to this address several times. Check your inbox (and spam folder), or try again in %(minutes)s minutes."
            ),
        ),
    ):
        if not throttle.allow_request(request, None):
            return message % {"minutes": max(1, math.ceil((throttle.wait() or 60) / 60))}
    return None
