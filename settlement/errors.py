"""Trading's refusals: each names the field or the order, and the rule."""

from django.utils.translation import gettext_lazy as _

from exchange.errors import ConflictError, DomainError, PermissionDeniedError, RuleViolation


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
        "Plan %(plan)s is negotiated: it has no list price. Request a quote "
        "(POST /api/negotiations/, or “Request a quote” on the product page); the contract "
        "forms when one side accepts the other's price."
    )


class PlanHasPrice(RuleViolation):
    code = "plan_has_price"
    field = "plan"
    message_template = _("Plan %(plan)s has a list price: order it directly, no quote is needed.")


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


class ModeNotDeclared(RuleViolation):
    code = "mode_not_declared"
    field = "mode"
    message_template = _(
        "The product's description sheet offers delivery by %(declared)s, not by %(mode)s."
    )


class GatewayKeyInvalid(DomainError):
    code = "invalid_key"
    http_status = 401
    field = "Authorization"
    message_template = _(
        "Send the order's API key as “Authorization: Bearer <key>”; this key is not valid "
        "(a new key replaces the old one)."
    )


class GatewayExpired(PermissionDeniedError):
    code = "access_expired"
    message_template = _("This order's API access ended at %(until)s.")


class GatewayOrderClosed(PermissionDeniedError):
    code = "order_closed"
    message_template = _("Order %(order)s gives no access to its data now (it is %(status)s).")


class QuotaExhausted(DomainError):
    code = "quota_exhausted"
    http_status = 429
    message_template = _("This order's %(quota)s API calls are used up.")
