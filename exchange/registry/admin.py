from django.contrib import admin

from exchange.admin import ReadOnlyAdmin
from exchange.registry import tiles
from exchange.registry.models import (
    Certificate,
    CertificateSequence,
    Checkpoint,
    LogBundlePart,
    LogKey,
    RegisteredData,
)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "kind",
        "action",
        "registrant_name",
        "subject_label",
        "issued_at",
        "valid_until",
        "log_index",
    ]
    list_filter = ["kind", "action"]
    search_fields = [
        "number",
        "registrant_name",
        "registrant_credit_code",
        "subject_label",
        "digest",
    ]
    date_hierarchy = "issued_at"
    list_select_related = ["original"]


@admin.register(CertificateSequence)
class CertificateSequenceAdmin(ReadOnlyAdmin):
    list_display = ["kind", "year", "last"]


@admin.register(RegisteredData)
class RegisteredDataAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "registrant_name", "book_value", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "registrant_name", "registrant_credit_code"]


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["size", "signed_at", "key"]
    fields = ["size", "note", "key", "signed_at"]


@admin.register(LogBundlePart)
class LogBundlePartAdmin(ReadOnlyAdmin):
    list_display = ["first", "count", "text"]
    fields = ["first", "count", "text"]
    show_full_result_count = False

    @admin.display(description="entries")
    def text(self, part):
        entries = tiles.unpack_entries(bytes(part.data))
        return "\n".join(entry.decode("utf-8", errors="replace") for entry in entries)


@admin.register(LogKey)
class LogKeyAdmin(ReadOnlyAdmin):
    list_display = ["name", "created_at"]
    fields = ["name", "created_at"]  # never the private seed
