"""Schemathesis: the API against its own OpenAPI schema, in-process through the WSGI app.

Every operation is fuzzed as an exchange operator and as a merchant admin, each with a DRF token,
over merchants seeded in several states; half the generated paths address rows that exist, so the
requests reach the services and not only the 404. The checks: no 5xx, and every response conforms
to the schema (documented status code, content type and body). Generation is deterministic
(Hypothesis ``derandomize``) and small, so the file runs in well under a minute on two cores.

The operations are driven here rather than by ``schemathesis.pytest.from_fixture``: its lazy
loader renames the running item through ``Function._nodeid``, which pytest 9.2 no longer has.
Each operation is a subtest, so one run reports every failing operation.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.db.models import Case, When
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from exchange.accounts.models import Invitation, Organisation
from exchange.accounts.roles import OrganisationKind, Role
from exchange.accounts.services import invite_member
from exchange.models import Notification
from exchange.wsgi import application
from merchants.models import Category, Merchant, MerchantDocument
from merchants.selectors import merchants_visible_to
from merchants.states import MerchantStatus
from tests.factories import credit_code, make_organisation, make_user, merchant_in

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]
S = MerchantStatus

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Per operation, mode and role. Deterministic: the same requests on every run and every machine.
FUZZ_SETTINGS = settings(
    max_examples=10,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
CONFIG = schemathesis.Config.from_dict(
    {
        "cache": {"enabled": False},
        # The token is sent explicitly; generated Authorization headers would only test the 401.
        "generation": {"with-security-parameters": False},
    }
)
NOT_FUZZED = [
    # The file itself (PDF, PNG or JPEG bytes): there is no body to check against a schema, and
    # tests/merchants cover who may read it.
    "/api/merchants/{merchant_pk}/documents/{id}/download/",
]


@pytest.fixture
def world(db):
    """An operator and applicants, with merchants in several states, documents, notifications and
    an invitation."""
    exchange = make_organisation(kind=OrganisationKind.EXCHANGE, name="交易所（模糊测试）")
    operator = make_user(role=Role.OPERATOR, organisation=exchange, username="fuzz-op")
    applicant = make_user(role=Role.MERCHANT_ADMIN, username="fuzz-applicant")
    merchant_in(S.DRAFT, applicant=applicant, operator=operator)
    for status in (S.UNDER_REVIEW, S.SIGNING, S.ACTIVE, S.REJECTED):
        merchant_in(status, applicant=make_user(role=Role.MERCHANT_ADMIN), operator=operator)
    invite_member(
        organisation=applicant.organisation,
        email="staff@example.com",
        role=Role.MERCHANT_STAFF,
        actor=applicant,
    )
    return {"operator": operator, "applicant": applicant}


def addressable(user) -> dict[str, list[dict]]:
    """Path parameters of rows that exist, by path prefix.

    Merchants: those ``user`` may see, and one they may not (its answer is the 404).
    """
    visible = set(merchants_visible_to(user).values_list("pk", flat=True))
    hidden = set(Merchant.objects.values_list("pk", flat=True)) - visible
    merchants = sorted(visible) + sorted(hidden)[:1]
    documents = MerchantDocument.objects.filter(merchant__in=merchants)
    notifications = Notification.objects.order_by(Case(When(recipient=user, then=0), default=1))
    return {
        "/api/merchants/{merchant_pk}/documents/{id}/": [
            {"merchant_pk": m, "id": d} for m, d in documents.values_list("merchant_id", "pk")
        ],
        "/api/merchants/{merchant_pk}/": [{"merchant_pk": pk} for pk in merchants],
        "/api/merchants/{id}/": [{"id": pk} for pk in merchants],
        "/api/notifications/{id}/": [
            {"id": pk} for pk in notifications.values_list("pk", flat=True)[:4]
        ],
        "/api/organisations/{id}/": [
            {"id": pk} for pk in Organisation.objects.values_list("pk", flat=True)
        ],
        "/api/invitations/{id}/": [
            {"id": pk} for pk in Invitation.objects.values_list("pk", flat=True)
        ],
        "/api/merchant-categories/{code}/": [
            {"code": code} for code in Category.objects.values_list("code", flat=True)[:4]
        ],
    }


@pytest.fixture
def api_schema_for(world):
    """The schema as the WSGI app serves it, with hooks that aim part of the cases at real rows."""

    def load(user):
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)
        rows = addressable(user)

        @schema.hook
        def flatmap_path_parameters(context, path_parameters):
            """Half the cases address rows that exist, so the fuzzing gets past the 404."""
            path = context.operation.path
            real = next((rows[prefix] for prefix in rows if path.startswith(prefix)), [])
            if not real:
                return st.just(path_parameters)
            return st.one_of(
                st.just(path_parameters),
                st.sampled_from(real).map(lambda known: {**path_parameters, **known}),
            )

        @schema.hook
        def flatmap_body(context, body):
            """Half the application bodies carry a valid credit code, so they reach the services."""
            if not (isinstance(body, dict) and "credit_code" in body):
                return st.just(body)
            return st.one_of(
                st.just(body),
                st.integers(1, 30**5 - 1).map(lambda n: {**body, "credit_code": credit_code(n)}),
            )

        return schema.exclude(path=NOT_FUZZED)

    return load


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """Django's WSGI handler closes the database connection around each request.

    Inside a test's transaction that would end the transaction. Django's test client disconnects
    the same receivers for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def fuzz(schema, user, subtests) -> int:
    """Run every operation in both generation modes; return how many operations ran."""
    token, _ = Token.objects.get_or_create(user=user)
    headers = {"Authorization": f"Token {token.key}"}
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = st.one_of(
            [operation.as_strategy(generation_mode=mode) for mode in schemathesis.GenerationMode]
        )

        @FUZZ_SETTINGS
        @given(case=strategy)
        def conforms(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        with subtests.test(operation=operation.label):
            conforms()
        count += 1
    return count


def documented_operations(schema) -> int:
    methods = {"get", "put", "post", "patch", "delete"}
    return sum(len(methods & set(item)) for item in schema.raw_schema["paths"].values())


def test_api_conforms_to_its_schema_for_an_operator(api_schema_for, world, subtests):
    schema = api_schema_for(world["operator"])
    ran = fuzz(schema, world["operator"], subtests)
    assert ran == documented_operations(schema) - len(NOT_FUZZED)


def test_api_conforms_to_its_schema_for_a_merchant_admin(api_schema_for, world, subtests):
    schema = api_schema_for(world["applicant"])
    ran = fuzz(schema, world["applicant"], subtests)
    assert ran == documented_operations(schema) - len(NOT_FUZZED)
