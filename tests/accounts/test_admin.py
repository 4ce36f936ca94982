"""People in the admin: an operator cannot make itself (or anyone) superuser, grant groups or
permissions, or set another person's password; it deactivates and changes roles through actions
that call the services, within the role rules."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.authtoken.models import Token

from exchange.accounts import services
from exchange.accounts.errors import OwnAccount
from exchange.accounts.models import User
from exchange.accounts.roles import OrganisationKind, Role
from exchange.errors import PermissionDeniedError, RuleViolation
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db
FORBIDDEN_FIELDS = ("is_superuser", "groups", "user_permissions", "password", "is_staff")


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def snapshot(user: User) -> tuple:
    user.refresh_from_db()
    return (
        user.is_superuser,
        user.is_staff,
        user.is_active,
        user.password,
        user.email,
        user.role,
        user.organisation_id,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
    )


def test_the_operators_user_form_offers_no_superuser_groups_permissions_or_password(operator):
    victim = make_user(role=Role.MERCHANT_ADMIN, username="victim")
    for person in (operator, victim):
        page = admin_client(operator).get(f"/admin/accounts/user/{person.pk}/change/")
        assert page.status_code == 200
        form = page.context["adminform"].form
        assert sorted(form.fields) == ["first_name", "is_senior_reviewer", "language", "last_name"]
        html = page.content.decode()
        for field in FORBIDDEN_FIELDS:
            assert f'name="{field}"' not in html, field
        assert "password/" not in html  # no link to the set-password form


def test_an_operator_posting_superuser_groups_permissions_or_a_password_changes_nothing(operator):
    victim = make_user(role=Role.MERCHANT_ADMIN, username="victim")
    operators_group = Group.objects.get(name="operators")
    for person in (operator, victim):
        before = snapshot(person)
        response = admin_client(operator).post(
            f"/admin/accounts/user/{person.pk}/change/",
            {
                "username": person.username,
                "first_name": "新名",
                "last_name": "",
                "language": "en",
                "email": "attacker@example.com",
                "is_superuser": "on",
                "is_staff": "on",
                "is_active": "on",
                "groups": [operators_group.pk],
                "user_permissions": [1, 2, 3],
                "password": "pbkdf2_sha256$1$x$y",
                "role": Role.OPERATOR,
                "organisation": operator.organisation_id,
            },
        )
        assert response.status_code == 302
        assert snapshot(person) == before
        person.refresh_from_db()
        assert (person.first_name, person.language) == ("新名", "en")  # what it may edit


def test_only_a_superuser_sets_another_persons_password(operator):
    victim = make_user(role=Role.MERCHANT_ADMIN, username="victim")
    before = snapshot(victim)
    url = f"/admin/accounts/user/{victim.pk}/password/"
    client = admin_client(operator)
    assert client.get(url).status_code == 403
    posted = client.post(
        url,
        {
            "password1": "taken-over-2026!",
            "password2": "taken-over-2026!",
            "usable_password": "true",
        },
    )
    assert posted.status_code == 403
    assert snapshot(victim) == before
    assert not victim.check_password("taken-over-2026!")
    # a superuser may, and the person's API tokens end with the old password
    root = User.objects.create_superuser("root", "root@example.com", "root-pass-2026!")
    token = services.issue_api_token(user=victim)
    done = admin_client(root).post(
        url,
        {
            "password1": "new-Long-pass-2026",
            "password2": "new-Long-pass-2026",
            "usable_password": "true",
        },
    )
    assert done.status_code == 302
    victim.refresh_from_db()
    assert victim.check_password("new-Long-pass-2026")
    assert not Token.objects.filter(pk=token.pk).exists()


def test_an_operator_cannot_change_a_superuser_at_all(operator):
    root = User.objects.create_superuser("root", "root@example.com", "root-pass-2026!")
    before = snapshot(root)
    client = admin_client(operator)
    response = client.post(
        f"/admin/accounts/user/{root.pk}/change/", {"first_name": "x", "language": "en"}
    )
    assert response.status_code == 403
    deactivate = client.post(
        "/admin/accounts/user/", {"action": "deactivate_member", "_selected_action": [root.pk]}
    )
    assert deactivate.status_code == 302
    assert snapshot(root) == before


def test_an_operator_deactivates_a_login_through_the_admin_action(operator):
    member = make_user(role=Role.MERCHANT_STAFF, username="leaver")
    token = services.issue_api_token(user=member)
    response = admin_client(operator).post(
        "/admin/accounts/user/", {"action": "deactivate_member", "_selected_action": [member.pk]}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_active is False
    assert not Token.objects.filter(pk=token.pk).exists()
    # and back
    admin_client(operator).post(
        "/admin/accounts/user/", {"action": "reactivate_member", "_selected_action": [member.pk]}
    )
    member.refresh_from_db()
    assert member.is_active is True


def test_nobody_deactivates_or_changes_their_own_login(operator):
    before = snapshot(operator)
    admin_client(operator).post(
        "/admin/accounts/user/", {"action": "deactivate_member", "_selected_action": [operator.pk]}
    )
    assert snapshot(operator) == before
    with pytest.raises(OwnAccount):
        services.change_member_role(member=operator, role=Role.AUDITOR, actor=operator)
    assert snapshot(operator) == before


def test_an_operator_changes_a_role_within_the_role_rules(operator, exchange_org):
    colleague = make_user(role=Role.QUALITY_REVIEWER, organisation=exchange_org, username="q")
    client = admin_client(operator)
    ask = client.post(
        "/admin/accounts/user/",
        {"action": "change_member_role", "_selected_action": [colleague.pk]},
    )
    assert ask.status_code == 200 and 'name="role"' in ask.content.decode()
    done = client.post(
        "/admin/accounts/user/",
        {
            "action": "change_member_role",
            "_selected_action": [colleague.pk],
            "apply": "1",
            "role": Role.AUDITOR,
        },
    )
    assert done.status_code == 302
    colleague.refresh_from_db()
    # the admin access follows the role: auditors read the admin, in the auditors' group
    assert (colleague.role, colleague.is_staff) == (Role.AUDITOR, True)
    assert list(colleague.groups.values_list("name", flat=True)) == ["auditors"]
    # a role the organisation cannot hold is refused, and nothing changes
    before = snapshot(colleague)
    client.post(
        "/admin/accounts/user/",
        {
            "action": "change_member_role",
            "_selected_action": [colleague.pk],
            "apply": "1",
            "role": Role.BUYER,
        },
    )
    assert snapshot(colleague) == before


def test_role_changes_follow_the_invitation_rules():
    admin = make_user(role=Role.MERCHANT_ADMIN)
    staff = make_user(role=Role.MERCHANT_STAFF, organisation=admin.organisation)
    operator = make_user(role=Role.OPERATOR)
    # a merchant admin promotes its own staff
    assert services.change_member_role(
        member=staff, role=Role.MERCHANT_ADMIN, actor=admin
    ).role == (Role.MERCHANT_ADMIN)
    # staff do not manage anyone
    other = make_user(role=Role.MERCHANT_STAFF, organisation=admin.organisation)
    with pytest.raises(PermissionDeniedError):
        services.change_member_role(
            member=other, role=Role.MERCHANT_ADMIN, actor=other_staff(admin)
        )
    # nobody grants a role the organisation cannot hold
    with pytest.raises(RuleViolation) as refused:
        services.change_member_role(member=other, role=Role.OPERATOR, actor=admin)
    assert (refused.value.code, refused.value.field) == ("role_not_allowed", "role")
    # an operator does not rearrange a merchant's people (the merchant's admin does) ...
    with pytest.raises(PermissionDeniedError):
        services.change_member_role(member=other, role=Role.MERCHANT_ADMIN, actor=operator)
    # ... but may stop a misused login anywhere
    assert services.deactivate_member(member=other, actor=operator).is_active is False
    # a merchant admin cannot deactivate someone of another organisation
    outsider = make_user(role=Role.BUYER)
    with pytest.raises(PermissionDeniedError):
        services.deactivate_member(member=outsider, actor=admin)
    outsider.refresh_from_db()
    assert outsider.is_active
    other.refresh_from_db()
    assert other.role == Role.MERCHANT_STAFF


def other_staff(admin):
    return make_user(role=Role.MERCHANT_STAFF, organisation=admin.organisation)


def test_an_operator_cannot_rename_organisations_or_change_their_kind(operator):
    organisation = make_organisation(kind=OrganisationKind.BUYER, name="原名公司")
    client = admin_client(operator)
    page = client.get(f"/admin/accounts/organisation/{organisation.pk}/change/")
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()
    client.post(
        f"/admin/accounts/organisation/{organisation.pk}/change/",
        {"name": "新名公司", "kind": OrganisationKind.EXCHANGE},
    )
    organisation.refresh_from_db()
    assert (organisation.name, organisation.kind) == ("原名公司", OrganisationKind.BUYER)
