"""Operators' admin for merchants. Status changes only through actions that call the services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from exchange.admin import ReadOnlyAdmin
from exchange.errors import DomainError
from merchants import services
from merchants.models import Agreement, Category, Merchant, MerchantDocument, MerchantEvent


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the applicant sees it)"), widget=forms.Textarea, max_length=2000
    )


def service_action(service, description: str, *, needs_reason: bool = False):
    """An admin action that calls ``service`` for each selected merchant, one transaction each."""

    def action(modeladmin, request, queryset):
        arguments = {}
        if needs_reason:
            form = ReasonForm(request.POST if "apply" in request.POST else None)
            if not form.is_valid():
                context = {
                    **modeladmin.admin_site.each_context(request),
                    "title": description,
                    "form": form,
                    "queryset": queryset,
                    "action": request.POST["action"],
                    "opts": modeladmin.model._meta,
                }
                return TemplateResponse(request, "admin/merchants/reason_action.html", context)
            arguments["reason"] = form.cleaned_data["reason"]
        done = 0
        for merchant in queryset:
            try:
                service(merchant=merchant, actor=request.user, **arguments)
                done += 1
            except (DomainError, ValidationError) as error:
                text = (
                    error.message if isinstance(error, DomainError) else "; ".join(error.messages)
                )
                modeladmin.message_user(request, f"{merchant.company_name}: {text}", messages.ERROR)
        if done:
            modeladmin.message_user(
                request, _("%(count)d done.") % {"count": done}, messages.SUCCESS
            )
        return None

    action.short_description = description
    action.__name__ = service.__name__
    action.allowed_permissions = ("change",)  # auditors look, never act
    return action


class EventInline(admin.TabularInline):
    model = MerchantEvent
    fields = ["occurred_at", "actor_name", "kind", "from_status", "to_status", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class DocumentInline(admin.TabularInline):
    model = MerchantDocument
    fields = ["kind", "original_name", "content_type", "size", "sha256", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = [
        "company_name",
        "credit_code",
        "organisation",
        "status",
        "district",
        "dcmm_level",
        "submitted_at",
        "reviewer",
    ]
    list_filter = ["status", "district", "dcmm_level", "categories", "legal_status"]
    search_fields = ["company_name", "credit_code", "organisation__name"]
    list_select_related = ["organisation", "reviewer"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Merchant._meta.fields] + ["categories"]
    inlines = [DocumentInline, EventInline]
    actions = [
        service_action(services.start_review, _("Start review")),
        service_action(services.approve_application, _("Approve")),
        service_action(
            services.request_information, _("Ask for more information"), needs_reason=True
        ),
        service_action(services.reject_application, _("Reject"), needs_reason=True),
        service_action(services.issue_agreement, _("Issue the agreement (default term)")),
        service_action(services.suspend_merchant, _("Suspend"), needs_reason=True),
        service_action(services.reinstate_merchant, _("Lift the suspension")),
        service_action(services.terminate_merchant, _("Terminate"), needs_reason=True),
    ]

    def has_add_permission(self, request):
        return False  # applications are opened by applicants, through the service

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MerchantEvent)
class MerchantEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "subject", "kind", "from_status", "to_status", "actor_name"]
    list_filter = ["kind", "to_status"]
    search_fields = ["subject__company_name", "actor_name", "reason"]
    list_select_related = ["subject"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ["number", "merchant", "term_months", "issued_at", "signed_on", "ends_on"]
    search_fields = ["number", "merchant__company_name"]
    list_select_related = ["merchant"]


@admin.register(MerchantDocument)
class MerchantDocumentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "merchant", "kind", "size", "created_at"]
    list_filter = ["kind"]
    search_fields = ["original_name", "merchant__company_name", "sha256"]
    list_select_related = ["merchant"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "parent", "position"]
    list_filter = ["parent"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["parent"]
