"""Who may do what to products, versions and listings."""

from exchange.accounts.roles import MERCHANT_ROLES, Role

# The role that works each review queue (keyed by ``ReviewStage`` value).
STAGE_ROLES = {
    "compliance": Role.COMPLIANCE_REVIEWER,
    "quality": Role.QUALITY_REVIEWER,
    "registration": Role.OPERATOR,
    "listing": Role.LISTING_COMMITTEE,
}
REVIEWER_ROLES = frozenset(STAGE_ROLES.values())


def is_member(user, merchant) -> bool:
    return (
        user.is_authenticated
        and user.has_role(*MERCHANT_ROLES)
        and user.organisation_id == merchant.organisation_id
    )


def is_merchant_admin(user, merchant) -> bool:
    return (
        user.is_authenticated
        and user.has_role(Role.MERCHANT_ADMIN)
        and user.organisation_id == merchant.organisation_id
    )


def works_stage(user, stage) -> bool:
    return user.is_authenticated and user.has_role(STAGE_ROLES[str(stage)])


def can_govern_listings(user) -> bool:
    """Operators suspend, reinstate and delist sale items, and decide objections."""
    return user.is_authenticated and user.has_role(Role.OPERATOR)
