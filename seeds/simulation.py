"""The market simulation (``python manage.py simulate``): data merchants apply and are signed,
submit products that go through the review pipeline and list, buyers are verified and fund their
accounts, and then, day by day on the business clock, buyers order, pay, receive, accept or
dispute, arbitrators decide, and each working day's batch settles the day before.

Every step is a call to the services the pages and the API call (the batch paths where many
orders move at once): no rule, fee, ledger transfer or log entry is skipped. Deterministic: one
``random.Random(seed)`` makes every choice, the business clock is stepped (never real time), and
the database hands out ids in the same order; on an empty database the same options give the same
market, and the same certificate log, bit for bit (``Result.line`` ends with its size and root).

What the seed fixes: the companies' names, districts and credit codes, their products' sheets,
boards, plans and prices, the buyers, which product each order buys and on which plan, which
orders are disputed and how each dispute is decided, and every time on the business clock.
What it does not: passwords' salts, stored files' names, the checkpoints' signatures (the log's
key is the installation's) and the real time rows were written at.
"""

import base64
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Sum
from django.utils import timezone

from exchange import clock
from exchange.accounts.models import User
from exchange.accounts.roles import OrganisationKind, Role
from exchange.checkcodes import ALPHABET
from exchange.creditcode import build_credit_code
from exchange.ledger import bank
from exchange.ledger import services as ledger
from exchange.ledger.models import AccountPurpose
from exchange.money import Money
from exchange.registry import log
from listings import services as listing_services
from listings.models import Listing, PlanKind
from listings.states import ListingStatus, VersionStatus
from merchants.states import MerchantStatus
from seeds import demo, products, report, scenario
from seeds.documents import pdf_upload
from settlement import clearing, deliveries, disputes, services, subscriptions
from settlement.models import Order, PayoutBatch
from settlement.states import OrderStatus

PASSWORD = "shde-sim-2026"
START = date(2026, 3, 2)  # a Monday: the simulated market opens on it

# Shanghai's districts as the seed documents name them, with their GB/T 2260 codes (the credit
# code's division) and the place names companies there take.
DISTRICTS = (
    ("pudong", "310115", ("张江", "陆家嘴", "金桥", "外高桥")),
    ("pudong", "310115", ("临港", "滴水湖")),
    ("jingan", "310106", ("静安", "苏河湾")),
    ("xuhui", "310104", ("徐汇", "漕河泾", "徐家汇")),
    ("yangpu", "310110", ("杨浦", "五角场")),
    ("minhang", "310112", ("闵行", "紫竹")),
    ("jiading", "310114", ("嘉定", "安亭")),
    ("hongkou", "310109", ("北外滩",)),
    ("changning", "310105", ("虹桥", "长宁")),
    ("songjiang", "310117", ("松江", "G60")),
)
WORDS = (
    "数联",
    "智图",
    "云衡",
    "数汇",
    "融信",
    "星河",
    "天枢",
    "启明",
    "海量",
    "鼎元",
    "数擎",
    "曜石",
)
TRADES = ("数据科技", "信息技术", "数字科技", "大数据服务", "智能科技")
BUYER_TRADES = ("银行", "保险", "供应链管理", "证券", "物流", "零售", "汽车", "医药")
# The categories every selling merchant holds, and the ones some also hold.
SELLER = ("supply_demand", "supplier")
EXTRA = (
    (),
    ("delivery", "api_gateway"),
    ("delivery", "privacy_computing"),
    ("other", "data_annotation"),
    ("consultancy", "governance_consulting"),
)
# Fields a product of each board carries, and the scenarios it declares.
SHEETS = {
    "credit": ((("企业名称", "text"), ("信用评分", "integer"), ("评级", "text")), ("financial_services",)),
    "digital_asset": ((("资产编号", "text"), ("估值万元", "decimal"), ("季度", "date")), ("financial_services",)),
    "energy": ((("电站编号", "text"), ("日期", "date"), ("发电量兆瓦时", "decimal")), ("green_low_carbon",)),
    "finance": ((("证券代码", "text"), ("报告期", "date"), ("营业收入亿元", "decimal")), ("financial_services",)),
    "healthcare": ((("机构名称", "text"), ("年度", "integer"), ("综合评分", "decimal")), ("healthcare",)),
    "international": ((("港口", "text"), ("月份", "date"), ("挂靠艘次", "integer")), ("trade_distribution",)),
    "manufacturing": ((("设备编号", "text"), ("日期", "date"), ("故障次数", "integer")), ("manufacturing",)),
    "shipping": ((("船舶MMSI", "text"), ("时间", "datetime"), ("航速节", "decimal")), ("transport",)),
    "technology": ((("企业名称", "text"), ("专利数", "integer"), ("发明专利占比", "decimal")), ("science_technology",)),
    "telecom": ((("区域", "text"), ("日期", "date"), ("流入人次", "integer")), ("city_governance",)),
    "trade_logistics": ((("线路", "text"), ("周", "date"), ("时效指数", "decimal")), ("trade_distribution",)),
    "transport": ((("路段", "text"), ("时间", "datetime"), ("拥堵指数", "decimal")), ("transport",)),
    "yangtze_delta": ((("企业名称", "text"), ("变更事项", "text"), ("变更日期", "date")), ("city_governance",)),
}  # fmt: skip
SUBJECTS = {
    "credit": "企业信用", "digital_asset": "数据资产估值", "energy": "新能源发电",
    "finance": "上市公司财务", "healthcare": "医疗服务", "international": "全球港口",
    "manufacturing": "工业设备", "shipping": "船舶轨迹", "technology": "科技企业专利",
    "telecom": "人口流动", "trade_logistics": "物流时效", "transport": "城市交通",
    "yangtze_delta": "长三角工商变更",
}  # fmt: skip
FORMS = (
    ("dataset", "数据集"),
    ("api", "数据API"),
    ("report", "指数报告"),
    ("data_package", "数据包"),
)
DECISIONS = (("refund_in_full", 3), ("refund_in_part", 4), ("dismiss", 3))  # outcome, weight


