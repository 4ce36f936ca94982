"""Benchmark: merchant onboarding's hot paths, as figures and ratios measured in one run.

    .venv/bin/python bench/bench_onboarding.py [--merchants 2000]

Prints (1) credit-code validations per second, against a baseline of the same loop doing only the
normalisation; (2) the merchant list API's latency and query count at 20 rows and at N rows, and
their ratio (pagination and the selector's joins should keep it near 1). Runs on a throw-away SQLite
database; nothing is asserted, the figures are for people to read.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(database: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "exchange.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(function, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def bench_credit_codes(count: int = 20000) -> None:
    from exchange.creditcode import normalize_credit_code, validate_credit_code
    from tests.factories import credit_code

    codes = [credit_code(n) for n in range(count)]
    baseline = min(timed(lambda: [normalize_credit_code(c) for c in codes], 5))
    full = min(timed(lambda: [validate_credit_code(normalize_credit_code(c)) for c in codes], 5))
    print(
        f"credit codes: {count / full:,.0f} validations/s (normalise only: {count / baseline:,.0f}/s, ratio {full / baseline:.1f}x)"
    )


def bench_list(total: int) -> None:
    from django.db import connection
    from rest_framework.test import APIClient

    from exchange.accounts.models import User
    from exchange.accounts.roles import Role
    from merchants import services
    from tests.factories import ApplicationFactory, make_user

    superuser = User.objects.create_superuser("bench", "bench@example.com", "bench-pass-2026")
    client = APIClient()
    client.force_authenticate(superuser)

    def measure(label: str) -> float:
        queries = []
        with connection.execute_wrapper(
            lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)
        ):
            client.get("/api/merchants/")
        samples = timed(lambda: client.get("/api/merchants/"), 20)
        median = statistics.median(samples) * 1000
        print(f"  {label:>6} merchants: median {median:6.1f} ms, {len(queries)} queries")
        return median

    def grow(to: int) -> None:
        from merchants.models import Merchant

        for _ in range(to - Merchant.objects.count()):
            services.create_application(
                actor=make_user(role=Role.MERCHANT_ADMIN), **ApplicationFactory()
            )

    print("merchant list API (/api/merchants/, 20 a page):")
    grow(20)
    small = measure("20")
    started = time.perf_counter()
    grow(total)
    print(
        f"  (built {total - 20} more applications through the service in {time.perf_counter() - started:.1f} s)"
    )
    large = measure(str(total))
    print(f"  ratio {total}/20: {large / small:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merchants", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        bench_credit_codes()
        bench_list(args.merchants)


if __name__ == "__main__":
    main()
