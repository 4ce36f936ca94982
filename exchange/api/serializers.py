"""Serializer helpers shared by the apps' APIs."""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exchange.scoping import VIEW_INTERNALS, permits


class ModelSerializer(serializers.ModelSerializer):
    """The house base for the API's output serializers of models (inputs are plain Serializers,
    STYLE §9): every field is read-only and admits what the rows hold.

    DRF drops ``allow_blank`` from read-only fields, and a field declared by hand (a relation
    with a ``source``, a nested serializer) does not learn that its column may be NULL. The schema
    then promises an enum without the blank "not given" value, or a string where a row has null,
    and real rows break it (issue 8 §3). Here every field whose source is a model field takes
    ``allow_null`` from a nullable column (or a nullable relation on the way) and ``allow_blank``
    from a blank text column, so drf-spectacular documents both.
    """

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            field.read_only, field.required = True, False
            if field.source == "*":
                continue
            path = _model_path(self.Meta.model, (field.source or name).split("."))
            if not path:
                continue
            if any(step.null for step in path):
                field.allow_null = True
            if path[-1].blank and isinstance(
                field, serializers.CharField | serializers.ChoiceField
            ):
                field.allow_blank = True
        return fields


def _model_path(model, attributes: list[str]) -> list:
    """The concrete model fields a dotted source walks through, or [] if it leaves the model."""
    path = []
    for attribute in attributes:
        try:
            model_field = model._meta.get_field(attribute)
        except FieldDoesNotExist:
            return []
        if not model_field.concrete:
            return []
        path.append(model_field)
        model = model_field.related_model
        if model is None:
            break
    return path if len(path) == len(attributes) else []


class InternalFieldsMixin:
    """Fields only for those who may see the row's internals (``exchange.scoping``): members of
    its organisation and the exchange's supervisors. Everyone else gets ``null`` in their place,
    and the schema says so (each field is declared nullable).

    The decision is the queryset's rule for the request's user, read from the ``may_view_internals``
    annotation when the row carries it. Without a request there is nobody to show them to.
    """

    internal_fields: tuple[str, ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        for name in self.internal_fields:
            fields[name].allow_null = True
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not permits(user, VIEW_INTERNALS, instance):
            for name in self.internal_fields:
                data[name] = None
        return data


@extend_schema_field(serializers.ListField(child=serializers.CharField()))
class AvailableActionsField(serializers.Field):
    """The lifecycle actions the caller may take on this object now, by the name of their POST
    action (``start-review`` is ``POST …/start-review/``): the same declarations the pages read."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        kwargs.setdefault(
            "help_text",
            "Actions you may take now (POST …/<action>/); review decisions go through decide/.",
        )
        super().__init__(**kwargs)

    def to_representation(self, obj):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return [action.slug for action in type(obj).LIFECYCLE.available(user, obj)]
