import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from merchants.models import Merchant
from merchants.states import MerchantStatus
from seeds.documents import pdf_bytes
from tests.factories import credit_code, merchant_in

pytestmark = pytest.mark.django_db
S = MerchantStatus


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(**overrides):
    data = {
        "company_name": "上海页面测试科技有限公司",
        "credit_code": credit_code(),
        "legal_representative": "张三",
        "legal_status": "in_operation",
        "registered_address": "上海市浦东新区世纪大道1号",
        "district": "pudong",
        "contact_name": "李四",
        "contact_phone": "13812345678",
        "contact_email": "contact@example.com",
        "business_scope": "数据服务",
        "dcmm_level": "",
        "has_data_security_system": "on",
        "clean_record_declared": "on",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "20",
        "sources-0-name": "企业自有数据",
        "sources-0-acquisition": "collected",
        "sources-0-description": "",
    }
    data.update(overrides)
    return data


def categories():
    from merchants.models import Category

    return [
        str(pk)
        for pk in Category.objects.filter(code__in=["supply_demand", "supplier"]).values_list(
            "pk", flat=True
        )
    ]


def test_apply_upload_submit_through_the_pages(applicant, operator):
    client = logged_in(applicant)
    response = client.post("/merchants/apply/", {**form_data(), "categories": categories()})
    assert response.status_code == 302
    merchant = Merchant.objects.get()
    assert merchant.data_sources == [
        {"name": "企业自有数据", "acquisition": "collected", "description": ""}
    ]
    assert merchant.categories.count() == 2
    for kind in ("business_licence", "security_system", "clean_record"):
        upload = SimpleUploadedFile(f"{kind}.pdf", pdf_bytes(kind), content_type="application/pdf")
        assert (
            client.post(
                f"/merchants/{merchant.pk}/documents/", {"kind": kind, "file": upload}
            ).status_code
            == 302
        )
    page = client.get(f"/merchants/{merchant.pk}/")
    assert page.context["problems"] == []
    assert [b.slug for b in page.context["buttons"]] == ["submit", "withdraw"]
    client.post(f"/merchants/{merchant.pk}/submit/")
    merchant.refresh_from_db()
    assert merchant.status == S.SUBMITTED
    # the operator sees it in the queue with its age
    queue = logged_in(operator).get("/merchants/queue/")
    assert list(queue.context["page"]) == [merchant]


def test_invalid_credit_code_shows_the_rule_on_the_field_and_saves_nothing(applicant):
    response = logged_in(applicant).post(
        "/merchants/apply/",
        {**form_data(credit_code="9144030071526726XH"), "categories": categories()},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["credit_code"]
    assert [e.code for e in errors] == ["check_character"]
    assert Merchant.objects.count() == 0


def test_duplicate_credit_code_is_shown_on_the_field(applicant, other_applicant, operator):
    existing = merchant_in(S.SUBMITTED, applicant=other_applicant, operator=operator)
    response = logged_in(applicant).post(
        "/merchants/apply/", form_data(credit_code=existing.credit_code)
    )
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["credit_code"]] == [
        "credit_code_taken"
    ]


def test_refused_action_shows_a_message_and_changes_nothing(applicant, operator):
    merchant = merchant_in(S.UNDER_REVIEW, applicant=applicant, operator=operator)
    client = logged_in(operator)
    response = client.post(f"/merchants/{merchant.pk}/reject/", {"reason": ""}, follow=True)
    merchant.refresh_from_db()
    assert merchant.status == S.UNDER_REVIEW
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_detail_shows_timeline_and_actions_for_the_operator(applicant, operator):
    merchant = merchant_in(S.UNDER_REVIEW, applicant=applicant, operator=operator)
    page = logged_in(operator).get(f"/merchants/{merchant.pk}/")
    content = page.content.decode()
    assert 'data-state="under_review"' in content
    assert 'class="node current"' in content
    assert {b.slug for b in page.context["buttons"]} == {"approve", "request-information", "reject"}


