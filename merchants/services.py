"""Write side of merchant onboarding (数商入驻): every state change of an application or merchant."""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exchange import clock, lifecycle
from exchange.accounts.models import User
from exchange.accounts.roles import Role
from exchange.accounts.selectors import merchant_people, people_in_role
from exchange.creditcode import normalize_credit_code
from exchange.errors import PermissionDeniedError
from exchange.lifecycle import Action
from exchange.notifications import notify
from exchange.uploads import attach_document
from merchants import permissions
from merchants.errors import (
    ApplicationIncomplete,
    CreditCodeTaken,
    NotEditable,
    OrganisationHasLiveApplication,
    ReasonRequired,
)
from merchants.locks import lock_merchant
from merchants.models import Agreement, Category, DocumentKind, Merchant, MerchantDocument
from merchants.selectors import overdue_applications, submission_problems
from merchants.states import CLOSED, EDITABLE, LIFECYCLE, MerchantStatus

S = MerchantStatus

# The application fields an applicant fills in; everything else is the exchange's to set.
APPLICATION_FIELDS = frozenset(
    {
        "company_name",
        "credit_code",
        "legal_representative",
        "legal_status",
        "registered_address",
        "district",
        "contact_name",
        "contact_phone",
        "contact_email",
        "business_scope",
        "dcmm_level",
        "data_sources",
        "has_data_security_system",
        "clean_record_declared",
    }
)


# --- the applicant's side ----------------------------------------------------------------------


@transaction.atomic
def create_application(
    *,
    actor: User,
    company_name: str,
    credit_code: str,
    categories: list[Category] | None = None,
    **details,
) -> Merchant:
    """Open a draft application for the actor's organisation.

    Raises:
        PermissionDeniedError (only a merchant admin applies); ValidationError naming the field
        (credit code rules, lengths, choices); CreditCodeTaken / OrganisationHasLiveApplication (409).
    """
    if not permissions.can_apply(actor):
        raise PermissionDeniedError(_("Only a merchant admin can open an application."))
    merchant = Merchant(organisation=actor.organisation, created_by=actor)
    _assign(merchant, {"company_name": company_name, "credit_code": credit_code, **details})
    merchant.full_clean(validate_constraints=False)
    _save_unique(merchant)
    if categories is not None:
        merchant.categories.set(categories)
    lifecycle.record_event(merchant, kind="created", actor=actor)
    return merchant


@transaction.atomic
def update_application(
    *, merchant: Merchant, actor: User, categories: list[Category] | None = None, **changes
) -> Merchant:
    """Change the application's content while it is a draft or more information was requested.

    Raises:
        PermissionDeniedError; NotEditable; ValidationError; CreditCodeTaken.
    """
    merchant = lock_merchant(merchant.pk)
    if not permissions.can_edit(actor, merchant):
        raise PermissionDeniedError()
    if merchant.status not in EDITABLE:
        raise NotEditable()
    changed = _assign(merchant, changes)
    merchant.full_clean(validate_constraints=False)
    if changed:
        _save_unique(merchant, update_fields=[*changed, "updated_at"])
    if categories is not None and set(categories) != set(merchant.categories.all()):
        merchant.categories.set(categories)
        changed.append("categories")
    if changed:
        lifecycle.record_event(
            merchant, kind="edited", actor=actor, data={"fields": sorted(changed)}
        )
    return merchant


@transaction.atomic
def add_document(*, merchant: Merchant, actor: User, kind: str, upload) -> MerchantDocument:
    """Attach a qualification document (checked by content, size and name) to an editable application.

    Raises:
        PermissionDeniedError; NotEditable (409); RuleViolation (``kind``, ``too_many_documents``
        or the file's rule).
    """
    merchant = lock_merchant(merchant.pk)
    if not permissions.can_edit(actor, merchant):
        raise PermissionDeniedError()
    if merchant.status not in EDITABLE:
        raise NotEditable()
    return attach_document(
        MerchantDocument(merchant=merchant, uploaded_by=actor),
        upload=upload,
        kind=kind,
        kinds=DocumentKind,
        siblings=merchant.documents,
        on_stored=lambda document: lifecycle.record_event(
            merchant,
            kind="document_added",
            actor=actor,
            data={
                "document": document.pk,
                "kind": kind,
                "name": document.original_name,
                "sha256": document.sha256,
            },
        ),
    )


