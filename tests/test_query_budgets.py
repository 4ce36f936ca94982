"""List endpoints and pages cost the same number of queries for 1 row and for 20."""

import pytest
from django.db import connection
from django.test import Client

from merchants.states import MerchantStatus
from tests.conftest import api_client_for
from tests.factories import make_user, merchant_in

S = MerchantStatus


def grow(count, operator, path):
    from exchange.accounts.roles import Role

    status = S.SUBMITTED if "queue" in path else S.ACTIVE
    for _ in range(count):
        merchant_in(status, applicant=make_user(role=Role.MERCHANT_ADMIN), operator=operator)


def queries(fetch) -> int:
    """Statements the database ran for one request (an execute wrapper sees every one)."""
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = fetch()
    assert response.status_code == 200
    assert executed, "no query at all: the measurement is broken"
    return len(executed)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/merchants/",
        "/api/merchants/queue/",
        "/api/merchant-categories/",
        "/api/notifications/",
    ],
)
def test_api_lists_cost_the_same_for_1_and_20_rows(operator, path):
    grow(1, operator, path)
    client = api_client_for(operator)
    one = queries(lambda: client.get(path))
    grow(19, operator, path)
    twenty = queries(lambda: client.get(path))
    assert one == twenty
    assert client.get(path).json()["count"] >= 20


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/merchants/", "/merchants/all/", "/merchants/queue/"])
def test_pages_cost_the_same_for_1_and_20_rows(operator, path):
    grow(1, operator, path)
    client = Client()
    client.force_login(operator)
    one = queries(lambda: client.get(path))
    grow(19, operator, path)
    twenty = queries(lambda: client.get(path))
    assert one == twenty
