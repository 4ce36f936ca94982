"""The rows of merchants each person may see (the querysets' rules, ``exchange.scoping``): ``VIEW``
for the public fields, ``VIEW_INTERNALS`` for contacts, documents and the audit trail."""

from django.db.models import Q

from exchange.accounts.roles import MERCHANT_ROLES, SUPERVISOR_ROLES
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
