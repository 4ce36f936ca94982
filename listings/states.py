"""Lifecycles of a data product's version (registration) and of its sale item (listing).

DOMAIN.md §3; the states are a simulator rule.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    AUTO_CHECKS = "auto_checks", _("Automated checks")
    COMPLIANCE_REVIEW = "compliance_review", _("Compliance review")
    QUALITY_REVIEW = "quality_review", _("Quality review")
    REGISTRATION_REVIEW = "registration_review", _("Registration review")
    PUBLIC_NOTICE = "public_notice", _("Public notice")
    REGISTERED = "registered", _("Registered")
    RETURNED = "returned", _("Returned for changes")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUPERSEDED = "superseded", _("Superseded")


V = VersionStatus

VERSION_TRANSITIONS: dict[VersionStatus, frozenset[VersionStatus]] = {
    V.DRAFT: frozenset({V.SUBMITTED, V.WITHDRAWN}),
    V.SUBMITTED: frozenset({V.AUTO_CHECKS, V.WITHDRAWN}),
    V.AUTO_CHECKS: frozenset({V.COMPLIANCE_REVIEW, V.RETURNED}),
    V.COMPLIANCE_REVIEW: frozenset({V.QUALITY_REVIEW, V.RETURNED, V.REJECTED, V.WITHDRAWN}),
    V.QUALITY_REVIEW: frozenset({V.REGISTRATION_REVIEW, V.RETURNED, V.REJECTED, V.WITHDRAWN}),
    V.REGISTRATION_REVIEW: frozenset({V.PUBLIC_NOTICE, V.RETURNED, V.REJECTED, V.WITHDRAWN}),
    V.PUBLIC_NOTICE: frozenset({V.REGISTERED, V.WITHDRAWN}),
    V.REGISTERED: frozenset({V.SUPERSEDED}),
    V.RETURNED: frozenset({V.SUBMITTED, V.WITHDRAWN}),
    V.REJECTED: frozenset(),
    V.WITHDRAWN: frozenset(),
    V.SUPERSEDED: frozenset(),
}
VERSION_MAIN_PATH = [
    V.DRAFT,
    V.SUBMITTED,
    V.AUTO_CHECKS,
    V.COMPLIANCE_REVIEW,
    V.QUALITY_REVIEW,
    V.REGISTRATION_REVIEW,
    V.PUBLIC_NOTICE,
    V.REGISTERED,
]
# The merchant may change the sheet.
VERSION_EDITABLE = frozenset({V.DRAFT, V.RETURNED})
# A version on its way: at most one per product at a time.
VERSION_IN_PROGRESS = frozenset(
    {
        V.DRAFT,
        V.SUBMITTED,
        V.AUTO_CHECKS,
        V.COMPLIANCE_REVIEW,
        V.QUALITY_REVIEW,
        V.REGISTRATION_REVIEW,
        V.PUBLIC_NOTICE,
        V.RETURNED,
    }
)
# The human review stages, in order, and the status each one moves to when it passes.
REVIEW_STAGES = (V.COMPLIANCE_REVIEW, V.QUALITY_REVIEW, V.REGISTRATION_REVIEW)
NEXT_AFTER = {
    V.COMPLIANCE_REVIEW: V.QUALITY_REVIEW,
    V.QUALITY_REVIEW: V.REGISTRATION_REVIEW,
    V.REGISTRATION_REVIEW: V.PUBLIC_NOTICE,
}


class ListingStatus(models.TextChoices):
    LISTING_REVIEW = "listing_review", _("Listing review")
    LISTED = "listed", _("Listed")
    SUSPENDED = "suspended", _("Suspended")
    DELISTED = "delisted", _("Delisted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


L = ListingStatus

LISTING_TRANSITIONS: dict[ListingStatus, frozenset[ListingStatus]] = {
    L.LISTING_REVIEW: frozenset({L.LISTED, L.REJECTED, L.WITHDRAWN}),
    L.LISTED: frozenset({L.SUSPENDED, L.DELISTED, L.WITHDRAWN}),
    L.SUSPENDED: frozenset({L.LISTED, L.DELISTED, L.WITHDRAWN}),
    L.DELISTED: frozenset(),
    L.REJECTED: frozenset(),
    L.WITHDRAWN: frozenset(),
}
LISTING_MAIN_PATH = [L.LISTING_REVIEW, L.LISTED, L.SUSPENDED, L.DELISTED]
# A live sale item: at most one per product.
LISTING_LIVE = frozenset({L.LISTING_REVIEW, L.LISTED, L.SUSPENDED})


class ReviewStage(models.TextChoices):
    COMPLIANCE = "compliance", _("Compliance review")
    QUALITY = "quality", _("Quality review")
    REGISTRATION = "registration", _("Registration review")
    LISTING = "listing", _("Listing review")


# The version status in which each product stage's queue waits.
STAGE_OF_STATUS = {
    V.COMPLIANCE_REVIEW: ReviewStage.COMPLIANCE,
    V.QUALITY_REVIEW: ReviewStage.QUALITY,
    V.REGISTRATION_REVIEW: ReviewStage.REGISTRATION,
}
