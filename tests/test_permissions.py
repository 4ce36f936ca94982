"""The permission matrix: every role against every API endpoint, page and admin action.

Each cell is the exact status the role gets. A refusal changes nothing: the test compares the
merchant's status, its events and the notifications before and after.
"""

import pytest
from django.test import Client

from exchange.accounts.roles import OrganisationKind, Role
from exchange.models import Notification
from merchants.states import MerchantStatus
from tests.conftest import api_client_for
from tests.factories import ApplicationFactory, make_organisation, make_user, merchant_in

S = MerchantStatus

ROLES = [
    "anonymous",
    "owner_admin",  # merchant admin of the merchant's own organisation
    "owner_staff",
    "other_admin",  # merchant admin of another organisation (with no application yet)
    "buyer",
    "compliance_reviewer",
    "quality_reviewer",
    "listing_committee",
    "settlement_operator",
    "operator",
    "auditor",
]


@pytest.fixture
def people(db):
    exchange = make_organisation(kind=OrganisationKind.EXCHANGE)
    owner_org = make_organisation(kind=OrganisationKind.MERCHANT)
    staff = {
        role: make_user(role=role, organisation=exchange, username=role)
        for role in (
            Role.COMPLIANCE_REVIEWER,
            Role.QUALITY_REVIEWER,
            Role.LISTING_COMMITTEE,
            Role.SETTLEMENT_OPERATOR,
            Role.OPERATOR,
            Role.AUDITOR,
        )
    }
    return {
        "anonymous": None,
        "owner_admin": make_user(
            role=Role.MERCHANT_ADMIN, organisation=owner_org, username="owner_admin"
        ),
        "owner_staff": make_user(
            role=Role.MERCHANT_STAFF, organisation=owner_org, username="owner_staff"
        ),
        "other_admin": make_user(role=Role.MERCHANT_ADMIN, username="other_admin"),
        "buyer": make_user(role=Role.BUYER, username="buyer"),
        **{role.value: user for role, user in staff.items()},
    }


def merchant_for(people, status):
    return merchant_in(status, applicant=people["owner_admin"], operator=people["operator"])


def row(
    anonymous,
    owner_admin,
    owner_staff,
    other_admin,
    buyer,
    reviewers,
    settlement,
    operator,
    auditor,
):
    """Expected status per role; reviewers = compliance, quality and committee alike."""
    return dict(
        zip(
            ROLES,
            [
                anonymous,
                owner_admin,
                owner_staff,
                other_admin,
                buyer,
                reviewers,
                reviewers,
                reviewers,
                settlement,
                operator,
                auditor,
            ],
            strict=True,
        )
    )


