"""A data product from the merchant's sheet to the public catalogue, in headless chromium.

Every person logs in through the real login page, in a browser context of their own. Selectors do
not depend on the interface language: ``data-testid``, ``data-action``, field names and the
badges' ``status-<value>`` classes. Celery runs eagerly: the automated checks run in the live
server when the submission commits. Only the public notice's end is moved by the test, as beat
would: the business clock is set past it and ``close_public_notices`` is called.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from exchange.accounts.roles import OrganisationKind, Role
from listings.checklists import CHECKLISTS, QUALITY_INDICATORS
from listings.models import Board, Listing, ProductVersion, Scenario
from listings.states import ListingStatus, ReviewStage, VersionStatus
from merchants.states import MerchantStatus
from seeds.documents import pdf_bytes
from tests.browser.conftest import login_user
from tests.browser.test_onboarding import log_in
from tests.factories import CLEAN_SAMPLE, make_organisation, make_user, merchant_in

pytestmark = [
    pytest.mark.browser,
    # The live server answers from another thread, so the test cannot run inside a transaction;
    # serialized_rollback restores the boards and scenarios the migrations load after the flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
V = VersionStatus
NAME = "长三角企业工商信息数据集"
SEARCH_WORD = "工商"  # one word of the name, as jieba cuts it
FIELDS = "企业名称, text\n统一社会信用代码, text\n注册资本万元, integer\n成立日期, date\n行业, text"
DOCUMENT_KINDS = ("source_proof", "lawful_source", "compliance_report", "sample_agreement")


def status_class(status) -> re.Pattern:
    return re.compile(rf"(^|\s)status-{status}(\s|$)")


def expect_status(page, status) -> None:
    expect(page.get_by_test_id("status")).to_have_class(status_class(status))


def assert_fits_the_window(page) -> None:
    """Nothing (a long hash, a wide table) makes the page scroll sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the window"


@pytest.fixture
def people(applicant, operator, exchange_org):
    """The merchant admin of an active merchant, and a reviewer for every stage.

    ``applicant`` and ``operator`` come from the browser fixtures (real passwords); the operator
    works the registration stage. The compliance reviewer belongs to a third-party assessor.
    """
    merchant_in(
        MerchantStatus.ACTIVE,
        applicant=applicant,
        operator=make_user(role=Role.OPERATOR, organisation=exchange_org, username="merchant_op"),
    )
    assessor = make_organisation(
        kind=OrganisationKind.SERVICE_PROVIDER, name="浏览器测试律师事务所"
    )
    return {
        "merchant": applicant,
        ReviewStage.COMPLIANCE: login_user(
            role=Role.COMPLIANCE_REVIEWER, organisation=assessor, username="assessor"
        ),
        ReviewStage.QUALITY: login_user(
            role=Role.QUALITY_REVIEWER, organisation=exchange_org, username="quality"
        ),
        ReviewStage.REGISTRATION: operator,
        ReviewStage.LISTING: login_user(
            role=Role.LISTING_COMMITTEE, organisation=exchange_org, username="committee"
        ),
        "objector": login_user(
            role=Role.BUYER,
            organisation=make_organisation(kind=OrganisationKind.BUYER, name="浏览器测试买方"),
            username="objector",
        ),
    }


def fill_sheet(page, *, scenario_pk: int) -> None:
    form = page.get_by_test_id("sheet-form")
    form.locator("input[name=name]").fill(NAME)
    form.locator("textarea[name=summary]").fill("覆盖长三角地区企业的工商登记信息，按日更新。")
    form.locator("select[name=product_type]").select_option("dataset")
    form.locator("select[name=board]").select_option("credit")
    form.locator(f"input[name=scenarios][value='{scenario_pk}']").check()
    form.locator("textarea[name=data_source]").fill("公开的企业信用信息公示系统")
    form.locator("select[name=acquisition]").select_option("public")
    form.locator("textarea[name=fields_schema]").fill(FIELDS)
    form.locator("input[name=spatial_coverage]").fill("长三角")
    form.locator("select[name=update_frequency]").select_option("daily")
    form.locator("select[name=classification]").select_option("general")
    form.locator("input[name=delivery_modes][value=file]").check()
    form.locator("input[name='plans-plan_monthly']").fill("3000")


