"""The ``Idempotency-Key`` request header (IETF draft-ietf-httpapi-idempotency-key-header).

A client sends a key it made up (a UUID, say) with a request that must not happen twice; it sends
the same key when it retries. The service stores the key with what the request created, unique per
user: the same key again returns the first result, the same key with a different request is
refused with 409 ``idempotency_conflict``.
"""

from drf_spectacular.utils import OpenApiParameter

HEADER = "Idempotency-Key"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "1–255 visible ASCII characters, unique per user (a UUID will do). Retrying with the "
        "same key returns the first result; the same key with a different body answers 409 "
        "`idempotency_conflict`."
    ),
)


def idempotency_key(request) -> str:
    """The header's value as sent ("" when absent); the service checks its form."""
    return request.headers.get(HEADER, "")
