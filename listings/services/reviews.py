"""Human review: claims on queue items, decisions per checklist dimension, and their guards.

The same claim-and-decide rules serve the product stages (compliance, quality, registration) and
the listing review. Separation of duties is a domain rule checked here: nobody reviews a product of
their own organisation, and nobody does two review stages of the same product.
"""

from dataclasses import dataclass
from datetime import timedelta
from statistics import mean

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exchange import clock, lifecycle
from exchange.accounts.models import User
from exchange.accounts.roles import Role
from exchange.accounts.selectors import merchant_people, people_in_role
from exchange.errors import ConflictError, FieldProblem, RuleViolation
from exchange.notifications import notify
from listings import permissions
from listings.checklists import CHECKLISTS, QUALITY_INDICATORS
from listings.errors import (
    AlreadyClaimed,
    ChecklistIncomplete,
    ClaimNotHeld,
    OwnOrganisation,
    SecondStage,
    WrongQueue,
)
from listings.locks import lock_listing, lock_review, lock_version
from listings.models import Decision, Listing, ProductVersion, QualityGrade, Review
from listings.states import (
    LISTING_LIFECYCLE,
    STAGE_OF_STATUS,
    VERSION_LIFECYCLE,
    ListingStatus,
    ReviewStage,
    VersionStatus,
)

V = VersionStatus
L = ListingStatus


def quality_grade(scores: dict[str, int]) -> QualityGrade:
    """The grade of the six indicators' average (thresholds are a setting: a simulator rule)."""
    average = mean(scores[key] for key in QUALITY_INDICATORS)
    for grade, floor in settings.QUALITY_GRADE_THRESHOLDS:
        if average >= floor:
            return QualityGrade(grade)
    return QualityGrade.E


# --- claims ------------------------------------------------------------------------------------


@transaction.atomic
def claim_version(*, version: ProductVersion, actor: User) -> Review:
    """Take a version in a review stage into your own hands (one claimant at a time).

    Raises:
        WrongQueue; OwnOrganisation; SecondStage (403); AlreadyClaimed (409).
    """
    version = lock_version(version.pk)
    stage = STAGE_OF_STATUS.get(V(version.status))
    if stage is None or not permissions.works_stage(actor, stage):
        raise WrongQueue()
    if (
        stage == ReviewStage.COMPLIANCE
        and version.is_senior_compliance
        and not actor.is_senior_reviewer
    ):
        raise WrongQueue(_("This item is in the senior compliance queue."))
    _guard_separation(actor, version.product.merchant.organisation_id, version.product_id, stage)
    return _claim(actor=actor, stage=stage, version=version)


@transaction.atomic
def claim_listing(*, listing: Listing, actor: User) -> Review:
    """The listing committee takes a sale item into review.

    Raises:
        WrongQueue; OwnOrganisation; SecondStage (403); AlreadyClaimed (409).
    """
    listing = lock_listing(listing.pk)
    if listing.status != L.LISTING_REVIEW or not permissions.works_stage(
        actor, ReviewStage.LISTING
    ):
        raise WrongQueue()
    _guard_separation(
        actor, listing.product.merchant.organisation_id, listing.product_id, ReviewStage.LISTING
    )
    return _claim(actor=actor, stage=ReviewStage.LISTING, listing=listing)


@transaction.atomic
def release_claim(*, review: Review, actor: User) -> Review:
    """Give a claimed item back to its queue."""
    review = lock_review(review.pk)
    if review.reviewer_id != actor.pk or not review.is_open:
        raise ClaimNotHeld()
    review.released_at = clock.now()
    review.save(update_fields=["released_at", "updated_at"])
    return review


@transaction.atomic
def release_expired_claims() -> int:
    """Return lapsed claims to their queues (Celery beat)."""
    return Review.objects.filter(
        decided_at__isnull=True, released_at__isnull=True, claim_expires_at__lte=clock.now()
    ).update(released_at=clock.now())


def _claim(*, actor: User, stage: ReviewStage, version=None, listing=None) -> Review:
    now = clock.now()
    subject = {"version": version} if version is not None else {"listing": listing}
    # A lapsed claim that beat has not released yet does not block the queue.
    Review.objects.filter(
        **subject,
        stage=stage,
        decided_at__isnull=True,
        released_at__isnull=True,
        claim_expires_at__lte=now,
    ).update(released_at=now)
    holder = Review.objects.filter(
        **subject, stage=stage, decided_at__isnull=True, released_at__isnull=True
    ).first()
    if holder is not None:
        if holder.reviewer_id == actor.pk:
            return holder  # claiming twice is harmless
        raise AlreadyClaimed(params={"reviewer": holder.reviewer})
    review = Review(
        **subject,
        stage=stage,
        reviewer=actor,
        reviewer_organisation_id=actor.organisation_id,
        claimed_at=now,
        claim_expires_at=now + timedelta(minutes=settings.REVIEW_CLAIM_MINUTES),
    )
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as error:  # a concurrent claim won the race
        raise AlreadyClaimed(params={"reviewer": "—"}) from error
    return review


