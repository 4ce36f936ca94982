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
from settlement import deliveries, services
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


# --- delivery and acceptance -----------------------------------------------------------------------


def package(name="交付数据包.csv", body="统一社会信用代码,企业名称\n91310115MA1K00000A,测试公司\n"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, body.encode())


def paid_order(listed, funded_buyer):
    order = place(funded_buyer, listed)
    services.pay_order(order, actor=funded_buyer, key="k", respond=lambda o: {})
    order.refresh_from_db()
    return order


def test_the_merchant_delivers_a_package_and_the_buyer_downloads_it(listed, funded_buyer, seller):
    order = paid_order(listed, funded_buyer)
    delivery = deliveries.deliver(order, actor=seller, upload=package())
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and order.delivered_at == delivery.delivered_at
    assert delivery.rows == 1 and len(delivery.sha256) == 64
    token = deliveries.download_token(delivery, funded_buyer)
    assert deliveries.delivery_for_download(delivery.pk, token, user=funded_buyer) == delivery
    assert delivery.downloads.count() == 1
    with pytest.raises(PermissionDeniedError):  # a link is its holder's alone
        deliveries.delivery_for_download(delivery.pk, token, user=seller)
    assert reconcile().ok


def test_a_package_that_does_not_parse_is_refused_naming_the_file(listed, funded_buyer, seller):
    order = paid_order(listed, funded_buyer)
    for upload in (package(name="data.xlsx"), package(body="")):
        with pytest.raises(RuleViolation) as refused:
            deliveries.deliver(order, actor=seller, upload=upload)
        assert refused.value.field == "file"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not order.deliveries.exists()


def test_only_the_merchant_delivers_and_only_a_paid_order(listed, funded_buyer, seller):
    unpaid = place(funded_buyer, listed)
    with pytest.raises(InvalidTransition):
        deliveries.deliver(unpaid, actor=seller, upload=package())
    order = paid_order(listed, funded_buyer)
    with pytest.raises(PermissionDeniedError):
        deliveries.deliver(order, actor=funded_buyer, upload=package())


def test_an_expired_link_is_refused(listed, funded_buyer, seller, settings):
    from datetime import timedelta

    import time_machine

    order = paid_order(listed, funded_buyer)
    delivery = deliveries.deliver(order, actor=seller, upload=package())
    token = deliveries.download_token(delivery, funded_buyer)
    later = timedelta(seconds=settings.DELIVERY_LINK_SECONDS + 5)
    with time_machine.travel(later), pytest.raises(PermissionDeniedError) as refused:
        deliveries.delivery_for_download(delivery.pk, token, user=funded_buyer)
    assert refused.value.code == "link_expired"


def test_the_buyer_accepts_or_the_window_accepts_for_them(listed, funded_buyer, seller, settings):
    from datetime import timedelta

    from exchange import clock

    first = paid_order(listed, funded_buyer)
    deliveries.deliver(first, actor=seller, upload=package())
    services.accept_order(first, actor=funded_buyer)
    first.refresh_from_db()
    assert first.status == OrderStatus.ACCEPTED
    second = place(funded_buyer, listed)
    services.pay_order(second, actor=funded_buyer, key="k2", respond=lambda o: {})
    deliveries.deliver(second, actor=seller, upload=package())
    assert services.accept_due() == 0
    clock.set_simulated_time(
        at=clock.now() + timedelta(days=settings.ACCEPTANCE_WINDOW_DAYS, minutes=1)
    )
    assert services.accept_due() == 1
    second.refresh_from_db()
    assert second.status == OrderStatus.ACCEPTED
    assert second.events.filter(kind="auto_accept", actor__isnull=True).exists()
    report = reconcile()
    assert report.ok and report.figures["escrow held"] == "6000.00 CNY"


def test_the_download_page_serves_only_its_links_holder(listed, funded_buyer, seller, client):
    from django.urls import reverse

    order = paid_order(listed, funded_buyer)
    delivery = deliveries.deliver(order, actor=seller, upload=package())
    token = deliveries.download_token(delivery, funded_buyer)
    url = reverse("settlement:download", args=[delivery.pk])
    client.force_login(funded_buyer)
    another = reverse("settlement:download", args=[delivery.pk + 1])
    for refused in (url, f"{url}?token=forged", f"{another}?token={token}"):
        assert client.get(refused).status_code == 403, refused
    served = client.get(f"{url}?token={token}")
    assert served.status_code == 200 and served["Cache-Control"] == "private, no-store"
    assert b"".join(served.streaming_content).decode().startswith("统一社会信用代码")
    client.force_login(seller)  # the merchant's own package, but the link is the buyer's
    assert client.get(f"{url}?token={token}").status_code == 403
    assert delivery.downloads.count() == 1


def test_a_paid_order_not_delivered_by_its_deadline_is_refunded(
    listed, funded_buyer, seller, settings
):
    from datetime import timedelta

    from exchange import clock
    from exchange.ledger import services as ledger
    from exchange.ledger.models import AccountPurpose

    available = ledger.account_for(funded_buyer.organisation, AccountPurpose.AVAILABLE)
    before = ledger.balances_of(available).available
    late = paid_order(listed, funded_buyer)
    on_time = place(funded_buyer, listed)
    services.pay_order(on_time, actor=funded_buyer, key="k-on-time", respond=lambda o: {})
    clock.set_simulated_time(at=clock.now() + timedelta(days=settings.DELIVERY_DEADLINE_DAYS - 1))
    deliveries.deliver(on_time, actor=seller, upload=package())
    assert services.refund_undelivered() == 0
    clock.set_simulated_time(at=clock.now() + timedelta(days=1, minutes=1))
    assert services.refund_undelivered() == 1
    late.refresh_from_db()
    assert late.status == OrderStatus.REFUNDED
    assert late.events.filter(kind="refund_undelivered", actor__isnull=True).exists()
    assert ledger.balances_of(available).available == before - on_time.total
    with pytest.raises(InvalidTransition):  # too late to deliver now
        deliveries.deliver(late, actor=seller, upload=package())
    assert services.refund_undelivered() == 0 and reconcile().ok
