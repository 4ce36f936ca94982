"""A NUL in a review's checklist comment (nested JSON the serializers pass through) answers 400
and leaves the review open. On PostgreSQL (the services profile) it used to be a 500: jsonb holds
no NUL."""

import pytest
from django.test import Client

from listings import services
from listings.models import Review
from listings.states import VersionStatus
from tests.conftest import api_client_for
from tests.factories import create_version
from tests.listings.conftest import passing_checklist, submit

pytestmark = pytest.mark.django_db
V = VersionStatus


@pytest.fixture
def claimed(seller, reviewers):
    version = submit(create_version(seller), seller)
    assert version.status == V.COMPLIANCE_REVIEW
    reviewer = reviewers["senior"] if version.is_senior_compliance else reviewers["compliance"]
    services.claim_version(version=version, actor=reviewer)
    return version, reviewer


def review_state(version):
    version.refresh_from_db()
    return version.status, version.events.count(), list(Review.objects.values_list("decided_at"))


def test_a_nul_in_a_checklist_comment_through_the_api_is_a_400(claimed):
    version, reviewer = claimed
    before = review_state(version)
    checklist = passing_checklist("compliance")
    first = next(iter(checklist))
    checklist[first]["comment"] = "看过\x00了"
    response = api_client_for(reviewer).post(
        f"/api/product-versions/{version.pk}/decide/",
        {"decision": "approve", "checklist": checklist},
        format="json",
    )
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "nul_character"
    assert f"$.checklist.{first}.comment" in body["message"]
    assert review_state(version) == before


def test_a_nul_in_the_review_form_of_the_page_is_a_400(claimed):
    version, reviewer = claimed
    before = review_state(version)
    client = Client()
    client.force_login(reviewer)
    data = {"decision": "approve", "comments": "ok"}
    for key in passing_checklist("compliance"):
        data[f"check_{key}"] = "pass"
        data[f"note_{key}"] = "a\x00b"
    response = client.post(f"/products/versions/{version.pk}/decide/", data)
    assert response.status_code == 400
    assert "U+0000" in response.content.decode()
    assert review_state(version) == before


@pytest.mark.parametrize("number", ["9" * 5000, "1." + "9" * 5000, "-" + "7" * 4400])
def test_a_json_sample_with_a_number_of_thousands_of_digits_is_a_400(seller, number):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api_client_for(seller).post(
        "/api/samples/scan/",
        {"file": SimpleUploadedFile("x.json", f'[{{"a": {number}}}]'.encode())},
        format="multipart",
    )
    assert response.status_code == 400, response.content[:300]
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("sample", "sample_number_too_long")
