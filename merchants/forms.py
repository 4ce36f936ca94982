from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from exchange.creditcode import normalize_credit_code, validate_credit_code
from merchants.models import (
    Category,
    DataAcquisition,
    DcmmLevel,
    District,
    DocumentKind,
    LegalStatus,
)
from merchants.validators import validate_contact_phone


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, category):
        return f"— {category.name}" if category.parent_id else category.name


class ApplicationForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=40,
        help_text=_("18 characters, e.g. 91310115MA1K3YJ20X; blanks are ignored."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "hx-get": reverse_lazy("merchants:check-credit-code"),
                "hx-trigger": "keyup changed delay:400ms, change",
                "hx-target": "#credit-code-check",
                "hx-swap": "innerHTML",
            }
        ),
    )
    legal_representative = forms.CharField(
        label=_("Legal representative"), max_length=60, required=False
    )
    legal_status = forms.ChoiceField(
        label=_("Legal status"), choices=LegalStatus.choices, initial=LegalStatus.IN_OPERATION
    )
    registered_address = forms.CharField(
        label=_("Registered address"), max_length=300, required=False
    )
    district = forms.ChoiceField(
        label=_("District"), choices=[("", "—"), *District.choices], required=False
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=60, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=30, required=False, validators=[validate_contact_phone]
    )
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    categories = CategoryChoiceField(
        label=_("Categories and subtypes"),
        queryset=Category.objects.order_by("position", "id"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    business_scope = forms.CharField(
        label=_("Business scope"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    dcmm_level = forms.TypedChoiceField(
        label=_("DCMM level"),
        choices=[("", _("None")), *DcmmLevel.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    has_data_security_system = forms.BooleanField(
        label=_("We have a data-security management system"), required=False
    )
    clean_record_declared = forms.BooleanField(
        label=_(
            "We declare no data-related crime, administrative penalty or sanction in the last three years"
        ),
        required=False,
    )

    def clean_credit_code(self):
        code = normalize_credit_code(self.cleaned_data["credit_code"])
        validate_credit_code(code)
        return code


class DataSourceForm(forms.Form):
    """One declared data source: a row left entirely empty declares nothing; a half-filled row
    says which field it lacks."""

    name = forms.CharField(label=_("Data source"), max_length=200, required=False)
    acquisition = forms.ChoiceField(
        label=_("How obtained"), choices=[("", "—"), *DataAcquisition.choices], required=False
    )
    description = forms.CharField(label=_("Description"), max_length=2000, required=False)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", None) or {}
        return not any(data.get(key) for key in ("name", "acquisition", "description"))

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        for key in ("name", "acquisition"):
            if not data.get(key) and key not in self.errors:
                self.add_error(
                    key,
                    forms.ValidationError(
                        _("“%(field)s” is missing: fill it in, or clear the whole row."),
                        code="required",
                        params={"field": self.fields[key].label},
                    ),
                )
        return data


DataSourceFormSet = forms.formset_factory(DataSourceForm, extra=1, can_delete=True, max_num=20)


def data_sources_from(formset) -> list[dict]:
    """The declared sources of a valid formset: rows neither blank nor ticked for removal."""
    return [
        {key: form.cleaned_data[key] for key in ("name", "acquisition", "description")}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE") and not form.is_blank()
    ]


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, PNG or JPEG, at most %(mb)d MB.")
        % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class AgreementForm(forms.Form):
    term_months = forms.IntegerField(
        label=_("Term (months)"),
        min_value=1,
        max_value=120,
        initial=settings.MERCHANT_AGREEMENT_TERM_MONTHS,
    )
