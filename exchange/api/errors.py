"""One error body for the whole API: ``{"code", "message", "errors": [{"field", "code", "message"}]}``.

Renders DRF errors, Django ``ValidationError``, ``Http404``, ``PermissionDenied`` and our
``DomainError`` alike. Messages follow the request's language (``Accept-Language``).
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from exchange.errors import DomainError

NON_FIELD = "non_field_errors"
# Where machines call: the API and the delivery gateway answer in JSON (and follow
# Accept-Language); every other path is a page.
MACHINE_PREFIXES = ("/api/", "/gateway/")


def for_machines(path: str) -> bool:
    return path.startswith(MACHINE_PREFIXES)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return _domain_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_error_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("request_too_large", _("The request is too large.")),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not ours to render: a 500, logged by Django
    response.data = _body_for(exc)
    return response


def not_found(request, exception=None):
    """``handler404``: an API or gateway URL that matches no route answers with the error body
    too."""
    if for_machines(request.path):
        return JsonResponse(_body_for(exceptions.NotFound()), status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def refuse(request, *, status: int, code: str, message, field: str | None = None):
    """A refusal made before any view runs (``exchange.middleware``): the error body under
    API and the gateway, a short page elsewhere."""
    if for_machines(request.path):
        errors = [{"field": field, "code": code, "message": str(message)}] if field else []
        return JsonResponse(error_body(code, str(message), errors), status=status)
    return render(request, "exchange/refused.html", {"message": message}, status=status)


def error_body(code: str, message: str, errors: list[dict] | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or []}


def _domain_error_response(exc: DomainError) -> Response:
    errors = [
        {"field": p.field, "code": p.code, "message": p.message} for p in exc.field_problems()
    ]
    return Response(error_body(exc.code, exc.message, errors), status=exc.http_status)


def _body_for(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        errors = list(_flatten(exc.detail))
        message = errors[0]["message"] if len(errors) == 1 else _("Some fields are not valid.")
        return error_body("invalid", message, errors)
    detail = exc.detail
    code = getattr(detail, "code", None) or exc.default_code
    return error_body(code, str(detail))


def _flatten(detail, path: tuple[str, ...] = ()):
    """Yield ``{field, code, message}`` for every leaf of a DRF error tree (nested fields dotted)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, path if key == NON_FIELD else (*path, str(key)))
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            yield from _flatten(item, (*path, str(index)) if isinstance(item, dict) else path)
    else:
        yield {
            "field": ".".join(path) or None,
            "code": getattr(detail, "code", None) or "invalid",
            "message": str(detail),
        }


def _django_error_detail(exc: DjangoValidationError):
    """Django's error tree in DRF's shape, keeping each error's code."""
    if hasattr(exc, "error_dict"):
        return {
            field: [exceptions.ErrorDetail(_message(e), code=e.code or "invalid") for e in errors]
            for field, errors in exc.error_dict.items()
        }
    return [exceptions.ErrorDetail(_message(e), code=e.code or "invalid") for e in exc.error_list]


def _message(error: DjangoValidationError) -> str:
    message = str(error.message)
    return message % error.params if error.params else message


__all__ = ["error_body", "exception_handler", "status"]
