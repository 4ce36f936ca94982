"""What every page needs: the navigation for the visitor's role and their unread count.

The exchange's own work (queues, health, the business clock) is one "Work" menu, so that an
operator's navigation fits one row.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exchange.accounts.roles import EXCHANGE_STAFF_ROLES, MERCHANT_ROLES, SUPERVISOR_ROLES, Role
from exchange.ledger import permissions as ledger_permissions
from exchange.models import Notification
from listings.permissions import REVIEWER_ROLES
from settlement import permissions as settlement_permissions

# Everyone who works a product review queue, and the supervisors who watch them.
REVIEW_ROLES = REVIEWER_ROLES | SUPERVISOR_ROLES


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str = ""
    children: list["NavItem"] = field(default_factory=list)

    def contains(self, path: str) -> bool:
        return path == self.url or any(child.contains(path) for child in self.children)


def navigation(request) -> dict:
    user = request.user
    items = [
        NavItem(_("Catalogue"), reverse("listings:catalog")),
        NavItem(_("Public notices"), reverse("listings:notices")),
        NavItem(_("Merchant directory"), reverse("merchants:directory")),
        NavItem(_("Registry"), reverse("registry:search")),
    ]
    unread = 0
    if user.is_authenticated:
        if user.has_role(*MERCHANT_ROLES):
            items.append(NavItem(_("Our application"), reverse("merchants:mine")))
            items.append(NavItem(_("Our products"), reverse("listings:products")))
        if settlement_permissions.acts_for_buyer(user, user.organisation):
            items.append(NavItem(_("Orders"), reverse("settlement:orders")))
            items.append(NavItem(_("Quotes"), reverse("settlement:negotiations")))
        if ledger_permissions.may_move_funds(user, user.organisation):
            items.append(NavItem(_("Funds"), reverse("ledger:funds")))
        if settlement_permissions.sees_statements(user) and not (
            settlement_permissions.sees_all_orders(user)
        ):
            items.append(NavItem(_("Statements"), reverse("settlement:batches")))
        work = _work(user)
        if work:
            items.append(NavItem(_("Work"), children=work))
        admin = []
        if user.is_organisation_admin:
            admin.append(NavItem(_("Members"), reverse("accounts:members")))
        if user.is_staff:
            admin.append(NavItem(_("Admin"), reverse("admin:index")))
        if admin:
            items.append(NavItem(_("Manage"), children=admin))
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return {
        "nav_items": items,
        "nav_current": next((i for i in items if i.contains(request.path)), None),
        "unread_notifications": unread,
    }


def _work(user) -> list[NavItem]:
    work = []
    if user.has_role(*SUPERVISOR_ROLES):
        work.append(NavItem(_("Merchant queue"), reverse("merchants:queue")))
        work.append(NavItem(_("All applications"), reverse("merchants:all")))
    if user.has_role(*REVIEW_ROLES):
        work.append(NavItem(_("Review queues"), reverse("listings:reviews")))
    if user.has_role(*SUPERVISOR_ROLES):
        work.append(NavItem(_("Queue health"), reverse("listings:queue-health")))
    if settlement_permissions.sees_all_orders(user):
        work.append(NavItem(_("All orders"), reverse("settlement:orders")))
        work.append(NavItem(_("Settlement batches"), reverse("settlement:batches")))
        work.append(NavItem(_("Quotes"), reverse("settlement:negotiations")))
    if settlement_permissions.sees_disputes(user):
        work.append(NavItem(_("Disputes"), reverse("settlement:disputes")))
    if user.has_role(Role.OPERATOR):
        work.append(NavItem(_("Buyer verification"), reverse("settlement:buyers")))
    if ledger_permissions.sees_all(user):
        work.append(NavItem(_("Bank queue"), reverse("ledger:bank")))
        work.append(NavItem(_("Ledger accounts"), reverse("ledger:funds")))
        work.append(NavItem(_("Reconciliation"), reverse("ledger:reconcile")))
    if user.has_role(*EXCHANGE_STAFF_ROLES):
        work.append(NavItem(_("Business clock"), reverse("clock")))
    return work
