"""Pages for data products: the merchant's sheet, the reviewers' queues, listings and the catalogue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from exchange import clock
from exchange.accounts.roles import MERCHANT_ROLES
from exchange.errors import DomainError
from exchange.scoping import VIEW, VIEW_INTERNALS, permits
from exchange.uploads import check_upload
from exchange.web import show_refusal
from listings import permissions, selectors, services
from listings.checklists import CHECKLISTS, QUALITY_INDICATORS
from listings.errors import ClaimNotHeld
from listings.forms import (
    CatalogSearchForm,
    DecisionForm,
    DocumentForm,
    ListingForm,
    ObjectionDecisionForm,
    PlansForm,
    ReasonForm,
    SampleForm,
    SheetForm,
)
from listings.models import ObjectionStatus
from listings.paginators import CatalogPaginator
from listings.sample_report import scan_report
from listings.states import (
    LISTING_LIVE,
    STAGE_OF_STATUS,
    VERSION_EDITABLE,
    ListingStatus,
    ReviewStage,
    VersionStatus,
)
from merchants.selectors import live_merchant_of

V = VersionStatus


def _version(request, pk, action: str = VIEW):
    return get_object_or_404(selectors.versions_visible_to(request.user, action), pk=pk)


def _sheet_initial(version) -> dict:
    initial = {name: getattr(version, name) for name in services.products.SHEET_FIELDS}
    initial["board"] = version.board.code
    initial["scenarios"] = list(version.scenarios.all())
    initial["fields_schema"] = SheetForm.fields_text(version.fields_schema)
    return initial


def _sheet_arguments(form: SheetForm, plans: PlansForm) -> dict:
    data = dict(form.cleaned_data)
    return {**data, "plans": plans.plans()}


@login_required
def product_list(request):
    """The merchant's products: what is registered, what is on its way, what is on sale."""
    if not request.user.has_role(*MERCHANT_ROLES):
        raise PermissionDenied
    versions = selectors.versions_visible_to(request.user).filter(
        product__merchant__organisation_id=request.user.organisation_id
    )
    page = Paginator(versions.order_by("-updated_at", "-pk"), 20).get_page(request.GET.get("page"))
    return render(request, "listings/product_list.html", {"page": page})


@login_required
def product_new(request):
    merchant = live_merchant_of(request.user.organisation_id)
    if merchant is None or not permissions.is_member(request.user, merchant):
        raise PermissionDenied
    form = SheetForm(request.POST or None)
    plans = PlansForm(request.POST or None, prefix="plans")
    if request.method == "POST" and form.is_valid() and plans.is_valid():
        try:
            version = services.create_product(
                actor=request.user, merchant=merchant, **_sheet_arguments(form, plans)
            )
        except (DomainError, ValidationError) as error:
            show_refusal(request, error, form)
        else:
            messages.success(
                request, _("Draft saved. Attach the sample and the material, then submit.")
            )
            return redirect("listings:version-detail", pk=version.pk)
    return render(
        request, "listings/sheet_form.html", {"form": form, "plans": plans, "creating": True}
    )


@login_required
def version_edit(request, pk):
    version = _version(request, pk)
    if (
        not permissions.is_member(request.user, version.product.merchant)
        or version.status not in VERSION_EDITABLE
    ):
        raise PermissionDenied
    form = SheetForm(request.POST or None, initial=_sheet_initial(version))
    plans = PlansForm(
        request.POST or None, prefix="plans", initial=PlansForm.initial_for(version.plans.all())
    )
    if request.method == "POST" and form.is_valid() and plans.is_valid():
        try:
            services.update_version(
                version=version, actor=request.user, **_sheet_arguments(form, plans)
            )
        except (DomainError, ValidationError) as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, _("Sheet saved."))
            return redirect("listings:version-detail", pk=version.pk)
    return render(
        request, "listings/sheet_form.html", {"form": form, "plans": plans, "version": version}
    )


