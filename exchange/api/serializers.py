"""Serializer fields every app's API shares."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


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
