"""The public registry pages: search, the certificate (with its proof and a verify button),
a printable page and a PDF."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from exchange.registry import log, pdf, selectors
from exchange.registry.models import CertificateKind, Right
from exchange.registry.services import effective_valid_until


def _certificate(number: str):
    return get_object_or_404(selectors.certificates(), number=number)


@require_safe
def registry_search(request):
    query = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    found = selectors.search(query, kind=kind if kind in CertificateKind.values else "")
    page = Paginator(found, 20).get_page(request.GET.get("page"))
    latest = log.latest_checkpoint()
    return render(
        request,
        "registry/search.html",
        {
            "page": page,
            "query": query,
            "kind": kind,
            "kinds": CertificateKind.choices,
            "latest": latest,
        },
    )


def _context(certificate) -> dict:
    return {
        "certificate": certificate,
        "rights": [Right(right).label for right in certificate.rights],
        "valid_until": effective_valid_until(certificate),
        "status": selectors.status_of(certificate),
        "history": selectors.history(certificate),
        "verification": selectors.verify_certificate(certificate),
    }


@require_safe
def certificate_detail(request, number: str):
    return render(request, "registry/certificate.html", _context(_certificate(number)))


@require_safe
def certificate_print(request, number: str):
    return render(request, "registry/certificate_print.html", _context(_certificate(number)))


@require_safe
def certificate_pdf(request, number: str):
    certificate = _certificate(number)
    context = _context(certificate)
    response = HttpResponse(pdf.certificate_pdf(**context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    return response
