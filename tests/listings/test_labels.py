"""Human labels on the product pages, in both languages: choices by their names, checklist results
and quality scores in words, prices as money, and the catalogue's filters (issue 8 §2)."""

import re
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.test import Client

from exchange.accounts.roles import Role
from exchange.money import format_amount, plain_amount
from listings import services
from listings.models import Board, CatalogEntry, ProductVersion
from listings.states import ListingStatus
from merchants.states import MerchantStatus
from tests.factories import create_version, make_user, merchant_in
from tests.listings.conftest import passing_checklist, register, submit
from tests.listings.test_views import sheet_form

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


@pytest.fixture
def listed(seller, reviewers):
    """A registered product of ``seller`` (plans ¥3,000.00 a month and ¥0.0028 a call), on sale."""
    version = register(create_version(seller), seller, reviewers)
    listing = services.apply_for_listing(
        product=version.product, actor=seller, boards=[Board.objects.get(code="credit")]
    )
    services.claim_listing(listing=listing, actor=reviewers["committee"])
    services.decide_listing_review(
        listing=listing,
        actor=reviewers["committee"],
        decision="approve",
        checklist={
            **passing_checklist("listing"),
            "pricing": {"result": "pass", "comment": "价格合理"},
        },
    )
    listing.refresh_from_db()
    assert listing.status == ListingStatus.LISTED
    return listing


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- choices by their names --------------------------------------------------------------------


def test_delivery_modes_and_column_types_read_by_their_names(seller):
    # delivers by ["api", "file"]; 注册资本万元 is an integer; checked, so its sample is profiled
    version = submit(create_version(seller), seller)
    page = text_of(logged_in(seller).get(f"/products/versions/{version.pk}/"))

    assert 'data-testid="delivery-modes">API、文件或数据包<' in page
    assert "api, file" not in page
    assert "<code>注册资本万元</code> <small>整数</small>" in page
    assert "<small>integer</small>" not in page
    assert "<td>整数</td>" in page  # the sample's profile

    english_page = text_of(english(logged_in(seller)).get(f"/products/versions/{version.pk}/"))
    assert 'data-testid="delivery-modes">API, File or data package<' in english_page
    assert "<code>注册资本万元</code> <small>Integer</small>" in english_page


def test_the_sheet_form_names_the_types_and_accepts_them_by_name(seller):
    client = logged_in(seller)
    form = text_of(client.get("/products/new/"))
    assert "integer（整数）" in form and "boolean（是/否）" in form

    client.post(
        "/products/new/",
        sheet_form(fields_schema="企业名称, 文本\n注册资本万元, 整数\n成立日期, Date"),
    )
    version = ProductVersion.objects.get(name="页面创建的数据产品")
    assert [f["type"] for f in version.fields_schema] == ["text", "integer", "date"]


def test_the_diff_page_shows_names_and_money(seller, reviewers):
    version = register(create_version(seller), seller, reviewers)
    draft = services.start_new_version(product=version.product, actor=seller)
    services.update_version(
        version=draft,
        actor=seller,
        delivery_modes=["file"],
        plans=[{"kind": "monthly", "price_amount": Decimal("3500")}],
    )
    page = logged_in(seller).get(f"/products/versions/{draft.pk}/diff/{version.pk}/")
    changes = {change.field: change for change in page.context["changes"]}

    assert (changes["delivery_modes"].old, changes["delivery_modes"].new) == (
        "API, 文件或数据包",
        "文件或数据包",
    )
    assert changes["plans"].new == "按月订阅: ¥3,500.00"
    assert changes["plans"].label == "定价方案"
    assert "3500.0000" not in page.content.decode()


# --- review outcomes in words --------------------------------------------------------------------


def test_checklist_results_and_quality_scores_read_in_words_on_the_public_pages(listed, seller):
    item = text_of(Client().get(f"/catalog/{listed.pk}/"))
    assert "主体合规：主体合法存续，无违法违规记录：通过" in item
    assert "规范性：88/100" in item
    assert "party" not in item and ": pass" not in item
    # the grade with its meaning and its scale (settings.QUALITY_GRADE_THRESHOLDS)
    assert re.search(r'data-testid="quality-grade".*?<strong>B</strong> 良好', item)
    assert "A ≥ 90 · B ≥ 80 · C ≥ 70 · D ≥ 60 · E &lt; 60" in item
    assert "每项 0–100 分" in item

    listing_page = text_of(logged_in(seller).get(f"/listings/{listed.pk}/"))
    assert "无场景不交易：应用场景真实：通过" in listing_page
    assert "价格合理" in listing_page
    assert "<strong>B</strong> 良好" in listing_page

    catalogue = text_of(Client().get("/catalog/"))
    assert "<strong>B</strong> 良好" in catalogue


