"""Checks on text that several apps share (no ORM)."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Unicode categories that have no place in a name: controls (Cc: NUL, line feeds, escapes),
# format characters (Cf: the bidirectional overrides and isolates U+202A–U+202E, U+2066–U+2069,
# zero-width characters), surrogates (Cs) and line or paragraph separators (Zl, Zp). A name with
# U+202E shows reversed: "Acme\u202eCorp" reads as another company in the directory and on a
# certificate that the log keeps for ever.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def refused_character(value: str) -> str | None:
    """The first character of ``value`` that a name may not hold, or None."""
    for character in value:
        if unicodedata.category(character) in REFUSED_CATEGORIES:
            return character
    return None


@deconstructible
class NameValidator:
    """Names that enter the permanent log or the directory hold visible characters only."""

    code = "control_character"
    message = _(
        "Use visible characters only: this text contains U+%(codepoint)s (%(name)s), an invisible control or text-direction character."
    )

    def __call__(self, value):
        character = refused_character(str(value))
        if character is not None:
            raise ValidationError(
                self.message,
                code=self.code,
                params={
                    "codepoint": f"{ord(character):04X}",
                    "name": unicodedata.name(character, "control character"),
                },
            )

    def __eq__(self, other):
        return isinstance(other, NameValidator)


validate_name = NameValidator()


# An Idempotency-Key header (IETF draft-ietf-httpapi-idempotency-key-header): 1–255 visible ASCII
# characters, so that it is stored and compared as it was sent.
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def is_idempotency_key(value: str) -> bool:
    return IDEMPOTENCY_KEY.fullmatch(value) is not None
