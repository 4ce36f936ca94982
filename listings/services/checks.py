"""The automated checks a submitted version goes through on a Celery worker, and the routing.

Run as a task that may run twice (late acknowledgement, retries, a worker that dies). Versions with
small samples are claimed, checked and routed together in one transaction, which a crash rolls back
whole. A large sample is checked apart: the first transaction claims the version (submitted →
automated checks), the slow work runs with no lock held, and the second stores the one report and
routes the version, only if it is still there.
"""

import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from exchange import clock, lifecycle
from exchange.accounts.roles import Role
from exchange.accounts.selectors import merchant_people, people_in_role
from exchange.errors import RuleViolation
from exchange.notifications import Message, notify_all
from exchange.tasks import enqueue_on_commit
from listings.locks import lock_version_status
from listings.models import (
    CheckReport,
    Classification,
    ProductVersion,
    RiskLevel,
)
from listings.pii import scan_sample
from listings.samples import compare_with_schema, profile_sample, read_sample
from listings.services.products import sheet_problems
from listings.states import VERSION_LIFECYCLE, VersionStatus
from listings.tasks import run_automated_checks as check_task

V = VersionStatus


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # info | warning | high | blocking
    field: str
    message: str

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "field": self.field,
            "message": str(self.message),
        }


# Waiting versions whose samples are small are checked together, up to this many and this many
# bytes of samples in one transaction: the queries and commits of a check are most of its time
# when the sample is small (bench/bench_pipeline.py). A larger sample is checked on its own, with
# no lock held while it is read and scanned.
BATCH_SIZE = 50
BATCH_SAMPLE_BYTES = 256 * 1024
BATCH_BYTES = 2 * 1024 * 1024


def run_automated_checks(*, version_id: int) -> CheckReport | None:
    """Check a submitted version and route it: to compliance review (standard or senior queue), or
    back to the merchant when the sample cannot be used. Other submitted versions with small
    samples that wait for their own task are checked with it (their tasks then find them done).
    Returns the version's report, or None when there was nothing to do."""
    waiting = ProductVersion.objects.filter(pk=version_id, status__in=[V.SUBMITTED, V.AUTO_CHECKS])
    if not waiting.exists():
        return None  # checked already, with another version's batch (no transaction, no lock)
    with clock.setting_read_once():
        reports = _check_together(version_id)
        if reports is not None:
            return reports.get(version_id)
        return _check_apart(version_id)


@transaction.atomic
def _check_together(version_id: int) -> dict[int, CheckReport] | None:
    """Check the version and up to BATCH_SIZE - 1 others waiting, in one transaction, when its
    sample is small. None when it is to be checked apart: a large sample, or checks already under
    way (a redelivered task). Empty when another transaction holds the version: another batch,
    which routes it (or, if it fails, leaves it to its own redelivered task or to
    ``resume_lost_checks``)."""
    locked = ProductVersion.objects.select_for_update(of=("self",), skip_locked=True)
    status = locked.filter(pk=version_id).values_list("status", flat=True).first()
    if status not in (V.SUBMITTED, V.AUTO_CHECKS):
        return {}  # in another batch now, or checked already
    waiting = locked.filter(status=V.SUBMITTED).select_related("product__merchant")
    own = waiting.filter(pk=version_id).first() if status == V.SUBMITTED else None
    if own is None or _sample_size(own) > BATCH_SAMPLE_BYTES:
        return None
    # The newest waiting: the tasks next in the queue are the oldest's, which another worker can
    # then take up as batches of their own, instead of finding them held by this one.
    others = list(waiting.exclude(pk=version_id).order_by("-submitted_at", "-pk")[: BATCH_SIZE - 1])
    versions, total = [own], _sample_size(own)
    for version in others:
        size = _sample_size(version)
        if size <= BATCH_SAMPLE_BYTES and total + size <= BATCH_BYTES:
            versions.append(version)
            total += size
    for passed_over in set(others) - set(versions):
        # locked here, so its own task may have found it busy and left it: send it again
        enqueue_on_commit(check_task, version_id=passed_over.pk)
    prefetch_related_objects(versions, "scenarios", "plans", "documents")
    lifecycle.take_many(versions, VERSION_LIFECYCLE["start_checks"], actor=None)
    reports = _store_reports({version.pk: _timed_report(version) for version in versions})
    _route(versions, reports)
    return reports


def _sample_size(version: ProductVersion) -> int:
    try:
        return version.sample.size if version.sample else 0
    except OSError:
        return 0  # a missing file: the checks say so, quickly


def _timed_report(version: ProductVersion) -> dict:
    started = time.monotonic()
    result = build_report(version)
    result["duration_ms"] = int((time.monotonic() - started) * 1000)
    return result


