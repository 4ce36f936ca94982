"""Sale items (挂牌): applying to list a registered product, publishing, suspending, delisting.

The catalogue entry is written in the same transaction as every change of a listing's state, so
the public search never drifts from the database.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exchange import clock, lifecycle
from exchange.accounts.models import User
from exchange.accounts.roles import Role
from exchange.errors import DuplicateError, FieldProblem, PermissionDeniedError, RuleViolation
from exchange.notifications import notify
from listings import permissions, search
from listings.cross_border import export_route
from listings.errors import NotListable
from listings.locks import lock_listing, lock_product
from listings.models import (
    Board,
    CatalogEntry,
    Classification,
    Listing,
    ListingPlan,
    PlanKind,
    Product,
    ProductDocumentKind,
    ProductVersion,
)
from listings.services.products import ensure_active_merchant
from listings.states import ListingStatus

L = ListingStatus
GRADE_ORDER = "ABCDE"


@transaction.atomic
def apply_for_listing(
    *, product: Product, actor: User, boards: list[Board], plans: list[dict] | None = None
) -> Listing:
    """Put a registered product forward for listing on ``boards``, with its plans and prices.

    Without ``plans`` the registered sheet's plans are offered as they are.

    Raises:
        PermissionDeniedError; MerchantNotActive; NotListable listing each reason (400);
        DuplicateError ``already_listed`` (409).
    """
    product = lock_product(product.pk)
    if not permissions.is_merchant_admin(actor, product.merchant):
        raise PermissionDeniedError(_("Only the merchant admin lists products."))
    ensure_active_merchant(product.merchant)
    version = product.registered_version
    problems = listing_problems(version, boards)
    if problems:
        raise NotListable(problems=problems)
    now = clock.now()
    listing = Listing(product=product, submitted_at=now, stage_entered_at=now, created_by=actor)
    try:
        with transaction.atomic():
            listing.save()
    except IntegrityError as error:
        raise DuplicateError(
            _("This product already has a live sale item."), code="already_listed", field="product"
        ) from error
    listing.boards.set(boards)
    if plans is None:
        plans = [
            {"kind": p.kind, "price_amount": p.price_amount, "note": p.note}
            for p in version.plans.all()
        ]
    _set_plans(listing, plans)
    lifecycle.record_event(
        listing, kind="created", actor=actor, data={"boards": [b.code for b in boards]}
    )
    notify(
        recipients=User.objects.filter(role=Role.LISTING_COMMITTEE, is_active=True).exclude(
            organisation_id=product.merchant.organisation_id
        ),
        kind="listing_for_review",
        title=_("%(product)s applies for listing"),
        params={"product": version.name},
        url=reverse("listings:listing-detail", kwargs={"pk": listing.pk}),
    )
    return listing


def listing_problems(version: ProductVersion | None, boards: list[Board]) -> list[FieldProblem]:
    """Why a product cannot be listed on ``boards`` (empty when it can)."""
    if version is None:
        return [
            FieldProblem(
                "product", "not_registered", str(_("Register the product before listing it."))
            )
        ]
    problems = []
    if not boards:
        problems.append(FieldProblem("boards", "required", str(_("Choose at least one board."))))
    if version.classification == Classification.CORE:
        problems.append(FieldProblem("product", "core_data", str(_("Core data cannot be traded."))))
    if not version.scenarios.exists():
        problems.append(
            FieldProblem(
                "product",
                "no_scenario",
                str(_("No scenario, no trade: the product names no scenario.")),
            )
        )
    grade = version.quality_grade or "E"
    for board in boards:
        if GRADE_ORDER.index(grade) > GRADE_ORDER.index(board.min_quality_grade):
            problems.append(
                FieldProblem(
                    "boards",
                    "quality_grade",
                    str(
                        _(
                            "%(board)s lists quality grade %(minimum)s or better; this product has %(grade)s."
                        )
                        % {"board": board.name, "minimum": board.min_quality_grade, "grade": grade}
                    ),
                )
            )
        if board.is_international:
            route = export_route(
                is_cross_border=version.is_cross_border,
                exporter_is_ciio=version.exporter_is_ciio,
                has_important_data=version.classification == Classification.IMPORTANT,
                personal_information_people=version.personal_information_people,
                sensitive_information_people=version.sensitive_information_people,
            )
            if (
                route.needs_evidence
                and not version.documents.filter(kind=ProductDocumentKind.EXPORT_EVIDENCE).exists()
            ):
                problems.append(
                    FieldProblem(
                        "boards",
                        "export_evidence_missing",
                        str(
                            _(
                                "The International Board needs the evidence of the export route: %(route)s."
                            )
                            % {"route": route.label}
                        ),
                    )
                )
    return problems


def publish(listing: Listing, *, actor: User | None, reason: str = "") -> Listing:
    """Put an approved or reinstated sale item on the catalogue (inside the caller's transaction)."""
    now = clock.now()
    listing.stage_entered_at = now
    listing.listed_at = listing.listed_at or now
    listing.save(update_fields=["stage_entered_at", "listed_at", "updated_at"])
    lifecycle.transition(listing, L.LISTED, actor=actor, reason=reason)
    index_listing(listing)
    return listing


@transaction.atomic
def suspend_listing(*, listing: Listing, actor: User, reason: str) -> Listing:
    """Take a listed item off the catalogue for now (暂停)."""
    return _govern(listing, actor, L.SUSPENDED, reason, needs_reason=True)


@transaction.atomic
def reinstate_listing(*, listing: Listing, actor: User, reason: str = "") -> Listing:
    listing = _lock_governed(listing, actor)
    lifecycle.check_transition(listing, L.LISTED)
    ensure_active_merchant(listing.product.merchant)
    return publish(listing, actor=actor, reason=reason)


@transaction.atomic
def delist_listing(*, listing: Listing, actor: User, reason: str) -> Listing:
    """Remove the item from sale for good (摘牌)."""
    return _govern(listing, actor, L.DELISTED, reason, needs_reason=True)


@transaction.atomic
def withdraw_listing(*, listing: Listing, actor: User, reason: str = "") -> Listing:
    """The merchant takes its own item off sale, or withdraws its application to list."""
    listing = lock_listing(listing.pk)
    if not permissions.is_merchant_admin(actor, listing.product.merchant):
        raise PermissionDeniedError()
    lifecycle.transition(listing, L.WITHDRAWN, actor=actor, reason=reason)
    unindex_listing(listing)
    return listing


def index_listing(listing: Listing) -> CatalogEntry:
    """Write the listing's catalogue entry from its product's registered version."""
    version = listing.product.registered_version
    merchant = listing.product.merchant
    boards = list(listing.boards.all())
    scenarios = list(version.scenarios.all())
    prices = [p.price_amount for p in listing.plans.all() if p.price_amount is not None]
    entry, _created = CatalogEntry.objects.update_or_create(
        listing=listing,
        defaults={
            "name": version.name,
            "summary": version.summary,
            "merchant_name": merchant.company_name,
            "merchant_id": merchant.pk,
            "product_type": version.product_type,
            "board_codes": _codes(b.code for b in boards),
            "scenario_codes": _codes(s.code for s in scenarios),
            "delivery_codes": _codes(version.delivery_modes),
            "min_price_amount": min(prices) if prices else None,
            "quality_grade": version.quality_grade,
            "search_document": search.document(
                version.name,
                version.summary,
                merchant.company_name,
                version.get_product_type_display(),
                *(f"{b.name_zh} {b.name_en}" for b in boards),
                *(f"{s.name_zh} {s.name_en}" for s in scenarios),
            ),
            "listed_at": listing.listed_at,
        },
    )
    return entry


def unindex_listing(listing: Listing) -> None:
    CatalogEntry.objects.filter(listing=listing).delete()


def reindex_product(product: Product) -> None:
    """After a new version registers, the product's listed item shows the new sheet."""
    for listing in product.listings.filter(status=L.LISTED):
        index_listing(listing)


def _codes(codes) -> str:
    return " " + " ".join(codes) + " "


def _set_plans(listing: Listing, plans: list[dict]) -> None:
    kinds = [plan["kind"] for plan in plans]
    if not plans or len(kinds) != len(set(kinds)):
        raise RuleViolation(
            _("Offer one plan of each kind, at least one."), code="invalid_plans", field="plans"
        )
    for plan in plans:
        price = plan.get("price_amount")
        if (plan["kind"] == PlanKind.NEGOTIATED) != (price is None) or (
            price is not None and Decimal(price) <= 0
        ):
            raise RuleViolation(
                _("A negotiated plan has no list price; every other plan has one above zero."),
                code="price_required",
                field="plans",
            )
    ListingPlan.objects.bulk_create(
        ListingPlan(
            listing=listing,
            kind=p["kind"],
            price_amount=p.get("price_amount"),
            note=p.get("note", ""),
        )
        for p in plans
    )


def _lock_governed(listing: Listing, actor: User) -> Listing:
    listing = lock_listing(listing.pk)
    if not permissions.can_govern_listings(actor):
        raise PermissionDeniedError(
            _("Only exchange operators suspend, reinstate or delist items.")
        )
    return listing


def _govern(
    listing: Listing, actor: User, to: ListingStatus, reason: str, *, needs_reason: bool
) -> Listing:
    listing = _lock_governed(listing, actor)
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise RuleViolation(
            _("Give a reason: the merchant sees it."), code="reason_required", field="reason"
        )
    listing.stage_entered_at = clock.now()
    listing.save(update_fields=["stage_entered_at", "updated_at"])
    lifecycle.transition(listing, to, actor=actor, reason=reason)
    unindex_listing(listing)
    return listing
