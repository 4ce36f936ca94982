"""Domain errors: every refusal says what was refused, which field it concerns and why.

A ``DomainError`` carries a stable snake_case ``code``, an HTTP status for the API, an optional
``field``, ``params`` for the message, and a lazily translated ``message_template``. Services
raise them; the API handler and the web views render them. Each app adds precise subclasses in
its own ``errors.py``.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FieldProblem:
    """One field-level problem inside a refusal that names several fields at once."""

    field: str
    code: str
    message: str


class DomainError(Exception):
    code = "domain_error"
    http_status = 400
    message_template = _("The request was refused.")
    field: str | None = None

    def __init__(
        self,
        message_template=None,
        *,
        code: str | None = None,
        field: str | None = None,
        params: dict | None = None,
        problems: list[FieldProblem] | None = None,
    ):
        if message_template is not None:
            self.message_template = message_template
        if code is not None:
            self.code = code
        if field is not None:
            self.field = field
        self.params = params or {}
        self.problems = problems or []
        super().__init__(self.code)

    @property
    def message(self) -> str:
        """The message in the active language, with its parameters filled in."""
        return (
            str(self.message_template) % self.params if self.params else str(self.message_template)
        )

    def field_problems(self) -> list[FieldProblem]:
        """The field-level problems: the listed ones, or this error's own field."""
        if self.problems:
            return self.problems
        if self.field:
            return [FieldProblem(field=self.field, code=self.code, message=self.message)]
        return []

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class RuleViolation(DomainError):
    code = "rule_violation"
    http_status = 400


class PermissionDeniedError(DomainError):
    code = "permission_denied"
    http_status = 403
    message_template = _("You are not allowed to do this.")


class NotFoundError(DomainError):
    code = "not_found"
    http_status = 404
    message_template = _("Not found.")


class ConflictError(DomainError):
    code = "conflict"
    http_status = 409
    message_template = _("This conflicts with the current state.")


class InvalidTransition(ConflictError):
    """An action asked of an object whose status is not one the action acts from."""

    code = "invalid_transition"
    message_template = _("“%(action)s” is not possible while the status is “%(from_status)s”.")
    field = "status"

    def __init__(self, from_status, action):
        super().__init__(params={"from_status": from_status.label, "action": action.label})
        self.from_status = from_status
        self.action = action


class DuplicateError(ConflictError):
    code = "duplicate"
    message_template = _("This already exists.")


class StaleObjectError(DomainError):
    code = "stale_object"
    http_status = 412
    message_template = _("Someone else changed this in the meantime; reload and try again.")
