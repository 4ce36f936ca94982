"""Lifecycles of a data product's version (registration), of its sale item (listing) and of an
objection filed during a public notice.

DOMAIN.md §3; the states are a simulator rule. Each lifecycle declares its actions: the states an
action acts from, the state it leads to, and who may take it (``exchange.lifecycle``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from exchange.lifecycle import Action, Lifecycle, by_system
from listings import permissions
from listings.errors import OwnOrganisation


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


class ListingStatus(models.TextChoices):
    LISTING_REVIEW = "listing_review", _("Listing review")
    LISTED = "listed", _("Listed")
    SUSPENDED = "suspended", _("Suspended")
    DELISTED = "delisted", _("Delisted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed")


class ReviewStage(models.TextChoices):
    COMPLIANCE = "compliance", _("Compliance review")
    QUALITY = "quality", _("Quality review")
    REGISTRATION = "registration", _("Registration review")
    LISTING = "listing", _("Listing review")


V = VersionStatus
L = ListingStatus
O = ObjectionStatus  # noqa: E741


# --- who may act -----------------------------------------------------------------------------


def _merchant_of(obj):
    """The data merchant behind a version, a listing or an objection."""
    return obj.merchant


def _merchant_admin(actor, obj) -> bool:
    return actor is not None and permissions.is_merchant_admin(actor, _merchant_of(obj))


def _stage_worker(stage):
    """The reviewers of ``stage``, never of the merchant's own organisation."""

    def allowed(actor, obj) -> bool:
        return (
            actor is not None
            and permissions.works_stage(actor, stage)
            and actor.organisation_id != _merchant_of(obj).organisation_id
        )

    def refusal(actor, obj):
        if actor is not None and permissions.works_stage(actor, stage):
            return OwnOrganisation()
        return None

    return allowed, refusal


def _governor(actor, obj) -> bool:
    """Operators govern listings and decide objections, never for their own organisation."""
    return (
        actor is not None
        and permissions.can_govern_listings(actor)
        and actor.organisation_id != _merchant_of(obj).organisation_id
    )


def _own_organisation_governor(actor, obj):
    return (
        OwnOrganisation() if actor is not None and permissions.can_govern_listings(actor) else None
    )


def _filer(actor, objection) -> bool:
    return actor is not None and actor.pk == objection.filed_by_id


MERCHANT_ADMIN = _("the merchant's admin")
SYSTEM = _("the exchange's automated work")
OPERATOR = _("an exchange operator of another organisation")
STAGE_WHO = {
    ReviewStage.COMPLIANCE: _("a compliance reviewer of another organisation"),
    ReviewStage.QUALITY: _("a quality reviewer of another organisation"),
    ReviewStage.REGISTRATION: _("a registration reviewer (operator) of another organisation"),
    ReviewStage.LISTING: _("the listing committee, of another organisation"),
}


def _action(name, label, sources, target, allowed, who, **options) -> Action:
    return Action(name, label, frozenset(sources), target, allowed, who, **options)


def _review_actions(stage: ReviewStage, status: VersionStatus, passes_to: VersionStatus):
    allowed, refusal = _stage_worker(stage)
    who = STAGE_WHO[stage]
    return (
        _action(f"approve_{stage}", _("Approve"), {status}, passes_to, allowed, who,
                refusal=refusal),
        _action(f"return_{stage}", _("Return for changes"), {status}, V.RETURNED, allowed, who,
                refusal=refusal, reason="required"),
        _action(f"reject_{stage}", _("Reject"), {status}, V.REJECTED, allowed, who,
                refusal=refusal, reason="required"),
    )  # fmt: skip


# --- the version of a product (registration) ---------------------------------------------------

