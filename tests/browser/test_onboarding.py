"""Merchant onboarding end to end, in headless chromium against the live server.

People log in through the real login page. Selectors do not depend on the interface language:
``data-testid``, ``data-action`` and field names; statuses are read from the badges'
``status-<value>`` classes.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import translation
from playwright.sync_api import expect

from exchange.creditcode import validate_credit_code
from merchants.models import Category, Merchant, MerchantEvent
from merchants.states import MerchantStatus
from seeds.documents import pdf_bytes
from tests.factories import PASSWORD, credit_code, merchant_in

pytestmark = [
    pytest.mark.browser,
    # The live server answers from another thread, so the test cannot run inside a transaction;
    # serialized_rollback restores the categories the migrations load after the flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
S = MerchantStatus
DOCUMENT_KINDS = ("business_licence", "security_system", "clean_record")


def status_class(status) -> re.Pattern:
    return re.compile(rf"(^|\s)status-{S(status).value}(\s|$)")


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill(user.username)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action='/accounts/logout/']")).to_be_visible()


def log_out(page) -> None:
    page.locator("form[action='/accounts/logout/'] button").click()
    expect(page.locator("header a[href='/accounts/login/']")).to_be_visible()


def follow_nav(page, href: str) -> None:
    """Click a navigation link, opening its group's menu first (the operator's "Work" menu)."""
    link = page.locator(f"nav a[href='{href}']")
    group = page.locator("nav details.navgroup", has=page.locator(f"a[href='{href}']"))
    if group.count() and group.get_attribute("open") is None:
        group.locator("summary").click()
    link.click()


def act(page, action: str, status) -> None:
    """Press the action button ``action`` and wait for the page to show ``status``."""
    page.locator(f"[data-testid=actions] button[data-action={action}]").click()
    expect(page.get_by_test_id("status")).to_have_class(status_class(status))


def unread_count(page) -> int:
    badge = page.get_by_test_id("unread-count")
    return int(badge.inner_text()) if badge.count() else 0


def fill_application(page, *, company: str, code: str) -> None:
    # Read first: once the credit code is typed, the page's live check talks to the server, and
    # with SQLite the live server shares this thread's connection.
    categories = Category.objects.filter(code__in=["supply_demand", "supplier"])
    category_pks = list(categories.values_list("pk", flat=True))
    assert len(category_pks) == 2
    form = page.get_by_test_id("application-form")
    form.locator("input[name=company_name]").fill(company)
    form.locator("input[name=credit_code]").fill(code)
    form.locator("input[name=credit_code]").blur()  # the live check runs on change
    form.locator("input[name=legal_representative]").fill("张三")
    form.locator("input[name=registered_address]").fill("上海市浦东新区世纪大道100号")
    form.locator("select[name=district]").select_option("pudong")
    form.locator("input[name=contact_name]").fill("李四")
    form.locator("input[name=contact_phone]").fill("13812345678")
    form.locator("input[name=contact_email]").fill("contact@example.com")
    for pk in category_pks:
        form.locator(f"input[name=categories][value='{pk}']").check()
    form.locator("textarea[name=business_scope]").fill("数据产品开发与数据服务")
    form.locator("input[name=sources-0-name]").fill("企业自有经营数据")
    form.locator("select[name=sources-0-acquisition]").select_option("collected")
    form.locator("input[name=has_data_security_system]").check()
    form.locator("input[name=clean_record_declared]").check()


def test_onboarding_from_application_to_signed_agreement(
    new_page, applicant, operator, tmp_path, results_dir
):
    page = new_page()
    company, code = "上海浏览器测试数据科技有限公司", credit_code()

    # given: the applicant opens the application form from the navigation
    log_in(page, applicant)
    follow_nav(page, "/merchants/mine/")
    expect(page).to_have_url(re.compile(r"/merchants/apply/$"))

    # when: they fill it in and save the draft
    fill_application(page, company=company, code=code)
    expect(page.get_by_test_id("credit-code-check")).to_have_class(re.compile(r"\bgood\b"))
    page.get_by_test_id("application-form").locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/merchants/\d+/$"))
    expect(page.get_by_test_id("status")).to_have_class(status_class(S.DRAFT))
    expect(page.get_by_test_id("checklist")).to_be_visible()

    # and: upload the three required documents
    upload = page.get_by_test_id("upload-form")
    for number, kind in enumerate(DOCUMENT_KINDS, start=1):
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(pdf_bytes(f"Credit code {code}", kind))  # ASCII only
        upload.locator("select[name=kind]").select_option(kind)
        upload.locator("input[name=file]").set_input_files(path)
        upload.locator("button[type=submit]").click()
        expect(page.locator("[data-testid=documents] a[href*='/documents/']")).to_have_count(number)
    expect(page.get_by_test_id("checklist")).to_have_count(0)

    # and: submit, then log out
    act(page, "submit", S.SUBMITTED)
    log_out(page)

    # then: an operator finds it in the queue and takes it through review to the agreement
    log_in(page, operator)
    follow_nav(page, "/merchants/queue/")
    page.get_by_test_id("merchant-table").get_by_role("link", name=company).click()
    expect(page.get_by_test_id("status")).to_have_class(status_class(S.SUBMITTED))
    act(page, "start-review", S.UNDER_REVIEW)
    act(page, "approve", S.APPROVED)
    act(page, "issue-agreement", S.SIGNING)
    log_out(page)

    # and: the applicant signs
    log_in(page, applicant)
    follow_nav(page, "/merchants/mine/")
    expect(page.get_by_test_id("status")).to_have_class(status_class(S.SIGNING))
    act(page, "sign", S.ACTIVE)

    # then: the page shows the active merchant and every move in its timeline
    moves = page.locator("[data-testid=events] li .badge")
    expect(moves).to_have_class(
        [status_class(s) for s in (S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED, S.SIGNING, S.ACTIVE)]
    )
    expect(page.get_by_test_id("current-status")).to_have_class(status_class(S.ACTIVE))
    expect(page.locator("[data-testid=actions] button")).to_have_count(0)
    page.screenshot(path=results_dir / "onboarding.png", full_page=True)

    merchant = Merchant.objects.get()
    assert (merchant.status, merchant.company_name, merchant.credit_code) == (
        S.ACTIVE,
        company,
        code,
    )
    assert merchant.organisation == applicant.organisation
    assert merchant.reviewer == operator
    assert merchant.agreement.signed_by == applicant
    assert sorted(merchant.categories.values_list("code", flat=True)) == [
        "supplier",
        "supply_demand",
    ]
    assert merchant.data_sources == [
        {"name": "企业自有经营数据", "acquisition": "collected", "description": ""}
    ]
    assert sorted(merchant.documents.values_list("kind", flat=True)) == sorted(DOCUMENT_KINDS)
    assert list(
        merchant.events.exclude(from_status=F("to_status"))
        .order_by("pk")
        .values_list("from_status", "to_status")
    ) == [
        (S.DRAFT, S.SUBMITTED),
        (S.SUBMITTED, S.UNDER_REVIEW),
        (S.UNDER_REVIEW, S.APPROVED),
        (S.APPROVED, S.SIGNING),
        (S.SIGNING, S.ACTIVE),
    ]


def test_an_invalid_credit_code_is_refused_naming_the_check_character(page, applicant):
    wrong = "9144030071526726XH"
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as refusal:
            validate_credit_code(wrong)
        expected = refusal.value.messages[0]
    assert refusal.value.code == "check_character"
    assert "G" in expected and "H" in expected  # the right check character, and the wrong one

    log_in(page, applicant)
    page.goto("/merchants/apply/")
    fill_application(page, company="上海校验码测试有限公司", code=wrong)
    # The live check already says it while typing ...
    check = page.get_by_test_id("credit-code-check")
    expect(check).to_have_class(re.compile(r"\bbad\b"))
    expect(check).to_contain_text(expected)
    # ... and saving is refused on the field.
    page.get_by_test_id("application-form").locator("button[type=submit]").click()

    field = page.locator("[data-field=credit_code]")
    expect(field).to_have_class(re.compile(r"\bfield-error\b"))
    expect(field.locator(".errorlist")).to_have_text(expected)
    expect(page).to_have_url(re.compile(r"/merchants/apply/$"))
    expect(page.locator("input[name=credit_code]")).to_have_value(wrong)
    assert Merchant.objects.count() == 0
    assert MerchantEvent.objects.count() == 0


def test_operator_asks_for_more_information_and_the_applicant_reads_why(
    new_page, applicant, operator
):
    merchant = merchant_in(S.UNDER_REVIEW, applicant=applicant, operator=operator)
    reason = "请补充数据来源的授权文件（Please add the data-source licences）"
    applicant_page, operator_page = new_page(), new_page()

    # given: the applicant looks at the application under review
    log_in(applicant_page, applicant)
    applicant_page.goto(f"/merchants/{merchant.pk}/")
    expect(applicant_page.get_by_test_id("status")).to_have_class(status_class(S.UNDER_REVIEW))
    unread_before = unread_count(applicant_page)

    # when: the operator asks for more information, with the reason
    log_in(operator_page, operator)
    operator_page.goto(f"/merchants/{merchant.pk}/")
    operator_page.locator("[data-testid=actions] textarea[name=reason]").fill(reason)
    act(operator_page, "request-information", S.INFO_REQUESTED)

    # then: the applicant's page shows the new state, the reason and one more notification
    applicant_page.reload()
    expect(applicant_page.get_by_test_id("status")).to_have_class(status_class(S.INFO_REQUESTED))
    expect(applicant_page.locator("[data-testid=events] li").last).to_contain_text(reason)
    expect(applicant_page.locator("[data-testid=events] blockquote")).to_have_text([reason])
    expect(applicant_page.get_by_test_id("unread-count")).to_have_text(str(unread_before + 1))
    expect(applicant_page.locator("button[data-action=resubmit]")).to_be_visible()

    merchant.refresh_from_db()
    assert merchant.status == S.INFO_REQUESTED
    event = merchant.events.latest("pk")
    assert (event.from_status, event.to_status, event.reason) == (
        S.UNDER_REVIEW,
        S.INFO_REQUESTED,
        reason,
    )
    assert applicant.notifications.filter(read_at__isnull=True).count() == unread_before + 1


def test_the_english_button_switches_the_page_language(page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    english = page.locator("button[name=language][value=en]")
    expect(english).to_have_text("English")
    english.click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("button[name=language][value=en]")).to_have_class(re.compile(r"\bactive\b"))
    page.goto("/merchants/")  # the choice sticks for the next page
    expect(page.locator("html")).to_have_attribute("lang", "en")
