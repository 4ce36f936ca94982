"""The demo exchange: accounts for every role and merchants at every onboarding state.

Everything is made by calling the services, exactly as people would through the pages or the API.
Running it again changes nothing: each piece is looked up first and built only when missing.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from exchange import clock
from exchange.accounts import services as accounts
from exchange.accounts.models import Organisation, User
from exchange.accounts.roles import OrganisationKind, Role
from exchange.creditcode import build_credit_code
from merchants import services as merchants
from merchants.models import Category, DocumentKind, Merchant
from merchants.states import MerchantStatus
from seeds import products, registrations
from seeds.documents import pdf_upload
from seeds.funds import seed_funds
from seeds.trading import seed_trading, seed_trading_history

S = MerchantStatus
DEMO_PASSWORD = "shde-demo-2026"
EXCHANGE_NAME = "上海数据交易所（模拟）"


@dataclass(frozen=True)
class Account:
    username: str
    role: Role
    name: str


@dataclass(frozen=True)
class Company:
    """A demo applicant: who it is, and how far through onboarding the demo takes it."""

    name: str
    username: str
    region: str
    organisation_base: str
    district: str
    target: MerchantStatus
    categories: tuple[str, ...]
    scope: str
    dcmm_level: int | None = None
    sources: tuple[tuple[str, str], ...] = (("企业自有业务数据", "collected"),)
    note: str = ""
    staff: tuple[Account, ...] = field(default_factory=tuple)


EXCHANGE_STAFF = (
    Account("operator", Role.OPERATOR, "王运营"),
    Account("operator2", Role.OPERATOR, "李审核"),
    Account("compliance", Role.COMPLIANCE_REVIEWER, "陈合规"),
    Account("quality", Role.QUALITY_REVIEWER, "赵质量"),
    Account("committee", Role.LISTING_COMMITTEE, "周委员"),
    Account("settlement", Role.SETTLEMENT_OPERATOR, "吴清算"),
    Account("auditor", Role.AUDITOR, "郑审计"),
)

ASSESSOR = ("上海明正律师事务所", (Account("assessor", Role.COMPLIANCE_REVIEWER, "孙律师"),))
ARBITRATION = ("上海仲裁委员会数据仲裁中心", (Account("arbitrator", Role.ARBITRATOR, "冯仲裁"),))
BUYER = ("上海远航供应链管理有限公司", Account("buyer", Role.BUYER, "钱采购"))

COMPANIES = (
    Company(
        "上海浦数科技有限公司",
        "merchant",
        "310115",
        "MA1K3YJ2",
        "pudong",
        S.ACTIVE,
        ("supply_demand", "supplier", "delivery", "api_gateway"),
        "企业征信数据产品与API服务",
        dcmm_level=3,
        sources=(("工商公示信息", "public"), ("合作银行授权数据", "licensed")),
        staff=(Account("merchant_staff", Role.MERCHANT_STAFF, "刘专员"),),
    ),
    Company(
        "上海航运数据服务有限公司",
        "shipping",
        "310115",
        "MA1G8B6T",
        "pudong",
        S.ACTIVE,
        ("supply_demand", "supplier"),
        "船舶动态与港口作业数据服务",
        dcmm_level=4,
        sources=(("AIS船舶轨迹", "collected"), ("港口作业记录", "licensed")),
    ),
    Company(
        "长三角信用信息有限公司",
        "credit",
        "320500",
        "MA1N2QL4",
        "yangtze_delta",
        S.ACTIVE,
        ("supply_demand", "supplier", "intermediary", "brokerage"),
        "企业信用评价与数据经纪",
        sources=(("公共信用信息", "public"),),
    ),
    Company(
        "上海医数智联科技有限公司",
        "medical",
        "310104",
        "MA1H7KC9",
        "xuhui",
        S.SUSPENDED,
        ("supply_demand", "supplier", "delivery", "privacy_computing"),
        "医疗健康数据隐私计算服务",
        note="样本中发现未声明的个人信息，暂停交易待整改",
    ),
    Company(
        "申城金融数据有限公司",
        "finance",
        "310101",
        "MA1J5DPX",
        "huangpu",
        S.SIGNING,
        ("supply_demand", "supplier"),
        "金融市场行情与另类数据",
        dcmm_level=2,
    ),
    Company(
        "临港智算科技有限公司",
        "lingang",
        "310115",
        "MA1FWE38",
        "pudong",
        S.APPROVED,
        ("delivery", "data_sandbox"),
        "数据沙箱与智能算力服务",
    ),
    Company(
        "徐汇数据合规咨询有限公司",
        "consulting",
        "310104",
        "MA1L0R6M",
        "xuhui",
        S.UNDER_REVIEW,
        ("consultancy", "governance_consulting"),
        "数据治理与合规咨询",
    ),
    Company(
        "杨浦商贸物流数据有限公司",
        "logistics",
        "310110",
        "MA1P4U2A",
        "yangpu",
        S.SUBMITTED,
        ("supply_demand", "supplier"),
        "商贸流通与物流时效数据",
    ),
    Company(
        "嘉定智能制造数据有限公司",
        "manufacturing",
        "310114",
        "MA1T9H1C",
        "jiading",
        S.INFO_REQUESTED,
        ("supply_demand", "supplier"),
        "工业设备运行与供应链数据",
        note="请补充数据安全管理制度的最新版本（2025年修订版）",
    ),
    Company(
        "闵行能源数据有限公司",
        "energy",
        "310112",
        "MA1Q3E7K",
        "minhang",
        S.RESUBMITTED,
        ("supply_demand", "supplier"),
        "电力负荷与新能源发电数据",
        note="请说明光伏发电数据的授权链条",
    ),
    Company(
        "黄浦数据经纪有限公司",
        "broker",
        "310101",
        "MA1X6N8B",
        "huangpu",
        S.REJECTED,
        ("intermediary", "matchmaking"),
        "数据交易撮合",
        note="近三年存在数据相关行政处罚，不符合入驻条件",
    ),
    Company(
        "静安气象数据有限公司",
        "weather",
        "310106",
        "MA1C2M5R",
        "jingan",
        S.WITHDRAWN,
        ("supply_demand", "supplier"),
        "精细化气象预报数据",
        note="公司业务调整，撤回申请",
    ),
    Company(
        "宝山钢铁数据服务有限公司",
        "steel",
        "310113",
        "MA1B8Y4W",
        "baoshan",
        S.TERMINATED,
        ("supply_demand", "supplier"),
        "钢铁产业链数据",
        note="协议到期未续签，终止数商资格",
    ),
    Company(
        "松江科创数据有限公司",
        "applicant",
        "310117",
        "MA1R7G0E",
        "songjiang",
        S.DRAFT,
        ("supply_demand", "supplier"),
        "科技成果与专利数据",
    ),
)

# The roads the demo takes to each state, from draft.
PATHS = {
    S.DRAFT: [],
    S.SUBMITTED: ["submit"],
    S.UNDER_REVIEW: ["submit", "start_review"],
    S.INFO_REQUESTED: ["submit", "start_review", "request_information"],
    S.RESUBMITTED: ["submit", "start_review", "request_information", "resubmit"],
    S.APPROVED: ["submit", "start_review", "approve"],
    S.SIGNING: ["submit", "start_review", "approve", "issue_agreement"],
    S.ACTIVE: ["submit", "start_review", "approve", "issue_agreement", "sign"],
    S.SUSPENDED: ["submit", "start_review", "approve", "issue_agreement", "sign", "suspend"],
    S.TERMINATED: ["submit", "start_review", "approve", "issue_agreement", "sign", "terminate"],
    S.REJECTED: ["submit", "start_review", "reject"],
    S.WITHDRAWN: ["submit", "withdraw"],
}


@dataclass
class SeedReport:
    # Hashed once: every demo account shares the password, and hashing is slow on purpose.
    password_hash: str = ""
    created_accounts: list[str] = field(default_factory=list)
    created_merchants: list[str] = field(default_factory=list)
    created_products: list[str] = field(default_factory=list)
    created_registrations: list[str] = field(default_factory=list)
    created_transfers: list[str] = field(default_factory=list)
    created_orders: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.created_accounts
            or self.created_merchants
            or self.created_products
            or self.created_registrations
            or self.created_transfers
            or self.created_orders
        )


def seed_demo(*, progress=lambda message: None) -> SeedReport:
    report = SeedReport(password_hash=make_password(DEMO_PASSWORD))
    missing = [c for c in COMPANIES if not Organisation.objects.filter(name=c.name).exists()]
    exchange = organisation_named(EXCHANGE_NAME, OrganisationKind.EXCHANGE)
    for account in EXCHANGE_STAFF:
        account_named(exchange, account, report)
    assessor_org = organisation_named(ASSESSOR[0], OrganisationKind.SERVICE_PROVIDER)
    for account in ASSESSOR[1]:
        account_named(assessor_org, account, report)
    commission = organisation_named(ARBITRATION[0], OrganisationKind.SERVICE_PROVIDER)
    for account in ARBITRATION[1]:
        account_named(commission, account, report)
    _make_senior("compliance")
    _buyer(report)
    specs = products.missing_specs()
    holdings = registrations.missing()
    if not missing and not specs and not holdings:
        report.created_transfers = seed_funds()
        report.created_orders += seed_trading()
        return report
    operator = User.objects.get(username="operator")
    # Walk the business clock through the last few weeks so that queues show real ages and
    # notices run their days, unless a classroom scenario already runs a simulated clock.
    owns_clock = not clock.is_simulated()

    def tick(by: timedelta) -> None:
        # Steps forward, but never past the real time: the demo's history lies in the past.
        if owns_clock:
            step = min(by, clock.real_now() - timedelta(hours=3) - clock.now())
            if step > timedelta(0):
                clock.advance(by=step)

    if owns_clock:
        clock.set_simulated_time(at=clock.now() - timedelta(days=3 * len(missing) + 16))
    try:
        report.created_transfers = seed_funds()  # the buyer's money comes first
        for number, company in enumerate(missing, start=1):
            progress(f"[{number}/{len(missing)}] {company.name} → {company.target.label}")
            onboard(company, operator, report, tick)
            tick(timedelta(days=1, hours=3))
        report.created_products = products.seed_products(
            specs,
            tick=tick,
            progress=progress,
            then=lambda: report.created_orders.extend(seed_trading_history(tick)),
        )
        report.created_registrations = registrations.seed_registrations(holdings, progress=progress)
    finally:
        if owns_clock:
            clock.use_real_time()
    report.created_orders += seed_trading()
    return report


def _make_senior(username: str) -> None:
    """The exchange's own compliance reviewer takes the senior queue (high-risk products)."""
    User.objects.filter(username=username, is_senior_reviewer=False).update(is_senior_reviewer=True)


