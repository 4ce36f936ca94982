from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def fields_named(form, names: str):
    """The bound fields of ``form`` named in a comma-separated list, in that order."""
    return [form[name] for name in names.split(",") if name in form.fields]


@register.filter
def yuan(amount, currency="CNY"):
    """One format for money: ¥1,234.50 (per-call prices keep their fourth decimal)."""
    if amount is None:
        return "—"
    amount = Decimal(amount)
    places = 4 if amount != amount.quantize(Decimal("0.01")) else 2
    symbol = "¥" if currency == "CNY" else f"{currency} "
    return f"{symbol}{amount:,.{places}f}"


@register.filter
def percent(rate):
    return "—" if rate is None else f"{float(rate) * 100:.1f}%"


@register.filter
def bar_width(value, widest):
    return 0 if not widest else round(100 * (value or 0) / widest)
