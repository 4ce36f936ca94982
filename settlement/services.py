"""Trading's services: buyers' verification, placing an order (its contract registered in the
certificate log), paying it into escrow and cancelling it. Views and the API call these; each
state change is one transaction, and money moves only through the ledger.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from exchange import bulk, clock, lifecycle
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


@dataclass(frozen=True)
class OrderRequest:
    """One order to place: ``place_order``'s arguments."""

    actor: object
    listing: Listing
    plan: ListingPlan
    scenario: Scenario
    quantity: int = 1


def place_order(
    *, actor, listing: Listing, plan: ListingPlan, scenario: Scenario, quantity: int = 1
) -> Order:
    """Order ``plan`` of ``listing`` for ``scenario``: the contract forms at once (a fixed-price
    plan is the merchant's standing offer) and is registered as a TX trade certificate.

    Raises:
        NotAVerifiedBuyer, OwnProduct (403); NotOnSale (409); PlanNotOffered, NegotiatedPlan,
        ScenarioNotDeclared, TotalTooSmall (400).
    """
    return place_orders([OrderRequest(actor, listing, plan, scenario, quantity)])[0]


@transaction.atomic
def place_orders(requests: Sequence[OrderRequest]) -> list[Order]:
    """Place each of ``requests`` as ``place_order`` does, by the same checks, in one
    transaction (the batch path: one insert of orders, of contracts, of their registrations).
    All or none: the first refusal raises what ``place_order`` raises."""
    offers: dict[tuple, Listing] = {}
    drafts = []
    for request in requests:
        seen = (
            request.actor.organisation_id,
            request.listing.pk,
            request.plan.pk,
            request.scenario.pk,
        )
        if seen not in offers:
            offers[seen] = check_offer(
                actor=request.actor,
                listing=request.listing,
                plan=request.plan,
                scenario=request.scenario,
            )
        if request.plan.kind == PlanKind.NEGOTIATED:
            raise NegotiatedPlan(params={"plan": request.plan.pk})
        if not isinstance(request.quantity, int) or request.quantity < 1:
            raise RuleViolation(_("The quantity is a whole number, 1 or more."), field="quantity")
        drafts.append(
            ContractDraft(
                placed_by=request.actor,
                listing=offers[seen],
                plan=request.plan,
                scenario=request.scenario,
                quantity=request.quantity,
                unit_price=request.plan.price_amount,
            )
        )
    return form_contracts(drafts)


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


@dataclass(frozen=True)
class ContractDraft:
    """A contract the caller has checked, to form: ``placed_by``'s organisation buys
    ``quantity`` of ``plan`` at ``unit_price``. ``actor`` forms it (the buyer who placed it,
    unless the merchant accepted a counter-offer); ``extra_terms`` adds to its terms how a
    negotiated price was agreed, or which contract a renewal renews."""

    placed_by: object
    listing: Listing
    plan: ListingPlan
    scenario: Scenario
    quantity: int
    unit_price: Decimal
    actor: object = None
    extra_terms: dict | None = None


def form_contract(**draft) -> Order:
    """The order and its contract of one ``ContractDraft`` (its fields as arguments)."""
    return form_contracts([ContractDraft(**draft)])[0]