# fmt: off
VERSION_LIFECYCLE = Lifecycle(
    status=VersionStatus,
    initial=V.DRAFT,
    main_path=(V.DRAFT, V.SUBMITTED, V.AUTO_CHECKS, V.COMPLIANCE_REVIEW, V.QUALITY_REVIEW,
               V.REGISTRATION_REVIEW, V.PUBLIC_NOTICE, V.REGISTERED),
    actions=(
        _action("submit", _("Submit for review"), {V.DRAFT, V.RETURNED}, V.SUBMITTED,
                _merchant_admin, MERCHANT_ADMIN),
        _action("start_checks", _("Automated checks started"), {V.SUBMITTED}, V.AUTO_CHECKS,
                by_system, SYSTEM),
        _action("pass_checks", _("Automated checks passed"), {V.AUTO_CHECKS},
                V.COMPLIANCE_REVIEW, by_system, SYSTEM),
        _action("fail_checks", _("Automated checks found problems"), {V.AUTO_CHECKS},
                V.RETURNED, by_system, SYSTEM),
        *_review_actions(ReviewStage.COMPLIANCE, V.COMPLIANCE_REVIEW, V.QUALITY_REVIEW),
        *_review_actions(ReviewStage.QUALITY, V.QUALITY_REVIEW, V.REGISTRATION_REVIEW),
        # The registration review's approval opens the public notice (公示).
        *_review_actions(ReviewStage.REGISTRATION, V.REGISTRATION_REVIEW, V.PUBLIC_NOTICE),
        _action("uphold_objection", _("Objection upheld"), {V.PUBLIC_NOTICE}, V.WITHDRAWN,
                _governor, OPERATOR, refusal=_own_organisation_governor, offered=False),
        _action("register", _("Registered"), {V.PUBLIC_NOTICE}, V.REGISTERED, by_system, SYSTEM),
        _action("supersede", _("Superseded by a newer version"), {V.REGISTERED}, V.SUPERSEDED,
                by_system, SYSTEM),
        _action("withdraw", _("Withdraw"),
                {V.DRAFT, V.SUBMITTED, V.COMPLIANCE_REVIEW, V.QUALITY_REVIEW,
                 V.REGISTRATION_REVIEW, V.PUBLIC_NOTICE, V.RETURNED},
                V.WITHDRAWN, _merchant_admin, MERCHANT_ADMIN, style="danger", reason="optional"),
    ),
)

# --- the sale item (listing) ---------------------------------------------------------------------

_committee, _committee_refusal = _stage_worker(ReviewStage.LISTING)

LISTING_LIFECYCLE = Lifecycle(
    status=ListingStatus,
    initial=L.LISTING_REVIEW,
    main_path=(L.LISTING_REVIEW, L.LISTED, L.SUSPENDED, L.DELISTED),
    actions=(
        _action("approve", _("Approve the listing"), {L.LISTING_REVIEW}, L.LISTED, _committee,
                STAGE_WHO[ReviewStage.LISTING], refusal=_committee_refusal),
        _action("reject", _("Reject the listing"), {L.LISTING_REVIEW}, L.REJECTED, _committee,
                STAGE_WHO[ReviewStage.LISTING], refusal=_committee_refusal, reason="required"),
        _action("suspend", _("Suspend (暂停)"), {L.LISTED}, L.SUSPENDED, _governor, OPERATOR,
                refusal=_own_organisation_governor, style="secondary", reason="required"),
        _action("reinstate", _("Put back on sale"), {L.SUSPENDED}, L.LISTED, _governor, OPERATOR,
                refusal=_own_organisation_governor, reason="optional"),
        _action("delist", _("Delist (摘牌)"), {L.LISTED, L.SUSPENDED}, L.DELISTED, _governor,
                OPERATOR, refusal=_own_organisation_governor, style="danger", reason="required"),
        _action("withdraw", _("Withdraw from sale"), {L.LISTING_REVIEW, L.LISTED, L.SUSPENDED},
                L.WITHDRAWN, _merchant_admin, MERCHANT_ADMIN, style="danger", reason="optional"),
        # Taken with the merchant's own suspension, reinstatement or termination (never alone).
        _action("suspend_with_merchant", _("Suspended with the merchant"), {L.LISTED},
                L.SUSPENDED, _governor, OPERATOR, offered=False),
        _action("reinstate_with_merchant", _("Back on sale with the merchant"), {L.SUSPENDED},
                L.LISTED, _governor, OPERATOR, offered=False),
        _action("delist_with_merchant", _("Delisted with the merchant"), {L.LISTED, L.SUSPENDED},
                L.DELISTED, _governor, OPERATOR, offered=False),
    ),
)

# --- an objection during a public notice (异议) --------------------------------------------------

