"""The description sheet (数据产品说明书), defined once (DOMAIN.md §3; its fields are ours).

Each entry names the ``ProductVersion`` field that holds it and the key under which the
registration certificate records it. The services (what a merchant may fill in, what submission
needs), the version diff, the registered content, the page form and the API's input all read this
one list; a structural test holds the form and the API to it.
"""

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from listings.models import ColumnType, DeliveryMode, PersonalInformationKind, ProductVersion


@dataclass(frozen=True)
class SheetField:
    name: str  # the ProductVersion field
    key: str  # its key in the registered content; a dot nests ("coverage.from")
    required: bool = False  # needed before submission (the model may allow it blank in a draft)


SHEET = (
    SheetField("name", "name", required=True),
    SheetField("summary", "summary", required=True),
    SheetField("product_type", "type", required=True),
    SheetField("board", "board"),
    SheetField("scenarios", "scenarios"),
    SheetField("data_source", "data_source", required=True),
    SheetField("acquisition", "acquisition", required=True),
    SheetField("fields_schema", "fields"),
    SheetField("time_coverage_start", "coverage.from"),
    SheetField("time_coverage_end", "coverage.to"),
    SheetField("spatial_coverage", "coverage.space", required=True),
    SheetField("record_count", "records"),
    SheetField("volume_note", "volume"),
    SheetField("update_frequency", "update_frequency", required=True),
    SheetField("classification", "classification"),
    SheetField("personal_information_kinds", "personal_information"),
    SheetField("personal_information_basis", "legal_basis"),
    SheetField("is_cross_border", "cross_border"),
    # DOMAIN.md §5: the route out of China follows from who exports and how many people.
    SheetField("exporter_is_ciio", "export.exporter_is_ciio"),
    SheetField("personal_information_people", "export.personal_information_people"),
    SheetField("sensitive_information_people", "export.sensitive_information_people"),
    SheetField("usage_restrictions", "usage_restrictions"),
    SheetField("delivery_modes", "delivery_modes"),
)
FIELD_NAMES = tuple(field.name for field in SHEET)
REQUIRED = tuple(field.name for field in SHEET if field.required)
# Held on the version's own row (the scenarios are a many-to-many relation beside it).
COLUMN_NAMES = tuple(
    name for name in FIELD_NAMES if not ProductVersion._meta.get_field(name).many_to_many
)


def model_field(name: str) -> models.Field:
    return ProductVersion._meta.get_field(name)


def label(name: str) -> str:
    return str(model_field(name).verbose_name)


# --- as registered (the certificate's content) ------------------------------------------------


def registered(version) -> dict:
    """The sheet as the certificate's digest covers it: JSON values only (no floats, no dates)."""
    content: dict = {}
    for field in SHEET:
        holder = content
        *parents, leaf = field.key.split(".")
        for parent in parents:
            holder = holder.setdefault(parent, {})
        holder[leaf] = _registered_value(version, field.name)
    return content


def _registered_value(version, name: str):
    field = model_field(name)
    if isinstance(field, models.ManyToManyField):
        return sorted(getattr(version, name).values_list("code", flat=True))
    if isinstance(field, models.ForeignKey):
        return getattr(version, name).code
    value = getattr(version, name)
    if isinstance(value, date):
        return value.isoformat()
    if value is None and isinstance(field, models.DateField):
        return ""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return sorted(value)  # a set of codes: its order means nothing
    return value


# --- for people to read (the diff, the pages) ----------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


def shown(version, name: str) -> str:
    """One sheet field of ``version`` in words: choices by their labels, codes by their names."""
    field = model_field(name)
    value = getattr(version, name)
    if isinstance(field, models.ManyToManyField):
        return ", ".join(sorted(str(item) for item in value.all()))
    if field.choices:
        return str(getattr(version, f"get_{name}_display")() or "")
    if name == "fields_schema":
        return "; ".join(
            f"{item.get('name', '')} ({_label(ColumnType, item.get('type', ''))})"
            for item in value or []
            if isinstance(item, dict)
        )
    if name in CHOICE_LISTS:
        return ", ".join(sorted(_label(CHOICE_LISTS[name], code) for code in value or []))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return "" if value is None else str(value)


def _label(choices, code) -> str:
    return str(choices(code).label) if code in choices.values else str(code)


# JSON lists of codes and the choices that name them.
CHOICE_LISTS = {
    "delivery_modes": DeliveryMode,
    "personal_information_kinds": PersonalInformationKind,
}


def changes(old, new) -> list[Change]:
    """What differs between two versions' sheets, field by field (every field of ``SHEET``)."""
    return [
        Change(field.name, label(field.name), before, after)
        for field in SHEET
        if (before := shown(old, field.name)) != (after := shown(new, field.name))
    ]
