"""Builders of valid rows in their initial state, through the services. Later states: ``advance_to``."""

import itertools
from decimal import Decimal

import factory
from faker import Faker

from exchange.accounts import services as accounts
from exchange.accounts.models import Organisation
from exchange.accounts.roles import OrganisationKind, Role
from exchange.creditcode import CREDIT_CODE_ALPHABET, build_credit_code
from merchants import services as merchants
from merchants.models import Category, DocumentKind, Merchant
from merchants.states import MerchantStatus
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


# --- data products -------------------------------------------------------------------------------

CLEAN_SAMPLE = (
    "企业名称,统一社会信用代码,注册资本万元,成立日期,行业\n"
    "上海浦数科技有限公司,91310115MA1K3YJ23L,1000,2019-03-01,信息技术\n"
    "上海航运数据服务有限公司,91310115MA1G8B6T6Q,5000,2016-07-15,航运\n"
    "长三角信用信息有限公司,91320500MA1N2QL47B,2000,2018-11-20,信用服务\n"
).encode()


def pi_sample() -> bytes:
    """A sample holding valid resident IDs and mobile numbers (which a clean sheet does not declare)."""
    from listings.pii import resident_id_check_character

    rows = ["客户编号,身份证号,手机,城市"]
    for number in range(1, 6):
        first = f"11010519850{number}0{number}12{number}"[:17]
        rows.append(
            f"C{number:04d},{first}{resident_id_check_character(first)},1381234{number:04d},上海"
        )
    return ("\n".join(rows) + "\n").encode()


SHEET = {
    "name": "企业工商信息数据集",
    "summary": "覆盖长三角地区企业的工商登记信息，按日更新。",
    "product_type": "dataset",
    "data_source": "公开的企业信用信息公示系统",
    "acquisition": "public",
    "fields_schema": [
        {"name": "企业名称", "type": "text"},
        {"name": "统一社会信用代码", "type": "text"},
        {"name": "注册资本万元", "type": "integer"},
        {"name": "成立日期", "type": "date"},
        {"name": "行业", "type": "text"},
    ],
    "spatial_coverage": "长三角",
    "record_count": 1200000,
    "update_frequency": "daily",
    "delivery_modes": ["api", "file"],
}


def create_version(
    merchant_admin, *, sample: bytes = CLEAN_SAMPLE, board: str = "credit", **overrides
):
    """A complete draft product (sheet, scenario, plans, sample, material), ready to submit."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from listings import services as listings
    from listings.models import Board, ProductDocumentKind, Scenario

    merchant = merchant_admin.organisation.merchants.get(status="active")
    sheet = {**SHEET, **overrides}
    version = listings.create_product(
        actor=merchant_admin,
        merchant=merchant,
        board=Board.objects.get(code=board),
        scenarios=list(Scenario.objects.filter(code__in=["financial_services"])),
        plans=[
            {"kind": "monthly", "price_amount": Decimal("3000.00")},
            {"kind": "per_call", "price_amount": Decimal("0.0028")},
        ],
        **sheet,
    )
    listings.attach_sample(
        version=version, actor=merchant_admin, upload=SimpleUploadedFile("sample.csv", sample)
    )
    for kind in (
        ProductDocumentKind.SOURCE_PROOF,
        ProductDocumentKind.LAWFUL_SOURCE,
        ProductDocumentKind.COMPLIANCE_REPORT,
        ProductDocumentKind.SAMPLE_AGREEMENT,
    ):
        listings.add_product_document(
            version=version, actor=merchant_admin, kind=kind, upload=pdf_upload(f"{kind}.pdf", kind)
        )
    version.refresh_from_db()
    return version


def log_entries() -> list[bytes]:
    """Every entry stored in the certificate log, in order."""
    from exchange.registry import log

    return [data for _, data in log.entries(0, 1 << 62)]
