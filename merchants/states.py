"""The merchant onboarding lifecycle (数商入驻). DOMAIN.md §2; the states are a simulator rule."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MerchantStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    INFO_REQUESTED = "info_requested", _("More information requested")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    APPROVED = "approved", _("Approved")
    SIGNING = "signing", _("Signing")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = MerchantStatus

# The only statement of what may follow what. Terminal states map to an empty set.
TRANSITIONS: dict[MerchantStatus, frozenset[MerchantStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.INFO_REQUESTED, S.APPROVED, S.REJECTED, S.WITHDRAWN}),
    S.INFO_REQUESTED: frozenset({S.RESUBMITTED, S.WITHDRAWN}),
    S.RESUBMITTED: frozenset({S.UNDER_REVIEW, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.SIGNING}),
    S.SIGNING: frozenset({S.ACTIVE, S.WITHDRAWN}),
    S.ACTIVE: frozenset({S.SUSPENDED, S.TERMINATED}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.TERMINATED}),
    S.TERMINATED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
INITIAL = S.DRAFT
# The road most applications travel; the timeline draws it as its top row.
MAIN_PATH = [S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED, S.SIGNING, S.ACTIVE, S.SUSPENDED]

# An application in these states holds its credit code and its organisation's one live application.
CLOSED = frozenset({S.TERMINATED, S.REJECTED, S.WITHDRAWN})
# Waiting for the exchange, in its operators' queue.
AWAITING_EXCHANGE = frozenset({S.SUBMITTED, S.RESUBMITTED, S.UNDER_REVIEW})
# The applicant may change the application's content.
EDITABLE = frozenset({S.DRAFT, S.INFO_REQUESTED})
# Seen in the public merchant directory (数商名录).
LISTED_IN_DIRECTORY = frozenset({S.ACTIVE})
