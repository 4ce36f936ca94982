import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from exchange import clock
from exchange.accounts import services
from exchange.accounts.errors import InvitationNotUsable
from exchange.accounts.models import Invitation, InvitationStatus, Organisation, User
from exchange.accounts.roles import OrganisationKind, Role
from exchange.errors import DuplicateError, PermissionDeniedError, RuleViolation
from tests.conftest import api_client_for
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-pass-2026"


def test_sign_up_opens_an_organisation_with_its_admin():
    user = services.sign_up(
        organisation_name="上海新数科技有限公司",
        kind="merchant",
        username="new",
        email="New@Example.com",
        password=PASSWORD,
    )
    assert (user.role, user.organisation.kind, user.email) == (
        Role.MERCHANT_ADMIN,
        "merchant",
        "new@example.com",
    )
    buyer = services.sign_up(
        organisation_name="买方",
        kind="buyer",
        username="b",
        email="b@example.com",
        password=PASSWORD,
    )
    assert buyer.role == Role.BUYER


def test_sign_up_refuses_staff_kinds_weak_passwords_and_duplicates():
    with pytest.raises(RuleViolation) as caught:
        services.sign_up(
            organisation_name="x",
            kind="exchange",
            username="x",
            email="x@example.com",
            password=PASSWORD,
        )
    assert (caught.value.code, caught.value.field) == ("kind_not_self_service", "kind")
    with pytest.raises(ValidationError) as weak:
        services.sign_up(
            organisation_name="y",
            kind="buyer",
            username="y",
            email="y@example.com",
            password="12345678",
        )
    assert "password" in weak.value.error_dict
    services.sign_up(
        organisation_name="z", kind="buyer", username="z", email="z@example.com", password=PASSWORD
    )
    with pytest.raises(DuplicateError) as duplicate:
        services.sign_up(
            organisation_name="z",
            kind="buyer",
            username="z2",
            email="z2@example.com",
            password=PASSWORD,
        )
    assert duplicate.value.code == "organisation_name_taken"
    with pytest.raises(DuplicateError) as taken:
        services.sign_up(
            organisation_name="w",
            kind="buyer",
            username="z",
            email="w@example.com",
            password=PASSWORD,
        )
    assert taken.value.code == "username_taken"
    # nothing half-way: the failed sign-ups left no organisation behind
    assert set(Organisation.objects.values_list("name", flat=True)) == {"z"}


def test_role_must_fit_the_organisation():
    buyer_org = make_organisation(kind=OrganisationKind.BUYER)
    with pytest.raises(ValidationError) as caught:
        services.create_user(
            organisation=buyer_org,
            username="u",
            email="u@example.com",
            password=PASSWORD,
            role=Role.OPERATOR,
        )
    assert "role" in caught.value.error_dict


def test_operators_and_auditors_get_the_admin_others_do_not():
    assert make_user(role=Role.OPERATOR).is_staff
    assert make_user(role=Role.AUDITOR).is_staff
    assert not make_user(role=Role.MERCHANT_ADMIN).is_staff


