"""People of the product pipeline: an active merchant and a reviewer for every stage."""

from datetime import timedelta

import pytest

from exchange import clock
from exchange.accounts.roles import OrganisationKind, Role
from listings import services
from listings.checklists import CHECKLISTS, QUALITY_INDICATORS
from listings.models import Decision
from listings.states import ReviewStage, VersionStatus
from merchants.states import MerchantStatus
from tests.factories import make_organisation, make_user, merchant_in

V = VersionStatus


@pytest.fixture
def seller(db, exchange_org):
    """The merchant admin of an active data merchant."""
    admin = make_user(role=Role.MERCHANT_ADMIN, username="seller")
    operator = make_user(role=Role.OPERATOR, organisation=exchange_org, username="merchant_op")
    merchant_in(MerchantStatus.ACTIVE, applicant=admin, operator=operator)
    return admin


@pytest.fixture
def reviewers(exchange_org):
    assessor = make_organisation(kind=OrganisationKind.SERVICE_PROVIDER, name="测试律师事务所")
    senior = make_user(role=Role.COMPLIANCE_REVIEWER, organisation=exchange_org, username="senior")
    senior.is_senior_reviewer = True
    senior.save(update_fields=["is_senior_reviewer"])
    return {
        "compliance": make_user(
            role=Role.COMPLIANCE_REVIEWER, organisation=assessor, username="assessor"
        ),
        "senior": senior,
        "quality": make_user(
            role=Role.QUALITY_REVIEWER, organisation=exchange_org, username="quality"
        ),
        "registration": make_user(
            role=Role.OPERATOR, organisation=exchange_org, username="registrar"
        ),
        "committee": make_user(
            role=Role.LISTING_COMMITTEE, organisation=exchange_org, username="committee"
        ),
    }


def passing_checklist(stage) -> dict:
    return {key: {"result": "pass", "comment": ""} for key in CHECKLISTS[ReviewStage(stage)]}


GOOD_SCORES = dict.fromkeys(QUALITY_INDICATORS, 88)


def approve(version, reviewer):
    """Claim and approve the version's current stage."""
    stage = {
        V.COMPLIANCE_REVIEW: "compliance",
        V.QUALITY_REVIEW: "quality",
        V.REGISTRATION_REVIEW: "registration",
    }[version.status]
    review = services.claim_version(version=version, actor=reviewer)
    services.decide_version_review(
        version=review.version,
        actor=reviewer,
        decision=Decision.APPROVE,
        checklist=passing_checklist(stage),
        scores=GOOD_SCORES if stage == "quality" else {},
    )
    version.refresh_from_db()
    return version


def submit(version, seller):
    """Submit, then run the automated checks as the worker does once the submission commits."""
    services.submit_version(version=version, actor=seller)
    services.run_automated_checks(version_id=version.pk)
    version.refresh_from_db()
    return version


def register(version, seller, reviewers):
    """Submit a draft and walk it through every stage and the public notice to registration."""
    submit(version, seller)
    assert version.status == V.COMPLIANCE_REVIEW, version.check_report.findings
    approve(
        version, reviewers["senior"] if version.is_senior_compliance else reviewers["compliance"]
    )
    approve(version, reviewers["quality"])
    approve(version, reviewers["registration"])
    assert version.status == V.PUBLIC_NOTICE
    clock.set_simulated_time(at=version.notice_ends_at + timedelta(minutes=1))
    assert services.close_public_notices() >= 1
    version.refresh_from_db()
    return version