@login_required
def version_detail(request, pk):
    version = _version(request, pk)
    user = request.user
    merchant = version.product.merchant
    is_member = permissions.is_member(user, merchant)
    is_admin = permissions.is_merchant_admin(user, merchant)
    stage = STAGE_OF_STATUS.get(V(version.status))
    my_review = selectors.open_review_of(user, version=version) if stage else None
    editable = is_member and version.status in VERSION_EDITABLE
    # The material, the check report, the reviews and the audit trail are the version's
    # internals: members, reviewers and supervisors (the same rule as the API's).
    sees_internals = permits(user, VIEW_INTERNALS, version)
    report = getattr(version, "check_report", None) if sees_internals else None
    product = version.product
    context = {
        "version": version,
        "product": product,
        "report": report,
        "sees_internals": sees_internals,
        "plans": version.plans.all(),
        "documents": selectors.documents_of(version, user),
        "reviews": selectors.reviews_of(user, version=version),
        "objections": selectors.objections_visible_to(user)
        .filter(version=version)
        .order_by("created_at"),
        "events": selectors.version_events_of(version, user),
        "other_versions": selectors.versions_visible_to(user)
        .filter(product=product)
        .exclude(pk=version.pk)
        .order_by("-number"),
        "is_member": is_member,
        "is_admin": is_admin,
        "editable": editable,
        "problems": services.sheet_problems(version) if editable else [],
        "sample_form": SampleForm() if editable else None,
        "document_form": DocumentForm() if editable else None,
        "can_submit": is_admin and version.status in (V.DRAFT, V.RETURNED),
        "can_withdraw": is_admin and V.WITHDRAWN in version.TRANSITIONS[V(version.status)],
        "stage": stage,
        "can_claim": bool(stage) and permissions.works_stage(user, stage) and my_review is None,
        "my_review": my_review,
        "decision_form": DecisionForm(
            stage=stage, prefill=selectors.quality_prefill(version) if stage == "quality" else None
        )
        if my_review
        else None,
        "checklist_labels": CHECKLISTS.get(stage, {}) if stage else {},
        "quality_labels": QUALITY_INDICATORS,
        "can_object": version.status == V.PUBLIC_NOTICE and not is_member,
        "objection_form": ReasonForm()
        if version.status == V.PUBLIC_NOTICE and not is_member
        else None,
        "objection_decision_form": ObjectionDecisionForm()
        if permissions.can_govern_listings(user)
        else None,
        "can_start_version": is_member
        and version.status == V.REGISTERED
        and product.registered_version_id == version.pk,
        "can_list": is_admin
        and version.status == V.REGISTERED
        and not product.listings.filter(status__in=LISTING_LIVE).exists(),
        "listing_form": ListingForm(initial={"boards": [version.board]})
        if is_admin and version.status == V.REGISTERED
        else None,
        "listings": selectors.listings_visible_to(user)
        .filter(product=product)
        .order_by("-submitted_at"),
        "now": clock.now(),
    }
    return render(request, "listings/version_detail.html", context)


