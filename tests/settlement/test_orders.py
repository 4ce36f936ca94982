"""Orders: only verified buyers order; the contract forms at once and is registered; paying holds
the total in escrow, once; cancelling releases it; reconcile proves the escrow."""

import pytest

from exchange.errors import InvalidTransition, PermissionDeniedError, RuleViolation
from exchange.ledger import services as ledger
from exchange.ledger.errors import InsufficientFunds
from exchange.ledger.models import AccountPurpose
from exchange.ledger.reconcile import reconcile
from exchange.money import Money
from exchange.registry.models import CertificateKind
from exchange.registry.selectors import verify_certificate
from listings.models import Scenario
from settlement import services
from settlement.errors import (
    AlreadyPaid,
    NotAVerifiedBuyer,
    OwnProduct,
    ScenarioNotDeclared,
    TotalTooSmall,
)
from settlement.states import OrderStatus
from tests.settlement.conftest import plan_of

pytestmark = pytest.mark.django_db


def scenario(code="financial_services"):
    return Scenario.objects.get(code=code)


def place(user, listing, kind="monthly", **options):
    return services.place_order(
        actor=user,
        listing=listing,
        plan=plan_of(listing, kind),
        scenario=options.pop("scenario", scenario()),
        **options,
    )


def test_a_verified_buyer_orders_and_the_contract_is_registered(listed, funded_buyer):
    order = place(funded_buyer, listed)
    assert order.status == OrderStatus.CONTRACT_SIGNED
    assert order.total == Money("3000.00")
    contract = order.contract
    certificate = contract.certificate
    assert certificate.kind == CertificateKind.TRADE and certificate.subject_id == order.pk
    assert contract.terms["buyer"]["name"] == funded_buyer.organisation.name
    assert contract.terms["seller"]["credit_code"] == listed.product.merchant.credit_code
    assert (
        contract.terms["total"] == "3000.00" and contract.terms["scenario"] == "financial_services"
    )
    assert verify_certificate(certificate).ok
    assert [e.kind for e in order.events.all()] == ["contract_formed"]


def test_only_verified_buyers_order(listed, purchaser):
    with pytest.raises(NotAVerifiedBuyer):
        place(purchaser, listed)


def test_a_merchant_does_not_buy_its_own_product(listed, seller):
    with pytest.raises(OwnProduct):
        place(seller, listed)


def test_the_scenario_must_be_one_the_product_declares(listed, funded_buyer):
    with pytest.raises(ScenarioNotDeclared) as refused:
        place(funded_buyer, listed, scenario=scenario("healthcare"))
    assert refused.value.field == "scenario"


def test_a_per_call_plan_needs_a_quantity_worth_a_fen(listed, funded_buyer):
    with pytest.raises(TotalTooSmall):
        place(funded_buyer, listed, kind="per_call", quantity=1)
    order = place(funded_buyer, listed, kind="per_call", quantity=10_000)
    assert order.total == Money("28.00")


def test_paying_holds_the_total_in_escrow_once(listed, funded_buyer):
    order = place(funded_buyer, listed)
    payment, made = services.pay_order(order, actor=funded_buyer, key="k-1", respond=lambda o: {})
    assert made
    organisation = funded_buyer.organisation
    available = ledger.account_for(organisation, AccountPurpose.AVAILABLE)
    escrow = ledger.account_for(organisation, AccountPurpose.ESCROW)
    assert ledger.balances_of(available).available == Money("7000.00")
    assert ledger.balances_of(escrow).incoming == Money("3000.00")
    again, made = services.pay_order(order, actor=funded_buyer, key="k-1", respond=lambda o: {})
    assert again == payment and not made
    with pytest.raises(AlreadyPaid):
        services.pay_order(order, actor=funded_buyer, key="k-2", respond=lambda o: {})
    assert ledger.balances_of(available).available == Money("7000.00")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    report = reconcile()
    assert report.ok, report.problems
    assert report.figures["escrow held"] == "3000.00 CNY"


def test_too_little_money_is_refused_and_changes_nothing(listed, verified, purchaser):
    order = place(purchaser, listed)
    with pytest.raises(InsufficientFunds):
        services.pay_order(order, actor=purchaser, key="k", respond=lambda o: {})
    order.refresh_from_db()
    assert order.status == OrderStatus.CONTRACT_SIGNED
    assert not hasattr(order, "payment") or order.payment is None


def test_a_missing_key_is_named(listed, funded_buyer):
    order = place(funded_buyer, listed)
    with pytest.raises(RuleViolation) as refused:
        services.pay_order(order, actor=funded_buyer, key="", respond=lambda o: {})
    assert refused.value.field == "Idempotency-Key"


def test_only_the_buyer_pays(listed, funded_buyer, seller):
    order = place(funded_buyer, listed)
    with pytest.raises(PermissionDeniedError):
        services.pay_order(order, actor=seller, key="k", respond=lambda o: {})


def test_cancelling_a_paid_order_releases_the_hold(listed, funded_buyer, seller):
    order = place(funded_buyer, listed)
    services.pay_order(order, actor=funded_buyer, key="k", respond=lambda o: {})
    services.cancel_order(order, actor=seller, reason="无法按期交付")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    available = ledger.account_for(funded_buyer.organisation, AccountPurpose.AVAILABLE)
    assert ledger.balances_of(available).available == Money("10000.00")
    assert reconcile().ok
    unpaid = place(funded_buyer, listed)
    services.cancel_order(unpaid, actor=funded_buyer, reason="需求变更")
    with pytest.raises(InvalidTransition):
        services.pay_order(unpaid, actor=funded_buyer, key="k-unpaid", respond=lambda o: {})


def test_reconcile_names_an_order_whose_escrow_is_missing(listed, funded_buyer):
    from settlement.models import Order

    order = place(funded_buyer, listed)
    services.pay_order(order, actor=funded_buyer, key="k", respond=lambda o: {})
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CONTRACT_SIGNED)  # a bad edit
    report = reconcile()
    assert not report.ok
    assert any("escrow account" in problem for problem in report.problems)
