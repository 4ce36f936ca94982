"""Classroom stories for the simulation: a scenario file (YAML, in ``seeds/scenarios/``) sets the
simulation's options, adds steps on given days, and says what should come of them; ``simulate
--scenario FILE`` runs the market with the steps and checks each expected outcome at the end.

    title: 国庆假期顺延结算
    story: …
    options: {seed: 7, days: 14, start: 2026-09-28}
    steps:
      - {day: 2026-09-29, do: dispute, outcome: refund_in_part, refund_share: "0.4"}
      - {do: personal_sample}          # a product whose sample holds personal information
      - {do: cross_border, people: 200000}   # personal information leaving China
      - {do: tamper, entry: 40}        # after the run, in a copy of the database
    expect:
      - {check: settled_in_batch, cleared_on: 2026-09-30, batch: 2026-10-08}
      - {check: dispute_decided, outcome: refund_in_part, refund_share: "0.4"}
      - {check: product_rejected, personal_information: true}
      - {check: export_route, route: standard_contract, listed: true}
      - {check: tamper_caught, entry: 40}
      - {check: reconciled}
"""

import io
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

FOLDER = Path(__file__).resolve().parent / "scenarios"
OPTIONS = ("seed", "days", "merchants", "buyers", "products", "orders_per_day", "dispute_rate", "rejection_rate", "start")  # fmt: skip
ACTIONS = ("dispute", "personal_sample", "cross_border", "tamper")
CHECKS = ("settled_in_batch", "dispute_decided", "product_rejected", "export_route", "tamper_caught", "reconciled")  # fmt: skip
OUTCOMES = ("refund_in_full", "refund_in_part", "dismiss")


class ScenarioError(ValueError):
    """A scenario file that cannot be run: names the file, the place and the rule."""


@dataclass
class Scenario:
    path: Path
    title: str
    story: str
    options: dict
    steps: list[dict] = field(default_factory=list)
    expect: list[dict] = field(default_factory=list)

    def steps_of(self, action: str) -> list[dict]:
        return [step for step in self.steps if step["do"] == action]


@dataclass
class Outcome:
    check: dict
    ok: bool
    detail: str

    @property
    def line(self) -> str:
        mark = "✓" if self.ok else "✗"
        return f"{mark} {self.check['check']}: {self.detail}"


def load(path: str | Path) -> Scenario:
    """Read and check a scenario file (a bare name is looked up in ``seeds/scenarios/``).

    Raises:
        ScenarioError naming the file and what is wrong, before anything runs.
    """
    path = Path(path)
    if not path.exists() and (FOLDER / path).exists():
        path = FOLDER / path
    if not path.exists() and (FOLDER / f"{path}.yaml").exists():
        path = FOLDER / f"{path}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(f"{path}: cannot be read ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path}: not YAML ({error})") from error
    if not isinstance(data, dict) or not data.get("title"):
        raise ScenarioError(f"{path}: a scenario is a mapping with a title")
    options = data.get("options") or {}
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ScenarioError(
            f"{path}: options: unknown {', '.join(unknown)} (known: {', '.join(OPTIONS)})"
        )
    if "start" in options:
        options["start"] = _day(path, "options.start", options["start"])
    steps = list(data.get("steps") or [])
    for number, step in enumerate(steps, start=1):
        where = f"steps[{number}]"
        if not isinstance(step, dict) or step.get("do") not in ACTIONS:
            raise ScenarioError(f"{path}: {where}: do is one of {', '.join(ACTIONS)}")
        if step["do"] == "dispute":
            step["day"] = _day(path, f"{where}.day", step.get("day"))
            _outcome(path, where, step)
        if step["do"] == "cross_border" and not isinstance(step.get("people"), int):
            raise ScenarioError(
                f"{path}: {where}: people is how many people's personal information leaves China"
            )
        if step["do"] == "tamper" and not isinstance(step.get("entry"), int):
            raise ScenarioError(
                f"{path}: {where}: entry is the log index to alter (a whole number)"
            )
    expect = list(data.get("expect") or [])
    if not expect:
        raise ScenarioError(f"{path}: expect: a scenario says what should come of it")
    for number, check in enumerate(expect, start=1):
        where = f"expect[{number}]"
        if not isinstance(check, dict) or check.get("check") not in CHECKS:
            raise ScenarioError(f"{path}: {where}: check is one of {', '.join(CHECKS)}")
        if check["check"] == "settled_in_batch":
            check["cleared_on"] = _day(path, f"{where}.cleared_on", check.get("cleared_on"))
            check["batch"] = _day(path, f"{where}.batch", check.get("batch"))
        if check["check"] == "dispute_decided":
            _outcome(path, where, check)
    return Scenario(path, str(data["title"]), str(data.get("story", "")), options, steps, expect)


