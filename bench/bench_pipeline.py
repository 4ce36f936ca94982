"""Benchmark: the automated checks' throughput on real Celery workers, against a no-op task.

    .venv/bin/python bench/bench_pipeline.py [--products 2000] [--workers 2]

Builds N complete draft products through the services (create_product, attach_sample, the four
documents; every tenth sample holds undeclared personal information, which routes the product to
the senior compliance queue), then measures, in the same run:

1. where one check's time goes: K more drafts submitted and checked in this process, each phase
   timed (claiming the version, reading the sample, profiling it, the personal-information scan,
   the sheet and other checks, storing the reports and routing, notifications, commits, and the
   database's share of all of it; the versions wait together, as in a busy queue, so the checks
   run in batches as they do on the workers);
2. the baseline: N ``exchange.noop`` tasks sent to the ``checks`` queue of W Celery worker
   processes (solo pool), from the first send until every message is acknowledged;
3. submission alone: the N drafts submitted while the workers do not consume the queue (their
   tasks wait in Redis), as submissions per second;
4. the checks: the workers consume again, from then until the last version is routed (compliance
   review or returned), as checks per second; the ratio checks/no-op is the headline.

Runs on a throw-away PostgreSQL database (created, migrated, dropped) and a Redis database of its
own (flushed before and after); the workers are stopped by their PIDs. Nothing is asserted: the
figures are for people.
"""

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from unittest import mock
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throwaway import create_database, drop_database  # noqa: E402 (bench/ runs as scripts)

STALL_SECONDS = 120  # no progress for this long means a worker is stuck: stop and show its log
CHECKS_QUEUE = "checks"


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, size: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-size:]

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to this worker's PID (its own session), then SIGKILL if it does not exit."""
        if self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def setup_django(environment: dict[str, str]) -> None:
    os.environ.update(environment)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- building the products -------------------------------------------------------------------------


def build_people():
    """The merchant admin of an active merchant, and the compliance reviewers the checks notify."""
    from exchange.accounts.roles import OrganisationKind, Role
    from merchants.states import MerchantStatus
    from tests.factories import make_organisation, make_user, merchant_in

    exchange_org = make_organisation(kind=OrganisationKind.EXCHANGE, name="上海数据交易所（基准）")
    seller = make_user(role=Role.MERCHANT_ADMIN, username="bench_seller")
    operator = make_user(role=Role.OPERATOR, organisation=exchange_org, username="bench_operator")
    merchant_in(MerchantStatus.ACTIVE, applicant=seller, operator=operator)
    assessor = make_organisation(kind=OrganisationKind.SERVICE_PROVIDER, name="基准律师事务所")
    make_user(role=Role.COMPLIANCE_REVIEWER, organisation=assessor, username="bench_assessor")
    senior = make_user(
        role=Role.COMPLIANCE_REVIEWER, organisation=exchange_org, username="bench_senior"
    )
    senior.is_senior_reviewer = True
    senior.save(update_fields=["is_senior_reviewer"])
    return seller


