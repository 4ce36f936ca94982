"""The API's router: numeric ids in URLs are matched by the route itself.

An id that is not 1–18 digits never reaches a view, so ``/api/things/null/`` or an id too large
for the database is a plain 404 rather than an error deep in a query.
"""

from rest_framework.routers import SimpleRouter

ID_PATTERN = "[0-9]{1,18}"


class Router(SimpleRouter):
    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if getattr(viewset, "lookup_field", "pk") == "pk" and not hasattr(
            viewset, "lookup_value_regex"
        ):
            viewset.lookup_value_regex = ID_PATTERN
        return super().get_lookup_regex(viewset, lookup_prefix)
