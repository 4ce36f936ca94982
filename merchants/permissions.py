"""Who may do what to a merchant application: role predicates, used by services and views."""

from exchange.accounts.roles import MERCHANT_ROLES, SUPERVISOR_ROLES, Role


def is_member(user, merchant) -> bool:
    """Someone from the applicant organisation who works on its merchant standing."""
    return (
        user.is_authenticated
        and user.has_role(*MERCHANT_ROLES)
        and user.organisation_id == merchant.organisation_id
    )


def is_applicant_admin(user, merchant) -> bool:
    return (
        user.is_authenticated
        and user.has_role(Role.MERCHANT_ADMIN)
        and user.organisation_id == merchant.organisation_id
    )


def can_apply(user) -> bool:
    return user.is_authenticated and user.has_role(Role.MERCHANT_ADMIN)


def can_edit(user, merchant) -> bool:
    return is_member(user, merchant)


def can_review(user) -> bool:
    """Operators review applications and govern merchants (own organisation excluded by the service)."""
    return user.is_authenticated and user.has_role(Role.OPERATOR)


def can_see_queue(user) -> bool:
    return user.is_authenticated and user.has_role(*SUPERVISOR_ROLES)
