"""State machines: the one way any lifecycle object changes status.

A lifecycle is declared once, in its app's ``states.py``, as a :class:`Lifecycle`: the status
choices and the **actions**. Each action names the states it acts from, the state it leads to and
who may take it. The transition graph is derived from the actions, never the other way round: two
actions that reach the same state (an operator's reinstatement and an applicant's signature both
reach ``active``) are different actions, from different states, for different people.

A lifecycle model sets ``LIFECYCLE``, has a ``status`` field and an append-only event model whose
``subject`` foreign key has ``related_name="events"``. Services move it with :func:`take`; pages
and the API offer :meth:`Lifecycle.available`, read from the same declarations.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from exchange import bulk, clock
from exchange.errors import InvalidTransition, PermissionDeniedError

# Events that note something without moving the status, as the timeline names them.
NOTE_LABELS = {
    "created": _("created"),
    "edited": _("edited"),
    "document_added": _("document added"),
    "document_removed": _("document removed"),
    "sample_attached": _("sample attached"),
    "objection_filed": _("objection filed"),
    "objection_dismissed": _("objection dismissed"),
    "filed": _("filed"),
    "invited": _("invited"),
    "resent": _("resent"),
    "contract_formed": _("contract formed"),
    "api_key_issued": _("API key issued"),
    "renewal_on": _("renewal turned on"),
    "renewal_off": _("renewal turned off"),
    "renewed": _("renewed"),
    "renewal_refused": _("not renewed: no longer on sale to this buyer"),
    "contract_changed": _("contract changed"),
}

# Who may take an action: a predicate over the acting user (None for the exchange's own automated
# work: Celery tasks and beat) and the object.
Who = Callable[[Any, Any], bool]


def by_system(actor, obj) -> bool:
    """The exchange's automated work (checks, the notice's end, expiry): no person acts."""
    return actor is None


@dataclass(frozen=True)
class Action:
    """One thing that can be done to a lifecycle object.

    ``sources`` are the states it acts from; ``target`` the state it leads to (``None``: it records
    something without moving the status, like a licence registered on a valid certificate);
    ``allowed(actor, obj)`` says who may take it, and ``who`` says so in words.
    """

    name: str
    label: Promise | str
    sources: frozenset
    target: Any
    allowed: Who
    who: Promise | str
    style: str = ""  # the button's look: "" (primary), "secondary" or "danger"
    reason: str = ""  # "required", "optional" or "" (no reason field)
    # A more precise refusal than "this is for <who>", when one applies (own organisation).
    refusal: Callable[[Any, Any], Exception | None] | None = None
    # False: taken only along with another action (a cascade), never offered on its own.
    offered: bool = True

    @property
    def slug(self) -> str:
        """The action's name in URLs (``start-review``)."""
        return self.name.replace("_", "-")

    def acts_from(self, status) -> bool:
        return status in self.sources

    def permits(self, actor, obj) -> bool:
        return bool(self.allowed(actor, obj))


@dataclass(frozen=True)
class Lifecycle:
    """A status enum, its actions, and the graph they make."""

    status: type[models.TextChoices]
    actions: tuple[Action, ...]
    initial: Any
    main_path: tuple = ()
    transitions: Mapping = field(init=False, repr=False)

    def __post_init__(self):
        names = [a.name for a in self.actions]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.status.__name__}: action names repeat: {sorted(names)}")
        for action in self.actions:
            strays = set(action.sources) - set(self.status)
            if (
                strays
                or not action.sources
                or (action.target is not None and action.target not in set(self.status))
            ):
                raise ValueError(f"{self.status.__name__}.{action.name}: unknown states")
        graph = {
            state: frozenset(
                a.target for a in self.actions if state in a.sources and a.target is not None
            )
            for state in self.status
        }
        object.__setattr__(self, "transitions", graph)

    def __getitem__(self, name: str) -> Action:
        for action in self.actions:
            if action.name == name:
                return action
        raise KeyError(f"{self.status.__name__} has no action {name!r}")

    def by_slug(self, slug: str) -> Action | None:
        return next((a for a in self.actions if a.slug == slug), None)

    @property
    def terminal(self) -> frozenset:
        """States no action leads out of."""
        return frozenset(
            s for s in self.status if not any(s in a.sources for a in self.actions if a.target)
        )

    def actions_from(self, status) -> list[Action]:
        return [a for a in self.actions if a.acts_from(self.status(status))]

    def available(self, actor, obj, *, status=None) -> list[Action]:
        """The actions ``actor`` may take on ``obj`` now (what pages and the API offer).

        ``status`` stands for ``obj.status`` where the status is derived, not stored.
        """
        status = self.status(obj.status if status is None else status)
        return [
            a for a in self.actions if a.offered and a.acts_from(status) and a.permits(actor, obj)
        ]


# Cascades: (model label, action name) → what a higher app does in the same transaction when that
# action is taken. The app below cannot call the one above (suspending a merchant suspends its
# listings), so the app above registers here, in its AppConfig.ready(); nothing else does.
_FOLLOWERS: dict[tuple[str, str], list[Callable]] = {}


