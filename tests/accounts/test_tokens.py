"""API tokens end: after API_TOKEN_VALID_DAYS, when the password changes or is reset, and when
their owner revokes them (account page or API)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from exchange.accounts import services
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-pass-2026"


@pytest.fixture
def person():
    return services.create_user(
        organisation=make_organisation(),
        username="tokenholder",
        email="holder@example.com",
        password=PASSWORD,
        role="merchant_admin",
    )


def get_token(username="tokenholder", password=PASSWORD) -> dict:
    response = APIClient().post("/api/auth/token/", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def with_token(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_says_when_it_ends_and_stops_working_then(person, settings):
    issued = get_token()
    expires = timezone.datetime.fromisoformat(issued["expires_at"])
    assert expires - timezone.now() == pytest.approx(
        timedelta(days=settings.API_TOKEN_VALID_DAYS), abs=timedelta(minutes=1)
    )
    assert with_token(issued["token"]).get("/api/me/").status_code == 200
    # the same token until it ends
    assert get_token()["token"] == issued["token"]
    with time_machine.travel(expires + timedelta(seconds=1)):
        refused = with_token(issued["token"]).get("/api/me/")
        assert refused.status_code == 401
        assert refused.json()["code"] == "token_expired"
        assert not Token.objects.filter(key=issued["token"]).exists()
        renewed = get_token()
        assert renewed["token"] != issued["token"]
        assert with_token(renewed["token"]).get("/api/me/").status_code == 200


def test_an_expired_token_is_replaced_when_a_new_one_is_asked_for(person, settings):
    issued = get_token()
    Token.objects.filter(key=issued["token"]).update(
        created=timezone.now() - timedelta(days=settings.API_TOKEN_VALID_DAYS, seconds=1)
    )
    assert get_token()["token"] != issued["token"]
    assert Token.objects.filter(user=person).count() == 1


def test_changing_the_password_revokes_the_token(person):
    key = get_token()["token"]
    client = Client()
    client.force_login(person)
    new = "another-Long-pass-2027"
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert with_token(key).get("/api/me/").status_code == 401
    assert not Token.objects.filter(user=person).exists()
    assert client.get("/accounts/").status_code == 200  # this session stays signed in


def test_a_password_reset_revokes_the_token(person):
    key = get_token()["token"]
    anonymous = Client()
    anonymous.post("/accounts/password/reset/", {"email": "holder@example.com"})
    link = re.search(r"http://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = anonymous.get(link, follow=True)
    final = "third-Long-pass-2028"
    done = anonymous.post(
        form_page.redirect_chain[-1][0], {"new_password1": final, "new_password2": final}
    )
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password(final)
    assert with_token(key).get("/api/me/").status_code == 401
    assert not Token.objects.filter(user=person).exists()


def test_a_failed_password_change_keeps_the_token(person):
    key = get_token()["token"]
    client = Client()
    client.force_login(person)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": "x-Long-2027", "new_password2": "x-Long-2027"},
    )
    assert response.status_code == 200
    assert with_token(key).get("/api/me/").status_code == 200


def test_the_account_page_shows_the_token_and_revokes_it(person, settings):
    key = get_token()["token"]
    client = Client()
    client.force_login(person)
    page = client.get("/accounts/")
    assert page.status_code == 200
    token = Token.objects.get(key=key)
    expires = timezone.localtime(services.token_expires_at(token)).strftime("%Y-%m-%d %H:%M")
    assert expires in page.content.decode()
    assert key not in page.content.decode()  # the secret is not shown again
    revoked = client.post("/accounts/token/revoke/")
    assert revoked.status_code == 302
    assert with_token(key).get("/api/me/").status_code == 401
    page = client.get("/accounts/")
    assert 'data-testid="api-token"' in page.content.decode()
    assert not Token.objects.filter(user=person).exists()


def test_the_api_revokes_the_callers_own_token(person):
    key = get_token()["token"]
    other = services.create_user(
        organisation=make_organisation(),
        username="bystander",
        email="bystander@example.com",
        password=PASSWORD,
        role="merchant_admin",
    )
    other_key = get_token("bystander")["token"]
    response = with_token(key).post("/api/auth/token/revoke/")
    assert response.status_code == 204
    assert with_token(key).get("/api/me/").status_code == 401
    assert with_token(other_key).get("/api/me/").json()["username"] == other.username
    assert APIClient().post("/api/auth/token/revoke/").status_code == 401


def test_the_nav_links_to_the_account_page(person):
    client = Client()
    client.force_login(person)
    assert 'href="/accounts/"' in client.get("/").content.decode()
    assert re.search(
        r"(?s)<dt>[^<]*</dt><dd>tokenholder</dd>", client.get("/accounts/").content.decode()
    )
