"""Read side of accounts: organisations, members and invitations scoped to the person looking."""

from django.db.models import Q, QuerySet

from exchange.accounts.models import Invitation, Organisation, User
from exchange.accounts.roles import ADMIN_ROLES, OrganisationKind, Role


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """Operators and auditors see every organisation; everyone else sees their own."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.is_superuser or user.has_role(Role.OPERATOR, Role.AUDITOR):
        return Organisation.objects.all()
    return Organisation.objects.filter(pk=user.organisation_id)


def members_visible_to(user) -> QuerySet[User]:
    return User.objects.filter(organisation__in=organisations_visible_to(user)).select_related(
        "organisation"
    )


def invitations_visible_to(user) -> QuerySet[Invitation]:
    """Admins see their organisation's invitations; operators also those of service providers."""
    if not user.is_authenticated or user.role not in ADMIN_ROLES:
        return Invitation.objects.none()
    scope = Q(organisation_id=user.organisation_id)
    if user.has_role(Role.OPERATOR):
        scope |= Q(organisation__kind=OrganisationKind.SERVICE_PROVIDER)
    return Invitation.objects.filter(scope).select_related("organisation", "invited_by")