def follow(model: type[models.Model], action_name: str, handler: Callable) -> None:
    """Run ``handler(obj=…, actor=…, reason=…)`` after ``action_name`` is taken on ``model``."""
    model.LIFECYCLE[action_name]  # a typo fails at start-up, not silently
    handlers = _FOLLOWERS.setdefault((model._meta.label, action_name), [])
    if handler not in handlers:
        handlers.append(handler)


def followers(model: type[models.Model], action_name: str) -> list[Callable]:
    return list(_FOLLOWERS.get((model._meta.label, action_name), ()))


def actor_display_name(actor) -> str:
    if actor is None:
        return ""
    return actor.get_full_name() or actor.get_username()


def check(obj: models.Model, action: Action, *, actor, status=None) -> None:
    """Refuse early, before other work, an action this actor may not take on ``obj`` now.

    ``status`` stands for ``obj.status`` where the status is derived, not stored (certificates).

    Raises:
        PermissionDeniedError (403) when ``actor`` is not who may take it; InvalidTransition (409)
        when ``obj``'s status is not one it acts from.
    """
    if not action.permits(actor, obj):
        precise = action.refusal(actor, obj) if action.refusal else None
        if precise is not None:
            raise precise
        raise PermissionDeniedError(
            _("“%(action)s” is for %(who)s."), params={"action": action.label, "who": action.who}
        )
    status = _status_enum(action)(obj.status if status is None else status)
    if not action.acts_from(status):
        raise InvalidTransition(status, action)


def take(
    obj: models.Model,
    action: Action,
    *,
    actor,
    reason: str = "",
    data: dict | None = None,
    locked: bool = False,
):
    """Take ``action`` on ``obj``: check it, move the status, append the event row.

    Runs inside the caller's transaction and re-reads the status with a row lock, so two
    concurrent actions on one object serialise and the second sees the first one's result. A
    caller that read ``obj`` itself with its row lock in this transaction says ``locked=True``.

    Raises:
        PermissionDeniedError (403); InvalidTransition (409).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lifecycle.take() must run inside the caller's transaction.")
    model = type(obj)
    if not locked:
        obj.status = (
            model.objects.select_for_update().values_list("status", flat=True).get(pk=obj.pk)
        )
    check(obj, action, actor=actor)
    from_status, to_status = _move(action, obj)
    if to_status != from_status:
        obj.status = to_status
        obj.save(update_fields=["status", "updated_at"])
    event = record_event(
        obj,
        kind=action.name,
        actor=actor,
        reason=reason,
        data=data,
        from_status=from_status,
        to_status=to_status,
    )
    for handler in followers(model, action.name):
        handler(obj=obj, actor=actor, reason=reason)
    return event


def take_many(
    objs: Sequence[models.Model],
    action: Action,
    *,
    actor=None,
    actors: Sequence | None = None,
    reason: Callable[[models.Model], str] = lambda obj: "",
    data: Callable[[models.Model], dict] = lambda obj: {},
    also_save: tuple[str, ...] = (),
) -> None:
    """``take`` on many objects of one model at once, each already read with its row lock in the
    caller's transaction: one UPDATE and one INSERT of events for all. ``actor`` takes them all,
    or ``actors`` gives each object's; ``reason`` and ``data`` give each object's. Checks every
    object before moving any.

    Raises:
        PermissionDeniedError (403); InvalidTransition (409).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lifecycle.take_many() must run inside the caller's transaction.")
    if not objs:
        return
    actors = list(actors) if actors is not None else [actor] * len(objs)
    if len(actors) != len(objs):
        raise ValueError("take_many() needs one actor per object.")
    for obj, actor in zip(objs, actors, strict=True):
        check(obj, action, actor=actor)
    model = type(objs[0])
    moves = []
    now, moment = timezone.now(), clock.now()
    for obj in objs:
        from_status, to_status = _move(action, obj)
        obj.status, obj.updated_at = to_status, now
        moves.append((obj, from_status, to_status))
    # One UPDATE per distinct set of new values (usually one): cheaper than a CASE per row.
    fields = [*also_save, "status", "updated_at"]
    groups: dict[tuple, list] = {}
    for obj in objs:
        groups.setdefault(tuple(getattr(obj, name) for name in fields), []).append(obj.pk)
    for values, pks in groups.items():
        model.objects.filter(pk__in=pks).update(**dict(zip(fields, values, strict=True)))
    _insert_events(
        objs[0],
        (
            (obj, action.name, actor, reason(obj), data(obj), from_status, to_status)
            for (obj, from_status, to_status), actor in zip(moves, actors, strict=True)
        ),
        moment,
    )
    for obj, actor in zip(objs, actors, strict=True):
        for handler in followers(model, action.name):
            handler(obj=obj, actor=actor, reason=reason(obj))


