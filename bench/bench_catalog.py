"""Benchmark: the public catalogue's search latency (p50, p99) at N listed products, on PostgreSQL.

    .venv/bin/python bench/bench_catalog.py [--products 50000] [--baseline 1000] [--real 200]
                                            [--merchants 20] [--repeat 100]

Builds the catalogue in two steps: ``--real`` products go the whole way through the services
(sheet, sample, material, automated checks, three reviews, public notice, registration, listing
application, committee approval, which writes the catalogue entry), and the rest are bulk-created
rows (product, listed sale item with its boards, catalogue entry whose ``search_document`` comes
from ``listings.search.document`` like the service's) with varied Chinese and English names and
summaries from word lists, boards, scenarios, delivery modes and prices. Bulk rows have no
versions or plans: the search reads only the catalogue entry, its listing, product and merchant.

Every query kind (Chinese and English full text, board, scenario, type, delivery, merchant and
price filters, sorts) runs ``--repeat`` times through ``listings.selectors.search_catalog`` and
``CatalogPaginator`` (count + one page of 20, as the catalogue view does; the last page is the
last one the catalogue serves, at most the 1,000th result), on the first page and
for two kinds on the last page. It prints p50 and p99 per kind and overall at ``--baseline`` rows
and at ``--products`` rows, measured in the same run, and their ratio. Runs on a throw-away
PostgreSQL database (created, migrated, dropped). Nothing is asserted: the figures are for people.
"""

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throwaway import create_database, drop_database  # noqa: E402 (bench/ runs as scripts)

BATCH = 2000
PAGE_SIZE = 20  # the catalogue view's page size (listings.views.catalog)
CATALOG_TABLES = (
    "listings_catalogentry",
    "listings_listing",
    "listings_listing_boards",
    "listings_product",
    "merchants_merchant",
)

# Word lists for generated names and summaries.
ZH_REGIONS = ["上海", "浦东新区", "长三角", "全国", "江苏", "浙江", "杭州", "苏州", "临港", "虹桥"]
ZH_REGIONS += ["粤港澳大湾区", "京津冀"]
ZH_DOMAINS = [
    "企业工商", "航运物流", "港口集装箱", "医疗健康", "信用评估", "供应链金融", "新能源汽车",
    "智能制造", "气象", "交通出行", "电力消费", "跨境电商", "消费者画像", "商圈客流", "土地交易",
    "碳排放", "农业遥感", "药品流通", "保险理赔", "招投标", "知识产权", "船舶轨迹", "房地产",
]  # fmt: skip
ZH_KINDS = ["数据集", "指数", "数据接口", "分析报告", "风控模型", "数据包", "监测服务", "统计数据"]
ZH_FREQUENCIES = ["按日", "按周", "按月", "实时", "按季度"]
ZH_USES = ["风险控制", "精准营销", "行业研究", "监管报送", "选址分析", "运力调度", "授信审批"]
EN_REGIONS = ["Shanghai", "Yangtze Delta", "China", "Pudong", "Lingang", "Greater Bay Area"]
EN_DOMAINS = [
    "company registry", "port container", "shipping freight", "healthcare claims",
    "credit scoring", "supply chain finance", "electric vehicle charging", "weather",
    "traffic flow", "power consumption", "cross-border e-commerce", "retail footfall",
    "carbon emissions", "crop monitoring", "vessel tracking", "patent",
]  # fmt: skip
EN_KINDS = ["dataset", "index", "API", "report", "risk model", "data package", "monitoring feed"]
EN_USES = ["risk control", "marketing", "research", "compliance reporting", "site selection"]

# The query kinds: (label, search_catalog keyword variants cycled through the runs, page).
LAST = "last"
QUERY_KINDS = [
    ("zh word", [{"query": q} for q in ["航运", "信用", "医疗", "上海", "碳排放"]], 1),
    ("zh words", [{"query": q} for q in ["上海港口集装箱", "供应链金融风控模型", "长三角企业工商数据集"]], 1),
    ("en word", [{"query": q} for q in ["shipping", "credit", "weather", "dataset"]], 1),
    ("en words", [{"query": q} for q in ["port container", "credit scoring model"]], 1),
    ("no match", [{"query": q} for q in ["区块链", "blockchain"]], 1),
    ("board", [{"board": b} for b in ["finance", "shipping", "credit", "healthcare"]], 1),
    ("scenario", [{"scenario": s} for s in ["financial_services", "transport", "weather"]], 1),
    ("type", [{"product_type": t} for t in ["api", "report", "model"]], 1),
    ("delivery", [{"delivery": d} for d in ["privacy_computing", "project"]], 1),
    ("merchant", [{"merchant": None}], 1),  # filled in with a real merchant's id
    ("price range", [{"price_min": Decimal(lo), "price_max": Decimal(hi), "sort": "price"}
                     for lo, hi in [("1000", "50000"), ("100", "2000")]], 1),
    ("sort price", [{"sort": "price"}, {"sort": "-price"}], 1),
    ("sort name", [{"sort": "name"}], 1),
    ("word+board+sort", [{"query": "数据", "board": "finance", "sort": "-price"},
                         {"query": "data", "board": "shipping", "sort": "price"}], 1),
    ("newest, page 1", [{}], 1),
    ("newest, last page", [{}], LAST),
    ("zh word, last page", [{"query": "数据"}], LAST),
]  # fmt: skip


