"""Helpers for the web views: refusals as form errors or messages, lifecycle action buttons, and
CSV downloads."""

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _

from exchange.errors import DomainError
from exchange.lifecycle import Action, Lifecycle


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


@dataclass(frozen=True)
class ActionView:
    """How a page takes one lifecycle action: ``call(obj, actor, **form data)`` and its form."""

    call: Callable
    form: type[forms.Form] | None = None


@dataclass(frozen=True)
class ActionButton:
    """A button for an action the user may take now, and where it posts."""

    action: Action
    url: str

    @property
    def label(self):
        return self.action.label

    @property
    def slug(self) -> str:
        return self.action.slug

    @property
    def style(self) -> str:
        return self.action.style


def action_buttons(
    lifecycle: Lifecycle, actor, obj, views: dict[str, ActionView], url: Callable[[Action], str]
) -> list[ActionButton]:
    """The buttons of the actions ``actor`` may take on ``obj`` now, in declaration order."""
    return [
        ActionButton(action, url(action))
        for action in lifecycle.available(actor, obj)
        if action.name in views
    ]


def action_forms(buttons: list[ActionButton], views: dict[str, ActionView]) -> list[forms.Form]:
    """One form for the page's buttons: each input (reason, term) appears once."""
    classes = {views[button.action.name].form for button in buttons} - {None}
    return [form() for form in sorted(classes, key=lambda form: form.__name__)]


def reason_required_for(buttons: list[ActionButton]) -> list:
    """The labels of the page's actions that need a reason (said next to the reason field)."""
    return [button.label for button in buttons if button.action.reason == "required"]


def take_action_from_page(
    request, *, lifecycle: Lifecycle, obj, slug: str, views: dict[str, ActionView]
) -> bool:
    """Take the action a page's button named; say what happened, or why not, as a message.

    Raises:
        Http404 for an action the lifecycle has not, or that has no page.
    """
    action = lifecycle.by_slug(slug)
    if action is None or action.name not in views:
        raise Http404
    view = views[action.name]
    data = {}
    if view.form is not None:
        form = view.form(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return False
        data = form.cleaned_data
    try:
        view.call(obj, request.user, **data)
    except (DomainError, ValidationError) as error:
        show_refusal(request, error)
        return False
    obj.refresh_from_db(fields=["status"])
    messages.success(
        request,
        _("Done: %(action)s. Status now: %(status)s.")
        % {"action": action.label, "status": obj.get_status_display()},
    )
    return True


def next_step(texts: Mapping, status, **params) -> str:
    """The page's line on what happens next in ``status``, from the lifecycle's own texts (each
    app keeps them in its ``states.py``), filled with ``params``; empty when there is none."""
    text = texts.get(status)
    if text is None:
        return ""
    return str(text) % params if params else str(text)


def actions_for(lifecycle: Lifecycle, obj, who) -> list[Action]:
    """The offered actions of ``obj``'s current state that ``who`` takes (a role's description, as
    the lifecycle declares it): what to tell a colleague who cannot take them."""
    return [a for a in lifecycle.actions_from(obj.status) if a.offered and a.who == who]


def private_file_response(stored_file, *, filename: str, content_type: str) -> FileResponse:
    """Serve a file from private storage to someone the caller checked may see it: always as a
    download, never rendered by the browser, never kept by a shared cache."""
    response = FileResponse(
        stored_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def csv_download(filename: str):
    """A CSV attachment and its writer. Excel opens UTF-8 with a byte-order mark as UTF-8."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    return response, csv.writer(response)