def build_drafts(seller, count: int) -> list:
    from tests.factories import CLEAN_SAMPLE, create_version, pi_sample

    personal = pi_sample()
    drafts, started, step = [], time.perf_counter(), max(1, count // 10)
    for number in range(1, count + 1):
        sample = personal if number % 10 == 0 else CLEAN_SAMPLE
        drafts.append(create_version(seller, sample=sample, name=f"企业工商信息数据集{number:05d}"))
        if number % step == 0 or number == count:
            elapsed = time.perf_counter() - started
            print(f"  drafts: {number}/{count} built in {elapsed:.1f} s", flush=True)
    return drafts


# --- workers and waiting ---------------------------------------------------------------------------


def start_workers(count: int, environment: dict[str, str], folder: Path) -> list[Worker]:
    workers = []
    for number in range(1, count + 1):
        log_path = folder / f"worker{number}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "exchange", "worker", "--pool", "solo",
                 "--queues", CHECKS_QUEUE, "--hostname",
                 f"bench{number}-{os.getpid()}@{socket.gethostname()}",
                 "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
                cwd=ROOT, env={**os.environ, **environment, "PYTHONUNBUFFERED": "1"},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        workers.append(Worker(process, log_path))
    deadline = time.monotonic() + 60
    for worker in workers:
        while " ready." not in worker.log_path.read_text(errors="replace"):
            if worker.process.poll() is not None:
                raise RuntimeError(f"A Celery worker exited early:\n{worker.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"A Celery worker was not ready in 60 s:\n{worker.log_tail()}")
            time.sleep(0.2)
    return workers


def wait_for_all(done, total: int, *, label: str, started: float, workers, interval: float):
    """Poll ``done()`` until it reaches ``total``, printing a line at every tenth of the way."""
    last, last_change, shown = -1, time.monotonic(), 0
    while True:
        count = done()
        if count * 10 // total > shown:
            shown = count * 10 // total
            elapsed = time.perf_counter() - started
            print(
                f"  {label}: {count}/{total} ({100 * count // total}%) after {elapsed:.1f} s",
                flush=True,
            )
        if count >= total:
            return time.perf_counter()
        if count != last:
            last, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > STALL_SECONDS:
            tails = "\n".join(worker.log_tail() for worker in workers)
            raise RuntimeError(f"{label}: stuck at {count}/{total}. Worker logs:\n{tails}")
        for worker in workers:
            if worker.process.poll() is not None:
                raise RuntimeError(f"A Celery worker died:\n{worker.log_tail()}")
        time.sleep(interval)


def bench_noop(count: int, broker, workers) -> float:
    """Tasks per second of ``exchange.noop`` on the workers, from the first send to the last ack."""
    from exchange.tasks import noop

    started = time.perf_counter()
    for _ in range(count):
        noop.apply_async(queue=CHECKS_QUEUE)

    # Late acknowledgement: a message leaves the ``unacked`` hash once its task has returned.
    def done() -> int:
        return count - broker.llen(CHECKS_QUEUE) - broker.hlen("unacked")

    finished = wait_for_all(
        done, count, label="no-op tasks", started=started, workers=workers, interval=0.02
    )
    return count / (finished - started)


def consume(app, workers, queue: str, *, on: bool) -> None:
    """Make every worker start or stop consuming ``queue`` (Celery's remote control)."""
    command = app.control.add_consumer if on else app.control.cancel_consumer
    replies = command(queue, reply=True, timeout=10)
    if len(replies) < len(workers):
        raise RuntimeError(f"Only {len(replies)} of {len(workers)} workers answered: {replies}")


def bench_submit(drafts, seller) -> float:
    """Submit every draft (the workers are not consuming: the tasks wait in the queue). Returns
    submissions per second."""
    from listings import services

    count, step = len(drafts), max(1, len(drafts) // 5)
    started = time.perf_counter()
    for number, version in enumerate(drafts, start=1):
        services.submit_version(version=version, actor=seller)  # the task leaves on commit
        if number % step == 0:
            print(f"  submitted {number}/{count} after {time.perf_counter() - started:.1f} s")
    return count / (time.perf_counter() - started)


def bench_checks(count: int, app, workers) -> float:
    """Let the workers consume the waiting checks; checks per second until the last is routed."""
    from listings.models import ProductVersion
    from listings.states import VersionStatus

    routed = ProductVersion.objects.filter(
        status__in=[VersionStatus.COMPLIANCE_REVIEW, VersionStatus.RETURNED]
    ).count
    already = routed()
    started = time.perf_counter()
    consume(app, workers, CHECKS_QUEUE, on=True)
    finished = wait_for_all(
        lambda: routed() - already, count, label="checks routed", started=started,
        workers=workers, interval=0.05,
    )  # fmt: skip
    return count / (finished - started)


# --- where a check's time goes ---------------------------------------------------------------------


class Phases:
    """Wall time per phase, summed over the checks profiled."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.queries = 0

    @contextlib.contextmanager
    def timing(self, phase: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] += time.perf_counter() - started

    def wrap(self, phase: str, function):
        def timed(*args, **kwargs):
            with self.timing(phase):
                return function(*args, **kwargs)

        return timed

    def database(self, execute, sql, params, many, context):
        self.queries += 1
        with self.timing("database"):
            return execute(sql, params, many, context)


# Phases timed inside the check, by the function of ``listings.services.checks`` that does them.
TIMED = {
    "_check_together": "claim, check and route together (1 transaction)",
    "read_sample": "read the sample",
    "profile_sample": "profile the sample",
    "scan_sample": "personal-information scan",
    "build_report": "all checks (build_report)",
    "_store_reports": "store the reports",
    "_route": "route",
    "notify_all": "notify the reviewers",
    "_check_apart": "checked apart",
}


def profile_checks(drafts, seller) -> tuple[Phases, float, float]:
    """Submit and check ``drafts`` in this process, phase by phase. Returns the phases, the mean
    milliseconds of a submission and of a check."""
    from django.db import connection

    from exchange.celery import app
    from listings import services
    from listings.services import checks

    sent = []
    with mock.patch.object(app.Task, "apply_async", lambda task, *a, **k: sent.append(task.name)):
        started = time.perf_counter()
        for version in drafts:
            services.submit_version(version=version, actor=seller)
        submit_ms = 1000 * (time.perf_counter() - started) / len(drafts)
        phases = Phases()
        patches = [
            mock.patch.object(checks, name, phases.wrap(label, getattr(checks, name)))
            for name, label in TIMED.items()
        ]
        commit = connection.commit
        with contextlib.ExitStack() as stack:
            for patch in patches:
                stack.enter_context(patch)
            stack.enter_context(connection.execute_wrapper(phases.database))
            stack.enter_context(
                mock.patch.object(connection, "commit", phases.wrap("commits", commit))
            )
            started = time.perf_counter()
            for version in drafts:
                checks.run_automated_checks(version_id=version.pk)
            check_ms = 1000 * (time.perf_counter() - started) / len(drafts)
    return phases, submit_ms, check_ms


def breakdown_rows(phases: Phases, count: int, check_ms: float, pickup_ms: float) -> list:
    per = defaultdict(
        float, {phase: 1000 * seconds / count for phase, seconds in phases.seconds.items()}
    )
    step = {name: per[label] for name, label in TIMED.items()}
    sample = step["read_sample"] + step["profile_sample"] + step["scan_sample"]
    inside = step["build_report"] + step["_store_reports"] + step["_route"]
    return [
        ("task pick-up and ack (a no-op task on a worker)", pickup_ms),
        (TIMED["_check_together"], step["_check_together"]),
        *((f"  {TIMED[name]}", step[name]) for name in ("read_sample", "profile_sample", "scan_sample")),
        ("  the sheet, schema, prices and export route", step["build_report"] - sample),
        (f"  {TIMED['_store_reports']} (one upsert)", step["_store_reports"]),
        ("  move on and record the events", step["_route"] - step["notify_all"]),
        (f"  {TIMED['notify_all']} (one insert)", step["notify_all"]),
        ("  claim (locks, moves, events) and commit", step["_check_together"] - inside),
        ("checked apart (samples over the batch limit)", step["_check_apart"]),
        ("the rest: tasks finding theirs checked (1 query), the clock", check_ms - step["_check_together"] - step["_check_apart"]),
        ("one check in this process, in all", check_ms),
        (f"of which the database: {phases.queries / count:.1f} queries", per["database"]),
        ("of which commits", per["commits"]),
    ]  # fmt: skip


def report_outcomes() -> tuple[float, dict[str, int]]:
    from django.db.models import Count

    from listings.models import CheckReport, ProductVersion

    durations = list(CheckReport.objects.values_list("duration_ms", flat=True))
    routes = dict(
        ProductVersion.objects.order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    senior = ProductVersion.objects.filter(is_senior_compliance=True).count()
    return statistics.median(durations), {**routes, "of which senior": senior}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (solo pool each)")
    parser.add_argument("--profiled", type=int, default=200, help="checks profiled in-process")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    redis_db = urlparse(args.redis).path.strip("/")
    if not redis_db.isdigit() or int(redis_db) == 0:
        parser.error("--redis must name a database of its own (e.g. redis://127.0.0.1:6379/13).")

    from redis import Redis

    broker = Redis.from_url(args.redis)
    database, workers = None, []
    folder = tempfile.TemporaryDirectory(prefix="bench-pipeline-")
    try:
        broker.flushdb()
        database = create_database(args.postgres)
        environment = {
            "DJANGO_SETTINGS_MODULE": "exchange.settings.test",
            "DATABASE_URL": f"{args.postgres}/{database}",
            "CELERY_BROKER_URL": args.redis,
            # samples written here by this process are read by the workers
            "PRIVATE_MEDIA_ROOT": str(Path(folder.name) / "uploads"),
        }
        print(f"database {database}, broker {args.redis}; migrating...", flush=True)
        setup_django(environment)

        built = time.perf_counter()
        seller = build_people()
        drafts = build_drafts(seller, args.products + args.profiled)
        drafts, profiled = drafts[: args.products], drafts[args.products :]
        built = time.perf_counter() - built

        from listings.services import checks

        print(f"profiling {args.profiled} checks in this process...", flush=True)
        phases, submit_ms, check_ms = profile_checks(profiled, seller)

        from exchange.celery import app

        workers = start_workers(args.workers, environment, Path(folder.name))
        pids = ", ".join(str(worker.process.pid) for worker in workers)
        print(f"{args.workers} Celery workers ready (solo pool, queue {CHECKS_QUEUE}; PIDs {pids})")
        noop_rate = bench_noop(args.products, broker, workers)
        consume(app, workers, CHECKS_QUEUE, on=False)
        submit_rate = bench_submit(drafts, seller)
        check_rate = bench_checks(len(drafts), app, workers)
        median_ms, routes = report_outcomes()
        pickup_ms = 1000 * args.workers / noop_rate

        ratio = check_rate / noop_rate
        print(
            f"\nratio {ratio:.3f} (target 0.2): {check_rate:,.1f} checks/s against {noop_rate:,.1f} "
            f"no-op tasks/s on the same {args.workers} Celery workers (solo pool), PostgreSQL + Redis"
        )
        rows = [
            ("products", f"{args.products:,} (and {args.profiled} profiled; drafts built through the services in {built:.1f} s)"),
            ("submissions/second", f"{submit_rate:,.1f} (the workers not consuming; {submit_ms:.1f} ms each in the profile)"),
            ("checks/second", f"{check_rate:,.1f} ({1000 * args.workers / check_rate:.1f} ms of a worker each)"),
            ("no-op tasks/second", f"{noop_rate:,.1f} (exchange.noop, same workers and queue)"),
            ("median check", f"{median_ms:.0f} ms (CheckReport.duration_ms: build_report alone)"),
            ("versions", ", ".join(f"{key} {value}" for key, value in routes.items())),
        ]  # fmt: skip
        for label, value in rows:
            print(f"  {label + ':':<20} {value}")
        print(
            f"\nwhere one check's time goes (ms, mean of {args.profiled} checked in this process, "
            f"in batches of up to {checks.BATCH_SIZE}):"
        )
        for label, value in breakdown_rows(phases, args.profiled, check_ms, pickup_ms):
            print(f"  {label:<58} {value:7.2f}")
    finally:
        for worker in workers:
            worker.stop()
        if database:
            if "django.db" in sys.modules:
                from django.db import connections

                connections.close_all()
            drop_database(args.postgres, database)
            print(f"dropped {database}")
        broker.flushdb()
        folder.cleanup()


if __name__ == "__main__":
    main()
