"""Names that enter the permanent log or the directory hold visible characters only; logins and
e-mail addresses are unique whatever their case."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from exchange.accounts import services as accounts
from exchange.accounts.models import Organisation, User
from exchange.accounts.roles import Role
from exchange.errors import DomainError, DuplicateError
from exchange.registry import services as registry
from exchange.registry.models import Certificate
from exchange.validators import refused_character
from merchants import services as merchants
from merchants.models import Merchant
from tests.conftest import api_client_for
from tests.factories import (
    ApplicationFactory,
    create_application,
    credit_code,
    log_entries,
    make_organisation,
    make_user,
)

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"
# A right-to-left override, a bell, a zero-width space, a line separator, a pop of direction.
HOSTILE = ["上海\u202e司公技科", "Acme\x07", "数\u200b据", "第一行\u2028第二行", "名称\u2069"]


def field_of(error) -> set[str]:
    if isinstance(error, ValidationError):
        return set(error.error_dict)
    return {problem.field for problem in error.field_problems()}


def codes_of(error) -> set[str]:
    if isinstance(error, ValidationError):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {problem.code for problem in error.field_problems()}


@pytest.mark.parametrize("name", HOSTILE)
def test_an_organisation_name_with_a_control_character_is_refused_at_sign_up(name):
    with pytest.raises(ValidationError) as refused:
        accounts.sign_up(
            organisation_name=name,
            kind="buyer",
            username="u",
            email="u@example.com",
            password=PASSWORD,
        )
    assert field_of(refused.value) == {"organisation_name"}
    assert codes_of(refused.value) == {"control_character"}
    assert "U+" in str(refused.value)
    assert not Organisation.objects.exists() and not User.objects.exists()


def test_the_api_names_the_field_and_the_character():
    response = api_client_for().post(
        "/api/auth/signup/",
        {
            "organisation_name": "上海\u202e司公",
            "kind": "buyer",
            "username": "u",
            "email": "u@example.com",
            "password": PASSWORD,
            "full_name": "张\u202e三",
        },
        format="json",
    )
    assert response.status_code == 400
    errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert errors == {
        ("organisation_name", "control_character"),
        ("full_name", "control_character"),
    }
    assert "U+202E" in response.json()["errors"][0]["message"]
    assert not Organisation.objects.exists()


def test_the_sign_up_page_shows_the_refusal_on_the_field():
    response = Client().post(
        "/accounts/signup/",
        {
            "kind": "buyer",
            "organisation_name": "上海\u202e司公",
            "username": "webuser",
            "email": "web@example.com",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "organisation_name" in response.context["form"].errors
    assert not Organisation.objects.exists()


def test_a_merchant_company_name_and_representative_are_checked(applicant):
    with pytest.raises(ValidationError) as refused:
        merchants.create_application(
            actor=applicant,
            **ApplicationFactory(company_name="浦数\u202e科技", legal_representative="王\x1b五"),
        )
    assert field_of(refused.value) == {"company_name", "legal_representative"}
    assert not Merchant.objects.exists()
    merchant = create_application(applicant)
    with pytest.raises(ValidationError) as renamed:
        merchants.update_application(merchant=merchant, actor=applicant, company_name="新\u202d名")
    assert field_of(renamed.value) == {"company_name"}
    merchant.refresh_from_db()
    assert "\u202d" not in merchant.company_name


@pytest.mark.parametrize("field", ["name", "registrant_name"])
def test_registered_names_are_checked_before_anything_enters_the_log(field):
    values = {
        "kind": "DA",
        "registrant_name": "上海港口物流数据有限公司",
        "registrant_credit_code": credit_code(41),
        "name": "集装箱作业数据",
        "description": "作业记录",
        "source": "自有系统",
        "rights": ["resource_holding"],
        "book_value": Decimal("100.00"),
        field: "上海\u202e据数",
    }
    with pytest.raises(ValidationError) as refused:
        registry.register_data(**values)
    assert field_of(refused.value) == {field}
    assert not Certificate.objects.exists() and not log_entries()


def test_the_log_refuses_a_name_with_a_control_character_from_any_caller():
    with pytest.raises(DomainError) as refused:
        registry.issue_certificate(
            kind="DP",
            registrant_name="某公司\u202e",
            registrant_credit_code=credit_code(42),
            subject_type="listings.productversion",
            subject_id=1,
            subject_label="产品",
            rights=["resource_holding"],
            content={},
        )
    assert (refused.value.code, refused.value.field) == ("control_character", "registrant_name")
    assert not log_entries()


@pytest.mark.parametrize(
    "name",
    [
        "上海浦数科技有限公司",
        "Acme Data (Shanghai) Co., Ltd.",
        "张·三",
        "O'Brien-Smith",
        "株式会社データ",
    ],
)
def test_ordinary_names_pass(name):
    assert refused_character(name) is None
    accounts.sign_up(
        organisation_name=name,
        kind="buyer",
        username="ok",
        email="ok@example.com",
        password=PASSWORD,
        full_name=name[:20],
    )
    assert Organisation.objects.get().name == name


# --- usernames and e-mail addresses ----------------------------------------------------------------


def test_usernames_are_unique_whatever_their_case():
    make_user(username="alice")
    with pytest.raises(DuplicateError) as taken:
        accounts.sign_up(
            organisation_name="另一家",
            kind="buyer",
            username="Alice",
            email="a2@example.com",
            password=PASSWORD,
        )
    assert (taken.value.code, taken.value.field) == ("username_taken", "username")
    assert not Organisation.objects.filter(name="另一家").exists()
    # the database holds the rule even past the service
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ALICE", email="a3@example.com")


def test_the_api_and_the_page_say_the_username_is_taken():
    make_user(username="bob")
    response = api_client_for().post(
        "/api/auth/signup/",
        {
            "organisation_name": "x",
            "kind": "buyer",
            "username": "BOB",
            "email": "b@example.com",
            "password": PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["errors"][0] == {
        "field": "username",
        "code": "username_taken",
        "message": response.json()["message"],
    }
    page = Client().post(
        "/accounts/signup/",
        {
            "kind": "buyer",
            "organisation_name": "y",
            "username": "Bob",
            "email": "b2@example.com",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert page.status_code == 200 and "username" in page.context["form"].errors


def test_accepting_an_invitation_with_a_taken_username_in_another_case_is_refused():
    make_user(username="carol")
    admin = make_user(role=Role.MERCHANT_ADMIN)
    invitation = accounts.invite_member(
        organisation=admin.organisation,
        email="new@example.com",
        role=Role.MERCHANT_STAFF,
        actor=admin,
    )
    with pytest.raises(DuplicateError) as taken:
        accounts.accept_invitation(token=invitation.token, username="Carol", password=PASSWORD)
    assert taken.value.code == "username_taken"
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    page = Client().post(
        f"/accounts/invite/{invitation.token}/",
        {"username": "CAROL", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert page.status_code == 200 and "username" in page.context["form"].errors


def test_one_e_mail_address_is_one_person():
    make_user(username="dave")  # dave@example.com
    with pytest.raises(DuplicateError) as taken:
        accounts.sign_up(
            organisation_name="戴夫公司",
            kind="buyer",
            username="dave2",
            email="Dave@Example.com",
            password=PASSWORD,
        )
    assert (taken.value.code, taken.value.field) == ("email_taken", "email")
    admin = make_user(role=Role.MERCHANT_ADMIN)
    with pytest.raises(DuplicateError) as invited:
        accounts.invite_member(
            organisation=admin.organisation,
            email="DAVE@example.com",
            role=Role.MERCHANT_STAFF,
            actor=admin,
        )
    assert invited.value.code == "email_taken"
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="dave3", email="DAVE@EXAMPLE.COM")
    # logins without an address (a superuser made on the command line) do not collide
    User.objects.create(username="root1", email="")
    User.objects.create(username="root2", email="")


def test_the_admin_form_says_the_address_is_taken(exchange_org):
    make_user(username="erin")
    root = User.objects.create_superuser("root", "root@example.com", "root-pass-2026!")
    other = make_user(username="frank", organisation=make_organisation())
    client = Client()
    client.force_login(root)
    page = client.get(f"/admin/accounts/user/{other.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if name != "password"}
    data = {name: value for name, value in data.items() if value not in (None, "", [], False)}
    data.update(
        {"email": "ERIN@example.com", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"}
    )
    data.pop("date_joined", None)
    response = client.post(f"/admin/accounts/user/{other.pk}/change/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["__all__"], errors  # the constraint's own message
    assert errors["__all__"] == ["已有账号使用此电子邮箱。"]
    other.refresh_from_db()
    assert other.email == "frank@example.com"
    # a free address is saved (the form above failed only on the taken one)
    data["email"] = "frank.new@example.com"
    assert client.post(f"/admin/accounts/user/{other.pk}/change/", data).status_code == 302
    other.refresh_from_db()
    assert other.email == "frank.new@example.com"
