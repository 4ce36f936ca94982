"""Filters shared by the API's lists."""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

# Ids fit a signed 64-bit column; anything else is a validation error, never a database overflow.
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    field_class = IdField
