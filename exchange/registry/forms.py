import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from exchange.registry.models import AMENDMENT_ACTIONS, RegisteredData, Right


class AmendmentForm(forms.Form):
    action = forms.ChoiceField(label=_("Registration kind"), choices=AMENDMENT_ACTIONS)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, kinds, **kwargs):
        """``kinds``: the registrations the operator may make on this certificate now."""
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("— choose —")), *((k.name, k.label) for k in kinds)]


class RegisterDataForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=RegisteredData._meta.get_field("kind").choices
    )
    registrant_name = forms.CharField(label=_("Registrant"), max_length=200)
    registrant_credit_code = forms.CharField(
        label=_("Unified social credit code"), min_length=18, max_length=18
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.CharField(
        label=_("Data source and how it was obtained"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    volume = forms.CharField(label=_("Volume"), max_length=200, required=False)
    rights = forms.MultipleChoiceField(
        label=_("Rights registered"), choices=Right.choices, widget=forms.CheckboxSelectMultiple
    )
    book_value = forms.DecimalField(
        label=_("Book value (CNY)"), max_digits=18, decimal_places=2, required=False
    )
    # A new key with each empty form: a double click or a resent form registers once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["idempotency_key"].initial = str(uuid.uuid4())

    def clean_registrant_credit_code(self):
        return self.cleaned_data["registrant_credit_code"].strip().upper()