def _guard_separation(
    actor: User, merchant_organisation_id: int, product_id: int, stage: ReviewStage
) -> None:
    if actor.organisation_id == merchant_organisation_id:
        raise OwnOrganisation()
    other_stages = Review.objects.filter(reviewer=actor, decided_at__isnull=False).exclude(
        stage=stage
    )
    if (
        other_stages.filter(version__product_id=product_id).exists()
        or other_stages.filter(listing__product_id=product_id).exists()
    ):
        raise SecondStage()


# --- decisions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionInput:
    decision: str
    checklist: dict
    scores: dict
    comments: str


@transaction.atomic
def decide_version_review(
    *,
    version: ProductVersion,
    actor: User,
    decision: str,
    stage: str | None = None,
    checklist=None,
    scores=None,
    comments: str = "",
) -> ProductVersion:
    """Record the claimant's decision on a product stage and move the version on, back, or out.

    Approve moves to the next stage (registration review's approval opens the public notice);
    return sends the sheet back to the merchant; reject ends the version. Both need comments.
    ``stage`` is the stage the reviewer decides (the page sends the one it showed): a version that
    moved on in the meantime is refused, not decided at another stage.

    Raises:
        RuleViolation ``invalid_choice``; ConflictError ``not_in_review``; PermissionDeniedError /
        OwnOrganisation (403); InvalidTransition, ClaimNotHeld (409); ChecklistIncomplete (400).
    """
    version = lock_version(version.pk)
    stage = _stage_to_decide(version, stage)
    action = VERSION_LIFECYCLE[f"{_decision(decision)}_{stage}"]
    lifecycle.check(version, action, actor=actor)
    review = _held_claim(actor, stage, version=version)
    entry = _validated(stage, DecisionInput(decision, checklist or {}, scores or {}, comments))
    now = clock.now()
    _record(review, entry, now)
    fields = ["stage_entered_at", "escalated_at", "updated_at"]
    version.stage_entered_at, version.escalated_at = now, None
    if stage == ReviewStage.QUALITY and decision == Decision.APPROVE:
        version.quality_grade = quality_grade(entry.scores)
        fields.append("quality_grade")
    if action.target == V.PUBLIC_NOTICE:
        version.notice_ends_at = now + timedelta(days=settings.PUBLIC_NOTICE_DAYS)
        fields.append("notice_ends_at")
    version.save(update_fields=fields)
    lifecycle.take(
        version,
        action,
        actor=actor,
        reason=entry.comments,
        data={"stage": stage, "review": review.pk, "grade": version.quality_grade or None},
    )
    _tell_merchant(version.product.merchant.organisation_id, version.name, action.target,
                   entry.comments, reverse("listings:version-detail", kwargs={"pk": version.pk}))  # fmt: skip
    return version


@transaction.atomic
def decide_listing_review(
    *, listing: Listing, actor: User, decision: str, checklist=None, comments: str = ""
) -> Listing:
    """The committee lists the sale item or rejects it (a listing is not returned: reapply instead).

    Raises:
        RuleViolation ``invalid_choice``; PermissionDeniedError / OwnOrganisation (403);
        InvalidTransition, ClaimNotHeld (409); ChecklistIncomplete (400); MerchantNotActive.
    """
    from listings.services.listing import publish

    listing = lock_listing(listing.pk)
    if _decision(decision) == Decision.RETURN:
        raise RuleViolation(
            _("A listing is approved or rejected; the merchant then applies again."),
            code="invalid_choice",
            field="decision",
        )
    action = LISTING_LIFECYCLE[decision]
    lifecycle.check(listing, action, actor=actor)
    review = _held_claim(actor, ReviewStage.LISTING, listing=listing)
    entry = _validated(ReviewStage.LISTING, DecisionInput(decision, checklist or {}, {}, comments))
    now = clock.now()
    _record(review, entry, now)
    if decision == Decision.APPROVE:
        publish(listing, action, actor=actor, reason=entry.comments)
    else:
        listing.stage_entered_at = now
        listing.save(update_fields=["stage_entered_at", "updated_at"])
        lifecycle.take(listing, action, actor=actor, reason=entry.comments)
    _tell_merchant(listing.product.merchant.organisation_id, str(listing.product), listing.status, entry.comments,
                   reverse("listings:listing-detail", kwargs={"pk": listing.pk}))  # fmt: skip
    return listing


def _decision(decision: str) -> Decision:
    if decision not in Decision.values:
        raise RuleViolation(
            _("Choose approve, return or reject."), code="invalid_choice", field="decision"
        )
    return Decision(decision)


