"""Subscriptions: a monthly plan's delivery opens a calendar month; before it ends the subscription
renews (a new order and contract at the plan's price, charged at once) unless the buyer turned
renewal off; a renewal unpaid when its period should begin lapses. Money stays reconciled."""

from datetime import timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta

from exchange import clock
from exchange.errors import PermissionDeniedError, RuleViolation
from exchange.ledger.reconcile import reconcile
from settlement import clearing, deliveries, services, subscriptions
from settlement.models import Order
from settlement.states import OrderStatus
from tests.conftest import api_client_for
from tests.settlement.test_orders import package, paid_order, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(listed, funded_buyer, seller):
    """A monthly subscription, delivered, accepted and cleared."""
    order = paid_order(listed, funded_buyer)
    deliveries.deliver(order, actor=seller, upload=package())
    services.accept_order(order, actor=funded_buyer)
    clearing.clear_order(order)
    order.refresh_from_db()
    return order


def near_the_end(order, days=6):
    clock.set_simulated_time(at=order.period_end - timedelta(days=days))


def test_the_delivery_opens_a_calendar_month(subscribed):
    assert subscribed.period_start == subscribed.delivered_at
    assert subscribed.period_end == subscribed.delivered_at + relativedelta(months=1)
    assert subscriptions.state_of(subscribed) == "renews"


def test_near_the_end_it_renews_once_at_the_plans_price_charged_at_once(subscribed, seller):
    near_the_end(subscribed, days=8)
    assert subscriptions.renew_due() == 0  # not yet within the notice
    near_the_end(subscribed)
    assert subscriptions.renew_due() == 1
    assert subscriptions.renew_due() == 0  # a second run renews nothing more
    renewal = Order.objects.get(renewal_of=subscribed)
    assert renewal.status == OrderStatus.PAID and renewal.total.to_api() == "3000.00"
    terms = renewal.contract.terms
    assert terms["renews"] == {
        "order": subscribed.pk,
        "contract": subscribed.contract.certificate.number,
    }
    subscribed.refresh_from_db()
    assert subscriptions.state_of(subscribed) == "renewed"
    # delivered before the month ends, the renewal's month follows without a gap
    deliveries.deliver(renewal, actor=seller, upload=package())
    renewal.refresh_from_db()
    assert renewal.period_start == subscribed.period_end
    assert renewal.period_end == subscribed.period_end + relativedelta(months=1)
    assert reconcile().ok


def test_a_renewal_the_funds_do_not_cover_waits_and_then_lapses(subscribed, funded_buyer):
    from exchange.ledger import services as ledger
    from exchange.ledger.models import AccountPurpose

    available = ledger.account_for(funded_buyer.organisation, AccountPurpose.AVAILABLE)
    left = ledger.balances_of(available).available
    calls = int(left.amount / Decimal("0.0028")) - 1  # spend all but a few fen
    big = place(funded_buyer, subscribed.listing, kind="per_call", quantity=calls)
    services.pay_order(big, actor=funded_buyer, key="spend", respond=lambda o: {})
    near_the_end(subscribed)
    subscriptions.renew_due()
    renewal = Order.objects.get(renewal_of=subscribed)
    assert renewal.status == OrderStatus.CONTRACT_SIGNED  # the buyer may still pay it by hand
    assert subscriptions.lapse_due() == 0
    clock.set_simulated_time(at=subscribed.period_end + timedelta(minutes=1))
    assert subscriptions.lapse_due() == 1
    renewal.refresh_from_db()
    assert renewal.status == OrderStatus.CANCELLED
    assert renewal.events.filter(kind="lapse").exists()
    assert subscriptions.state_of(subscribed) == "lapsed"
    assert reconcile().ok


def test_with_renewal_off_the_subscription_ends_with_its_period(subscribed, funded_buyer, seller):
    with pytest.raises(PermissionDeniedError):
        subscriptions.set_auto_renew(subscribed, actor=seller, on=False)
    subscriptions.set_auto_renew(subscribed, actor=funded_buyer, on=False)
    subscribed.refresh_from_db()
    assert subscriptions.state_of(subscribed) == "ends"
    near_the_end(subscribed)
    assert subscriptions.renew_due() == 0
    clock.set_simulated_time(at=subscribed.period_end + timedelta(minutes=1))
    assert subscriptions.state_of(subscribed) == "ended"
    assert not Order.objects.filter(renewal_of=subscribed).exists()


def test_a_product_taken_off_sale_does_not_renew(subscribed):
    type(subscribed.listing).objects.filter(pk=subscribed.listing_id).update(status="suspended")
    near_the_end(subscribed)
    assert subscriptions.renew_due() == 0
    subscribed.refresh_from_db()
    assert not subscribed.auto_renew
    assert subscribed.events.filter(kind="renewal_refused").exists()


def test_only_subscriptions_renew_and_the_api_turns_renewal_off(listed, funded_buyer, subscribed):
    per_call = place(funded_buyer, listed, kind="per_call", quantity=1000)
    with pytest.raises(RuleViolation) as refused:
        subscriptions.set_auto_renew(per_call, actor=funded_buyer, on=False)
    assert refused.value.code == "not_a_subscription"
    client = api_client_for(funded_buyer)
    answer = client.post(
        f"/api/orders/{subscribed.pk}/renewal/", {"auto_renew": False}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["auto_renew"] is False and answer.json()["subscription"] == "ends"


def test_the_order_page_shows_the_period_and_lets_only_the_buyer_turn_renewal_off(
    subscribed, funded_buyer, seller
):
    from django.test import Client

    buyer, merchant = Client(), Client()
    buyer.force_login(funded_buyer)
    merchant.force_login(seller)
    url = f"/orders/{subscribed.pk}/"
    page = buyer.get(url).content.decode()
    assert 'data-testid="subscription"' in page and 'data-action="renewal"' in page
    assert 'data-action="renewal"' not in merchant.get(url).content.decode()
    buyer.post(f"{url}renewal/", {"auto_renew": "off"})
    subscribed.refresh_from_db()
    assert not subscribed.auto_renew
    assert subscribed.events.filter(kind="renewal_off").exists()
