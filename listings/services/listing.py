"""Sale items (挂牌): applying to list a registered product, publishing, suspending, delisting.

The catalogue entry is written in the same transaction as every change of a listing's state, so
the public search never drifts from the database.
"""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exchange import clock, lifecycle
from exchange.accounts.models import User
from exchange.accounts.roles import Role
from exchange.accounts.selectors import people_in_role
from exchange.errors import DuplicateError, FieldProblem, PermissionDeniedError, RuleViolation
from exchange.lifecycle import Action
from exchange.notifications import notify
from exchange.registry.models import CertificateStatus
from exchange.registry.selectors import status_of
from listings import permissions, search
from listings.errors import NotListable
from listings.locks import lock_listing, lock_product
from listings.models import (
    Board,
    CatalogEntry,
    Classification,
    Listing,
    ListingPlan,
    Product,
    ProductVersion,
)
from listings.plans import check_plans
from listings.services.products import ensure_active_merchant
from listings.states import LISTING_LIFECYCLE, ListingStatus
from merchants.models import Merchant

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
        recipients=people_in_role(
            Role.LISTING_COMMITTEE, excluding_organisation=product.merchant.organisation_id
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
    certificate_status = status_of(version.certificate) if version.certificate else None
    if certificate_status != CertificateStatus.VALID:
        problems.append(
            FieldProblem(
                "product",
                "registration_not_valid",
                str(
                    _(
                        "Registration %(number)s is “%(status)s”: only a valid registration is listed."
                    )
                    % {
                        "number": version.certificate.number if version.certificate else "—",
                        "status": CertificateStatus(certificate_status).label
                        if certificate_status
                        else "—",
                    }
                ),
            )
        )
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
        route = version.missing_export_evidence() if board.is_international else None
        if route is not None:
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


def publish(listing: Listing, action: Action, *, actor: User | None, reason: str = "") -> Listing:
    """Take ``action`` (an approval or a reinstatement) and put the item on the catalogue, inside
    the caller's transaction."""
    lifecycle.check(listing, action, actor=actor)
    ensure_active_merchant(listing.product.merchant)
    now = clock.now()
    listing.stage_entered_at = now
    listing.listed_at = listing.listed_at or now
    listing.held_with_merchant = False
    listing.save(
        update_fields=["stage_entered_at", "listed_at", "held_with_merchant", "updated_at"]
    )
    lifecycle.take(listing, action, actor=actor, reason=reason)
    index_listing(listing)
    return listing


@transaction.atomic
def suspend_listing(*, listing: Listing, actor: User, reason: str) -> Listing:
    """Take a listed item off the catalogue for now (暂停).

    Raises:
        ReasonRequired; PermissionDeniedError; InvalidTransition.
    """
    return _take_off_sale(listing, LISTING_LIFECYCLE["suspend"], actor, _required(reason))


@transaction.atomic
def reinstate_listing(*, listing: Listing, actor: User, reason: str = "") -> Listing:
    """Put a suspended item back on sale (its merchant must be active).

    Raises:
        PermissionDeniedError; InvalidTransition; MerchantNotActive.
    """
    listing = lock_listing(listing.pk)
    return publish(listing, LISTING_LIFECYCLE["reinstate"], actor=actor, reason=reason)


@transaction.atomic
def delist_listing(*, listing: Listing, actor: User, reason: str) -> Listing:
    """Remove the item from sale for good (摘牌).

    Raises:
        ReasonRequired; PermissionDeniedError; InvalidTransition.
    """
    return _take_off_sale(listing, LISTING_LIFECYCLE["delist"], actor, _required(reason))


@transaction.atomic
def withdraw_listing(*, listing: Listing, actor: User, reason: str = "") -> Listing:
    """The merchant takes its own item off sale, or withdraws its application to list.

    Raises:
        PermissionDeniedError; InvalidTransition.
    """
    return _take_off_sale(listing, LISTING_LIFECYCLE["withdraw"], actor, reason)


# --- with the merchant (cascades of the merchant's lifecycle, registered in apps.py) ------------


def follow_merchant_suspension(*, obj: Merchant, actor: User, reason: str) -> None:
    """A suspended merchant's listed items leave the catalogue with it."""
    for listing in _live_listings_of(obj, status=L.LISTED):
        _take_off_sale(listing, LISTING_LIFECYCLE["suspend_with_merchant"], actor, reason,
                       held_with_merchant=True)  # fmt: skip


def follow_merchant_reinstatement(*, obj: Merchant, actor: User, reason: str) -> None:
    """Reinstating the merchant puts back on sale what its suspension took off (not the items an
    operator suspended on their own account)."""
    for listing in _live_listings_of(obj, status=L.SUSPENDED, held_with_merchant=True):
        publish(listing, LISTING_LIFECYCLE["reinstate_with_merchant"], actor=actor, reason=reason)


def follow_merchant_termination(*, obj: Merchant, actor: User, reason: str) -> None:
    """A terminated merchant's items are delisted."""
    for listing in _live_listings_of(obj, status__in=[L.LISTED, L.SUSPENDED]):
        _take_off_sale(listing, LISTING_LIFECYCLE["delist_with_merchant"], actor, reason)


def _live_listings_of(merchant: Merchant, **filters) -> list[Listing]:
    return list(
        Listing.objects.select_for_update(of=("self",))
        .filter(product__merchant=merchant, **filters)
        .order_by("pk")
    )


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
    check_plans(plans, at_least_one=True)
    ListingPlan.objects.bulk_create(
        ListingPlan(
            listing=listing,
            kind=p["kind"],
            price_amount=p.get("price_amount"),
            note=p.get("note", ""),
        )
        for p in plans
    )


def _required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(
            _("Give a reason: the merchant sees it."), code="reason_required", field="reason"
        )
    return reason


def _take_off_sale(
    listing: Listing, action: Action, actor: User, reason: str, *, held_with_merchant=False
) -> Listing:
    listing = lock_listing(listing.pk)
    lifecycle.check(listing, action, actor=actor)
    if listing.held_with_merchant:  # the flag goes first: it is only ever set on a suspended item
        listing.held_with_merchant = False
        listing.save(update_fields=["held_with_merchant", "updated_at"])
    lifecycle.take(listing, action, actor=actor, reason=reason)
    listing.stage_entered_at = clock.now()
    listing.held_with_merchant = held_with_merchant
    listing.save(update_fields=["stage_entered_at", "held_with_merchant", "updated_at"])
    unindex_listing(listing)
    return listing
