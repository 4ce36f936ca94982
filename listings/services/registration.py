"""Public notice (公示), objections (异议) and registration (统一登记) of a product version."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exchange import clock, lifecycle
from exchange.accounts.models import User
from exchange.accounts.roles import Role
from exchange.accounts.selectors import merchant_people, people_in_role
from exchange.errors import ConflictError, DuplicateError, PermissionDeniedError, RuleViolation
from exchange.notifications import notify
from exchange.registry.models import Action, CertificateKind, Right
from exchange.registry.services import Registration, issue_certificates
from listings import permissions, sheet
from listings.locks import lock_product, lock_version
from listings.models import Objection, Product, ProductVersion
from listings.services.listing import reindex_product
from listings.states import OBJECTION_LIFECYCLE, VERSION_LIFECYCLE, ObjectionStatus, VersionStatus

V = VersionStatus


@transaction.atomic
def file_objection(*, version: ProductVersion, actor: User, reason: str) -> Objection:
    """Anyone signed in may object to a product during its public notice (but not its own merchant).

    One objection per person and version: the operators decide it; a second one is refused.

    Raises:
        RuleViolation ``reason_required``; ConflictError ``not_in_notice`` (409);
        PermissionDeniedError; DuplicateError ``already_objected`` (409).
    """
    version = lock_version(version.pk)
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_("Say what the objection is."), code="reason_required", field="reason")
    if version.status != V.PUBLIC_NOTICE:
        raise ConflictError(
            _("Objections are filed during the public notice."),
            code="not_in_notice",
            field="version",
        )
    if not actor.is_authenticated:
        raise PermissionDeniedError(_("Sign in to object."))
    if permissions.is_member(actor, version.product.merchant):
        raise PermissionDeniedError(_("A merchant does not object to its own product."))
    already = DuplicateError(
        _("You already objected to this version; the operators decide your objection."),
        code="already_objected",
        field="version",
    )
    if version.objections.filter(filed_by=actor).exists():
        raise already
    try:
        with transaction.atomic():
            objection = Objection.objects.create(version=version, filed_by=actor, reason=reason)
    except IntegrityError as error:
        raise already from error
    lifecycle.record_event(objection, kind="filed", actor=actor, reason=reason)
    lifecycle.record_event(
        version,
        kind="objection_filed",
        actor=actor,
        reason=reason,
        data={"objection": objection.pk},
    )
    notify(
        recipients=people_in_role(Role.OPERATOR),
        kind="objection_filed",
        title=_("Objection to %(product)s during its public notice"),
        body=_("Reason: %(reason)s"),
        params={"product": version.name, "reason": reason},
        url=reverse("listings:objection-detail", kwargs={"pk": objection.pk}),
    )
    return objection


@transaction.atomic
def decide_objection(*, objection: Objection, actor: User, uphold: bool, note: str) -> Objection:
    """An operator upholds an objection, which withdraws the version, or dismisses it.

    Raises:
        RuleViolation ``reason_required``; PermissionDeniedError / OwnOrganisation (403);
        InvalidTransition (409) when the objection is decided or the notice is over.
    """
    version = lock_version(objection.version_id)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    action = OBJECTION_LIFECYCLE["uphold" if uphold else "dismiss"]
    lifecycle.check(objection, action, actor=actor)
    if uphold:
        lifecycle.check(version, VERSION_LIFECYCLE["uphold_objection"], actor=actor)
    note = (note or "").strip()
    if not note:
        raise RuleViolation(_("Explain the decision."), code="reason_required", field="note")
    objection.decided_by, objection.decided_at, objection.decision_note = actor, clock.now(), note
    objection.save(update_fields=["decided_by", "decided_at", "decision_note", "updated_at"])
    lifecycle.take(objection, action, actor=actor, reason=note)
    if uphold:
        lifecycle.take(
            version,
            VERSION_LIFECYCLE["uphold_objection"],
            actor=actor,
            reason=note,
            data={"objection": objection.pk},
        )
        for other in (
            version.objections.select_for_update()
            .filter(status=ObjectionStatus.PENDING)
            .order_by("pk")
        ):
            lifecycle.take(other, OBJECTION_LIFECYCLE["lapse"], actor=None)
        _tell_merchant(version, _("%(product)s was withdrawn: an objection was upheld"), note)
    else:
        lifecycle.record_event(
            version,
            kind="objection_dismissed",
            actor=actor,
            reason=note,
            data={"objection": objection.pk},
        )
    _tell_objector(objection, action)
    return objection


@transaction.atomic
def withdraw_objection(*, objection: Objection, actor: User, reason: str = "") -> Objection:
    """The person who filed an objection takes it back while it is pending.

    Raises:
        PermissionDeniedError (only the filer); InvalidTransition.
    """
    lock_version(objection.version_id)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    lifecycle.take(objection, OBJECTION_LIFECYCLE["withdraw"], actor=actor, reason=reason)
    return objection


def _tell_objector(objection: Objection, action) -> None:
    notify(
        recipients=User.objects.filter(pk=objection.filed_by_id, is_active=True),
        kind=f"objection_{action.name}",
        title=_("Your objection to %(product)s: %(status)s"),
        body=_("Reason: %(reason)s"),
        params={
            "product": objection.version.name,
            "status": ObjectionStatus(objection.status).label,  # lazy: the reader's language
            "reason": objection.decision_note,
        },
        url=reverse("listings:objection-detail", kwargs={"pk": objection.pk}),
    )


@transaction.atomic
def close_public_notices() -> int:
    """Register every version whose notice has run its time with no objection pending (beat).

    One batch: the certificates are appended to the log together, under one signed checkpoint.
    """
    due = ProductVersion.objects.filter(
        status=V.PUBLIC_NOTICE, notice_ends_at__lte=clock.now()
    ).exclude(objections__status=ObjectionStatus.PENDING)
    return len(register_versions(sorted(due.values_list("pk", flat=True))))


@transaction.atomic
def register_version(*, version_id: int) -> ProductVersion | None:
    """Register a version whose notice is over: its certificate, and the product's current sheet.

    Returns None when it is not due (already registered by a concurrent run, objection pending).
    """
    registered = register_versions([version_id])
    return registered[0] if registered else None


@dataclass
class _Due:
    version: ProductVersion
    product: Product
    previous: ProductVersion | None


def register_versions(version_ids: list[int]) -> list[ProductVersion]:
    """Register the due ones among ``version_ids`` (in the caller's transaction): their
    certificates are issued in one batch. Products are locked in id order, then the log."""
    due = []
    for version_id in version_ids:
        product_id = ProductVersion.objects.values_list("product_id", flat=True).get(pk=version_id)
        product = lock_product(product_id)
        version = lock_version(version_id)
        if (
            version.status == V.PUBLIC_NOTICE
            and version.notice_ends_at <= clock.now()
            and not version.objections.filter(status=ObjectionStatus.PENDING).exists()
        ):
            due.append(_Due(version, product, product.registered_version))
    if not due:
        return []
    certificates = issue_certificates([_registration(item) for item in due])
    for item, certificate in zip(due, certificates, strict=True):
        _complete_registration(item, certificate)
    return [item.version for item in due]


def _registration(item: _Due) -> Registration:
    version, merchant = item.version, item.product.merchant
    # A new version of a registered product is a change registration of the first certificate.
    first = None
    if item.previous is not None and item.previous.certificate is not None:
        first = item.previous.certificate.original or item.previous.certificate
    return Registration(
        action=Action.CHANGE if first else Action.INITIAL,
        original=first,
        kind=CertificateKind.DATA_PRODUCT,
        registrant_name=merchant.company_name,
        registrant_credit_code=merchant.credit_code,
        subject_type="listings.productversion",
        subject_id=version.pk,
        subject_label=f"{version.name} v{version.number}",
        rights=[Right.PRODUCT_OPERATION.value, Right.PROCESSING_USE.value],
        content=registration_content(version),
    )


def _complete_registration(item: _Due, certificate) -> None:
    version, product, previous = item.version, item.product, item.previous
    version.certificate = certificate
    version.save(update_fields=["certificate", "updated_at"])
    if previous is not None:
        previous_version = lock_version(previous.pk)
        lifecycle.take(
            previous_version,
            VERSION_LIFECYCLE["supersede"],
            actor=None,
            data={"by_version": version.number},
        )
    lifecycle.take(
        version,
        VERSION_LIFECYCLE["register"],
        actor=None,
        data={"certificate": certificate.number},
    )
    product.registered_version = version
    product.save(update_fields=["registered_version", "updated_at"])
    reindex_product(product)
    _tell_merchant(
        version,
        _("%(product)s is registered: certificate %(number)s"),
        "",
        number=certificate.number,
    )


def registration_content(version: ProductVersion) -> dict:
    """What the certificate's digest covers: the description sheet and the sample's profile.

    Every value is a string, integer, boolean, list or object: no floats, no dates (RFC 8785).
    """
    report = getattr(version, "check_report", None)
    return {
        "product": version.product_id,
        "version": version.number,
        "merchant": {
            "name": version.product.merchant.company_name,
            "credit_code": version.product.merchant.credit_code,
        },
        "sheet": {
            **sheet.registered(version),
            "plans": [
                {
                    "kind": plan.kind,
                    "price": "" if plan.price_amount is None else str(plan.price_amount),
                    "currency": plan.currency,
                }
                for plan in version.plans.order_by("kind")
            ],
            "sample_sha256": version.sample_sha256,
        },
        "sample_profile": _without_floats(report.sample_profile if report else {}),
        "quality_grade": version.quality_grade,
    }


def _without_floats(value):
    if isinstance(value, float):
        return format(value, "f").rstrip("0").rstrip(".") or "0"
    if isinstance(value, dict):
        return {key: _without_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_floats(item) for item in value]
    return value


def _tell_merchant(version: ProductVersion, title, reason: str, **params) -> None:
    notify(
        recipients=merchant_people(version.product.merchant.organisation_id),
        kind="product_registration",
        title=title,
        body=_("Reason: %(reason)s") if reason else "",
        params={"product": version.name, "reason": reason, **params},
        url=reverse("listings:version-detail", kwargs={"pk": version.pk}),
    )
