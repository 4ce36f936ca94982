"""Trading's services: buyers' verification, placing an order (its contract registered in the
certificate log), paying it into escrow and cancelling it. Views and the API call these; each
state change is one transaction, and money moves only through the ledger.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from exchange import clock, lifecycle
from exchange.accounts.models import Organisation
from exchange.api.idempotency import HEADER
from exchange.creditcode import validate_credit_code
from exchange.errors import PermissionDeniedError, RuleViolation
from exchange.ledger import services as ledger
from exchange.ledger.models import AccountPurpose
from exchange.money import Money
from exchange.registry import services as registry
from exchange.registry.models import CertificateKind
from exchange.tasks import enqueue_on_commit
from exchange.validators import is_idempotency_key
from listings.models import Listing, ListingPlan, PlanKind, Scenario
from listings.states import ListingStatus
from merchants.models import Merchant
from merchants.states import MerchantStatus
from settlement import clearing, permissions
from settlement.errors import (
    AlreadyPaid,
    NegotiatedPlan,
    NotAVerifiedBuyer,
    NotOnSale,
    OwnProduct,
    PlanNotOffered,
    ScenarioNotDeclared,
    TotalTooSmall,
)
from settlement.models import Buyer, Contract, Order, Payment
from settlement.states import (
    BUYER_LIFECYCLE,
    HELD,
    ORDER_LIFECYCLE,
    BuyerStatus,
    OrderStatus,
)

CONTRACT_SUBJECT = "contract"

# --- buyers ----------------------------------------------------------------------------------------


@transaction.atomic
def apply_as_buyer(*, actor, company_name: str, credit_code: str) -> Buyer:
    """The actor's organisation applies to buy; an operator verifies it."""
    if not permissions.acts_for_buyer(actor, actor.organisation):
        raise PermissionDeniedError(
            _("A buyer's or merchant's admin applies for their own organisation.")
        )
    try:
        validate_credit_code(credit_code)
    except ValidationError as error:
        raise RuleViolation(error.messages[0], code=error.code, field="credit_code") from error
    buyer = Buyer(
        organisation=actor.organisation, company_name=company_name, credit_code=credit_code
    )
    buyer.full_clean()
    buyer.save()
    lifecycle.record_event(buyer, kind="created", actor=actor)
    return buyer


@transaction.atomic
def decide_buyer(buyer: Buyer, action_name: str, *, actor, reason: str = "") -> Buyer:
    lifecycle.take(buyer, BUYER_LIFECYCLE[action_name], actor=actor, reason=reason)
    return buyer


def may_order(organisation: Organisation) -> bool:
    """Verified buyers, and data merchants that have signed (a merchant may also buy)."""
    if Buyer.objects.filter(organisation=organisation, status=BuyerStatus.VERIFIED).exists():
        return True
    return Merchant.objects.filter(organisation=organisation, status=MerchantStatus.ACTIVE).exists()


# --- orders ----------------------------------------------------------------------------------------


@transaction.atomic
def place_order(
    *, actor, listing: Listing, plan: ListingPlan, scenario: Scenario, quantity: int = 1
) -> Order:
    """Order ``plan`` of ``listing`` for ``scenario``: the contract forms at once (a fixed-price
    plan is the merchant's standing offer) and is registered as a TX trade certificate.

    Raises:
        NotAVerifiedBuyer, OwnProduct (403); NotOnSale (409); PlanNotOffered, NegotiatedPlan,
        ScenarioNotDeclared, TotalTooSmall (400).
    """
    listing = check_offer(actor=actor, listing=listing, plan=plan, scenario=scenario)
    if plan.kind == PlanKind.NEGOTIATED:
        raise NegotiatedPlan(params={"plan": plan.pk})
    if not isinstance(quantity, int) or quantity < 1:
        raise RuleViolation(_("The quantity is a whole number, 1 or more."), field="quantity")
    return form_contract(
        placed_by=actor,
        listing=listing,
        plan=plan,
        scenario=scenario,
        quantity=quantity,
        unit_price=plan.price_amount,
    )


def check_offer(*, actor, listing: Listing, plan: ListingPlan, scenario: Scenario) -> Listing:
    """What every order and every quote request passes: a verified buyer, a listing on sale that
    is not the buyer's own, one of its plans, a scenario its product declares. Returns the
    listing with its product and registered version."""
    organisation = actor.organisation
    if organisation is None or not may_order(organisation):
        raise NotAVerifiedBuyer(params={"organisation": organisation or actor})
    listing = Listing.objects.select_related(
        "product__merchant", "product__registered_version"
    ).get(pk=listing.pk)
    if listing.status != ListingStatus.LISTED:
        raise NotOnSale(params={"listing": listing.pk, "status": listing.get_status_display()})
    if listing.product.merchant.organisation_id == organisation.pk:
        raise OwnProduct()
    if plan.listing_id != listing.pk:
        raise PlanNotOffered(params={"plan": plan.pk})
    declared = list(listing.product.registered_version.scenarios.all())
    if scenario not in declared:
        raise ScenarioNotDeclared(
            params={
                "scenario": scenario.name,
                "declared": "、".join(str(s.name) for s in declared) or "—",
            }
        )
    return listing


