from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from exchange.money import format_amount
from exchange.registry.models import CertificateStatus
from listings.checklists import CHECKLISTS, QUALITY_INDICATORS, grade_scale
from listings.models import ColumnType, DeliveryMode, PersonalInformationKind

register = template.Library()


@register.filter
def fields_named(form, names: str):
    """The bound fields of ``form`` named in a comma-separated list, in that order."""
    return [form[name] for name in names.split(",") if name in form.fields]


@register.filter
def yuan(amount, currency="CNY"):
    """One format for money: ¥1,234.50 (per-call prices keep the places they need: ¥0.0028)."""
    return format_amount(amount, currency or "CNY")


# The choices whose stored codes pages show by their names (``{{ codes|labels:"delivery" }}``).
CHOICES = {
    "delivery": DeliveryMode,
    "column_type": ColumnType,
    "personal_information": PersonalInformationKind,
}


@register.filter
def labels(codes, kind: str) -> str:
    """Stored codes (one, or a list) by their names in the reader's language; an unknown code as
    it is. ``["api", "file"]`` → "API、文件或数据包"."""
    if codes in (None, "", []):
        return ""
    choices = CHOICES[kind]
    items = codes if isinstance(codes, list | tuple) else [codes]
    names = [str(choices(code).label) if code in choices.values else str(code) for code in items]
    return ("、" if (get_language() or "").startswith("zh") else ", ").join(names)


@register.inclusion_tag("listings/_quality_grade.html")
def quality_grade(grade, brief=False):
    """A quality grade with what it means and the scale it sits on (settings' thresholds)."""
    scale = grade_scale()
    return {
        "grade": grade,
        "meaning": next((row.meaning for row in scale if row.grade == grade), ""),
        "scale": scale,
        "brief": brief,
    }


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
