"""Merchant pages: the directory, the application, the operators' queue. Each write calls one service."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from exchange import clock
from exchange.accounts.roles import MERCHANT_ROLES
from exchange.creditcode import credit_code_warnings, normalize_credit_code, validate_credit_code
from exchange.errors import DomainError
from exchange.scoping import VIEW, VIEW_INTERNALS, permits
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
from merchants import permissions, selectors, services
from merchants.forms import (
    AgreementForm,
    ApplicationForm,
    DataSourceFormSet,
    DocumentForm,
    ReasonForm,
    data_sources_from,
)
from merchants.models import Category, District, Merchant
from merchants.states import (
    APPLICANT,
    CLOSED,
    EDITABLE,
    LIFECYCLE,
    NEXT_STEPS,
    REASON_SHOWN,
    MerchantStatus,
)

S = MerchantStatus


# How the page takes each action of the lifecycle (merchants.states).
ACTION_VIEWS: dict[str, ActionView] = {
    "submit": ActionView(lambda m, a: services.submit_application(merchant=m, actor=a)),
    "resubmit": ActionView(
        lambda m, a, reason: services.resubmit_application(merchant=m, actor=a, reason=reason),
        ReasonForm,
    ),
    "start_review": ActionView(lambda m, a: services.start_review(merchant=m, actor=a)),
    "approve": ActionView(
        lambda m, a, reason: services.approve_application(merchant=m, actor=a, reason=reason),
        ReasonForm,
    ),
    "request_information": ActionView(
        lambda m, a, reason: services.request_information(merchant=m, actor=a, reason=reason),
        ReasonForm,
    ),
    "reject": ActionView(
        lambda m, a, reason: services.reject_application(merchant=m, actor=a, reason=reason),
        ReasonForm,
    ),
    "issue_agreement": ActionView(
        lambda m, a, term_months: services.issue_agreement(
            merchant=m, actor=a, term_months=term_months
        ),
        AgreementForm,
    ),
    "sign": ActionView(lambda m, a: services.sign_agreement(merchant=m, actor=a)),
    "suspend": ActionView(
        lambda m, a, reason: services.suspend_merchant(merchant=m, actor=a, reason=reason),
        ReasonForm,
    ),
    "reinstate": ActionView(
        lambda m, a, reason: services.reinstate_merchant(merchant=m, actor=a, reason=reason),
        ReasonForm,
    ),
    "terminate": ActionView(
        lambda m, a, reason: services.terminate_merchant(merchant=m, actor=a, reason=reason),
        ReasonForm,
    ),
    "withdraw": ActionView(
        lambda m, a, reason: services.withdraw_application(merchant=m, actor=a, reason=reason),
        ReasonForm,
    ),
}


def _visible_merchant(request, pk, action: str = VIEW) -> Merchant:
    return get_object_or_404(selectors.merchants_visible_to(request.user, action), pk=pk)


def directory(request):
    """The public directory of active data merchants (数商名录)."""
    merchants = selectors.merchant_directory()
    query = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    district = request.GET.get("district", "")
    if query:
        merchants = merchants.filter(
            Q(company_name__icontains=query) | Q(credit_code__icontains=query)
        )
    if category:
        merchants = merchants.filter(categories__code=category).distinct()
    if district:
        merchants = merchants.filter(district=district)
    page = Paginator(merchants, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": query,
        "category": category,
        "district": district,
        "categories": selectors.category_tree(),
        "districts": District.choices,
        "query": _querystring(request),
    }
    return render(request, "merchants/directory.html", context)


def check_credit_code(request):
    """HTMX: check a credit code while it is typed; answers a small fragment, changes nothing."""
    code = normalize_credit_code(request.GET.get("credit_code", ""))
    context = {"code": code, "error": None, "warnings": []}
    if code:
        try:
            validate_credit_code(code)
        except ValidationError as error:
            context["error"] = error.messages[0]
        else:
            context["warnings"] = credit_code_warnings(code)
    return render(request, "merchants/_credit_code_check.html", context)


@login_required
def mine(request):
    """The organisation's own application: the live one, else its past ones and a fresh start."""
    user = request.user
    merchant = selectors.live_merchant_of(user.organisation_id)
    if merchant is not None:
        return redirect("merchants:detail", pk=merchant.pk)
    if not user.has_role(*MERCHANT_ROLES):
        raise PermissionDenied
    past = list(selectors.closed_applications_of(user.organisation_id))
    if not past and permissions.can_apply(user):
        return redirect("merchants:apply")
    return render(
        request, "merchants/mine.html", {"past": past, "can_apply": permissions.can_apply(user)}
    )


