"""The product pipeline through the REST API, as each role would drive it."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exchange import clock
from listings import services
from listings.checklists import QUALITY_INDICATORS
from seeds.documents import pdf_bytes
from tests.factories import CLEAN_SAMPLE, SHEET, pi_sample
from tests.listings.conftest import passing_checklist

pytestmark = pytest.mark.django_db
DOCUMENT_KINDS = ("source_proof", "lawful_source", "compliance_report", "sample_agreement")


def open_product(client, **overrides):
    body = {
        **SHEET,
        "board": "credit",
        "scenarios": ["financial_services"],
        "plans": [
            {"kind": "monthly", "price_amount": "3000.00"},
            {"kind": "per_call", "price_amount": "0.0028"},
        ],
        **overrides,
    }
    response = client.post("/api/products/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def complete(client, version_id, sample=CLEAN_SAMPLE):
    response = client.post(
        f"/api/product-versions/{version_id}/sample/",
        {"file": SimpleUploadedFile("sample.csv", sample)},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    for kind in DOCUMENT_KINDS:
        upload = SimpleUploadedFile(f"{kind}.pdf", pdf_bytes(kind), content_type="application/pdf")
        response = client.post(
            f"/api/product-versions/{version_id}/documents/",
            {"kind": kind, "file": upload},
            format="multipart",
        )
        assert response.status_code == 201, response.json()


def review(client, version_id, stage, django_capture_on_commit_callbacks=None):
    assert client.post(f"/api/product-versions/{version_id}/claim/").status_code == 201
    body = {"decision": "approve", "checklist": passing_checklist(stage)}
    if stage == "quality":
        body["scores"] = dict.fromkeys(QUALITY_INDICATORS, 91)
    response = client.post(f"/api/product-versions/{version_id}/decide/", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_clean_product_from_draft_to_listed_through_the_api(
    api, seller, reviewers, django_capture_on_commit_callbacks
):
    merchant = api(seller)
    version_id = open_product(merchant)
    complete(merchant, version_id)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = merchant.post(f"/api/product-versions/{version_id}/submit/").json()
    assert submitted["status"] == "submitted"
    detail = merchant.get(f"/api/product-versions/{version_id}/").json()
    assert detail["status"] == "compliance_review"
    assert detail["check_report"]["risk_level"] == "low"
    assert detail["check_report"]["sample_profile"]["rows"] == 3
    assert "rows" not in str(
        detail["check_report"]["sample_profile"]["columns"]
    )  # a profile, never the rows
    queue = api(reviewers["compliance"]).get("/api/product-versions/queue/?stage=compliance").json()
    assert [item["id"] for item in queue["results"]] == [version_id]
    review(api(reviewers["compliance"]), version_id, "compliance")
    assert review(api(reviewers["quality"]), version_id, "quality")["quality_grade"] == "A"
    notice = review(api(reviewers["registration"]), version_id, "registration")
    assert notice["status"] == "public_notice"
    clock.set_simulated_time(at=clock.now() + timedelta(days=3, minutes=5))
    services.close_public_notices()  # Celery beat's job
    registered = merchant.get(f"/api/product-versions/{version_id}/").json()
    assert registered["status"] == "registered"
    assert registered["certificate"]["number"].startswith("DP-")
    listing = merchant.post(
        "/api/listings/", {"product": registered["product"], "boards": ["credit"]}, format="json"
    )
    assert listing.status_code == 201, listing.json()
    listing_id = listing.json()["id"]
    committee = api(reviewers["committee"])
    assert [item["id"] for item in committee.get("/api/listings/queue/").json()["results"]] == [
        listing_id
    ]
    assert committee.post(f"/api/listings/{listing_id}/claim/").status_code == 201
    listed = committee.post(
        f"/api/listings/{listing_id}/decide/",
        {"decision": "approve", "checklist": passing_checklist("listing")},
        format="json",
    )
    assert listed.json()["status"] == "listed"
    # the public catalogue, without signing in
    public = api()
    found = public.get("/api/catalog/", {"q": "工商", "board": "credit"}).json()
    assert [item["id"] for item in found["results"]] == [listing_id]
    assert found["results"][0]["min_price_amount"] == "0.0028"
    assert public.get(f"/api/catalog/{listing_id}/").json()["name"] == SHEET["name"]
    assert public.get("/api/catalog/", {"q": "不存在的词语组合"}).json()["count"] == 0


def test_personal_information_in_the_sample_is_flagged_for_senior_review(
    api, seller, reviewers, django_capture_on_commit_callbacks
):
    merchant = api(seller)
    version_id = open_product(
        merchant,
        name="客户数据",
        fields_schema=[{"name": n} for n in ("客户编号", "身份证号", "手机", "城市")],
    )
    complete(merchant, version_id, sample=pi_sample())
    with django_capture_on_commit_callbacks(execute=True):
        merchant.post(f"/api/product-versions/{version_id}/submit/")
    report = merchant.get(f"/api/product-versions/{version_id}/").json()
    assert report["is_senior_compliance"] is True
    assert report["check_report"]["risk_level"] == "high"
    assert {(f["kind"], f["column"]) for f in report["check_report"]["personal_information"]} == {
        ("resident_id", "身份证号"),
        ("mobile", "手机"),
    }
    standard = api(reviewers["compliance"])
    assert standard.get("/api/product-versions/queue/?stage=compliance").json()["count"] == 0
    refused = standard.post(f"/api/product-versions/{version_id}/claim/")
    assert (refused.status_code, refused.json()["code"]) == (403, "wrong_queue")
    assert (
        api(reviewers["senior"]).post(f"/api/product-versions/{version_id}/claim/").status_code
        == 201
    )


def test_sample_precheck_endpoint_shows_the_profile_not_the_rows(api, seller):
    response = api(seller).post(
        "/api/samples/scan/", {"file": SimpleUploadedFile("x.csv", pi_sample())}, format="multipart"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["rows"] == 5
    assert {f["kind"] for f in body["personal_information"]} == {"resident_id", "mobile"}
    assert "13812340001" not in response.content.decode()
    bad = api(seller).post(
        "/api/samples/scan/",
        {"file": SimpleUploadedFile("x.json", b'{"a": 1}')},
        format="multipart",
    )
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (400, "sample")


def test_refusals_name_the_field_and_rule(api, seller, reviewers):
    merchant = api(seller)
    bad_board = merchant.post("/api/products/", {**SHEET, "board": "moon"}, format="json")
    assert bad_board.status_code == 400
    assert bad_board.json()["errors"][0]["field"] == "board"
    version_id = open_product(merchant, classification="core")
    complete(merchant, version_id)
    core = merchant.post(f"/api/product-versions/{version_id}/submit/")
    assert (core.status_code, core.json()["code"], core.json()["errors"][0]["field"]) == (
        400,
        "core_data",
        "classification",
    )
    merchant.patch(
        f"/api/product-versions/{version_id}/", {"classification": "general"}, format="json"
    )
    wrong_plan = merchant.patch(
        f"/api/product-versions/{version_id}/",
        {"plans": [{"kind": "negotiated", "price_amount": "10.00"}]},
        format="json",
    )
    assert (wrong_plan.status_code, wrong_plan.json()["code"]) == (400, "negotiated_price")


def test_objection_during_the_notice_withdraws_the_product(
    api, seller, reviewers, django_capture_on_commit_callbacks
):
    from exchange.accounts.roles import Role
    from tests.factories import make_user

    merchant = api(seller)
    version_id = open_product(merchant)
    complete(merchant, version_id)
    with django_capture_on_commit_callbacks(execute=True):
        merchant.post(f"/api/product-versions/{version_id}/submit/")
    for stage in ("compliance", "quality", "registration"):
        review(api(reviewers[stage]), version_id, stage)
    citizen = api(make_user(role=Role.BUYER))
    objection = citizen.post(
        f"/api/product-versions/{version_id}/objections/", {"reason": "数据涉嫌侵权"}, format="json"
    )
    assert objection.status_code == 201
    decided = api(reviewers["registration"]).post(
        f"/api/objections/{objection.json()['id']}/decide/",
        {"uphold": True, "note": "异议成立"},
        format="json",
    )
    assert decided.json()["status"] == "upheld"
    assert merchant.get(f"/api/product-versions/{version_id}/").json()["status"] == "withdrawn"
