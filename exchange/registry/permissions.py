from exchange.accounts.roles import Role


def can_register(user) -> bool:
    """Registrations of data resources and assets, and licence, transfer, change, renewal,
    cancellation, revocation and objection registrations are made by the exchange's operators
    (the registrant applies; the exchange registers)."""
    return user.is_authenticated and user.has_role(Role.OPERATOR)
