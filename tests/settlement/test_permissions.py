"""Every /api/orders/ and /api/buyers/ route × every role: the parties see their order, the
exchange's settlement operators, operators and auditors all, anyone else nothing (404); only the
buyer pays, either party cancels, operators verify buyers."""

import pytest
from django.db import transaction

from exchange.accounts.roles import OrganisationKind, Role
from exchange.ledger.models import Transfer
from listings.models import ListingPlan, ProductVersion
from settlement import clearing, contracts, deliveries, disputes, negotiations, services
from settlement.models import Buyer, Order
from tests.conftest import api_client_for
from tests.factories import credit_code, make_organisation, make_user
from tests.settlement.conftest import fund, plan_of, settle_next_working_day
from tests.settlement.test_delivery_modes import upload
from tests.settlement.test_disputes import evidence
from tests.settlement.test_orders import package

ROLES = ["anonymous", "purchaser", "seller", "other", "settlement", "auditor", "operator"]


def row(*codes):
    return dict(zip(ROLES, codes, strict=True))


# (name, method, path, payload, expected per role)
# fmt: off
SETTLEMENT_API_MATRIX = [
    ("orders", "get", "/api/orders/", None, row(401, 200, 200, 200, 200, 200, 200)),
    ("order", "get", "/api/orders/{order}/", None, row(401, 200, 200, 404, 200, 200, 200)),
    ("place", "post", "/api/orders/", "place", row(401, 201, 403, 403, 403, 403, 403)),
    ("pay", "post", "/api/orders/{order}/pay/", None, row(401, 200, 403, 404, 403, 403, 403)),
    ("cancel", "post", "/api/orders/{order}/cancel/", {"reason": "变更"}, row(401, 200, 200, 404, 403, 403, 403)),
    ("deliver", "post", "/api/orders/{paid}/deliver/", "package", row(401, 403, 201, 404, 403, 403, 403)),
    ("deliveries", "get", "/api/orders/{delivered}/deliveries/", None, row(401, 200, 200, 404, 200, 200, 200)),
    ("gateway", "get", "/api/orders/{api}/gateway/", None, row(401, 200, 200, 404, 200, 200, 200)),
    ("gateway_key", "post", "/api/orders/{api}/gateway/key/", None, row(401, 201, 403, 404, 403, 403, 403)),
    ("queries", "get", "/api/orders/{computed}/queries/", None, row(401, 200, 200, 404, 200, 200, 200)),
    ("query", "post", "/api/orders/{computed}/queries/", {"sql": "SELECT COUNT(*) FROM dataset"}, row(401, 201, 403, 404, 403, 403, 403)),
    ("changes", "get", "/api/orders/{settled}/changes/", None, row(401, 200, 200, 404, 200, 200, 200)),
    ("propose_change", "post", "/api/orders/{delivered}/changes/", {"kind": "amend", "clauses": "第 5 条"}, row(401, 201, 201, 404, 403, 403, 403)),
    ("agree_change", "post", "/api/orders/{settled}/changes/{change}/agree/", {}, row(401, 403, 200, 404, 403, 403, 403)),
    ("reject_change", "post", "/api/orders/{settled}/changes/{change}/reject/", {"reason": "不同意"}, row(401, 403, 200, 404, 403, 403, 403)),
    ("withdraw_change", "post", "/api/orders/{settled}/changes/{change}/withdraw/", {}, row(401, 200, 403, 404, 403, 403, 403)),
    ("renewal", "post", "/api/orders/{settled}/renewal/", {"auto_renew": False}, row(401, 200, 403, 404, 403, 403, 403)),
    ("accept", "post", "/api/orders/{delivered}/accept/", None, row(401, 200, 403, 404, 403, 403, 403)),
    ("dispute", "post", "/api/orders/{delivered}/dispute/", "evidence", row(401, 201, 403, 404, 403, 403, 403)),
    ("answer", "post", "/api/orders/{disputed}/answer/", "answer", row(401, 403, 200, 404, 403, 403, 403)),
    # Arbitrators decide (tests/settlement/test_disputes.py); none of these people may.
    ("decide", "post", "/api/orders/{disputed}/decide/", {"outcome": "dismiss", "reason": "证据不足"}, row(401, 403, 403, 404, 403, 403, 403)),
    ("negotiations", "get", "/api/negotiations/", None, row(401, 200, 200, 200, 200, 200, 200)),
    ("negotiation", "get", "/api/negotiations/{requested}/", None, row(401, 200, 200, 404, 200, 200, 200)),
    ("request_quote", "post", "/api/negotiations/", "quote_request", row(401, 201, 403, 403, 403, 403, 403)),
    ("quote", "post", "/api/negotiations/{requested}/quote/", {"amount": "100.00"}, row(401, 403, 200, 404, 403, 403, 403)),
    ("counter", "post", "/api/negotiations/{quoted}/counter/", {"amount": "90.00"}, row(401, 200, 403, 404, 403, 403, 403)),
    ("agree", "post", "/api/negotiations/{quoted}/agree/", None, row(401, 200, 403, 404, 403, 403, 403)),
    ("agree_counter", "post", "/api/negotiations/{countered}/agree-counter/", None, row(401, 403, 200, 404, 403, 403, 403)),
    ("decline", "post", "/api/negotiations/{requested}/decline/", {"reason": "不合适"}, row(401, 200, 200, 404, 403, 403, 403)),
    ("batches", "get", "/api/batches/", None, row(401, 200, 200, 200, 200, 200, 200)),
    ("batch", "get", "/api/batches/{batch}/", None, row(401, 404, 200, 404, 200, 200, 200)),
    ("buyers", "get", "/api/buyers/", None, row(401, 200, 200, 200, 200, 200, 200)),
    ("buyer", "get", "/api/buyers/{buyer}/", None, row(401, 200, 404, 404, 200, 200, 200)),
    ("apply", "post", "/api/buyers/", "apply", row(401, 400, 201, 201, 403, 403, 403)),
    ("verify", "post", "/api/buyers/{applied}/verify/", {}, row(401, 404, 404, 404, 403, 403, 200)),
    ("reject", "post", "/api/buyers/{applied}/reject/", {"reason": "材料不全"}, row(401, 404, 404, 404, 403, 403, 200)),
    ("reapply", "post", "/api/buyers/{buyer}/reapply/", {}, row(401, 409, 404, 404, 403, 403, 403)),
]
# fmt: on


