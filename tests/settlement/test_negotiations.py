"""Negotiated plans: the buyer requests a quote, the merchant quotes, the buyer counters or
accepts, and the contract forms at the price one side accepted: an order like any other, its
terms registered with how the price was agreed. Declining ends it; nothing forms half-way."""

import pytest
from django.test import Client

from exchange.errors import InvalidTransition, PermissionDeniedError, RuleViolation
from exchange.registry.selectors import verify_certificate
from listings.models import ListingPlan, Scenario
from settlement import negotiations, services
from settlement.errors import NegotiatedPlan, PlanHasPrice
from settlement.models import Negotiation, Order
from settlement.states import NegotiationStatus, OrderStatus
from tests.conftest import api_client_for
from tests.settlement.conftest import plan_of

pytestmark = pytest.mark.django_db

NEEDS = "2026 年全年上海各区县日粒度数据，按季度交付。"


@pytest.fixture
def negotiated(listed):
    return ListingPlan.objects.create(listing=listed, kind="negotiated", price_amount=None)


def ask(buyer, listed, plan):
    return negotiations.request_quote(
        actor=buyer,
        listing=listed,
        plan=plan,
        scenario=Scenario.objects.get(code="financial_services"),
        requirements=NEEDS,
    )


def test_a_quote_accepted_by_the_buyer_forms_the_contract_at_that_price(
    listed, negotiated, funded_buyer, seller
):
    negotiation = ask(funded_buyer, listed, negotiated)
    assert negotiation.status == NegotiationStatus.REQUESTED and not Order.objects.exists()
    negotiations.quote(negotiation, actor=seller, amount="8800.00", note="含季度更新")
    negotiation = negotiations.agree(negotiation, actor=funded_buyer)
    assert negotiation.status == NegotiationStatus.AGREED
    order = negotiation.order
    assert order.status == OrderStatus.CONTRACT_SIGNED and order.plan_kind == "negotiated"
    assert order.total.to_api() == "8800.00" and order.placed_by == funded_buyer
    terms = order.contract.terms
    assert terms["agreed"]["negotiation"] == negotiation.pk and terms["agreed"]["by"] == "merchant"
    assert terms["value"] == "8800.00"
    assert verify_certificate(order.contract.certificate).ok
    services.pay_order(order, actor=funded_buyer, key="n", respond=lambda o: {})
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_a_counter_offer_accepted_by_the_merchant_forms_the_contract_at_the_buyers_price(
    listed, negotiated, funded_buyer, seller
):
    negotiation = ask(funded_buyer, listed, negotiated)
    negotiations.quote(negotiation, actor=seller, amount="9000.00")
    negotiations.counter(negotiation, actor=funded_buyer, amount="7500.00", note="预算有限")
    negotiations.quote(negotiation, actor=seller, amount="8200.00")
    negotiations.counter(negotiation, actor=funded_buyer, amount="8000.00")
    negotiation = negotiations.agree(negotiation, actor=seller, name="agree_counter")
    assert negotiation.order.total.to_api() == "8000.00"
    assert negotiation.order.placed_by == funded_buyer  # the buyer's order, formed by the merchant
    assert [o.side for o in negotiation.offers.all()] == ["merchant", "buyer"] * 2


def test_each_side_takes_only_its_own_steps(listed, negotiated, funded_buyer, seller):
    negotiation = ask(funded_buyer, listed, negotiated)
    with pytest.raises(PermissionDeniedError):
        negotiations.quote(negotiation, actor=funded_buyer, amount="1.00")
    with pytest.raises(InvalidTransition):  # nothing to accept before a quote
        negotiations.agree(negotiation, actor=funded_buyer)
    negotiations.quote(negotiation, actor=seller, amount="100.00")
    with pytest.raises(PermissionDeniedError):
        negotiations.agree(negotiation, actor=seller)  # its own quote
    with pytest.raises(InvalidTransition):
        negotiations.agree(negotiation, actor=seller, name="agree_counter")


@pytest.mark.parametrize("amount", ["0", "-5", "12.345", "abc", "NaN", "2000000000000"])
def test_a_price_that_is_not_an_amount_is_refused_naming_the_field(
    listed, negotiated, funded_buyer, seller, amount
):
    negotiation = ask(funded_buyer, listed, negotiated)
    with pytest.raises(RuleViolation) as refused:
        negotiations.quote(negotiation, actor=seller, amount=amount)
    assert refused.value.field == "amount"
    negotiation.refresh_from_db()
    assert negotiation.status == NegotiationStatus.REQUESTED and not negotiation.offers.exists()