@login_required
@require_POST
def version_act(request, pk, action):
    """The buttons of a version's page; each calls one service, a refusal comes back as a message."""
    version = _version(request, pk)
    user = request.user
    try:
        if action == "submit":
            services.submit_version(version=version, actor=user)
        elif action == "withdraw":
            services.withdraw_version(
                version=version, actor=user, reason=request.POST.get("reason", "")
            )
        elif action == "claim":
            services.claim_version(version=version, actor=user)
        elif action == "release":
            services.release_claim(review=_my_review(user, version), actor=user)
        elif action == "decide":
            stage = STAGE_OF_STATUS.get(V(version.status))
            form = DecisionForm(request.POST, stage=stage) if stage else None
            if form is None or not form.is_valid():
                raise ValidationError(form.errors if form else _("Nothing to decide."))
            services.decide_version_review(
                review=_my_review(user, version), actor=user, **form.arguments()
            )
        elif action == "object":
            services.file_objection(
                version=version, actor=user, reason=request.POST.get("reason", "")
            )
        elif action == "new-version":
            version = services.start_new_version(product=version.product, actor=user)
        elif action == "sample":
            form = SampleForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError(form.errors)
            services.attach_sample(version=version, actor=user, upload=form.cleaned_data["file"])
        elif action == "document":
            form = DocumentForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError(form.errors)
            services.add_product_document(
                version=version,
                actor=user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        elif action == "list":
            form = ListingForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors)
            listing = services.apply_for_listing(
                product=version.product, actor=user, boards=list(form.cleaned_data["boards"])
            )
            messages.success(request, _("Applied for listing."))
            return redirect("listings:listing-detail", pk=listing.pk)
        else:
            raise Http404
    except (DomainError, ValidationError) as error:
        show_refusal(request, error)
    else:
        version.refresh_from_db(fields=["status"])
        messages.success(request, _("Done: %(status)s.") % {"status": version.get_status_display()})
    return redirect("listings:version-detail", pk=version.pk)


def _my_review(user, version):
    review = selectors.open_review_of(user, version=version)
    if review is None:
        raise ClaimNotHeld()
    return review


@login_required
@require_POST
def document_remove(request, pk, document_pk):
    version = _version(request, pk, VIEW_INTERNALS)
    document = get_object_or_404(selectors.documents_of(version, request.user), pk=document_pk)
    try:
        services.remove_product_document(document=document, actor=request.user)
    except DomainError as error:
        show_refusal(request, error)
    return redirect("listings:version-detail", pk=version.pk)


@login_required
@require_POST
def objection_decide(request, pk):
    objection = get_object_or_404(selectors.objections_visible_to(request.user), pk=pk)
    form = ObjectionDecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.decide_objection(objection=objection, actor=request.user, **form.cleaned_data)
    except (DomainError, ValidationError) as error:
        show_refusal(request, error)
    return redirect("listings:version-detail", pk=objection.version_id)


@login_required
def version_diff(request, pk, other):
    version = _version(request, pk)
    other_version = get_object_or_404(
        selectors.versions_visible_to(request.user), pk=other, product=version.product
    )
    old, new = sorted([version, other_version], key=lambda v: v.number)
    changes = selectors.version_diff(old, new)
    if not permits(request.user, VIEW_INTERNALS, version):
        # The material's file names are internal; the sheet is public.
        changes = [change for change in changes if change.field != "documents"]
    return render(
        request, "listings/version_diff.html", {"old": old, "new": new, "changes": changes}
    )


@login_required
def precheck(request):
    """Merchants scan a sample before submitting: its profile and personal information, no rows."""
    form = SampleForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_upload(upload, field="file", allowed=None)
            report = scan_report(upload.read(), filename=upload.name)
        except DomainError as error:
            show_refusal(request, error, form)
    return render(request, "listings/precheck.html", {"form": form, "report": report})


@login_required
def review_queues(request):
    """Each reviewer's queues, oldest first, with ages and who holds each item."""
    user = request.user
    stages = [s for s in ReviewStage if permissions.works_stage(user, s)]
    if user.has_role(*permissions.SUPERVISOR_ROLES):
        stages = list(ReviewStage)
    if not stages:
        raise PermissionDenied
    chosen = request.GET.get("stage") if request.GET.get("stage") in stages else stages[0]
    items = (
        selectors.listing_queue(user)
        if chosen == ReviewStage.LISTING
        else selectors.version_queue(user, chosen)
    )
    page = Paginator(items, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "listings/review_queues.html",
        {
            "stages": [ReviewStage(s) for s in stages],
            "chosen": chosen,
            "page": page,
            "now": clock.now(),
            "query": f"stage={chosen}",
        },
    )