def test_documents_of_other_organisations_are_not_found(applicant, other_applicant, operator):
    merchant = merchant_in(S.ACTIVE, applicant=applicant, operator=operator)
    document = merchant.documents.first()
    # the merchant is public once active, its documents are not
    assert (
        logged_in(other_applicant)
        .get(f"/merchants/{merchant.pk}/documents/{document.pk}/")
        .status_code
        == 404
    )
    assert (
        logged_in(applicant).get(f"/merchants/{merchant.pk}/documents/{document.pk}/").status_code
        == 200
    )
    assert (
        logged_in(operator).get(f"/merchants/{merchant.pk}/documents/{document.pk}/").status_code
        == 200
    )
    assert Client().get(f"/merchants/{merchant.pk}/documents/{document.pk}/").status_code == 302


def test_cross_organisation_api_reads_and_writes_by_id_are_not_found(
    api, applicant, other_applicant, operator
):
    merchant = merchant_in(S.DRAFT, applicant=applicant, operator=operator)
    intruder = api(other_applicant)
    assert intruder.get(f"/api/merchants/{merchant.pk}/").status_code == 404
    assert (
        intruder.patch(
            f"/api/merchants/{merchant.pk}/", {"company_name": "x"}, format="json"
        ).status_code
        == 404
    )
    assert intruder.post(f"/api/merchants/{merchant.pk}/submit/").status_code == 404
    assert intruder.get(f"/api/merchants/{merchant.pk}/documents/").status_code == 404
    assert merchant.pk not in [m["id"] for m in intruder.get("/api/merchants/").json()["results"]]
    merchant.refresh_from_db()
    assert merchant.company_name != "x"


def test_directory_lists_active_merchants_only(applicant, other_applicant, operator):
    active = merchant_in(S.ACTIVE, applicant=applicant, operator=operator)
    merchant_in(S.SUBMITTED, applicant=other_applicant, operator=operator)
    page = Client().get("/merchants/")
    assert list(page.context["page"]) == [active]
    assert list(Client().get("/merchants/?category=asset_valuation").context["page"]) == []


def test_language_switch(applicant):
    client = logged_in(applicant)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert 'lang="zh-hans"' in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("code", "expected"),
    [("9144030071526726XG", "✓"), ("9144030071526726XH", "G"), ("914403", "18"), ("", "")],
)
def test_credit_code_check_fragment(code, expected):
    response = Client().get(
        "/merchants/check-credit-code/", {"credit_code": code}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert Merchant.objects.count() == 0


def test_pages_default_to_chinese_whatever_the_browser_asks():
    page = Client().get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="zh-hans"' in page.content.decode()
    assert "数商名录" in page.content.decode()


def test_api_follows_accept_language(api, applicant):
    english = api(applicant).get("/api/merchants/queue/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api(applicant).get("/api/merchants/queue/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english.json()["message"] != chinese.json()["message"]


@pytest.mark.django_db
def test_a_suspended_merchants_admin_is_offered_no_signature(applicant, operator):
    merchant = merchant_in(MerchantStatus.SUSPENDED, applicant=applicant, operator=operator)
    client = Client()
    client.force_login(applicant)
    page = client.get(f"/merchants/{merchant.pk}/")
    assert page.context["buttons"] == []
    assert 'data-action="sign"' not in page.content.decode()
    refused = client.post(f"/merchants/{merchant.pk}/sign/", follow=True)
    assert any(m.level_tag == "error" for m in refused.context["messages"])
    merchant.refresh_from_db()
    assert merchant.status == MerchantStatus.SUSPENDED


@pytest.mark.django_db
def test_an_active_merchants_profile_is_public_without_its_private_material(applicant, operator):
    merchant = merchant_in(MerchantStatus.ACTIVE, applicant=applicant, operator=operator)
    page = Client().get(f"/merchants/{merchant.pk}/")
    assert page.status_code == 200
    content = page.content.decode()
    assert merchant.company_name in content and merchant.credit_code in content
    assert merchant.contact_phone not in content and merchant.contact_email not in content
    assert 'data-testid="documents"' not in content and 'data-testid="events"' not in content
    assert f"/catalog/?merchant={merchant.pk}" in content
    assert page.context["buttons"] == []


@pytest.mark.django_db
def test_an_application_that_is_not_active_is_not_found_by_visitors(applicant, operator):
    merchant = merchant_in(MerchantStatus.UNDER_REVIEW, applicant=applicant, operator=operator)
    assert Client().get(f"/merchants/{merchant.pk}/").status_code == 404
