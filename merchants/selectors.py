"""Read side: merchant querysets scoped to the person looking."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from exchange import clock
from exchange.errors import FieldProblem
from exchange.scoping import VIEW, VIEW_INTERNALS
from merchants.models import (
    Category,
    DocumentKind,
    LegalStatus,
    Merchant,
    MerchantDocument,
    MerchantEvent,
)
from merchants.states import AWAITING_EXCHANGE, CLOSED, LISTED_IN_DIRECTORY


def merchants_visible_to(user, action: str = VIEW) -> QuerySet[Merchant]:
    """Every merchant ``user`` may see for ``action``; anything else is "not found" to them.

    ``VIEW``: everyone sees the public directory (active merchants); supervisors
    (operators and auditors) see every application once submitted; members see their own
    organisation's. ``VIEW_INTERNALS`` (contacts, documents, the audit trail): members and
    supervisors only. Each row carries ``may_view_internals`` for the fields that depend on it.
    The rule itself is ``merchants.permissions.merchant_rule``.
    """
    return (
        Merchant.objects.restrict(user, action)
        .annotate_permission(user, VIEW_INTERNALS)
        .select_related("organisation", "reviewer", "agreement")
        .prefetch_related("categories")
    )


def review_queue(user) -> QuerySet[Merchant]:
    """Applications waiting for the exchange, oldest first; never the reviewer's own organisation's."""
    return (
        merchants_visible_to(user)
        .filter(status__in=AWAITING_EXCHANGE)
        .exclude(organisation_id=user.organisation_id)
        .order_by("submitted_at", "id")
    )


def overdue_before():
    """Applications submitted before this business time are past the review deadline."""
    return clock.now() - timedelta(days=settings.MERCHANT_REVIEW_SLA_DAYS)


def overdue_applications() -> QuerySet[Merchant]:
    return Merchant.objects.filter(status__in=AWAITING_EXCHANGE, submitted_at__lt=overdue_before())


def merchant_directory() -> QuerySet[Merchant]:
    """The public directory: active merchants, as anyone may see them (no internals)."""
    return (
        Merchant.objects.restrict(None, VIEW)
        .filter(status__in=LISTED_IN_DIRECTORY)
        .select_related("organisation")
        .prefetch_related("categories")
        .order_by("company_name", "id")
    )


def live_merchant_of(organisation_id) -> Merchant | None:
    """The organisation's current application or merchant standing, if any."""
    if organisation_id is None:
        return None
    return (
        Merchant.objects.filter(organisation_id=organisation_id).exclude(status__in=CLOSED).first()
    )


def events_of(merchant: Merchant, user) -> QuerySet[MerchantEvent]:
    """The merchant's audit trail, if ``user`` may see its internals (empty otherwise)."""
    return (
        MerchantEvent.objects.restrict(user)
        .filter(subject=merchant)
        .select_related("actor")
        .order_by("occurred_at", "id")
    )


def closed_applications_of(organisation_id) -> QuerySet[Merchant]:
    """The organisation's past applications (rejected, withdrawn, terminated), latest first.

    They stay readable to the organisation's people, who may start a new application.
    """
    if organisation_id is None:
        return Merchant.objects.none()
    return Merchant.objects.filter(organisation_id=organisation_id, status__in=CLOSED).order_by(
        "-updated_at", "-id"
    )


def decision_behind_status(merchant: Merchant) -> MerchantEvent | None:
    """The latest event that moved ``merchant`` into its current status, if it gave a reason:
    the operator's request for more information, a rejection's or a suspension's reason."""
    return (
        merchant.events.filter(to_status=merchant.status)
        .exclude(from_status=merchant.status)
        .exclude(reason="")
        .order_by("-occurred_at", "-id")
        .first()
    )


def documents_of(merchant: Merchant, user) -> QuerySet[MerchantDocument]:
    """The merchant's qualification documents, if ``user`` may see its internals."""
    return (
        MerchantDocument.objects.restrict(user)
        .filter(merchant=merchant)
        .select_related("uploaded_by")
        .order_by("kind", "id")
    )


def category_tree() -> list[Category]:
    """Top-level categories with their subtypes prefetched, in display order."""
    return list(Category.objects.filter(parent__isnull=True).prefetch_related("subtypes"))


# What an application must hold before it can be submitted (DOMAIN.md §2), field by field.
REQUIRED_FIELDS = (
    "company_name",
    "credit_code",
    "legal_representative",
    "registered_address",
    "district",
    "contact_name",
    "contact_phone",
    "contact_email",
    "business_scope",
)
SUPPLIER_SUBTYPE = "supplier"


def submission_problems(merchant: Merchant) -> list[FieldProblem]:
    """Everything that stops ``merchant`` from being submitted; empty when it is complete."""
    problems = []
    for name in REQUIRED_FIELDS:
        if not str(getattr(merchant, name) or "").strip():
            label = Merchant._meta.get_field(name).verbose_name
            problems.append(
                FieldProblem(name, "required", str(_("%(field)s is required.") % {"field": label}))
            )
    try:
        merchant.full_clean(
            exclude=["organisation"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            if not any(p.field == field for p in problems):
                problems.extend(FieldProblem(field, "invalid", message) for message in messages)
    categories = list(merchant.categories.all())
    chosen = {c.pk for c in categories}
    if not any(c.parent_id is None for c in categories):
        problems.append(
            FieldProblem("categories", "required", str(_("Choose at least one merchant category.")))
        )
    for subtype in (c for c in categories if c.parent_id is not None and c.parent_id not in chosen):
        problems.append(
            FieldProblem(
                "categories",
                "subtype_without_category",
                str(
                    _("The subtype “%(subtype)s” needs its category “%(category)s”.")
                    % {"subtype": subtype.name, "category": subtype.parent.name}
                ),
            )
        )
    if merchant.legal_status != LegalStatus.IN_OPERATION:
        problems.append(
            FieldProblem(
                "legal_status",
                "legal_status",
                str(_("Only a company in operation (存续) can apply.")),
            )
        )
    if not merchant.clean_record_declared:
        problems.append(
            FieldProblem(
                "clean_record_declared",
                "declaration_required",
                str(
                    _(
                        "Declare a clean record for the last three years (no data-related crime, penalty or sanction)."
                    )
                ),
            )
        )
    if not merchant.has_data_security_system:
        problems.append(
            FieldProblem(
                "has_data_security_system",
                "security_system_required",
                str(_("A data-security management system is required.")),
            )
        )
    if any(c.code == SUPPLIER_SUBTYPE for c in categories) and not merchant.data_sources:
        problems.append(
            FieldProblem(
                "data_sources",
                "required",
                str(_("A data supplier declares at least one data source.")),
            )
        )
    uploaded = set(merchant.documents.values_list("kind", flat=True))
    needed = [
        DocumentKind.BUSINESS_LICENCE,
        DocumentKind.SECURITY_SYSTEM,
        DocumentKind.CLEAN_RECORD,
    ]
    if merchant.dcmm_level:
        needed.append(DocumentKind.DCMM_CERTIFICATE)
    for kind in needed:
        if kind not in uploaded:
            problems.append(
                FieldProblem(
                    "documents",
                    "document_required",
                    str(_("Upload the %(document)s.") % {"document": kind.label}),
                )
            )
    return problems
