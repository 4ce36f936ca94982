"""The unified social credit code (统一社会信用代码, GB 32100-2015): pure checks, no ORM.

One definition for every app: merchants' applications, the registry's registrants, buyers.

DOMAIN.md §7. Eighteen characters from a 31-character alphabet: registration authority (1),
organisation type (2), region code (3–8), GB 11714 organisation code (9–17), check character (18).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from exchange.checkcodes import ALPHABET, VALUE, mod31_check_character

CREDIT_CODE_LENGTH = 18
# GB 32100-2015 table 2: no I, O, S, V or Z, to avoid confusion with digits.
CREDIT_CODE_ALPHABET = ALPHABET
_VALUE = VALUE
# Weights of positions 1..17 are 3^(i−1) mod 31 (GB 32100-2015 §5).
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# Registration authority → organisation types it may register (GB 32100-2015 with its amendments).
AUTHORITY_TYPES: dict[str, frozenset[str]] = {
    "1": frozenset(
        "1239"
    ),  # institutional staffing: government body, public institution, mass org., other
    "2": frozenset("19"),  # foreign affairs
    "3": frozenset(
        "123459"
    ),  # justice: law firm, notary, legal service, forensics, arbitration, other
    "4": frozenset("19"),  # culture
    "5": frozenset(
        "1239"
    ),  # civil affairs: social org., private non-enterprise unit, foundation, other
    "6": frozenset("129"),  # tourism
    "7": frozenset("129"),  # religion
    "8": frozenset("19"),  # trade unions
    "9": frozenset(
        "123"
    ),  # market regulation: enterprise, individual business, farmers' cooperative
    "A": frozenset("19"),  # military staffing
    "N": frozenset("1239"),  # agriculture
    "Y": frozenset("1"),  # other
}

# GB 11714 organisation code (positions 9–17): digits and A–Z valued 0–35, these weights on 9–16.
ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_BLANKS = re.compile(r"[\s\u3000-]+")


def normalize_credit_code(value: str) -> str:
    """What forms and the API do before validating: drop blanks and dashes, upper-case."""
    return _BLANKS.sub("", value or "").upper()


def credit_code_check_character(first_17: str) -> str:
    """The check character (position 18) for the first seventeen characters."""
    return mod31_check_character(first_17)


def organisation_code_check_character(first_8: str) -> str:
    """The GB 11714 check character of an organisation code's first eight characters."""
    total = sum(
        int(char, 36) * weight
        for char, weight in zip(first_8, ORGANISATION_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_credit_code(value: str) -> None:
    """Django validator: None for a valid code, else ValidationError whose code names the failed rule.

    Codes: ``length``, ``alphabet``, ``authority_type``, ``region``, ``check_character``. The value
    is validated as given; callers normalise it first (``normalize_credit_code``).
    """
    value = value or ""
    if len(value) != CREDIT_CODE_LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(length)d."),
            code="length",
            params={"length": len(value)},
        )
    bad = sorted({char for char in value if char not in _VALUE})
    if bad:
        raise ValidationError(
            _(
                "The unified social credit code may not contain %(characters)s (I, O, S, V and Z are never used)."
            ),
            code="alphabet",
            params={"characters": "、".join(bad)},
        )
    authority, kind = value[0], value[1]
    if kind not in AUTHORITY_TYPES.get(authority, frozenset()):
        raise ValidationError(
            _(
                "Position 1–2 “%(pair)s”: registration authority %(authority)s does not register organisation type %(kind)s."
            ),
            code="authority_type",
            params={"pair": value[:2], "authority": authority, "kind": kind},
        )
    if not value[2:8].isdigit():
        raise ValidationError(
            _("Positions 3–8 must be a six-digit region code; “%(region)s” is not."),
            code="region",
            params={"region": value[2:8]},
        )
    expected = credit_code_check_character(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _(
                "Position 18 (the check character) of the unified social credit code should be %(expected)s, not %(actual)s."
            ),
            code="check_character",
            params={"expected": expected, "actual": value[17]},
        )


def credit_code_warnings(value: str) -> list[str]:
    """Soft findings on a code that passed ``validate_credit_code``: shown, never a reason to refuse.

    The embedded organisation code's own check character (position 17) holds for most real codes,
    but common validators check only position 18, so a fault there is a warning.
    """
    expected = organisation_code_check_character(value[8:16])
    if value[16] != expected:
        return [
            str(
                _(
                    "Position 17 should be %(expected)s by the GB 11714 organisation-code check; please double-check the code."
                )
                % {"expected": expected}
            )
        ]
    return []


def build_credit_code(*, authority_type: str, region: str, organisation_base: str) -> str:
    """Assemble a well-formed code from its parts (for demo data and tests): both check characters.

    ``authority_type`` is positions 1–2 (e.g. "91"), ``region`` six digits, ``organisation_base``
    the first eight characters of the organisation code (from the credit-code alphabet).
    """
    first_17 = (
        authority_type
        + region
        + organisation_base
        + organisation_code_check_character(organisation_base)
    )
    return first_17 + credit_code_check_character(first_17)
