"""Disputes and arbitration: the buyer disputes a delivery within the acceptance window, the funds
stay held, the merchant answers, an arbitrator who is not a party decides (a full refund, an exact
partial refund, or dismissal), the ledger moves accordingly, the decision is registered, and
reconcile is clean after each path."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exchange import clock
from exchange.accounts.roles import OrganisationKind, Role
from exchange.errors import ConflictError, InvalidTransition, PermissionDeniedError, RuleViolation
from exchange.ledger import services as ledger
from exchange.ledger.models import AccountPurpose, Transfer
from exchange.ledger.reconcile import reconcile
from exchange.money import Money
from exchange.registry.models import CertificateKind
from exchange.registry.selectors import verify_certificate
from settlement import deliveries, disputes, services
from settlement.models import DisputeOutcome, LineKind
from settlement.states import OrderStatus
from tests.conftest import api_client_for
from tests.factories import make_user
from tests.settlement.conftest import plan_of, settle_next_working_day
from tests.settlement.test_orders import package

pytestmark = pytest.mark.django_db


def evidence(name="比对截图.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n")


@pytest.fixture
def delivered(listed, funded_buyer, seller):
    order = services.place_order(
        actor=funded_buyer,
        listing=listed,
        plan=plan_of(listed, "monthly"),
        scenario=listed.product.registered_version.scenarios.first(),
    )
    services.pay_order(order, actor=funded_buyer, key="pay", respond=lambda o: {})
    deliveries.deliver(order, actor=seller, upload=package())
    order.refresh_from_db()
    return order


@pytest.fixture
def disputed(delivered, funded_buyer):
    disputes.open_dispute(
        delivered, actor=funded_buyer, reason="交付数据缺少 2026 年 3 月的记录", evidence=evidence()
    )
    delivered.refresh_from_db()
    return delivered


def available(user) -> Money:
    account = ledger.account_for(user.organisation, AccountPurpose.AVAILABLE)
    return ledger.balances_of(account).available


def test_a_dispute_holds_the_funds_and_stops_the_automatic_acceptance(disputed, funded_buyer):
    assert disputed.status == OrderStatus.DISPUTED
    assert disputed.dispute.evidence_sha256 and disputed.dispute.evidence_name == "比对截图.pdf"
    escrow = ledger.account_for(funded_buyer.organisation, AccountPurpose.ESCROW)
    assert ledger.balances_of(escrow).credits_pending == Money("3000.00").minor_units
    clock.set_simulated_time(at=services.acceptance_due_at(disputed) + timedelta(days=1))
    assert services.accept_due() == 0  # a disputed order waits for the arbitrator
    disputed.refresh_from_db()
    assert disputed.status == OrderStatus.DISPUTED
    report = reconcile()
    assert report.ok, report.problems


def test_the_window_reason_and_evidence_are_required(delivered, funded_buyer):
    with pytest.raises(RuleViolation) as refused:
        disputes.open_dispute(delivered, actor=funded_buyer, reason="  ", evidence=evidence())
    assert refused.value.field == "reason"
    with pytest.raises(RuleViolation) as refused:
        disputes.open_dispute(delivered, actor=funded_buyer, reason="缺数据", evidence=None)
    assert refused.value.field == "evidence"
    with pytest.raises(RuleViolation) as refused:
        disputes.open_dispute(
            delivered, actor=funded_buyer, reason="缺数据", evidence=evidence("说明.exe")
        )
    assert refused.value.field == "evidence"
    clock.set_simulated_time(at=services.acceptance_due_at(delivered) + timedelta(minutes=1))
    with pytest.raises(ConflictError) as late:
        disputes.open_dispute(delivered, actor=funded_buyer, reason="缺数据", evidence=evidence())
    assert late.value.code == "window_ended"
    delivered.refresh_from_db()
    assert delivered.status == OrderStatus.DELIVERED


def test_the_merchant_answers_once(disputed, seller):
    disputes.answer_dispute(
        disputed, actor=seller, answer="3 月数据按说明书第 4 条另行交付", evidence=evidence("a.pdf")
    )
    disputed.refresh_from_db()
    assert disputed.dispute.answered_at is not None and disputed.dispute.answer_evidence_sha256
    with pytest.raises(ConflictError) as again:
        disputes.answer_dispute(disputed, actor=seller, answer="补充")
    assert again.value.code == "already_answered"


def test_a_refund_in_full_releases_the_whole_total_and_is_registered(
    disputed, funded_buyer, arbitrator
):
    before = available(funded_buyer)
    decided = disputes.decide_dispute(
        disputed, actor=arbitrator, outcome="refund_in_full", reason="交付数据与说明书严重不符"
    )
    disputed.refresh_from_db()
    assert disputed.status == OrderStatus.REFUNDED
    assert available(funded_buyer) == before + Money("3000.00")
    certificate = decided.certificate
    assert certificate.kind == CertificateKind.TRADE
    content = certificate.content_data
    assert content["outcome"] == "refund_in_full" and content["refund"] == "3000.00"
    assert content["contract"] == disputed.contract.certificate.number
    assert verify_certificate(certificate).ok
    report = reconcile()
    assert report.ok, report.problems


def test_a_refund_in_part_is_an_exact_split_cleared_with_fees_on_what_the_merchant_keeps(
    disputed, funded_buyer, seller, arbitrator, django_capture_on_commit_callbacks
):
    before = available(funded_buyer)
    with django_capture_on_commit_callbacks(execute=True):
        disputes.decide_dispute(
            disputed,
            actor=arbitrator,
            outcome="refund_in_part",
            refund="1250.50",
            reason="缺少一个月的数据，按比例退还",
        )
    disputed.refresh_from_db()
    assert disputed.status == OrderStatus.CLEARED
    lines = {line.kind: line.money for line in disputed.lines.all()}
    assert lines[LineKind.REFUND] == Money("1250.50")
    assert lines[LineKind.VALUE] == Money("1749.50")
    assert lines[LineKind.MERCHANT_FEE] == Money("43.74")  # 2.5% of ¥1,749.50, rounded half up
    assert available(funded_buyer) == before + Money("1250.50")
    report = reconcile()
    assert report.ok, report.problems
    batch = settle_next_working_day()
    disputed.refresh_from_db()
    assert disputed.status == OrderStatus.SETTLED and disputed.batch == batch
    assert reconcile().ok


def test_a_dismissal_clears_the_whole_value(
    disputed, arbitrator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        disputes.decide_dispute(disputed, actor=arbitrator, outcome="dismiss", reason="证据不足")
    disputed.refresh_from_db()
    assert disputed.status == OrderStatus.CLEARED
    assert disputed.dispute.outcome == DisputeOutcome.DISMISS
    lines = {line.kind: line.money for line in disputed.lines.all()}
    assert LineKind.REFUND not in lines and lines[LineKind.VALUE] == Money("3000.00")
    assert reconcile().ok


@pytest.mark.parametrize("refund", ["0", "0.00", "3000.00", "3000.01", "-1", "12.345", "abc", None])
def test_a_refund_in_part_out_of_range_is_refused_naming_the_field(disputed, arbitrator, refund):
    moved = Transfer.objects.count()
    with pytest.raises(RuleViolation) as refused:
        disputes.decide_dispute(
            disputed, actor=arbitrator, outcome="refund_in_part", refund=refund, reason="理由"
        )
    assert refused.value.field == "refund" and refused.value.code == "refund_out_of_range"
    disputed.refresh_from_db()
    assert disputed.status == OrderStatus.DISPUTED and not disputed.dispute.outcome
    assert Transfer.objects.count() == moved


def test_the_parties_do_not_decide_and_the_exchange_desk_does(
    disputed, funded_buyer, seller, exchange_org, django_capture_on_commit_callbacks
):
    for party in (funded_buyer, seller):
        with pytest.raises(PermissionDeniedError):
            disputes.decide_dispute(disputed, actor=party, outcome="dismiss", reason="理由")
    desk = make_user(role=Role.ARBITRATOR, organisation=exchange_org)
    with django_capture_on_commit_callbacks(execute=True):
        disputes.decide_dispute(disputed, actor=desk, outcome="dismiss", reason="证据不足")
    disputed.refresh_from_db()
    assert disputed.status == OrderStatus.CLEARED


def test_an_arbitrator_in_a_party_organisation_is_refused_with_the_reason(disputed, seller):
    from exchange.accounts import services as accounts

    organisation = seller.organisation
    organisation.kind = OrganisationKind.SERVICE_PROVIDER  # an assessor firm that also sells
    organisation.save(update_fields=["kind"])
    own = accounts.create_user(
        organisation=organisation,
        username="own_arbiter",
        email="own@example.com",
        password_hash="md5$salt$unused",
        role=Role.ARBITRATOR,
    )
    with pytest.raises(PermissionDeniedError) as refused:
        disputes.decide_dispute(disputed, actor=own, outcome="refund_in_full", reason="理由")
    assert refused.value.code == "own_dispute"


def test_a_decision_is_taken_once(disputed, arbitrator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        disputes.decide_dispute(disputed, actor=arbitrator, outcome="dismiss", reason="证据不足")
    with pytest.raises(InvalidTransition):
        disputes.decide_dispute(disputed, actor=arbitrator, outcome="refund_in_full", reason="x")


def test_the_api_takes_a_dispute_from_opening_to_decision(
    disputed, seller, arbitrator, funded_buyer, listed
):
    merchant = api_client_for(seller)
    answered = merchant.post(
        f"/api/orders/{disputed.pk}/answer/", {"answer": "已按约交付"}, format="multipart"
    )
    assert answered.status_code == 200, answered.json()
    assert answered.json()["dispute"]["answered"] is True
    judge = api_client_for(arbitrator)
    listed_orders = judge.get("/api/orders/").json()
    ids = [order["id"] for order in listed_orders["results"]]
    assert ids == [disputed.pk]  # an arbitrator sees the disputed orders, nothing else
    shown = judge.get(f"/api/orders/{disputed.pk}/").json()
    assert {"refund-in-full", "refund-in-part", "dismiss"} <= set(shown["actions"])
    bad = judge.post(
        f"/api/orders/{disputed.pk}/decide/",
        {"outcome": "refund_in_part", "refund": "9999", "reason": "x"},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "refund"
    decided = judge.post(
        f"/api/orders/{disputed.pk}/decide/",
        {"outcome": "refund_in_part", "refund": "500.00", "reason": "部分缺失"},
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    body = decided.json()
    assert body["dispute"]["outcome"] == "refund_in_part" and body["dispute"]["refund"] == "500.00"
    assert body["dispute"]["certificate"].startswith("TX-")
    assert reconcile().ok


def test_the_api_dispute_needs_evidence(delivered, funded_buyer):
    client = api_client_for(funded_buyer)
    response = client.post(
        f"/api/orders/{delivered.pk}/dispute/", {"reason": "缺数据"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "evidence"
    response = client.post(
        f"/api/orders/{delivered.pk}/dispute/",
        {"reason": "缺数据", "evidence": evidence()},
        format="multipart",
    )
    assert response.status_code == 201 and response.json()["status"] == "disputed"


def test_the_queue_and_the_order_page_offer_what_each_may_do(
    client, disputed, arbitrator, seller, funded_buyer
):
    client.force_login(arbitrator)
    queue = client.get("/disputes/")
    assert queue.status_code == 200 and f"/orders/{disputed.pk}/" in queue.content.decode()
    page = client.get(f"/orders/{disputed.pk}/").content.decode()
    assert 'data-testid="decision-form"' in page and 'data-testid="answer-form"' not in page
    evidence_link = client.get(f"/orders/{disputed.pk}/evidence/buyer/")
    assert evidence_link.status_code == 200
    client.force_login(seller)
    page = client.get(f"/orders/{disputed.pk}/").content.decode()
    assert 'data-testid="answer-form"' in page and 'data-testid="decision-form"' not in page
    assert client.get("/disputes/").status_code == 403
    client.force_login(funded_buyer)
    page = client.get(f"/orders/{disputed.pk}/").content.decode()
    assert 'data-testid="decision-form"' not in page and 'data-testid="answer-form"' not in page
    response = client.post(
        f"/orders/{disputed.pk}/decide/", {"outcome": "refund_in_full", "reason": "我方胜"}
    )
    assert response.status_code == 302
    disputed.refresh_from_db()
    assert disputed.status == OrderStatus.DISPUTED  # refused: the buyer is a party


def test_the_page_decision_form_names_a_bad_refund(client, disputed, arbitrator):
    client.force_login(arbitrator)
    response = client.post(
        f"/orders/{disputed.pk}/decide/",
        {"outcome": "refund_in_part", "refund": "3000.00", "reason": "理由"},
        follow=True,
    )
    assert "3,000.00" in response.content.decode() or "3000.00" in response.content.decode()
    disputed.refresh_from_db()
    assert disputed.status == OrderStatus.DISPUTED
    assert Decimal(disputed.dispute.refund_amount) == 0