def fill_decision(page, stage: ReviewStage) -> None:
    """Approve, with every checklist item passed (and, for quality, the six scores)."""
    form = page.get_by_test_id("decision-form")
    form.locator("select[name=decision]").select_option("approve")
    checks = CHECKLISTS[stage]
    expect(form.locator("select[name^=check_]")).to_have_count(len(checks))
    for key in checks:
        form.locator(f"select[name=check_{key}]").select_option("pass")
    if stage == ReviewStage.QUALITY:
        for key in QUALITY_INDICATORS:
            form.locator(f"input[name=score_{key}]").fill("88")


def review(page, reviewer, *, stage: ReviewStage, version_pk: int, next_status, screenshot=None):
    """Find the version in the stage's queue, claim it, approve it."""
    log_in(page, reviewer)
    page.goto("/reviews/")
    page.locator(f"nav.tabs a[href='?stage={stage}']").click()
    expect(page).to_have_url(re.compile(rf"/reviews/\?stage={stage}$"))
    page.locator(f"[data-testid=queue] a[href='/products/versions/{version_pk}/']").click()
    expect(page).to_have_url(re.compile(rf"/products/versions/{version_pk}/$"))
    expect(page.get_by_test_id("decision-form")).to_have_count(0)
    page.locator("button[data-action=claim]").click()
    expect(page.get_by_test_id("decision-form")).to_be_visible()
    expect(page.locator("button[data-action=claim]")).to_have_count(0)
    if stage == ReviewStage.COMPLIANCE:
        # the reviewer opens the evidence they judge: the sample and a document of the material
        with page.expect_download() as sample:
            page.get_by_test_id("sample-download").click()
        assert sample.value.suggested_filename.endswith(".csv")
        assert b"\n" in Path(sample.value.path()).read_bytes()
        with page.expect_download() as document:
            page.get_by_test_id("document-download").first.click()
        assert Path(document.value.path()).read_bytes().startswith(b"%PDF")
    fill_decision(page, stage)
    if screenshot:
        assert_fits_the_window(page)
        page.screenshot(path=screenshot, full_page=True)
    page.locator("button[data-action=decide]").click()
    expect_status(page, next_status)
    expect(page.get_by_test_id("decision-form")).to_have_count(0)


