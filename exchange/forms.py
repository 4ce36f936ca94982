"""Forms of the exchange-wide pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from exchange import clock


class ClockForm(forms.Form):
    mode = forms.ChoiceField(
        choices=[("advance", _("Advance")), ("set", _("Set")), ("real", _("Back to real time"))]
    )
    days = forms.IntegerField(
        label=_("Days"), min_value=1, max_value=clock.MAX_STEP_DAYS, required=False, initial=1
    )
    at = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
