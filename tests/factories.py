"""Builders of valid rows in their initial state, through the services. Later states: ``advance_to``."""

import itertools

import factory
from faker import Faker

from exchange.accounts import services as accounts
from exchange.accounts.models import Organisation
from exchange.accounts.roles import OrganisationKind, Role
from merchants import services as merchants
from merchants.models import Category, DocumentKind, Merchant
from merchants.states import MerchantStatus
from merchants.validators import CREDIT_CODE_ALPHABET, build_credit_code
from seeds.documents import pdf_upload

fake = Faker("zh_CN")
PASSWORD = "correct-horse-battery-9"
_sequence = itertools.count(1)
S = MerchantStatus


def credit_code(number: int | None = None) -> str:
    """A well-formed enterprise credit code in Shanghai's Pudong district, distinct per call."""
    number = next(_sequence) if number is None else number
    base = "MA1"
    digits = []
    for _ in range(5):
        number, digit = divmod(number, 30)
        digits.append(CREDIT_CODE_ALPHABET[digit])
    return build_credit_code(
        authority_type="91", region="310115", organisation_base=base + "".join(digits)
    )


def make_organisation(*, kind=OrganisationKind.MERCHANT, name: str | None = None) -> Organisation:
    name = name or f"{fake.company()}{next(_sequence)}"
    return accounts.create_organisation(name=name, kind=kind, actor=None)


def make_user(*, role=Role.MERCHANT_ADMIN, organisation=None, username=None, language="zh-hans"):
    if organisation is None:
        kind = {
            Role.BUYER: OrganisationKind.BUYER,
            Role.MERCHANT_ADMIN: OrganisationKind.MERCHANT,
            Role.MERCHANT_STAFF: OrganisationKind.MERCHANT,
        }.get(Role(role), OrganisationKind.EXCHANGE)
        organisation = make_organisation(kind=kind)
    username = username or f"user{next(_sequence)}"
    return accounts.create_user(
        organisation=organisation,
        username=username,
        email=f"{username}@example.com",
        password_hash="md5$salt$unused",  # tests log in with force_login / force_authenticate
        role=role,
        first_name=fake.name(),
        language=language,
    )


class ApplicationFactory(factory.DictFactory):
    """The fields of a complete application (every field the submission checks)."""

    company_name = factory.LazyFunction(lambda: f"{fake.company()}{next(_sequence)}")
    credit_code = factory.LazyFunction(credit_code)
    legal_representative = factory.LazyFunction(fake.name)
    registered_address = factory.LazyFunction(fake.address)
    district = "pudong"
    contact_name = factory.LazyFunction(fake.name)
    contact_phone = "13812345678"
    contact_email = factory.LazyFunction(fake.email)
    business_scope = "数据产品开发与服务"
    data_sources = factory.LazyFunction(
        lambda: [{"name": "自有业务数据", "acquisition": "collected", "description": ""}]
    )
    has_data_security_system = True
    clean_record_declared = True


def create_application(actor, **overrides) -> Merchant:
    """A complete draft with its three required documents, ready to submit."""
    categories = overrides.pop("categories", None)
    if categories is None:
        categories = list(Category.objects.filter(code__in=["supply_demand", "supplier"]))
    merchant = merchants.create_application(
        actor=actor, categories=categories, **ApplicationFactory(**overrides)
    )
    for kind in (
        DocumentKind.BUSINESS_LICENCE,
        DocumentKind.SECURITY_SYSTEM,
        DocumentKind.CLEAN_RECORD,
    ):
        merchants.add_document(
            merchant=merchant, actor=actor, kind=kind, upload=pdf_upload(f"{kind}.pdf", kind)
        )
    return merchant


# Service calls that move an application one step, and who makes them.
STEPS = {
    S.SUBMITTED: lambda m, a, o: merchants.submit_application(merchant=m, actor=a),
    S.UNDER_REVIEW: lambda m, a, o: merchants.start_review(merchant=m, actor=o),
    S.INFO_REQUESTED: lambda m, a, o: merchants.request_information(
        merchant=m, actor=o, reason="补充材料"
    ),
    S.RESUBMITTED: lambda m, a, o: merchants.resubmit_application(merchant=m, actor=a),
    S.APPROVED: lambda m, a, o: merchants.approve_application(merchant=m, actor=o),
    S.REJECTED: lambda m, a, o: merchants.reject_application(
        merchant=m, actor=o, reason="不符合条件"
    ),
    S.SIGNING: lambda m, a, o: merchants.issue_agreement(merchant=m, actor=o),
    S.ACTIVE: lambda m, a, o: (
        merchants.sign_agreement(merchant=m, actor=a)
        if m.status == S.SIGNING
        else merchants.reinstate_merchant(merchant=m, actor=o)
    ),
    S.SUSPENDED: lambda m, a, o: merchants.suspend_merchant(merchant=m, actor=o, reason="整改"),
    S.TERMINATED: lambda m, a, o: merchants.terminate_merchant(merchant=m, actor=o, reason="终止"),
    S.WITHDRAWN: lambda m, a, o: merchants.withdraw_application(merchant=m, actor=a, reason="撤回"),
}

# The shortest road from draft to each state.
ROADS = {
    S.DRAFT: [],
    S.SUBMITTED: [S.SUBMITTED],
    S.UNDER_REVIEW: [S.SUBMITTED, S.UNDER_REVIEW],
    S.INFO_REQUESTED: [S.SUBMITTED, S.UNDER_REVIEW, S.INFO_REQUESTED],
    S.RESUBMITTED: [S.SUBMITTED, S.UNDER_REVIEW, S.INFO_REQUESTED, S.RESUBMITTED],
    S.APPROVED: [S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED],
    S.REJECTED: [S.SUBMITTED, S.UNDER_REVIEW, S.REJECTED],
    S.SIGNING: [S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED, S.SIGNING],
    S.ACTIVE: [S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED, S.SIGNING, S.ACTIVE],
    S.SUSPENDED: [S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED, S.SIGNING, S.ACTIVE, S.SUSPENDED],
    S.TERMINATED: [S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED, S.SIGNING, S.ACTIVE, S.TERMINATED],
    S.WITHDRAWN: [S.WITHDRAWN],
}


def advance_to(merchant: Merchant, status, *, applicant, operator) -> Merchant:
    """Walk a merchant from its current state along ``ROADS`` by calling the services."""
    road = ROADS[S(status)]
    start = road.index(S(merchant.status)) + 1 if merchant.status in road else 0
    for step in road[start:]:
        STEPS[step](merchant, applicant, operator)
        merchant.refresh_from_db()
    return merchant


def merchant_in(status, *, applicant, operator) -> Merchant:
    return advance_to(create_application(applicant), status, applicant=applicant, operator=operator)