@dataclass(frozen=True)
class Options:
    seed: int = 7
    days: int = 30
    merchants: int = 8
    buyers: int = 12
    products: int = 16
    orders_per_day: int = 12
    dispute_rate: float = 0.05
    rejection_rate: float = 0.1
    start: date = START


@dataclass
class Result:
    options: Options
    merchants: int = 0
    listed: int = 0
    rejected: int = 0
    buyers: int = 0
    orders: Counter = field(default_factory=Counter)  # by final status
    turnover: Money = field(default_factory=Money.zero)
    fees: Money = field(default_factory=Money.zero)
    subsidies: Money = field(default_factory=Money.zero)
    batches: int = 0
    disputes: int = 0
    log_size: int = 0
    log_root: bytes = b""
    days: list[dict] = field(default_factory=list)  # one row per simulated day
    figures: dict = field(default_factory=dict)  # what the report charts (report.figures_of)

    @property
    def order_count(self) -> int:
        return sum(self.orders.values())

    @property
    def line(self) -> str:
        """The last line ``simulate`` prints: the same options on an empty database print it the
        same, to the certificate log's size and root."""
        o = self.options
        root = base64.b64encode(self.log_root).decode()
        return (
            f"simulated {o.days} days from {o.start.isoformat()} (seed {o.seed}): "
            f"{self.merchants} merchants, {self.listed} listed products, {self.buyers} buyers, "
            f"{self.order_count} orders, turnover {self.turnover.to_api()} CNY, "
            f"{self.batches} batches, log {self.log_size} {root}"
        )