def organisation_named(name: str, kind: OrganisationKind) -> Organisation:
    existing = Organisation.objects.filter(name=name).first()
    return existing or accounts.create_organisation(name=name, kind=kind, actor=None)


def account_named(organisation: Organisation, account: Account, report: SeedReport) -> User:
    existing = User.objects.filter(username=account.username).first()
    if existing:
        return existing
    report.created_accounts.append(account.username)
    return accounts.create_user(
        organisation=organisation,
        username=account.username,
        email=f"{account.username}@demo.exchange.example",
        password_hash=report.password_hash,
        role=account.role,
        first_name=account.name,
    )


def _buyer(report: SeedReport) -> None:
    name, account = BUYER
    if User.objects.filter(username=account.username).exists():
        return
    organisation = organisation_named(name, OrganisationKind.BUYER)
    account_named(organisation, account, report)


@transaction.atomic
def onboard(company: Company, operator: User, report: SeedReport, tick) -> Merchant:
    """Take ``company`` from an application to its target state, through the services."""
    organisation = organisation_named(company.name, OrganisationKind.MERCHANT)
    admin = account_named(
        organisation,
        Account(company.username, Role.MERCHANT_ADMIN, f"{company.name[2:4]}管理员"),
        report,
    )
    for account in company.staff:
        account_named(admin.organisation, account, report)
    credit_code = build_credit_code(
        authority_type="91", region=company.region, organisation_base=company.organisation_base
    )
    merchant = merchants.create_application(
        actor=admin,
        company_name=company.name,
        credit_code=credit_code,
        categories=list(Category.objects.filter(code__in=company.categories)),
        legal_representative=f"{company.name[2]}总",
        registered_address=f"上海市{company.name[2:4]}路{100 + len(company.name)}号",
        district=company.district,
        contact_name=admin.first_name,
        contact_phone=_phone(company),
        contact_email=admin.email,
        business_scope=company.scope,
        dcmm_level=company.dcmm_level,
        data_sources=[{"name": n, "acquisition": a, "description": ""} for n, a in company.sources],
        has_data_security_system=True,
        clean_record_declared=True,
    )
    documents = [
        (DocumentKind.BUSINESS_LICENCE, "营业执照.pdf"),
        (DocumentKind.SECURITY_SYSTEM, "数据安全管理制度.pdf"),
        (DocumentKind.CLEAN_RECORD, "无违法违规承诺书.pdf"),
    ]
    if company.dcmm_level:
        documents.append((DocumentKind.DCMM_CERTIFICATE, "DCMM证书.pdf"))
    for kind, filename in documents:
        upload = pdf_upload(filename, f"Demo document: {kind.value}", f"Credit code {credit_code}")
        merchants.add_document(merchant=merchant, actor=admin, kind=kind, upload=upload)
    for step in PATHS[company.target]:
        tick(timedelta(hours=5))
        _step(step, merchant, admin, operator, company)
    report.created_merchants.append(company.name)
    return merchant


