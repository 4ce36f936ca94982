"""Product pages say what happens next, and a merchant that may not create products is told so
before it fills in the sheet (issue 8 §2)."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from exchange.accounts.roles import Role
from listings import services
from listings.models import Board, Product, ProductVersion
from listings.states import VersionStatus
from merchants import services as merchant_services
from merchants.states import MerchantStatus
from tests.factories import create_version, make_user, merchant_in
from tests.listings.conftest import approve, passing_checklist, register, submit
from tests.listings.test_views import sheet_form

pytestmark = pytest.mark.django_db
V = VersionStatus
S = MerchantStatus


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def next_step(response) -> str:
    match = re.search(r'data-testid="next-step">(.*?)</p>', response.content.decode(), re.S)
    assert match, "the page says nothing about what happens next"
    return match.group(1)


# --- who may create a product ----------------------------------------------------------------


@pytest.fixture
def standing(exchange_org):
    """A merchant admin whose organisation is at ``status`` (None: it never applied)."""

    def at(status):
        admin = make_user(role=Role.MERCHANT_ADMIN, username=f"admin_{status}")
        if status is not None:
            operator = make_user(role=Role.OPERATOR, organisation=exchange_org)
            merchant_in(status, applicant=admin, operator=operator)
        return admin

    return at


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (None, "本机构还不是数商"),
        (S.SUBMITTED, "本机构的入驻尚未完成"),
        (S.SIGNING, "协议已发出但尚未签署"),
        (S.SUSPENDED, "交易所已暂停本机构的数商资格"),
    ],
)
def test_a_merchant_that_is_not_active_is_told_before_filling_the_sheet(standing, status, words):
    admin = standing(status)
    client = logged_in(admin)

    page = client.get("/products/new/")

    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-testid="cannot-create"' in content and words in content
    assert 'data-testid="sheet-form"' not in content
    if status is not None:
        assert f'status-{status}"' in content  # the standing, named
        assert 'data-testid="merchant-status"' in content
    # the sheet posted anyway creates nothing
    refused = client.post("/products/new/", sheet_form())
    assert refused.status_code == 200
    assert 'data-testid="cannot-create"' in refused.content.decode()
    assert (Product.objects.count(), ProductVersion.objects.count()) == (0, 0)
    # "our products" says it too, and offers no "new product" button
    products = client.get("/products/").content.decode()
    assert 'data-testid="cannot-create"' in products
    assert 'href="/products/new/"' not in products


def test_an_active_merchant_gets_the_sheet_and_the_button(seller):
    client = logged_in(seller)
    assert 'data-testid="sheet-form"' in client.get("/products/new/").content.decode()
    products = client.get("/products/").content.decode()
    assert 'href="/products/new/"' in products
    assert 'data-testid="cannot-create"' not in products


def test_people_without_a_merchant_role_are_still_refused(exchange_org):
    buyer = make_user(role=Role.BUYER, username="a_buyer")
    assert logged_in(buyer).get("/products/new/").status_code == 403


# --- what happens next -------------------------------------------------------------------------


def test_the_version_page_says_what_happens_next_at_each_stage(seller, reviewers):
    version = create_version(seller)
    page = f"/products/versions/{version.pk}/"
    assert "然后由数商管理员提交审核" in next_step(logged_in(seller).get(page))

    submit(version, seller)
    assert "合规审核员" in next_step(logged_in(seller).get(page))

    approve(version, reviewers["compliance"])
    approve(version, reviewers["quality"])
    approve(version, reviewers["registration"])
    assert version.status == V.PUBLIC_NOTICE
    line = next_step(logged_in(seller).get(page))
    ends = timezone.localtime(version.notice_ends_at).strftime("%Y-%m-%d %H:%M")
    assert f"公示至 {ends}" in line and "提出异议" in line


def test_the_listing_and_objection_pages_say_what_happens_next(seller, reviewers, exchange_org):
    version = register(create_version(seller), seller, reviewers)
    listing = services.apply_for_listing(
        product=version.product, actor=seller, boards=[Board.objects.get(code="credit")]
    )
    listing_page = f"/listings/{listing.pk}/"
    assert "挂牌审核委员会" in next_step(logged_in(seller).get(listing_page))
    services.claim_listing(listing=listing, actor=reviewers["committee"])
    services.decide_listing_review(
        listing=listing,
        actor=reviewers["committee"],
        decision="approve",
        checklist=passing_checklist("listing"),
    )
    assert "已上架" in next_step(logged_in(seller).get(listing_page))

    noticed = submit(create_version(seller, name="另一个数据产品"), seller)
    for stage in ("compliance", "quality", "registration"):
        approve(noticed, reviewers[stage])
    objector = make_user(role=Role.BUYER, username="objector")
    objection = services.file_objection(version=noticed, actor=objector, reason="权属有争议")
    assert "异议待处理期间，产品不予登记" in next_step(
        logged_in(objector).get(f"/products/objections/{objection.pk}/")
    )


def test_staff_see_that_the_merchant_admin_submits_the_version(seller):
    version = create_version(seller)
    staff = make_user(role=Role.MERCHANT_STAFF, organisation=seller.organisation, username="st")

    staff_page = logged_in(staff).get(f"/products/versions/{version.pk}/")
    admin_page = logged_in(seller).get(f"/products/versions/{version.pk}/")

    assert staff_page.context["buttons"] == []
    assert [a.name for a in staff_page.context["admin_steps"]] == ["submit", "withdraw"]
    content = staff_page.content.decode()
    assert 'data-testid="admin-steps"' in content and "提交审核" in content
    assert admin_page.context["admin_steps"] == []
    assert 'data-action="submit"' in admin_page.content.decode()


def test_a_suspended_merchants_new_product_page_names_the_suspension(seller, exchange_org):
    merchant = seller.organisation.merchants.get()
    operator = make_user(role=Role.OPERATOR, organisation=exchange_org, username="suspender")
    merchant_services.suspend_merchant(merchant=merchant, actor=operator, reason="整改")
    page = logged_in(seller).get("/products/new/")
    assert page.context["merchant"] == merchant
    assert page.context["can_create"] is False
    assert "挂牌产品暂停销售" in page.content.decode()
