"""What reviewers record at each stage (DOMAIN.md §4): checklist dimensions and quality indicators."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from listings.states import ReviewStage

# The checklist of each stage (DOMAIN.md §4): every dimension gets pass or fail and a comment.
CHECKLISTS = {
    ReviewStage.COMPLIANCE: {
        "party": _("Trading party: lawful status, clean record (主体合规)"),
        "security_system": _("Data-security management system"),
        "lawful_source": _("Lawful data source (数据来源合法)"),
        "tradability": _(
            "Tradability: important data, substantive processing, scenario, agreement (可交易性)"
        ),
        "personal_information": _("Personal information: basis and protection"),
        "cross_border": _("Cross-border route and evidence"),
    },
    ReviewStage.QUALITY: {},  # scored instead: QUALITY_INDICATORS
    ReviewStage.REGISTRATION: {
        "completeness": _("The sheet and its material are complete and consistent"),
        "rights": _("The rights to register are supported (持有权, 加工使用权, 经营权)"),
        "source_chain": _("The source and authorisation chain is documented"),
    },
    ReviewStage.LISTING: {
        "scenario": _("No scenario, no trade: the application scenarios are real"),
        "pricing": _("The plans and prices are clear and reasonable"),
        "board": _("The boards fit the product"),
    },
}
# GB/T 36344-2018's six quality indicators, each scored 0–100.
QUALITY_INDICATORS = {
    "conformity": _("Conformity to standards (规范性)"),
    "completeness": _("Completeness (完整性)"),
    "accuracy": _("Accuracy (准确性)"),
    "consistency": _("Consistency (一致性)"),
    "timeliness": _("Timeliness (时效性)"),
    "accessibility": _("Accessibility (可访问性)"),
}

# What each quality grade says; the average each needs is a setting (QUALITY_GRADE_THRESHOLDS,
# a simulator rule), E is below the last one.
GRADE_MEANINGS = {
    "A": _("excellent"),
    "B": _("good"),
    "C": _("fair"),
    "D": _("weak"),
    "E": _("poor"),
}


@dataclass(frozen=True)
class GradeStep:
    grade: str
    meaning: str
    rule: str  # the average of the six indicators (0–100) it takes: "≥ 90", or "< 60" for E


def grade_scale() -> list[GradeStep]:
    """The grades best first, with their meaning and the average each needs."""
    thresholds = settings.QUALITY_GRADE_THRESHOLDS
    steps = [
        GradeStep(grade, GRADE_MEANINGS.get(grade, ""), f"≥ {floor}") for grade, floor in thresholds
    ]
    lowest = thresholds[-1][1] if thresholds else 0
    return [*steps, GradeStep("E", GRADE_MEANINGS["E"], f"< {lowest}")]