def _day(path, where, value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise ScenarioError(f"{path}: {where}: a date (YYYY-MM-DD), not {value!r}") from error


def _outcome(path, where, item: dict) -> None:
    if item.get("outcome") not in OUTCOMES:
        raise ScenarioError(f"{path}: {where}: outcome is one of {', '.join(OUTCOMES)}")
    if item["outcome"] == "refund_in_part":
        try:
            share = Decimal(str(item.get("refund_share")))
        except InvalidOperation as error:
            raise ScenarioError(
                f'{path}: {where}: refund_share is a share such as "0.4"'
            ) from error
        if not 0 < share < 1:
            raise ScenarioError(f"{path}: {where}: refund_share lies between 0 and 1, not {share}")
        item["refund_share"] = share


# --- the checks, once the run has ended ------------------------------------------------------------


def check_all(scenario: Scenario, simulation) -> list[Outcome]:
    return [CHECKERS[item["check"]](item, simulation) for item in scenario.expect]


def _settled_in_batch(item, simulation) -> Outcome:
    from settlement.models import Order

    local = timezone.get_current_timezone()
    orders = [
        order
        for order in Order.objects.filter(pk__in=simulation.order_ids, cleared_at__isnull=False)
        .select_related("batch")
        .order_by("pk")
        if order.cleared_at.astimezone(local).date() == item["cleared_on"]
    ]
    if not orders:
        return Outcome(item, False, f"no order cleared on {item['cleared_on']}")
    days = sorted(
        {order.batch.business_date.isoformat() if order.batch else "none" for order in orders}
    )
    ok = days == [item["batch"].isoformat()]
    return Outcome(
        item,
        ok,
        f"{len(orders)} orders cleared on {item['cleared_on']} settled in the batch of "
        f"{', '.join(days)} (expected {item['batch']})",
    )


def _dispute_decided(item, simulation) -> Outcome:
    from settlement.models import Dispute, LineKind

    chosen = [order_id for order_id, _step in simulation.forced_disputes.items()]
    disputes = list(Dispute.objects.filter(order_id__in=chosen).select_related("order"))
    if not disputes:
        return Outcome(item, False, "the scenario's dispute was never opened")
    problems, told = [], []
    for dispute in disputes:
        order = dispute.order
        if dispute.outcome != item["outcome"]:
            problems.append(f"order {order.pk} was decided {dispute.outcome or 'not yet'}")
            continue
        lines = {line.kind: line.money for line in order.lines.all()}
        if item["outcome"] == "refund_in_part":
            refund = (order.value_amount * item["refund_share"]).quantize(Decimal("0.01"))
            if lines.get(LineKind.REFUND) is None or lines[LineKind.REFUND].amount != refund:
                problems.append(
                    f"order {order.pk}: refund line {lines.get(LineKind.REFUND)}, expected {refund}"
                )
            elif lines[LineKind.VALUE].amount != order.value_amount - refund:
                problems.append(
                    f"order {order.pk}: the merchant's value line is {lines[LineKind.VALUE]}"
                )
            else:
                told.append(
                    f"order {order.pk}: ¥{refund} of ¥{order.value_amount} back to the buyer, ¥{order.value_amount - refund} to the merchant"
                )
        else:
            told.append(f"order {order.pk}: {dispute.outcome}, status {order.status}")
    return Outcome(item, not problems, "; ".join(problems or told))


def _product_rejected(item, simulation) -> Outcome:
    from listings.models import ProductVersion
    from listings.states import VersionStatus

    version = (
        ProductVersion.objects.filter(pk=simulation.personal_version_id)
        .select_related("check_report")
        .first()
    )
    if version is None:
        return Outcome(
            item, False, "the scenario's product with personal information was never submitted"
        )
    report = getattr(version, "check_report", None)
    found = bool(report and report.personal_information)
    ok = version.status == VersionStatus.REJECTED and found == bool(
        item.get("personal_information", True)
    )
    return Outcome(
        item,
        ok,
        f"「{version.name}」: {version.get_status_display()}, "
        f"personal information found by the automated checks: {'yes' if found else 'no'}",
    )


def _export_route(item, simulation) -> Outcome:
    from listings.models import ProductVersion
    from listings.states import ListingStatus

    version = (
        ProductVersion.objects.filter(pk=simulation.cross_border_version_id)
        .select_related("check_report", "product")
        .first()
    )
    if version is None:
        return Outcome(item, False, "the scenario's cross-border product was never submitted")
    route = (
        getattr(version, "check_report", None) and version.check_report.cross_border_route
    ) or {}
    listed = version.product.listings.filter(
        status=ListingStatus.LISTED, boards__code="international"
    ).exists()
    ok = route.get("code") == item.get("route") and listed == bool(item.get("listed", True))
    return Outcome(
        item,
        ok,
        f"「{version.name}」: route {route.get('code', '—')} ({route.get('label', '')}); "
        f"listed on the International Board: {'yes' if listed else 'no'}",
    )


def _tamper_caught(item, simulation) -> Outcome:
    entry = item.get("entry")
    found = simulation.tamper_reports.get(entry)
    if found is None:
        return Outcome(item, False, f"no tamper step altered entry {entry}")
    original, copy = found
    ok = original.startswith("ok:") and copy.splitlines()[:1] == [f"entry {entry}"]
    return Outcome(
        item,
        ok,
        f"the database in use: {original.splitlines()[0] if original else '—'}; "
        f"the tampered copy: {copy.splitlines()[0] if copy else '—'}",
    )


def _reconciled(item, simulation) -> Outcome:
    from exchange.ledger.reconcile import reconcile

    report = reconcile()
    return Outcome(
        item, report.ok, report.summary() if report.ok else "; ".join(report.problems[:3])
    )


CHECKERS = {
    "settled_in_batch": _settled_in_batch,
    "dispute_decided": _dispute_decided,
    "product_rejected": _product_rejected,
    "export_route": _export_route,
    "tamper_caught": _tamper_caught,
    "reconciled": _reconciled,
}


# --- the tamper step: an insider alters the log in a copy; verify_log on both ------------------------


def tamper(entry: int) -> tuple[str, str]:
    """Alter ``entry`` in a copy of the database (``tamper_log``) and run ``verify_log`` on the
    database in use and on the copy, each in its own process; their outputs."""
    if connection.vendor == "sqlite":
        copy_path = Path(tempfile.mkdtemp(prefix="tampered-")) / "tampered.sqlite3"
        call_command("tamper_log", index=entry, copy=str(copy_path), stdout=io.StringIO())
        copy_url = f"sqlite:///{copy_path}"
        original_url = f"sqlite:///{Path(connection.settings_dict['NAME']).resolve()}"
    else:
        name = f"{connection.settings_dict['NAME']}_tampered_{entry}"
        call_command("tamper_log", index=entry, copy=name, stdout=io.StringIO())
        server = connection.settings_dict
        base = f"postgres://{server['USER']}@{server['HOST']}:{server['PORT']}"
        copy_url, original_url = f"{base}/{name}", f"{base}/{server['NAME']}"
    return _verify(original_url), _verify(copy_url)


def _verify(url: str) -> str:
    environment = {**os.environ, "DATABASE_URL": url}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "verify_log",
            "--workers",
            "1",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.stdout.strip()
