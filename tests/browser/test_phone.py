"""The key pages on a phone (390 × 844, as an iPhone 12–15), in headless chromium: nothing makes
the page wider than the screen (a wide table scrolls inside its own box), and the navigation folds
behind a menu button that opens it.

Screenshots go to the git-ignored ``test-results/phone-*.png`` for a person to look at.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from exchange import clock
from exchange.accounts.roles import OrganisationKind, Role
from listings import services
from listings.models import Board
from merchants.states import MerchantStatus
from tests.browser.conftest import TIMEOUT_MS
from tests.factories import (
    PASSWORD,
    advance_to,
    create_application,
    create_version,
    make_organisation,
    make_user,
    merchant_in,
)
from tests.listings.conftest import approve, passing_checklist, register, submit

pytestmark = [
    pytest.mark.browser,
    # The live server answers from another thread, so the test cannot run inside a transaction;
    # serialized_rollback restores the reference data the migrations load after the flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PHONE = {"width": 390, "height": 844}
# Sub-pixel rounding may add one pixel to the scroll width.
TOLERANCE_PX = 1


@pytest.fixture
def world(applicant, operator, exchange_org):
    """An active merchant with a product on sale, one in public notice and one in the
    registration queue; the merchant's admin and an operator log in with real passwords."""
    merchant = merchant_in(
        MerchantStatus.ACTIVE,
        applicant=applicant,
        operator=make_user(role=Role.OPERATOR, organisation=exchange_org, username="onboarder"),
    )
    assessor = make_organisation(kind=OrganisationKind.SERVICE_PROVIDER, name="手机测试律师事务所")
    compliance = make_user(role=Role.COMPLIANCE_REVIEWER, organisation=assessor)
    reviewers = {
        "compliance": compliance,
        "senior": compliance,
        "quality": make_user(role=Role.QUALITY_REVIEWER, organisation=exchange_org),
        "registration": operator,
        "committee": make_user(role=Role.LISTING_COMMITTEE, organisation=exchange_org),
    }
    on_sale = register(create_version(applicant), applicant, reviewers)
    listing = services.apply_for_listing(
        product=on_sale.product, actor=applicant, boards=[Board.objects.get(code="credit")]
    )
    services.claim_listing(listing=listing, actor=reviewers["committee"])
    services.decide_listing_review(
        listing=listing,
        actor=reviewers["committee"],
        decision="approve",
        checklist=passing_checklist("listing"),
    )
    clock.set_simulated_time(at=clock.now() + timedelta(hours=1))
    noticed = submit(create_version(applicant, name="长三角港口集装箱作业明细数据集"), applicant)
    for stage in ("compliance", "quality", "registration"):
        approve(noticed, reviewers[stage])
    queued = submit(create_version(applicant, name="企业招聘岗位数据"), applicant)
    for stage in ("compliance", "quality"):
        approve(queued, reviewers[stage])
    # an application waiting for the operators, with the long words real ones have
    other = make_user(role=Role.MERCHANT_ADMIN, username="waiting_admin")
    waiting = advance_to(
        create_application(
            other,
            company_name="上海松江科创园区智能制造与工业互联网数据服务有限公司",
            contact_email="data-compliance-office@songjiang-science-park-data.example.com",
        ),
        MerchantStatus.SUBMITTED,
        applicant=other,
        operator=operator,
    )
    return {
        "waiting": waiting,
        "merchant": merchant,
        "listing": listing,
        "version": on_sale,
        "applicant": applicant,
        "operator": operator,
    }


@pytest.fixture
def phone(browser, live_server):
    """Open a page on a phone-sized screen, signed in as ``user`` (or not signed in)."""
    contexts = []

    def open_page(user=None):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            page.goto("/accounts/login/")
            page.locator("main input[name=username]").fill(user.username)
            page.locator("main input[name=password]").fill(PASSWORD)
            page.locator("main form button[type=submit]").click()
            expect(page.locator("form[action='/accounts/logout/']")).to_have_count(1)
        return page

    yield open_page
    for context in contexts:
        context.close()


def overflow_of(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]


def test_the_key_pages_fit_a_phone(world, phone, results_dir):
    listing, version = world["listing"], world["version"]
    visits = {
        None: [
            ("home", "/"),
            ("catalogue", "/catalog/"),
            ("catalogue-item", f"/catalog/{listing.pk}/"),
            ("directory", "/merchants/"),
            ("notices", "/notices/"),
            ("registry", "/registry/"),
        ],
        world["applicant"]: [
            ("application", f"/merchants/{world['merchant'].pk}/"),
            ("version", f"/products/versions/{version.pk}/"),
            ("our-products", "/products/"),
        ],
        world["operator"]: [
            ("review-queue", "/reviews/?stage=registration"),
            ("merchant-queue", "/merchants/queue/"),
            ("waiting-application", f"/merchants/{world['waiting'].pk}/"),
        ],
    }
    too_wide = {}
    for user, pages in visits.items():
        page = phone(user)
        for name, path in pages:
            response = page.goto(path)
            assert response.status == 200, path
            page.screenshot(path=results_dir / f"phone-{name}.png", full_page=True)
            if overflow_of(page) > TOLERANCE_PX:
                too_wide[path] = overflow_of(page)
    assert too_wide == {}, f"wider than a {PHONE['width']} px screen: {too_wide}"


def test_the_navigation_folds_behind_a_menu_button_on_a_phone(world, phone, results_dir):
    page = phone(world["operator"])
    page.goto("/notices/")
    # folded: the links are not shown, the button is
    expect(page.locator("nav.mainnav")).to_be_hidden()
    menu = page.get_by_test_id("menu-button")
    expect(menu).to_be_visible()
    assert page.evaluate("document.querySelector('header').getBoundingClientRect().height") < 100

    # opened: every link of the navigation, the grouped work menu too, within the screen
    menu.click()
    expect(page.locator("nav.mainnav")).to_be_visible()
    page.locator("details.navgroup summary").first.click()
    queue = page.locator("nav a[href='/merchants/queue/']")
    expect(queue).to_be_visible()
    box = queue.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    expect(page.locator("form[action='/accounts/logout/'] button")).to_be_visible()
    assert overflow_of(page) <= TOLERANCE_PX
    page.screenshot(path=results_dir / "phone-menu.png", full_page=True)
    queue.click()
    expect(page).to_have_url(re.compile(r"/merchants/queue/$"))
