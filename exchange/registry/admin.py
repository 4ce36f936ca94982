from django.contrib import admin

from exchange.admin import ReadOnlyAdmin
from exchange.registry.models import (
    Certificate,
    CertificateSequence,
    Checkpoint,
    LogEntry,
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


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ["index", "text"]
    fields = ["index", "text"]
    show_full_result_count = False

    @admin.display(description="entry")
    def text(self, entry):
        return bytes(entry.data).decode("utf-8", errors="replace")


@admin.register(LogKey)
class LogKeyAdmin(ReadOnlyAdmin):
    list_display = ["name", "created_at"]
    fields = ["name", "created_at"]  # never the private seed
