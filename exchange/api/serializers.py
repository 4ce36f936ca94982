"""Serializer helpers shared by the apps' APIs."""

from exchange.scoping import VIEW_INTERNALS, permits


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
