from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from exchange.models import BusinessClock, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only and audit rows: visible to operators, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BusinessClock)
class BusinessClockAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "simulated_now", "updated_at"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"


admin.site.site_header = _("Data Exchange Simulator · operations")
admin.site.site_title = _("Data Exchange Simulator")
