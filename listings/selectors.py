"""Read side of products, listings, queues and the public catalogue, scoped to the person looking."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from statistics import median

from django.db import connection
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from exchange import clock
from exchange.scoping import VIEW, VIEW_INTERNALS, permits
from listings import permissions, search, sheet
from listings.checklists import QUALITY_INDICATORS
from listings.models import (
    CatalogEntry,
    CheckReport,
    Listing,
    ListingEvent,
    Objection,
    Product,
    ProductDocument,
    ProductVersion,
    Review,
    VersionEvent,
)
from listings.states import (
    LISTING_LIVE,
    STAGE_OF_STATUS,
    VERSION_EDITABLE,
    VERSION_LIFECYCLE,
    ListingStatus,
    ReviewStage,
    VersionStatus,
)
from merchants.states import MerchantStatus

V = VersionStatus
L = ListingStatus
# Only a product whose registration is valid is listed; a cancelled or revoked one gets no new
# versions either (an expired one may: the new version's change registration runs a new term).
LISTABLE_CERTIFICATE = ("valid",)
CLOSED_CERTIFICATE = ("cancelled", "revoked")


def versions_visible_to(user, action: str = VIEW) -> QuerySet[ProductVersion]:
    """Members see their merchant's versions; reviewers and supervisors see everything submitted;
    everyone signed in sees versions in public notice or registered. Others' drafts are not found.
    ``VIEW_INTERNALS`` (material, check report, reviews, the audit trail) is for members, reviewers
    and supervisors; each row carries ``may_view_internals``. The rule is
    ``listings.permissions.version_rule``."""
    return (
        ProductVersion.objects.restrict(user, action)
        .annotate_permission(user, VIEW_INTERNALS)
        .select_related("product__merchant", "board", "certificate", "check_report")
        .prefetch_related("scenarios", "plans")
    )


def products_visible_to(user) -> QuerySet[Product]:
    return (
        Product.objects.filter(versions__in=versions_visible_to(user))
        .distinct()
        .select_related("merchant", "registered_version")
    )


def listings_visible_to(user, action: str = VIEW) -> QuerySet[Listing]:
    """Items on sale for everyone signed in; the rest for members, reviewers and supervisors
    (``listings.permissions.listing_rule``)."""
    return (
        Listing.objects.restrict(user, action)
        .annotate_permission(user, VIEW_INTERNALS)
        .select_related("product__merchant", "product__registered_version")
        .prefetch_related("boards", "plans")
    )


def objections_visible_to(user) -> QuerySet[Objection]:
    """The objections ``user`` filed, and those on versions whose internals they may see."""
    return Objection.objects.restrict(user).select_related(
        "version__product__merchant", "filed_by", "decided_by"
    )


def documents_of(version: ProductVersion, user) -> QuerySet[ProductDocument]:
    return ProductDocument.objects.restrict(user).filter(version=version).order_by("kind", "id")


def reviews_of(user, *, version=None, listing=None) -> QuerySet[Review]:
    subject = {"version": version} if version is not None else {"listing": listing}
    return (
        Review.objects.restrict(user)
        .filter(**subject)
        .select_related("reviewer")
        .order_by("claimed_at", "id")
    )


def version_events_of(version: ProductVersion, user) -> QuerySet[VersionEvent]:
    return VersionEvent.objects.restrict(user).filter(subject=version).order_by("occurred_at", "id")


def listing_events_of(listing: Listing, user) -> QuerySet[ListingEvent]:
    return ListingEvent.objects.restrict(user).filter(subject=listing).order_by("occurred_at", "id")


def _open_claim(**subject):
    return Review.objects.filter(
        **subject,
        decided_at__isnull=True,
        released_at__isnull=True,
        claim_expires_at__gt=clock.now(),
    )


def version_queue(user, stage: ReviewStage) -> QuerySet[ProductVersion]:
    """A review stage's queue, oldest first, without the reviewer's own organisation's products.

    Each row carries ``claimed_by_id`` (the reviewer holding it, if anyone).
    """
    status = {v: k for k, v in STAGE_OF_STATUS.items()}[ReviewStage(stage)]
    queue = (
        versions_visible_to(user)
        .filter(status=status)
        .exclude(product__merchant__organisation_id=user.organisation_id)
        .annotate(
            claimed_by_id=_open_claim(version=OuterRef("pk"), stage=stage).values("reviewer_id")[:1]
        )
        .order_by("stage_entered_at", "pk")
    )
    if stage == ReviewStage.COMPLIANCE and not getattr(user, "is_senior_reviewer", False):
        queue = queue.filter(is_senior_compliance=False)
    return queue


def listing_queue(user) -> QuerySet[Listing]:
    return (
        listings_visible_to(user)
        .filter(status=L.LISTING_REVIEW)
        .exclude(product__merchant__organisation_id=user.organisation_id)
        .annotate(claimed_by_id=_open_claim(listing=OuterRef("pk")).values("reviewer_id")[:1])
        .order_by("stage_entered_at", "pk")
    )


def open_review_of(user, *, version=None, listing=None) -> Review | None:
    """The caller's own open claim on the item, if they hold one."""
    subject = {"version": version} if version is not None else {"listing": listing}
    return _open_claim(**subject).filter(reviewer=user).first()


