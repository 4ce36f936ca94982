"""The product pipeline through its services: draft → checks → reviews → notice → registered → listed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exchange import clock
from exchange.errors import ConflictError, InvalidTransition, PermissionDeniedError, RuleViolation
from exchange.registry import selectors as registry
from exchange.registry.numbers import is_valid_certificate_number
from listings import selectors, services
from listings.errors import (
    AlreadyClaimed,
    ChecklistIncomplete,
    ClaimNotHeld,
    CoreDataRefused,
    NotListable,
    OwnOrganisation,
    SecondStage,
    SheetIncomplete,
    WrongQueue,
)
from listings.models import Board, CatalogEntry, Decision, ListingStatus, ProductVersion, Review
from listings.states import VersionStatus
from tests.factories import CLEAN_SAMPLE, create_version, make_user, pi_sample
from tests.listings.conftest import GOOD_SCORES, approve, passing_checklist, register, submit

pytestmark = pytest.mark.django_db
V = VersionStatus


def test_clean_product_goes_from_draft_to_listed(
    seller, reviewers, django_capture_on_commit_callbacks
):
    version = create_version(seller)
    with django_capture_on_commit_callbacks(execute=True):
        submit(version, seller)
    report = version.check_report
    assert (version.status, report.risk_level, report.is_senior) == (
        V.COMPLIANCE_REVIEW,
        "low",
        False,
    )
    assert report.sample_profile["rows"] == 3
    assert report.personal_information == []
    approve(version, reviewers["compliance"])
    approve(version, reviewers["quality"])
    assert version.quality_grade == "B"
    approve(version, reviewers["registration"])
    assert version.status == V.PUBLIC_NOTICE
    # the notice runs three days on the business clock
    assert services.close_public_notices() == 0
    clock.set_simulated_time(at=version.notice_ends_at + timedelta(seconds=1))
    assert services.close_public_notices() == 1
    version.refresh_from_db()
    assert version.status == V.REGISTERED
    assert is_valid_certificate_number(version.certificate.number)
    assert version.certificate.number.startswith("DP-")
    assert version.product.registered_version == version
    # listing
    listing = services.apply_for_listing(
        product=version.product, actor=seller, boards=[Board.objects.get(code="credit")]
    )
    assert listing.status == ListingStatus.LISTING_REVIEW
    assert not CatalogEntry.objects.exists()
    review = services.claim_listing(listing=listing, actor=reviewers["committee"])
    services.decide_listing_review(
        listing=review.listing,
        actor=reviewers["committee"],
        decision=Decision.APPROVE,
        checklist=passing_checklist("listing"),
    )
    listing.refresh_from_db()
    assert listing.status == ListingStatus.LISTED
    # findable the moment it is listed, by Chinese words and by its board
    assert [e.listing_id for e in selectors.search_catalog(query="工商信息")] == [listing.pk]
    assert [e.listing_id for e in selectors.search_catalog(board="credit")] == [listing.pk]
    assert list(selectors.search_catalog(board="finance")) == []
    assert selectors.search_catalog().get().min_price_amount == Decimal("0.0028")
    # and gone the moment it is delisted
    services.delist_listing(listing=listing, actor=reviewers["registration"], reason="到期摘牌")
    assert list(selectors.search_catalog(query="工商信息")) == []


def test_undeclared_personal_information_goes_to_the_senior_queue(seller, reviewers):
    fields = [{"name": name, "type": "text"} for name in ("客户编号", "身份证号", "手机", "城市")]
    version = create_version(seller, sample=pi_sample(), name="客户画像数据", fields_schema=fields)
    submit(version, seller)
    report = version.check_report
    assert version.status == V.COMPLIANCE_REVIEW
    assert (report.risk_level, report.is_senior, version.is_senior_compliance) == (
        "high",
        True,
        True,
    )
    kinds = {(item["kind"], item["column"], item["count"]) for item in report.personal_information}
    assert ("resident_id", "身份证号", 5) in kinds
    assert ("mobile", "手机", 5) in kinds
    assert "undeclared_personal_information" in {f["code"] for f in report.findings}
    # a standard compliance reviewer does not see it, nor may claim it; a senior one does
    assert version not in selectors.version_queue(reviewers["compliance"], "compliance")
    assert version in selectors.version_queue(reviewers["senior"], "compliance")
    with pytest.raises(WrongQueue):
        services.claim_version(version=version, actor=reviewers["compliance"])
    assert (
        services.claim_version(version=version, actor=reviewers["senior"]).reviewer
        == reviewers["senior"]
    )


def test_core_data_is_refused_at_submission(seller):
    version = create_version(seller, classification="core")
    with pytest.raises(CoreDataRefused) as caught:
        services.submit_version(version=version, actor=seller)
    assert caught.value.field == "classification"
    version.refresh_from_db()
    assert version.status == V.DRAFT


def test_incomplete_sheet_lists_what_is_missing(seller):
    from listings.models import Board

    version = services.create_product(
        actor=seller, merchant=seller.organisation.merchants.get(), name="半成品", summary="x", product_type="api",
        board=Board.objects.get(code="finance"),
    )  # fmt: skip
    with pytest.raises(SheetIncomplete) as caught:
        services.submit_version(version=version, actor=seller)
    fields = {p.field for p in caught.value.field_problems()}
    assert {
        "scenarios",
        "plans",
        "sample",
        "documents",
        "fields_schema",
        "delivery_modes",
    } <= fields
    assert version.events.count() == 1


def test_unreadable_sample_is_refused_on_upload(seller):
    version = create_version(seller)
    with pytest.raises(RuleViolation) as caught:
        services.attach_sample(
            version=version,
            actor=seller,
            upload=SimpleUploadedFile("s.json", b'{"not": "an array"}'),
        )
    assert caught.value.field == "sample"


def test_return_for_changes_and_resubmit(seller, reviewers):
    version = create_version(seller)
    submit(version, seller)
    review = services.claim_version(version=version, actor=reviewers["compliance"])
    with pytest.raises(RuleViolation) as caught:
        services.decide_version_review(
            version=review.version, actor=reviewers["compliance"], decision=Decision.RETURN
        )
    assert caught.value.code == "reason_required"
    services.decide_version_review(
        version=review.version,
        actor=reviewers["compliance"],
        decision=Decision.RETURN,
        comments="请补充数据来源授权链条",
    )
    version.refresh_from_db()
    assert version.status == V.RETURNED
    services.update_version(
        version=version, actor=seller, data_source="授权来源：合作方A（附授权书）"
    )
    submit(version, seller)
    assert version.status == V.COMPLIANCE_REVIEW
    # the same reviewer may take the same stage again
    assert (
        services.claim_version(version=version, actor=reviewers["compliance"]).stage == "compliance"
    )


def test_reject_ends_the_version(seller, reviewers):
    version = create_version(seller)
    submit(version, seller)
    approve(version, reviewers["compliance"])
    review = services.claim_version(version=version, actor=reviewers["quality"])
    services.decide_version_review(
        version=review.version,
        actor=reviewers["quality"],
        decision=Decision.REJECT,
        comments="样本严重失真",
    )
    version.refresh_from_db()
    assert version.status == V.REJECTED
    with pytest.raises(InvalidTransition):
        services.submit_version(version=version, actor=seller)


def test_reviewer_of_the_merchants_own_organisation_gets_403(reviewers, exchange_org):
    from exchange.accounts.roles import Role
    from merchants.states import MerchantStatus
    from tests.factories import merchant_in

    # the exchange's own data business is a merchant; its compliance staff may not review it
    insider = make_user(role=Role.MERCHANT_ADMIN, organisation=exchange_org, username="insider")
    merchant_in(MerchantStatus.ACTIVE, applicant=insider, operator=make_user(role=Role.OPERATOR))
    version = create_version(insider)
    submit(version, insider)
    with pytest.raises(OwnOrganisation) as caught:
        services.claim_version(version=version, actor=reviewers["senior"])
    assert caught.value.http_status == 403
    assert not Review.objects.exists()


def test_one_person_does_one_stage(seller, reviewers, exchange_org):
    from exchange.accounts.roles import Role

    # someone who moved from compliance to quality review meanwhile
    switcher = reviewers["compliance"]
    version = create_version(seller)
    submit(version, seller)
    approve(version, switcher)
    switcher.role = Role.QUALITY_REVIEWER
    switcher.save(update_fields=["role"])
    with pytest.raises(SecondStage):
        services.claim_version(version=version, actor=switcher)


def test_one_claimant_at_a_time_and_claims_lapse(seller, reviewers, exchange_org):
    from exchange.accounts.roles import Role

    other = make_user(role=Role.COMPLIANCE_REVIEWER, organisation=exchange_org)
    version = create_version(seller)
    submit(version, seller)
    services.claim_version(version=version, actor=reviewers["compliance"])
    with pytest.raises(AlreadyClaimed):
        services.claim_version(version=version, actor=other)
    clock.set_simulated_time(at=clock.now() + timedelta(hours=3))
    # the first claimant can no longer decide; the lapsed claim is released and the item returns
    first = Review.objects.get()
    with pytest.raises(ClaimNotHeld):
        services.decide_version_review(
            version=first.version,
            actor=reviewers["compliance"],
            decision=Decision.APPROVE,
            checklist=passing_checklist("compliance"),
        )
    assert services.release_expired_claims() == 1
    assert services.claim_version(version=version, actor=other).reviewer == other


def test_approval_needs_every_dimension_passed(seller, reviewers):
    version = create_version(seller)
    submit(version, seller)
    review = services.claim_version(version=version, actor=reviewers["compliance"])
    checklist = passing_checklist("compliance")
    checklist["lawful_source"] = {"result": "fail", "comment": "授权不清"}
    del checklist["party"]
    with pytest.raises(ChecklistIncomplete) as caught:
        services.decide_version_review(
            version=review.version,
            actor=reviewers["compliance"],
            decision=Decision.APPROVE,
            checklist=checklist,
        )
    assert {(p.field, p.code) for p in caught.value.field_problems()} == {
        ("checklist.party", "required"),
        ("checklist.lawful_source", "failed_dimension"),
    }
    version.refresh_from_db()
    assert version.status == V.COMPLIANCE_REVIEW


def test_quality_scores_give_the_grade_and_the_board_minimum_holds(seller, reviewers):
    version = create_version(seller)
    submit(version, seller)
    approve(version, reviewers["compliance"])
    review = services.claim_version(version=version, actor=reviewers["quality"])
    services.decide_version_review(
        version=review.version,
        actor=reviewers["quality"],
        decision=Decision.APPROVE,
        scores=dict.fromkeys(GOOD_SCORES, 72),
    )
    version.refresh_from_db()
    assert version.quality_grade == "C"
    approve(version, reviewers["registration"])
    clock.set_simulated_time(at=version.notice_ends_at + timedelta(minutes=1))
    services.close_public_notices()
    version.refresh_from_db()
    with pytest.raises(NotListable) as caught:
        services.apply_for_listing(
            product=version.product, actor=seller, boards=[Board.objects.get(code="finance")]
        )
    assert [p.code for p in caught.value.field_problems()] == ["quality_grade"]
    listing = services.apply_for_listing(
        product=version.product, actor=seller, boards=[Board.objects.get(code="technology")]
    )
    assert listing.status == ListingStatus.LISTING_REVIEW


def test_upheld_objection_withdraws_the_product(seller, reviewers):
    from exchange.accounts.roles import Role

    version = create_version(seller)
    submit(version, seller)
    for stage in ("compliance", "quality", "registration"):
        approve(version, reviewers[stage])
    citizen = make_user(role=Role.BUYER)
    with pytest.raises(PermissionDeniedError):
        services.file_objection(version=version, actor=seller, reason="自己反对自己")
    objection = services.file_objection(
        version=version, actor=citizen, reason="数据来源涉嫌侵犯第三方权益"
    )
    clock.set_simulated_time(at=version.notice_ends_at + timedelta(days=1))
    assert services.close_public_notices() == 0  # a pending objection holds the registration
    services.decide_objection(
        objection=objection, actor=reviewers["registration"], uphold=True, note="异议成立"
    )
    version.refresh_from_db()
    assert version.status == V.WITHDRAWN
    assert version.certificate is None


def test_edited_listed_product_stays_on_sale_while_the_new_version_is_reviewed(seller, reviewers):
    version = register(create_version(seller), seller, reviewers)
    listing = services.apply_for_listing(
        product=version.product, actor=seller, boards=[Board.objects.get(code="credit")]
    )
    review = services.claim_listing(listing=listing, actor=reviewers["committee"])
    services.decide_listing_review(
        listing=review.listing,
        actor=reviewers["committee"],
        decision="approve",
        checklist=passing_checklist("listing"),
    )
    # a new version
    draft = services.start_new_version(product=version.product, actor=seller)
    assert (draft.number, draft.status, draft.name) == (2, V.DRAFT, version.name)
    with pytest.raises(ConflictError):
        services.start_new_version(product=version.product, actor=seller)
    services.update_version(version=draft, actor=seller, name="企业工商信息数据集（增强版）")
    changes = {
        change.field
        for change in selectors.version_diff(version, ProductVersion.objects.get(pk=draft.pk))
    }
    assert changes == {"name"}
    submit(draft, seller)
    # still on sale under the old name while the new version is reviewed
    assert [e.name for e in selectors.search_catalog()] == ["企业工商信息数据集"]
    draft.refresh_from_db()
    for stage in ("compliance", "quality", "registration"):
        approve(draft, make_reviewer(stage, reviewers))
    clock.set_simulated_time(at=draft.notice_ends_at + timedelta(minutes=1))
    services.close_public_notices()
    version.refresh_from_db()
    draft.refresh_from_db()
    assert (version.status, draft.status) == (V.SUPERSEDED, V.REGISTERED)
    assert [e.name for e in selectors.search_catalog(query="增强版")] == [
        "企业工商信息数据集（增强版）"
    ]
    # the second registration is a change registration (变更登记) appended to the log
    first, change = version.certificate, draft.certificate
    assert (change.action, change.original, change.log_index) == (
        "change",
        first,
        first.log_index + 1,
    )
    assert registry.status_of(first) == "changed" and registry.status_of(change) == "valid"
    assert registry.verify_certificate(change).ok


def make_reviewer(stage, reviewers):
    """A different reviewer for the second version's stage (one person, one stage of a product)."""
    from exchange.accounts.roles import Role

    role = {
        "compliance": Role.COMPLIANCE_REVIEWER,
        "quality": Role.QUALITY_REVIEWER,
        "registration": Role.OPERATOR,
    }[stage]
    return (
        reviewers[stage]
        if stage != "compliance"
        else make_user(role=role, organisation=reviewers["senior"].organisation)
    )


