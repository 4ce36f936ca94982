"""Merchant pages: the directory, the application, the operators' queue. Each write calls one service."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from exchange import clock
from exchange.errors import DomainError
from exchange.scoping import VIEW, VIEW_INTERNALS, permits
from exchange.web import show_refusal
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
from merchants.states import EDITABLE, MerchantStatus
from merchants.validators import credit_code_warnings, normalize_credit_code, validate_credit_code

S = MerchantStatus


@dataclass(frozen=True)
class Action:
    """A button on the application page: who may press it, where it leads, what it asks for."""

    name: str
    label: str
    target: MerchantStatus
    service: Callable
    allowed: Callable
    form: type | None = None
    style: str = ""

    def available(self, user, merchant) -> bool:
        return (
            self.allowed(user, merchant)
            and self.target in Merchant.TRANSITIONS[S(merchant.status)]
            and not (self.allowed is _operator and user.organisation_id == merchant.organisation_id)
        )


def _operator(user, merchant):
    return permissions.can_review(user)


ACTIONS = {
    action.name: action
    for action in [
        Action(
            "submit",
            _("Submit the application"),
            S.SUBMITTED,
            services.submit_application,
            permissions.is_applicant_admin,
        ),
        Action(
            "resubmit",
            _("Resubmit"),
            S.RESUBMITTED,
            services.resubmit_application,
            permissions.is_applicant_admin,
            ReasonForm,
        ),
        Action("start-review", _("Start review"), S.UNDER_REVIEW, services.start_review, _operator),
        Action(
            "approve", _("Approve"), S.APPROVED, services.approve_application, _operator, ReasonForm
        ),
        Action(
            "request-information",
            _("Ask for more information"),
            S.INFO_REQUESTED,
            services.request_information,
            _operator,
            ReasonForm,
            "secondary",
        ),
        Action(
            "reject",
            _("Reject"),
            S.REJECTED,
            services.reject_application,
            _operator,
            ReasonForm,
            "danger",
        ),
        Action(
            "issue-agreement",
            _("Issue the agreement"),
            S.SIGNING,
            services.issue_agreement,
            _operator,
            AgreementForm,
        ),
        Action(
            "sign",
            _("Sign the agreement (签约)"),
            S.ACTIVE,
            services.sign_agreement,
            permissions.is_applicant_admin,
        ),
        Action(
            "suspend",
            _("Suspend"),
            S.SUSPENDED,
            services.suspend_merchant,
            _operator,
            ReasonForm,
            "danger",
        ),
        Action(
            "reinstate",
            _("Lift the suspension"),
            S.ACTIVE,
            services.reinstate_merchant,
            _operator,
            ReasonForm,
        ),
        Action(
            "terminate",
            _("Terminate"),
            S.TERMINATED,
            services.terminate_merchant,
            _operator,
            ReasonForm,
            "danger",
        ),
        Action(
            "withdraw",
            _("Withdraw the application"),
            S.WITHDRAWN,
            services.withdraw_application,
            permissions.is_applicant_admin,
            ReasonForm,
            "danger",
        ),
    ]
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
    """The organisation's own application: open it, or start one."""
    merchant = selectors.live_merchant_of(request.user.organisation_id)
    if merchant is not None:
        return redirect("merchants:detail", pk=merchant.pk)
    if not permissions.can_apply(request.user):
        raise PermissionDenied
    return redirect("merchants:apply")


@login_required
def apply(request):
    if not permissions.can_apply(request.user):
        raise PermissionDenied
    form = ApplicationForm(
        request.POST or None, initial={"company_name": request.user.organisation.name}
    )
    sources = DataSourceFormSet(request.POST or None, prefix="sources")
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
        {"form": form, "sources": sources, "creating": True},
    )


@login_required
def edit(request, pk):
    merchant = _visible_merchant(request, pk)
    if not permissions.can_edit(request.user, merchant):
        raise PermissionDenied
    initial = {
        name: getattr(merchant, name)
        for name in services.APPLICATION_FIELDS
        if name != "data_sources"
    }
    initial["categories"] = list(merchant.categories.all())
    form = ApplicationForm(request.POST or None, initial=initial)
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


@login_required
def detail(request, pk):
    merchant = _visible_merchant(request, pk)
    user = request.user
    can_edit = permissions.can_edit(user, merchant) and merchant.status in EDITABLE
    sees_internals = permits(user, VIEW_INTERNALS, merchant)
    actions = [action for action in ACTIONS.values() if action.available(user, merchant)]
    # One form for the page's actions: each input (reason, term) appears once, each button posts
    # to its own action.
    action_forms = list({action.form: action.form() for action in actions if action.form}.values())
    context = {
        "merchant": merchant,
        "events": selectors.events_of(merchant, user),
        "documents": selectors.documents_of(merchant, user),
        "sees_internals": sees_internals,
        "can_edit": can_edit,
        "problems": selectors.submission_problems(merchant) if can_edit else [],
        "document_form": DocumentForm() if can_edit else None,
        "actions": actions,
        "action_forms": action_forms,
        "warnings": credit_code_warnings(merchant.credit_code),
        "is_own_organisation_for_operator": permissions.can_review(user)
        and user.organisation_id == merchant.organisation_id,
    }
    return render(request, "merchants/detail.html", context)


@login_required
@require_POST
def act(request, pk, action):
    """Run one of the page's actions; a refusal comes back as a message on the same page."""
    merchant = _visible_merchant(request, pk)
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise Http404
    arguments = {}
    if chosen.form:
        form = chosen.form(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("merchants:detail", pk=merchant.pk)
        arguments = form.cleaned_data
    try:
        chosen.service(merchant=merchant, actor=request.user, **arguments)
    except (DomainError, ValidationError) as error:
        show_refusal(request, error)
    else:
        merchant.refresh_from_db(fields=["status"])
        messages.success(
            request, _("Done: %(status)s.") % {"status": merchant.get_status_display()}
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
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
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
