"""Language: Chinese first on the pages; the API follows Accept-Language."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ExchangeLocaleMiddleware(LocaleMiddleware):
    """Pages speak zh-hans unless the visitor chose a language with the switch (its cookie);
    the API honours ``Accept-Language``, as API clients expect."""

    def process_request(self, request):
        if request.path.startswith("/api/") or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
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