def test_invitation_round_trip(django_capture_on_commit_callbacks):
    admin = make_user(role=Role.MERCHANT_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_member(
            organisation=admin.organisation,
            email="Colleague@Example.com",
            role=Role.MERCHANT_STAFF,
            actor=admin,
        )
    assert invitation.email == "colleague@example.com"
    assert len(mail.outbox) == 1
    link = re.search(r"/accounts/invite/[\w-]+/", mail.outbox[0].body).group(0)
    client = Client()
    page = client.get(link)
    assert page.status_code == 200
    response = client.post(
        link, {"username": "colleague", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.status_code == 302
    member = User.objects.get(username="colleague")
    assert (member.organisation, member.role, member.email) == (
        admin.organisation,
        Role.MERCHANT_STAFF,
        "colleague@example.com",
    )
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    # the link works once
    assert client.get(link).status_code == 410


def test_who_may_invite_whom():
    admin = make_user(role=Role.MERCHANT_ADMIN)
    staff = make_user(role=Role.MERCHANT_STAFF, organisation=admin.organisation)
    operator = make_user(role=Role.OPERATOR)
    assessor_org = make_organisation(kind=OrganisationKind.SERVICE_PROVIDER)
    with pytest.raises(PermissionDeniedError):
        services.invite_member(
            organisation=admin.organisation,
            email="a@example.com",
            role=Role.MERCHANT_STAFF,
            actor=staff,
        )
    with pytest.raises(RuleViolation) as caught:
        services.invite_member(
            organisation=admin.organisation, email="b@example.com", role=Role.OPERATOR, actor=admin
        )
    assert caught.value.code == "role_not_allowed"
    with pytest.raises(PermissionDeniedError):  # not their organisation
        services.invite_member(
            organisation=assessor_org,
            email="c@example.com",
            role=Role.COMPLIANCE_REVIEWER,
            actor=admin,
        )
    # operators staff the accredited assessors
    invitation = services.invite_member(
        organisation=assessor_org,
        email="c@example.com",
        role=Role.COMPLIANCE_REVIEWER,
        actor=operator,
    )
    assert invitation.status == InvitationStatus.PENDING
    with pytest.raises(DuplicateError) as twice:
        services.invite_member(
            organisation=assessor_org,
            email="C@example.com",
            role=Role.COMPLIANCE_REVIEWER,
            actor=operator,
        )
    assert twice.value.code == "already_invited"
    assert Invitation.objects.count() == 1


def test_revoked_and_expired_invitations_cannot_be_used():
    admin = make_user(role=Role.MERCHANT_ADMIN)
    revoked = services.invite_member(
        organisation=admin.organisation,
        email="r@example.com",
        role=Role.MERCHANT_STAFF,
        actor=admin,
    )
    services.revoke_invitation(invitation=revoked, actor=admin)
    with pytest.raises(InvitationNotUsable):
        services.accept_invitation(token=revoked.token, username="r", password=PASSWORD)
    late = services.invite_member(
        organisation=admin.organisation,
        email="l@example.com",
        role=Role.MERCHANT_STAFF,
        actor=admin,
    )
    clock.set_simulated_time(at=clock.now() + timedelta(days=8))
    with pytest.raises(InvitationNotUsable) as caught:
        services.accept_invitation(token=late.token, username="l", password=PASSWORD)
    assert caught.value.code == "invitation_expired"
    assert services.expire_invitations() == 1
    late.refresh_from_db()
    assert late.status == InvitationStatus.EXPIRED
    assert not User.objects.filter(username__in=["r", "l"]).exists()


def test_invitations_through_the_api():
    admin = make_user(role=Role.MERCHANT_ADMIN)
    client = api_client_for(admin)
    created = client.post(
        "/api/invitations/", {"email": "api@example.com", "role": "merchant_staff"}
    )
    assert created.status_code == 201
    assert client.get("/api/invitations/").json()["count"] == 1
    revoked = client.post(f"/api/invitations/{created.json()['id']}/revoke/")
    assert revoked.json()["status"] == "revoked"
    other = make_user(role=Role.MERCHANT_ADMIN)
    assert api_client_for(other).get(f"/api/invitations/{created.json()['id']}/").status_code == 404


def test_sign_up_page_logs_the_new_admin_in():
    client = Client()
    response = client.post(
        "/accounts/signup/",
        {
            "kind": "merchant",
            "organisation_name": "页面注册公司",
            "username": "webuser",
            "email": "web@example.com",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get("/merchants/mine/").status_code == 302  # → the application form
    assert User.objects.get(username="webuser").role == Role.MERCHANT_ADMIN


def test_sign_up_page_shows_field_errors_and_keeps_input():
    make_organisation(name="已存在公司")
    response = Client().post(
        "/accounts/signup/",
        {
            "kind": "buyer",
            "organisation_name": "已存在公司",
            "username": "dup",
            "email": "dup@example.com",
            "password": PASSWORD,
            "password_again": PASSWORD + "x",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "password_again" in form.errors
    assert form.data["username"] == "dup"


def test_failed_logins_are_throttled(settings):
    services.create_user(
        organisation=make_organisation(),
        username="victim",
        email="v@example.com",
        password=PASSWORD,
        role="merchant_admin",
    )
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "victim", "password": "wrong"})
        assert response.status_code == 200
    # the failure that reaches the limit locks the account for this address
    assert (
        client.post("/accounts/login/", {"username": "victim", "password": "wrong"}).status_code
        == 429
    )
    locked = client.post("/accounts/login/", {"username": "victim", "password": PASSWORD})
    assert locked.status_code == 429
    # the API token endpoint honours the same lock
    response = api_client_for().post(
        "/api/auth/token/", {"username": "victim", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_password_change_and_reset():
    user = services.create_user(
        organisation=make_organisation(),
        username="pw",
        email="pw@example.com",
        password=PASSWORD,
        role="merchant_admin",
    )
    client = Client()
    client.force_login(user)
    new = "another-Long-pass-2027"
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    # reset by e-mail
    anonymous = Client()
    anonymous.post("/accounts/password/reset/", {"email": "pw@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = anonymous.get(link, follow=True)
    final = "third-Long-pass-2028"
    anonymous.post(
        form_page.redirect_chain[-1][0], {"new_password1": final, "new_password2": final}
    )
    user.refresh_from_db()
    assert user.check_password(final)