def test_the_grade_scale_follows_the_setting(listed, settings):
    settings.QUALITY_GRADE_THRESHOLDS = [("A", 95), ("B", 85), ("C", 75), ("D", 50)]
    item = text_of(Client().get(f"/catalog/{listed.pk}/"))
    assert "A ≥ 95 · B ≥ 85 · C ≥ 75 · D ≥ 50 · E &lt; 50" in item


# --- money ----------------------------------------------------------------------------------------


def test_prices_read_as_money_on_every_page(listed, seller):
    version = listed.product.registered_version
    pages = {
        "catalogue": Client().get("/catalog/"),
        "item": Client().get(f"/catalog/{listed.pk}/"),
        "listing": logged_in(seller).get(f"/listings/{listed.pk}/"),
        "version": logged_in(seller).get(f"/products/versions/{version.pk}/"),
    }
    for name, response in pages.items():
        content = response.content.decode()
        assert "¥0.0028" in content, name
        assert "3000.0000" not in content and "0.0028000" not in content, name
        if name != "catalogue":  # the catalogue card shows the lowest price only
            assert "¥3,000.00" in content, name


def test_the_sheet_form_shows_prices_with_the_places_they_need(seller):
    version = create_version(seller)
    content = logged_in(seller).get(f"/products/versions/{version.pk}/edit/").content.decode()
    assert 'value="3000.00"' in content and 'value="0.0028"' in content
    assert "3000.0000" not in content


def test_the_admin_catalogue_list_shows_money(listed):
    entry = CatalogEntry.objects.get(listing=listed)
    admin = site._registry[CatalogEntry]
    assert "lowest_price" in admin.list_display
    assert admin.lowest_price(entry) == "¥0.0028"


@pytest.mark.parametrize(
    ("amount", "shown", "plain"),
    [
        (Decimal("1500.0000"), "¥1,500.00", "1500.00"),
        (Decimal("0.0028"), "¥0.0028", "0.0028"),
        (Decimal("1234567.5"), "¥1,234,567.50", "1234567.50"),
        (Decimal("3000"), "¥3,000.00", "3000.00"),
        (None, "—", ""),
    ],
)
def test_one_format_for_money(amount, shown, plain):
    assert format_amount(amount) == shown
    assert plain_amount(amount) == plain


# --- the catalogue's filters ---------------------------------------------------------------------


def test_the_catalogue_sorts_by_name_not_by_a_persons_name(listed):
    catalogue = Client().get("/catalog/")
    sort = dict(catalogue.context["form"].fields["sort"].choices)
    assert str(sort["name"]) == "名称"
    assert "姓名" not in catalogue.content.decode()


def test_the_catalogue_merchant_filter_offers_the_merchants_with_listed_products(
    listed, seller, exchange_org
):
    idle = make_user(role=Role.MERCHANT_ADMIN, username="idle_merchant")
    operator = make_user(role=Role.OPERATOR, organisation=exchange_org, username="idle_op")
    idle_merchant = merchant_in(MerchantStatus.ACTIVE, applicant=idle, operator=operator)
    merchant = listed.product.merchant

    catalogue = Client().get("/catalog/")
    choices = catalogue.context["form"].fields["merchant"].choices

    assert choices[1:] == [(merchant.pk, merchant.company_name)]
    assert idle_merchant.company_name not in catalogue.content.decode()
    filtered = Client().get("/catalog/", {"merchant": str(merchant.pk)})
    assert filtered.context["form"].is_valid()
    assert [e.listing_id for e in filtered.context["page"]] == [listed.pk]


def test_select_placeholders_are_translated(seller):
    client = logged_in(seller)
    chinese = client.get("/products/new/").content.decode()
    assert "Select an option" not in chinese
    assert '<option value="" selected>— 请选择 —</option>' in chinese
    assert "— choose —" in english(client).get("/products/new/").content.decode()