@login_required
def apply(request):
    """A new application; after a closed one, the form starts from what that one said."""
    if not permissions.can_apply(request.user):
        raise PermissionDenied
    live = selectors.live_merchant_of(request.user.organisation_id)
    if live is not None:
        messages.info(request, _("Your organisation's application is in progress: here it is."))
        return redirect("merchants:detail", pk=live.pk)
    previous = selectors.closed_applications_of(request.user.organisation_id).first()
    initial = (
        _application_initial(previous)
        if previous
        else {"company_name": request.user.organisation.name}
    )
    form = ApplicationForm(request.POST or None, initial=initial)
    sources = DataSourceFormSet(
        request.POST or None,
        prefix="sources",
        initial=previous.data_sources if previous else None,
    )
    if request.method == "POST" and form.is_valid() and sources.is_valid():
        try:
            merchant = services.create_application(
                actor=request.user, data_sources=data_sources_from(sources), **form.cleaned_data
            )
        except (DomainError, ValidationError) as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, _("Draft saved. Upload the documents, then submit."))
            return redirect("merchants:detail", pk=merchant.pk)
    return render(
        request,
        "merchants/application_form.html",
        {"form": form, "sources": sources, "creating": True, "previous": previous},
    )


def _application_initial(merchant: Merchant) -> dict:
    initial = {
        name: getattr(merchant, name)
        for name in services.APPLICATION_FIELDS
        if name != "data_sources"
    }
    initial["categories"] = list(merchant.categories.all())
    return initial


@login_required
def edit(request, pk):
    merchant = _visible_merchant(request, pk)
    if not permissions.can_edit(request.user, merchant):
        raise PermissionDenied
    form = ApplicationForm(request.POST or None, initial=_application_initial(merchant))
    sources = DataSourceFormSet(
        request.POST or None, prefix="sources", initial=merchant.data_sources
    )
    if request.method == "POST" and form.is_valid() and sources.is_valid():
        try:
            services.update_application(
                merchant=merchant,
                actor=request.user,
                data_sources=data_sources_from(sources),
                **form.cleaned_data,
            )
        except (DomainError, ValidationError) as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, _("Application saved."))
            return redirect("merchants:detail", pk=merchant.pk)
    return render(
        request,
        "merchants/application_form.html",
        {"form": form, "sources": sources, "merchant": merchant},
    )


def detail(request, pk):
    """A merchant's page: public for active merchants (the directory's profile); members and
    supervisors also see the application's internals and its actions."""
    merchant = _visible_merchant(request, pk)
    user = request.user
    can_edit = permissions.can_edit(user, merchant) and merchant.status in EDITABLE
    is_member = permissions.is_member(user, merchant)
    sees_internals = permits(user, VIEW_INTERNALS, merchant)
    buttons = action_buttons(
        LIFECYCLE,
        user,
        merchant,
        ACTION_VIEWS,
        lambda action: reverse("merchants:act", args=[merchant.pk, action.slug]),
    )
    closed = merchant.status in CLOSED
    context = {
        "merchant": merchant,
        "events": selectors.events_of(merchant, user),
        "documents": selectors.documents_of(merchant, user),
        "sees_internals": sees_internals,
        "can_edit": can_edit,
        "problems": selectors.submission_problems(merchant) if can_edit else [],
        "document_form": DocumentForm() if can_edit else None,
        "buttons": buttons,
        "action_forms": action_forms(buttons, ACTION_VIEWS),
        "reason_required": reason_required_for(buttons),
        "warnings": credit_code_warnings(merchant.credit_code),
        "is_own_organisation_for_operator": permissions.can_review(user)
        and user.organisation_id == merchant.organisation_id,
        "next_step": next_step(NEXT_STEPS, merchant.status, days=settings.MERCHANT_REVIEW_SLA_DAYS)
        if sees_internals
        else "",
        "status_reason": selectors.decision_behind_status(merchant)
        if sees_internals and merchant.status in REASON_SHOWN
        else None,
        # Staff prepare; the admin submits and signs: say so where the admin sees the buttons.
        "admin_steps": actions_for(LIFECYCLE, merchant, APPLICANT)
        if is_member and not permissions.is_applicant_admin(user, merchant)
        else [],
        "live_application": selectors.live_merchant_of(merchant.organisation_id)
        if closed and is_member
        else None,
        "can_start_again": closed and is_member and permissions.can_apply(user),
    }
    return render(request, "merchants/detail.html", context)


