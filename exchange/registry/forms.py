from django import forms
from django.utils.translation import gettext_lazy as _

from exchange.registry.models import AMENDMENT_ACTIONS


class AmendmentForm(forms.Form):
    action = forms.ChoiceField(label=_("Registration kind"), choices=AMENDMENT_ACTIONS)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