@login_required
def queue_health(request):
    if not request.user.has_role(*permissions.SUPERVISOR_ROLES):
        raise PermissionDenied
    rows = selectors.queue_health()
    widest = max([row.waiting for row in rows] + [1])
    return render(
        request,
        "listings/queue_health.html",
        {"rows": rows, "widest": widest, "checks": selectors.check_throughput()},
    )


@login_required
def listing_detail(request, pk):
    listing = get_object_or_404(selectors.listings_visible_to(request.user), pk=pk)
    user = request.user
    my_review = selectors.open_review_of(user, listing=listing)
    in_review = listing.status == ListingStatus.LISTING_REVIEW
    context = {
        "listing": listing,
        "version": listing.product.registered_version,
        "sees_internals": permits(user, VIEW_INTERNALS, listing),
        "events": selectors.listing_events_of(listing, user),
        "reviews": selectors.reviews_of(user, listing=listing),
        "my_review": my_review,
        "can_claim": in_review
        and permissions.works_stage(user, ReviewStage.LISTING)
        and my_review is None,
        "decision_form": DecisionForm(stage=ReviewStage.LISTING) if my_review else None,
        "can_govern": permissions.can_govern_listings(user),
        "is_admin": permissions.is_merchant_admin(user, listing.product.merchant),
        "reason_form": ReasonForm(),
    }
    return render(request, "listings/listing_detail.html", context)


@login_required
@require_POST
def listing_act(request, pk, action):
    listing = get_object_or_404(selectors.listings_visible_to(request.user), pk=pk)
    user = request.user
    reason = request.POST.get("reason", "")
    try:
        if action == "claim":
            services.claim_listing(listing=listing, actor=user)
        elif action == "decide":
            form = DecisionForm(request.POST, stage=ReviewStage.LISTING)
            review = selectors.open_review_of(user, listing=listing)
            if not form.is_valid() or review is None:
                raise ValidationError(form.errors or _("Claim the item first."))
            services.decide_listing_review(review=review, actor=user, **form.arguments())
        elif action in ("suspend", "reinstate", "delist", "withdraw"):
            service = {
                "suspend": services.suspend_listing,
                "reinstate": services.reinstate_listing,
                "delist": services.delist_listing,
                "withdraw": services.withdraw_listing,
            }[action]
            service(listing=listing, actor=user, reason=reason)
        else:
            raise Http404
    except (DomainError, ValidationError) as error:
        show_refusal(request, error)
    else:
        listing.refresh_from_db(fields=["status"])
        messages.success(request, _("Done: %(status)s.") % {"status": listing.get_status_display()})
    return redirect("listings:listing-detail", pk=listing.pk)


def catalog(request):
    """The public catalogue (公开目录): listed items only, searchable in Chinese and English."""
    form = CatalogSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.search_catalog(
        query=filters.get("q") or "",
        board=filters.get("board") or "",
        scenario=filters.get("scenario") or "",
        product_type=filters.get("product_type") or "",
        delivery=filters.get("delivery") or "",
        price_min=filters.get("price_min"),
        price_max=filters.get("price_max"),
        merchant=filters.get("merchant"),
        sort=filters.get("sort") or "newest",
    )
    page = CatalogPaginator(entries, 20).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request, "listings/catalog.html", {"form": form, "page": page, "query": params.urlencode()}
    )


def catalog_item(request, pk):
    """A listed product's public page: the sheet, the merchant, the sample's profile, the review
    outcome and the registration record."""
    entry = get_object_or_404(selectors.search_catalog(), listing_id=pk)
    listing = entry.listing
    version = listing.product.registered_version
    report = getattr(version, "check_report", None)
    return render(
        request,
        "listings/catalog_item.html",
        {
            "entry": entry,
            "listing": listing,
            "version": version,
            "report": report,
            "plans": listing.plans.all(),
            "reviews": version.reviews.filter(decided_at__isnull=False).order_by("decided_at"),
            "objections_upheld": version.objections.filter(status=ObjectionStatus.UPHELD).count(),
        },
    )
