"""Which route data leaving China must take (CAC provisions of 2024-03-22; DOMAIN.md §5).

Counts are people, since 1 January of the current year. Splitting volumes to stay under a
threshold is prohibited, so the counts given are the exporter's totals for the year.
"""

from dataclasses import asdict, dataclass

from django.utils.translation import gettext_lazy as _

# Thresholds of the 2024 provisions.
ASSESSMENT_PEOPLE = 1_000_000  # non-sensitive personal information: security assessment from here
ASSESSMENT_SENSITIVE_PEOPLE = (
    10_000  # sensitive personal information: security assessment from here
)
CONTRACT_PEOPLE = 100_000  # non-sensitive: standard contract or certification from here


@dataclass(frozen=True)
class Route:
    code: str  # none | standard_contract | security_assessment | not_cross_border
    label: str
    evidence: list[str]  # what must be uploaded before listing on the International Board
    reason: str

    @property
    def needs_evidence(self) -> bool:
        return bool(self.evidence)

    def as_dict(self) -> dict:
        return {
            key: str(value) if key in ("label", "reason") else value
            for key, value in asdict(self).items()
        }


def export_route(
    *,
    is_cross_border: bool,
    exporter_is_ciio: bool,
    has_important_data: bool,
    personal_information_people: int,
    sensitive_information_people: int,
) -> Route:
    """The route an export must take, with the evidence the exchange asks for."""
    if not is_cross_border:
        return Route("not_cross_border", str(_("Not provided across the border")), [], "")
    has_personal_information = personal_information_people > 0 or sensitive_information_people > 0
    if has_important_data:
        return _assessment(_("Important data leaves China: a CAC security assessment is required."))
    if exporter_is_ciio and has_personal_information:
        return _assessment(
            _("A critical-infrastructure operator sends personal information abroad.")
        )
    if (
        personal_information_people >= ASSESSMENT_PEOPLE
        or sensitive_information_people >= ASSESSMENT_SENSITIVE_PEOPLE
    ):
        return _assessment(
            _(
                "Personal information of at least 1,000,000 people, or sensitive personal information of at least 10,000."
            )
        )
    if personal_information_people >= CONTRACT_PEOPLE or sensitive_information_people > 0:
        return Route(
            "standard_contract",
            str(
                _(
                    "Standard contract (filed within 10 working days, after a PI impact assessment) or certification"
                )
            ),
            ["pi_impact_assessment", "standard_contract_or_certification"],
            str(
                _(
                    "Personal information of 100,000–999,999 people, or sensitive personal information of fewer than 10,000."
                )
            ),
        )
    return Route(
        "none",
        str(_("No export formality required")),
        [],
        str(
            _("Fewer than 100,000 people's non-sensitive personal information, no important data.")
        ),
    )


def _assessment(reason) -> Route:
    return Route(
        "security_assessment",
        str(_("CAC security assessment (valid 3 years)")),
        ["security_assessment_result"],
        str(reason),
    )