OBJECTION_LIFECYCLE = Lifecycle(
    status=ObjectionStatus,
    initial=O.PENDING,
    main_path=(O.PENDING, O.UPHELD),
    actions=(
        _action("uphold", _("Uphold (withdraws the product)"), {O.PENDING}, O.UPHELD, _governor,
                OPERATOR, refusal=_own_organisation_governor, style="danger", reason="required"),
        _action("dismiss", _("Dismiss"), {O.PENDING}, O.DISMISSED, _governor, OPERATOR,
                refusal=_own_organisation_governor, style="secondary", reason="required"),
        _action("withdraw", _("Withdraw my objection"), {O.PENDING}, O.WITHDRAWN, _filer,
                _("the person who filed it"), style="secondary", reason="optional"),
        # The version left its notice another way (the merchant withdrew it).
        _action("lapse", _("Lapsed with the notice"), {O.PENDING}, O.LAPSED, by_system, SYSTEM),
    ),
)
# fmt: on

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
# The human review stages, in order.
REVIEW_STAGES = (V.COMPLIANCE_REVIEW, V.QUALITY_REVIEW, V.REGISTRATION_REVIEW)
# A live sale item: at most one per product.
LISTING_LIVE = frozenset({L.LISTING_REVIEW, L.LISTED, L.SUSPENDED})

# The version status in which each product stage's queue waits.
STAGE_OF_STATUS = {
    V.COMPLIANCE_REVIEW: ReviewStage.COMPLIANCE,
    V.QUALITY_REVIEW: ReviewStage.QUALITY,
    V.REGISTRATION_REVIEW: ReviewStage.REGISTRATION,
}

# What happens next in each state and what to do, one line per status, shown on the version, the
# listing and the objection pages (issue 8 §2). ``%(notice_ends)s`` is the notice's end.
VERSION_NEXT_STEPS = {
    V.DRAFT: _(
        "Fill in the description sheet, attach the sample and the supporting material; the "
        "merchant admin then submits it for review."
    ),
    V.SUBMITTED: _(
        "Submitted: the exchange's automated checks run next (completeness, the sample's profile, "
        "personal information, the cross-border route)."
    ),
    V.AUTO_CHECKS: _(
        "The automated checks are running: the version then goes to compliance review, or back "
        "to the merchant with the problems found."
    ),
    V.COMPLIANCE_REVIEW: _(
        "Waiting for a compliance reviewer (合规评估) of another organisation to claim and decide it."
    ),
    V.QUALITY_REVIEW: _(
        "Waiting for a quality reviewer (质量评估) to score its six quality indicators and decide."
    ),
    V.REGISTRATION_REVIEW: _(
        "Waiting for an exchange operator's registration review; approval opens the public notice "
        "(公示)."
    ),
    V.PUBLIC_NOTICE: _(
        "On public notice until %(notice_ends)s: anyone signed in may object. With no objection "
        "pending, it is registered when the notice ends."
    ),
    V.REGISTERED: _(
        "Registered: the certificate is issued. The merchant admin may apply to list it for sale "
        "(挂牌)."
    ),
    V.RETURNED: _(
        "Returned for changes (the reviewers' comments say why): change the sheet or the "
        "material, then the merchant admin submits it again."
    ),
    V.REJECTED: _("Rejected: this version goes no further; the reviews below say why."),
    V.WITHDRAWN: _("Withdrawn: this version goes no further."),
    V.SUPERSEDED: _("Superseded: a newer version of the product is registered in its place."),
}
LISTING_NEXT_STEPS = {
    L.LISTING_REVIEW: _(
        "Waiting for the listing committee (挂牌审核) of another organisation to review it; "
        "approval puts it on sale."
    ),
    L.LISTED: _("On sale (上架): buyers find it in the public catalogue."),
    L.SUSPENDED: _(
        "Suspended (暂停): out of the catalogue and not for sale until an exchange operator puts "
        "it back on sale."
    ),
    L.DELISTED: _(
        "Delisted (摘牌): no longer for sale. The merchant admin may apply to list the product "
        "again."
    ),
    L.REJECTED: _(
        "The listing committee rejected it (the review says why). The merchant admin may apply "
        "again."
    ),
    L.WITHDRAWN: _("Withdrawn from sale by the merchant. The merchant admin may apply again."),
}
OBJECTION_NEXT_STEPS = {
    O.PENDING: _(
        "An exchange operator upholds the objection, which withdraws the product from its "
        "notice, or dismisses it. The product is not registered while an objection is pending."
    ),
    O.UPHELD: _("Upheld: the product was withdrawn from its notice and is not registered."),
    O.DISMISSED: _(
        "Dismissed: the product is registered once its notice has ended, unless another "
        "objection is pending."
    ),
    O.WITHDRAWN: _("Withdrawn by the person who filed it."),
    O.LAPSED: _("Lapsed: the product left its public notice another way."),
}
