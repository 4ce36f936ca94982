"""Every /api/ledger/ route × every role: an organisation its own, settlement and auditors all,
anyone else nothing (404 for a row out of sight, 403 for an action out of reach)."""

import pytest

from exchange.accounts.roles import OrganisationKind, Role
from exchange.ledger import bank
from exchange.ledger.models import Transfer
from exchange.money import Money
from tests.conftest import api_client_for
from tests.factories import make_organisation, make_user

ROLES = ["anonymous", "treasurer", "other", "settlement", "auditor", "operator"]


def row(*codes):
    return dict(zip(ROLES, codes, strict=True))


# (name, method, path, payload, expected per role: anonymous, treasurer, other org, settlement,
#  auditor, operator)
# fmt: off
LEDGER_API_MATRIX = [
    ("accounts", "get", "/api/ledger/accounts/", None, row(401, 200, 200, 200, 200, 200)),
    ("account", "get", "/api/ledger/accounts/{account}/", None, row(401, 200, 404, 200, 200, 404)),
    ("statement", "get", "/api/ledger/accounts/{account}/statement/", None, row(401, 200, 404, 200, 200, 404)),
    ("transfers", "get", "/api/ledger/transfers/", None, row(401, 200, 200, 200, 200, 200)),
    ("transfer", "get", "/api/ledger/transfers/{hold}/", None, row(401, 200, 404, 200, 200, 404)),
    ("deposits", "get", "/api/ledger/deposits/", None, row(401, 200, 200, 200, 200, 200)),
    ("deposit", "get", "/api/ledger/deposits/{hold}/", None, row(401, 200, 404, 200, 200, 404)),
    ("ask deposit", "post", "/api/ledger/deposits/", {"amount": "5.00"}, row(401, 201, 201, 403, 403, 403)),
    ("confirm deposit", "post", "/api/ledger/deposits/{hold}/confirm/", {}, row(401, 403, 404, 200, 403, 404)),
    ("reject deposit", "post", "/api/ledger/deposits/{hold}/reject/", {}, row(401, 403, 404, 200, 403, 404)),
    ("withdrawals", "get", "/api/ledger/withdrawals/", None, row(401, 200, 200, 200, 200, 200)),
    ("withdrawal", "get", "/api/ledger/withdrawals/{withdrawal}/", None, row(401, 200, 404, 200, 200, 404)),
    ("ask withdrawal", "post", "/api/ledger/withdrawals/", {"amount": "1.00"}, row(401, 201, 409, 403, 403, 403)),
    ("confirm withdrawal", "post", "/api/ledger/withdrawals/{withdrawal}/confirm/", {}, row(401, 403, 404, 200, 403, 404)),
    ("reject withdrawal", "post", "/api/ledger/withdrawals/{withdrawal}/reject/", {}, row(401, 403, 404, 200, 403, 404)),
    ("reconcile", "get", "/api/ledger/reconcile/", None, row(401, 403, 403, 200, 200, 403)),
]
# fmt: on
CELLS = [(entry, role) for entry in LEDGER_API_MATRIX for role in ROLES]


@pytest.fixture
def world(exchange_org):
    buyer = make_organisation(kind=OrganisationKind.BUYER, name="矩阵测试采购有限公司")
    other = make_organisation(kind=OrganisationKind.MERCHANT, name="矩阵测试数商有限公司")
    people = {
        "anonymous": None,
        "treasurer": make_user(role=Role.BUYER, organisation=buyer, username="treasurer"),
        "other": make_user(role=Role.MERCHANT_ADMIN, organisation=other, username="other"),
        "settlement": make_user(
            role=Role.SETTLEMENT_OPERATOR, organisation=exchange_org, username="settle"
        ),
        "auditor": make_user(role=Role.AUDITOR, organisation=exchange_org, username="audit"),
        "operator": make_user(role=Role.OPERATOR, organisation=exchange_org, username="op"),
    }
    funded = bank.request_deposit(
        actor=people["treasurer"], organisation=buyer, amount=Money("100.00"), key="f"
    )
    bank.confirm(actor=people["settlement"], hold=funded)
    hold = bank.request_deposit(
        actor=people["treasurer"], organisation=buyer, amount=Money("10.00"), key="d"
    )
    withdrawal = bank.request_withdrawal(
        actor=people["treasurer"], organisation=buyer, amount=Money("10.00"), key="w"
    )
    ids = {"account": hold.credit_account_id, "hold": hold.pk, "withdrawal": withdrawal.pk}
    return people, ids


@pytest.mark.django_db
@pytest.mark.parametrize(("entry", "role"), CELLS, ids=[f"{e[0]}-{r}" for e, r in CELLS])
def test_ledger_api_matrix(world, entry, role):
    people, ids = world
    _name, method, path, payload, expected = entry
    before = Transfer.objects.count()
    client = api_client_for(people[role])
    url = path.format(**ids)
    headers = {"HTTP_IDEMPOTENCY_KEY": f"matrix-{role}"} if method == "post" else {}
    response = getattr(client, method)(url, payload, format="json", **headers)
    assert response.status_code == expected[role], response.content[:300]
    if response.status_code >= 400:
        assert Transfer.objects.count() == before  # a refusal moves nothing