@dataclass
class Catalogue:
    """What the generator draws from: the merchants (with their admins), boards and scenarios."""

    merchants: list
    boards: list
    scenarios: list
    rng: random.Random = field(default_factory=lambda: random.Random(20260518))


def setup_django(database_url: str, media: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "exchange.settings.test"
    os.environ["DATABASE_URL"] = database_url
    os.environ["PRIVATE_MEDIA_ROOT"] = str(media)
    os.environ.pop("CELERY_BROKER_URL", None)  # the checks run in-process (eager), as in the tests
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- building the catalogue ------------------------------------------------------------------------


def build_people(merchant_count: int):
    """Active merchants (each with its admin) and a reviewer for every stage."""
    from exchange.accounts.roles import OrganisationKind, Role
    from merchants.states import MerchantStatus
    from tests.factories import make_organisation, make_user, merchant_in

    exchange_org = make_organisation(kind=OrganisationKind.EXCHANGE, name="上海数据交易所（基准）")
    operator = make_user(role=Role.OPERATOR, organisation=exchange_org)
    merchants = []
    for _ in range(merchant_count):
        admin = make_user(role=Role.MERCHANT_ADMIN)
        merchants.append(
            (merchant_in(MerchantStatus.ACTIVE, applicant=admin, operator=operator), admin)
        )
    assessor = make_organisation(kind=OrganisationKind.SERVICE_PROVIDER, name="基准律师事务所")
    senior = make_user(role=Role.COMPLIANCE_REVIEWER, organisation=exchange_org)
    senior.is_senior_reviewer = True
    senior.save(update_fields=["is_senior_reviewer"])
    reviewers = {
        "compliance": make_user(role=Role.COMPLIANCE_REVIEWER, organisation=assessor),
        "senior": senior,
        "quality": make_user(role=Role.QUALITY_REVIEWER, organisation=exchange_org),
        "registration": make_user(role=Role.OPERATOR, organisation=exchange_org),
        "committee": make_user(role=Role.LISTING_COMMITTEE, organisation=exchange_org),
    }
    return merchants, reviewers


def sheet_text(rng: random.Random) -> tuple[str, str]:
    """A product's name and summary: four in five in Chinese, the rest in English."""
    if rng.random() < 0.8:
        region, domain, kind = rng.choice(ZH_REGIONS), rng.choice(ZH_DOMAINS), rng.choice(ZH_KINDS)
        other = rng.choice(ZH_DOMAINS)
        name = f"{region}{domain}{kind}"
        summary = (
            f"覆盖{region}{rng.randrange(100, 90000)}家主体的{domain}{kind}，"
            f"{rng.choice(ZH_FREQUENCIES)}更新，可结合{other}数据用于{rng.choice(ZH_USES)}。"
        )
    else:
        region, domain, kind = rng.choice(EN_REGIONS), rng.choice(EN_DOMAINS), rng.choice(EN_KINDS)
        name = f"{region} {domain} {kind}"
        summary = (
            f"{domain.capitalize()} data for {region}, {rng.randrange(100, 90000)} entities, "
            f"updated {rng.choice(['daily', 'weekly', 'monthly', 'in real time'])}; "
            f"for {rng.choice(EN_USES)} with {rng.choice(EN_DOMAINS)} data."
        )
    return name[:120], summary


def price(rng: random.Random) -> Decimal | None:
    """A list price spread over four orders of magnitude; one in ten is negotiated (no price)."""
    if rng.random() < 0.1:
        return None
    return Decimal(round(10 ** rng.uniform(2, 6))).quantize(Decimal("0.01"))


def build_real(catalogue: Catalogue, reviewers: dict, count: int) -> None:
    """``count`` products through every service, from the draft to the listed catalogue entry."""
    from exchange import clock
    from listings import services
    from listings.models import Board
    from listings.states import VersionStatus
    from tests.factories import create_version
    from tests.listings.conftest import approve, passing_checklist

    if not count:
        return
    rng, started, step = catalogue.rng, time.perf_counter(), max(1, count // 10)
    # Business time runs from 90 days ago, so the real items' listing dates lie in the past.
    clock.set_simulated_time(at=clock.real_now() - timedelta(days=90))
    boards = [b for b in Board.objects.filter(min_quality_grade__in=["B", "C"]) if b.code != "international"]  # fmt: skip
    versions = []
    try:
        for number in range(1, count + 1):
            _merchant, admin = catalogue.merchants[number % len(catalogue.merchants)]
            board = rng.choice(boards)
            name, summary = sheet_text(rng)
            version = create_version(admin, board=board.code, name=name, summary=summary)
            services.submit_version(version=version, actor=admin)  # the checks run on commit
            version.refresh_from_db()
            senior = version.is_senior_compliance
            approve(version, reviewers["senior"] if senior else reviewers["compliance"])
            approve(version, reviewers["quality"])
            approve(version, reviewers["registration"])
            if version.status != VersionStatus.PUBLIC_NOTICE:
                raise RuntimeError(f"{version} stopped in {version.status}, not public notice.")
            versions.append((version, admin, board))
            if number % step == 0:
                print(f"  real products: {number}/{count} through the reviews in {time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
        clock.set_simulated_time(
            at=max(v.notice_ends_at for v, _, _ in versions) + timedelta(minutes=1)
        )
        services.close_public_notices()
        for number, (version, admin, board) in enumerate(versions, start=1):
            listing = services.apply_for_listing(
                product=version.product,
                actor=admin,
                boards=[board],
                plans=[{"kind": "monthly", "price_amount": price(rng) or Decimal("500.00")}],
            )
            review = services.claim_listing(listing=listing, actor=reviewers["committee"])
            services.decide_listing_review(
                listing=review.listing,
                actor=reviewers["committee"],
                decision="approve",
                checklist=passing_checklist("listing"),
            )
            if number % step == 0:
                print(f"  real products: {number}/{count} listed in {time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
    finally:
        clock.use_real_time()


def build_bulk(catalogue: Catalogue, count: int) -> None:
    """``count`` more listed items as bulk-created rows, in batches, with their catalogue entries."""
    from django.db import transaction
    from django.utils import timezone

    from listings import search
    from listings.models import CatalogEntry, DeliveryMode, Listing, Product, ProductType
    from listings.states import ListingStatus

    rng, now = catalogue.rng, timezone.now()
    started, done, shown = time.perf_counter(), 0, 0
    types = [(t.value, str(t.label)) for t in ProductType]
    deliveries = DeliveryMode.values
    while done < count:
        size = min(BATCH, count - done)
        owners = [rng.choice(catalogue.merchants) for _ in range(size)]
        with transaction.atomic():
            products = Product.objects.bulk_create(
                Product(merchant=merchant, created_by=admin) for merchant, admin in owners
            )
            listed = [now - timedelta(seconds=rng.randrange(730 * 86400)) for _ in range(size)]
            listings = Listing.objects.bulk_create(
                Listing(
                    product=product,
                    status=ListingStatus.LISTED,
                    submitted_at=at - timedelta(days=3),
                    stage_entered_at=at,
                    listed_at=at,
                    created_by=product.created_by,
                )
                for product, at in zip(products, listed, strict=True)
            )
            through, entries = [], []
            for listing, (merchant, _admin), at in zip(listings, owners, listed, strict=True):
                boards = rng.sample(catalogue.boards, rng.choice([1, 1, 1, 2]))
                scenarios = rng.sample(catalogue.scenarios, rng.choice([1, 1, 2, 3]))
                type_code, type_label = rng.choice(types)
                name, summary = sheet_text(rng)
                through += [
                    Listing.boards.through(listing_id=listing.pk, board_id=b.pk) for b in boards
                ]
                entries.append(
                    CatalogEntry(
                        listing=listing,
                        name=name,
                        summary=summary,
                        merchant_name=merchant.company_name,
                        merchant_id=merchant.pk,
                        product_type=type_code,
                        board_codes=codes(b.code for b in boards),
                        scenario_codes=codes(s.code for s in scenarios),
                        delivery_codes=codes(rng.sample(deliveries, rng.choice([1, 1, 2]))),
                        min_price_amount=price(rng),
                        quality_grade=rng.choice("ABBCC"),
                        # as listings.services.listing.index_listing builds it
                        search_document=search.document(
                            name,
                            summary,
                            merchant.company_name,
                            type_label,
                            *(f"{b.name_zh} {b.name_en}" for b in boards),
                            *(f"{s.name_zh} {s.name_en}" for s in scenarios),
                        ),
                        listed_at=at,
                    )
                )
            Listing.boards.through.objects.bulk_create(through)
            CatalogEntry.objects.bulk_create(entries)
        done += size
        if done * 10 // count > shown or done == count:
            shown = done * 10 // count
            print(f"  bulk rows: {done:,}/{count:,} in {time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip


def codes(values) -> str:
    return " " + " ".join(values) + " "


def analyse() -> None:
    """VACUUM ANALYZE the tables the search reads, as autovacuum would after a bulk load."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in CATALOG_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")


# --- measuring -------------------------------------------------------------------------------------


def run_query(arguments: dict, page: int | str) -> int:
    """One catalogue request's database work: the filtered queryset, the count, one page's rows."""
    from listings.paginators import CatalogPaginator
    from listings.selectors import search_catalog

    paginator = CatalogPaginator(search_catalog(**arguments), PAGE_SIZE)
    shown = paginator.get_page(paginator.num_pages if page == LAST else page)
    list(shown.object_list)
    return paginator.count


def measure(kinds, repeat: int) -> dict[str, tuple[list[float], int]]:
    """Per kind: ``repeat`` latencies in ms (variants taken in turn) and the hits of the first."""
    results = {}
    for label, variants, page in kinds:
        hits = run_query(variants[0], page)  # warm-up, and the figure printed next to the times
        for arguments in variants[1:]:
            run_query(arguments, page)
        samples = []
        for arguments in itertools.islice(itertools.cycle(variants), repeat):
            started = time.perf_counter()
            run_query(arguments, page)
            samples.append((time.perf_counter() - started) * 1000)
        results[label] = (samples, hits)
    return results


def percentile(samples: list[float], percent: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[percent - 1]


def print_results(small: dict, large: dict, sizes: tuple[int, int], repeat: int) -> None:
    a, b = (f"{size:,} rows" for size in sizes)
    print(f"\ncatalogue search (search_catalog + CatalogPaginator, {PAGE_SIZE} a page), PostgreSQL, {repeat} runs per kind; ms")  # fmt: skip
    print(f"  {'query kind':<20} | {a:^26} | {b:^26} | ratio")
    print(f"  {'':<20} | {'hits':>8} {'p50':>8} {'p99':>8} | {'hits':>8} {'p50':>8} {'p99':>8} | {'p50':>5} {'p99':>5}")  # fmt: skip
    rows = [(label, small[label], large[label]) for label in small]
    everything_small = [ms for samples, _hits in small.values() for ms in samples]
    everything_large = [ms for samples, _hits in large.values() for ms in samples]
    rows.append(("overall", (everything_small, None), (everything_large, None)))
    for label, (samples_a, hits_a), (samples_b, hits_b) in rows:
        p50a, p99a = percentile(samples_a, 50), percentile(samples_a, 99)
        p50b, p99b = percentile(samples_b, 50), percentile(samples_b, 99)
        print(
            f"  {label:<20} | {'' if hits_a is None else f'{hits_a:,}':>8} {p50a:8.2f} {p99a:8.2f}"
            f" | {'' if hits_b is None else f'{hits_b:,}':>8} {p50b:8.2f} {p99b:8.2f}"
            f" | {p50b / p50a:5.1f} {p99b / p99a:5.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=50_000, help="listed items at the end")
    parser.add_argument("--baseline", type=int, default=1_000, help="listed items of the baseline")
    parser.add_argument("--real", type=int, default=200, help="items built through the services")
    parser.add_argument("--merchants", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=100, help="runs of each query kind")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    if not args.real <= args.baseline <= args.products:
        parser.error("Needs --real <= --baseline <= --products.")

    database = None
    folder = tempfile.TemporaryDirectory(prefix="bench-catalog-")
    try:
        database = create_database(args.postgres)
        print(f"database {database}; migrating...", flush=True)
        setup_django(f"{args.postgres}/{database}", Path(folder.name))
        from listings.models import Board, Scenario

        started = time.perf_counter()
        merchants, reviewers = build_people(args.merchants)
        catalogue = Catalogue(merchants, list(Board.objects.all()), list(Scenario.objects.all()))
        build_real(catalogue, reviewers, args.real)
        build_bulk(catalogue, args.baseline - args.real)
        analyse()
        print(f"built the {args.baseline:,}-row baseline in {time.perf_counter() - started:.1f} s")
        merchant_id = merchants[0][0].pk
        kinds = [
            (label, [{**v, "merchant": merchant_id} if "merchant" in v else v for v in variants], page)
            for label, variants, page in QUERY_KINDS
        ]  # fmt: skip
        small = measure(kinds, args.repeat)

        started = time.perf_counter()
        build_bulk(catalogue, args.products - args.baseline)
        analyse()
        print(f"grew to {args.products:,} rows in {time.perf_counter() - started:.1f} s")
        large = measure(kinds, args.repeat)
        print_results(small, large, (args.baseline, args.products), args.repeat)
    finally:
        if database:
            if "django.db" in sys.modules:
                from django.db import connections

                connections.close_all()
            drop_database(args.postgres, database)
            print(f"dropped {database}")
        folder.cleanup()


if __name__ == "__main__":
    main()
