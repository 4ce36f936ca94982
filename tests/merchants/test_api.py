import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from merchants.models import Merchant
from merchants.states import MerchantStatus
from seeds.documents import pdf_bytes
from tests.factories import ApplicationFactory, create_application, credit_code, merchant_in

pytestmark = pytest.mark.django_db
S = MerchantStatus


def application_payload(**overrides):
    data = ApplicationFactory(**overrides)
    data["categories"] = ["supply_demand", "supplier"]
    return data


def test_onboarding_through_the_api(api, applicant, operator):
    applicant_api, operator_api = api(applicant), api(operator)
    # apply
    response = applicant_api.post("/api/merchants/", application_payload(), format="json")
    assert response.status_code == 201, response.json()
    merchant_id = response.json()["id"]
    assert response.json()["status"] == "draft"
    assert response.json()["categories"] == ["supply_demand", "supplier"]
    # documents
    for kind in ("business_licence", "security_system", "clean_record"):
        upload = SimpleUploadedFile(f"{kind}.pdf", pdf_bytes(kind), content_type="application/pdf")
        response = applicant_api.post(
            f"/api/merchants/{merchant_id}/documents/",
            {"kind": kind, "file": upload},
            format="multipart",
        )
        assert response.status_code == 201, response.json()
    listed = applicant_api.get(f"/api/merchants/{merchant_id}/documents/").json()
    assert listed["count"] == 3
    download = applicant_api.get(listed["results"][0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # submit → review → approve → agreement → sign
    assert (
        applicant_api.post(f"/api/merchants/{merchant_id}/submit/").json()["status"] == "submitted"
    )
    assert (
        operator_api.post(f"/api/merchants/{merchant_id}/start-review/").json()["status"]
        == "under_review"
    )
    assert (
        operator_api.post(f"/api/merchants/{merchant_id}/approve/", {"reason": "ok"}).json()[
            "status"
        ]
        == "approved"
    )
    signing = operator_api.post(
        f"/api/merchants/{merchant_id}/issue-agreement/", {"term_months": 12}
    ).json()
    assert signing["status"] == "signing"
    assert signing["agreement"]["term_months"] == 12
    active = applicant_api.post(f"/api/merchants/{merchant_id}/sign/").json()
    assert active["status"] == "active"
    assert active["agreement"]["signed_on"] is not None
    events = applicant_api.get(f"/api/merchants/{merchant_id}/events/").json()
    assert [e["to_status"] for e in events["results"] if e["from_status"] != e["to_status"]] == [
        "submitted",
        "under_review",
        "approved",
        "signing",
        "active",
    ]


def test_request_information_and_reject_paths(api, applicant, operator):
    merchant = merchant_in(S.UNDER_REVIEW, applicant=applicant, operator=operator)
    operator_api = api(operator)
    missing_reason = operator_api.post(f"/api/merchants/{merchant.pk}/request-information/", {})
    assert missing_reason.status_code == 400
    assert missing_reason.json()["errors"][0]["field"] == "reason"
    response = operator_api.post(
        f"/api/merchants/{merchant.pk}/request-information/", {"reason": "补充"}
    )
    assert response.json()["status"] == "info_requested"
    applicant_api = api(applicant)
    patched = applicant_api.patch(
        f"/api/merchants/{merchant.pk}/", {"business_scope": "新范围"}, format="json"
    )
    assert patched.status_code == 200
    assert patched.json()["business_scope"] == "新范围"
    assert (
        applicant_api.post(f"/api/merchants/{merchant.pk}/resubmit/", {"reason": "done"}).json()[
            "status"
        ]
        == "resubmitted"
    )
    operator_api.post(f"/api/merchants/{merchant.pk}/start-review/")
    rejected = operator_api.post(f"/api/merchants/{merchant.pk}/reject/", {"reason": "不符合"})
    assert rejected.json()["status"] == "rejected"


def test_invalid_credit_code_names_the_rule_and_saves_nothing(api, applicant):
    response = api(applicant).post(
        "/api/merchants/", application_payload(credit_code="9144030071526726XH"), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == [
        {"field": "credit_code", "code": "check_character", "message": body["errors"][0]["message"]}
    ]
    assert "G" in body["errors"][0]["message"]
    assert Merchant.objects.count() == 0


def test_credit_code_with_blanks_and_lower_case_is_accepted(api, applicant):
    code = credit_code()
    response = api(applicant).post(
        "/api/merchants/",
        application_payload(credit_code=f" {code[:9].lower()} {code[9:]} "),
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["credit_code"] == code


@pytest.mark.parametrize(("language", "fragment"), [("en", "check character"), ("zh-hans", "校验")])
def test_error_messages_follow_accept_language(api, applicant, language, fragment):
    response = api(applicant).post(
        "/api/merchants/",
        application_payload(credit_code="9144030071526726XH"),
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert fragment in response.json()["errors"][0]["message"]


def test_illegal_transition_is_409_with_stable_code(api, applicant, other_applicant, operator):
    merchant = create_application(other_applicant)
    response = api(operator).post(f"/api/merchants/{merchant.pk}/approve/")
    # an operator cannot even see another organisation's draft
    assert response.status_code == 404
    submitted = merchant_in(S.SUBMITTED, applicant=applicant, operator=operator)
    response = api(operator).post(f"/api/merchants/{submitted.pk}/approve/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["errors"][0]["field"] == "status"


def test_incomplete_submission_lists_each_field(api, applicant):
    response = api(applicant).post(
        "/api/merchants/", {"company_name": "空", "credit_code": credit_code()}, format="json"
    )
    merchant_id = response.json()["id"]
    response = api(applicant).post(f"/api/merchants/{merchant_id}/submit/")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "application_incomplete"
    fields = {e["field"] for e in body["errors"]}
    assert {"legal_representative", "categories", "documents", "clean_record_declared"} <= fields
    assert Merchant.objects.get(pk=merchant_id).status == S.DRAFT


def test_duplicate_credit_code_is_409(api, applicant, other_applicant):
    first = create_application(applicant)
    response = api(other_applicant).post(
        "/api/merchants/", application_payload(credit_code=first.credit_code), format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "credit_code_taken"
    assert response.json()["errors"][0]["field"] == "credit_code"


def test_upload_with_wrong_content_is_refused(api, applicant):
    merchant = create_application(applicant)
    upload = SimpleUploadedFile("licence.pdf", b"GIF89a not a pdf", content_type="application/pdf")
    response = api(applicant).post(
        f"/api/merchants/{merchant.pk}/documents/",
        {"kind": "business_licence", "file": upload},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "file",
        "code": "file_type",
        "message": response.json()["errors"][0]["message"],
    }
    assert merchant.documents.count() == 3


def test_queue_lists_waiting_applications_oldest_first(api, operator, applicant, other_applicant):
    first = merchant_in(S.SUBMITTED, applicant=applicant, operator=operator)
    second = merchant_in(S.SUBMITTED, applicant=other_applicant, operator=operator)
    body = api(operator).get("/api/merchants/queue/").json()
    assert [m["id"] for m in body["results"]] == [first.pk, second.pk]
    assert api(applicant).get("/api/merchants/queue/").status_code == 403


def test_filters_and_search(api, operator, applicant, other_applicant):
    active = merchant_in(S.ACTIVE, applicant=applicant, operator=operator)
    merchant_in(S.SUBMITTED, applicant=other_applicant, operator=operator)
    operator_api = api(operator)
    assert [
        m["id"] for m in operator_api.get("/api/merchants/?status=active").json()["results"]
    ] == [active.pk]
    assert operator_api.get(f"/api/merchants/?search={active.credit_code}").json()["count"] == 1
    assert operator_api.get("/api/merchants/?category=supplier").json()["count"] == 2
    assert operator_api.get("/api/merchants/?category=asset_valuation").json()["count"] == 0


def test_anonymous_gets_401_with_the_error_body(api):
    response = api().get("/api/merchants/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["errors"] == []


def test_token_login(api, db):
    from exchange.accounts import services
    from tests.factories import make_organisation

    services.create_user(
        organisation=make_organisation(),
        username="tok",
        email="tok@example.com",
        password="a-Long-pass-2026",
        role="merchant_admin",
    )
    token = (
        api()
        .post("/api/auth/token/", {"username": "tok", "password": "a-Long-pass-2026"})
        .json()["token"]
    )
    from rest_framework.test import APIClient

    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/me/").json()["username"] == "tok"


def test_schema_documents_the_error_body(api, operator):
    response = api(operator).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    submit = schema["paths"]["/api/merchants/{id}/submit/"]["post"]
    assert {"400", "403", "404", "409"} <= set(submit["responses"])
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "message", "errors"]
