import uuid
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from exchange.creditcode import validate_credit_code
from listings.models import DeliveryMode, Scenario
from settlement.models import ChangeKind, DisputeOutcome


class OrderForm(forms.Form):
    scenario = forms.ModelChoiceField(
        label=_("Application scenario"),
        queryset=Scenario.objects.none(),
        to_field_name="code",
        empty_label=None,
        help_text=_("What your organisation will use the data for: one the product declares."),
    )
    quantity = forms.IntegerField(
        label=_("Calls"),
        min_value=1,
        max_value=10_000_000,
        initial=1,
        help_text=_("How many calls the order buys (the total is the price per call × calls)."),
    )

    def __init__(self, *args, scenarios, per_call: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scenario"].queryset = scenarios
        if not per_call:
            self.fields["quantity"].widget = forms.HiddenInput()


class PayForm(forms.Form):
    """Made with a new key when shown: sending it twice (a double click, a reload) pays once."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class BuyerApplicationForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        validators=[validate_credit_code],
        help_text=_("18 characters, as on the business licence (统一社会信用代码)."),
    )


class BuyerDecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        help_text=_("Required when rejecting: the applicant reads it."),
    )


class DeliveryForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Delivery mode"),
        widget=forms.RadioSelect,
        help_text=_(
            "File: the buyer downloads the package. API: the exchange's gateway serves its rows "
            "under the order's key, within a call quota. Privacy computing: the package stays "
            "with the exchange and the buyer only runs aggregate queries over it."
        ),
    )
    file = forms.FileField(
        label=_("Delivery package"),
        help_text=_("CSV, or a JSON array of objects; checked as samples are."),
    )

    def __init__(self, *args, modes, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(DeliveryMode.choices)
        self.fields["mode"].choices = [(m, labels[m]) for m in modes]
        self.fields["mode"].initial = modes[0]


class QueryForm(forms.Form):
    sql = forms.CharField(
        label=_("Aggregate query (SQL)"),
        strip=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "code"}),
        help_text=_(
            "One SELECT over the table dataset with COUNT, SUM, AVG, STDDEV or VARIANCE, grouped "
            "by columns if you like; no joins, subqueries or other tables. Groups of fewer than "
            "%(k)s rows are left out."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["sql"]
        field.help_text = field.help_text % {"k": settings.PRIVACY_MIN_GROUP_ROWS}


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with the delivery"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Name what differs from the description sheet: fields, rows, dates."),
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        help_text=_("A PDF, PNG or JPEG that shows it; the merchant and the arbitrator read it."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        help_text=_("Optional: a PDF, PNG or JPEG that supports your answer."),
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=DisputeOutcome.choices, widget=forms.RadioSelect
    )
    refund = forms.DecimalField(
        label=_("Refund (yuan)"),
        required=False,
        min_value=0,
        max_digits=18,
        decimal_places=2,
        help_text=_(
            "For a refund in part only: the exact part of the trade value returned to the buyer."
        ),
    )
    reason = forms.CharField(
        label=_("Grounds"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Both parties read them; they are registered with the decision."),
    )


class QuoteRequestForm(forms.Form):
    scenario = forms.ModelChoiceField(
        label=_("Application scenario"),
        queryset=Scenario.objects.none(),
        to_field_name="code",
        empty_label=None,
        help_text=_("What your organisation will use the data for: one the product declares."),
    )
    requirements = forms.CharField(
        label=_("What you need"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_(
            "The data, the volume, the period and the delivery you expect; the merchant quotes on it."
        ),
    )

    def __init__(self, *args, scenarios, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scenario"].queryset = scenarios


class OfferForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Price (yuan)"), min_value=Decimal("0.01"), max_digits=15, decimal_places=2
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        help_text=_("What the price covers, or why you counter."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you decline"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("The other side reads it."),
    )


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Change"),
        choices=ChangeKind.choices,
        widget=forms.RadioSelect,
        initial=ChangeKind.AMEND,
        help_text=_(
            "An amendment changes clauses (and, if you choose one, the application scenario); an "
            "early end ends the buyer's access to the data and any renewal when the other party "
            "agrees."
        ),
    )
    clauses = forms.CharField(
        label=_("What changes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("As the parties will read it in the register."),
    )
    scenario = forms.ModelChoiceField(
        label=_("New application scenario"),
        queryset=Scenario.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("unchanged"),
    )

    def __init__(self, *args, scenarios, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scenario"].queryset = scenarios


class ChangeAnswerForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you reject it"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        help_text=_("Required to reject: the other party reads it."),
    )
