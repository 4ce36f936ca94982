"""The demo's trading, through the same services the pages call. The subsidy fund is granted its
money and the demo buyer, verified by the demo operator, orders a listed product at its list price.

- In the demo's past (``seed_trading_history``, on the business clock the demo walks): on a working
  day an order is accepted and cleared, another is disputed and decided by a refund in part, and
  both are paid out in the next working day's batch; a third dispute ends in a refund in full.
- Now (``seed_trading``): an order waiting for payment, one paid and waiting for delivery, one
  delivered and waiting for acceptance, one disputed and answered (the arbitrator's open case), one
  cancelled and one accepted and cleared (paid out at the next batch); one delivered through the
  API gateway (its first calls metered) and one by privacy computing (its first queries run); a
  negotiated plan quoted by its merchant, the buyer to accept or counter.

Orders accepted or decided are cleared at once (eagerly, or by the worker), so no order rests in
those states. Fixed payment keys make each part idempotent: once it ran, it does nothing.
"""

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from django.utils import timezone

from exchange import clock
from exchange.accounts.models import User
from exchange.accounts.roles import Role
from exchange.creditcode import build_credit_code
from exchange.money import Money
from listings.models import CatalogEntry, DeliveryMode, PlanKind
from settlement import clearing, deliveries, disputes, negotiations, services
from settlement.api.serializers import OrderSerializer
from settlement.models import Buyer, Payment
from settlement.states import BuyerStatus

# 上海远航供应链管理有限公司, Pudong (region 310115).
BUYER_CREDIT_CODE = build_credit_code(
    authority_type="91", region="310115", organisation_base="MA1YH001"
)
PRICED = [PlanKind.ONE_OFF, PlanKind.MONTHLY, PlanKind.YEARLY]
HISTORY_KEY = "demo-history-1"
LIVE_KEY = "demo-live-1"


class _Desk:
    """Who trades in the demo, and what: the buyer, the seller of a listed product that offers
    delivery by ``mode``, the listing."""

    def __init__(self, mode: str = DeliveryMode.FILE):
        self.mode = mode
        self.buyer = User.objects.filter(username="buyer").first()
        self.operator = User.objects.filter(username="operator").first()
        self.arbitrator = User.objects.filter(username="arbitrator").first()
        self.listing = self.plan = self.scenario = self.seller = None
        entries = CatalogEntry.objects.select_related("listing__product__registered_version")
        for entry in entries.order_by("listing_id"):
            listing = entry.listing
            if mode not in listing.product.registered_version.delivery_modes:
                continue
            plan = listing.plans.filter(kind__in=PRICED).order_by("price_amount").first()
            scenario = listing.product.registered_version.scenarios.first()
            seller = User.objects.filter(
                organisation_id=listing.product.merchant.organisation_id,
                role=Role.MERCHANT_ADMIN,
            ).first()
            if plan and scenario and seller:
                self.listing, self.plan, self.scenario, self.seller = (
                    listing,
                    plan,
                    scenario,
                    seller,
                )
                break

    @property
    def ready(self) -> bool:
        return bool(self.buyer and self.operator and self.arbitrator and self.listing)

    def verify_buyer(self) -> None:
        organisation = self.buyer.organisation
        registration = Buyer.objects.filter(organisation=organisation).first()
        if registration is None:
            registration = services.apply_as_buyer(
                actor=self.buyer, company_name=organisation.name, credit_code=BUYER_CREDIT_CODE
            )
        if registration.status == BuyerStatus.APPLIED:
            services.decide_buyer(registration, "verify", actor=self.operator)
        clearing.fund_subsidies(amount=Money("5000000.00"), key="demo-subsidy-grant")

    def order(self, key: str | None = None):
        order = services.place_order(
            actor=self.buyer, listing=self.listing, plan=self.plan, scenario=self.scenario
        )
        if key:
            services.pay_order(
                order,
                actor=self.buyer,
                key=key,
                respond=lambda paid: dict(OrderSerializer(paid).data),
            )
        return order

    def delivered(self, key: str):
        order = self.order(key)
        package = _package(self.listing) if self.mode == DeliveryMode.FILE else _full_data(self)
        deliveries.deliver(order, actor=self.seller, upload=package, mode=self.mode)
        return order

    def disputed(self, key: str, reason: str):
        order = self.delivered(key)
        disputes.open_dispute(order, actor=self.buyer, reason=reason, evidence=_evidence(reason))
        return order


