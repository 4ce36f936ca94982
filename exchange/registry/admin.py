from django.contrib import admin

from exchange.admin import ReadOnlyAdmin
from exchange.registry.models import Certificate, CertificateSequence


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "kind",
        "registrant_name",
        "subject_label",
        "issued_at",
        "valid_until",
    ]
    list_filter = ["kind"]
    search_fields = [
        "number",
        "registrant_name",
        "registrant_credit_code",
        "subject_label",
        "digest",
    ]
    date_hierarchy = "issued_at"


@admin.register(CertificateSequence)
class CertificateSequenceAdmin(ReadOnlyAdmin):
    list_display = ["kind", "year", "last"]
