"""The GB 32100-2015 check-character scheme, shared by credit codes and certificate numbers."""

# Table 2 of GB 32100-2015: digits and capitals without I, O, S, V, Z; values 0–30 in this order.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {char: index for index, char in enumerate(ALPHABET)}


def mod31_check_character(symbols: str) -> str:
    """Weights 3^(i−1) mod 31 over ``symbols`` (values 0–30); C = (31 − S mod 31) mod 31."""
    total = sum(VALUE[char] * pow(3, index, 31) for index, char in enumerate(symbols))
    return ALPHABET[(31 - total % 31) % 31]
