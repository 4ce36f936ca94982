from decimal import Decimal

from django import template
from django.utils.translation import gettext_lazy as _

from exchange.registry.models import CertificateStatus
from listings.checklists import CHECKLISTS, QUALITY_INDICATORS

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


RESULT_LABELS = {"pass": _("pass"), "fail": _("fail")}


@register.filter
def checklist_lines(review):
    """A decided review's checklist in words: (dimension, pass/fail, comment)."""
    labels = CHECKLISTS.get(review.stage, {})
    return [
        (labels.get(key, key), RESULT_LABELS.get(item.get("result"), item.get("result")),
         item.get("comment", ""))
        for key, item in (review.checklist or {}).items()
    ]  # fmt: skip


@register.filter
def score_lines(review):
    """A quality review's scores in words: (indicator, score out of 100)."""
    return [
        (QUALITY_INDICATORS.get(key, key), score) for key, score in (review.scores or {}).items()
    ]


@register.filter
def certificate_status_label(value):
    return CertificateStatus(value).label if value in CertificateStatus.values else value