def quality_prefill(version: ProductVersion) -> dict[str, int]:
    """What the sample's profile measures of the six quality indicators (the reviewer adjusts)."""
    report = CheckReport.objects.filter(version=version).first()
    profile = report.sample_profile if report else {}
    columns = profile.get("columns", [])
    rows = profile.get("rows") or 0
    prefill = dict.fromkeys(QUALITY_INDICATORS, 0)
    if not rows or not columns:
        return prefill
    null_rate = sum(float(c.get("null_rate", 0)) for c in columns) / len(columns)
    duplicates = (profile.get("duplicate_rows") or 0) / rows
    schema_findings = [f for f in report.findings if f["field"] == "fields_schema"]
    prefill["completeness"] = round(100 * (1 - null_rate))
    prefill["consistency"] = round(100 * (1 - duplicates))
    prefill["conformity"] = max(0, 100 - 15 * len(schema_findings))
    prefill["accessibility"] = 90 if version.delivery_modes else 50
    return prefill


# --- versions ------------------------------------------------------------------------------------


def version_diff(old: ProductVersion, new: ProductVersion) -> list[sheet.Change]:
    """What differs between two versions, for people to read: every sheet field, then the sample,
    the plans and the material."""
    changes = sheet.changes(old, new)
    for field, label, before, after in (
        ("sample", _("Sample"), old.sample_sha256, new.sample_sha256),
        ("plans", _("Plans"), _plans(old), _plans(new)),
        (
            "documents",
            _("Material"),
            _names(d.original_name for d in old.documents.all()),
            _names(d.original_name for d in new.documents.all()),
        ),
    ):
        if before != after:
            changes.append(sheet.Change(field, str(label), before, after))
    return changes


def _names(items) -> str:
    return ", ".join(sorted(str(item) for item in items))


def _plans(version: ProductVersion) -> str:
    return "; ".join(str(plan) for plan in version.plans.order_by("kind"))


# --- the public catalogue ----------------------------------------------------------------------------

SORTS = {
    "newest": ("-listed_at", "-listing_id"),
    "price": (F("min_price_amount").asc(nulls_last=True), "-listing_id"),
    "-price": (F("min_price_amount").desc(nulls_last=True), "-listing_id"),
    "name": ("name", "listing_id"),
}


def search_catalog(
    *,
    query: str = "",
    board: str = "",
    scenario: str = "",
    product_type: str = "",
    delivery: str = "",
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    merchant: int | None = None,
    sort: str = "newest",
) -> QuerySet[CatalogEntry]:
    """Listed items of active merchants matching every given filter, in the chosen order."""
    entries = CatalogEntry.objects.filter(
        listing__status=L.LISTED, listing__product__merchant__status=MerchantStatus.ACTIVE
    )
    words = search.query_words(query)
    if words:
        entries = _full_text(entries, words)
    for column, code in (
        ("board_codes", board),
        ("scenario_codes", scenario),
        ("delivery_codes", delivery),
    ):
        if code:
            entries = entries.filter(**{f"{column}__contains": f" {code} "})
    if product_type:
        entries = entries.filter(product_type=product_type)
    if price_min is not None:
        entries = entries.filter(min_price_amount__gte=price_min)
    if price_max is not None:
        entries = entries.filter(min_price_amount__lte=price_max)
    if merchant:
        entries = entries.filter(merchant_id=merchant)
    return entries.order_by(*SORTS.get(sort, SORTS["newest"]))


def catalog_merchants() -> list[tuple[int, str]]:
    """(id, name) of the merchants whose products are in the catalogue now, by name: the
    catalogue's merchant filter offers exactly these."""
    return list(
        search_catalog()
        .order_by("merchant_name", "merchant_id")
        .values_list("merchant_id", "merchant_name")
        .distinct()
    )


def _full_text(entries: QuerySet[CatalogEntry], words: list[str]) -> QuerySet[CatalogEntry]:
    if connection.vendor == "postgresql":
        # The stored tsvector column and its GIN index (migration 0004).
        return entries.extra(
            where=["search_vector @@ plainto_tsquery('simple'::regconfig, %s)"],
            params=[" ".join(words)],
        )
    quoted = " ".join('"' + word.replace('"', '""') + '"' for word in words)
    return entries.extra(
        where=[
            "listings_catalogentry.listing_id IN (SELECT rowid FROM listings_catalog_fts WHERE listings_catalog_fts MATCH %s)"
        ],
        params=[quoted],
    )


# --- queue health ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueHealth:
    stage: str
    label: str
    waiting: int
    claimed: int
    oldest_days: float | None
    decided_last_7_days: int
    median_review_minutes: float | None
    escalated: int


