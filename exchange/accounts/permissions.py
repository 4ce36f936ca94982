"""Who may do what to organisations' membership: role predicates, for services, states and views."""

from exchange.accounts.roles import ADMIN_ROLES, OrganisationKind, Role


def can_invite(actor, organisation, role: str) -> bool:
    """Organisation admins invite into their own organisation; operators also staff assessors."""
    if not actor.is_active or actor.role not in ADMIN_ROLES:
        return False
    if not organisation.allows_role(role):
        return False
    if actor.organisation_id == organisation.pk:
        # A merchant admin grants merchant roles; a buyer invites buyers; operators any exchange role.
        return (
            actor.role == Role.OPERATOR
            or Role(role)
            in {
                Role.MERCHANT_ADMIN: {Role.MERCHANT_ADMIN, Role.MERCHANT_STAFF, Role.BUYER},
                Role.BUYER: {Role.BUYER},
            }[Role(actor.role)]
        )
    return actor.role == Role.OPERATOR and organisation.kind == OrganisationKind.SERVICE_PROVIDER
