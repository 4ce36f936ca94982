"""The automated checks a submitted version goes through on a Celery worker, and the routing.

Run as a task that may run twice (late acknowledgement, retries, a worker that dies): the first
transaction claims the version (submitted → automated checks), the slow work runs with no lock held,
and the second transaction stores the one report and routes the version, only if it is still there.
"""

import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from exchange import clock, lifecycle
from exchange.accounts.roles import Role
from exchange.accounts.selectors import merchant_people, people_in_role
from exchange.errors import RuleViolation
from exchange.notifications import notify
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


def run_automated_checks(*, version_id: int) -> CheckReport | None:
    """Check a submitted version and route it: to compliance review (standard or senior queue), or
    back to the merchant when the sample cannot be used. Returns None when there was nothing to do."""
    with clock.setting_read_once():
        version = _begin(version_id)
        if version is None:
            return None
        started = time.monotonic()
        result = build_report(version)
        result["duration_ms"] = int((time.monotonic() - started) * 1000)
        return _finish(version, result)


@transaction.atomic
def _begin(version_id: int) -> ProductVersion | None:
    """Claim the version for checking; it comes back with what the checks read (and no lock once
    this transaction commits)."""
    version = (
        ProductVersion.objects.select_for_update(of=("self",))
        .select_related("product__merchant")
        .prefetch_related("scenarios", "plans", "documents")
        .get(pk=version_id)
    )
    if version.status == V.SUBMITTED:
        lifecycle.take(version, VERSION_LIFECYCLE["start_checks"], actor=None, locked=True)
        return version
    # Already checking (a redelivered task after a worker died) goes on; anything else is done.
    return version if version.status == V.AUTO_CHECKS else None


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
    report = _store_report(version, result)
    version.stage_entered_at = clock.now()
    merchant = version.product.merchant
    if report.is_blocking:
        reasons = "; ".join(f["message"] for f in report.findings if f["severity"] == "blocking")
        lifecycle.take(
            version,
            VERSION_LIFECYCLE["fail_checks"],
            actor=None,
            reason=reasons,
            data={"risk_level": report.risk_level},
            locked=True,
            also_save=("stage_entered_at",),
        )
        _notify_merchant(
            version, merchant, _("%(product)s was returned by the automated checks"), reasons
        )
        return report
    version.is_senior_compliance = report.is_senior
    lifecycle.take(
        version,
        VERSION_LIFECYCLE["pass_checks"],
        actor=None,
        data={"risk_level": report.risk_level, "senior": report.is_senior},
        locked=True,
        also_save=("stage_entered_at", "is_senior_compliance"),
    )
    reviewers = people_in_role(Role.COMPLIANCE_REVIEWER)
    if report.is_senior:
        reviewers = reviewers.filter(is_senior_reviewer=True)
    notify(
        recipients=reviewers.exclude(organisation_id=merchant.organisation_id),
        kind="product_for_compliance",
        title=_("%(product)s waits for compliance review (%(risk)s risk)"),
        params={"product": version.name, "risk": RiskLevel(report.risk_level)},
        url=reverse("listings:version-detail", kwargs={"pk": version.pk}),
    )
    return report


def _store_report(version: ProductVersion, result: dict) -> CheckReport:
    """The version's one report, written in one statement (a re-submitted version's replaces its
    earlier one)."""
    report = CheckReport(version=version, **result)
    CheckReport.objects.bulk_create(
        [report],
        update_conflicts=True,
        unique_fields=["version"],
        update_fields=[*result, "updated_at"],
    )
    return report


def _notify_merchant(version: ProductVersion, merchant, title, reason: str) -> None:
    notify(
        recipients=merchant_people(merchant.organisation_id),
        kind="product_returned",
        title=title,
        body=_("Reason: %(reason)s") if reason else "",
        params={"product": version.name, "reason": reason},
        url=reverse("listings:version-detail", kwargs={"pk": version.pk}),
    )