def queue_health() -> list[QueueHealth]:
    """Per queue: how many wait, how long the oldest has waited, throughput and review times."""
    now = clock.now()
    week_ago = now - timedelta(days=7)
    rows = []
    for status, stage in [*STAGE_OF_STATUS.items(), (None, ReviewStage.LISTING)]:
        if status is None:
            items = Listing.objects.filter(status=L.LISTING_REVIEW)
            claimed = items.filter(Exists(_open_claim(listing=OuterRef("pk"))))
        else:
            items = ProductVersion.objects.filter(status=status)
            claimed = items.filter(Exists(_open_claim(version=OuterRef("pk"), stage=stage)))
        figures = items.aggregate(
            waiting=Count("pk"), oldest=Min("stage_entered_at"), escalated=Count("escalated_at")
        )
        decided = Review.objects.filter(stage=stage, decided_at__gte=week_ago)
        durations = [
            (review.decided_at - review.claimed_at).total_seconds() / 60
            for review in decided.only("claimed_at", "decided_at")
        ]
        rows.append(
            QueueHealth(
                stage=stage.value,
                label=str(stage.label),
                waiting=figures["waiting"],
                claimed=claimed.count(),
                oldest_days=round((now - figures["oldest"]).total_seconds() / 86400, 1)
                if figures["oldest"]
                else None,
                decided_last_7_days=len(durations),
                median_review_minutes=round(median(durations), 1) if durations else None,
                escalated=figures["escalated"],
            )
        )
    return rows


def check_throughput() -> dict:
    """The automated checks: queue length and durations of the last day's reports."""
    day_ago = clock.now() - timedelta(days=1)
    durations = list(
        CheckReport.objects.filter(created_at__gte=day_ago).values_list("duration_ms", flat=True)
    )
    return {
        "waiting": ProductVersion.objects.filter(status__in=[V.SUBMITTED, V.AUTO_CHECKS]).count(),
        "checked_last_day": len(durations),
        "median_ms": median(durations) if durations else None,
    }


@dataclass(frozen=True)
class VersionPage:
    """What a version's page shows to one person, and which of its forms that person may use."""

    is_member: bool
    is_admin: bool
    # The material, the sample, the check report, reviews, objections and the audit trail are the
    # version's internals: members, reviewers and supervisors (the API's rule, exchange.scoping).
    sees_internals: bool
    report: CheckReport | None
    editable: bool
    problems: list
    stage: ReviewStage | None
    my_review: Review | None
    can_claim: bool
    can_object: bool
    can_start_version: bool
    can_list: bool
    certificate_status: str | None
    plans: list
    documents: list
    reviews: list
    objections: list
    events: list
    other_versions: list
    listings: list


def version_page(version: ProductVersion, user) -> VersionPage:
    from exchange.registry.selectors import status_of
    from listings.services.products import sheet_problems

    product = version.product
    merchant = product.merchant
    is_member = permissions.is_member(user, merchant)
    is_admin = permissions.is_merchant_admin(user, merchant)
    editable = is_member and version.status in VERSION_EDITABLE
    stage = STAGE_OF_STATUS.get(V(version.status))
    my_review = open_review_of(user, version=version) if stage else None
    reviewable = stage is not None and any(
        action.name.endswith(f"_{stage}") for action in VERSION_LIFECYCLE.available(user, version)
    )
    certificate_status = status_of(version.certificate) if version.certificate else None
    is_current = version.status == V.REGISTERED and product.registered_version_id == version.pk
    sees_internals = permits(user, VIEW_INTERNALS, version)
    return VersionPage(
        is_member=is_member,
        is_admin=is_admin,
        sees_internals=sees_internals,
        report=getattr(version, "check_report", None) if sees_internals else None,
        editable=editable,
        problems=sheet_problems(version) if editable else [],
        stage=stage,
        my_review=my_review,
        can_claim=reviewable and my_review is None,
        can_object=version.status == V.PUBLIC_NOTICE and user.is_authenticated and not is_member,
        can_start_version=is_member and is_current and certificate_status not in CLOSED_CERTIFICATE,
        can_list=is_admin
        and is_current
        and certificate_status in LISTABLE_CERTIFICATE
        and not product.listings.filter(status__in=LISTING_LIVE).exists(),
        certificate_status=certificate_status,
        plans=list(version.plans.all()),
        documents=list(documents_of(version, user)),
        reviews=list(reviews_of(user, version=version)),
        objections=list(objections_visible_to(user).filter(version=version).order_by("created_at")),
        events=list(version_events_of(version, user)),
        other_versions=list(
            versions_visible_to(user)
            .filter(product=product)
            .exclude(pk=version.pk)
            .order_by("-number")
        ),
        listings=list(listings_visible_to(user).filter(product=product).order_by("-submitted_at")),
    )


def versions_in_notice() -> QuerySet[ProductVersion]:
    """The public notice board (公示): versions whose notice runs now, the soonest to end first.

    Public to everyone, signed in or not: a notice exists so that anyone may object.
    """
    return (
        ProductVersion.objects.filter(status=V.PUBLIC_NOTICE)
        .select_related("product__merchant", "board")
        .prefetch_related("scenarios")
        .annotate(pending_objections=Count("objections", filter=Q(objections__status="pending")))
        .order_by("notice_ends_at", "pk")
    )
