"""Helpers for the web views: turn refusals into form errors or messages."""

from django.contrib import messages
from django.core.exceptions import ValidationError

from exchange.errors import DomainError


def show_refusal(request, error: DomainError | ValidationError, form=None) -> None:
    """Put a refusal where the person will see it: on the form's field, else as a message."""
    if isinstance(error, ValidationError):
        if form is not None:
            for field, errors in (
                error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
            ).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            for message in error.messages:
                messages.error(request, message)
        return
    problems = error.field_problems()
    if len(problems) != 1:
        messages.error(request, error.message)  # the summary; each problem follows
    for problem in problems:
        if form is not None and problem.field in form.fields:
            form.add_error(problem.field, ValidationError(problem.message, code=problem.code))
        else:
            messages.error(request, problem.message)
