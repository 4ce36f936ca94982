"""The rules of pricing plans (DOMAIN.md §3), one definition for the sheet and the sale item."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from exchange.errors import RuleViolation
from listings.models import PlanKind


def check_plans(plans: list[dict], *, at_least_one: bool) -> None:
    """One plan of each kind; a negotiated plan has no list price, every other one a price above
    zero. A sheet may be saved without plans (submission asks for them); a sale item needs one.

    Raises:
        RuleViolation on ``plans``: ``plans_required``, ``duplicate_plan``, ``unknown_plan``,
        ``negotiated_price``, ``price_required``.
    """
    if at_least_one and not plans:
        raise RuleViolation(
            _("Offer at least one pricing plan."), code="plans_required", field="plans"
        )
    kinds = [plan.get("kind") for plan in plans]
    if len(kinds) != len(set(kinds)):
        raise RuleViolation(_("One plan of each kind."), code="duplicate_plan", field="plans")
    for plan in plans:
        if plan.get("kind") not in PlanKind.values:
            raise RuleViolation(_("Unknown plan kind."), code="unknown_plan", field="plans")
        negotiated = plan["kind"] == PlanKind.NEGOTIATED
        price = plan.get("price_amount")
        if negotiated and price is not None:
            raise RuleViolation(
                _("A negotiated plan has no list price."), code="negotiated_price", field="plans"
            )
        if not negotiated and (price is None or Decimal(price) <= 0):
            raise RuleViolation(
                _("The %(plan)s plan needs a price above zero."),
                params={"plan": PlanKind(plan["kind"]).label},
                code="price_required",
                field="plans",
            )
