"""exchange.money: exact amounts, one rounding rule, splits that add up, no floats."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.money import CurrencyMismatch, InvalidAmount, Money, format_amount


def test_amounts_are_exact_to_the_fen_and_written_with_two_places():
    assert Money("1234.5").to_api() == "1234.50"
    assert Money(Decimal("0.10")) + Money("0.20") == Money("0.30")
    assert Money("1.230").amount == Decimal("1.23")
    assert Money.from_minor(123450).to_api() == "1234.50"
    assert Money("1234.50").minor_units == 123450
    assert str(Money("1500")) == "¥1,500.00"
    assert format_amount(Money("-2.5")) == "-¥2.50"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0.1, "float_amount"),
        ("1.005", "amount_precision"),
        ("abc", "invalid_amount"),
        ("NaN", "invalid_amount"),
        (True, "invalid_amount"),
    ],
)
def test_floats_sub_fen_amounts_and_non_numbers_are_refused(value, code):
    with pytest.raises(InvalidAmount) as refused:
        Money(value)
    assert refused.value.code == code and refused.value.field == "amount"


def test_unknown_currencies_and_mixed_currencies_are_refused():
    with pytest.raises(InvalidAmount) as refused:
        Money("1", "XYZ")
    assert refused.value.code == "unknown_currency" and refused.value.field == "currency"
    with pytest.raises(CurrencyMismatch):
        Money("1", "CNY") + Money("1", "USD")
    with pytest.raises(CurrencyMismatch):
        _ = Money("1", "CNY") < Money("1", "USD")
    assert Money("1", "CNY") != Money("1", "USD")


def test_a_fee_is_rounded_half_up_to_the_fen():
    assert Money("1234.50") * Decimal("0.025") == Money("30.86")  # 30.8625
    assert Money("0.10") * Decimal("0.05") == Money("0.01")  # 0.005 rounds up
    assert Money("0.10") * Decimal("0.049") == Money("0.00")  # 0.0049 rounds down
    assert Money.of("-0.005") == Money("-0.01")  # half away from zero
    with pytest.raises(InvalidAmount):
        Money("1") * 0.5


def test_an_allocation_adds_up_and_the_left_over_fen_go_where_asked():
    assert Money("100.00").allocate([1, 1, 1]) == [Money("33.34"), Money("33.33"), Money("33.33")]
    assert Money("100.00").allocate([1, 1, 1], remainder_to=-1) == [
        Money("33.33"),
        Money("33.33"),
        Money("33.34"),
    ]
    assert Money("0.05").allocate([Decimal("0.975"), Decimal("0.025")]) == [
        Money("0.05"),
        Money("0.00"),
    ]
    with pytest.raises(InvalidAmount):
        Money("1").allocate([0, 0])
    with pytest.raises(InvalidAmount):
        Money("1").allocate([1], remainder_to=3)


@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=8).filter(any),
)
def test_every_allocation_adds_up_exactly(units, ratios):
    total = Money.from_minor(units)
    parts = total.allocate(ratios)
    assert sum((part for part in parts), Money.zero()) == total
    assert all(part.amount >= 0 for part in parts)
