"""The rows of products, listings and objections each person may see (the querysets' rules,
``exchange.scoping``): ``VIEW`` for the public sheet, ``VIEW_INTERNALS`` for the material, the
sample, the check report, reviews, objections and the audit trail."""

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
from listings.permissions import REVIEWER_ROLES
from listings.states import ListingStatus, VersionStatus

# Public: anyone signed in sees the description sheet of versions in public notice or registered.
PUBLIC_VERSION_STATES = frozenset(
    {VersionStatus.PUBLIC_NOTICE, VersionStatus.REGISTERED, VersionStatus.SUPERSEDED}
)


def _is_staff(user) -> bool:
    """Reviewers judge the evidence and supervisors oversee: both see every submitted product."""
    return user.has_role(*SUPERVISOR_ROLES, *REVIEWER_ROLES)


def _own(user, merchant_path: str) -> Q:
    if user.organisation_id and user.has_role(*MERCHANT_ROLES):
        return Q(**{f"{merchant_path}organisation_id": user.organisation_id})
    return NOTHING


def version_rule(user, action) -> Q:
    """``VIEW``: everyone signed in sees the sheet of versions in public notice or registered;
    reviewers and supervisors see every submitted version; members their merchant's, drafts too.
    ``VIEW_INTERNALS`` (material, sample, check report, reviews, objections, the audit trail):
    members, reviewers and supervisors only."""
    if not is_signed_in(user):
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    visible = Q(status__in=PUBLIC_VERSION_STATES) if action == VIEW else NOTHING
    if _is_staff(user):
        visible |= ~Q(status=VersionStatus.DRAFT)
    return visible | _own(user, "product__merchant__")


def listing_rule(user, action) -> Q:
    """``VIEW``: everyone signed in sees items on sale; reviewers, supervisors and members see
    the rest. ``VIEW_INTERNALS`` (reviews, the audit trail): members, reviewers, supervisors."""
    if not is_signed_in(user):
        return NOTHING
    if user.is_superuser or _is_staff(user):
        return EVERYTHING
    visible = Q(status=ListingStatus.LISTED) if action == VIEW else NOTHING
    return visible | _own(user, "product__merchant__")


class ProductVersionQuerySet(RestrictedQuerySet):
    def rule(self, user, action):
        return version_rule(user, action)


class VersionInternalsQuerySet(RestrictedQuerySet):
    """Material, check reports and events: their version's internals."""

    version_path = "version__"

    def rule(self, user, action):
        return prefixed(version_rule(user, VIEW_INTERNALS), self.version_path)


class VersionEventQuerySet(VersionInternalsQuerySet):
    version_path = "subject__"


class ListingQuerySet(RestrictedQuerySet):
    def rule(self, user, action):
        return listing_rule(user, action)


class ListingEventQuerySet(RestrictedQuerySet):
    def rule(self, user, action):
        return prefixed(listing_rule(user, VIEW_INTERNALS), "subject__")


class ReviewQuerySet(RestrictedQuerySet):
    def rule(self, user, action):
        """A review, with the reviewer's checklist and comments, is internal to what it judges."""
        return (
            Q(version__isnull=False) & prefixed(version_rule(user, VIEW_INTERNALS), "version__")
        ) | (Q(listing__isnull=False) & prefixed(listing_rule(user, VIEW_INTERNALS), "listing__"))


class ObjectionQuerySet(RestrictedQuerySet):
    def rule(self, user, action):
        """The person who objected sees their objection; otherwise it is the version's internals."""
        own = Q(filed_by_id=user.pk) if is_signed_in(user) else NOTHING
        return own | prefixed(version_rule(user, VIEW_INTERNALS), "version__")
