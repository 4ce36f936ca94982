"""Operators' admin for products, reviews and listings. State changes go through the services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from exchange.admin import ReadOnlyAdmin
from exchange.errors import DomainError
from exchange.money import format_amount
from listings import services
from listings.models import (
    Board,
    CatalogEntry,
    CheckReport,
    Listing,
    ListingEvent,
    Objection,
    ObjectionEvent,
    Product,
    ProductVersion,
    Review,
    Scenario,
    VersionEvent,
)


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "min_quality_grade", "position"]
    list_filter = ["kind", "min_quality_grade"]
    search_fields = ["code", "name_zh", "name_en"]
    list_editable = ["min_quality_grade"]


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "position"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "merchant", "registered_version", "created_at"]
    search_fields = ["versions__name", "merchant__company_name"]
    list_select_related = ["merchant", "registered_version"]


class VersionEventInline(admin.TabularInline):
    model = VersionEvent
    fields = ["occurred_at", "actor_name", "kind", "from_status", "to_status", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProductVersion)
class ProductVersionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "number",
        "product",
        "status",
        "board",
        "classification",
        "quality_grade",
        "submitted_at",
    ]
    list_filter = ["status", "board", "classification", "is_senior_compliance", "product_type"]
    search_fields = ["name", "product__merchant__company_name"]
    list_select_related = ["product", "board"]
    readonly_fields = [field.name for field in ProductVersion._meta.fields] + ["scenarios"]
    inlines = [VersionEventInline]
    actions = ["close_notice"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description=_("Register now if the public notice is over"), permissions=["change"]
    )
    def close_notice(self, request, queryset):
        done = sum(
            1
            for version in queryset
            if services.register_version(version_id=version.pk) is not None
        )
        self.message_user(request, _("%(count)d registered.") % {"count": done}, messages.SUCCESS)


@admin.register(CheckReport)
class CheckReportAdmin(ReadOnlyAdmin):
    list_display = [
        "version",
        "risk_level",
        "is_senior",
        "is_blocking",
        "duration_ms",
        "created_at",
    ]
    list_filter = ["risk_level", "is_senior", "is_blocking"]
    list_select_related = ["version"]


@admin.register(VersionEvent)
class VersionEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "subject", "kind", "from_status", "to_status", "actor_name"]
    list_filter = ["kind", "to_status"]
    search_fields = ["subject__name", "actor_name", "reason"]
    list_select_related = ["subject"]


@admin.register(ObjectionEvent)
class ObjectionEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "subject", "kind", "from_status", "to_status", "actor_name"]
    list_filter = ["kind", "to_status"]
    search_fields = ["actor_name", "reason"]
    list_select_related = ["subject"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = [
        "stage",
        "version",
        "listing",
        "reviewer",
        "claimed_at",
        "decision",
        "decided_at",
        "released_at",
    ]
    list_filter = ["stage", "decision"]
    search_fields = ["reviewer__username", "version__name"]
    list_select_related = ["version", "listing", "reviewer"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["version", "filed_by", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["version__name", "reason"]
    list_select_related = ["version", "filed_by", "decided_by"]


def listing_action(service, description, reason):
    def action(modeladmin, request, queryset):
        for listing in queryset:
            try:
                service(listing=listing, actor=request.user, reason=str(reason))
            except DomainError as error:
                modeladmin.message_user(request, f"{listing}: {error.message}", messages.ERROR)

    action.short_description = description
    action.__name__ = service.__name__
    action.allowed_permissions = ("change",)
    return action


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "submitted_at", "listed_at"]
    list_filter = ["status", "boards"]
    search_fields = ["product__versions__name", "product__merchant__company_name"]
    list_select_related = ["product__registered_version", "product__merchant"]
    readonly_fields = [field.name for field in Listing._meta.fields] + ["boards"]
    actions = [
        listing_action(
            services.suspend_listing, _("Suspend"), _("Suspended by the exchange (admin).")
        ),
        listing_action(services.reinstate_listing, _("Put back on sale"), ""),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ListingEvent)
class ListingEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "subject", "kind", "from_status", "to_status", "actor_name"]
    list_filter = ["kind", "to_status"]
    list_select_related = ["subject"]


@admin.register(CatalogEntry)
class CatalogEntryAdmin(ReadOnlyAdmin):
    list_display = ["name", "merchant_name", "product_type", "lowest_price", "listed_at"]
    search_fields = ["name", "merchant_name"]

    @admin.display(description=_("lowest price"), ordering="min_price_amount")
    def lowest_price(self, entry):
        return format_amount(entry.min_price_amount)
