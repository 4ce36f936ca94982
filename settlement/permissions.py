"""Who acts for whom in trading: a buyer organisation's members, a merchant's, the exchange's."""

from exchange.accounts.roles import Role

# Members who may order and pay for their organisation (its treasury: the ledger's roles).
BUYER_ROLES = (Role.BUYER, Role.MERCHANT_ADMIN)


def acts_for_buyer(user, organisation) -> bool:
    return (
        user.is_authenticated
        and organisation is not None
        and user.organisation_id == organisation.pk
        and user.has_role(*BUYER_ROLES)
    )


def acts_for_merchant(user, merchant) -> bool:
    return (
        user.is_authenticated
        and user.organisation_id == merchant.organisation_id
        and user.has_role(Role.MERCHANT_ADMIN)
    )


def may_verify_buyers(user, organisation) -> bool:
    """Exchange operators verify buyers, never their own organisation."""
    return (
        user.is_authenticated
        and user.has_role(Role.OPERATOR)
        and user.organisation_id != organisation.pk
    )


def sees_all_orders(user) -> bool:
    return user.is_authenticated and user.has_role(
        Role.SETTLEMENT_OPERATOR, Role.AUDITOR, Role.OPERATOR
    )


def sees_statements(user) -> bool:
    """A payee's admins see its settlement statements (merchants', assessors')."""
    return user.is_authenticated and user.has_role(Role.MERCHANT_ADMIN)


def is_arbitrator(user) -> bool:
    return user.is_authenticated and user.has_role(Role.ARBITRATOR)


def may_arbitrate(user, order) -> bool:
    """Arbitrators decide disputes, never one their own organisation is a party to."""
    return is_arbitrator(user) and user.organisation_id not in (
        order.buyer_id,
        order.merchant.organisation_id,
    )


def sees_disputes(user) -> bool:
    """The dispute queue: arbitrators, and the exchange's staff who oversee trading."""
    return is_arbitrator(user) or sees_all_orders(user)
