"""Throttles: the API per address and per user, sign-up, tokens and invitations by their own
scopes, the password-reset page per client address and per e-mail address. The certificate log
is never throttled. Rates come from DEFAULT_THROTTLE_RATES (``throttle_rates`` sets them here;
the test profile switches them off for every other test)."""

import pytest
from django.core import mail
from django.test import Client

from exchange.accounts import services
from exchange.accounts.models import Invitation, Organisation
from exchange.accounts.roles import Role
from tests.conftest import api_client_for
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"


def sign_up(client, number: int):
    return client.post(
        "/api/auth/signup/",
        {
            "organisation_name": f"限流公司{number}",
            "kind": "buyer",
            "username": f"throttled{number}",
            "email": f"throttled{number}@example.com",
            "password": PASSWORD,
        },
        format="json",
    )


def test_anonymous_sign_up_is_throttled_per_address(throttle_rates):
    throttle_rates(signup="3/hour")
    client = api_client_for()
    assert [sign_up(client, n).status_code for n in range(3)] == [201, 201, 201]
    refused = sign_up(client, 3)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    assert Organisation.objects.filter(name__startswith="限流公司").count() == 3
    # another address is counted apart
    elsewhere = api_client_for()
    elsewhere.defaults["REMOTE_ADDR"] = "203.0.113.9"
    assert sign_up(elsewhere, 4).status_code == 201


def test_the_token_endpoint_has_its_own_limit(throttle_rates):
    throttle_rates(token="2/minute")
    services.create_user(
        organisation=make_organisation(),
        username="tok",
        email="tok@example.com",
        password=PASSWORD,
        role="merchant_admin",
    )
    client = api_client_for()
    statuses = [
        client.post("/api/auth/token/", {"username": "tok", "password": PASSWORD}).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_every_api_view_is_throttled_per_address_and_per_user(throttle_rates):
    throttle_rates(anon="2/minute", user="3/minute")
    anonymous = api_client_for()
    assert [anonymous.get("/api/catalog/").status_code for _ in range(3)] == [200, 200, 429]
    person = make_user(role=Role.BUYER)
    signed_in = api_client_for(person)
    assert [signed_in.get("/api/me/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_sending_invitations_is_throttled_but_reading_them_is_not(throttle_rates):
    throttle_rates(invitation="2/hour")
    admin = make_user(role=Role.MERCHANT_ADMIN)
    client = api_client_for(admin)
    statuses = [
        client.post(
            "/api/invitations/", {"email": f"c{n}@example.com", "role": "merchant_staff"}
        ).status_code
        for n in range(3)
    ]
    assert statuses == [201, 201, 429]
    assert Invitation.objects.count() == 2
    assert all(client.get("/api/invitations/").status_code == 200 for _ in range(5))


def test_the_certificate_log_is_never_throttled(throttle_rates):
    throttle_rates(anon="1/minute", user="1/minute")
    client = Client()
    for path in (
        "/api/registry/log/checkpoint/",
        "/api/registry/log/entries/?start=0&end=0",
        "/api/registry/log/proof/inclusion/?index=0&size=1",
        "/api/registry/certificates/",
        "/log/checkpoint",
    ):
        statuses = {client.get(path).status_code for _ in range(5)}
        assert 429 not in statuses, (path, statuses)
    # while everything else is
    assert [client.get("/api/catalog/").status_code for _ in range(2)] == [200, 429]


def test_password_reset_requests_are_limited_per_client_address(throttle_rates):
    throttle_rates(password_reset="2/hour")
    client = Client()
    for number in range(2):
        sent = client.post("/accounts/password/reset/", {"email": f"x{number}@example.com"})
        assert sent.status_code == 302
    refused = client.post("/accounts/password/reset/", {"email": "x9@example.com"})
    assert refused.status_code == 429
    assert "email" in refused.context["form"].errors


def test_password_reset_e_mails_are_limited_per_address(throttle_rates):
    throttle_rates(password_reset_email="2/hour")
    services.create_user(
        organisation=make_organisation(),
        username="forgetful",
        email="forgetful@example.com",
        password=PASSWORD,
        role="merchant_admin",
    )
    for address in ("forgetful@example.com", "Forgetful@Example.com"):
        assert Client().post("/accounts/password/reset/", {"email": address}).status_code == 302
    assert len(mail.outbox) == 2
    # from anywhere, in any case: the third request for the address sends nothing
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    refused = elsewhere.post("/accounts/password/reset/", {"email": "FORGETFUL@example.com"})
    assert refused.status_code == 429
    assert len(mail.outbox) == 2
    # the limit is per address, and says nothing about whether an account has it
    unknown = elsewhere.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert unknown.status_code == 302


def test_the_test_profile_switches_the_throttles_off():
    """So that no test trips over the counts of another (the throttle tests set rates)."""
    client = api_client_for()
    assert all(client.get("/api/catalog/").status_code == 200 for _ in range(150))
