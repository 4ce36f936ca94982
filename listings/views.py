"""Pages for data products: the merchant's sheet, the reviewers' queues, listings and the catalogue."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from exchange import clock
from exchange.accounts.roles import MERCHANT_ROLES, SUPERVISOR_ROLES
from exchange.errors import DomainError
from exchange.scoping import VIEW, VIEW_INTERNALS, permits
from exchange.uploads import check_upload
from exchange.web import (
    ActionView,
    action_buttons,
    action_forms,
    actions_for,
    next_step,
    private_file_response,
    reason_required_for,
    show_refusal,
    take_action_from_page,
)
from listings import permissions, selectors, services
from listings.errors import ClaimNotHeld
from listings.forms import (
    CatalogSearchForm,
    DecisionForm,
    DocumentForm,
    ListingForm,
    PlansForm,
    ReasonForm,
    SampleForm,
    SheetForm,
)
from listings.models import Listing, Objection, ObjectionStatus, ProductVersion
from listings.paginators import CatalogPaginator
from listings.sample_report import scan_report
from listings.states import (
    LISTING_LIFECYCLE,
    LISTING_NEXT_STEPS,
    MERCHANT_ADMIN,
    OBJECTION_LIFECYCLE,
    OBJECTION_NEXT_STEPS,
    STAGE_OF_STATUS,
    VERSION_EDITABLE,
    VERSION_LIFECYCLE,
    VERSION_NEXT_STEPS,
    ReviewStage,
    VersionStatus,
)
from merchants.selectors import live_merchant_of
from merchants.states import NEXT_STEPS as MERCHANT_NEXT_STEPS
from merchants.states import MerchantStatus

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
    return render(
        request,
        "listings/product_list.html",
        {"page": page, **_standing(live_merchant_of(request.user.organisation_id))},
    )


def _standing(merchant) -> dict:
    """Whether the organisation may create data products now, and if not, why and what next
    (the merchant lifecycle's own line): said before a form is filled, not after it is saved."""
    return {
        "merchant": merchant,
        "can_create": merchant is not None and merchant.status == MerchantStatus.ACTIVE,
        "merchant_next_step": next_step(
            MERCHANT_NEXT_STEPS, merchant.status, days=settings.MERCHANT_REVIEW_SLA_DAYS
        )
        if merchant is not None
        else "",
    }


@login_required
def product_new(request):
    if not request.user.has_role(*MERCHANT_ROLES):
        raise PermissionDenied
    standing = _standing(live_merchant_of(request.user.organisation_id))
    if not standing["can_create"]:
        return render(request, "listings/cannot_create.html", standing)
    merchant = standing["merchant"]
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


# How the pages take each offered action of the lifecycles (listings.states). Review decisions
# have their own form (the checklist); objections are filed from the version page.
VERSION_ACTIONS: dict[str, ActionView] = {
    "submit": ActionView(lambda v, a: services.submit_version(version=v, actor=a)),
    "withdraw": ActionView(
        lambda v, a, reason: services.withdraw_version(version=v, actor=a, reason=reason),
        ReasonForm,
    ),
}
LISTING_ACTIONS: dict[str, ActionView] = {
    name: ActionView(
        lambda item, a, reason, service=service: service(listing=item, actor=a, reason=reason),
        ReasonForm,
    )
    for name, service in {
        "suspend": services.suspend_listing,
        "reinstate": services.reinstate_listing,
        "delist": services.delist_listing,
        "withdraw": services.withdraw_listing,
    }.items()
}
OBJECTION_ACTIONS: dict[str, ActionView] = {
    "uphold": ActionView(
        lambda o, a, reason: services.decide_objection(
            objection=o, actor=a, uphold=True, note=reason
        ),
        ReasonForm,
    ),
    "dismiss": ActionView(
        lambda o, a, reason: services.decide_objection(
            objection=o, actor=a, uphold=False, note=reason
        ),
        ReasonForm,
    ),
    "withdraw": ActionView(
        lambda o, a, reason: services.withdraw_objection(objection=o, actor=a, reason=reason),
        ReasonForm,
    ),
}


def _buttons(lifecycle, user, obj, views, url_name):
    return action_buttons(
        lifecycle, user, obj, views, lambda action: reverse(url_name, args=[obj.pk, action.slug])
    )


def _action_context(buttons, views) -> dict:
    return {
        "buttons": buttons,
        "action_forms": action_forms(buttons, views),
        "reason_required": reason_required_for(buttons),
    }


@login_required
def version_detail(request, pk):
    version = _version(request, pk)
    user = request.user
    page = selectors.version_page(version, user)
    buttons = _buttons(VERSION_LIFECYCLE, user, version, VERSION_ACTIONS, "listings:version-act")
    context = {
        "page": page,
        "version": version,
        "product": version.product,
        "report": page.report,
        "sample_form": SampleForm() if page.editable else None,
        "document_form": DocumentForm() if page.editable else None,
        "decision_form": DecisionForm(
            stage=page.stage,
            prefill=selectors.quality_prefill(version) if page.stage == "quality" else None,
        )
        if page.my_review
        else None,
        "objection_form": ReasonForm() if page.can_object else None,
        "listing_form": ListingForm(initial={"boards": [version.board]}) if page.can_list else None,
        "now": clock.now(),
        "next_step": next_step(
            VERSION_NEXT_STEPS, version.status, notice_ends=_when(version.notice_ends_at)
        ),
        # Staff prepare; the merchant admin submits: say so where the admin sees the buttons.
        "admin_steps": actions_for(VERSION_LIFECYCLE, version, MERCHANT_ADMIN)
        if page.is_member and not page.is_admin
        else [],
        **_action_context(buttons, VERSION_ACTIONS),
    }
    return render(request, "listings/version_detail.html", context)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@login_required
@require_POST
def version_act(request, pk, action):
    """Take an offered action of the version's lifecycle (submit, withdraw)."""
    version = _version(request, pk)
    take_action_from_page(
        request, lifecycle=VERSION_LIFECYCLE, obj=version, slug=action, views=VERSION_ACTIONS
    )
    return redirect("listings:version-detail", pk=version.pk)


def _on_version_page(request, pk, call, success, level=VIEW) -> HttpResponse:
    """Run ``call(version)`` for one of the version page's forms and come back to the page."""
    version = _version(request, pk, level)
    try:
        result = call(version)
    except (DomainError, ValidationError) as error:
        show_refusal(request, error)
    else:
        messages.success(request, success)
        if isinstance(result, ProductVersion):
            version = result
    return redirect("listings:version-detail", pk=version.pk)


@login_required
@require_POST
def version_claim(request, pk):
    return _on_version_page(
        request,
        pk,
        lambda v: services.claim_version(version=v, actor=request.user),
        _("Claimed: the item is yours to review."),
    )


@login_required
@require_POST
def version_release(request, pk):
    return _on_version_page(
        request,
        pk,
        lambda v: services.release_claim(
            review=selectors.open_review_of(request.user, version=v) or _no_claim(),
            actor=request.user,
        ),
        _("Given back to the queue."),
    )


@login_required
@require_POST
def version_decide(request, pk):
    def decide(version):
        stage = request.POST.get("stage") or STAGE_OF_STATUS.get(V(version.status))
        form = DecisionForm(request.POST, stage=stage)
        if not form.is_valid():
            raise ValidationError(form.errors)
        return services.decide_version_review(
            version=version, actor=request.user, **form.arguments()
        )

    return _on_version_page(request, pk, decide, _("Decision recorded."))


@login_required
@require_POST
def version_object(request, pk):
    version = _version(request, pk)
    try:
        objection = services.file_objection(
            version=version, actor=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        show_refusal(request, error)
        if request.POST.get("back") == "notices":
            return redirect("listings:notices")
        return redirect("listings:version-detail", pk=version.pk)
    messages.success(
        request,
        _("Objection filed: an operator decides it; the product is not registered meanwhile."),
    )
    return redirect("listings:objection-detail", pk=objection.pk)


@login_required
@require_POST
def version_new(request, pk):
    return _on_version_page(
        request,
        pk,
        lambda v: services.start_new_version(product=v.product, actor=request.user),
        _("New version opened as a copy of the registered sheet."),
    )


@login_required
@require_POST
def version_sample(request, pk):
    def attach(version):
        form = SampleForm(request.POST, request.FILES)
        if not form.is_valid():
            raise ValidationError(form.errors)
        return services.attach_sample(
            version=version, actor=request.user, upload=form.cleaned_data["file"]
        )

    # Material is the version's internals: an outsider's upload finds nothing (404).
    return _on_version_page(request, pk, attach, _("Sample attached."), VIEW_INTERNALS)


@login_required
@require_POST
def version_document(request, pk):
    def upload(version):
        form = DocumentForm(request.POST, request.FILES)
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.add_product_document(
            version=version,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
        )

    return _on_version_page(request, pk, upload, _("Document uploaded."), VIEW_INTERNALS)


@login_required
@require_POST
def version_list(request, pk):
    version = _version(request, pk)
    form = ListingForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        listing = services.apply_for_listing(
            product=version.product, actor=request.user, boards=list(form.cleaned_data["boards"])
        )
    except (DomainError, ValidationError) as error:
        show_refusal(request, error)
        return redirect("listings:version-detail", pk=version.pk)
    messages.success(request, _("Applied for listing: the listing committee reviews it next."))
    return redirect("listings:listing-detail", pk=listing.pk)


def _no_claim():
    raise ClaimNotHeld()


# The evidence reviewers judge, and merchants' own material: the version's internals (the same
# rule as the API's downloads).
@login_required
def version_sample_file(request, pk):
    version = _version(request, pk, VIEW_INTERNALS)
    if not version.sample:
        raise Http404
    return private_file_response(
        version.sample, filename=version.sample_name, content_type=version.sample_content_type
    )


@login_required
def version_document_file(request, pk, document_pk):
    version = _version(request, pk, VIEW_INTERNALS)
    document = get_object_or_404(selectors.documents_of(version, request.user), pk=document_pk)
    return private_file_response(
        document.file, filename=document.original_name, content_type=document.content_type
    )


@login_required
@require_POST
def document_remove(request, pk, document_pk):
    version = _version(request, pk, VIEW_INTERNALS)
    document = get_object_or_404(selectors.documents_of(version, request.user), pk=document_pk)
    try:
        services.remove_product_document(document=document, actor=request.user)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Document removed."))
    return redirect("listings:version-detail", pk=version.pk)


def _objection(request, pk) -> Objection:
    return get_object_or_404(selectors.objections_visible_to(request.user), pk=pk)


@login_required
def objection_detail(request, pk):
    objection = _objection(request, pk)
    buttons = _buttons(
        OBJECTION_LIFECYCLE, request.user, objection, OBJECTION_ACTIONS, "listings:objection-act"
    )
    context = {
        "objection": objection,
        "version": objection.version,
        "events": objection.events.order_by("occurred_at", "id"),
        "next_step": next_step(OBJECTION_NEXT_STEPS, objection.status),
        **_action_context(buttons, OBJECTION_ACTIONS),
    }
    return render(request, "listings/objection_detail.html", context)


@login_required
@require_POST
def objection_act(request, pk, action):
    objection = _objection(request, pk)
    take_action_from_page(
        request, lifecycle=OBJECTION_LIFECYCLE, obj=objection, slug=action, views=OBJECTION_ACTIONS
    )
    return redirect("listings:objection-detail", pk=objection.pk)


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
    if user.has_role(*SUPERVISOR_ROLES):
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
    if not request.user.has_role(*SUPERVISOR_ROLES):
        raise PermissionDenied
    rows = selectors.queue_health()
    widest = max([row.waiting for row in rows] + [1])
    return render(
        request,
        "listings/queue_health.html",
        {"rows": rows, "widest": widest, "checks": selectors.check_throughput()},
    )


def _listing(request, pk) -> Listing:
    return get_object_or_404(selectors.listings_visible_to(request.user), pk=pk)


@login_required
def listing_detail(request, pk):
    listing = _listing(request, pk)
    user = request.user
    my_review = selectors.open_review_of(user, listing=listing)
    reviewable = any(
        a.name in ("approve", "reject") for a in LISTING_LIFECYCLE.available(user, listing)
    )
    buttons = _buttons(LISTING_LIFECYCLE, user, listing, LISTING_ACTIONS, "listings:listing-act")
    context = {
        "listing": listing,
        "version": listing.product.registered_version,
        "sees_internals": permits(user, VIEW_INTERNALS, listing),
        "events": selectors.listing_events_of(listing, user),
        "reviews": selectors.reviews_of(user, listing=listing),
        "my_review": my_review,
        "can_claim": reviewable and my_review is None,
        "decision_form": DecisionForm(stage=ReviewStage.LISTING) if my_review else None,
        "next_step": next_step(LISTING_NEXT_STEPS, listing.status),
        **_action_context(buttons, LISTING_ACTIONS),
    }
    return render(request, "listings/listing_detail.html", context)


@login_required
@require_POST
def listing_act(request, pk, action):
    """Take an offered action of the listing's lifecycle (suspend, reinstate, delist, withdraw)."""
    listing = _listing(request, pk)
    take_action_from_page(
        request, lifecycle=LISTING_LIFECYCLE, obj=listing, slug=action, views=LISTING_ACTIONS
    )
    return redirect("listings:listing-detail", pk=listing.pk)


def _on_listing_page(request, pk, call, success) -> HttpResponse:
    listing = _listing(request, pk)
    try:
        call(listing)
    except (DomainError, ValidationError) as error:
        show_refusal(request, error)
    else:
        messages.success(request, success)
    return redirect("listings:listing-detail", pk=listing.pk)


@login_required
@require_POST
def listing_claim(request, pk):
    return _on_listing_page(
        request,
        pk,
        lambda item: services.claim_listing(listing=item, actor=request.user),
        _("Claimed: the item is yours to review."),
    )


@login_required
@require_POST
def listing_decide(request, pk):
    def decide(listing):
        form = DecisionForm(request.POST, stage=ReviewStage.LISTING)
        if not form.is_valid():
            raise ValidationError(form.errors)
        arguments = form.arguments()
        arguments.pop("stage", None)
        services.decide_listing_review(listing=listing, actor=request.user, **arguments)

    return _on_listing_page(request, pk, decide, _("Decision recorded."))


def notices(request):
    """The public notice board (公示): anyone may read it; anyone signed in may object."""
    page = Paginator(selectors.versions_in_notice(), 20).get_page(request.GET.get("page"))
    user = request.user
    own = user.organisation_id if user.is_authenticated and user.has_role(*MERCHANT_ROLES) else None
    return render(
        request,
        "listings/notices.html",
        {"page": page, "now": clock.now(), "own_organisation": own, "objection_form": ReasonForm()},
    )


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
