"""A state conflict answers 409 everywhere: editing what is no longer editable, objecting outside
the public notice, amending a closed certificate, acting for a merchant that is not active."""

import pytest

from exchange.registry.models import Certificate
from listings import services
from listings.states import VersionStatus
from merchants.models import MerchantDocument
from merchants.states import MerchantStatus
from seeds.documents import pdf_upload
from tests.conftest import api_client_for
from tests.factories import SHEET, create_version, credit_code, log_entries, merchant_in

pytestmark = pytest.mark.django_db
S = MerchantStatus


def test_editing_a_submitted_application_is_a_409(applicant, operator):
    merchant = merchant_in(S.SUBMITTED, applicant=applicant, operator=operator)
    client = api_client_for(applicant)
    response = client.patch(
        f"/api/merchants/{merchant.pk}/", {"business_scope": "改"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"
    documents = MerchantDocument.objects.count()
    upload = client.post(
        f"/api/merchants/{merchant.pk}/documents/",
        {"kind": "business_licence", "file": pdf_upload("late.pdf", "late")},
        format="multipart",
    )
    assert upload.status_code == 409 and upload.json()["code"] == "not_editable"
    merchant.refresh_from_db()
    assert merchant.business_scope != "改" and MerchantDocument.objects.count() == documents


def test_editing_a_product_version_in_review_is_a_409(operator, applicant):
    merchant_in(S.ACTIVE, applicant=applicant, operator=operator)
    version = create_version(applicant)
    services.submit_version(version=version, actor=applicant)
    response = api_client_for(applicant).patch(
        f"/api/product-versions/{version.pk}/", {"summary": "改"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"
    version.refresh_from_db()
    assert version.summary == SHEET["summary"]
    assert version.status == VersionStatus.SUBMITTED


def test_a_second_revocation_is_a_409_and_adds_nothing_to_the_log(operator):
    client = api_client_for(operator)
    created = client.post(
        "/api/registry/certificates/",
        {
            "kind": "DR",
            "registrant_name": "上海港口物流数据有限公司",
            "registrant_credit_code": credit_code(51),
            "name": "作业数据",
            "description": "作业记录",
            "source": "自有系统",
            "rights": ["resource_holding"],
        },
        format="json",
    )
    number = created.json()["number"]
    url = f"/api/registry/certificates/{number}/amendments/"
    first = client.post(url, {"action": "revocation", "reason": "违规"}, format="json")
    assert first.status_code == 201
    before = Certificate.objects.count(), len(log_entries())
    second = client.post(url, {"action": "revocation", "reason": "再次撤销"}, format="json")
    assert second.status_code == 409
    assert second.json()["code"] == "invalid_transition"
    assert (Certificate.objects.count(), len(log_entries())) == before


def test_a_product_of_a_merchant_that_is_not_active_is_a_409(operator, applicant):
    merchant = merchant_in(S.SUBMITTED, applicant=applicant, operator=operator)
    response = api_client_for(applicant).post(
        "/api/products/",
        {**SHEET, "merchant": merchant.pk, "board": "credit", "scenarios": ["financial_services"]},
        format="json",
    )
    assert response.status_code == 409, response.content[:300]
    assert response.json()["code"] == "merchant_not_active"
