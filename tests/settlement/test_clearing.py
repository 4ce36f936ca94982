"""Clearing and T+1 settlement: an accepted order's escrow goes to the merchant with the fees and
subsidies in one linked chain; each working day's batch pays every payee its net, once, and is
registered; reconcile proves it all."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from exchange import clock
from exchange.ledger import services as ledger
from exchange.ledger.models import AccountPurpose, Transfer
from exchange.ledger.reconcile import reconcile
from exchange.money import Money
from exchange.registry.models import CertificateKind
from settlement import clearing, deliveries, services
from settlement.models import BatchStatus, LineKind, PayoutBatch
from settlement.states import OrderStatus
from tests.settlement.conftest import fund, plan_of
from tests.settlement.test_orders import package

pytestmark = pytest.mark.django_db

TUESDAY = timezone.make_aware(datetime(2026, 9, 29, 10, 0))  # before the National Day holiday


@pytest.fixture(autouse=True)
def before_national_day(db):
    """The business clock starts on 2026-09-26; the product's public notice (3 days) ends on
    Tuesday the 29th, and the tests start there."""
    clock.set_simulated_time(at=TUESDAY - timezone.timedelta(days=3, minutes=5))


@pytest.fixture
def listed(listed):
    clock.set_simulated_time(at=max(clock.now(), TUESDAY))
    assert clock.today() == TUESDAY.date()
    return listed


@pytest.fixture
def grant(db):
    """The subsidy fund, granted ¥1,000,000.00 from the bank."""
    return clearing.fund_subsidies(amount=Money("1000000.00"), key="grant-2026")


@pytest.fixture
def rich_buyer(verified, purchaser, settlement_operator):
    fund(purchaser, "100000.00", settlement_operator)
    return purchaser


def accepted_order(listed, buyer, seller, django_capture_on_commit_callbacks, *, clear=True):
    """An order of the monthly plan, paid, delivered and accepted: once the acceptance commits,
    the clearing task runs (eagerly here)."""
    version = listed.product.registered_version
    order = services.place_order(
        actor=buyer,
        listing=listed,
        plan=plan_of(listed, "monthly"),
        scenario=version.scenarios.first(),
    )
    services.pay_order(order, actor=buyer, key=f"pay-{order.pk}", respond=lambda o: {})
    deliveries.deliver(order, actor=seller, upload=package())
    with django_capture_on_commit_callbacks(execute=clear):
        services.accept_order(order, actor=buyer)
    order.refresh_from_db()
    return order


def lines_of(order) -> dict[str, list[str]]:
    found = {}
    for line in order.lines.select_related("party"):
        found.setdefault(line.kind, []).append(line.money.to_api())
    return found


def test_an_accepted_order_clears_with_its_fees_and_subsidies(
    listed, rich_buyer, seller, grant, settings, django_capture_on_commit_callbacks
):
    settings.BUYER_SERVICE_FEE_PERIOD = "year"
    order = accepted_order(listed, rich_buyer, seller, django_capture_on_commit_callbacks)
    assert order.buyer_fee.to_api() == "9980.00" and order.total.to_api() == "12980.00"
    assert order.status == OrderStatus.CLEARED and order.cleared_at == clock.now()
    assert lines_of(order) == {
        LineKind.BUYER_FEE: ["9980.00"],
        LineKind.VALUE: ["3000.00"],
        LineKind.MERCHANT_FEE: ["75.00"],  # 2.5% of the trade value
        LineKind.ASSESSOR_FEE: ["30.00"],  # 1% to the firm that assessed the product
        LineKind.TRADING_SUBSIDY: ["37.50", "4990.00"],  # half of each side's fee, both in Shanghai
        LineKind.LISTING_SUBSIDY: ["20000.00"],  # the product's first cleared order
    }
    chain = {t.chain for t in Transfer.objects.filter(reference=f"order:{order.pk}", chain__gt="")}
    assert chain == {f"order:{order.pk}:clear"}  # one linked chain, posting first
    payouts = ledger.account_for(seller.organisation, AccountPurpose.PAYOUTS_IN_TRANSIT)
    assert ledger.balances_of(payouts).posted == Money("22932.50")  # 3000 − 75 − 30 + 37.50 + 20000
    fees = ledger.account_for(None, AccountPurpose.FEE_INCOME)
    assert ledger.balances_of(fees).posted == Money("10055.00")
    # A second order the same year carries no buyer's fee and no second listing subsidy.
    second = accepted_order(listed, rich_buyer, seller, django_capture_on_commit_callbacks)
    assert second.buyer_fee_amount == 0 and LineKind.LISTING_SUBSIDY not in lines_of(second)
    assert clearing.clear_order(second).status == OrderStatus.CLEARED  # again: nothing moves
    assert second.lines.count() == 4  # value, two fees, the trading subsidy
    report = reconcile()
    assert report.ok, report.problems
    assert report.figures["cleared orders"] == 2


def test_subsidies_stop_at_the_cap_and_at_what_the_fund_holds(
    listed, rich_buyer, seller, settings, django_capture_on_commit_callbacks
):
    settings.FIRST_LISTING_SUBSIDY_CAP = Decimal("15000.00")
    clearing.fund_subsidies(amount=Money("15020.00"), key="small-grant")
    order = accepted_order(listed, rich_buyer, seller, django_capture_on_commit_callbacks)
    lines = {line.kind: line for line in order.lines.all()}
    assert lines[LineKind.TRADING_SUBSIDY].money == Money("37.50")
    # The cap leaves ¥15,000.00; the fund, after the trading subsidy, ¥14,982.50.
    assert lines[LineKind.LISTING_SUBSIDY].money == Money("14982.50")
    fund_account = ledger.account_for(None, AccountPurpose.SUBSIDY_FUND)
    assert ledger.balances_of(fund_account).posted == Money("0.00")
    second = accepted_order(listed, rich_buyer, seller, django_capture_on_commit_callbacks)
    assert second.status == OrderStatus.CLEARED
    assert LineKind.TRADING_SUBSIDY not in lines_of(second)  # the fund is empty: nothing, no error
    assert reconcile().ok


def test_the_next_working_day_pays_each_payee_once_and_registers_the_batch(
    listed, rich_buyer, seller, grant, django_capture_on_commit_callbacks
):
    order = accepted_order(listed, rich_buyer, seller, django_capture_on_commit_callbacks)
    today = clearing.settle()  # the day it cleared: it waits for T+1
    assert today.orders.count() == 0 and today.status == BatchStatus.SETTLED
    clock.set_simulated_time(at=TUESDAY + timezone.timedelta(days=1))
    out = io.StringIO()
    call_command("settle", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("settled: 2026-09-30, orders 1, payouts 2")
    batch = PayoutBatch.objects.get(business_date=date(2026, 9, 30))
    order.refresh_from_db()
    assert order.status == OrderStatus.SETTLED and order.batch == batch
    settled = order.events.get(kind="settle")  # written set-based, as take() would have
    assert (settled.from_status, settled.to_status, settled.actor) == ("cleared", "settled", None)
    assert order.events.last() == settled
    paid = {line.payee.kind: line.money.to_api() for line in batch.lines.select_related("payee")}
    assert paid == {"merchant": "22932.50", "service_provider": "30.00"}
    assert batch.total == Money("22962.50")
    assert batch.certificate.kind == CertificateKind.SETTLEMENT_BATCH
    assert batch.certificate.content_data["digest"] == batch.digest
    bank_before = Transfer.objects.count()
    call_command("settle", "--date", "2026-09-30", stdout=io.StringIO())  # again: nothing moves
    assert Transfer.objects.count() == bank_before
    report = reconcile()
    assert report.ok, report.problems
    assert report.figures["batches"] == 2


def test_a_holiday_moves_the_settlement_to_the_next_working_day(
    listed, rich_buyer, seller, grant, django_capture_on_commit_callbacks
):
    clock.set_simulated_time(at=TUESDAY + timezone.timedelta(days=1))  # Wednesday, 30 September
    accepted_order(listed, rich_buyer, seller, django_capture_on_commit_callbacks)
    clock.set_simulated_time(at=TUESDAY + timezone.timedelta(days=2))  # National Day
    out = io.StringIO()
    call_command("settle", stdout=out)
    said = out.getvalue()
    assert said.startswith("nothing settles: 2026-10-01") and "2026-10-08" in said
    assert not PayoutBatch.objects.exists()
    due = clock.add_working_days(date(2026, 9, 30), 1)
    assert due > date(2026, 10, 7)
    clock.set_simulated_time(at=timezone.make_aware(datetime.combine(due, datetime.min.time())))
    assert clearing.settle().orders.count() == 1


def test_a_batch_killed_half_way_finishes_on_the_next_run_and_settles_each_order_once(
    listed, rich_buyer, seller, grant, django_capture_on_commit_callbacks, monkeypatch
):
    accepted_order(listed, rich_buyer, seller, django_capture_on_commit_callbacks)
    clock.set_simulated_time(at=TUESDAY + timezone.timedelta(days=1))
    real_pay = clearing._pay
    calls = []

    def pay_then_die(batch, account, amount):
        calls.append(account.pk)
        line = real_pay(batch, account, amount)
        if len(calls) == 1:
            raise SystemExit("the worker was killed")
        return line

    monkeypatch.setattr(clearing, "_pay", pay_then_die)
    with pytest.raises(SystemExit):
        clearing.settle()
    batch = PayoutBatch.objects.get()
    assert batch.status == BatchStatus.OPEN and batch.lines.count() == 1
    assert reconcile().ok  # mid-batch, every yuan is still where it is said to be
    monkeypatch.setattr(clearing, "_pay", real_pay)
    batch = clearing.settle()
    assert batch.status == BatchStatus.SETTLED and batch.lines.count() == 2
    assert Transfer.objects.filter(code="payout").count() == 2
    assert batch.orders.get().events.filter(kind="settle").count() == 1
    assert reconcile().ok


def test_a_day_not_begun_is_refused(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError) as refused:
        call_command("settle", "--date", "2026-10-09", stdout=io.StringIO())
    assert "2026-10-09" in str(refused.value)
    assert not PayoutBatch.objects.exists()


def test_reconcile_names_a_payout_that_differs_from_its_lines(
    listed, rich_buyer, seller, grant, django_capture_on_commit_callbacks
):
    from tests.registry.conftest import as_insider

    accepted_order(listed, rich_buyer, seller, django_capture_on_commit_callbacks)
    clock.set_simulated_time(at=TUESDAY + timezone.timedelta(days=1))
    batch = clearing.settle()
    line = batch.lines.get(payee=seller.organisation)
    as_insider(
        "settlement_payoutline",
        "UPDATE settlement_payoutline SET amount = amount + 1 WHERE id = %s",
        [line.pk],
    )
    report = reconcile()
    assert not report.ok
    assert any("2026-09-30" in problem for problem in report.problems), report.problems


def test_each_side_sees_its_lines_and_the_payee_its_statement(
    listed, rich_buyer, seller, grant, settlement_operator, client, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from django.urls import reverse

    settings.BUYER_SERVICE_FEE_PERIOD = "year"
    order = accepted_order(listed, rich_buyer, seller, django_capture_on_commit_callbacks)
    clock.set_simulated_time(at=TUESDAY + timezone.timedelta(days=1))
    clearing.settle()
    page = reverse("settlement:order", args=[order.pk])
    client.force_login(rich_buyer)
    text = client.get(page).content.decode()
    assert 'data-kind="buyer_fee"' in text and 'data-kind="merchant_fee"' not in text
    assert client.get(reverse("settlement:batches")).status_code == 403  # a buyer is no payee
    assert client.get(reverse("settlement:batch", args=["2026-09-30"])).status_code == 404
    client.force_login(seller)
    text = client.get(page).content.decode()
    assert 'data-kind="merchant_fee"' in text and 'data-kind="buyer_fee"' not in text
    statement = client.get(reverse("settlement:batch", args=["2026-09-30"])).content.decode()
    assert (
        "¥22,932.50" in statement and "¥30.00" in statement
    )  # its payout; the assessor's fee line
    assert "测试律师事务所 · " not in statement.split("payouts")[1].split("</table>")[0]
    exported = client.get(reverse("settlement:batch-csv", args=["2026-09-30"]))
    csv_text = exported.content.decode("utf-8-sig")
    assert "22932.50" in csv_text and "75.00" in csv_text and "9980.00" not in csv_text
    client.force_login(settlement_operator)
    everything = client.get(reverse("settlement:batch", args=["2026-09-30"])).content.decode()
    assert "¥22,932.50" in everything and "¥9,980.00" in everything
    assert client.get(reverse("settlement:batch", args=["2026-13-01"])).status_code == 404


def test_the_api_shows_a_payee_its_payout_and_the_staff_every_payout(
    listed, rich_buyer, seller, grant, settlement_operator, django_capture_on_commit_callbacks
):
    from tests.conftest import api_client_for

    order = accepted_order(listed, rich_buyer, seller, django_capture_on_commit_callbacks)
    assert [line["kind"] for line in api_client_for(seller).get(
        f"/api/orders/{order.pk}/").json()["lines"]] == [
        "value", "merchant_fee", "assessor_fee", "trading_subsidy", "listing_subsidy"
    ]  # fmt: skip
    clock.set_simulated_time(at=TUESDAY + timezone.timedelta(days=1))
    clearing.settle()
    mine = api_client_for(seller).get("/api/batches/2026-09-30/").json()
    assert [p["amount"] for p in mine["payouts"]] == ["22932.50"] and mine["orders"] == [order.pk]
    assert mine["certificate"].startswith("SB-") and mine["total"] == "22932.50"  # its own
    everything = api_client_for(settlement_operator).get("/api/batches/2026-09-30/").json()
    assert sorted(p["amount"] for p in everything["payouts"]) == ["22932.50", "30.00"]
    assert everything["total"] == "22962.50"
    assert api_client_for(rich_buyer).get("/api/batches/2026-09-30/").status_code == 404
    assert api_client_for(settlement_operator).get("/api/batches/2026-13-01/").status_code == 404


def test_receipts_and_statements_as_files_for_those_who_may_see_them(
    listed, rich_buyer, seller, grant, settlement_operator, client,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from django.urls import reverse

    from tests.factories import make_user

    order = accepted_order(listed, rich_buyer, seller, django_capture_on_commit_callbacks)
    clock.set_simulated_time(at=TUESDAY + timezone.timedelta(days=1))
    clearing.settle()
    receipt = reverse("settlement:order-receipt-pdf", args=[order.pk])
    receipt_csv = reverse("settlement:order-receipt-csv", args=[order.pk])
    statement = reverse("settlement:batch-pdf", args=["2026-09-30"])
    client.force_login(rich_buyer)
    served = client.get(receipt)
    assert served["Content-Type"] == "application/pdf" and served.content.startswith(b"%PDF")
    rows = client.get(receipt_csv).content.decode("utf-8-sig")
    assert "3000.00" in rows and "trading_subsidy" not in rows and "75.00" not in rows
    assert client.get(statement).status_code == 404  # the buyer is no payee
    client.force_login(seller)
    assert client.get(statement).content.startswith(b"%PDF")
    assert "75.00" in client.get(receipt_csv).content.decode("utf-8-sig")
    stranger = make_user(role="merchant_admin", username="stranger")
    client.force_login(stranger)
    for url in (
        receipt,
        receipt_csv,
        statement,
        reverse("settlement:batch-csv", args=["2026-09-30"]),
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(settlement_operator)
    assert client.get(statement).content.startswith(b"%PDF")


def test_a_grant_to_the_subsidy_fund_is_a_positive_amount(db):
    from exchange.errors import RuleViolation

    before = Transfer.objects.count()
    for amount in (Money("0.00"), Money("-5.00")):
        with pytest.raises(RuleViolation) as refused:
            clearing.fund_subsidies(amount=amount, key=f"grant-{amount.amount}")
        assert refused.value.field == "amount"
    assert Transfer.objects.count() == before