def seed_trading_history(tick) -> list[str]:
    """The demo's past trading and its settled batch; ``tick(by)`` walks the business clock
    (never past the real time). Returns what it made (nothing on a second run)."""
    desk = _Desk()
    if not desk.ready or Payment.objects.filter(idempotency_key=HISTORY_KEY).exists():
        return []
    while not clock.is_working_day(clock.today()):
        before = clock.now()
        tick(timedelta(hours=6))
        if clock.now() == before:
            break  # the demo's past ends here (tick never passes the real time)
    desk.verify_buyer()
    made = []
    order = desk.delivered(HISTORY_KEY)
    services.accept_order(order, actor=desk.buyer)
    clearing.clear_order(order)  # the worker clears it once the acceptance commits
    made.append(f"order {order.pk} settled")
    tick(timedelta(hours=2))
    order = desk.disputed(
        "demo-history-2", "交付数据缺少 2026 年第三季度的记录，与说明书约定的覆盖范围不符。"
    )
    disputes.answer_dispute(
        order,
        actor=desk.seller,
        answer="第三季度数据因源系统升级延迟，已承诺补交，同意按比例退款。",
    )
    tick(timedelta(hours=3))
    part = (order.value.amount / 4).quantize(Decimal("0.01"))
    disputes.decide_dispute(
        order,
        actor=desk.arbitrator,
        outcome="refund_in_part",
        refund=str(part),
        reason="交付缺少约定的一个季度数据（约四分之一），退还四分之一交易价款，其余结算给数商。",
    )
    clearing.clear_order(order)
    made.append(f"order {order.pk} refunded in part and settled")
    # The next working day's batch pays both out (T+1), if the demo's past reaches that far.
    day = clock.add_working_days(clock.today(), 1)
    start = timezone.make_aware(datetime.combine(day, time(9, 30)))
    tick(start - clock.now())
    if clock.today() >= day:
        batch = clearing.settle(day)
        made.append(f"batch {batch.business_date}")
    tick(timedelta(hours=2))
    order = desk.disputed("demo-history-3", "交付文件无法打开，数商未在约定期限内重新交付。")
    disputes.decide_dispute(
        order,
        actor=desk.arbitrator,
        outcome="refund_in_full",
        reason="数商未能交付可用数据，全额退款。",
    )
    made.append(f"order {order.pk} refunded in full")
    return made


def seed_trading() -> list[str]:
    """The demo's trading now: orders waiting on each party. Returns what it made (nothing on a
    second run)."""
    desk = _Desk()
    if not desk.ready or Payment.objects.filter(idempotency_key=LIVE_KEY).exists():
        return []
    desk.verify_buyer()
    made = []
    order = desk.order(LIVE_KEY)
    made.append(f"order {order.pk} paid")
    order = desk.delivered("demo-live-2")
    made.append(f"order {order.pk} delivered")
    order = desk.delivered("demo-live-3")
    services.accept_order(order, actor=desk.buyer)
    clearing.clear_order(order)  # the worker clears it once the acceptance commits
    made.append(f"order {order.pk} cleared")
    order = desk.disputed("demo-live-4", "交付数据中约 8% 的企业统一社会信用代码校验位错误。")
    disputes.answer_dispute(
        order,
        actor=desk.seller,
        answer="校验位错误来自上游公示数据，说明书已注明数据按公示原样提供。",
    )
    made.append(f"order {order.pk} disputed")
    order = desk.order("demo-live-5")
    services.cancel_order(order, actor=desk.buyer, reason="采购需求调整，改为下季度采购。")
    made.append(f"order {order.pk} cancelled")
    order = desk.order()
    made.append(f"order {order.pk} awaiting payment")
    made += _seed_other_modes()
    made += _seed_quotes()
    return made


