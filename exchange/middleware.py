"""Language (Chinese first on the pages; the API follows Accept-Language) and request limits."""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from exchange.api.errors import for_machines


class ExchangeLocaleMiddleware(LocaleMiddleware):
    """Pages speak zh-hans unless the visitor chose a language with the switch (its cookie);
    the API honours ``Accept-Language``, as API clients expect."""

    def process_request(self, request):
        if for_machines(request.path) or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            return super().process_request(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        # The log's tiles and notes are the same bytes in every language: no Vary, so that shared
        # caches keep one copy.
        if request.path.startswith("/log/"):
            return response
        return super().process_response(request, response)


class RequestLimitsMiddleware:
    """Refuse, before any view runs, a request no view could use, with a 4xx instead of a 500.

    - a body larger than ``REQUEST_MAX_BYTES`` (413): nothing reads it, not even the upload
      handlers;
    - a NUL character in the path, a query parameter or a form field (400): PostgreSQL stores no
      NUL in text, so a search or a comment holding one used to fail deep in a query.

    The API answers with its error body; pages with a short page in the visitor's language. A
    JSON body is checked by the API's parser (``exchange.api.parsers``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def refusal(self, request):
        from exchange.api.errors import refuse

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return refuse(
                request,
                status=413,
                code="request_too_large",
                message=_("The request is larger than %(most)s MB.")
                % {"most": round(settings.REQUEST_MAX_BYTES / 2**20)},
            )
        if "\x00" in request.path:
            return refuse(request, status=400, code="nul_character", message=NUL_MESSAGE_PATH)
        for name, values in self.parameters(request):
            if "\x00" in name or any("\x00" in value for value in values):
                return refuse(
                    request,
                    status=400,
                    code="nul_character",
                    field=name.replace("\x00", "\\x00"),
                    message=NUL_MESSAGE % {"field": name.replace("\x00", "\\x00")},
                )
        return None

    @staticmethod
    def parameters(request):
        yield from request.GET.lists()
        # A page's form fields; the API's bodies are its parsers' and serializers' to check (and
        # are not parsed before the caller is known to be allowed).
        content_type = request.META.get("CONTENT_TYPE", "")
        if (
            request.method == "POST"
            and not for_machines(request.path)
            and content_type.startswith(FORM_CONTENT_TYPES)
        ):
            try:
                yield from request.POST.lists()
            except (MultiPartParserError, SuspiciousOperation):
                return  # the view's own parsing reports it, as it did before


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL_MESSAGE = _("“%(field)s” contains a NUL character (U+0000), which is not allowed.")
NUL_MESSAGE_PATH = _("The address contains a NUL character (U+0000), which is not allowed.")
