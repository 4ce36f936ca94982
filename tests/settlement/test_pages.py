"""The trading pages as each role sees them: the product page's order buttons, the order form,
the order page offering exactly the actions its viewer may take, and the buyer's application."""

import pytest
from django.test import Client

from exchange.ledger.models import Transfer
from settlement.models import Buyer, Order
from settlement.states import OrderStatus
from tests.factories import credit_code
from tests.settlement.conftest import plan_of

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_buyer_orders_from_the_product_page_and_pays_once(listed, funded_buyer, seller):
    client = logged_in(funded_buyer)
    page = client.get(f"/catalog/{listed.pk}/").content.decode()
    plan = plan_of(listed, "monthly")
    assert f'href="/orders/new/{plan.pk}/"' in page
    form = client.get(f"/orders/new/{plan.pk}/").content.decode()
    assert 'data-testid="order-form"' in form
    placed = client.post(
        f"/orders/new/{plan.pk}/", {"scenario": "financial_services", "quantity": 1}
    )
    order = Order.objects.get()
    assert placed.status_code == 302 and placed.url == f"/orders/{order.pk}/"
    detail = client.get(placed.url).content.decode()
    assert 'data-testid="pay-form"' in detail and 'data-testid="cancel-form"' in detail
    assert order.contract.certificate.number in detail
    key = detail.split('name="key" value="')[1].split('"')[0]
    for _ in range(2):  # a double click pays once
        client.post(f"/orders/{order.pk}/pay/", {"key": key})
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Transfer.objects.filter(code="order_payment").count() == 1
    after = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="pay-form"' not in after and 'data-testid="cancel-form"' in after
    # the merchant sees the order and may cancel it, never pay it
    merchant_view = logged_in(seller).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="pay-form"' not in merchant_view
    assert 'data-testid="cancel-form"' in merchant_view


def test_an_unverified_buyer_is_told_how_to_become_one(listed, purchaser, verifier):
    client = logged_in(purchaser)
    plan = plan_of(listed, "monthly")
    page = client.get(f"/orders/new/{plan.pk}/").content.decode()
    assert 'data-testid="not-a-buyer"' in page and "/buyers/apply/" in page
    refused = client.post(f"/orders/new/{plan.pk}/", {"scenario": "financial_services"})
    assert refused.status_code == 200 and not Order.objects.exists()
    applied = client.post(
        "/buyers/apply/",
        {"company_name": purchaser.organisation.name, "credit_code": credit_code(9)},
    )
    assert applied.status_code == 302
    buyer = Buyer.objects.get()
    queue = logged_in(verifier).get("/buyers/").content.decode()
    assert buyer.credit_code in queue and 'data-action="verify"' in queue
    logged_in(verifier).post(f"/buyers/{buyer.pk}/verify/", {"reason": ""})
    buyer.refresh_from_db()
    assert buyer.status == "verified"
    assert 'data-testid="order-form"' in client.get(f"/orders/new/{plan.pk}/").content.decode()


def test_a_bad_credit_code_is_named_and_nothing_is_kept(purchaser):
    page = logged_in(purchaser).post(
        "/buyers/apply/", {"company_name": "某公司", "credit_code": "91310115MA1K0000X0"}
    )
    assert page.status_code == 200
    assert 'class="field field-error" data-field="credit_code"' in page.content.decode()
    assert not Buyer.objects.exists()


def test_a_buyer_with_too_little_money_is_sent_to_deposit(listed, verified, purchaser):
    client = logged_in(purchaser)
    plan = plan_of(listed, "monthly")
    client.post(f"/orders/new/{plan.pk}/", {"scenario": "financial_services", "quantity": 1})
    detail = client.get(f"/orders/{Order.objects.get().pk}/").content.decode()
    assert 'data-testid="too-little"' in detail and 'data-testid="pay-form"' not in detail


def test_outsiders_see_no_order(listed, funded_buyer, other_applicant):
    client = logged_in(funded_buyer)
    plan = plan_of(listed, "monthly")
    client.post(f"/orders/new/{plan.pk}/", {"scenario": "financial_services", "quantity": 1})
    order = Order.objects.get()
    assert logged_in(other_applicant).get(f"/orders/{order.pk}/").status_code == 404
    assert (
        logged_in(other_applicant).post(f"/orders/{order.pk}/pay/", {"key": "x"}).status_code == 404
    )


# --- delivery modes on the order page ---------------------------------------------------------------


def test_the_merchant_picks_a_mode_the_product_offers_and_the_buyer_gets_its_key_once(
    listed, funded_buyer, seller
):
    from settlement.models import GatewayAccess
    from tests.settlement.test_delivery_modes import offer, upload
    from tests.settlement.test_orders import paid_order

    offer(listed, "file", "api")
    order = paid_order(listed, funded_buyer)
    merchant = logged_in(seller)
    page = merchant.get(f"/orders/{order.pk}/").content.decode()
    assert 'name="mode" value="file"' in page and 'name="mode" value="api"' in page
    assert 'value="privacy_computing"' not in page  # not offered by this product
    refused = merchant.post(
        f"/orders/{order.pk}/deliver/", {"mode": "privacy_computing", "file": upload()}
    )
    assert refused.status_code == 302 and not order.deliveries.exists()
    merchant.post(f"/orders/{order.pk}/deliver/", {"mode": "api", "file": upload()})
    assert order.deliveries.get().mode == "api"
    buyer = logged_in(funded_buyer)
    detail = buyer.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="gateway"' in detail and 'data-action="issue-key"' in detail
    assert 'data-action="download"' not in detail  # an API delivery is never a file to fetch
    assert 'data-action="issue-key"' not in merchant.get(f"/orders/{order.pk}/").content.decode()
    shown = buyer.post(f"/orders/{order.pk}/gateway-key/")
    assert shown.status_code == 200 and shown["Cache-Control"] == "private, no-store"
    key = shown.content.decode().split('data-testid="new-key" class="digest">')[1].split("<")[0]
    assert GatewayAccess.objects.get(order=order).key_prefix == key[:12]
    after = buyer.get(f"/orders/{order.pk}/").content.decode()
    assert key not in after and f"{key[:12]}…" in after  # only the prefix, from now on


def test_a_refused_privacy_query_comes_back_with_the_sql_kept_and_the_rule_named(
    listed, funded_buyer, seller
):
    from settlement import deliveries
    from settlement.models import PrivacyQuery
    from tests.settlement.test_delivery_modes import offer, upload
    from tests.settlement.test_orders import paid_order

    offer(listed, "privacy_computing")
    order = paid_order(listed, funded_buyer)
    deliveries.deliver(order, actor=seller, upload=upload())
    buyer = logged_in(funded_buyer)
    page = buyer.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="query-form"' in page and "<code>注册资本</code>" in page
    sql = "SELECT 企业编号, 注册资本 FROM dataset"
    refused = buyer.post(f"/orders/{order.pk}/queries/", {"sql": sql})
    body = refused.content.decode()
    assert refused.status_code == 400 and sql in body and "field-error" in body
    assert not PrivacyQuery.objects.exists()
    ran = buyer.post(
        f"/orders/{order.pk}/queries/",
        {"sql": "SELECT 区, COUNT(*) AS n FROM dataset GROUP BY 区"},
    )
    assert ran.status_code == 302
    detail = buyer.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="query-result"' in detail and 'data-testid="suppressed"' in detail
    merchant = logged_in(seller).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="query"' in merchant and 'data-testid="query-result"' not in merchant
    assert 'data-testid="query-form"' not in merchant
