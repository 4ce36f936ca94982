import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from exchange.money import MINOR_UNITS, Money


class BankMoveForm(forms.Form):
    """A deposit or withdrawal. The key is made when the form is shown, so that submitting the
    same form twice (a double click, a reload) asks once."""

    amount = forms.DecimalField(
        label=_("Amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[(c, c) for c in MINOR_UNITS], initial="CNY"
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)

    def money(self) -> Money:
        return Money(self.cleaned_data["amount"], self.cleaned_data["currency"])
