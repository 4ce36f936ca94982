"""Trading's refusals: each names the field or the order, and the rule."""

from django.utils.translation import gettext_lazy as _

from exchange.errors import ConflictError, PermissionDeniedError, RuleViolation


class NotAVerifiedBuyer(PermissionDeniedError):
    code = "not_a_verified_buyer"
    message_template = _(
        "Only verified buyers order: %(organisation)s has no verified buyer registration or "
        "signed merchant agreement."
    )


class NotOnSale(ConflictError):
    code = "not_on_sale"
    field = "listing"
    message_template = _("Listing %(listing)s is not on sale (it is %(status)s).")


class PlanNotOffered(RuleViolation):
    code = "plan_not_offered"
    field = "plan"
    message_template = _("Plan %(plan)s is not one of this listing's plans.")


class NegotiatedPlan(RuleViolation):
    code = "negotiated_plan"
    field = "plan"
    message_template = _(
        "A negotiated plan has no list price: its contract forms after a quote round, which "
        "this exchange does not run yet. Choose a plan with a price."
    )


class ScenarioNotDeclared(RuleViolation):
    code = "scenario_not_declared"
    field = "scenario"
    message_template = _(
        "The product is offered for %(declared)s; “%(scenario)s” is not one of its application "
        "scenarios."
    )


class TotalTooSmall(RuleViolation):
    code = "total_too_small"
    field = "quantity"
    message_template = _("%(quantity)s × %(price)s comes to less than ¥0.01; order more.")


class OwnProduct(PermissionDeniedError):
    code = "own_product"
    field = "listing"
    message_template = _("An organisation does not buy its own product.")


class AlreadyPaid(ConflictError):
    code = "already_paid"
    message_template = _(
        "Order %(order)s was paid with another Idempotency-Key; nothing more was moved."
    )
