from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from exchange.accounts.roles import ROLES_BY_KIND, OrganisationKind, Role
from exchange.accounts.services import revoke_api_tokens
from exchange.validators import validate_name


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class PasswordPairMixin:
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class SignUpForm(PasswordPairMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("I am signing up as"),
        choices=[
            (OrganisationKind.MERCHANT, _("A company applying to become a data merchant (数商)")),
            (OrganisationKind.BUYER, _("A buyer organisation (需求方)")),
        ],
        widget=forms.RadioSelect,
        initial=OrganisationKind.MERCHANT,
    )
    organisation_name = forms.CharField(
        label=_("Organisation name"), max_length=200, validators=[validate_name]
    )
    full_name = forms.CharField(
        label=_("Your name"), max_length=150, required=False, validators=[validate_name]
    )
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ROLES_BY_KIND[OrganisationKind(organisation.kind)]
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r in allowed]


class AcceptInvitationForm(PasswordPairMixin, forms.Form):
    full_name = forms.CharField(
        label=_("Your name"), max_length=150, required=False, validators=[validate_name]
    )
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class RevokesTokensOnSave:
    """A password form whose save also revokes the user's API tokens (in the same transaction)."""

    def save(self, commit=True):
        if not commit:
            return super().save(commit=False)
        with transaction.atomic():
            user = super().save(commit=True)
            revoke_api_tokens(user=user)
        return user


class PasswordChangeForm(RevokesTokensOnSave, auth_forms.PasswordChangeForm):
    pass


class SetPasswordForm(RevokesTokensOnSave, auth_forms.SetPasswordForm):
    """The password reset's last step."""


class AdminPasswordChangeForm(RevokesTokensOnSave, auth_forms.AdminPasswordChangeForm):
    """A superuser setting someone's password in the admin."""