def test_declining_needs_a_reason_and_ends_the_round(listed, negotiated, funded_buyer, seller):
    negotiation = ask(funded_buyer, listed, negotiated)
    with pytest.raises(RuleViolation) as refused:
        negotiations.decline(negotiation, actor=seller, reason=" ")
    assert refused.value.field == "reason"
    negotiations.decline(negotiation, actor=seller, reason="无法满足日粒度要求")
    negotiation.refresh_from_db()
    assert negotiation.status == NegotiationStatus.DECLINED
    with pytest.raises(InvalidTransition):
        negotiations.quote(negotiation, actor=seller, amount="100.00")


def test_a_fixed_price_plan_is_ordered_and_a_negotiated_one_quoted(
    listed, negotiated, funded_buyer
):
    with pytest.raises(PlanHasPrice):
        ask(funded_buyer, listed, plan_of(listed, "monthly"))
    with pytest.raises(NegotiatedPlan) as refused:
        services.place_order(
            actor=funded_buyer,
            listing=listed,
            plan=negotiated,
            scenario=Scenario.objects.get(code="financial_services"),
        )
    assert "/api/negotiations/" in refused.value.message


def test_a_listing_taken_off_sale_forms_no_contract(listed, negotiated, funded_buyer, seller):
    negotiation = ask(funded_buyer, listed, negotiated)
    negotiations.quote(negotiation, actor=seller, amount="100.00")
    type(listed).objects.filter(pk=listed.pk).update(status="suspended")
    with pytest.raises(Exception) as refused:
        negotiations.agree(negotiation, actor=funded_buyer)
    assert getattr(refused.value, "code", "") == "not_on_sale"
    negotiation.refresh_from_db()
    assert negotiation.status == NegotiationStatus.QUOTED and not Order.objects.exists()


def test_the_api_runs_the_round_and_outsiders_see_nothing(
    listed, negotiated, funded_buyer, seller, other_applicant
):
    buyer, merchant = api_client_for(funded_buyer), api_client_for(seller)
    created = buyer.post(
        "/api/negotiations/",
        {
            "listing": listed.pk,
            "plan": negotiated.pk,
            "scenario": "financial_services",
            "requirements": NEEDS,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"/api/negotiations/{created.json()['id']}/"
    assert merchant.get(url).json()["actions"] == ["quote", "decline"]
    bad = merchant.post(f"{url}quote/", {"amount": "12.345"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "amount"
    merchant.post(f"{url}quote/", {"amount": "6600.00", "note": "含API接入"}, format="json")
    agreed = buyer.post(f"{url}agree/")
    assert agreed.status_code == 200 and agreed.json()["status"] == "agreed"
    order = buyer.get(f"/api/orders/{agreed.json()['order']}/").json()
    assert order["total"] == "6600.00" and order["status"] == "contract_signed"
    assert api_client_for(other_applicant).get(url).status_code == 404


def test_the_pages_offer_each_side_its_next_step(listed, negotiated, funded_buyer, seller):
    buyer, merchant = Client(), Client()
    buyer.force_login(funded_buyer)
    merchant.force_login(seller)
    product = buyer.get(f"/catalog/{listed.pk}/").content.decode()
    assert f'href="/negotiations/new/{negotiated.pk}/"' in product
    sent = buyer.post(
        f"/negotiations/new/{negotiated.pk}/",
        {"scenario": "financial_services", "requirements": NEEDS},
    )
    negotiation = Negotiation.objects.get()
    assert sent.url == f"/negotiations/{negotiation.pk}/"
    assert 'data-testid="offer-form"' not in buyer.get(sent.url).content.decode()
    page = merchant.get(sent.url).content.decode()
    assert 'data-action="quote"' in page and 'data-action="agree"' not in page
    merchant.post(f"/negotiations/{negotiation.pk}/quote/", {"amount": "5000.00", "note": ""})
    page = buyer.get(sent.url).content.decode()
    assert 'data-action="agree"' in page and 'data-action="counter"' in page
    formed = buyer.post(f"/negotiations/{negotiation.pk}/agree/")
    negotiation.refresh_from_db()
    assert formed.url == f"/orders/{negotiation.order_id}/"
    assert "/negotiations/" in merchant.get("/negotiations/?tab=closed").content.decode()
