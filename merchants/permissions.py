"""Who may do what to a merchant application: role predicates, used by services and views, and
the rows each person may see (the querysets' rules, ``exchange.scoping``)."""

from django.db.models import Q

from exchange.accounts.roles import MERCHANT_ROLES, Role
from exchange.scoping import (
    EVERYTHING,
    NOTHING,
    VIEW,
    VIEW_INTERNALS,
    RestrictedQuerySet,
    is_signed_in,
    prefixed,
)
from merchants.states import LISTED_IN_DIRECTORY, MerchantStatus

# Roles that oversee merchants and see every submitted application (never others' drafts).
SUPERVISOR_ROLES = frozenset({Role.OPERATOR, Role.AUDITOR})


def merchant_rule(user, action) -> Q:
    """Everyone sees the directory (active merchants) without contacts, documents or the audit
    trail; members see their own organisation's application and its internals; supervisors see
    every submitted application and its internals."""
    if is_signed_in(user) and user.is_superuser:
        return EVERYTHING
    visible = Q(status__in=LISTED_IN_DIRECTORY) if action == VIEW else NOTHING
    if not is_signed_in(user):
        return visible
    if user.has_role(*SUPERVISOR_ROLES):
        visible |= ~Q(status=MerchantStatus.DRAFT)
    if user.organisation_id and user.has_role(*MERCHANT_ROLES):
        visible |= Q(organisation_id=user.organisation_id)
    return visible


class MerchantQuerySet(RestrictedQuerySet):
    def rule(self, user, action):
        return merchant_rule(user, action)


class MerchantDocumentQuerySet(RestrictedQuerySet):
    def rule(self, user, action):
        """A qualification document is part of its merchant's internals."""
        return prefixed(merchant_rule(user, VIEW_INTERNALS), "merchant__")


class MerchantEventQuerySet(RestrictedQuerySet):
    def rule(self, user, action):
        """The audit trail, with the reviewers' reasons, is part of its merchant's internals."""
        return prefixed(merchant_rule(user, VIEW_INTERNALS), "subject__")


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