@transaction.atomic
def remove_document(*, document: MerchantDocument, actor: User) -> None:
    """Remove a document from an editable application; its file goes once the removal commits.

    Raises:
        PermissionDeniedError; NotEditable.
    """
    merchant = lock_merchant(document.merchant_id)
    if not permissions.can_edit(actor, merchant):
        raise PermissionDeniedError()
    if merchant.status not in EDITABLE:
        raise NotEditable()
    name, storage_name = document.original_name, document.file.name
    storage = document.file.storage
    document.delete()
    lifecycle.record_event(merchant, kind="document_removed", actor=actor, data={"name": name})
    transaction.on_commit(lambda: storage.delete(storage_name))


@transaction.atomic
def submit_application(*, merchant: Merchant, actor: User) -> Merchant:
    """Send a complete draft to the exchange's review queue; operators are told.

    Raises:
        PermissionDeniedError (merchant admin only); InvalidTransition; ApplicationIncomplete listing
        every missing item.
    """
    return _send_to_exchange(merchant=merchant, actor=actor, action=LIFECYCLE["submit"], reason="")


@transaction.atomic
def resubmit_application(*, merchant: Merchant, actor: User, reason: str = "") -> Merchant:
    """Send the application back after supplying the information the exchange asked for.

    Raises:
        PermissionDeniedError; InvalidTransition; ApplicationIncomplete.
    """
    return _send_to_exchange(
        merchant=merchant, actor=actor, action=LIFECYCLE["resubmit"], reason=reason
    )


@transaction.atomic
def withdraw_application(*, merchant: Merchant, actor: User, reason: str = "") -> Merchant:
    """The applicant withdraws (before approval), or declines to sign the agreement.

    Raises:
        PermissionDeniedError; InvalidTransition.
    """
    merchant = lock_merchant(merchant.pk)
    lifecycle.take(merchant, LIFECYCLE["withdraw"], actor=actor, reason=reason)
    return merchant


@transaction.atomic
def sign_agreement(*, merchant: Merchant, actor: User) -> Merchant:
    """The merchant admin signs (签约) the agreement the exchange issued; the merchant becomes active.

    Raises:
        PermissionDeniedError; InvalidTransition.
    """
    merchant = lock_merchant(merchant.pk)
    sign = LIFECYCLE["sign"]
    lifecycle.check(merchant, sign, actor=actor)
    agreement = Agreement.objects.select_for_update().get(merchant=merchant)
    today = clock.today()
    agreement.signed_on = today
    agreement.signed_by = actor
    agreement.ends_on = agreement_end(today, agreement.term_months)
    agreement.save(update_fields=["signed_on", "signed_by", "ends_on", "updated_at"])
    lifecycle.take(
        merchant,
        sign,
        actor=actor,
        data={
            "agreement": agreement.number,
            "signed_on": today.isoformat(),
            "ends_on": agreement.ends_on.isoformat(),
        },
    )
    _notify_operators(
        merchant,
        title=_("%(company)s signed agreement %(number)s"),
        params={"company": merchant.company_name, "number": agreement.number},
    )
    return merchant


def agreement_end(start: date, term_months: int) -> date:
    """The last day of an agreement of ``term_months`` starting on ``start``."""
    return start + relativedelta(months=term_months) - relativedelta(days=1)


# --- the exchange's side -----------------------------------------------------------------------


@transaction.atomic
def start_review(*, merchant: Merchant, actor: User) -> Merchant:
    """An operator takes a submitted or resubmitted application into review.

    Raises:
        PermissionDeniedError; OwnOrganisation; InvalidTransition.
    """
    merchant = lock_merchant(merchant.pk)
    start = LIFECYCLE["start_review"]
    lifecycle.check(merchant, start, actor=actor)
    merchant.reviewer = actor
    merchant.save(update_fields=["reviewer", "updated_at"])
    lifecycle.take(merchant, start, actor=actor)
    return merchant