@login_required
@require_POST
def act(request, pk, action):
    """Take one of the page's actions; what happened, or why not, comes back as a message."""
    merchant = _visible_merchant(request, pk)
    take_action_from_page(
        request, lifecycle=LIFECYCLE, obj=merchant, slug=action, views=ACTION_VIEWS
    )
    return redirect("merchants:detail", pk=merchant.pk)


@login_required
@require_POST
def upload_document(request, pk):
    merchant = _visible_merchant(request, pk, VIEW_INTERNALS)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_document(
                merchant=merchant,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except (DomainError, ValidationError) as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("Document uploaded."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("merchants:detail", pk=merchant.pk)


@login_required
@require_POST
def remove_document(request, pk, document_pk):
    merchant = _visible_merchant(request, pk, VIEW_INTERNALS)
    document = get_object_or_404(selectors.documents_of(merchant, request.user), pk=document_pk)
    try:
        services.remove_document(document=document, actor=request.user)
    except DomainError as error:
        show_refusal(request, error)
    return redirect("merchants:detail", pk=merchant.pk)


@login_required
def download_document(request, pk, document_pk):
    merchant = _visible_merchant(request, pk, VIEW_INTERNALS)
    document = get_object_or_404(selectors.documents_of(merchant, request.user), pk=document_pk)
    return private_file_response(
        document.file, filename=document.original_name, content_type=document.content_type
    )


@login_required
def queue(request):
    """Operators' queue: applications waiting for the exchange, oldest first, with their ages."""
    if not permissions.can_see_queue(request.user):
        raise PermissionDenied
    merchants = _filtered(request, selectors.review_queue(request.user))
    if request.GET.get("overdue"):
        merchants = merchants.filter(submitted_at__lt=selectors.overdue_before())
    return _merchant_table(request, merchants, "merchants/queue.html")


@login_required
def all_merchants(request):
    if not permissions.can_see_queue(request.user):
        raise PermissionDenied
    return _merchant_table(
        request,
        _filtered(request, selectors.merchants_visible_to(request.user)),
        "merchants/all.html",
    )


def _filtered(request, merchants):
    query = request.GET.get("q", "").strip()
    if query:
        merchants = merchants.filter(
            Q(company_name__icontains=query) | Q(credit_code__icontains=query)
        )
    if request.GET.get("status") in S.values:
        merchants = merchants.filter(status=request.GET["status"])
    if request.GET.get("category"):
        merchants = merchants.filter(categories__code=request.GET["category"]).distinct()
    if request.GET.get("district") in District.values:
        merchants = merchants.filter(district=request.GET["district"])
    return merchants


def _merchant_table(request, merchants, template):
    page = Paginator(merchants, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "now": clock.now(),
        "overdue_before": selectors.overdue_before(),
        "statuses": S.choices,
        "categories": Category.objects.filter(parent__isnull=True),
        "districts": District.choices,
        "filters": request.GET,
        "query": _querystring(request),
    }
    return render(request, template, context)


def _querystring(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