def _check_apart(version_id: int) -> CheckReport | None:
    version = _begin(version_id)
    if version is None:
        return None
    return _finish(version, _timed_report(version))


@transaction.atomic
def _begin(version_id: int) -> ProductVersion | None:
    """Claim the version for checking; it comes back with what the checks read (and no lock once
    this transaction commits)."""
    status = lock_version_status(version_id)
    if status not in (V.SUBMITTED, V.AUTO_CHECKS):
        return None  # checked already
    version = (
        ProductVersion.objects.select_related("product__merchant")
        .prefetch_related("scenarios", "plans", "documents")
        .get(pk=version_id)
    )
    if version.status == V.SUBMITTED:
        lifecycle.take(version, VERSION_LIFECYCLE["start_checks"], actor=None, locked=True)
        return version
    # Already checking (a redelivered task after a worker died) goes on; anything else is done.
    return version if version.status == V.AUTO_CHECKS else None


# Past this, a version still waiting for (or in) its checks lost its task: a broker away when it was
# submitted, or a worker killed past its time limit. Longer than the checks' hard time limit.
CHECKS_LOST_AFTER = timedelta(minutes=10)


def resume_lost_checks() -> int:
    """Send the checks again for every version whose checks seem lost (run by Celery beat). A
    version whose checks are in fact under way is finished once: the task that finds it done
    does nothing. Returns how many were sent."""
    lost = list(
        ProductVersion.objects.filter(
            status__in=[V.SUBMITTED, V.AUTO_CHECKS],
            updated_at__lt=timezone.now() - CHECKS_LOST_AFTER,
        ).values_list("pk", flat=True)
    )
    for version_id in lost:
        check_task.delay(version_id=version_id)
    return len(lost)


