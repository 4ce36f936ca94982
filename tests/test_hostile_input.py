"""Hostile input answers 4xx in the house error format, never a 500, and changes nothing.

Deeply nested JSON, lone surrogates and NUL characters are refused by the API's JSON parser
(``exchange.api.parsers``); NUL in addresses, query strings and page forms, and bodies over the
limit, by ``exchange.middleware.RequestLimitsMiddleware``. These tests carry no marker: the
services profile runs them on PostgreSQL, where a NUL used to fail inside the query.
"""

import json

import pytest
from django.test import Client

from exchange.accounts.models import Organisation, User
from exchange.accounts.roles import Role
from tests.conftest import api_client_for
from tests.factories import make_user
from tests.test_structure import ROUTES

pytestmark = pytest.mark.django_db
DEEP = "[" * 100_000 + "]" * 100_000
SIGN_UP = {
    "organisation_name": "恶意输入公司",
    "kind": "buyer",
    "username": "hostile",
    "email": "hostile@example.com",
    "password": "correct-horse-battery-9",
}


def world_count() -> tuple[int, int]:
    return Organisation.objects.count(), User.objects.count()


def assert_error_body(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code, body
    for problem in body["errors"]:
        assert set(problem) == {"field", "code", "message"}
    return body


@pytest.mark.parametrize(
    "path", ["/api/auth/token/", "/api/auth/signup/", "/api/auth/accept-invitation/"]
)
def test_deeply_nested_json_to_an_anonymous_endpoint_is_a_400(path):
    before = world_count()
    response = Client().post(path, data=DEEP, content_type="application/json")
    body = assert_error_body(response, 400, "too_deep")
    assert "32" in body["message"]
    assert world_count() == before


def test_json_nesting_just_past_the_limit_is_refused_and_at_the_limit_it_is_read(operator):
    client = api_client_for(operator)
    nested = {"a": 1}
    for _ in range(30):
        nested = {"n": nested}  # with the body itself: 32 levels of objects
    at_limit = client.post("/api/auth/signup/", {**SIGN_UP, "extra": nested}, format="json")
    assert at_limit.status_code == 201  # unknown keys are ignored; the depth is allowed
    past = client.post(
        "/api/auth/signup/",
        {**SIGN_UP, "username": "h2", "email": "h2@example.com", "extra": {"n": nested}},
        format="json",
    )
    body = assert_error_body(past, 400, "too_deep")
    assert "$.extra" in body["message"]
    assert not User.objects.filter(username="h2").exists()


def test_every_json_endpoint_refuses_deep_nesting_without_a_500(operator):
    """Every route that takes a body, as an operator (most routes let it through to the body)."""
    client = api_client_for(operator)
    checked = 0
    for path, callback in ROUTES:
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        actions = getattr(callback, "actions", None) or {}
        methods = [m for m in ("post", "put", "patch") if m in actions or hasattr(view, m)]
        url = path.replace("{id}", "1")
        for method in methods:
            response = getattr(client, method)(url, data=DEEP, content_type="application/json")
            assert response.status_code < 500, (method, url, response.content[:200])
            if response.status_code == 400:
                assert response.json()["code"] == "too_deep", (method, url, response.json())
            checked += 1
    assert checked > 30


def test_a_lone_surrogate_in_a_choice_field_is_a_400_naming_the_place():
    before = world_count()
    body = json.dumps({**SIGN_UP, "kind": "\udc00"})  # json.dumps escapes it: "\udc00"
    assert "\\udc00" in body
    response = Client().post("/api/auth/signup/", data=body, content_type="application/json")
    problem = assert_error_body(response, 400, "lone_surrogate")
    assert "$.kind" in problem["message"]
    assert world_count() == before


def test_a_lone_surrogate_in_a_key_is_a_400():
    body = '{"organisation_name": "x", "\\ud800": 1}'
    response = Client().post("/api/auth/signup/", data=body, content_type="application/json")
    assert_error_body(response, 400, "lone_surrogate")


def test_a_nul_anywhere_in_a_json_body_is_a_400():
    before = world_count()
    response = api_client_for().post(
        "/api/auth/signup/", {**SIGN_UP, "organisation_name": "恶意\x00公司"}, format="json"
    )
    body = assert_error_body(response, 400, "nul_character")
    assert "$.organisation_name" in body["message"]
    assert world_count() == before


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/catalog/?q=%E6%95%B0%00", None),
        ("/registry/?q=DR%00", None),
        ("/merchants/?q=%00", None),
        ("/merchants/check-credit-code/?credit_code=9144%00", None),
        ("/merchants/all/?q=%00abc", Role.OPERATOR),
        ("/products/?page=1%00", Role.MERCHANT_ADMIN),
    ],
)
def test_a_nul_in_a_page_search_answers_a_400_page(path, role):
    client = Client()
    if role is not None:
        client.force_login(make_user(role=role))
    response = client.get(path)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "U+0000" in response.content.decode()


def test_a_nul_in_an_api_query_or_address_is_a_400_in_the_error_format(operator):
    client = api_client_for(operator)
    body = assert_error_body(client.get("/api/merchants/?search=%00"), 400, "nul_character")
    assert body["errors"] == [
        {"field": "search", "code": "nul_character", "message": body["message"]}
    ]
    assert_error_body(client.get("/api/registry/certificates/DR%00/"), 400, "nul_character")
    assert_error_body(Client().get("/api/catalog/?q=%00"), 400, "nul_character")


def test_a_nul_in_a_page_form_is_a_400_and_changes_nothing():
    before = world_count()
    response = Client().post("/accounts/signup/", {**SIGN_UP, "organisation_name": "a\x00b"})
    assert response.status_code == 400
    assert world_count() == before


def test_a_body_over_the_limit_answers_413_in_the_error_format(settings, operator):
    settings.REQUEST_MAX_BYTES = 4096
    before = world_count()
    big = {**SIGN_UP, "organisation_name": "大" * 4000}
    response = Client().post(
        "/api/auth/signup/", data=json.dumps(big), content_type="application/json"
    )
    body = assert_error_body(response, 413, "request_too_large")
    assert body["message"]
    # an upload too, before any of it is stored
    from seeds.documents import pdf_upload

    upload = api_client_for(operator).post(
        "/api/merchants/1/documents/",
        {"kind": "business_licence", "file": pdf_upload("licence.pdf", "x" * 8000)},
        format="multipart",
    )
    assert_error_body(upload, 413, "request_too_large")
    # a page answers with a page
    page = Client().post("/accounts/signup/", {**SIGN_UP, "organisation_name": "大" * 4000})
    assert page.status_code == 413 and page["Content-Type"].startswith("text/html")
    assert world_count() == before


def test_a_body_just_under_the_limit_is_read(settings):
    body = json.dumps(SIGN_UP)
    settings.REQUEST_MAX_BYTES = len(body.encode())
    response = Client().post("/api/auth/signup/", data=body, content_type="application/json")
    assert response.status_code == 201
