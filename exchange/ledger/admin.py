from django.contrib import admin

from exchange.admin import ReadOnlyAdmin
from exchange.ledger.models import Account, SealedDay, Transfer


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "owner", "purpose", "currency", "debits_must_not_exceed_credits"]
    list_filter = ["purpose", "currency"]
    search_fields = ["owner__name"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "key",
        "kind",
        "code",
        "debit_account",
        "credit_account",
        "money",
        "booked_at",
    ]
    list_filter = ["kind", "code", "currency", "business_date"]
    search_fields = ["key", "reference", "memo"]
    show_full_result_count = False


@admin.register(SealedDay)
class SealedDayAdmin(ReadOnlyAdmin):
    list_display = ["business_date", "transfers", "certificate", "sealed_at"]
