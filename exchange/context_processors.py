"""What every page needs: the navigation for the visitor's role and their unread count."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exchange.accounts.roles import MERCHANT_ROLES, Role
from exchange.models import Notification

# Everyone who works a product review queue, and the supervisors who watch them.
REVIEW_ROLES = (
    Role.COMPLIANCE_REVIEWER,
    Role.QUALITY_REVIEWER,
    Role.LISTING_COMMITTEE,
    Role.OPERATOR,
    Role.AUDITOR,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def navigation(request) -> dict:
    user = request.user
    items = [
        NavItem(_("Catalogue"), reverse("listings:catalog")),
        NavItem(_("Merchant directory"), reverse("merchants:directory")),
        NavItem(_("Registry"), reverse("registry:search")),
    ]
    if user.is_authenticated:
        if user.has_role(*MERCHANT_ROLES):
            items.append(NavItem(_("Our application"), reverse("merchants:mine")))
            items.append(NavItem(_("Our products"), reverse("listings:products")))
        if user.has_role(Role.OPERATOR, Role.AUDITOR):
            items.append(NavItem(_("Merchant queue"), reverse("merchants:queue")))
            items.append(NavItem(_("All applications"), reverse("merchants:all")))
        if user.has_role(*REVIEW_ROLES):
            items.append(NavItem(_("Review queues"), reverse("listings:reviews")))
        if user.has_role(Role.OPERATOR, Role.AUDITOR):
            items.append(NavItem(_("Queue health"), reverse("listings:queue-health")))
        if user.is_organisation_admin:
            items.append(NavItem(_("Members"), reverse("accounts:members")))
        if user.is_staff:
            items.append(NavItem(_("Admin"), reverse("admin:index")))
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    else:
        unread = 0
    return {"nav_items": items, "unread_notifications": unread}