def form_contracts(drafts: Sequence[ContractDraft]) -> list[Order]:
    """The orders and their contracts, each at its unit price × quantity, registered as TX trade
    certificates; inside the caller's transaction, after the caller's checks."""
    now = clock.now()
    # The buyers' row locks, in id order: their orders placed at once agree on which carries
    # the buyer's fee.
    buyers = sorted({draft.placed_by.organisation_id for draft in drafts})
    list(
        Organisation.objects.select_for_update()
        .filter(pk__in=buyers)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    carried: set[int] = set()  # buyers whose fee this year is carried (before or in this batch)
    orders = []
    for draft in drafts:
        version = draft.listing.product.registered_version
        organisation = draft.placed_by.organisation
        value = (draft.unit_price * draft.quantity).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if value <= 0:
            raise TotalTooSmall(params={"quantity": draft.quantity, "price": draft.unit_price})
        currency = draft.plan.currency
        if organisation.pk in carried:
            buyer_fee = Money.zero(currency)
        else:
            buyer_fee = clearing.buyer_fee_due(organisation, now, currency)
            if settings.BUYER_SERVICE_FEE_PERIOD == "year":
                carried.add(organisation.pk)
        orders.append(
            Order(
                buyer=organisation,
                merchant=draft.listing.product.merchant,
                listing=draft.listing,
                plan=draft.plan,
                product_name=version.name,
                plan_kind=draft.plan.kind,
                unit_price=draft.unit_price,
                quantity=draft.quantity,
                value_amount=value,
                buyer_fee_amount=buyer_fee.amount,
                total_amount=value + buyer_fee.amount,
                currency=currency,
                scenario=draft.scenario,
                placed_by=draft.placed_by,
                placed_at=now,
            )
        )
    orders = bulk.create(orders)
    codes: dict[int, str] = {}
    for order in orders:
        if order.buyer_id not in codes:
            codes[order.buyer_id] = clearing.credit_code_of(order.buyer)
    contracts = bulk.create(
        Contract(
            order=order,
            terms=contract_terms(
                order,
                draft.listing.product.registered_version,
                buyer_credit_code=codes[order.buyer_id],
            )
            | (draft.extra_terms or {}),
            formed_at=now,
        )
        for order, draft in zip(orders, drafts, strict=True)
    )
    # Sequenced here, without the log's lock; the integrator issues the certificates in a batch
    # once this commits and attaches them to the contracts (attach_certificates).
    sequenced = registry.sequence_many(
        [
            registry.Registration(
                kind=CertificateKind.TRADE,
                registrant_name=settings.EXCHANGE_NAME,
                registrant_credit_code=settings.EXCHANGE_CREDIT_CODE,
                subject_type=CONTRACT_SUBJECT,
                subject_id=order.pk,
                subject_label=_("Contract of order %(order)s: %(product)s")
                % {"order": order.pk, "product": order.product_name},
                rights=[],
                content=contract.terms,
            )
            for order, contract in zip(orders, contracts, strict=True)
        ]
    )
    issued = dict(  # at once where the log integrates immediately; else empty for now
        Contract.objects.filter(
            pk__in=[c.pk for c in contracts], certificate__isnull=False
        ).values_list("pk", "certificate_id")
    )
    for contract in contracts:
        contract.certificate_id = issued.get(contract.pk)
    lifecycle.record_events(
        [
            (
                order,
                "contract_formed",
                draft.actor or draft.placed_by,
                {"registration": row.pk, "certificate": contract.number},
            )
            for order, draft, contract, row in zip(
                orders, drafts, contracts, sequenced, strict=True
            )
        ]
    )
    return orders


def contract_certificate(order: Order):
    """The order's trade certificate, integrating the log's queue first if it is still in it
    (for a decision, a change or a renewal that registers against the contract)."""
    contract = Contract.objects.select_related("certificate").get(order=order)
    if contract.certificate is None:
        registry.integrate_all()
        contract.refresh_from_db(fields=["certificate"])
    return contract.certificate


def attach_certificates(pairs) -> None:
    """The log integrated contracts' registrations (``(order_id, certificate)`` pairs): each
    contract carries its certificate."""
    bulk.link_each(
        Contract,
        "certificate",
        {order_id: certificate.pk for order_id, certificate in pairs},
        key="order",
    )


def contract_terms(order: Order, version, *, buyer_credit_code: str | None = None) -> dict:
    """What the parties agreed, as the trade certificate registers it (amounts as strings)."""
    seller = order.merchant
    buyer = order.buyer
    if buyer_credit_code is None:
        buyer_credit_code = clearing.credit_code_of(buyer)
    return {
        "order": order.pk,
        "seller": {"name": seller.company_name, "credit_code": seller.credit_code},
        "buyer": {"name": buyer.name, "credit_code": buyer_credit_code},
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


@dataclass(frozen=True)
class PaymentRequest:
    """One order to pay: ``pay_order``'s arguments."""

    order: Order
    actor: object
    key: str


def pay_order(order: Order, *, actor, key: str, respond) -> tuple[Payment, bool]:
    """Hold the order's total from the buyer's available funds in its escrow account.

    ``key`` is the client's Idempotency-Key; ``respond(order)`` makes the API response that is
    stored with the payment. Returns the payment and whether this call made it: the same key
    again returns the first payment (and its stored response) and moves nothing.

    Raises:
        AlreadyPaid (409) when the order was paid under another key; InsufficientFunds (409);
        InvalidTransition (409) when the order is not awaiting payment; PermissionDeniedError.
    """
    return pay_orders([PaymentRequest(order, actor, key)], respond=respond)[0]


@transaction.atomic
def pay_orders(requests: Sequence[PaymentRequest], *, respond) -> list[tuple[Payment, bool]]:
    """Pay each of ``requests`` as ``pay_order`` does, by the same rules, in one transaction and
    one ledger write (the batch path). All or none: the first refusal raises what ``pay_order``
    raises. Returns each request's payment and whether this call made it."""
    for request in requests:
        if not is_idempotency_key(request.key):
            raise RuleViolation(
                _(
                    "Send an Idempotency-Key header: 1–255 visible ASCII characters, the same on a retry."
                ),
                code="invalid_idempotency_key" if request.key else "required",
                field=HEADER,
            )
    ids = sorted({request.order.pk for request in requests})
    locked = {order.pk: order for order in locked_orders(ids)}
    if len(locked) != len(ids):
        raise Order.DoesNotExist("No such order.")
    paid = {payment.order_id: payment for payment in Payment.objects.filter(order_id__in=ids)}
    first_key = {order_id: payment.idempotency_key for order_id, payment in paid.items()}
    pay = ORDER_LIFECYCLE["pay"]
    todo: dict[int, tuple[Order, object, str]] = {}  # order id → (order, actor, key)
    for request in requests:
        order = locked[request.order.pk]
        if not pay.permits(request.actor, order):
            lifecycle.check(order, pay, actor=request.actor)  # says who may pay
        if order.pk in first_key:
            if first_key[order.pk] != request.key:
                raise AlreadyPaid(params={"order": order.pk})
            continue  # a replay: the first payment's
        lifecycle.check(order, pay, actor=request.actor)
        first_key[order.pk] = request.key
        todo[order.pk] = (order, request.actor, request.key)
    planned = list(todo.values())
    orders = [order for order, _actor, _key in planned]
    actors = [actor for _order, actor, _key in planned]
    account = ledger.Accounts()
    holds = ledger.transfer_each(
        [
            ledger.Move(
                key=f"order:{order.pk}:pay",
                debit=account(order.buyer, AccountPurpose.AVAILABLE, order.currency),
                credit=account(order.buyer, AccountPurpose.ESCROW, order.currency),
                amount=order.total,
                code="order_payment",
                pending=True,
                memo=_("Order %(order)s held in escrow") % {"order": order.pk},
                reference=f"order:{order.pk}",
            )
            for order in orders
        ],
        actors=actors,
    )
    lifecycle.take_many(orders, pay, actors=actors)
    now = clock.now()
    made = bulk.create(
        Payment(order=order, idempotency_key=key, hold=hold, paid_by=actor, paid_at=now)
        for (order, actor, key), hold in zip(planned, holds, strict=True)
    )
    for payment, order in zip(made, orders, strict=True):
        order.payment = payment
        payment.response = respond(order)
        paid[order.pk] = payment
    if any(payment.response for payment in made):
        Payment.objects.bulk_update(made, ["response", "updated_at"])
    fresh = {payment.pk for payment in made}
    results = []
    for request in requests:
        payment = paid[request.order.pk]
        results.append((payment, payment.pk in fresh))
        fresh.discard(payment.pk)  # a request repeated in the batch did not make it again
    return results


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


def accept_order(order: Order, *, actor) -> Order:
    """The buyer accepts the delivery; a worker clears the order once this commits."""
    return accept_orders([(order, actor)])[0]


@transaction.atomic
def accept_orders(acceptances: Sequence[tuple[Order, object]]) -> list[Order]:
    """Accept each ``(order, actor)`` as ``accept_order`` does, in one transaction (the batch
    path); a worker clears them together once this commits. All or none."""
    return _accept(acceptances, ORDER_LIFECYCLE["accept"])


def _accept(acceptances, action) -> list[Order]:
    ids = [order.pk for order, _actor in acceptances]
    if len(set(ids)) != len(ids):
        raise ValueError("each order is accepted once")
    locked = {order.pk: order for order in locked_orders(ids)}
    orders = [locked[pk] for pk in ids]
    lifecycle.take_many(orders, action, actors=[actor for _order, actor in acceptances])
    clear_after_commit(orders)
    return orders


def clear_after_commit(orders: Sequence[Order]) -> None:
    from settlement.tasks import clear_order, clear_orders

    if len(orders) == 1:
        enqueue_on_commit(clear_order, order_id=orders[0].pk)
    elif orders:
        enqueue_on_commit(clear_orders, order_ids=[order.pk for order in orders])


def accept_due() -> int:
    """Accept, for their buyers, the delivered orders whose acceptance window has ended (beat),
    ``CLEARING_BATCH`` at a time."""
    cutoff = clock.now() - timedelta(days=settings.ACCEPTANCE_WINDOW_DAYS)
    due = Order.objects.filter(status=OrderStatus.DELIVERED, delivered_at__lte=cutoff)
    ids = list(due.order_by("delivered_at", "id").values_list("id", flat=True))
    count = 0
    for start in range(0, len(ids), settings.CLEARING_BATCH):
        with transaction.atomic():
            # Accepted by the buyer a moment ago: left out (the state is read under the lock).
            batch = locked_orders(ids[start : start + settings.CLEARING_BATCH])
            still = [order for order in batch if order.status == OrderStatus.DELIVERED]
            _accept([(order, None) for order in still], ORDER_LIFECYCLE["auto_accept"])
            count += len(still)
    return count


def locked_orders(ids, *related: str) -> list[Order]:
    """The orders of ``ids`` with their row locks, in id order (so that batches never deadlock),
    with their parties (what the lifecycle's permissions read) and ``related``."""
    return list(
        Order.objects.select_for_update(of=("self",))
        .select_related("buyer", "merchant", *related)
        .filter(pk__in=ids)
        .order_by("pk")
    )
