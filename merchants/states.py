"""The merchant onboarding lifecycle (数商入驻). DOMAIN.md §2; the states are a simulator rule."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from exchange.lifecycle import Action, Lifecycle
from merchants import permissions
from merchants.errors import OwnOrganisation


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


def _applicant_admin(actor, merchant) -> bool:
    return actor is not None and permissions.is_applicant_admin(actor, merchant)


def _operator(actor, merchant) -> bool:
    """Exchange operators review and govern merchants, never their own organisation's."""
    return (
        actor is not None
        and permissions.can_review(actor)
        and actor.organisation_id != merchant.organisation_id
    )


def _own_organisation(actor, merchant):
    if actor is not None and permissions.can_review(actor):
        return OwnOrganisation()
    return None


APPLICANT = _("the applicant's merchant admin")
OPERATOR = _("an exchange operator of another organisation")


def _action(name, label, sources, target, allowed, who, **options) -> Action:
    if allowed is _operator:
        options.setdefault("refusal", _own_organisation)
    return Action(name, label, frozenset(sources), target, allowed, who, **options)


# fmt: off
LIFECYCLE = Lifecycle(
    status=MerchantStatus,
    initial=S.DRAFT,
    # The road most applications travel; the timeline draws it as its top row.
    main_path=(S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED, S.SIGNING, S.ACTIVE, S.SUSPENDED),
    actions=(
        _action("submit", _("Submit the application"), {S.DRAFT}, S.SUBMITTED,
                _applicant_admin, APPLICANT),
        _action("start_review", _("Start review"), {S.SUBMITTED, S.RESUBMITTED}, S.UNDER_REVIEW,
                _operator, OPERATOR),
        _action("request_information", _("Ask for more information"), {S.UNDER_REVIEW},
                S.INFO_REQUESTED, _operator, OPERATOR, style="secondary", reason="required"),
        _action("resubmit", _("Resubmit"), {S.INFO_REQUESTED}, S.RESUBMITTED,
                _applicant_admin, APPLICANT, reason="optional"),
        _action("approve", _("Approve"), {S.UNDER_REVIEW}, S.APPROVED, _operator, OPERATOR,
                reason="optional"),
        _action("reject", _("Reject"), {S.UNDER_REVIEW}, S.REJECTED, _operator, OPERATOR,
                style="danger", reason="required"),
        _action("issue_agreement", _("Issue the agreement"), {S.APPROVED}, S.SIGNING,
                _operator, OPERATOR),
        _action("sign", _("Sign the agreement (签约)"), {S.SIGNING}, S.ACTIVE,
                _applicant_admin, APPLICANT),
        _action("suspend", _("Suspend"), {S.ACTIVE}, S.SUSPENDED, _operator, OPERATOR,
                style="danger", reason="required"),
        _action("reinstate", _("Lift the suspension"), {S.SUSPENDED}, S.ACTIVE,
                _operator, OPERATOR, reason="optional"),
        _action("terminate", _("Terminate"), {S.ACTIVE, S.SUSPENDED}, S.TERMINATED,
                _operator, OPERATOR, style="danger", reason="required"),
        # Before approval; in signing it is declining to sign.
        _action("withdraw", _("Withdraw the application"),
                {S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.INFO_REQUESTED, S.RESUBMITTED, S.SIGNING},
                S.WITHDRAWN, _applicant_admin, APPLICANT, style="danger", reason="optional"),
    ),
)
# fmt: on
TRANSITIONS = LIFECYCLE.transitions
INITIAL = LIFECYCLE.initial
MAIN_PATH = list(LIFECYCLE.main_path)

# An application in these states holds its credit code and its organisation's one live application.
CLOSED = frozenset({S.TERMINATED, S.REJECTED, S.WITHDRAWN})
# Waiting for the exchange, in its operators' queue.
AWAITING_EXCHANGE = frozenset({S.SUBMITTED, S.RESUBMITTED, S.UNDER_REVIEW})
# The applicant may change the application's content.
EDITABLE = frozenset({S.DRAFT, S.INFO_REQUESTED})
# Seen in the public merchant directory (数商名录).
LISTED_IN_DIRECTORY = frozenset({S.ACTIVE})

# What happens next in each state and what to do, one line per status, shown on the application
# page (issue 8 §2). ``%(days)d`` is the review deadline (MERCHANT_REVIEW_SLA_DAYS).
NEXT_STEPS = {
    S.DRAFT: _(
        "Complete the application and upload the qualification documents; the merchant admin "
        "then submits it to the exchange."
    ),
    S.SUBMITTED: _(
        "The application waits in the exchange's queue: an operator of another organisation "
        "starts the review (the exchange aims to review within %(days)d days)."
    ),
    S.UNDER_REVIEW: _(
        "An exchange operator is reviewing the application: they approve it, reject it or ask "
        "for more information."
    ),
    S.INFO_REQUESTED: _(
        "The exchange asks for more information (its request is shown above): change the "
        "application or upload documents, then the merchant admin resubmits it."
    ),
    S.RESUBMITTED: _(
        "Resubmitted: the application waits in the exchange's queue for an operator to review "
        "it again."
    ),
    S.APPROVED: _(
        "Approved: the exchange issues the merchant agreement next; the merchant admin then "
        "signs it."
    ),
    S.SIGNING: _(
        "The agreement is issued: the merchant admin signs it (签约) to become an active data "
        "merchant."
    ),
    S.ACTIVE: _(
        "An active data merchant: its people create data products and apply for their "
        "registration and listing."
    ),
    S.SUSPENDED: _(
        "Suspended by the exchange: its listings are off sale and no new data product can be "
        "created until an operator lifts the suspension."
    ),
    S.TERMINATED: _(
        "Terminated: the merchant standing has ended. The merchant admin may start a new "
        "application."
    ),
    S.REJECTED: _(
        "Rejected (the reason is shown above). The merchant admin may start a new application."
    ),
    S.WITHDRAWN: _("Withdrawn. The merchant admin may start a new application."),
}
# States whose page shows, at the top, the reason the exchange gave for moving the application
# there (the request for more information above all: it says what to do).
REASON_SHOWN = frozenset({S.INFO_REQUESTED, S.REJECTED, S.SUSPENDED, S.TERMINATED})
