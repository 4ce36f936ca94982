"""Demo data resources and assets registered directly (数据资源登记、数据资产登记), through the
registry's service: the log then shows every kind of initial registration next to the products'."""

from dataclasses import dataclass
from decimal import Decimal

from exchange.registry import services
from exchange.registry.models import CertificateKind, RegisteredData, Right
from merchants.models import Merchant


@dataclass(frozen=True)
class Holding:
    company: str
    kind: str
    name: str
    description: str
    source: str
    volume: str
    rights: tuple[str, ...]
    book_value: Decimal | None = None


HOLDINGS = (
    Holding(
        "上海航运数据服务有限公司",
        CertificateKind.DATA_RESOURCE,
        "洋山港集装箱作业数据资源",
        "2019 年以来洋山港区集装箱装卸、堆存与闸口作业记录，按作业单号组织。",
        "港口作业系统授权采集，合作协议编号 SHPA-2023-017。",
        "约 3.2 亿条记录",
        (Right.RESOURCE_HOLDING, Right.PROCESSING_USE),
    ),
    Holding(
        "上海浦数科技有限公司",
        CertificateKind.DATA_ASSET,
        "企业信用画像数据资产",
        "覆盖长三角 480 万家企业的信用画像指标库，已按《企业数据资源相关会计处理暂行规定》入表。",
        "工商公示信息与合作银行授权数据加工形成。",
        "480 万家企业 · 126 项指标",
        (Right.RESOURCE_HOLDING, Right.PROCESSING_USE, Right.PRODUCT_OPERATION),
        Decimal("3860000.00"),
    ),
)


def missing() -> list[Holding]:
    have = set(RegisteredData.objects.values_list("name", flat=True))
    return [holding for holding in HOLDINGS if holding.name not in have]


def seed_registrations(holdings: list[Holding], *, progress) -> list[str]:
    numbers = []
    for holding in holdings:
        merchant = Merchant.objects.get(company_name=holding.company)
        certificate = services.register_data(
            kind=holding.kind,
            registrant_name=merchant.company_name,
            registrant_credit_code=merchant.credit_code,
            name=holding.name,
            description=holding.description,
            source=holding.source,
            volume=holding.volume,
            rights=[right.value for right in holding.rights],
            book_value=holding.book_value,
        )
        progress(f"registration {certificate.number} {holding.name}")
        numbers.append(certificate.number)
    return numbers
