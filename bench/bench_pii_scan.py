"""Benchmark: the sample tooling on a 100,000-row × 10-column sample, as figures and ratios.

    .venv/bin/python bench/bench_pii_scan.py [--rows 100000] [--repeat 3]

Generates a CSV sample (ids, names, mobile, resident ID and bank card numbers, e-mail addresses,
amounts, dates, cities, free-text notes), then prints rows per second for reading it
(``read_sample``), profiling it (``profile_sample``) and scanning it for personal information
(``scan_sample``), each next to the baseline of reading the same CSV with the csv module only, as a
ratio. Best of ``--repeat`` runs; nothing is asserted, the figures are for people to read.
"""

import argparse
import csv
import io
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
CITIES = ["上海", "北京", "杭州", "南京", "苏州", "黄浦区", "浦东新区", "合肥", "宁波", "深圳"]
REGIONS = ["110105", "310115", "320102", "330106", "440305", "510104"]


def resident_id(rng: random.Random) -> str:
    from listings.pii import resident_id_check_character

    born = date(1950, 1, 1) + timedelta(days=rng.randrange(25000))
    first = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first + resident_id_check_character(first)


def bank_card(rng: random.Random) -> str:
    from listings.pii import passes_luhn

    body = "62" + "".join(rng.choice("0123456789") for _ in range(15))
    return next(body + check for check in "0123456789" if passes_luhn(body + check))


def build_csv(rows: int, seed: int = 20240518) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "name",
            "mobile",
            "resident_id",
            "email",
            "bank_card",
            "amount",
            "trade_date",
            "city",
            "note",
        ]
    )
    start = date(2023, 1, 1)
    for n in range(rows):
        mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        writer.writerow(
            [
                n + 1,
                rng.choice(SURNAMES)
                + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                mobile,
                resident_id(rng),
                f"user{n}@example.com",
                bank_card(rng),
                f"{rng.randrange(100, 10**7) / 100:.2f}",
                (start + timedelta(days=rng.randrange(700))).isoformat(),
                rng.choice(CITIES),
                f"客户来电{mobile}，已处理"
                if rng.random() < 0.1
                else rng.choice(["正常", "已完成", "待跟进", "订单号2024051812345678901"]),
            ]
        )
    return out.getvalue().encode("utf-8")


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchange.settings.test")
    import django

    django.setup()
    from listings.pii import scan_sample
    from listings.samples import profile_sample, read_sample

    started = time.perf_counter()
    data = build_csv(args.rows)
    print(
        f"sample: {args.rows:,} rows × 10 columns, {len(data) / 1e6:.1f} MB (built in {time.perf_counter() - started:.1f} s)"
    )

    def baseline():
        return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))

    sample = read_sample(data, filename="bench.csv")
    base = best(baseline, args.repeat)
    figures = [
        ("csv module only (baseline)", base),
        ("read_sample", best(lambda: read_sample(data, filename="bench.csv"), args.repeat)),
        ("profile_sample", best(lambda: profile_sample(sample), args.repeat)),
        ("scan_sample", best(lambda: scan_sample(sample), args.repeat)),
    ]
    for label, seconds in figures:
        print(
            f"  {label:<28} {seconds:6.2f} s  {args.rows / seconds:>12,.0f} rows/s  ratio {seconds / base:5.1f}x"
        )
    print("  findings:", ", ".join(f"{f.column}:{f.kind}={f.count}" for f in scan_sample(sample)))


if __name__ == "__main__":
    main()