class Simulation:
    """One run: ``run()`` builds the market, then steps through ``options.days`` days."""

    def __init__(self, options: Options, *, scenario=None, progress=lambda s, t, note: None):
        self.options = options
        self.scenario = scenario
        self.rng = random.Random(options.seed)
        self.progress = progress
        self.report = demo.SeedReport(password_hash=make_password(PASSWORD))
        self.result = Result(options)
        self.staff: dict[str, User] = {}
        self.sellers: list[User] = []
        self.buyers: list[User] = []
        self.listings: list[Listing] = []
        self.packages: dict[int, bytes] = {}  # listing id → its delivery package
        self.offers: dict[int, tuple[list, list]] = {}  # listing id → (its plans, scenarios)
        self.popularity: dict[int, float] = {}
        self.delivered: list[int] = []  # orders waiting for their buyers' acceptance
        self.disputed: list[int] = []  # orders waiting for an arbitrator
        # What a scenario's steps did, for its checks (seeds.scenario).
        self.forced_disputes: dict[int, dict] = {}  # order id → the step that disputed it
        self.personal_version_id: int | None = None
        self.cross_border_version_id: int | None = None
        self.tamper_reports: dict[int, tuple[str, str]] = {}
        self.order_ids: list[int] = []

    # --- the run ------------------------------------------------------------------------------

    def run(self) -> Result:
        o = self.options
        self._at(o.start - timedelta(days=21), hour=9)  # onboarding weeks before the market opens
        total = 3 + o.days
        self.progress(0, total, "exchange staff")
        self._staff()
        self.progress(1, total, f"{o.merchants} merchants apply and sign")
        self._merchants()
        self.progress(2, total, f"{o.products} products through review and listing")
        self._products()
        self._buyers()
        self.progress(3, total, f"{o.buyers} buyers verified and funded")
        for number in range(o.days):
            day = o.start + timedelta(days=number)
            self._day(day)
            placed = sum(row["orders"] for row in self.result.days)
            self.progress(4 + number, total, f"{day.isoformat()} · {placed:,} orders")
        result = self._finish()
        for step in self._steps("tamper"):  # an insider, after the fact, in a copy
            self.tamper_reports[step["entry"]] = scenario.tamper(step["entry"])
        return result

    def _steps(self, action: str) -> list[dict]:
        return self.scenario.steps_of(action) if self.scenario else []

    def _at(self, day: date, *, hour: int, minute: int = 0) -> None:
        moment = timezone.make_aware(datetime.combine(day, time(hour, minute)))
        if clock.is_simulated() and moment <= clock.now():
            return  # business time never runs back
        clock.set_simulated_time(at=moment)

    def _tick(self, by: timedelta) -> None:
        clock.advance(by=by)

    # --- onboarding ----------------------------------------------------------------------------

    def _staff(self) -> None:
        exchange = demo.organisation_named(demo.EXCHANGE_NAME, OrganisationKind.EXCHANGE)
        people = {
            "operator": (exchange, Role.OPERATOR, "周运营"),
            "operator2": (exchange, Role.OPERATOR, "吴运营"),
            "compliance": (exchange, Role.COMPLIANCE_REVIEWER, "郑合规"),
            "quality": (exchange, Role.QUALITY_REVIEWER, "冯质量"),
            "committee": (exchange, Role.LISTING_COMMITTEE, "陈委员"),
            "settlement": (exchange, Role.SETTLEMENT_OPERATOR, "褚清算"),
            "auditor": (exchange, Role.AUDITOR, "卫审计"),
        }
        firm = demo.organisation_named("上海衡正律师事务所", OrganisationKind.SERVICE_PROVIDER)
        people["assessor"] = (firm, Role.COMPLIANCE_REVIEWER, "蒋律师")
        desk = demo.organisation_named(
            "上海国际仲裁中心数据争议庭", OrganisationKind.SERVICE_PROVIDER
        )
        people["arbitrator"] = (desk, Role.ARBITRATOR, "沈仲裁")
        for key, (organisation, role, name) in people.items():
            self.staff[key] = demo.account_named(
                organisation, demo.Account(f"sim_{key}", role, name), self.report
            )
        User.objects.filter(pk=self.staff["compliance"].pk).update(is_senior_reviewer=True)
        self.staff["compliance"].refresh_from_db()
        clearing.fund_subsidies(amount=Money("5000000.00"), key="sim-subsidy-grant")

    def _merchants(self) -> None:
        names = set()
        for number in range(self.options.merchants):
            district, region, places = self.rng.choice(DISTRICTS)
            name = f"上海{self.rng.choice(places)}{self.rng.choice(WORDS)}{self.rng.choice(TRADES)}有限公司"
            while name in names:
                name = (
                    name.replace("有限公司", "股份有限公司", 1)
                    if "股份" not in name
                    else f"{name[:-4]}{number}有限公司"
                )
            names.add(name)
            extra = self.rng.choice(EXTRA)
            company = demo.Company(
                name,
                f"sim_m{number + 1:03d}",
                region,
                self._organisation_base(),
                district,
                MerchantStatus.ACTIVE,
                (*SELLER, *extra),
                f"{name[2:4]}相关数据产品的开发与经营",
                dcmm_level=self.rng.choice((None, 2, 3, 3, 4)),
            )
            demo.onboard(company, self.staff["operator"], self.report, self._tick)
            self.sellers.append(User.objects.get(username=company.username))
            self._tick(timedelta(hours=2))
        self.result.merchants = len(self.sellers)

    def _organisation_base(self) -> str:
        return "MA1" + "".join(self.rng.choice(ALPHABET) for _ in range(5))

    def _products(self) -> None:
        boards = sorted(SHEETS)
        specs = []
        for number in range(self.options.products):
            board = boards[number % len(boards)]
            fields, scenarios = SHEETS[board]
            form, label = self.rng.choice(FORMS)
            seller = self.sellers[number % len(self.sellers)]
            price = Decimal(self.rng.randrange(8, 400) * 100)
            plans = [("monthly", f"{price}.00")]
            if self.rng.random() < 0.5:
                plans.append(("one_off", f"{price * 3}.00"))
            rejected = self.rng.random() < self.options.rejection_rate
            specs.append(
                products.Spec(
                    f"{SUBJECTS[board]}{label}（{seller.organisation.name[2:4]}）",
                    seller.username,
                    board,
                    VersionStatus.REJECTED if rejected else products.LISTED,
                    form,
                    scenarios,
                    fields,
                    tuple(plans),
                    f"{SUBJECTS[board]}领域的{label}，按月更新，已脱敏。",
                    delivery=("api", "file") if form == "api" else ("file",),
                    is_cross_border=board == "international",
                    frequency="monthly",
                    acquisition="purchased" if rejected else "collected",
                    source="网络爬取" if rejected else "企业自有业务系统采集",
                )
            )
        if self._steps("personal_sample"):
            # A sample with resident ID and mobile numbers the sheet does not declare: the
            # automated checks find them and send it to senior compliance, which rejects it.
            specs.append(
                products.Spec(
                    f"零售客户联系信息数据集（{self.sellers[0].organisation.name[2:4]}）",
                    self.sellers[0].username,
                    "trade_logistics",
                    VersionStatus.REJECTED,
                    "dataset",
                    ("brand_marketing",),
                    (
                        ("客户编号", "text"),
                        ("身份证号", "text"),
                        ("手机", "text"),
                        ("城市", "text"),
                    ),
                    (("monthly", "9000.00"),),
                    "零售客户的联系信息，用于精准营销。",
                    personal_sample=True,
                    extra={
                        "comment": "样本含未声明的个人信息（居民身份证号、手机号），且无个人同意与去标识化说明，不予登记。"
                    },
                )
            )
        for step in self._steps("cross_border"):
            # Personal information of this many people leaves China: the route its count takes
            # (a standard contract from 100,000) and the evidence the International Board asks.
            specs.append(
                products.Spec(
                    f"跨境电商买家行为数据（国际版·{self.sellers[-1].organisation.name[2:4]}）",
                    self.sellers[-1].username,
                    "international",
                    products.LISTED,
                    "dataset",
                    ("trade_distribution",),
                    (
                        ("买家编号", "text"),
                        ("国家", "text"),
                        ("品类", "text"),
                        ("月消费额", "decimal"),
                    ),
                    (("yearly", "96000.00"),),
                    "跨境电商平台境外买家的去标识化行为数据，面向境外采购方。",
                    is_cross_border=True,
                    extra={
                        "sheet": {"personal_information_people": step["people"]},
                        "export_evidence": True,
                        "cross_border": True,
                    },
                )
            )
        versions = {}
        for spec in specs:
            versions[spec.name] = products.walk(spec, self.staff, self._tick)
            if spec.personal_sample:
                self.personal_version_id = versions[spec.name].pk
            if spec.extra.get("cross_border"):
                self.cross_border_version_id = versions[spec.name].pk
        # The notices run their three days; then the registered products apply to list.
        self._tick(timedelta(days=3, hours=2))
        listing_services.close_public_notices()
        for spec in specs:
            products.after_registration(spec, versions[spec.name], self.staff, self._tick)
        self.listings = list(
            Listing.objects.filter(
                status=ListingStatus.LISTED,
                product__merchant__organisation__in=[s.organisation for s in self.sellers],
            )
            .select_related("product__registered_version", "product__merchant")
            .order_by("pk")
        )
        for listing in self.listings:
            version = listing.product.registered_version
            fields = [(f["name"], f["type"]) for f in version.fields_schema]
            self.packages[listing.pk] = products.sample_csv(fields)
            self.offers[listing.pk] = (
                [p for p in listing.plans.order_by("pk") if p.kind != PlanKind.NEGOTIATED],
                list(version.scenarios.order_by("pk")),
            )
            self.popularity[listing.pk] = self.rng.paretovariate(1.5)  # a few sell most
        self.result.listed = len(self.listings)
        self.result.rejected = sum(spec.target == VersionStatus.REJECTED for spec in specs)

    def _buyers(self) -> None:
        for number in range(self.options.buyers):
            _district, region, places = self.rng.choice(DISTRICTS)
            trade = self.rng.choice(BUYER_TRADES)
            name = f"上海{self.rng.choice(places)}{self.rng.choice(WORDS)}{trade}有限公司"
            if any(buyer.organisation.name == name for buyer in self.buyers):
                name = name.replace("有限公司", f"第{number + 1}分公司")
            organisation = demo.organisation_named(name, OrganisationKind.BUYER)
            user = demo.account_named(
                organisation,
                demo.Account(f"sim_b{number + 1:03d}", Role.BUYER, f"{name[2:4]}采购"),
                self.report,
            )
            code = build_credit_code(
                authority_type="91", region=region, organisation_base=self._organisation_base()
            )
            application = services.apply_as_buyer(actor=user, company_name=name, credit_code=code)
            services.decide_buyer(application, "verify", actor=self.staff["operator2"])
            self._deposit(user, Money("3000000.00"))
            self.buyers.append(user)
            self._tick(timedelta(minutes=30))
        self.result.buyers = len(self.buyers)

    def _deposit(self, user: User, amount: Money) -> None:
        hold = bank.request_deposit(
            actor=user,
            organisation=user.organisation,
            amount=amount,
            key=f"sim-deposit-{user.username}-{clock.now().isoformat()}",
        )
        if bank.request_of(hold).is_open:
            bank.confirm(actor=self.staff["settlement"], hold=hold)

    # --- one day of the market ---------------------------------------------------------------

    def _day(self, day: date) -> None:
        row = {"date": day.isoformat(), "working": clock.is_working_day(day), "orders": 0}
        self._at(day, hour=8)
        if row["working"]:
            batch = clearing.settle(day)  # T+1: the orders cleared before today
            row["settled"] = batch.orders.count()
        self._at(day, hour=9)
        subscriptions.renew_due()
        subscriptions.lapse_due()
        if row["working"]:
            self._decide_disputes()
            self._accept_or_dispute()
            row["orders"] = self._trade()
        self._at(day, hour=23)  # the beats' work of the day: windows and deadlines that ended
        services.accept_due()
        services.refund_undelivered()
        self.result.days.append(row)

    def _trade(self) -> int:
        count = max(1, round(self.options.orders_per_day * self.rng.uniform(0.7, 1.3)))
        weights = [self.popularity[listing.pk] for listing in self.listings]
        requests = []
        for _ in range(count):
            listing = self.rng.choices(self.listings, weights)[0]
            plans, scenarios = self.offers[listing.pk]
            requests.append(
                services.OrderRequest(
                    self.rng.choice(self.buyers),
                    listing,
                    self.rng.choice(plans),
                    self.rng.choice(scenarios),
                )
            )
        self._at(clock.today(), hour=10)
        self._top_up(requests)
        orders = services.place_orders(requests)
        self._tick(timedelta(minutes=20))
        buyers = {request.actor.organisation_id: request.actor for request in requests}
        services.pay_orders(
            [services.PaymentRequest(o, buyers[o.buyer_id], f"sim-pay-{o.pk}") for o in orders],
            respond=lambda order: {},
        )
        self._at(clock.today(), hour=14)
        # Today's orders and any renewal the exchange charged are delivered, a package a product.
        renewals = Order.objects.filter(
            status=OrderStatus.PAID,
            merchant__organisation__in=[s.organisation for s in self.sellers],
        ).exclude(pk__in=[order.pk for order in orders])
        by_listing = defaultdict(list)
        for order in [*orders, *renewals.select_related("merchant").order_by("pk")]:
            by_listing[order.listing_id].append(order)
        for listing_id, batch in sorted(by_listing.items()):
            seller = next(
                s for s in self.sellers if s.organisation_id == batch[0].merchant.organisation_id
            )
            upload = SimpleUploadedFile("交付数据包.csv", self.packages[listing_id])
            deliveries.deliver_orders(batch, actor=seller, upload=upload)
            self.delivered += [order.pk for order in batch]
        return len(orders)

    def _top_up(self, requests) -> None:
        """Buyers short of what today's orders need deposit more (as a treasurer would)."""
        need: dict[int, Decimal] = defaultdict(Decimal)
        users = {}
        for request in requests:
            need[request.actor.organisation_id] += request.plan.price_amount * request.quantity
            users[request.actor.organisation_id] = request.actor
        for organisation_id, amount in sorted(need.items()):
            user = users[organisation_id]
            account = ledger.account_for(user.organisation, AccountPurpose.AVAILABLE)
            if ledger.balances_of(account).available.amount < amount * 2 + 20_000:
                self._deposit(user, Money(amount * 10 + 100_000))

    def _accept_or_dispute(self) -> None:
        """Yesterday's deliveries: most are accepted, some disputed with evidence."""
        waiting = list(
            Order.objects.filter(pk__in=self.delivered, status=OrderStatus.DELIVERED)
            .select_related("placed_by")
            .order_by("pk")
        )
        self.delivered = []
        accepted = []
        self._at(clock.today(), hour=11)
        forced = [step for step in self._steps("dispute") if step["day"] == clock.today()]
        for order in waiting:
            step = forced.pop(0) if forced else None
            if step is not None:
                self.forced_disputes[order.pk] = step
            if step is not None or self.rng.random() < self.options.dispute_rate:
                disputes.open_dispute(
                    order,
                    actor=order.placed_by,
                    reason="交付数据与说明书字段不一致，部分记录缺失。",
                    evidence=pdf_upload("差异说明.pdf", f"Order {order.pk}: missing rows"),
                )
                seller = next(
                    s for s in self.sellers if s.organisation_id == order.merchant.organisation_id
                )
                disputes.answer_dispute(
                    order, actor=seller, answer="已核对：缺失记录系源数据当日未更新，可补发。"
                )
                self.disputed.append(order.pk)
                self.result.disputes += 1
            else:
                accepted.append((order, order.placed_by))
        if accepted:
            services.accept_orders(accepted)  # cleared together once this commits

    def _decide_disputes(self) -> None:
        self._at(clock.today(), hour=9, minute=30)
        outcomes, weights = zip(*DECISIONS, strict=True)
        for order_id in self.disputed:
            order = Order.objects.get(pk=order_id)
            step = self.forced_disputes.get(order_id)
            outcome = step["outcome"] if step else self.rng.choices(outcomes, weights)[0]
            share = step.get("refund_share", Decimal("0.5")) if step else Decimal("0.5")
            refund = (
                (order.value_amount * share).quantize(Decimal("0.01"))
                if outcome == "refund_in_part"
                else None
            )
            disputes.decide_dispute(
                order,
                actor=self.staff["arbitrator"],
                outcome=outcome,
                reason="经审理，依据合同约定与双方证据作出裁决。",
                refund=refund,
            )
        self.disputed = []

    # --- the end -------------------------------------------------------------------------------

    def _finish(self) -> Result:
        r = self.result
        sellers = [s.organisation_id for s in self.sellers]
        orders = Order.objects.filter(merchant__organisation__in=sellers)
        self.order_ids = list(orders.values_list("pk", flat=True))
        r.orders = Counter(dict(orders.values_list("status").annotate(n=Count("id")).order_by()))
        settled = orders.filter(status__in=(OrderStatus.CLEARED, OrderStatus.SETTLED))
        r.turnover = Money(settled.aggregate(total=Sum("value_amount"))["total"] or 0)
        r.batches = PayoutBatch.objects.filter(orders__in=settled).distinct().count()
        checkpoint = log.latest_checkpoint()
        r.log_size, r.log_root = checkpoint.size, bytes(checkpoint.root)
        r.figures = report.figures_of(orders, self.listings, r.days)
        return r
