"""Certificate numbers: ``{kind}-{yyyy}-{seq:07d}-{check}`` (DOMAIN.md §6, a simulator rule).

The check character is the GB 32100 mod-31 character computed over the rest of the number, so a
mistyped number is caught the way a mistyped credit code is.
"""

import re

from exchange.checkcodes import VALUE, mod31_check_character

NUMBER_PATTERN = re.compile(r"^(DR|DP|DA|TX|LD|SB)-(\d{4})-(\d{7})-([0-9A-Z])$")


def check_character(body: str) -> str:
    """GB 32100's weighted mod-31 check over the letters and digits of ``body``.

    Characters outside the credit-code alphabet (the dashes) are skipped; weights are 3^i mod 31.
    """
    return mod31_check_character("".join(char for char in body if char in VALUE))


def certificate_number(kind: str, year: int, sequence: int) -> str:
    body = f"{kind}-{year:04d}-{sequence:07d}"
    return f"{body}-{check_character(body)}"


def is_valid_certificate_number(number: str) -> bool:
    match = NUMBER_PATTERN.match(number or "")
    return bool(match) and number[-1] == check_character(number[:-2])
