"""Money: one value type for every amount the exchange computes, and one format for every page.

``Money`` is an exact Decimal amount in an ISO 4217 currency, in whole minor units (fen for CNY).
It refuses floats (a float cannot hold ¥0.10 exactly), amounts finer than the currency's minor
unit, and arithmetic across currencies. The rounding rule is written down once: a product (a fee
rate times an amount) is rounded half up to the minor unit (``ROUND_HALF_UP``: ¥0.005 → ¥0.01),
and ``allocate`` splits an amount into parts that add up exactly, the left-over fen going to the
party the caller names. The ledger stores amounts as integer minor units (``minor_units``); the
API writes them as strings with the currency's places ("1234.50").
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import total_ordering

from django.utils.translation import gettext_lazy as _

from exchange.errors import RuleViolation

# ISO 4217 minor units of the currencies the exchange settles in (the international board trades
# in US dollars, Hong Kong dollars and euros as well as yuan).
MINOR_UNITS = {"CNY": 2, "USD": 2, "HKD": 2, "EUR": 2}
CURRENCY_SYMBOLS = {"CNY": "¥"}
DEFAULT_CURRENCY = "CNY"
CENT = Decimal("0.01")


class CurrencyMismatch(RuleViolation):
    code = "currency_mismatch"
    message_template = _("Amounts in %(left)s and %(right)s cannot be combined.")


class InvalidAmount(RuleViolation):
    code = "invalid_amount"
    field = "amount"


@total_ordering
@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self):
        if self.currency not in MINOR_UNITS:
            raise InvalidAmount(
                _("%(currency)s is not a currency the exchange settles in (%(known)s)."),
                code="unknown_currency",
                field="currency",
                params={"currency": self.currency, "known": ", ".join(MINOR_UNITS)},
            )
        amount = _decimal(self.amount)
        exponent = amount.as_tuple().exponent
        places = MINOR_UNITS[self.currency]
        if not amount.is_finite() or (
            isinstance(exponent, int)
            and exponent < -places
            and amount != amount.quantize(self.unit)
        ):
            raise InvalidAmount(
                _(
                    "%(amount)s has more than %(places)s decimal places, finer than a %(currency)s "
                    "minor unit."
                ),
                code="amount_precision",
                params={"amount": amount, "places": places, "currency": self.currency},
            )
        object.__setattr__(self, "amount", amount.quantize(self.unit))

    # --- construction ---------------------------------------------------------------------------

    @classmethod
    def of(cls, value, currency: str = DEFAULT_CURRENCY) -> "Money":
        """``value`` rounded half up to the currency's minor unit: for computed amounts only."""
        return cls(_decimal(value).quantize(_unit(currency), rounding=ROUND_HALF_UP), currency)

    @classmethod
    def from_minor(cls, units: int, currency: str = DEFAULT_CURRENCY) -> "Money":
        if isinstance(units, bool) or not isinstance(units, int):
            raise InvalidAmount(_("Minor units are a whole number."), code="invalid_amount")
        return cls(Decimal(units).scaleb(-MINOR_UNITS.get(currency, 2)), currency)

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> "Money":
        return cls(Decimal(0), currency)

    # --- reading --------------------------------------------------------------------------------

    @property
    def unit(self) -> Decimal:
        return _unit(self.currency)

    @property
    def minor_units(self) -> int:
        """The amount in whole minor units (fen): what the ledger stores."""
        return int(self.amount.scaleb(MINOR_UNITS[self.currency]))

    def to_api(self) -> str:
        """The amount as the API writes it: a string with the currency's places, "1234.50"."""
        return f"{self.amount:.{MINOR_UNITS[self.currency]}f}"

    def __str__(self) -> str:
        return format_amount(self.amount, self.currency)

    # --- arithmetic -----------------------------------------------------------------------------

    def _same(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(params={"left": self.currency, "right": other.currency})
        return other

    def __add__(self, other: "Money") -> "Money":
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def __abs__(self) -> "Money":
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor) -> "Money":
        """A product rounded half up to the minor unit (a fee: ¥1,234.50 × 2.5% = ¥30.86)."""
        if isinstance(factor, Money):
            raise TypeError("cannot multiply money by money")
        return Money.of(self.amount * _decimal(factor), self.currency)

    __rmul__ = __mul__

    def __eq__(self, other) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def __lt__(self, other: "Money") -> bool:
        return self.amount < self._same(other).amount

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __bool__(self) -> bool:
        return bool(self.amount)

    def allocate(self, ratios: Sequence, *, remainder_to: int = 0) -> list["Money"]:
        """Split into parts in proportion to ``ratios`` that add up exactly: each part is rounded
        down to the minor unit and the fen left over go to part ``remainder_to``."""
        weights = [_decimal(ratio) for ratio in ratios]
        total = sum(weights, Decimal(0))
        if not weights or total <= 0 or any(weight < 0 for weight in weights):
            raise InvalidAmount(
                _("Ratios must be zero or more and add up to more than zero."),
                code="invalid_ratios",
                field="ratios",
            )
        if not -len(weights) <= remainder_to < len(weights):
            raise InvalidAmount(
                _("remainder_to must name one of the %(count)s parts."),
                code="invalid_ratios",
                field="remainder_to",
                params={"count": len(weights)},
            )
        parts = [
            (self.amount * weight / total).quantize(self.unit, rounding=ROUND_FLOOR)
            for weight in weights
        ]
        parts[remainder_to] += self.amount - sum(parts, Decimal(0))
        return [Money(part, self.currency) for part in parts]


def _unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))


def _decimal(value) -> Decimal:
    """Decimal from a Decimal, an int or a numeric string; never from a float."""
    if isinstance(value, float):
        raise InvalidAmount(
            _("An amount is written as a decimal string or a Decimal, never a float."),
            code="float_amount",
        )
    if isinstance(value, bool):
        raise InvalidAmount(_("An amount is a number."), code="invalid_amount")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            parsed = None
        if parsed is not None and parsed.is_finite():
            return parsed
        raise InvalidAmount(
            _("“%(value)s” is not an amount."), code="invalid_amount", params={"value": value[:40]}
        )
    raise InvalidAmount(_("An amount is a number."), code="invalid_amount")


# --- formats -------------------------------------------------------------------------------------


def format_amount(amount, currency: str = "CNY") -> str:
    """¥1,500.00: thousands separated, two decimals; a price finer than a fen (a per-call price of
    ¥0.0028) keeps the places it needs. ``None`` (a negotiated price) reads "—"."""
    if amount is None or amount == "":
        return "—"
    if isinstance(amount, Money):
        amount, currency = amount.amount, amount.currency
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
