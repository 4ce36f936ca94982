"""Read side of accounts: organisations, members and invitations scoped to the person looking."""

from django.db.models import Q, QuerySet

from exchange.accounts.models import Invitation, Organisation, User
from exchange.accounts.roles import ADMIN_ROLES, MERCHANT_ROLES, OrganisationKind, Role


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


# --- who hears about what (notifications) --------------------------------------------------------


def merchant_people(organisation_id: int) -> QuerySet[User]:
    """The active people who work on an organisation's merchant standing and its products."""
    return User.objects.filter(
        organisation_id=organisation_id, role__in=MERCHANT_ROLES, is_active=True
    )


def people_in_role(*roles, excluding_organisation: int | None = None) -> QuerySet[User]:
    """The active holders of ``roles``; never of ``excluding_organisation`` (nobody hears about
    work they may not do on their own organisation's item)."""
    people = User.objects.filter(role__in=roles, is_active=True)
    if excluding_organisation is not None:
        people = people.exclude(organisation_id=excluding_organisation)
    return people
