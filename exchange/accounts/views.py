"""Accounts pages: sign-up, members and invitations (login and passwords are Django's own views)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from exchange.accounts import selectors, services
from exchange.accounts.errors import InvitationNotUsable
from exchange.accounts.forms import AcceptInvitationForm, InviteForm, SignUpForm
from exchange.accounts.states import INVITATION_LIFECYCLE
from exchange.accounts.throttles import password_reset_refusal
from exchange.errors import DomainError
from exchange.web import (
    ActionView,
    action_buttons,
    action_forms,
    show_refusal,
    take_action_from_page,
)

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


def signup(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "password_again"}
        try:
            user = services.sign_up(**data)
        except (DomainError, ValidationError) as error:
            show_refusal(request, error, form)
        else:
            login(request, user, backend=AUTH_BACKEND)
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("merchants:mine" if user.role == "merchant_admin" else "home")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def members(request):
    if not request.user.is_organisation_admin:
        raise PermissionDenied
    organisation = request.user.organisation
    form = InviteForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_member(
                organisation=organisation, actor=request.user, **form.cleaned_data
            )
        except (DomainError, ValidationError) as error:
            show_refusal(request, error, form)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("accounts:members")
    context = {
        "organisation": organisation,
        "members": selectors.members_visible_to(request.user).filter(organisation=organisation),
        "invitations": selectors.invitations_visible_to(request.user).filter(
            organisation=organisation
        ),
        "form": form,
    }
    return render(request, "accounts/members.html", context)


# How the pages take the invitation lifecycle's offered actions (exchange.accounts.states).
INVITATION_ACTIONS = {
    "revoke": ActionView(lambda i, a: services.revoke_invitation(invitation=i, actor=a)),
}


@login_required
def invitation_detail(request, pk):
    invitation = get_object_or_404(selectors.invitations_visible_to(request.user), pk=pk)
    buttons = action_buttons(
        INVITATION_LIFECYCLE,
        request.user,
        invitation,
        INVITATION_ACTIONS,
        lambda action: reverse("accounts:invitation-act", args=[invitation.pk, action.slug]),
    )
    context = {
        "invitation": invitation,
        "events": invitation.events.order_by("occurred_at", "id"),
        "buttons": buttons,
        "action_forms": action_forms(buttons, INVITATION_ACTIONS),
    }
    return render(request, "accounts/invitation_detail.html", context)


@login_required
@require_POST
def invitation_act(request, pk, action):
    invitation = get_object_or_404(selectors.invitations_visible_to(request.user), pk=pk)
    take_action_from_page(
        request,
        lifecycle=INVITATION_LIFECYCLE,
        obj=invitation,
        slug=action,
        views=INVITATION_ACTIONS,
    )
    if request.POST.get("next") == "members":
        return redirect("accounts:members")
    return redirect("accounts:invitation-detail", pk=invitation.pk)


def accept_invitation(request, token):
    try:
        invitation = services.invitation_for_token(token)
    except InvitationNotUsable as error:
        return render(
            request, "accounts/invitation_unusable.html", {"message": error.message}, status=410
        )
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
                language=request.LANGUAGE_CODE,
            )
        except (DomainError, ValidationError) as error:
            show_refusal(request, error, form)
        else:
            login(request, user, backend=AUTH_BACKEND)
            messages.success(
                request, _("Welcome to %(organisation)s.") % {"organisation": user.organisation}
            )
            return redirect("home")
    return render(
        request, "accounts/accept_invitation.html", {"form": form, "invitation": invitation}
    )


@login_required
def account(request):
    """Who I am, and my API token: when it ends, and a button to revoke it."""
    token = Token.objects.filter(user=request.user).first()
    context = {
        "token": token,
        "token_expires_at": services.token_expires_at(token) if token else None,
        "token_valid_days": settings.API_TOKEN_VALID_DAYS,
    }
    return render(request, "accounts/account.html", context)


@login_required
@require_POST
def revoke_token(request):
    if services.revoke_api_tokens(user=request.user):
        messages.success(request, _("Your API token was revoked; it no longer works."))
    else:
        messages.info(request, _("You have no API token."))
    return redirect("accounts:account")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, limited per client address and per e-mail address asked for."""

    def form_valid(self, form):
        refusal = password_reset_refusal(self.request, form.cleaned_data["email"])
        if refusal:
            form.add_error("email", refusal)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)
