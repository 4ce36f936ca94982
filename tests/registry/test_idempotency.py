"""Registering data takes an Idempotency-Key: a retried request returns the first certificate and
adds nothing to the permanent log; the same key with another request is refused (409)."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client

from exchange.accounts.roles import Role
from exchange.registry.models import Certificate, RegisteredData
from tests.conftest import api_client_for
from tests.factories import credit_code, log_entries, make_user

pytestmark = pytest.mark.django_db
URL = "/api/registry/certificates/"


def request_body(**overrides) -> dict:
    return {
        "kind": "DR",
        "registrant_name": "上海港口物流数据有限公司",
        "registrant_credit_code": credit_code(31),
        "name": "洋山港集装箱作业数据资源",
        "description": "2020 年以来的作业记录。",
        "source": "自有系统采集",
        "rights": ["resource_holding"],
        **overrides,
    }


def log_state() -> tuple[int, int, int]:
    return Certificate.objects.count(), len(log_entries()), RegisteredData.objects.count()


def register(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, body, format="json", **headers)


def test_fifty_identical_requests_with_one_key_issue_one_certificate(operator):
    client = api_client_for(operator)
    responses = [register(client, request_body(), key="req-2026-0001") for _ in range(50)]
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["number"] for r in responses}) == 1
    assert responses[0].json() == responses[-1].json()
    assert log_state() == (1, 1, 1)


def test_without_a_key_each_request_is_a_new_registration(operator):
    client = api_client_for(operator)
    assert register(client, request_body()).status_code == 201
    assert register(client, request_body()).status_code == 201
    assert log_state() == (2, 2, 2)


def test_the_same_key_with_another_body_is_a_409_and_adds_nothing(operator):
    client = api_client_for(operator)
    first = register(client, request_body(), key="k-1")
    before = log_state()
    conflict = register(client, request_body(name="另一份数据资源"), key="k-1")
    assert conflict.status_code == 409
    body = conflict.json()
    assert body["code"] == "idempotency_conflict"
    assert body["errors"][0]["field"] == "idempotency_key"
    assert first.json()["number"] in body["message"]
    assert log_state() == before


def test_keys_are_unique_per_user(operator, second_operator):
    first = register(api_client_for(operator), request_body(), key="shared-key")
    second = register(api_client_for(second_operator), request_body(), key="shared-key")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] != second.json()["number"]
    assert log_state() == (2, 2, 2)


@pytest.mark.parametrize("key", ["has space", "x" * 256, "中文键", "tab\tkey"])
def test_a_malformed_key_is_a_400_naming_it(operator, key):
    response = api_client_for(operator).post(
        URL, request_body(), format="json", headers={"Idempotency-Key": key}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "idempotency_key"
    assert log_state() == (0, 0, 0)


def test_a_key_of_255_visible_characters_is_accepted(operator):
    key = "".join(chr(33 + n % 94) for n in range(255))
    response = api_client_for(operator).post(
        URL, request_body(), format="json", headers={"Idempotency-Key": key}
    )
    assert response.status_code == 201
    assert RegisteredData.objects.get().idempotency_key == key


def test_a_refused_request_does_not_use_up_its_key(operator):
    client = api_client_for(operator)
    bad = register(client, request_body(rights=["product_operation"]), key="retry-me")
    assert bad.status_code == 400
    good = register(client, request_body(), key="retry-me")
    assert good.status_code == 201 and log_state() == (1, 1, 1)


def test_the_registry_page_sends_a_key_so_a_double_submit_registers_once(operator):
    client = Client()
    client.force_login(operator)
    page = client.get("/registry/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    assert key != re.search(
        r'name="idempotency_key" value="([^"]+)"', client.get("/registry/").content.decode()
    ).group(1)  # each empty form has its own
    form = {**request_body(), "idempotency_key": key}
    first = client.post("/registry/register/", form)
    second = client.post("/registry/register/", form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert log_state() == (1, 1, 1)


def test_the_schema_documents_the_idempotency_key(operator):
    schema = api_client_for(operator).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    parameters = schema["paths"][URL]["post"]["parameters"]
    [header] = [p for p in parameters if p["name"] == "Idempotency-Key"]
    assert header["in"] == "header" and not header.get("required", False)
    assert "idempotency_conflict" in header["description"]
    assert "409" in schema["paths"][URL]["post"]["responses"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_key_sent_twice_at_once_issues_one_certificate():
    operator = make_user(role=Role.OPERATOR, username="racer")
    barrier = threading.Barrier(4)
    responses = []

    def send():
        try:
            barrier.wait(timeout=10)
            responses.append(register(api_client_for(operator), request_body(), key="race-key"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.json()["number"] for r in responses}) == 1
    assert log_state() == (1, 1, 1)