def test_a_product_goes_from_the_sheet_to_the_catalogue(new_page, people, tmp_path, results_dir):
    # Read what the forms need before any page talks to the live server (SQLite shares the
    # connection between this thread and the server's).
    scenario_pk = Scenario.objects.get(code="financial_services").pk
    board_pk = Board.objects.get(code="credit").pk
    merchant = new_page()

    # given: the merchant admin writes the description sheet and saves the draft
    log_in(merchant, people["merchant"])
    merchant.goto("/products/new/")
    fill_sheet(merchant, scenario_pk=scenario_pk)
    merchant.get_by_test_id("sheet-form").locator("button[type=submit]").click()
    expect(merchant).to_have_url(re.compile(r"/products/versions/\d+/$"))
    expect_status(merchant, V.DRAFT)
    version_pk = int(re.search(r"/versions/(\d+)/$", merchant.url).group(1))

    # and: attaches the sample and the four required documents, each ticking off the checklist
    todo = merchant.locator("[data-testid=checklist] li")
    expect(todo).to_have_count(1 + len(DOCUMENT_KINDS))
    sample = tmp_path / "企业工商样例.csv"
    sample.write_bytes(CLEAN_SAMPLE)
    merchant.get_by_test_id("sample-form").locator("input[name=file]").set_input_files(sample)
    merchant.get_by_test_id("sample-form").locator("button[type=submit]").click()
    expect(todo).to_have_count(len(DOCUMENT_KINDS))
    for number, kind in enumerate(DOCUMENT_KINDS, start=1):
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(pdf_bytes(f"Product material: {kind}"))  # ASCII only
        upload = merchant.get_by_test_id("document-form")
        upload.locator("select[name=kind]").select_option(kind)
        upload.locator("input[name=file]").set_input_files(path)
        upload.locator("button[type=submit]").click()
        expect(
            merchant.locator("[data-testid=documents] tr:has(form[action*='/documents/'])")
        ).to_have_count(number)
    expect(merchant.get_by_test_id("checklist")).to_have_count(0)
    expect(merchant.get_by_test_id("check-report")).to_have_count(0)

    # when: they submit; the automated checks run when the submission commits
    merchant.locator("button[data-action=submit]").click()

    # then: the page shows the check report and the version waits for compliance review
    expect_status(merchant, V.COMPLIANCE_REVIEW)
    expect(merchant.get_by_test_id("check-report")).to_be_visible()
    expect(merchant.locator("[data-testid=check-report] [data-testid=profile]")).to_be_visible()
    expect(merchant.locator("button[data-action=submit]")).to_have_count(0)

    # when: a reviewer of each stage claims and approves it from their queue
    stages = (
        (ReviewStage.COMPLIANCE, V.QUALITY_REVIEW, None),
        (ReviewStage.QUALITY, V.REGISTRATION_REVIEW, results_dir / "review-path-decision.png"),
        (ReviewStage.REGISTRATION, V.PUBLIC_NOTICE, None),
    )
    for stage, next_status, screenshot in stages:
        review(
            new_page(),
            people[stage],
            stage=stage,
            version_pk=version_pk,
            next_status=next_status,
            screenshot=screenshot,
        )

    # and: a signed-in visitor objects from the public notice board ...
    merchant.reload()
    expect_status(merchant, V.PUBLIC_NOTICE)
    expect(merchant.get_by_test_id("certificate")).to_have_count(0)
    visitor = new_page()
    visitor.goto("/notices/")
    row = visitor.locator(f"[data-testid=notices] tr[data-version='{version_pk}']")
    expect(row.locator("a[href^='/accounts/login/']")).to_be_visible()  # log in to object
    log_in(visitor, people["objector"])
    visitor.goto("/notices/")
    row.locator("[data-action=object]").click()
    row.locator("textarea[name=reason]").fill("该数据的权属存在争议，请核实。")
    row.locator("[data-testid=objection-form] button[type=submit]").click()
    expect(visitor).to_have_url(re.compile(r"/products/objections/\d+/$"))
    expect_status(visitor, "pending")
    objection_url = visitor.url

    # ... which an operator dismisses from the objection's page, with a reason
    operator = new_page()
    log_in(operator, people[ReviewStage.REGISTRATION])
    operator.goto(objection_url)
    operator.locator("[data-testid=actions] textarea[name=reason]").fill(
        "权属证明齐全，异议不成立。"
    )
    operator.locator("[data-testid=actions] button[data-action=dismiss]").click()
    expect_status(operator, "dismissed")

    # and: the operator steps the business clock past the notice's end on the clock page; the
    # scheduled work (beat's job) registers the product at once
    operator.goto("/clock/")
    operator.get_by_test_id("clock-form").locator("input[name=days]").fill("4")
    operator.locator("button[data-action=advance]").click()
    expect(operator.locator(".messages .success")).to_be_visible()
    version = ProductVersion.objects.get(pk=version_pk)

    # then: the merchant's page shows the registered version and its certificate
    merchant.reload()
    expect_status(merchant, V.REGISTERED)
    version.refresh_from_db()
    expect(merchant.get_by_test_id("certificate")).to_have_text(version.certificate.number)
    assert_fits_the_window(merchant)

    # when: the merchant applies for listing on the credit board
    listing_form = merchant.get_by_test_id("listing-form")
    listing_form.locator(f"input[name=boards][value='{board_pk}']").check()
    listing_form.locator("button[data-action=list]").click()
    expect(merchant).to_have_url(re.compile(r"/listings/\d+/$"))
    expect_status(merchant, ListingStatus.LISTING_REVIEW)
    listing_pk = int(re.search(r"/listings/(\d+)/$", merchant.url).group(1))

    # and: a member of the listing committee claims and approves it
    committee = new_page()
    log_in(committee, people[ReviewStage.LISTING])
    committee.goto(f"/listings/{listing_pk}/")
    expect_status(committee, ListingStatus.LISTING_REVIEW)
    committee.locator("button[data-action=claim]").click()
    expect(committee.get_by_test_id("decision-form")).to_be_visible()
    fill_decision(committee, ReviewStage.LISTING)
    committee.locator("button[data-action=decide]").click()
    expect_status(committee, ListingStatus.LISTED)

    # then: an anonymous visitor finds it by a Chinese word of its name (HTMX live search) ...
    visitor = new_page()
    visitor.goto("/catalog/")
    results = visitor.locator("[data-testid=catalog-results] article")
    expect(results).to_have_count(1)
    search = visitor.get_by_test_id("catalog-form").locator("input[name=q]")
    with visitor.expect_response(
        lambda r: "q=%E5%8C%BA" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        search.press_sequentially("区块链")  # not in the product: nothing matches
    expect(results).to_have_count(0)
    search.clear()
    with visitor.expect_response(
        lambda r: "q=%E5%B7%A5%E5%95%86" in r.url and r.request.headers.get("hx-request") == "true"
    ) as response:
        search.press_sequentially(SEARCH_WORD)
    assert response.value.ok
    expect(visitor).to_have_url(re.compile(r"/catalog/\?.*q=%E5%B7%A5%E5%95%86"))
    expect(results).to_have_count(1)
    item_link = results.locator(f"a[href='/catalog/{listing_pk}/']")
    expect(item_link).to_have_text(NAME)

    # ... and opens its public page, which shows the registration number
    item_link.click()
    expect(visitor).to_have_url(re.compile(rf"/catalog/{listing_pk}/$"))
    expect(visitor.get_by_test_id("registration")).to_contain_text(version.certificate.number)
    expect(visitor.get_by_test_id("review-outcome").locator("li")).to_have_count(3)
    assert_fits_the_window(visitor)
    visitor.screenshot(path=results_dir / "review-path-catalog-item.png", full_page=True)

    version.refresh_from_db()
    listing = Listing.objects.get(pk=listing_pk)
    assert (version.status, listing.status) == (V.REGISTERED, ListingStatus.LISTED)
    assert version.name == NAME
    assert [f["name"] for f in version.fields_schema] == [
        "企业名称",
        "统一社会信用代码",
        "注册资本万元",
        "成立日期",
        "行业",
    ]
    assert version.sample_name == sample.name
    assert sorted(version.documents.values_list("kind", flat=True)) == sorted(DOCUMENT_KINDS)
    assert [(p.kind, str(p.price_amount)) for p in version.plans.all()] == [
        ("monthly", "3000.0000")
    ]
    decided = version.reviews.filter(decided_at__isnull=False).order_by("decided_at")
    assert [(r.stage, r.reviewer, r.decision) for r in decided] == [
        (stage, people[stage], "approve")
        for stage in (ReviewStage.COMPLIANCE, ReviewStage.QUALITY, ReviewStage.REGISTRATION)
    ]
    assert list(listing.boards.values_list("code", flat=True)) == ["credit"]
    assert listing.reviews.get().reviewer == people[ReviewStage.LISTING]
