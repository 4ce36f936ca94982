"""OpenAPI: every operation documents the one error body for every refusal it can give."""

ERROR_STATUSES = {
    "400": "The input breaks a rule; `errors` names each field and rule.",
    "401": "Not signed in.",
    "403": "Signed in, but not allowed to do this.",
    "404": "Not found, or not visible to you.",
    "409": "Conflicts with the current state (an illegal transition, a duplicate).",
}
# Only operations that read a request body can refuse its size or media type.
BODY_ERROR_STATUSES = {
    "413": "The request body is larger than the limit (REQUEST_MAX_BYTES).",
    "415": "The request body's media type is not one this operation accepts.",
}
BODY_METHODS = {"post", "put", "patch"}
# Every operation is throttled but the registry's, a public record that verifiers read at will.
THROTTLED_STATUS = {"429": "Too many requests: wait the seconds that Retry-After gives."}
UNTHROTTLED_PREFIX = "/api/registry/"


def document_error_responses(result, generator, request, public):
    """Add the error responses to every operation that does not document them itself."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(
        "Error",
        {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"type": "string", "nullable": True},
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                        },
                        "required": ["field", "code", "message"],
                    },
                },
            },
            "required": ["code", "message", "errors"],
        },
    )
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = ERROR_STATUSES | (BODY_ERROR_STATUSES if method in BODY_METHODS else {})
            if not path.startswith(UNTHROTTLED_PREFIX):
                statuses |= THROTTLED_STATUS
            for status, description in statuses.items():
                operation["responses"].setdefault(
                    status,
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
    return result
