"""Pure checks of a merchant application's fields (no ORM). Credit codes: ``exchange.creditcode``."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Mainland mobile (1[3-9] + 9 digits) or a landline with its area code (0xx or 0xxx), optional dash
# and extension; the exchange calls applicants back on it.
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def validate_contact_phone(value: str) -> None:
    if value and not _PHONE.match(value):
        raise ValidationError(
            _(
                "Enter a mainland mobile number (11 digits starting 13–19) or a landline with its area code, e.g. 021-12345678."
            ),
            code="phone_format",
        )