def form_contract(
    *,
    placed_by,
    listing,
    plan,
    scenario,
    quantity: int,
    unit_price,
    actor=None,
    extra_terms: dict | None = None,
) -> Order:
    """The order of ``placed_by``'s organisation and its contract at ``unit_price`` ×
    ``quantity``, registered as a TX trade certificate (``extra_terms`` adds to its terms how a
    negotiated price was agreed, or which contract a renewal renews); inside the caller's transaction, after the caller's checks.
    ``actor`` forms it (the buyer who placed it, unless the merchant accepted a counter-offer)."""
    actor = actor or placed_by
    version = listing.product.registered_version
    merchant = listing.product.merchant
    organisation = placed_by.organisation
    value = (unit_price * quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value <= 0:
        raise TotalTooSmall(params={"quantity": quantity, "price": unit_price})
    now = clock.now()
    # The buyer's row lock: its orders placed at once agree on which carries the buyer's fee.
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    buyer_fee = clearing.buyer_fee_due(organisation, now, plan.currency)
    order = Order.objects.create(
        buyer=organisation,
        merchant=merchant,
        listing=listing,
        plan=plan,
        product_name=version.name,
        plan_kind=plan.kind,
        unit_price=unit_price,
        quantity=quantity,
        value_amount=value,
        buyer_fee_amount=buyer_fee.amount,
        total_amount=value + buyer_fee.amount,
        currency=plan.currency,
        scenario=scenario,
        placed_by=placed_by,
        placed_at=now,
    )
    terms = contract_terms(order, version) | (extra_terms or {})
    contract = Contract.objects.create(order=order, terms=terms, formed_at=now)
    # Sequenced here, without the log's lock; the integrator issues the certificate in a batch
    # once this commits and attaches it to the contract (attach_certificate).
    sequenced = registry.sequence(
        registry.Registration(
            kind=CertificateKind.TRADE,
            registrant_name=settings.EXCHANGE_NAME,
            registrant_credit_code=settings.EXCHANGE_CREDIT_CODE,
            subject_type=CONTRACT_SUBJECT,
            subject_id=order.pk,
            subject_label=_("Contract of order %(order)s: %(product)s")
            % {"order": order.pk, "product": version.name},
            rights=[],
            content=terms,
        )
    )
    contract.refresh_from_db(fields=["certificate"])
    lifecycle.record_event(
        order,
        kind="contract_formed",
        actor=actor,
        data={"registration": sequenced.pk, "certificate": contract.number},
    )
    return order


def contract_certificate(order: Order):
    """The order's trade certificate, integrating the log's queue first if it is still in it
    (for a decision, a change or a renewal that registers against the contract)."""
    contract = Contract.objects.select_related("certificate").get(order=order)
    if contract.certificate is None:
        registry.integrate_pending()
        contract.refresh_from_db(fields=["certificate"])
    return contract.certificate


def attach_certificate(order_id: int, certificate) -> None:
    """The log integrated a contract's registration: the contract carries its certificate."""
    Contract.objects.filter(order_id=order_id, certificate__isnull=True).update(
        certificate=certificate
    )


def contract_terms(order: Order, version) -> dict:
    """What the parties agreed, as the trade certificate registers it (amounts as strings)."""
    seller = order.merchant
    buyer = order.buyer
    return {
        "order": order.pk,
        "seller": {"name": seller.company_name, "credit_code": seller.credit_code},
        "buyer": {"name": buyer.name, "credit_code": clearing.credit_code_of(buyer)},
        "product": {
            "id": version.product_id,
            "version": version.pk,
            "name": version.name,
        },
        "plan": {
            "id": order.plan_id,
            "kind": order.plan_kind,
            "unit_price": format(order.unit_price, "f"),
            "quantity": order.quantity,
        },
        "value": order.value.to_api(),
        "buyer_fee": order.buyer_fee.to_api(),
        "total": order.total.to_api(),
        "currency": order.currency,
        "scenario": order.scenario.code,
        "usage_restrictions": version.usage_restrictions,
        "formed_at": order.placed_at.isoformat(),
    }


@transaction.atomic
def pay_order(order: Order, *, actor, key: str, respond) -> tuple[Payment, bool]:
    """Hold the order's total from the buyer's available funds in its escrow account.

    ``key`` is the client's Idempotency-Key; ``respond(order)`` makes the API response that is
    stored with the payment. Returns the payment and whether this call made it: the same key
    again returns the first payment (and its stored response) and moves nothing.

    Raises:
        AlreadyPaid (409) when the order was paid under another key; InsufficientFunds (409);
        InvalidTransition (409) when the order is not awaiting payment; PermissionDeniedError.
    """
    if not is_idempotency_key(key):
        raise RuleViolation(
            _(
                "Send an Idempotency-Key header: 1–255 visible ASCII characters, the same on a retry."
            ),
            code="invalid_idempotency_key" if key else "required",
            field=HEADER,
        )
    order = Order.objects.select_for_update().get(pk=order.pk)
    pay = ORDER_LIFECYCLE["pay"]
    if not pay.permits(actor, order):
        lifecycle.check(order, pay, actor=actor)  # says who may pay
    existing = Payment.objects.filter(order=order).first()
    if existing is not None:
        if existing.idempotency_key == key:
            return existing, False
        raise AlreadyPaid(params={"order": order.pk})
    lifecycle.check(order, pay, actor=actor)
    buyer = order.buyer
    hold = ledger.transfer(
        ledger.Move(
            key=f"order:{order.pk}:pay",
            debit=ledger.account_for(buyer, AccountPurpose.AVAILABLE, order.currency),
            credit=ledger.account_for(buyer, AccountPurpose.ESCROW, order.currency),
            amount=order.total,
            code="order_payment",
            pending=True,
            memo=_("Order %(order)s held in escrow") % {"order": order.pk},
            reference=f"order:{order.pk}",
        ),
        actor=actor,
    )
    lifecycle.take(order, ORDER_LIFECYCLE["pay"], actor=actor, locked=True)
    payment = Payment.objects.create(
        order=order, idempotency_key=key, hold=hold, paid_by=actor, paid_at=clock.now()
    )
    payment.response = respond(order)
    payment.save(update_fields=["response", "updated_at"])
    return payment, True


@transaction.atomic
def cancel_order(order: Order, *, actor, reason: str) -> Order:
    """Cancel before delivery; a paid order's escrow hold is released in full."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    lifecycle.take(order, ORDER_LIFECYCLE["cancel"], actor=actor, reason=reason, locked=True)
    payment = Payment.objects.filter(order=order).select_related("hold").first()
    if payment is not None:
        ledger.void_pending(payment.hold, key=f"order:{order.pk}:cancel", actor=actor)
    return order


def delivery_due_at(order: Order):
    """When a paid order is refunded if the merchant has not delivered (business clock)."""
    payment = getattr(order, "payment", None)
    if order.status != OrderStatus.PAID or payment is None:
        return None
    return payment.paid_at + timedelta(days=settings.DELIVERY_DEADLINE_DAYS)


def refund_undelivered() -> int:
    """Refund every paid order whose delivery deadline has passed: its hold is released (beat)."""
    cutoff = clock.now() - timedelta(days=settings.DELIVERY_DEADLINE_DAYS)
    due = Order.objects.filter(status=OrderStatus.PAID, payment__paid_at__lte=cutoff)
    count = 0
    for order_id in due.order_by("id").values_list("id", flat=True):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.status != OrderStatus.PAID:
                continue  # delivered a moment ago
            lifecycle.take(order, ORDER_LIFECYCLE["refund_undelivered"], actor=None, locked=True)
            ledger.void_pending(order.payment.hold, key=f"order:{order.pk}:refund")
            count += 1
    return count


def escrow_held() -> dict[int, Money]:
    """The escrow each buyer's held orders account for, by organisation id (reconcile)."""
    from django.db.models import Sum

    held = (
        Order.objects.filter(status__in=sorted(HELD))
        .values("buyer_id", "currency")
        .annotate(total=Sum("total_amount"))
    )
    return {row["buyer_id"]: Money(row["total"], row["currency"]) for row in held}


# --- delivery and acceptance -------------------------------------------------------------------------


def acceptance_due_at(order: Order):
    """When a delivered order is accepted for the buyer, if the buyer has not acted."""
    if order.delivered_at is None:
        return None
    return order.delivered_at + timedelta(days=settings.ACCEPTANCE_WINDOW_DAYS)


@transaction.atomic
def accept_order(order: Order, *, actor) -> Order:
    """The buyer accepts the delivery; a worker clears the order once this commits."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    lifecycle.take(order, ORDER_LIFECYCLE["accept"], actor=actor, locked=True)
    clear_after_commit(order)
    return order


def clear_after_commit(order: Order) -> None:
    from settlement.tasks import clear_order

    enqueue_on_commit(clear_order, order_id=order.pk)


def accept_due() -> int:
    """Accept, for their buyers, the delivered orders whose acceptance window has ended (beat)."""
    cutoff = clock.now() - timedelta(days=settings.ACCEPTANCE_WINDOW_DAYS)
    due = Order.objects.filter(status=OrderStatus.DELIVERED, delivered_at__lte=cutoff)
    count = 0
    for order_id in due.order_by("delivered_at", "id").values_list("id", flat=True):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.status != OrderStatus.DELIVERED:
                continue  # accepted by the buyer a moment ago
            lifecycle.take(order, ORDER_LIFECYCLE["auto_accept"], actor=None, locked=True)
            clear_after_commit(order)
            count += 1
    return count