@transaction.atomic
def request_information(*, merchant: Merchant, actor: User, reason: str) -> Merchant:
    """Return the application to the applicant, saying what is missing or wrong.

    Raises:
        ReasonRequired; PermissionDeniedError; OwnOrganisation; InvalidTransition.
    """
    return _decide(
        merchant=merchant,
        actor=actor,
        action=LIFECYCLE["request_information"],
        reason=_required_reason(reason),
        title=_("More information is needed for %(company)s"),
    )


@transaction.atomic
def approve_application(*, merchant: Merchant, actor: User, reason: str = "") -> Merchant:
    """Approve the material review; the exchange then issues the agreement to sign.

    Raises:
        PermissionDeniedError; OwnOrganisation; InvalidTransition.
    """
    return _decide(
        merchant=merchant,
        actor=actor,
        action=LIFECYCLE["approve"],
        reason=reason,
        title=_("%(company)s is approved"),
    )


@transaction.atomic
def reject_application(*, merchant: Merchant, actor: User, reason: str) -> Merchant:
    """Refuse the application for good, with the reason the applicant will read.

    Raises:
        ReasonRequired; PermissionDeniedError; OwnOrganisation; InvalidTransition.
    """
    return _decide(
        merchant=merchant,
        actor=actor,
        action=LIFECYCLE["reject"],
        reason=_required_reason(reason),
        title=_("The application of %(company)s was rejected"),
    )


@transaction.atomic
def issue_agreement(
    *, merchant: Merchant, actor: User, term_months: int | None = None
) -> Agreement:
    """Issue the merchant agreement (number and term) for the applicant to sign.

    Raises:
        PermissionDeniedError; OwnOrganisation; InvalidTransition; ValidationError (term).
    """
    merchant = lock_merchant(merchant.pk)
    lifecycle.check(merchant, LIFECYCLE["issue_agreement"], actor=actor)
    now = clock.now()
    agreement = Agreement(
        merchant=merchant,
        number=f"MA-{now.year}-{merchant.pk:06d}",
        term_months=term_months or settings.MERCHANT_AGREEMENT_TERM_MONTHS,
        issued_at=now,
        issued_by=actor,
    )
    agreement.full_clean(exclude=["merchant"], validate_unique=False)
    agreement.save()
    _decide(
        merchant=merchant,
        actor=actor,
        action=LIFECYCLE["issue_agreement"],
        reason="",
        title=_("Agreement %(number)s is ready for %(company)s to sign"),
        data={"agreement": agreement.number, "term_months": agreement.term_months},
        params={"number": agreement.number},
    )
    return agreement


@transaction.atomic
def suspend_merchant(*, merchant: Merchant, actor: User, reason: str) -> Merchant:
    """Suspend an active merchant (暂停): it keeps its standing but may not trade.

    Raises:
        ReasonRequired; PermissionDeniedError; OwnOrganisation; InvalidTransition.
    """
    return _decide(
        merchant=merchant,
        actor=actor,
        action=LIFECYCLE["suspend"],
        reason=_required_reason(reason),
        title=_("%(company)s is suspended"),
    )


@transaction.atomic
def reinstate_merchant(*, merchant: Merchant, actor: User, reason: str = "") -> Merchant:
    """Lift a suspension.

    Raises:
        PermissionDeniedError; OwnOrganisation; InvalidTransition.
    """
    return _decide(
        merchant=merchant,
        actor=actor,
        action=LIFECYCLE["reinstate"],
        reason=reason,
        title=_("%(company)s is active again"),
    )


@transaction.atomic
def terminate_merchant(*, merchant: Merchant, actor: User, reason: str) -> Merchant:
    """End the merchant's standing for good (its credit code may apply again later).

    Raises:
        ReasonRequired; PermissionDeniedError; OwnOrganisation; InvalidTransition.
    """
    return _decide(
        merchant=merchant,
        actor=actor,
        action=LIFECYCLE["terminate"],
        reason=_required_reason(reason),
        title=_("The merchant standing of %(company)s was terminated"),
    )


@dataclass(frozen=True)
class ReminderRun:
    overdue: int
    notified: int


