"""State machines: the one way any lifecycle object changes status.

A lifecycle model declares ``TRANSITIONS`` (from its app's ``states.py``), a ``status`` field and an
append-only event model whose ``subject`` foreign key has ``related_name="events"``.
"""

from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from exchange import clock
from exchange.errors import InvalidTransition

# Events that note something without moving the status, as the timeline names them.
NOTE_LABELS = {
    "created": _("created"),
    "edited": _("edited"),
    "document_added": _("document added"),
    "document_removed": _("document removed"),
    "sample_attached": _("sample attached"),
    "objection_filed": _("objection filed"),
    "objection_dismissed": _("objection dismissed"),
}


def actor_display_name(actor) -> str:
    if actor is None:
        return ""
    return actor.get_full_name() or actor.get_username()


def transition(
    obj: models.Model, to, *, actor, reason: str = "", data: dict | None = None, kind: str = ""
):
    """Move ``obj`` to status ``to`` and append the event row, inside the caller's transaction.

    Re-reads the row with a lock, so two concurrent moves of one object serialise and the second
    sees the first one's result.

    Raises:
        InvalidTransition (409) when the table does not allow the move from the stored status.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lifecycle.transition() must run inside the caller's transaction.")
    model = type(obj)
    current = model.objects.select_for_update().values_list("status", flat=True).get(pk=obj.pk)
    from_status = _as_status(model, current)
    to_status = _as_status(model, to)
    if to_status not in model.TRANSITIONS[from_status]:
        raise InvalidTransition(from_status, to_status)
    obj.status = to_status
    obj.save(update_fields=["status", "updated_at"])
    return record_event(
        obj,
        kind=kind or to_status.value,
        actor=actor,
        reason=reason,
        data=data,
        from_status=from_status,
        to_status=to_status,
    )


def check_transition(obj: models.Model, to) -> None:
    """Refuse early, before other work, a move the table does not allow from ``obj``'s status.

    Raises:
        InvalidTransition (409).
    """
    model = type(obj)
    from_status, to_status = _as_status(model, obj.status), _as_status(model, to)
    if to_status not in model.TRANSITIONS[from_status]:
        raise InvalidTransition(from_status, to_status)


def record_event(
    obj: models.Model,
    *,
    kind: str,
    actor,
    reason: str = "",
    data: dict | None = None,
    from_status=None,
    to_status=None,
):
    """Append an event to ``obj``'s trail: a transition, or a note such as an upload or an edit."""
    status = obj.status
    return obj.events.create(
        kind=kind,
        from_status=from_status if from_status is not None else status,
        to_status=to_status if to_status is not None else status,
        actor=actor,
        actor_name=actor_display_name(actor),
        reason=reason,
        data=data or {},
        occurred_at=clock.now(),
    )


def _as_status(model, value):
    status_enum = type(next(iter(model.TRANSITIONS)))
    return status_enum(value)


def graph_layout(
    transitions: Mapping[Any, frozenset], main_path: list
) -> dict[Any, tuple[int, int]]:
    """Place each state of a machine on a grid: the main path on row 0, the rest below it.

    A side state sits in the column after its first predecessor that is already placed, on the
    first free row, so the drawn graph reads left to right like the process it shows.
    """
    positions = {state: (column, 0) for column, state in enumerate(main_path)}
    taken = set(positions.values())
    pending = [s for s in transitions if s not in positions]
    while pending:
        progressed = False
        for state in list(pending):
            predecessors = [
                p for p, targets in transitions.items() if state in targets and p in positions
            ]
            if not predecessors:
                continue
            column = min(positions[p][0] for p in predecessors) + 1
            row = 1
            while (column, row) in taken:
                row += 1
            positions[state] = (column, row)
            taken.add((column, row))
            pending.remove(state)
            progressed = True
        if not progressed:  # unreachable states: park them at the end of the first free row
            for state in pending:
                positions[state] = (len(main_path), len(positions))
            break
    return positions