def test_listing_needs_a_registered_product_and_lists_once(seller, reviewers):
    version = create_version(seller)
    with pytest.raises(NotListable) as caught:
        services.apply_for_listing(
            product=version.product, actor=seller, boards=[Board.objects.get(code="credit")]
        )
    assert [p.code for p in caught.value.field_problems()] == ["not_registered"]
    register(version, seller, reviewers)
    services.apply_for_listing(
        product=version.product, actor=seller, boards=[Board.objects.get(code="credit")]
    )
    from exchange.errors import DuplicateError

    with pytest.raises(DuplicateError):
        services.apply_for_listing(
            product=version.product, actor=seller, boards=[Board.objects.get(code="credit")]
        )


def test_checks_run_once_even_when_the_task_runs_twice(seller):
    version = submit(create_version(seller), seller)
    assert (
        services.run_automated_checks(version_id=version.pk) is None
    )  # a redelivered task does nothing
    assert version.events.filter(to_status="compliance_review").count() == 1


def test_versions_waiting_together_are_checked_in_one_batch(seller, reviewers):
    from exchange.models import Notification

    versions = [create_version(seller, name=f"批量检查数据集{n}") for n in range(3)]
    versions.append(create_version(seller, sample=pi_sample(), name="含个人信息的数据集"))
    for version in versions:
        services.submit_version(version=version, actor=seller)  # their tasks wait (on commit)
    first = versions[0]

    report = services.run_automated_checks(version_id=first.pk)

    assert report.version_id == first.pk
    for version in versions:
        version.refresh_from_db()
        assert version.status == V.COMPLIANCE_REVIEW
        assert list(version.events.values_list("kind", flat=True))[-2:] == [
            "start_checks",
            "pass_checks",
        ]
        assert version.check_report.sample_profile["rows"] > 0
    assert [v.is_senior_compliance for v in versions] == [False, False, False, True]
    told = Notification.objects.filter(kind="product_for_compliance")
    assert set(
        told.filter(url__contains=f"/{versions[3].pk}/").values_list("recipient", flat=True)
    ) == {reviewers["senior"].pk}
    assert told.filter(url__contains=f"/{first.pk}/").count() >= 2
    # each version's own task, when it comes, finds it done and changes nothing
    assert services.run_automated_checks(version_id=versions[1].pk) is None
    assert (
        versions[1].events.count() == ProductVersion.objects.get(pk=versions[1].pk).events.count()
    )


