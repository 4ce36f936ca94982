"""Demo data products: listed items on every board and products at every stage of the pipeline.

Built through the services in phases, as an exchange would see them over a few weeks of business
time: drafts and submissions, the review stages, public notices, registrations, listings.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from exchange import clock
from exchange.accounts.models import User
from exchange.registry import services as registry
from exchange.registry.models import Action
from listings import services
from listings.checklists import CHECKLISTS, QUALITY_INDICATORS
from listings.models import Board, Decision, ProductDocumentKind, ProductVersion, Scenario
from listings.states import ReviewStage, VersionStatus
from seeds.documents import pdf_upload

V = VersionStatus

# Where each demo product ends up.
LISTED = "listed"
LISTING_REVIEW = "listing_review"
SUSPENDED = "suspended"
DELISTED = "delisted"
SUPERSEDED = "superseded"  # v1 superseded by a registered, listed v2
OBJECTION_UPHELD = "objection_upheld"
NOTICE_WITH_OBJECTION = "notice_with_objection"


@dataclass(frozen=True)
class Spec:
    name: str
    merchant: str  # username of the merchant admin
    board: str
    target: str
    product_type: str
    scenarios: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]
    plans: tuple[tuple[str, str | None], ...]
    summary: str
    delivery: tuple[str, ...] = ("file",)
    personal_sample: bool = False
    is_cross_border: bool = False
    source: str = "企业自有业务系统采集"
    acquisition: str = "collected"
    frequency: str = "daily"
    extra: dict = field(default_factory=dict)


COMPANY_FIELDS = (
    ("企业名称", "text"),
    ("注册资本万元", "integer"),
    ("成立日期", "date"),
    ("行业", "text"),
)
SPECS = (
    Spec("上市公司财务指标数据API", "merchant", "finance", LISTED, "api", ("financial_services",),
         (("证券代码", "text"), ("报告期", "date"), ("营业收入亿元", "decimal"), ("净利润亿元", "decimal")),
         (("per_call", "0.0028"), ("monthly", "3000.00")), "A股上市公司季度财务指标，含营收、利润与现金流。", ("api",)),
    Spec("船舶AIS动态轨迹数据", "shipping", "shipping", LISTED, "dataset", ("transport", "trade_distribution"),
         (("船舶MMSI", "text"), ("时间", "datetime"), ("经度", "decimal"), ("纬度", "decimal"), ("航速节", "decimal")),
         (("monthly", "8000.00"), ("yearly", "80000.00")), "覆盖东海与长江口的船舶AIS轨迹，每5分钟更新。", ("api", "file"), frequency="realtime"),
    Spec("长三角物流时效指数", "credit", "trade_logistics", LISTED, "report", ("trade_distribution",),
         (("线路", "text"), ("周", "date"), ("时效指数", "decimal")), (("one_off", "1200.00"),),
         "长三角主要城市间干线物流的周度时效指数。", frequency="weekly"),
    Spec("科技企业专利画像数据包", "merchant", "technology", LISTED, "data_package", ("science_technology",),
         (("企业名称", "text"), ("专利数", "integer"), ("发明专利占比", "decimal")), (("one_off", "20000.00"),),
         "科技型企业专利数量、结构与引用的画像数据。", frequency="monthly"),
    Spec("工业设备运行状态数据集", "merchant", "manufacturing", LISTED, "dataset", ("manufacturing",),
         (("设备编号", "text"), ("日期", "date"), ("运行时长小时", "decimal"), ("故障次数", "integer")),
         (("monthly", "5000.00"),), "汽车零部件产线设备的日运行与故障统计（已脱敏）。"),
    Spec("运营商人口流动统计", "merchant", "telecom", LISTED, "report", ("city_governance", "culture_tourism"),
         (("区域", "text"), ("日期", "date"), ("流入人次", "integer"), ("流出人次", "integer")),
         (("monthly", "20000.00"), ("negotiated", None)), "基于信令聚合的区县级人口流动统计，不含个人信息。", ("privacy_computing",)),
    Spec("医疗机构服务能力评价报告", "credit", "healthcare", LISTED, "report", ("healthcare",),
         (("机构名称", "text"), ("年度", "integer"), ("综合评分", "decimal")), (("one_off", "6800.00"),),
         "二级以上医疗机构服务能力的年度评价。", frequency="yearly"),
    Spec("城市路网拥堵指数API", "shipping", "transport", LISTED, "api", ("transport", "city_governance"),
         (("路段", "text"), ("时间", "datetime"), ("拥堵指数", "decimal")), (("per_call", "0.0050"), ("yearly", "36000.00")),
         "上海主要路段实时拥堵指数接口。", ("api",), frequency="realtime"),
    Spec("新能源电站发电量数据", "merchant", "energy", LISTED, "dataset", ("green_low_carbon",),
         (("电站编号", "text"), ("日期", "date"), ("发电量兆瓦时", "decimal")), (("monthly", "4500.00"),),
         "华东地区光伏与风电电站的日发电量。"),
    Spec("企业信用评分API", "credit", "credit", LISTED, "api", ("financial_services",),
         (*COMPANY_FIELDS, ("信用评分", "integer")), (("per_call", "0.0100"), ("monthly", "12000.00")),
         "基于公共信用信息的企业信用评分接口。", ("api",), source="公共信用信息与企业公示信息", acquisition="public"),
    Spec("全球港口挂靠统计（国际版）", "shipping", "international", LISTED, "dataset", ("transport", "trade_distribution"),
         (("港口", "text"), ("月份", "date"), ("挂靠艘次", "integer")), (("yearly", "120000.00"),),
         "全球主要港口月度船舶挂靠统计，面向境外采购方。", ("api", "file"), is_cross_border=True, frequency="monthly"),
    Spec("数据资产估值参考指数", "credit", "digital_asset", LISTED, "report", ("financial_services",),
         (("行业", "text"), ("季度", "date"), ("估值倍数", "decimal")), (("one_off", "9800.00"),),
         "分行业的数据资产估值参考指数。", frequency="quarterly"),
    Spec("长三角企业工商变更数据", "credit", "yangtze_delta", LISTED, "dataset", ("financial_services", "city_governance"),
         (*COMPANY_FIELDS, ("变更事项", "text")), (("monthly", "2500.00"),), "长三角企业工商登记变更事项的日更新。",
         source="企业信用信息公示系统", acquisition="public"),
    Spec("供应链金融风控数据", "credit", "finance", SUSPENDED, "dataset", ("financial_services",),
         COMPANY_FIELDS, (("monthly", "6000.00"),), "核心企业上下游的交易与履约数据。"),
    Spec("历史股票行情数据", "merchant", "finance", DELISTED, "data_package", ("financial_services",),
         (("证券代码", "text"), ("日期", "date"), ("收盘价", "decimal")), (("one_off", "3000.00"),), "2000年以来的A股日行情。"),
    Spec("上海市场监管处罚数据", "credit", "credit", SUPERSEDED, "dataset", ("city_governance",),
         (*COMPANY_FIELDS, ("处罚事由", "text")), (("monthly", "1500.00"),), "上海市场监管行政处罚公示数据。",
         source="行政处罚公示", acquisition="public"),
    Spec("国际海运航线数据", "shipping", "shipping", LISTING_REVIEW, "dataset", ("transport",),
         (("航线", "text"), ("周", "date"), ("运力TEU", "integer")), (("yearly", "50000.00"),), "主要国际海运航线的周运力。"),
    Spec("企业年报财务数据包", "merchant", "finance", V.REGISTERED, "data_package", ("financial_services",),
         (*COMPANY_FIELDS, ("营业收入万元", "integer")), (("one_off", "15000.00"),), "非上市企业年报的财务摘要。"),
    Spec("商圈客流统计数据", "merchant", "trade_logistics", V.REGISTRATION_REVIEW, "report", ("brand_marketing",),
         (("商圈", "text"), ("日期", "date"), ("客流人次", "integer")), (("monthly", "3600.00"),), "上海重点商圈日客流统计。"),
    Spec("企业招聘岗位数据", "credit", "technology", V.QUALITY_REVIEW, "dataset", ("education", "science_technology"),
         (("企业名称", "text"), ("岗位", "text"), ("发布日期", "date"), ("薪资下限", "integer")), (("monthly", "2000.00"),),
         "长三角企业公开发布的招聘岗位。"),
    Spec("航运运价指数", "shipping", "shipping", V.COMPLIANCE_REVIEW, "report", ("transport",),
         (("航线", "text"), ("周", "date"), ("运价指数", "decimal")), (("monthly", "1800.00"),), "上海出口集装箱运价指数的分航线数据。"),
    Spec("客户联系信息数据集", "merchant", "trade_logistics", V.COMPLIANCE_REVIEW, "dataset", ("brand_marketing",),
         (("客户编号", "text"), ("身份证号", "text"), ("手机", "text"), ("城市", "text")), (("monthly", "9000.00"),),
         "零售客户的联系信息（样本含未声明的个人信息：送高级合规队列）。", personal_sample=True),
    Spec("个人消费画像数据", "credit", "finance", V.RETURNED, "dataset", ("brand_marketing", "financial_services"),
         (("画像编号", "text"), ("消费等级", "integer"), ("城市", "text")), (("monthly", "7000.00"),), "去标识化的消费能力画像。"),
    Spec("未授权社交媒体数据", "merchant", "technology", V.REJECTED, "dataset", ("brand_marketing",),
         (("帖子编号", "text"), ("发布日期", "date"), ("话题", "text")), (("monthly", "1000.00"),), "公开社交媒体帖子汇总。",
         source="网络爬取", acquisition="purchased"),
    Spec("网约车订单明细数据", "shipping", "transport", OBJECTION_UPHELD, "dataset", ("transport",),
         (("订单编号", "text"), ("日期", "date"), ("里程公里", "decimal")), (("monthly", "5000.00"),), "网约车订单的行程明细（已脱敏）。"),
    Spec("城市停车位实时数据", "shipping", "transport", NOTICE_WITH_OBJECTION, "api", ("transport", "city_governance"),
         (("停车场", "text"), ("时间", "datetime"), ("空余车位", "integer")), (("per_call", "0.0030"),), "上海公共停车场实时空余车位。",
         ("api",), frequency="realtime"),
    Spec("气象灾害预警数据API", "credit", "yangtze_delta", V.PUBLIC_NOTICE, "api", ("weather", "emergency_management"),
         (("区域", "text"), ("时间", "datetime"), ("预警等级", "integer")), (("per_call", "0.0020"),), "长三角气象灾害预警信息接口。",
         ("api",), frequency="realtime"),
    Spec("港口集装箱吞吐量月报", "shipping", "shipping", V.DRAFT, "report", ("transport",),
         (("港口", "text"), ("月份", "date"), ("吞吐量万TEU", "decimal")), (("one_off", "800.00"),), "长三角港口集装箱吞吐量月报。",
         frequency="monthly"),
)  # fmt: skip

# The stage each target stops after (product registration path only).
STOP_AFTER = {
    V.DRAFT: None,
    V.RETURNED: "return_compliance",
    V.REJECTED: "reject_compliance",
    V.COMPLIANCE_REVIEW: "checks",
    V.QUALITY_REVIEW: ReviewStage.COMPLIANCE,
    V.REGISTRATION_REVIEW: ReviewStage.QUALITY,
}


def missing_specs() -> list[Spec]:
    existing = set(ProductVersion.objects.values_list("name", flat=True))
    return [spec for spec in SPECS if spec.name not in existing]


def seed_products(specs: list[Spec], *, tick, progress, then=lambda: None) -> list[str]:
    """Build the given demo products in phases; returns the names built. ``then()`` runs once the
    early products are listed, before the last notices open (the demo's trading history)."""
    staff = {name: User.objects.get(username=name) for name in ("compliance", "assessor", "quality", "operator", "committee", "operator2", "auditor", "buyer")}  # fmt: skip
    late = [s for s in specs if s.target in (V.PUBLIC_NOTICE, NOTICE_WITH_OBJECTION)]
    early = [s for s in specs if s not in late]
    versions = {}
    for number, spec in enumerate(early, start=1):
        progress(f"  product [{number}/{len(specs)}] {spec.name} → {spec.target}")
        versions[spec.name] = walk(spec, staff, tick)
    for spec in early:
        if spec.target == OBJECTION_UPHELD:
            _uphold_an_objection(versions[spec.name], staff, tick)
    if versions:
        # Public notices run their three days; then the registered products list and change.
        tick(timedelta(days=3, hours=2))
        services.close_public_notices()
        for spec in early:
            after_registration(spec, versions[spec.name], staff, tick)
        if any(spec.target == SUPERSEDED for spec in early):
            tick(timedelta(days=3, hours=2))
            services.close_public_notices()
    then()
    # The notices still open are opened last, so that they end after the demo starts.
    if late and clock.now() < clock.real_now() - timedelta(hours=2):
        clock.set_simulated_time(at=clock.real_now() - timedelta(hours=2))
    for number, spec in enumerate(late, start=len(early) + 1):
        progress(f"  product [{number}/{len(specs)}] {spec.name} → {spec.target}")
        versions[spec.name] = walk(spec, staff, tick)
        if spec.target == NOTICE_WITH_OBJECTION:
            services.file_objection(
                version=versions[spec.name],
                actor=staff["buyer"],
                reason="该停车数据是否取得停车场经营者授权？请说明。",
            )
    return [spec.name for spec in specs]


def walk(spec: Spec, staff: dict, tick) -> ProductVersion:
    seller = User.objects.get(username=spec.merchant)
    version = _draft(spec, seller)
    if spec.target == V.DRAFT:
        return version
    tick(timedelta(hours=2))
    services.submit_version(version=version, actor=seller)
    services.run_automated_checks(version_id=version.pk)  # no-op when the eager task already ran it
    version.refresh_from_db()
    stop = STOP_AFTER.get(spec.target, "all")
    if stop == "checks":
        return version
    compliance = staff["compliance"] if version.is_senior_compliance else staff["assessor"]
    if stop in ("return_compliance", "reject_compliance"):
        decision = Decision.RETURN if stop == "return_compliance" else Decision.REJECT
        comment = spec.extra.get("comment") or (
            "请补充去标识化处理的方法说明与再识别风险评估"
            if decision == Decision.RETURN
            else "数据来源为未经授权的网络爬取，不符合数据来源合法要求"
        )
        _decide(version, compliance, "compliance", decision, comment, tick)
        return version
    for stage, reviewer in (
        ("compliance", compliance),
        ("quality", staff["quality"]),
        ("registration", staff["operator"]),
    ):
        _decide(version, reviewer, stage, Decision.APPROVE, "", tick)
        if stop == stage:
            return version
    return version


def after_registration(spec: Spec, version: ProductVersion, staff: dict, tick) -> None:
    version.refresh_from_db()
    seller = User.objects.get(username=spec.merchant)
    if version.status != V.REGISTERED:
        return
    if spec.target in (LISTED, LISTING_REVIEW, SUSPENDED, DELISTED, SUPERSEDED):
        listing = services.apply_for_listing(
            product=version.product, actor=seller, boards=[Board.objects.get(code=spec.board)]
        )
        if spec.target == LISTING_REVIEW:
            return
        tick(timedelta(hours=5))
        review = services.claim_listing(listing=listing, actor=staff["committee"])
        services.decide_listing_review(
            listing=review.listing,
            actor=staff["committee"],
            decision=Decision.APPROVE,
            checklist=_passing(ReviewStage.LISTING),
        )
        if spec.target == SUSPENDED:
            services.suspend_listing(
                listing=listing,
                actor=staff["operator2"],
                reason="核心企业履约数据更新中断，暂停交易。",
            )
        elif spec.target == DELISTED:
            services.delist_listing(
                listing=listing, actor=staff["operator2"], reason="商户申请摘牌，产品停止维护。"
            )
            # and the merchant asks for the product's registration to be cancelled (注销登记)
            tick(timedelta(days=1))
            registry.amend_certificate(
                original=version.certificate,
                actor=staff["operator2"],
                action=Action.CANCELLATION,
                reason="商户申请注销：产品停止维护，不再经营。",
            )
    if spec.target == SUPERSEDED:
        draft = services.start_new_version(product=version.product, actor=seller)
        services.update_version(
            version=draft, actor=seller, summary=spec.summary + "（v2 新增处罚金额与处罚机关字段）"
        )
        services.submit_version(version=draft, actor=seller)
        services.run_automated_checks(version_id=draft.pk)
        draft.refresh_from_db()
        # one person does one stage of a product: the second version meets other reviewers
        for stage, reviewer in (
            ("compliance", staff["compliance"]),
            ("quality", staff["quality"]),
            ("registration", staff["operator"]),
        ):
            if stage == "compliance" and draft.reviews.filter(reviewer=reviewer).exists():
                reviewer = staff["assessor"]
            _decide(draft, reviewer, stage, Decision.APPROVE, "", tick)


def _uphold_an_objection(version: ProductVersion, staff: dict, tick) -> None:
    tick(timedelta(hours=6))
    objection = services.file_objection(
        version=version, actor=staff["buyer"], reason="订单数据含乘客行程轨迹，脱敏不充分。"
    )
    tick(timedelta(hours=6))
    services.decide_objection(
        objection=objection,
        actor=staff["operator2"],
        uphold=True,
        note="经核查，行程轨迹可再识别个人，异议成立。",
    )


def _decide(version, reviewer, stage, decision, comments, tick) -> None:
    tick(timedelta(hours=1))
    review = services.claim_version(version=version, actor=reviewer)
    tick(timedelta(minutes=40))
    services.decide_version_review(
        version=review.version,
        actor=reviewer,
        decision=decision,
        checklist=_passing(stage) if decision == Decision.APPROVE else {},
        scores=dict.fromkeys(QUALITY_INDICATORS, 88) if stage == "quality" else {},
        comments=comments,
    )
    version.refresh_from_db()


def _passing(stage) -> dict:
    return {key: {"result": "pass", "comment": ""} for key in CHECKLISTS[ReviewStage(stage)]}


def _draft(spec: Spec, seller: User) -> ProductVersion:
    merchant = seller.organisation.merchants.get(status="active")
    version = services.create_product(
        actor=seller,
        merchant=merchant,
        name=spec.name,
        summary=spec.summary,
        product_type=spec.product_type,
        board=Board.objects.get(code=spec.board),
        data_source=spec.source,
        acquisition=spec.acquisition,
        fields_schema=[
            {"name": name, "type": kind, "description": ""} for name, kind in spec.fields
        ],
        time_coverage_start=date(2020, 1, 1),
        spatial_coverage="长三角" if spec.board != "international" else "全球",
        record_count=50_000 + 1_000 * len(spec.name),
        update_frequency=spec.frequency,
        is_cross_border=spec.is_cross_border,
        delivery_modes=list(spec.delivery),
        usage_restrictions="仅限合同约定的应用场景使用，不得转售。",
        scenarios=list(Scenario.objects.filter(code__in=spec.scenarios)),
        **spec.extra.get("sheet", {}),
        plans=[
            {"kind": kind, "price_amount": Decimal(price) if price else None}
            for kind, price in spec.plans
        ],
    )
    sample = _pi_sample() if spec.personal_sample else sample_csv(spec.fields)
    services.attach_sample(
        version=version, actor=seller, upload=SimpleUploadedFile("sample.csv", sample)
    )
    for kind, filename in (
        (ProductDocumentKind.SOURCE_PROOF, "数据来源证明.pdf"),
        (ProductDocumentKind.LAWFUL_SOURCE, "数据来源合法承诺书.pdf"),
        (ProductDocumentKind.COMPLIANCE_REPORT, "合规评估报告.pdf"),
        (ProductDocumentKind.SAMPLE_AGREEMENT, "交易协议样本.pdf"),
    ):
        services.add_product_document(
            version=version,
            actor=seller,
            kind=kind,
            upload=pdf_upload(filename, f"Demo: {kind.value}"),
        )
    if spec.extra.get("export_evidence"):
        services.add_product_document(
            version=version,
            actor=seller,
            kind=ProductDocumentKind.EXPORT_EVIDENCE,
            upload=pdf_upload("个人信息出境标准合同及备案回执.pdf", "Demo: export evidence"),
        )
    version.refresh_from_db()
    return version


def sample_csv(fields) -> bytes:
    """Twelve plausible rows for the declared fields (no personal information)."""
    places = ["浦东新区", "黄浦区", "徐汇区", "苏州工业园区", "杭州滨江区", "宁波北仑区"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([name for name, _ in fields])
    for row in range(12):
        values = []
        for column, (_name, kind) in enumerate(fields):
            values.append(
                {
                    "integer": str(100 + 37 * row + column),
                    "decimal": f"{(row + 1) * 1.25 + column:.2f}",
                    "date": (date(2024, 1, 1) + timedelta(days=7 * row)).isoformat(),
                    "datetime": f"2024-05-0{row % 9 + 1}T0{row % 10}:15:00",
                }.get(kind, f"{places[(row + column) % len(places)]}{row + 1:02d}")
            )
        writer.writerow(values)
    return out.getvalue().encode()


def _pi_sample() -> bytes:
    """A sample with resident ID and mobile numbers that the sheet does not declare."""
    from listings.pii import resident_id_check_character

    rows = ["客户编号,身份证号,手机,城市"]
    for number in range(1, 9):
        first = f"31011519900{number}1{number}02{number}"
        rows.append(
            f"K{number:05d},{first}{resident_id_check_character(first)},1391234{number:04d},上海"
        )
    return ("\n".join(rows) + "\n").encode()