def _phone(company: Company) -> str:
    digits = sum(ord(char) for char in company.username) % 10000
    return f"1391234{digits:04d}"


def _step(step: str, merchant: Merchant, admin: User, operator: User, company: Company) -> None:
    note = company.note or "材料齐全，符合入驻条件"
    calls = {
        "submit": lambda: merchants.submit_application(merchant=merchant, actor=admin),
        "start_review": lambda: merchants.start_review(merchant=merchant, actor=operator),
        "request_information": lambda: merchants.request_information(
            merchant=merchant, actor=operator, reason=note
        ),
        "resubmit": lambda: merchants.resubmit_application(
            merchant=merchant, actor=admin, reason="已补充说明材料"
        ),
        "approve": lambda: merchants.approve_application(
            merchant=merchant, actor=operator, reason="材料齐全，符合入驻条件"
        ),
        "reject": lambda: merchants.reject_application(
            merchant=merchant, actor=operator, reason=note
        ),
        "issue_agreement": lambda: merchants.issue_agreement(merchant=merchant, actor=operator),
        "sign": lambda: merchants.sign_agreement(merchant=merchant, actor=admin),
        "suspend": lambda: merchants.suspend_merchant(
            merchant=merchant, actor=operator, reason=note
        ),
        "terminate": lambda: merchants.terminate_merchant(
            merchant=merchant, actor=operator, reason=note
        ),
        "withdraw": lambda: merchants.withdraw_application(
            merchant=merchant, actor=admin, reason=note
        ),
    }
    calls[step]()