def take_where(queryset: models.QuerySet, action: Action, *, data: dict | None = None) -> int:
    """The exchange's own ``action`` on every row of ``queryset`` in a state it acts from, in two
    set-based statements: its events (INSERT … SELECT) and the move (one UPDATE). For automated
    steps over many rows (a settlement batch's orders): no person acts, so no per-row permission
    to ask; the state rule is the WHERE clause. Runs inside the caller's transaction, which holds
    the rows' locks. Returns how many moved.

    Raises:
        RuntimeError when the action is not the system's alone, outside a transaction, or when
        followers would have to run per row.
    """
    if action.allowed is not by_system:
        raise RuntimeError(f"take_where() takes system actions only, not {action.name!r}.")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lifecycle.take_where() must run inside the caller's transaction.")
    model = queryset.model
    if followers(model, action.name):
        raise RuntimeError(f"{model._meta.label} {action.name!r} has followers: use take_many().")
    sources = sorted(str(status) for status in action.sources)
    if len(sources) != 1:
        raise RuntimeError("take_where() moves rows from one state, for one event each.")
    (source,) = sources
    rows = queryset.filter(status=source).order_by().values("pk")
    ids_sql, ids_params = rows.query.sql_with_params()
    events = model._meta.get_field("events").related_model
    table, subject = events._meta.db_table, events._meta.get_field("subject").column
    now, moment = timezone.now(), clock.now()
    target = str(action.target)
    columns = [subject, *(events._meta.get_field(name).column for name in _EVENT_FIELDS)]
    payload = events._meta.get_field("data").get_db_prep_save(data or {}, connection)
    stamp = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT moved.pk, %s, %s, %s, NULL, '', '', %s, %s, %s, %s "
            f"FROM ({ids_sql}) moved",
            [action.name, source, target, payload, *map(stamp, (moment, now, now)), *ids_params],
        )
    return model.objects.filter(pk__in=rows).update(status=target, updated_at=now)


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
    """Append an event to ``obj``'s trail: an action taken, or a note such as an upload or an edit."""
    status = obj.status
    event = _event_row(
        obj,
        kind,
        actor,
        reason,
        data,
        from_status if from_status is not None else status,
        to_status if to_status is not None else status,
        clock.now(),
    )
    event.save()
    return event


def record_events(notes: Sequence[tuple[models.Model, str, Any, dict]]) -> None:
    """``record_event`` for many objects of one model in one insert: ``(obj, kind, actor,
    data)`` each, at the object's current status."""
    if not notes:
        return
    _insert_events(
        notes[0][0],
        ((obj, kind, actor, "", data, obj.status, obj.status) for obj, kind, actor, data in notes),
        clock.now(),
    )


_EVENT_FIELDS = (
    "kind",
    "from_status",
    "to_status",
    "actor",
    "actor_name",
    "reason",
    "data",
    "occurred_at",
    "created_at",
    "updated_at",
)


def _insert_events(sample: models.Model, events, occurred_at) -> None:
    """Append many events to the trails of objects of ``sample``'s model, in one insert (no
    model instances: a batch path writes them by the thousand). ``events`` yields ``(obj, kind,
    actor, reason, data, from_status, to_status)``."""
    trail = sample.events
    now = timezone.now()
    names: dict[int | None, str] = {}

    def name_of(actor) -> str:
        key = actor.pk if actor is not None else None
        if key not in names:
            names[key] = actor_display_name(actor)
        return names[key]

    bulk.insert(
        trail.model,
        (trail.field.name, *_EVENT_FIELDS),
        (
            (
                obj.pk,
                kind,
                str(from_status),
                str(to_status),
                actor.pk if actor is not None else None,
                name_of(actor),
                reason,
                data or {},
                occurred_at,
                now,
                now,
            )
            for obj, kind, actor, reason, data, from_status, to_status in events
        ),
    )


def _move(action: Action, obj: models.Model) -> tuple:
    """The status ``obj`` leaves and the one ``action`` takes it to (the same for a note-like
    action with no target)."""
    from_status = _status_enum(action)(obj.status)
    return from_status, from_status if action.target is None else action.target


def _event_row(obj, kind, actor, reason, data, from_status, to_status, occurred_at):
    """An unsaved event row on ``obj``'s trail."""
    events = obj.events
    return events.model(
        **{events.field.name: obj},
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_name=actor_display_name(actor),
        reason=reason,
        data=data or {},
        occurred_at=occurred_at,
    )


def event_labels(lifecycle: Lifecycle) -> dict[str, Any]:
    """What the timeline calls each kind of event: the action's label, or the note's."""
    return {
        **{s.value: s.label for s in lifecycle.status},
        **NOTE_LABELS,
        **{a.name: a.label for a in lifecycle.actions},
    }


def _status_enum(action: Action) -> type:
    return type(next(iter(action.sources)))


def graph_layout(
    transitions: Mapping[Any, frozenset], main_path: Iterable
) -> dict[Any, tuple[int, int]]:
    """Place each state of a machine on a grid: the main path on row 0, the rest below it.

    A side state sits in the column after its first predecessor that is already placed, on the
    first free row, so the drawn graph reads left to right like the process it shows.
    """
    main_path = list(main_path)
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