def build_report(version: ProductVersion) -> dict:
    """Every automated check of DOMAIN.md §3–§5, as report fields. Reads the sample; writes nothing.

    The report's messages are written in the exchange's language, whoever triggered the run.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _build_report(version)


def _build_report(version: ProductVersion) -> dict:
    findings: list[Finding] = []
    profile, personal = {}, []
    for problem in sheet_problems(version):
        findings.append(Finding("incomplete", "blocking", problem.field, problem.message))
    try:
        with version.sample.open("rb") as handle:
            sample = read_sample(handle.read(), filename=version.sample_name)
    except (RuleViolation, FileNotFoundError, ValueError) as error:
        message = (
            error.message
            if isinstance(error, RuleViolation)
            else _("The sample file cannot be read.")
        )
        findings.append(Finding("sample_unreadable", "blocking", "sample", message))
    else:
        profile = profile_sample(sample)
        for item in compare_with_schema(profile, version.fields_schema):
            findings.append(Finding(item["code"], "warning", "fields_schema", item["message"]))
        personal = [
            {"kind": f.kind, "column": f.column, "count": f.count} for f in scan_sample(sample)
        ]
        findings.extend(_personal_information_findings(version, personal))
    if version.classification == Classification.IMPORTANT:
        findings.append(
            Finding(
                "important_data",
                "high",
                "classification",
                _("Important data: a senior compliance review is required."),
            )
        )
    findings.extend(_price_findings(version))
    route = version.export_route
    if version.missing_export_evidence() is not None:
        findings.append(
            Finding(
                "export_evidence_missing",
                "warning",
                "documents",
                _(
                    "The cross-border route “%(route)s” needs its evidence before International Board listing."
                )
                % {"route": route.label},
            )
        )
    severities = {f.severity for f in findings}
    return {
        "risk_level": _risk_level(severities),
        "is_blocking": "blocking" in severities,
        "is_senior": any(
            f.code in ("undeclared_personal_information", "important_data") for f in findings
        ),
        "findings": [f.as_dict() for f in findings],
        "sample_profile": profile,
        "personal_information": personal,
        "cross_border_route": route.as_dict(),
    }


def _risk_level(severities: set[str]) -> RiskLevel:
    if severities & {"high", "blocking"}:
        return RiskLevel.HIGH
    return RiskLevel.MEDIUM if "warning" in severities else RiskLevel.LOW


def _personal_information_findings(version: ProductVersion, found: list[dict]) -> list[Finding]:
    declared = set(version.personal_information_kinds or [])
    findings = []
    undeclared = sorted({item["kind"] for item in found} - declared)
    if undeclared:
        findings.append(
            Finding(
                "undeclared_personal_information",
                "high",
                "personal_information_kinds",
                _("The sample holds personal information that was not declared: %(kinds)s.")
                % {"kinds": ", ".join(undeclared)},
            )
        )
    absent = sorted(declared - {item["kind"] for item in found})
    if absent:
        findings.append(
            Finding(
                "declared_not_found",
                "info",
                "personal_information_kinds",
                _("Declared but not seen in the sample: %(kinds)s.") % {"kinds": ", ".join(absent)},
            )
        )
    return findings


def _price_findings(version: ProductVersion) -> list[Finding]:
    findings = []
    prices = {
        plan.kind: plan.price_amount
        for plan in version.plans.all()
        if plan.price_amount is not None
    }
    for kind, price in prices.items():
        low, high = (
            Decimal(bound) for bound in settings.PRICE_SANITY_BOUNDS.get(kind, ("0", "1e12"))
        )
        if not low <= price <= high:
            findings.append(
                Finding(
                    "price_out_of_range",
                    "warning",
                    "plans",
                    _(
                        "The %(plan)s price ¥%(price)s is outside the usual range ¥%(low)s–¥%(high)s."
                    )
                    % {"plan": kind, "price": price, "low": low, "high": high},
                )
            )
    if "monthly" in prices and "yearly" in prices and prices["yearly"] > 12 * prices["monthly"]:
        findings.append(
            Finding(
                "yearly_above_monthly",
                "warning",
                "plans",
                _("The yearly price is above twelve monthly prices."),
            )
        )
    return findings


@transaction.atomic
def _finish(version: ProductVersion, result: dict) -> CheckReport | None:
    version.status = lock_version_status(version.pk)
    if version.status != V.AUTO_CHECKS:
        return None  # another run finished first
    reports = _store_reports({version.pk: result})
    _route([version], reports)
    return reports[version.pk]


def _store_reports(results: dict[int, dict]) -> dict[int, CheckReport]:
    """Each version's one report, all written in one statement (a re-submitted version's replaces
    its earlier one)."""
    reports = {pk: CheckReport(version_id=pk, **result) for pk, result in results.items()}
    fields = next(iter(results.values())).keys()
    CheckReport.objects.bulk_create(
        reports.values(),
        update_conflicts=True,
        unique_fields=["version"],
        update_fields=[*fields, "updated_at"],
    )
    return reports


def _route(versions: list[ProductVersion], reports: dict[int, CheckReport]) -> None:
    """Move each checked version on (returned, or to its compliance queue) and tell whom it concerns."""
    moment = clock.now()
    for version in versions:
        version.stage_entered_at = moment
    returned = [version for version in versions if reports[version.pk].is_blocking]
    passed = [version for version in versions if not reports[version.pk].is_blocking]
    for version in passed:
        version.is_senior_compliance = reports[version.pk].is_senior
    reasons = {
        version.pk: "; ".join(
            f["message"] for f in reports[version.pk].findings if f["severity"] == "blocking"
        )
        for version in returned
    }
    lifecycle.take_many(
        returned,
        VERSION_LIFECYCLE["fail_checks"],
        actor=None,
        reason=lambda version: reasons[version.pk],
        data=lambda version: {"risk_level": reports[version.pk].risk_level},
        also_save=("stage_entered_at",),
    )
    lifecycle.take_many(
        passed,
        VERSION_LIFECYCLE["pass_checks"],
        actor=None,
        data=lambda version: {
            "risk_level": reports[version.pk].risk_level,
            "senior": reports[version.pk].is_senior,
        },
        also_save=("stage_entered_at", "is_senior_compliance"),
    )
    messages = [
        Message(
            recipients=merchant_people(version.product.merchant.organisation_id),
            kind="product_returned",
            title=_("%(product)s was returned by the automated checks"),
            body=_("Reason: %(reason)s") if reasons[version.pk] else "",
            params={"product": version.name, "reason": reasons[version.pk]},
            url=reverse("listings:version-detail", kwargs={"pk": version.pk}),
        )
        for version in returned
    ]
    reviewers = list(people_in_role(Role.COMPLIANCE_REVIEWER)) if passed else []
    for version in passed:
        report = reports[version.pk]
        organisation_id = version.product.merchant.organisation_id
        messages.append(
            Message(
                recipients=[
                    reviewer
                    for reviewer in reviewers
                    if reviewer.organisation_id != organisation_id
                    and (reviewer.is_senior_reviewer or not report.is_senior)
                ],
                kind="product_for_compliance",
                title=_("%(product)s waits for compliance review (%(risk)s risk)"),
                params={"product": version.name, "risk": RiskLevel(report.risk_level)},
                url=reverse("listings:version-detail", kwargs={"pk": version.pk}),
            )
        )
    notify_all(messages)