def test_a_large_sample_is_checked_apart(
    seller, reviewers, monkeypatch, django_capture_on_commit_callbacks
):
    from listings.services import checks

    rows = CLEAN_SAMPLE.rstrip(b"\n").split(b"\n")
    longer = b"\n".join([*rows, *rows[1:] * 5]) + b"\n"
    small = create_version(seller, name="小样本")
    large = create_version(seller, name="大样本", sample=longer)
    for version in (small, large):
        services.submit_version(version=version, actor=seller)
    monkeypatch.setattr(checks, "BATCH_SAMPLE_BYTES", small.sample.size)

    with django_capture_on_commit_callbacks() as sent:
        services.run_automated_checks(version_id=small.pk)
    large.refresh_from_db()
    assert large.status == V.SUBMITTED  # not taken into the batch, and its task is sent again
    assert [
        (c.func.__self__.name, c.keywords) for c in sent if "checks" in c.func.__self__.name
    ] == [("listings.run_automated_checks", {"version_id": large.pk})]

    report = services.run_automated_checks(version_id=large.pk)
    large.refresh_from_db()
    assert (report.version_id, large.status) == (large.pk, V.COMPLIANCE_REVIEW)


def test_checks_whose_task_was_lost_are_sent_again(seller, reviewers, monkeypatch):
    from listings.services import checks

    waiting = create_version(seller, name="任务丢失的数据集")
    services.submit_version(version=waiting, actor=seller)
    recent = create_version(seller, name="刚提交的数据集")
    services.submit_version(version=recent, actor=seller)
    ProductVersion.objects.filter(pk=waiting.pk).update(
        updated_at=waiting.updated_at - checks.CHECKS_LOST_AFTER - timedelta(minutes=1)
    )
    sent = []
    monkeypatch.setattr(checks.check_task, "delay", lambda **kwargs: sent.append(kwargs))

    assert services.resume_lost_checks() == 1
    assert sent == [{"version_id": waiting.pk}]


def test_a_batch_stops_at_its_bytes_of_samples(
    seller, reviewers, monkeypatch, django_capture_on_commit_callbacks
):
    from listings.services import checks

    versions = [create_version(seller, name=f"样本总量{n}") for n in range(3)]
    for version in versions:
        services.submit_version(version=version, actor=seller)
    monkeypatch.setattr(checks, "BATCH_BYTES", 2 * versions[0].sample.size)

    with django_capture_on_commit_callbacks() as sent:
        services.run_automated_checks(version_id=versions[0].pk)

    statuses = list(
        ProductVersion.objects.filter(pk__in=[v.pk for v in versions])
        .order_by("pk")
        .values_list("status", flat=True)
    )
    # the version's own, then the newest waiting; the one left over gets its task sent again
    assert statuses == [V.COMPLIANCE_REVIEW, V.SUBMITTED, V.COMPLIANCE_REVIEW]
    assert [c.keywords for c in sent if "checks" in c.func.__self__.name] == [
        {"version_id": versions[1].pk}
    ]
