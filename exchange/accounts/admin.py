from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from exchange.accounts.models import Invitation, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]


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
        (_("Exchange"), {"fields": ("organisation", "role", "language")}),
    )


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
