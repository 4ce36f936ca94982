"""Who may see which rows: one rule per model and action, read by the pages and the API alike.

After NetBox's ``RestrictedQuerySet.restrict(user, action)``. A scoped model's queryset class
declares, for each action, a ``Q`` over the model's own fields (``rule``), and every reader asks
that one rule, so the pages and the API cannot disagree:

- ``Model.objects.restrict(user, action)``: the rows ``user`` may see for ``action``; a row
  outside it is *not found* (404), never forbidden (STYLE §6);
- ``queryset.annotate_permission(user, action)``: every row, with a boolean ``may_<action>``, for
  field-level decisions in a list at a fixed number of queries;
- ``permits(user, action, obj)``: the same decision for one row already loaded.

The actions:

- ``VIEW``: the row exists for you; you see its public fields (a merchant's name, credit code,
  categories and district in the directory; a registered product's description sheet);
- ``VIEW_INTERNALS``: what its organisation and the exchange's staff work with: contacts,
  qualification documents, samples and material, automated-check reports, reviews with the
  reviewers' reasons, and the audit trail (members and supervisors only).

A child row (a document, an event) has its parent's rule, followed through the foreign key with
``prefixed``. Rules follow only to-one relations, so a restricted queryset never repeats a row.
"""

from django.db import models
from django.db.models import Case, Q, Value, When

VIEW = "view"
VIEW_INTERNALS = "view_internals"
ACTIONS = (VIEW, VIEW_INTERNALS)

# An empty Q matches every row; ``pk__in=[]`` matches none (Django answers it without a query).
EVERYTHING = Q()
NOTHING = Q(pk__in=[])


def is_signed_in(user) -> bool:
    """An active, authenticated person (``None`` and anonymous visitors are not)."""
    return user is not None and user.is_authenticated and user.is_active


def prefixed(condition: Q, prefix: str) -> Q:
    """The same condition about the row reached through ``prefix`` (e.g. ``"merchant__"``)."""
    children = [
        prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in condition.children
    ]
    return Q.create(children, connector=condition.connector, negated=condition.negated)


class RestrictedQuerySet(models.QuerySet):
    """A queryset whose model declares who may see which rows (see the module docstring)."""

    def rule(self, user, action: str) -> Q:
        """The rows ``user`` may see for ``action``, as a condition on this model's fields."""
        raise NotImplementedError(f"{type(self).__name__} declares no rule")

    def _checked_rule(self, user, action: str) -> Q:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; one of {ACTIONS}")
        return self.rule(user, action)

    def restrict(self, user, action: str = VIEW):
        return self.filter(self._checked_rule(user, action))

    def annotate_permission(self, user, action: str):
        condition = self._checked_rule(user, action)
        allowed = (
            Value(True)
            if condition == EVERYTHING
            else Case(When(condition, then=Value(True)), default=Value(False))
        )
        return self.annotate(**{f"may_{action}": allowed})


def permits(user, action: str, obj) -> bool:
    """Whether ``user`` may see ``obj`` for ``action``: the queryset's rule, for one row.

    Reads the ``may_<action>`` annotation when ``obj`` came from ``annotate_permission`` (for the
    same user: querysets are built per request), and asks the database otherwise.
    """
    annotated = getattr(obj, f"may_{action}", None)
    if annotated is not None:
        return bool(annotated)
    return type(obj)._default_manager.restrict(user, action).filter(pk=obj.pk).exists()