@pytest.fixture
def world(listed, funded_buyer, seller, exchange_org):
    other = make_organisation(kind=OrganisationKind.MERCHANT, name="矩阵测试其他数商有限公司")
    applicant_org = make_organisation(kind=OrganisationKind.BUYER, name="矩阵测试申请采购有限公司")
    applicant = make_user(role=Role.BUYER, organisation=applicant_org, username="applicant_b")
    applied = services.apply_as_buyer(
        actor=applicant, company_name=applicant_org.name, credit_code=credit_code(11)
    )
    people = {
        "anonymous": None,
        "purchaser": funded_buyer,
        "seller": seller,
        "other": make_user(role=Role.MERCHANT_ADMIN, organisation=other, username="other_m"),
        "settlement": make_user(
            role=Role.SETTLEMENT_OPERATOR, organisation=exchange_org, username="m_settle"
        ),
        "auditor": make_user(role=Role.AUDITOR, organisation=exchange_org, username="m_audit"),
        "operator": make_user(role=Role.OPERATOR, organisation=exchange_org, username="m_op"),
    }
    order = services.place_order(
        actor=funded_buyer,
        listing=listed,
        plan=plan_of(listed, "monthly"),
        scenario=listed.product.registered_version.scenarios.first(),
    )
    paid = services.place_order(
        actor=funded_buyer,
        listing=listed,
        plan=plan_of(listed, "monthly"),
        scenario=listed.product.registered_version.scenarios.first(),
    )
    services.pay_order(paid, actor=funded_buyer, key="paid", respond=lambda o: {})
    delivered = services.place_order(
        actor=funded_buyer,
        listing=listed,
        plan=plan_of(listed, "monthly"),
        scenario=listed.product.registered_version.scenarios.first(),
    )
    services.pay_order(delivered, actor=funded_buyer, key="delivered", respond=lambda o: {})
    deliveries.deliver(delivered, actor=seller, upload=package())
    fund(funded_buyer, "20000.00", people["settlement"])
    ProductVersion.objects.filter(pk=listed.product.registered_version_id).update(
        delivery_modes=["file", "api", "privacy_computing"]
    )
    by_mode = {}
    for mode in ("api", "privacy_computing"):
        by_mode[mode] = services.place_order(
            actor=funded_buyer,
            listing=listed,
            plan=plan_of(listed, "monthly"),
            scenario=listed.product.registered_version.scenarios.first(),
        )
        services.pay_order(by_mode[mode], actor=funded_buyer, key=mode, respond=lambda o: {})
        deliveries.deliver(by_mode[mode], actor=seller, upload=upload(), mode=mode)
    fund(funded_buyer, "20000.00", people["settlement"])
    disputed = services.place_order(
        actor=funded_buyer,
        listing=listed,
        plan=plan_of(listed, "monthly"),
        scenario=listed.product.registered_version.scenarios.first(),
    )
    services.pay_order(disputed, actor=funded_buyer, key="disputed", respond=lambda o: {})
    deliveries.deliver(disputed, actor=seller, upload=package())
    disputes.open_dispute(disputed, actor=funded_buyer, reason="缺数据", evidence=evidence())
    fund(funded_buyer, "20000.00", people["settlement"])
    settled = services.place_order(
        actor=funded_buyer,
        listing=listed,
        plan=plan_of(listed, "monthly"),
        scenario=listed.product.registered_version.scenarios.first(),
    )
    services.pay_order(settled, actor=funded_buyer, key="settled", respond=lambda o: {})
    deliveries.deliver(settled, actor=seller, upload=package())
    services.accept_order(settled, actor=funded_buyer)
    clearing.clear_order(settled)
    batch = settle_next_working_day()
    negotiated = ListingPlan.objects.create(listing=listed, kind="negotiated", price_amount=None)
    rounds = {}
    for state in ("requested", "quoted", "countered"):
        rounds[state] = negotiations.request_quote(
            actor=funded_buyer,
            listing=listed,
            plan=negotiated,
            scenario=listed.product.registered_version.scenarios.first(),
            requirements="全年日粒度数据",
        )
        if state != "requested":
            negotiations.quote(rounds[state], actor=seller, amount="120.00")
        if state == "countered":
            negotiations.counter(rounds[state], actor=funded_buyer, amount="100.00")
    change = contracts.propose(settled, actor=funded_buyer, kind="amend", clauses="第 4 条")
    ids = {
        "change": change.pk,
        "settled": settled.pk,
        "requested": rounds["requested"].pk,
        "quoted": rounds["quoted"].pk,
        "countered": rounds["countered"].pk,
        "batch": batch.business_date.isoformat(),
        "order": order.pk,
        "buyer": funded_buyer.organisation.buyer.pk,
        "applied": applied.pk,
        "paid": paid.pk,
        "delivered": delivered.pk,
        "disputed": disputed.pk,
        "api": by_mode["api"].pk,
        "computed": by_mode["privacy_computing"].pk,
    }
    payloads = {
        "place": {
            "listing": listed.pk,
            "plan": plan_of(listed, "monthly").pk,
            "scenario": "financial_services",
        },
        "quote_request": {
            "listing": listed.pk,
            "plan": negotiated.pk,
            "scenario": "financial_services",
            "requirements": "全年日粒度数据",
        },
        "apply": {"company_name": "矩阵测试新采购有限公司", "credit_code": credit_code(12)},
        "package": lambda: {"file": package()},
        "evidence": lambda: {"reason": "缺数据", "evidence": evidence()},
        "answer": lambda: {"answer": "已按约交付"},
    }
    return people, ids, payloads


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@pytest.mark.parametrize("entry", SETTLEMENT_API_MATRIX, ids=[e[0] for e in SETTLEMENT_API_MATRIX])
def test_settlement_api_matrix(world, entry):
    people, ids, payloads = world
    _name, method, path, payload, expected = entry
    name = payload if isinstance(payload, str) else None
    got = {}
    for role in ROLES:
        payload = payloads.get(name, payload) if name else payload
        payload = payload() if callable(payload) else payload
        data_format = "multipart" if name in ("package", "evidence", "answer") else "json"
        before = (Transfer.objects.count(), Order.objects.count(), Buyer.objects.count())
        try:
            with transaction.atomic():
                headers = {"HTTP_IDEMPOTENCY_KEY": f"matrix-{role}"} if method == "post" else {}
                response = getattr(api_client_for(people[role]), method)(
                    path.format(**ids), payload, format=data_format, **headers
                )
                got[role] = response.status_code
                if response.status_code >= 400:
                    after = (Transfer.objects.count(), Order.objects.count(), Buyer.objects.count())
                    assert after == before, f"{role}: a refusal changed something"
                raise _Rollback
        except _Rollback:
            pass
    assert got == expected
