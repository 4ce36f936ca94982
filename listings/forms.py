from django import forms
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exchange.money import plain_amount
from listings import sheet
from listings.checklists import CHECKLISTS, QUALITY_INDICATORS
from listings.models import (
    Board,
    ColumnType,
    Decision,
    DeliveryMode,
    PersonalInformationKind,
    PlanKind,
    ProductDocumentKind,
    ProductType,
    ProductVersion,
    Scenario,
)
from listings.selectors import catalog_merchants


class SheetForm(forms.ModelForm):
    """The description sheet (数据产品说明书) as a page form: the fields of ``listings.sheet``, with
    the model's labels and rules; only the widgets that a page needs differently are declared."""

    board = forms.ModelChoiceField(
        label=sheet.label("board"), queryset=Board.objects.all(), to_field_name="code"
    )
    scenarios = forms.ModelMultipleChoiceField(
        label=sheet.label("scenarios"),
        queryset=Scenario.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    fields_schema = forms.CharField(
        label=sheet.label("fields_schema"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=lazy(lambda: _column_types_help(), str)(),
    )
    record_count = forms.IntegerField(
        label=sheet.label("record_count"), min_value=0, max_value=2**63 - 1, required=False
    )
    personal_information_kinds = forms.MultipleChoiceField(
        label=_("Personal information the data holds"),
        choices=PersonalInformationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    personal_information_people = forms.IntegerField(
        label=sheet.label("personal_information_people"),
        min_value=0,
        max_value=2**31 - 1,
        initial=0,
    )
    sensitive_information_people = forms.IntegerField(
        label=sheet.label("sensitive_information_people"),
        min_value=0,
        max_value=2**31 - 1,
        initial=0,
    )
    delivery_modes = forms.MultipleChoiceField(
        label=sheet.label("delivery_modes"),
        choices=DeliveryMode.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ProductVersion
        fields = list(sheet.FIELD_NAMES)
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "data_source": forms.Textarea(attrs={"rows": 2}),
            "usage_restrictions": forms.Textarea(attrs={"rows": 2}),
            "time_coverage_start": forms.DateInput(attrs={"type": "date"}),
            "time_coverage_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # an optional choice reads "—", not Django's dashes
            choices = list(getattr(field, "choices", None) or [])
            if choices and choices[0] == ("", "---------"):
                field.choices = [("", "—"), *choices[1:]]

    def clean_fields_schema(self):
        fields = []
        for number, line in enumerate(self.cleaned_data["fields_schema"].splitlines(), start=1):
            parts = [part.strip() for part in line.replace("，", ",").split(",")]
            if not parts[0]:
                continue
            if len(parts) > 3:
                raise forms.ValidationError(
                    _("Line %(line)d has more than three parts."),
                    params={"line": number},
                    code="format",
                )
            name, kind, description = ([*parts, "", ""])[:3]
            fields.append(
                {"name": name, "type": _column_type_code(kind), "description": description}
            )
        return fields

    @staticmethod
    def fields_text(fields: list[dict]) -> str:
        return "\n".join(
            ", ".join([f.get("name", ""), f.get("type", ""), f.get("description", "")]).rstrip(", ")
            for f in fields
        )


# The types a declared field may have, by code and by name (the sample's own "empty" is no type).
DECLARED_TYPES = [t for t in ColumnType if t != ColumnType.EMPTY]


def _column_types_help() -> str:
    chinese = (translation.get_language() or "").startswith("zh")
    pattern, separator = ("{}（{}）", "、") if chinese else ("{} ({})", ", ")
    types = separator.join(pattern.format(t.value, t.label) for t in DECLARED_TYPES)
    return str(_("One field a line: name, type, description. Types: %(types)s.") % {"types": types})


def _column_type_code(kind: str) -> str:
    """A type written by its code or its name, in either language (整数 → integer)."""
    if not kind:
        return ColumnType.TEXT.value
    for column_type in DECLARED_TYPES:
        names = {column_type.value}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(str(column_type.label).casefold())
        if kind.casefold() in names:
            return column_type.value
    return kind


class PlansForm(forms.Form):
    """One price field per plan kind; a ticked negotiated box offers agreement trading."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in PlanKind:
            if kind == PlanKind.NEGOTIATED:
                self.fields[f"plan_{kind}"] = forms.BooleanField(label=kind.label, required=False)
            else:
                self.fields[f"plan_{kind}"] = forms.DecimalField(
                    label=_("%(plan)s price (CNY)") % {"plan": kind.label},
                    min_value=0,
                    max_digits=18,
                    decimal_places=4,
                    required=False,
                )

    def plans(self) -> list[dict]:
        result = []
        for kind in PlanKind:
            value = self.cleaned_data.get(f"plan_{kind}")
            if kind == PlanKind.NEGOTIATED and value:
                result.append({"kind": kind.value, "price_amount": None})
            elif kind != PlanKind.NEGOTIATED and value:
                result.append({"kind": kind.value, "price_amount": value})
        return result

    @staticmethod
    def initial_for(plans) -> dict:
        return {
            f"plan_{p.kind}": (
                True if p.kind == PlanKind.NEGOTIATED else plain_amount(p.price_amount)
            )
            for p in plans
        }


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Material"), choices=ProductDocumentKind.choices)
    file = forms.FileField(label=_("File"), help_text=_("PDF, PNG or JPEG."))


class SampleForm(forms.Form):
    file = forms.FileField(
        label=_("Sample"), help_text=_("CSV (UTF-8, header row) or a JSON array of objects.")
    )


class DecisionForm(forms.Form):
    # No outcome is preselected: the reviewer chooses one (issue 8 §2, safe defaults).
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("", _("— choose —")), *Decision.choices]
    )
    # The stage the page showed: a version that moved on meanwhile is refused, not mis-decided.
    stage = forms.CharField(widget=forms.HiddenInput, required=False)
    comments = forms.CharField(
        label=_("Comments (the merchant reads them)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, stage, prefill=None, **kwargs):
        super().__init__(*args, **kwargs)
        if stage not in CHECKLISTS:
            stage = None
        self.stage = stage
        self.fields["stage"].initial = stage
        if stage is None:
            return
        for key, label in CHECKLISTS[stage].items():
            self.fields[f"check_{key}"] = forms.ChoiceField(
                label=label,
                choices=[("", "—"), ("pass", _("Pass")), ("fail", _("Fail"))],
                required=False,
            )
            self.fields[f"note_{key}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=2000
            )
        if stage == "quality":
            for key, label in QUALITY_INDICATORS.items():
                self.fields[f"score_{key}"] = forms.IntegerField(
                    label=label,
                    min_value=0,
                    max_value=100,
                    required=False,
                    initial=(prefill or {}).get(key),
                )

    def arguments(self) -> dict:
        data = self.cleaned_data
        checklist = {
            key: {"result": data[f"check_{key}"], "comment": data[f"note_{key}"]}
            for key in CHECKLISTS.get(self.stage, {})
            if data.get(f"check_{key}")
        }
        scores = {
            key: data[f"score_{key}"]
            for key in QUALITY_INDICATORS
            if data.get(f"score_{key}") is not None
        }
        arguments = {
            "decision": data["decision"],
            "checklist": checklist,
            "comments": data["comments"],
        }
        if self.stage != "listing":
            arguments["scores"] = scores
            arguments["stage"] = self.stage
        return arguments


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )


class ObjectionDecisionForm(forms.Form):
    uphold = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Uphold: withdraw the product")), ("0", _("Dismiss"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class ListingForm(forms.Form):
    boards = forms.ModelMultipleChoiceField(
        label=_("Boards"), queryset=Board.objects.all(), widget=forms.CheckboxSelectMultiple
    )


class CatalogSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    board = forms.ChoiceField(label=_("Board"), required=False)
    scenario = forms.ChoiceField(label=_("Scenario"), required=False)
    product_type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("All")), *ProductType.choices], required=False
    )
    delivery = forms.ChoiceField(
        label=_("Delivery"), choices=[("", _("All")), *DeliveryMode.choices], required=False
    )
    merchant = forms.TypedChoiceField(
        label=_("Merchant"), required=False, coerce=int, empty_value=None
    )
    price_min = forms.DecimalField(label=_("Price from"), required=False, min_value=0)
    price_max = forms.DecimalField(label=_("Price to"), required=False, min_value=0)
    sort = forms.ChoiceField(
        label=_("Sort"),
        choices=[
            ("newest", _("Newest")),
            ("price", _("Price, low to high")),
            ("-price", _("Price, high to low")),
            # "Name" alone is a person's name (姓名) in the catalogue of translations.
            ("name", pgettext_lazy("sort order", "Name")),
        ],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].choices = [
            ("", _("All")),
            *((b.code, b.name) for b in Board.objects.all()),
        ]
        self.fields["scenario"].choices = [
            ("", _("All")),
            *((s.code, s.name) for s in Scenario.objects.all()),
        ]
        self.fields["merchant"].choices = [("", _("All")), *catalog_merchants()]
