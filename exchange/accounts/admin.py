"""Accounts in the admin. Only a superuser edits logins freely (superuser status, groups,
permissions, passwords); operators see people and change them only through actions that call the
services, which apply the role rules (``exchange.accounts.services``)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from exchange.accounts import services
from exchange.accounts.forms import AdminPasswordChangeForm
from exchange.accounts.models import Invitation, InvitationEvent, Organisation, User
from exchange.accounts.roles import Role
from exchange.admin import ReadOnlyAdmin
from exchange.errors import DomainError

# What an operator may edit on a person's page: how they are named and addressed, nothing that
# grants access or identifies the login (e-mail: a changed address would receive the password
# reset). Everything else is shown read-only.
OPERATOR_EDITABLE_FIELDS = ("first_name", "last_name", "language", "is_senior_reviewer")
OPERATOR_FIELDSETS = (
    (None, {"fields": ("username", "email")}),
    (_("Personal info"), {"fields": ("first_name", "last_name", "language")}),
    (_("Exchange"), {"fields": ("organisation", "role", "is_senior_reviewer")}),
    (_("Status"), {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
)


class OperatorUserForm(forms.ModelForm):
    """The user form an operator gets: no password, superuser status, groups or permissions."""

    class Meta:
        model = User
        fields = OPERATOR_EDITABLE_FIELDS


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("New role"), choices=Role.choices)


def member_action(service, description: str, *, asks_role: bool = False):
    """An admin action that calls ``service`` for each selected person, one transaction each."""

    def action(modeladmin, request, queryset):
        arguments = {}
        if asks_role:
            form = RoleForm(request.POST if "apply" in request.POST else None)
            if not form.is_valid():
                context = {
                    **modeladmin.admin_site.each_context(request),
                    "title": description,
                    "form": form,
                    "queryset": queryset,
                    "action": request.POST["action"],
                    "opts": modeladmin.model._meta,
                }
                return TemplateResponse(request, "admin/accounts/form_action.html", context)
            arguments["role"] = form.cleaned_data["role"]
        done = 0
        for member in queryset:
            try:
                service(member=member, actor=request.user, **arguments)
                done += 1
            except (DomainError, ValidationError) as error:
                text = (
                    error.message if isinstance(error, DomainError) else "; ".join(error.messages)
                )
                modeladmin.message_user(request, f"{member.username}: {text}", messages.ERROR)
        if done:
            modeladmin.message_user(
                request, _("%(count)d done.") % {"count": done}, messages.SUCCESS
            )
        return None

    action.short_description = description
    action.__name__ = service.__name__
    action.allowed_permissions = ("change",)  # auditors look, never act
    return action


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        # An organisation's name is on its certificates and in the directory, and its kind
        # decides the roles its people hold: operators do not retype either here.
        return [] if request.user.is_superuser else ["name", "kind", "created_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "get_full_name",
        "email",
        "organisation",
        "role",
        "is_active",
        "is_staff",
    ]
    list_filter = ["role", "organisation__kind", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email", "organisation__name"]
    list_select_related = ["organisation"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Exchange"), {"fields": ("organisation", "role", "language", "is_senior_reviewer")}),
    )
    change_password_form = AdminPasswordChangeForm  # also revokes the API tokens
    actions = [
        member_action(services.deactivate_member, _("Deactivate the login")),
        member_action(services.reactivate_member, _("Reactivate the login")),
        member_action(services.change_member_role, _("Change the role"), asks_role=True),
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return OPERATOR_FIELDSETS

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        shown = [name for _title, options in OPERATOR_FIELDSETS for name in options["fields"]]
        return [name for name in shown if name not in OPERATOR_EDITABLE_FIELDS]

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None and not request.user.is_superuser:
            kwargs["form"] = OperatorUserForm
        return super().get_form(request, obj, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        # Setting another person's password is taking over their login: superusers only.
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "status", "expires_at", "invited_by"]
    list_filter = ["status", "role"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation", "invited_by"]
    readonly_fields = [
        "organisation",
        "email",
        "role",
        "status",
        "invited_by",
        "expires_at",
        "accepted_by",
    ]

    def has_add_permission(self, request):
        return False  # invitations go through the members page, which checks who may invite


@admin.register(InvitationEvent)
class InvitationEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "subject", "kind", "from_status", "to_status", "actor_name"]
    list_filter = ["kind", "to_status"]
    search_fields = ["subject__email", "actor_name", "reason"]
    list_select_related = ["subject"]