@transaction.atomic
def remind_overdue_reviews() -> ReminderRun:
    """Tell each operator how many applications are past the review deadline (Celery beat, daily).

    Idempotent per business day: an operator already reminded today is not reminded again.
    """
    overdue = overdue_applications().count()
    if not overdue:
        return ReminderRun(overdue=0, notified=0)
    sent = notify(
        recipients=people_in_role(Role.OPERATOR),
        kind="overdue_reviews",
        dedupe_key=f"overdue_reviews:{clock.today().isoformat()}",
        title=_("%(count)d merchant applications are past the %(days)d-day review deadline"),
        params={"count": overdue, "days": settings.MERCHANT_REVIEW_SLA_DAYS},
        url=reverse("merchants:queue") + "?overdue=1",
    )
    return ReminderRun(overdue=overdue, notified=len(sent))


# --- helpers -----------------------------------------------------------------------------------


def _assign(merchant: Merchant, values: dict) -> list[str]:
    """Copy the allowed application fields onto ``merchant``; return the names that changed."""
    unknown = set(values) - APPLICATION_FIELDS
    if unknown:
        raise TypeError(f"Not application fields: {sorted(unknown)}")
    if "credit_code" in values:
        values = {**values, "credit_code": normalize_credit_code(values["credit_code"])}
    changed = []
    for name, value in values.items():
        if getattr(merchant, name) != value:
            setattr(merchant, name, value)
            changed.append(name)
    return changed


def _save_unique(merchant: Merchant, update_fields=None) -> None:
    """Save, turning the live-uniqueness constraints into the 409 that says which one held."""
    try:
        with transaction.atomic():
            merchant.save(update_fields=update_fields)
    except IntegrityError as error:
        live = Merchant.objects.exclude(status__in=CLOSED).exclude(pk=merchant.pk)
        if live.filter(credit_code=merchant.credit_code).exists():
            raise CreditCodeTaken(params={"credit_code": merchant.credit_code}) from error
        if live.filter(organisation_id=merchant.organisation_id).exists():
            raise OrganisationHasLiveApplication() from error
        raise


def _send_to_exchange(*, merchant: Merchant, actor: User, action: Action, reason: str) -> Merchant:
    merchant = lock_merchant(merchant.pk)
    lifecycle.check(merchant, action, actor=actor)
    problems = submission_problems(merchant)
    if problems:
        raise ApplicationIncomplete(problems=problems)
    merchant.submitted_at = clock.now()
    merchant.save(update_fields=["submitted_at", "updated_at"])
    lifecycle.take(merchant, action, actor=actor, reason=reason)
    _notify_operators(
        merchant,
        title=_("%(company)s sent its merchant application"),
        params={"company": merchant.company_name},
    )
    return merchant


def _decide(
    *,
    merchant: Merchant,
    actor: User,
    action: Action,
    reason: str,
    title,
    data: dict | None = None,
    params: dict | None = None,
) -> Merchant:
    """An operator's decision: guard, move, record, and tell the applicant after commit."""
    merchant = lock_merchant(merchant.pk)
    lifecycle.check(merchant, action, actor=actor)
    if action.target in (S.APPROVED, S.REJECTED):
        merchant.decided_at = clock.now()
        merchant.save(update_fields=["decided_at", "updated_at"])
    lifecycle.take(merchant, action, actor=actor, reason=reason, data=data)
    notify(
        recipients=merchant_people(merchant.organisation_id),
        kind=f"merchant_{action.target.value}",
        title=title,
        body=_("Reason: %(reason)s") if reason else "",
        params={"company": merchant.company_name, "reason": reason, **(params or {})},
        url=reverse("merchants:detail", kwargs={"pk": merchant.pk}),
    )
    return merchant


def _notify_operators(merchant: Merchant, *, title, params: dict) -> None:
    notify(
        recipients=people_in_role(Role.OPERATOR, excluding_organisation=merchant.organisation_id),
        kind="merchant_for_review",
        title=title,
        params=params,
        url=reverse("merchants:detail", kwargs={"pk": merchant.pk}),
    )


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    return reason
