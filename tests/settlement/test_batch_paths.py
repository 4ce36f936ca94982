"""The batch paths (place_orders, pay_orders, deliver_orders, accept_orders, clear_orders) apply
the very rules of the one-order services: the same orders through either leave the same market
(fees, subsidies up to the cap and the fund, ledger balances, certificates, events), and a batch
is all or none."""

from decimal import Decimal

import pytest
from django.db import transaction

from exchange.errors import DomainError
from exchange.ledger import services as ledger
from exchange.ledger.models import Account, Transfer
from exchange.ledger.reconcile import reconcile
from exchange.money import Money
from exchange.registry.models import Certificate
from settlement import clearing, deliveries, services
from settlement.errors import AlreadyPaid
from settlement.models import LineKind, Order, Payment
from settlement.states import OrderStatus
from tests.settlement import test_clearing
from tests.settlement.conftest import fund, plan_of
from tests.settlement.test_orders import package

pytestmark = pytest.mark.django_db

ORDERS = 5
# The business clock before the National Day holiday, and the product listed then.
before_national_day = test_clearing.before_national_day
listed = test_clearing.listed


class Rollback(Exception):
    pass


def request(listing, buyer):
    version = listing.product.registered_version
    return services.OrderRequest(
        buyer, listing, plan_of(listing, "monthly"), version.scenarios.first()
    )


def one_by_one(listing, buyer, seller, capture) -> list[Order]:
    orders = []
    for number in range(ORDERS):
        order = services.place_order(**vars(request(listing, buyer)))
        services.pay_order(order, actor=buyer, key=f"pay-{number}", respond=lambda o: {})
        deliveries.deliver(order, actor=seller, upload=package())
        with capture(execute=True):  # the clearing task runs once the acceptance commits
            services.accept_order(order, actor=buyer)
        orders.append(order)
    return orders


def in_batches(listing, buyer, seller, capture) -> list[Order]:
    orders = services.place_orders([request(listing, buyer)] * ORDERS)
    services.pay_orders(
        [services.PaymentRequest(order, buyer, f"pay-{n}") for n, order in enumerate(orders)],
        respond=lambda o: {},
    )
    deliveries.deliver_orders(orders, actor=seller, upload=package())
    with capture(execute=True):
        services.accept_orders([(order, buyer) for order in orders])
    return orders


def market(orders: list[Order]) -> dict:
    """What the orders left, named without ids (the two runs draw different ones)."""
    position = {order.pk: number for number, order in enumerate(orders)}
    found = {"orders": [], "accounts": {}, "certificates": []}
    for order in Order.objects.filter(pk__in=position).order_by("pk"):
        found["orders"].append(
            {
                "status": order.status,
                "total": order.total.to_api(),
                "buyer_fee": order.buyer_fee.to_api(),
                "events": list(order.events.order_by("id").values_list("kind", "actor_id")),
                "lines": sorted(
                    (line.kind, line.party.name, line.money.to_api(), line.rule)
                    for line in order.lines.select_related("party")
                ),
                "hold": order.payment.hold.money.to_api(),
                "transfers": sorted(
                    (t.code, t.kind, t.amount, t.chain.replace(str(order.pk), "N"))
                    for t in Transfer.objects.filter(reference=f"order:{order.pk}")
                ),
            }
        )
        terms = {**order.contract.terms, "order": position[order.pk]}
        found["certificates"].append((order.contract.certificate.kind, terms))
    for account in Account.objects.select_related("owner"):
        owner = account.owner.name if account.owner else "exchange"
        found["accounts"][owner, account.purpose] = ledger.balances_of(account)
    return found


def run(path, *args) -> dict:
    try:
        with transaction.atomic():
            orders = path(*args)
            assert reconcile().ok
            found = market(orders)
            raise Rollback
    except Rollback:
        return found


def test_the_same_orders_through_either_path_leave_the_same_market(
    listed, verified, purchaser, settlement_operator, seller, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.BUYER_SERVICE_FEE_PERIOD = "year"  # the first order of the year carries it
    settings.FIRST_LISTING_SUBSIDY_CAP = Decimal("10000.00")
    fund(purchaser, "100000.00", settlement_operator)
    # The first order's subsidies (¥37.50 + ¥4,990.00 + the capped ¥10,000.00) leave ¥72.50, the
    # second's ¥35.00: the third order's ¥37.50 is cut short, and the fund is dry after it.
    clearing.fund_subsidies(amount=Money("15100.00"), key="small-grant")
    args = (listed, purchaser, seller, django_capture_on_commit_callbacks)
    one = run(one_by_one, *args)
    batched = run(in_batches, *args)
    assert [o["status"] for o in batched["orders"]] == [OrderStatus.CLEARED] * ORDERS
    assert batched["orders"][0]["buyer_fee"] != "0.00"
    assert {o["buyer_fee"] for o in batched["orders"][1:]} == {"0.00"}
    subsidies = [
        [line[2] for line in o["lines"] if line[0] == LineKind.TRADING_SUBSIDY]
        for o in batched["orders"]
    ]
    assert subsidies == [["4990.00", "37.50"], ["37.50"], ["35.00"], [], []]
    assert batched == one


def test_a_batch_is_all_or_none(listed, verified, purchaser, settlement_operator):
    fund(purchaser, "7000.00", settlement_operator)  # two monthly orders' worth, not three
    orders = services.place_orders([request(listed, purchaser)] * 3)
    contracts = Certificate.objects.filter(subject_type=services.CONTRACT_SUBJECT)
    assert sorted(contracts.values_list("subject_id", flat=True)) == [o.pk for o in orders]
    pay = [services.PaymentRequest(o, purchaser, f"k{n}") for n, o in enumerate(orders)]
    with pytest.raises(DomainError) as refused:
        services.pay_orders(pay, respond=lambda o: {})
    assert refused.value.code == "insufficient_funds"
    assert not Payment.objects.filter(order__in=orders).exists()
    assert set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True)) == {OrderStatus.CONTRACT_SIGNED}  # fmt: skip
    # Two of them pay; the same keys again move nothing; another key on a paid order is refused.
    first = services.pay_orders(pay[:2], respond=lambda o: {"id": o.pk})
    assert [made for _payment, made in first] == [True, True]
    again = services.pay_orders(pay[:2], respond=lambda o: {})
    assert [(p.pk, made) for p, made in again] == [(p.pk, False) for p, _made in first]
    assert again[0][0].response == {"id": orders[0].pk}
    with pytest.raises(AlreadyPaid):
        services.pay_orders(
            [services.PaymentRequest(orders[0], purchaser, "other")], respond=lambda o: {}
        )
    assert reconcile().ok
