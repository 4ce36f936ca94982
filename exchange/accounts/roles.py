"""Organisations' kinds and people's roles, and which roles each kind of organisation may hold."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    EXCHANGE = "exchange", _("Exchange operator")
    MERCHANT = "merchant", _("Data merchant")
    BUYER = "buyer", _("Buyer")
    SERVICE_PROVIDER = "service_provider", _("Third-party service provider")


class Role(models.TextChoices):
    MERCHANT_STAFF = "merchant_staff", _("Merchant staff")
    MERCHANT_ADMIN = "merchant_admin", _("Merchant admin")
    BUYER = "buyer", _("Buyer")
    COMPLIANCE_REVIEWER = "compliance_reviewer", _("Compliance reviewer")
    QUALITY_REVIEWER = "quality_reviewer", _("Quality reviewer")
    LISTING_COMMITTEE = "listing_committee", _("Listing committee")
    SETTLEMENT_OPERATOR = "settlement_operator", _("Settlement operator")
    ARBITRATOR = "arbitrator", _("Arbitrator")
    OPERATOR = "operator", _("Exchange operator/admin")
    AUDITOR = "auditor", _("Auditor (read-only)")


# Which roles a member of each kind of organisation may hold. Third-party assessors are
# category-3 data merchants (DOMAIN.md §1), so they also hold merchant roles; the exchange's own
# data business may apply as a merchant too (and then its operators may not review it).
# Arbitrators sit at the exchange's dispute desk or at an arbitration commission (a third party,
# such as the Shanghai Arbitration Commission's Data Arbitration Centre, DOMAIN.md §8a).
ROLES_BY_KIND: dict[OrganisationKind, frozenset[Role]] = {
    OrganisationKind.EXCHANGE: frozenset(
        {
            Role.OPERATOR,
            Role.COMPLIANCE_REVIEWER,
            Role.QUALITY_REVIEWER,
            Role.LISTING_COMMITTEE,
            Role.SETTLEMENT_OPERATOR,
            Role.ARBITRATOR,
            Role.AUDITOR,
            Role.MERCHANT_ADMIN,
            Role.MERCHANT_STAFF,
        }
    ),
    OrganisationKind.MERCHANT: frozenset({Role.MERCHANT_ADMIN, Role.MERCHANT_STAFF, Role.BUYER}),
    OrganisationKind.BUYER: frozenset({Role.BUYER}),
    OrganisationKind.SERVICE_PROVIDER: frozenset(
        {
            Role.COMPLIANCE_REVIEWER,
            Role.QUALITY_REVIEWER,
            Role.ARBITRATOR,
            Role.MERCHANT_ADMIN,
            Role.MERCHANT_STAFF,
        }
    ),
}

# Who administers an organisation's members: the role that may invite, and the roles it may grant.
ADMIN_ROLES: frozenset[Role] = frozenset({Role.MERCHANT_ADMIN, Role.OPERATOR, Role.BUYER})

# Exchange staff: they see every submitted application (not other organisations' drafts).
EXCHANGE_STAFF_ROLES: frozenset[Role] = frozenset(
    {
        Role.OPERATOR,
        Role.COMPLIANCE_REVIEWER,
        Role.QUALITY_REVIEWER,
        Role.LISTING_COMMITTEE,
        Role.SETTLEMENT_OPERATOR,
        Role.AUDITOR,
    }
)
MERCHANT_ROLES: frozenset[Role] = frozenset({Role.MERCHANT_ADMIN, Role.MERCHANT_STAFF})
# Who oversees the exchange's work: sees every submitted application and product (never others'
# drafts), every queue and its health.
SUPERVISOR_ROLES: frozenset[Role] = frozenset({Role.OPERATOR, Role.AUDITOR})
