"""Money as people read it: one format for every page, e-mail and admin list (STYLE §7)."""

from decimal import Decimal

CURRENCY_SYMBOLS = {"CNY": "¥"}
CENT = Decimal("0.01")


def format_amount(amount, currency: str = "CNY") -> str:
    """¥1,500.00: thousands separated, two decimals; a price finer than a fen (a per-call price of
    ¥0.0028) keeps the places it needs. ``None`` (a negotiated price) reads "—"."""
    if amount is None or amount == "":
        return "—"
    amount = Decimal(amount)
    places = max(2, _places_needed(amount))
    symbol = CURRENCY_SYMBOLS.get(currency)
    prefix = symbol if symbol else f"{currency} "
    return f"{'-' if amount < 0 else ''}{prefix}{abs(amount):,.{places}f}"


def plain_amount(amount) -> str:
    """An amount for a form field: 1500.00, 0.0028 (no thousands separator, no symbol)."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    return f"{amount:.{max(2, _places_needed(amount))}f}"


def _places_needed(amount: Decimal) -> int:
    """How many decimal places show ``amount`` exactly (trailing zeros dropped)."""
    exponent = amount.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