# (name, merchant state, method, path template, payload, expected per role)
# Columns of row(): anonymous, owner admin, owner staff, other admin, buyer, reviewers, settlement, operator, auditor
# fmt: off
API_MATRIX = [
    ("read draft", S.DRAFT, "get", "/api/merchants/{id}/", None, row(401, 200, 200, 404, 404, 404, 404, 404, 404)),
    ("read submitted", S.SUBMITTED, "get", "/api/merchants/{id}/", None, row(401, 200, 200, 404, 404, 404, 404, 200, 200)),
    ("read active", S.ACTIVE, "get", "/api/merchants/{id}/", None, row(401, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("events of submitted", S.SUBMITTED, "get", "/api/merchants/{id}/events/", None, row(401, 200, 200, 404, 404, 404, 404, 200, 200)),
    ("documents of submitted", S.SUBMITTED, "get", "/api/merchants/{id}/documents/", None, row(401, 200, 200, 404, 404, 404, 404, 200, 200)),
    ("edit draft", S.DRAFT, "patch", "/api/merchants/{id}/", {"business_scope": "x"}, row(401, 200, 200, 404, 404, 404, 404, 404, 404)),
    ("submit", S.DRAFT, "post", "/api/merchants/{id}/submit/", {}, row(401, 200, 403, 404, 404, 404, 404, 404, 404)),
    ("withdraw", S.SUBMITTED, "post", "/api/merchants/{id}/withdraw/", {}, row(401, 200, 403, 404, 404, 404, 404, 403, 403)),
    ("start review", S.SUBMITTED, "post", "/api/merchants/{id}/start-review/", {}, row(401, 403, 403, 404, 404, 404, 404, 200, 403)),
    ("request information", S.UNDER_REVIEW, "post", "/api/merchants/{id}/request-information/", {"reason": "r"}, row(401, 403, 403, 404, 404, 404, 404, 200, 403)),
    ("approve", S.UNDER_REVIEW, "post", "/api/merchants/{id}/approve/", {}, row(401, 403, 403, 404, 404, 404, 404, 200, 403)),
    ("reject", S.UNDER_REVIEW, "post", "/api/merchants/{id}/reject/", {"reason": "r"}, row(401, 403, 403, 404, 404, 404, 404, 200, 403)),
    ("resubmit", S.INFO_REQUESTED, "post", "/api/merchants/{id}/resubmit/", {}, row(401, 200, 403, 404, 404, 404, 404, 403, 403)),
    ("issue agreement", S.APPROVED, "post", "/api/merchants/{id}/issue-agreement/", {}, row(401, 403, 403, 404, 404, 404, 404, 200, 403)),
    ("sign", S.SIGNING, "post", "/api/merchants/{id}/sign/", {}, row(401, 200, 403, 404, 404, 404, 404, 403, 403)),
    ("suspend", S.ACTIVE, "post", "/api/merchants/{id}/suspend/", {"reason": "r"}, row(401, 403, 403, 403, 403, 403, 403, 200, 403)),
    ("reinstate", S.SUSPENDED, "post", "/api/merchants/{id}/reinstate/", {}, row(401, 403, 403, 404, 404, 404, 404, 200, 403)),
    ("terminate", S.ACTIVE, "post", "/api/merchants/{id}/terminate/", {"reason": "r"}, row(401, 403, 403, 403, 403, 403, 403, 200, 403)),
    ("queue", None, "get", "/api/merchants/queue/", None, row(401, 403, 403, 403, 403, 403, 403, 200, 200)),
    ("list", None, "get", "/api/merchants/", None, row(401, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("categories", None, "get", "/api/merchant-categories/", None, row(401, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("apply", None, "post", "/api/merchants/", "application", row(401, 409, 403, 201, 403, 403, 403, 403, 403)),
    ("me", None, "get", "/api/me/", None, row(401, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("revoke my token", None, "post", "/api/auth/token/revoke/", {}, row(401, 204, 204, 204, 204, 204, 204, 204, 204)),
    ("organisations", None, "get", "/api/organisations/", None, row(401, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("invitations", None, "get", "/api/invitations/", None, row(401, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("notifications", None, "get", "/api/notifications/", None, row(401, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("clock", None, "get", "/api/clock/", None, row(401, 200, 200, 200, 200, 200, 200, 200, 200)),
]
# fmt: on

CELLS = [(entry, role) for entry in API_MATRIX for role in ROLES]


def state_of(merchant):
    if merchant is None:
        return None
    merchant.refresh_from_db()
    return merchant.status, merchant.events.count(), Notification.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize(("entry", "role"), CELLS, ids=[f"{e[0]}-{r}" for e, r in CELLS])
def test_api_matrix(people, entry, role):
    name, status, method, path, payload, expected = entry
    merchant = merchant_for(people, status) if status is not None else None
    if status is None and name == "apply":
        merchant_for(people, S.DRAFT)  # the owner organisation already has its live application
    if payload == "application":
        payload = {**ApplicationFactory(), "categories": ["supply_demand"]}
    before = state_of(merchant)
    client = api_client_for(people[role])
    url = path.format(id=merchant.pk if merchant else 0)
    response = (
        getattr(client, method)(url, payload, format="json")
        if payload is not None
        else getattr(client, method)(url)
    )
    assert response.status_code == expected[role], response.content[:300]
    if response.status_code >= 400 and merchant is not None:
        assert state_of(merchant) == before


# fmt: off
PAGE_MATRIX = [
    ("directory", None, "/merchants/", row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("home", None, "/", row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("credit code check", None, "/merchants/check-credit-code/?credit_code=9144030071526726XG", row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # An active merchant's page is its public profile; an application is not found by visitors.
    ("detail of draft", S.DRAFT, "/merchants/{id}/", row(404, 200, 200, 404, 404, 404, 404, 404, 404)),
    ("detail of submitted", S.SUBMITTED, "/merchants/{id}/", row(404, 200, 200, 404, 404, 404, 404, 200, 200)),
    ("detail of active", S.ACTIVE, "/merchants/{id}/", row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("edit draft", S.DRAFT, "/merchants/{id}/edit/", row(302, 200, 200, 404, 404, 404, 404, 404, 404)),
    ("queue", None, "/merchants/queue/", row(302, 403, 403, 403, 403, 403, 403, 200, 200)),
    ("all applications", None, "/merchants/all/", row(302, 403, 403, 403, 403, 403, 403, 200, 200)),
    ("apply form", None, "/merchants/apply/", row(302, 200, 403, 200, 403, 403, 403, 403, 403)),
    ("members", None, "/accounts/members/", row(302, 200, 403, 200, 200, 403, 403, 200, 403)),
    ("notifications", None, "/notifications/", row(302, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("my account", None, "/accounts/", row(302, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("admin index", None, "/admin/", row(302, 302, 302, 302, 302, 302, 302, 200, 200)),
    ("admin merchants", None, "/admin/merchants/merchant/", row(302, 302, 302, 302, 302, 302, 302, 200, 200)),
]
# fmt: on
PAGE_CELLS = [(entry, role) for entry in PAGE_MATRIX for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("entry", "role"), PAGE_CELLS, ids=[f"{e[0]}-{r}" for e, r in PAGE_CELLS])
def test_page_matrix(people, entry, role):
    _name, status, path, expected = entry
    merchant = merchant_for(people, status) if status is not None else None
    client = Client()
    if people[role] is not None:
        client.force_login(people[role])
    response = client.get(path.format(id=merchant.pk if merchant else 0))
    assert response.status_code == expected[role]


# Web actions: POSTs from the pages. A refusal redirects back with a message and changes nothing.
WEB_ACTIONS = [
    ("submit", S.DRAFT, {"owner_admin"}),
    ("start-review", S.SUBMITTED, {"operator"}),
    ("approve", S.UNDER_REVIEW, {"operator"}),
    ("sign", S.SIGNING, {"owner_admin"}),
    ("suspend", S.ACTIVE, {"operator"}),
]
WEB_CELLS = [(entry, role) for entry in WEB_ACTIONS for role in ROLES if role != "anonymous"]


@pytest.mark.django_db
@pytest.mark.parametrize(("entry", "role"), WEB_CELLS, ids=[f"{e[0]}-{r}" for e, r in WEB_CELLS])
def test_web_action_matrix(people, entry, role):
    action, status, allowed = entry
    merchant = merchant_for(people, status)
    before = state_of(merchant)
    client = Client()
    client.force_login(people[role])
    response = client.post(f"/merchants/{merchant.pk}/{action}/", {"reason": "理由"})
    if role in allowed:
        assert response.status_code == 302
        assert state_of(merchant)[0] != status
    else:
        assert response.status_code in (302, 404)
        assert state_of(merchant) == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["operator", "auditor", "owner_admin"])
def test_admin_action_matrix(people, role):
    merchant = merchant_for(people, S.UNDER_REVIEW)
    before = state_of(merchant)
    client = Client()
    client.force_login(people[role])
    response = client.post(
        "/admin/merchants/merchant/",
        {"action": "approve_application", "_selected_action": [merchant.pk]},
    )
    if role == "operator":
        assert response.status_code == 302
        assert state_of(merchant)[0] == S.APPROVED
    else:
        # auditors do not get the action (no change permission); merchants are sent to the admin login
        assert response.status_code in (200, 302, 403)
        assert state_of(merchant) == before
