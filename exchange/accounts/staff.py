"""Django-admin access for exchange staff: operators manage, auditors only look.

The groups are kept in step with the installed models after every migrate (post_migrate), so a
new model is covered without a data migration.
"""

from django.contrib.auth.models import Group, Permission

from exchange.accounts.roles import Role

# The apps whose models appear in the operators' admin.
ADMIN_APPS = ("exchange", "accounts", "merchants", "listings", "settlement")
STAFF_GROUPS = {Role.OPERATOR: "operators", Role.AUDITOR: "auditors"}


def sync_staff_groups(**kwargs) -> None:
    permissions = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
    operators, _ = Group.objects.get_or_create(name=STAFF_GROUPS[Role.OPERATOR])
    # Operators view and change (actions run through the services); adding and deleting rows of
    # lifecycle, audit or money tables is never done through the admin.
    operators.permissions.set(permissions.filter(codename__regex=r"^(view|change)_"))
    auditors, _ = Group.objects.get_or_create(name=STAFF_GROUPS[Role.AUDITOR])
    auditors.permissions.set(permissions.filter(codename__startswith="view_"))


def admin_group_for(role) -> str | None:
    return STAFF_GROUPS.get(Role(role)) if role else None
