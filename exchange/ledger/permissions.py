"""Who sees and moves which money: an organisation its own; settlement operators and auditors all."""

from exchange.accounts.roles import Role

# Members who may ask for money in or out of their organisation's account.
TREASURY_ROLES = (Role.MERCHANT_ADMIN, Role.BUYER)


def sees_all(user) -> bool:
    return user.is_authenticated and user.has_role(Role.SETTLEMENT_OPERATOR, Role.AUDITOR)


def may_see_account(user, account) -> bool:
    if not user.is_authenticated:
        return False
    if sees_all(user):
        return True
    return account.owner_id is not None and account.owner_id == user.organisation_id


def may_move_funds(user, organisation) -> bool:
    """Request a deposit or a withdrawal for ``organisation``."""
    return (
        user.is_authenticated
        and organisation is not None
        and user.organisation_id == organisation.pk
        and user.has_role(*TREASURY_ROLES)
    )


def may_settle(user) -> bool:
    """Confirm or reject deposits and withdrawals at the bank."""
    return user.is_authenticated and user.has_role(Role.SETTLEMENT_OPERATOR)