def _seed_quotes() -> list[str]:
    """A negotiated plan's quote round: the demo buyer asked, the merchant quoted; the buyer's
    move (accept or counter) is next."""
    buyer = User.objects.filter(username="buyer").first()
    for entry in CatalogEntry.objects.select_related("listing").order_by("listing_id"):
        plan = entry.listing.plans.filter(kind=PlanKind.NEGOTIATED).first()
        if plan is None or buyer is None:
            continue
        seller = User.objects.filter(
            organisation_id=entry.listing.product.merchant.organisation_id,
            role=Role.MERCHANT_ADMIN,
        ).first()
        negotiation = negotiations.request_quote(
            actor=buyer,
            listing=entry.listing,
            plan=plan,
            scenario=entry.listing.product.registered_version.scenarios.first(),
            requirements="2026 年浦东新区、静安区按日的人口流入流出统计，按月交付，用于商圈规划。",
        )
        negotiations.quote(
            negotiation,
            actor=seller,
            amount="48000.00",
            note="含 12 个月数据与隐私计算环境，按月更新。",
        )
        return [f"negotiation {negotiation.pk} quoted"]
    return []


def _seed_other_modes() -> list[str]:
    """An order delivered through the API gateway, with the buyer's system's first calls metered,
    and one delivered by privacy computing, with the buyer's first aggregate queries."""
    made = []
    desk = _Desk(DeliveryMode.API)
    if desk.ready:
        order = desk.delivered("demo-live-api")
        _access, key = deliveries.issue_key(order, actor=desk.buyer)
        for offset in (0, 100, 200):
            deliveries.serve_rows(key, order_id=order.pk, offset=offset)
        made.append(f"order {order.pk} delivered by API, 3 calls")
    desk = _Desk(DeliveryMode.PRIVACY_COMPUTING)
    if desk.ready:
        order = desk.delivered("demo-live-privacy")
        columns = [c["name"] for c in order.deliveries.get().columns]
        area, counts = columns[0], columns[-1]
        for sql in (
            f"SELECT {area}, COUNT(*) AS 天数, SUM({counts}) AS 合计 FROM dataset "
            f"GROUP BY {area} ORDER BY 合计 DESC",
            f"SELECT COUNT(*) AS 天数, AVG({counts}) AS 日均 FROM dataset",
        ):
            deliveries.ask(order, actor=desk.buyer, sql=sql)
        made.append(f"order {order.pk} delivered by privacy computing, 2 queries")
    return made


AREAS = ("浦东新区", "黄浦区", "静安区", "徐汇区", "长宁区", "普陀区", "虹口区", "杨浦区")


def _full_data(desk: _Desk, rows: int = 480) -> ContentFile:
    """The product's full data for the gateway or the privacy engine: rows for the sheet's fields,
    the first text field drawn from Shanghai's districts so that aggregates have groups to show
    (one district rarely, so the engine has a small group to leave out)."""
    fields = desk.listing.product.registered_version.fields_schema
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f["name"] for f in fields])
    start = date(2026, 1, 5)
    for row in range(rows):
        area = AREAS[row % (len(AREAS) - 1)] if row % 97 else AREAS[-1]
        values = []
        for column, spec in enumerate(fields):
            values.append(
                {
                    "integer": str(1000 + (row * 7919 + column * 131) % 9000),
                    "decimal": f"{((row * 37 + column * 11) % 1000) / 10:.2f}",
                    "date": (start + timedelta(days=row // 8)).isoformat(),
                    "datetime": f"{start + timedelta(days=row // 8)}T{row % 24:02d}:00:00",
                }.get(spec["type"], area if column == 0 else f"{area}-{row % 5}")
            )
        writer.writerow(values)
    return ContentFile(out.getvalue().encode(), name="full-data.csv")


def _package(listing) -> ContentFile:
    """The delivery package: the product's sample stands in for its full data."""
    version = listing.product.registered_version
    if version.sample:
        with version.sample.open("rb") as sample:
            return ContentFile(sample.read(), name=version.sample_name or "data.csv")
    return ContentFile("日期,数值\n2026-01-05,1\n".encode(), name="data.csv")


def _evidence(text: str) -> ContentFile:
    """A one-page PDF of the buyer's findings (the dispute's evidence)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from exchange.registry.pdf import CJK_FONT

    buffer = BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont(CJK_FONT, 14)
    page.drawString(60, 780, "交付数据核验记录（演示）")
    page.setFont(CJK_FONT, 10)
    page.drawString(60, 750, text[:60])
    page.save()
    return ContentFile(buffer.getvalue(), name="交付数据核验记录.pdf")
