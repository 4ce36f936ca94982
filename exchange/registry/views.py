"""The public registry pages: search, the certificate (with its proof and a verify button),
a printable page and a PDF."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from exchange.errors import DomainError
from exchange.registry import log, pdf, permissions, selectors, services
from exchange.registry.forms import AmendmentForm, RegisterDataForm
from exchange.registry.models import CertificateKind, Right
from exchange.registry.states import CERTIFICATE_LIFECYCLE
from exchange.registry.status import effective_valid_until
from exchange.web import show_refusal


def _certificate(number: str):
    return get_object_or_404(selectors.certificates(), number=number)


@require_POST
def register_data(request):
    if not permissions.can_register(request.user):
        raise PermissionDenied
    form = RegisterDataForm(request.POST)
    if form.is_valid():
        try:
            certificate = services.register_data(**form.cleaned_data, actor=request.user)
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, _("Registered: %(number)s") % {"number": certificate.number})
            return redirect("registry:certificate", number=certificate.number)
    return registry_search(request, form=form, status=400)


def registry_search(request, form=None, status=200):
    query = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    found = selectors.search(query, kind=kind if kind in CertificateKind.values else "")
    page = Paginator(found, 20).get_page(request.GET.get("page"))
    if form is None and permissions.can_register(request.user):
        form = RegisterDataForm()
    context = {
        "page": page,
        "query": query,
        "kind": kind,
        "kinds": CertificateKind.choices,
        "latest": log.latest_checkpoint(),
        "register_form": form,
    }
    return render(request, "registry/search.html", context, status=status)


def _amendment_kinds(certificate, user) -> list:
    """The registrations ``user`` may make now on the certificate's original."""
    original = certificate.original or certificate
    return CERTIFICATE_LIFECYCLE.available(user, original, status=selectors.status_of(original))


def _context(certificate, request=None, *, verify: bool = True) -> dict:
    kinds = _amendment_kinds(certificate, request.user) if request is not None else []
    return {
        "amendment_form": AmendmentForm(kinds=kinds) if kinds else None,
        "certificate": certificate,
        "rights": [Right(right).label for right in certificate.rights],
        "valid_until": effective_valid_until(certificate),
        "status": selectors.status_of(certificate),
        "history": selectors.history(certificate),
        "verification": selectors.verify_certificate(certificate) if verify else None,
    }


@require_safe
def certificate_detail(request, number: str):
    return render(request, "registry/certificate.html", _context(_certificate(number), request))


@require_POST
def certificate_amend(request, number: str):
    if not permissions.can_register(request.user):
        raise PermissionDenied
    certificate = _certificate(number)
    original = certificate.original or certificate
    form = AmendmentForm(request.POST, kinds=_amendment_kinds(original, request.user))
    if form.is_valid():
        try:
            amendment = services.amend_certificate(
                original=original, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, _("Registered: %(number)s") % {"number": amendment.number})
            return redirect("registry:certificate", number=amendment.number)
    context = {**_context(certificate, request), "amendment_form": form}
    return render(request, "registry/certificate.html", context, status=400)


@require_safe
def certificate_print(request, number: str):
    # The printable page shows the certificate and its proof, not the server's check of them.
    context = _context(_certificate(number), verify=False)
    return render(request, "registry/certificate_print.html", context)


@require_safe
def certificate_pdf(request, number: str):
    certificate = _certificate(number)
    context = _context(certificate)
    response = HttpResponse(pdf.certificate_pdf(**context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    return response
