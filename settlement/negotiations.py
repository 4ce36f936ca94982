"""Negotiated plans (协议交易): a plan without a list price is traded after a quote round. The
buyer asks with its requirements; the merchant quotes; the buyer accepts or counters; the merchant
quotes again or accepts the counter-offer; either side may decline while it is open. Accepting the
other side's last price forms the contract at once: an order at that price, registered like every
contract, whose terms record the negotiation and the offer agreed. Each step is one transaction.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from exchange import clock, lifecycle
from exchange.errors import RuleViolation
from listings.models import Listing, ListingPlan, PlanKind, Scenario
from settlement import services
from settlement.errors import PlanHasPrice
from settlement.models import Negotiation, Offer, Side
from settlement.states import NEGOTIATION_LIFECYCLE

MAX_PRICE = Decimal("1000000000000.00")


@transaction.atomic
def request_quote(
    *, actor, listing: Listing, plan: ListingPlan, scenario: Scenario, requirements: str
) -> Negotiation:
    """A verified buyer asks the merchant to quote a negotiated plan for ``scenario``.

    Raises:
        NotAVerifiedBuyer, OwnProduct (403); NotOnSale (409); PlanNotOffered, PlanHasPrice,
        ScenarioNotDeclared, RuleViolation on ``requirements`` (400).
    """
    listing = services.check_offer(actor=actor, listing=listing, plan=plan, scenario=scenario)
    if plan.kind != PlanKind.NEGOTIATED:
        raise PlanHasPrice(params={"plan": plan.pk})
    requirements = (requirements or "").strip()
    if not requirements:
        raise RuleViolation(
            _("Say what you need: the data, the volume, the period, the delivery."),
            code="required",
            field="requirements",
        )
    negotiation = Negotiation(
        buyer=actor.organisation,
        merchant=listing.product.merchant,
        listing=listing,
        plan=plan,
        scenario=scenario,
        requirements=requirements,
        currency=plan.currency,
        requested_by=actor,
    )
    negotiation.full_clean(exclude=["order"])
    negotiation.save()
    lifecycle.record_event(negotiation, kind="created", actor=actor)
    return negotiation


def _price(amount) -> Decimal:
    try:
        price = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError) as error:
        raise RuleViolation(
            _("The price is an amount in yuan, such as 120000.00."),
            code="invalid",
            field="amount",
        ) from error
    if not price.is_finite() or price <= 0 or price > MAX_PRICE or -price.as_tuple().exponent > 2:
        raise RuleViolation(
            _("The price is more than ¥0 and at most ¥%(max)s, to the fen (two decimals).")
            % {"max": f"{MAX_PRICE:,.2f}"},
            code="price_out_of_range",
            field="amount",
        )
    return price


def _offer(negotiation: Negotiation, name: str, side: str, *, actor, amount, note: str) -> Offer:
    negotiation = Negotiation.objects.select_for_update().get(pk=negotiation.pk)
    action = NEGOTIATION_LIFECYCLE[name]
    lifecycle.check(negotiation, action, actor=actor)
    price = _price(amount)
    offer = Offer.objects.create(
        negotiation=negotiation,
        side=side,
        amount=price,
        currency=negotiation.currency,
        note=(note or "").strip(),
        made_by=actor,
        made_at=clock.now(),
    )
    lifecycle.take(
        negotiation,
        action,
        actor=actor,
        locked=True,
        data={"amount": format(price, "f"), "currency": negotiation.currency},
    )
    return offer


@transaction.atomic
def quote(negotiation: Negotiation, *, actor, amount, note: str = "") -> Offer:
    """The merchant names its price (first, or in answer to a counter-offer)."""
    return _offer(negotiation, "quote", Side.MERCHANT, actor=actor, amount=amount, note=note)


@transaction.atomic
def counter(negotiation: Negotiation, *, actor, amount, note: str = "") -> Offer:
    """The buyer answers the merchant's quote with a price of its own."""
    return _offer(negotiation, "counter", Side.BUYER, actor=actor, amount=amount, note=note)


@transaction.atomic
def agree(negotiation: Negotiation, *, actor, name: str = "agree") -> Negotiation:
    """Accept the other side's last price: the buyer a quote (``agree``), the merchant a
    counter-offer (``agree_counter``). The contract forms at that price (the order, registered),
    if the listing is still on sale."""
    negotiation = (
        Negotiation.objects.select_for_update(of=("self",))
        .select_related("listing", "plan", "scenario")
        .get(pk=negotiation.pk)
    )
    action = NEGOTIATION_LIFECYCLE[name]
    lifecycle.check(negotiation, action, actor=actor)
    offer = negotiation.last_offer
    buyer_side = actor if offer.side == Side.MERCHANT else offer.made_by
    listing = services.check_offer(
        actor=buyer_side,
        listing=negotiation.listing,
        plan=negotiation.plan,
        scenario=negotiation.scenario,
    )
    order = services.form_contract(
        placed_by=buyer_side,
        actor=actor,
        listing=listing,
        plan=negotiation.plan,
        scenario=negotiation.scenario,
        quantity=1,
        unit_price=offer.amount,
        extra_terms={
            "agreed": {
                "negotiation": negotiation.pk,
                "offer": offer.pk,
                "by": offer.side,
                "requirements": negotiation.requirements,
            }
        },
    )
    negotiation.order = order
    negotiation.save(update_fields=["order", "updated_at"])
    lifecycle.take(
        negotiation,
        action,
        actor=actor,
        locked=True,
        data={"order": order.pk, "amount": format(offer.amount, "f")},
    )
    return negotiation


@transaction.atomic
def decline(negotiation: Negotiation, *, actor, reason: str) -> Negotiation:
    """Either side ends an open negotiation, saying why; no contract forms."""
    negotiation = Negotiation.objects.select_for_update().get(pk=negotiation.pk)
    action = NEGOTIATION_LIFECYCLE["decline"]
    lifecycle.check(negotiation, action, actor=actor)
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(
            _("Say why you decline: the other side reads it."), code="required", field="reason"
        )
    lifecycle.take(negotiation, action, actor=actor, reason=reason, locked=True)
    return negotiation


def take(negotiation: Negotiation, name: str, *, actor, **data):
    """The page's and the API's one way in: the action ``name`` with its form's data."""
    if name in ("agree", "agree_counter"):
        return agree(negotiation, actor=actor, name=name)
    if name == "decline":
        return decline(negotiation, actor=actor, reason=data.get("reason", ""))
    step = {"quote": quote, "counter": counter}[name]
    return step(negotiation, actor=actor, amount=data.get("amount"), note=data.get("note", ""))
