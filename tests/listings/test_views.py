"""The product pipeline through the pages (Django's test client)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from exchange import clock
from listings import services
from listings.checklists import CHECKLISTS, QUALITY_INDICATORS
from listings.models import Board, ProductVersion, Scenario
from listings.states import VersionStatus
from seeds.documents import pdf_bytes
from tests.factories import CLEAN_SAMPLE, create_version, pi_sample
from tests.listings.conftest import register, submit

pytestmark = pytest.mark.django_db
V = VersionStatus


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sheet_form(**overrides) -> dict:
    data = {
        "name": "页面创建的数据产品",
        "summary": "通过页面填写的说明书",
        "product_type": "dataset",
        "board": "credit",
        "scenarios": [str(Scenario.objects.get(code="financial_services").pk)],
        "data_source": "公开数据",
        "acquisition": "public",
        "fields_schema": "企业名称, text\n统一社会信用代码, text\n注册资本万元, integer\n成立日期, date\n行业, text",
        "spatial_coverage": "上海",
        "update_frequency": "daily",
        "classification": "general",
        "personal_information_people": "0",
        "sensitive_information_people": "0",
        "delivery_modes": ["file"],
        "plans-plan_monthly": "2000",
    }
    data.update(overrides)
    return data


def decision_form(stage: str, decision="approve", comments="") -> dict:
    data = {"decision": decision, "comments": comments}
    for key in CHECKLISTS[stage]:
        data[f"check_{key}"] = "pass"
    if stage == "quality":
        data.update({f"score_{key}": "85" for key in QUALITY_INDICATORS})
    return data


def test_merchant_and_reviewers_walk_the_pipeline_through_the_pages(
    seller, reviewers, django_capture_on_commit_callbacks
):
    merchant = logged_in(seller)
    response = merchant.post("/products/new/", sheet_form())
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    version = ProductVersion.objects.get(name="页面创建的数据产品")
    assert version.fields_schema[2] == {
        "name": "注册资本万元",
        "type": "integer",
        "description": "",
    }
    assert [(p.kind, str(p.price_amount)) for p in version.plans.all()] == [
        ("monthly", "2000.0000")
    ]
    page = f"/products/versions/{version.pk}/"
    merchant.post(f"{page}sample/", {"file": SimpleUploadedFile("s.csv", CLEAN_SAMPLE)})
    for kind in ("source_proof", "lawful_source", "compliance_report", "sample_agreement"):
        merchant.post(
            f"{page}document/",
            {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", pdf_bytes(kind))},
        )
    assert merchant.get(page).context["page"].problems == []
    with django_capture_on_commit_callbacks(execute=True):
        merchant.post(f"{page}submit/")
    version.refresh_from_db()
    assert version.status == V.COMPLIANCE_REVIEW
    for stage, reviewer in (
        ("compliance", "compliance"),
        ("quality", "quality"),
        ("registration", "registration"),
    ):
        client = logged_in(reviewers[reviewer])
        assert version in client.get(f"/reviews/?stage={stage}").context["page"]
        client.post(f"{page}claim/")
        form = client.get(page).context["decision_form"]
        assert form is not None
        client.post(f"{page}decide/", decision_form(stage))
        version.refresh_from_db()
    assert version.status == V.PUBLIC_NOTICE
    clock.set_simulated_time(at=version.notice_ends_at + timedelta(minutes=1))
    services.close_public_notices()
    version.refresh_from_db()
    assert version.status == V.REGISTERED
    # list it from its page
    response = merchant.post(f"{page}list/", {"boards": [str(Board.objects.get(code="credit").pk)]})
    listing = version.product.listings.get()
    assert response.url == f"/listings/{listing.pk}/"
    committee = logged_in(reviewers["committee"])
    committee.post(f"/listings/{listing.pk}/claim/")
    committee.post(f"/listings/{listing.pk}/decide/", decision_form("listing"))
    listing.refresh_from_db()
    assert listing.status == "listed"
    catalog = Client().get("/catalog/", {"q": "页面"})
    assert [entry.listing_id for entry in catalog.context["page"]] == [listing.pk]
    item = Client().get(f"/catalog/{listing.pk}/")
    assert item.status_code == 200
    assert version.certificate.number in item.content.decode()


def test_a_return_shows_the_reason_to_the_merchant(seller, reviewers):
    version = submit(create_version(seller), seller)
    reviewer = logged_in(reviewers["compliance"])
    page = f"/products/versions/{version.pk}/"
    reviewer.post(f"{page}claim/")
    refused = reviewer.post(f"{page}decide/", {"decision": "return", "comments": ""}, follow=True)
    assert any(m.level_tag == "error" for m in refused.context["messages"])
    reviewer.post(f"{page}decide/", {"decision": "return", "comments": "请补充授权书"})
    version.refresh_from_db()
    assert version.status == V.RETURNED
    assert "请补充授权书" in logged_in(seller).get(page).content.decode()


def test_reviewer_of_the_same_organisation_is_refused_on_the_page(reviewers, exchange_org):
    from exchange.accounts.roles import Role
    from merchants.states import MerchantStatus
    from tests.factories import make_user, merchant_in

    insider = make_user(role=Role.MERCHANT_ADMIN, organisation=exchange_org)
    merchant_in(MerchantStatus.ACTIVE, applicant=insider, operator=make_user(role=Role.OPERATOR))
    version = submit(create_version(insider), insider)
    response = logged_in(reviewers["senior"]).post(
        f"/products/versions/{version.pk}/claim/", follow=True
    )
    assert any(
        "own organisation" in str(m) or "自己" in str(m) for m in response.context["messages"]
    )
    assert not version.reviews.exists()


def test_precheck_page_scans_without_storing(seller):
    response = logged_in(seller).post(
        "/products/precheck/", {"file": SimpleUploadedFile("x.csv", pi_sample())}
    )
    report = response.context["report"]
    assert {f["kind"] for f in report["personal_information"]} == {"resident_id", "mobile"}
    assert "13812340001" not in response.content.decode()
    assert not ProductVersion.objects.exists()


def test_version_diff_page(seller, reviewers):
    version = register(create_version(seller), seller, reviewers)
    draft = services.start_new_version(product=version.product, actor=seller)
    services.update_version(version=draft, actor=seller, summary="新的摘要")
    page = logged_in(seller).get(f"/products/versions/{draft.pk}/diff/{version.pk}/")
    assert [change.field for change in page.context["changes"]] == ["summary"]


def test_queue_health_page_for_operators(seller, reviewers):
    submit(create_version(seller), seller)
    page = logged_in(reviewers["registration"]).get("/reviews/health/")
    rows = {row.stage: row for row in page.context["rows"]}
    assert rows["compliance"].waiting == 1
    assert 'data-testid="queue-chart"' in page.content.decode()


def test_the_catalogue_pages_stop_at_the_first_thousand_results():
    from listings.paginators import MAX_RESULTS, CatalogPaginator

    paginator = CatalogPaginator(list(range(2500)), 20)
    assert paginator.count == 2500 and paginator.num_pages == MAX_RESULTS // 20
    assert paginator.is_capped
    assert list(paginator.get_page(9999))[-1] == MAX_RESULTS - 1
    small = CatalogPaginator(list(range(45)), 20)
    assert (small.num_pages, small.is_capped) == (3, False)