def _stage_to_decide(version: ProductVersion, stage: str | None) -> ReviewStage:
    if stage is not None and stage not in STAGE_OF_STATUS.values():
        raise RuleViolation(
            _("Name a product review stage: compliance, quality or registration."),
            code="invalid_choice",
            field="stage",
        )
    current = STAGE_OF_STATUS.get(V(version.status))
    if stage is None and current is None:
        raise ConflictError(
            _("This version is not waiting for a review decision; it is “%(status)s”."),
            code="not_in_review",
            field="status",
            params={"status": version.get_status_display()},
        )
    return ReviewStage(stage or current)


def _held_claim(actor: User, stage: ReviewStage, **subject) -> Review:
    review = (
        Review.objects.select_for_update(of=("self",))
        .filter(**subject, stage=stage, reviewer=actor, decided_at__isnull=True)
        .filter(released_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if review is None:
        raise ClaimNotHeld()
    _guard_claim(review, actor)
    return review


def _guard_claim(review: Review, actor: User) -> None:
    if (
        review.reviewer_id != actor.pk
        or not review.is_open
        or review.claim_expires_at <= clock.now()
    ):
        raise ClaimNotHeld()


def _validated(stage: ReviewStage, entry: DecisionInput) -> DecisionInput:
    comments = (entry.comments or "").strip()
    if entry.decision != Decision.APPROVE and not comments:
        raise RuleViolation(
            _("Say why: the merchant reads it."), code="reason_required", field="comments"
        )
    problems = []
    checklist = {}
    for key in CHECKLISTS[stage]:
        item = entry.checklist.get(key) or {}
        result = item.get("result")
        if entry.decision == Decision.APPROVE and result not in ("pass", "fail"):
            problems.append(
                FieldProblem(f"checklist.{key}", "required", str(_("Record pass or fail.")))
            )
        elif entry.decision == Decision.APPROVE and result == "fail":
            problems.append(
                FieldProblem(
                    f"checklist.{key}",
                    "failed_dimension",
                    str(_("A failed dimension cannot be approved.")),
                )
            )
        if result in ("pass", "fail"):
            checklist[key] = {"result": result, "comment": str(item.get("comment", ""))[:2000]}
    scores = {}
    if stage == ReviewStage.QUALITY and entry.decision == Decision.APPROVE:
        for key in QUALITY_INDICATORS:
            value = entry.scores.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
                problems.append(
                    FieldProblem(
                        f"scores.{key}", "score_range", str(_("A whole number from 0 to 100."))
                    )
                )
            else:
                scores[key] = value
    if problems:
        raise ChecklistIncomplete(problems=problems)
    return DecisionInput(entry.decision, checklist, scores, comments)


def _record(review: Review, entry: DecisionInput, now) -> None:
    review.decision = entry.decision
    review.checklist = entry.checklist
    review.scores = entry.scores
    review.comments = entry.comments
    review.decided_at = now
    review.save(
        update_fields=["decision", "checklist", "scores", "comments", "decided_at", "updated_at"]
    )


def _tell_merchant(organisation_id: int, name: str, status, reason: str, url: str) -> None:
    notify(
        recipients=merchant_people(organisation_id),
        kind="product_review",
        title=_("%(product)s: %(status)s"),
        body=_("Reason: %(reason)s") if reason else "",
        params={"product": name, "status": _status_label(status), "reason": reason},
        url=url,
    )


def _status_label(status):
    """The status's lazy label: the notification renders it in each recipient's language."""
    for enum in (VersionStatus, ListingStatus):
        if status in enum.values:
            return enum(status).label
    return str(status)


# --- time limits ---------------------------------------------------------------------------------


@transaction.atomic
def escalate_overdue() -> int:
    """Tell operators about items waiting longer than the review time limit in one stage (beat)."""
    limit = clock.now() - timedelta(days=settings.REVIEW_TIME_LIMIT_DAYS)
    versions = list(
        ProductVersion.objects.select_for_update()
        .filter(
            status__in=list(STAGE_OF_STATUS), stage_entered_at__lt=limit, escalated_at__isnull=True
        )
        .order_by("pk")
    )
    listings = list(
        Listing.objects.select_for_update()
        .filter(status=L.LISTING_REVIEW, stage_entered_at__lt=limit, escalated_at__isnull=True)
        .order_by("pk")
    )
    now = clock.now()
    ProductVersion.objects.filter(pk__in=[v.pk for v in versions]).update(escalated_at=now)
    Listing.objects.filter(pk__in=[item.pk for item in listings]).update(escalated_at=now)
    count = len(versions) + len(listings)
    if count:
        notify(
            recipients=people_in_role(Role.OPERATOR),
            kind="reviews_escalated",
            title=_("%(count)d review items passed the %(days)d-day time limit"),
            params={"count": count, "days": settings.REVIEW_TIME_LIMIT_DAYS},
            url=reverse("listings:queue-health"),
        )
    return count
