"""The API's responses match its OpenAPI schema for rows that hold nulls, blanks and files.

One regression test for each class of schema violation the schemathesis run over the served demo
exchange found (tests/test_api_fuzz.py, issue 8 §3), checked in process with schemathesis's own
response checks, and a structural test that keeps every output serializer on the base that
prevents the first two classes.
"""

import inspect

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from exchange.accounts.roles import Role
from exchange.registry.models import Action
from exchange.wsgi import application
from merchants import services as merchants
from merchants.models import DocumentKind
from merchants.states import MerchantStatus
from seeds.documents import pdf_upload
from tests.factories import create_version, make_user, merchant_in
from tests.registry.conftest import registration

pytestmark = pytest.mark.django_db
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
CONFIG = schemathesis.Config.from_dict(
    {"auth": {"auto-signup": False}, "generation": {"with-security-parameters": False}}
)


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """Django's WSGI handler closes the database connection around each request; inside a
    test's transaction that would end it. Django's test client disconnects the same receivers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def conforms():
    """Call one operation through the WSGI app and run the schema checks on the answer."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)

    def check(method: str, path: str, user=None, **parameters):
        headers = {}
        if user is not None:
            headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
        case = schema[path][method].Case(path_parameters=parameters)
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        assert response.status_code == 200, response.text[:300]
        return response

    return check


def test_a_certificate_that_references_no_original_matches_the_schema(conforms):
    """`references` is null for an original registration: the schema said string (found as
    GET /api/registry/certificates/ and /{number}/ returning `"references": null`)."""
    from exchange.registry import services

    [original] = services.issue_certificates([registration(1)])
    registrar = make_user(role=Role.OPERATOR)
    amendment = services.amend_certificate(
        original=original, action=Action.LICENCE, reason="许可", actor=registrar
    )
    listed = conforms("GET", "/api/registry/certificates/").json()["results"]
    assert {row["number"]: row["references"] for row in listed} == {
        original.number: None,
        amendment.number: original.number,
    }
    assert (
        conforms("GET", "/api/registry/certificates/{number}/", number=original.number).json()[
            "references"
        ]
        is None
    )


def test_blank_choices_of_a_version_match_the_schema(conforms):
    """A sheet may leave its choices blank ("not given"): the schema's enums lacked "" (found as
    GET /api/product-versions/ with `"personal_information_basis": ""`, and quality_grade,
    acquisition and update_frequency alike)."""
    seller = make_user(role=Role.MERCHANT_ADMIN)
    merchant_in(MerchantStatus.ACTIVE, applicant=seller, operator=make_user(role=Role.OPERATOR))
    version = create_version(
        seller, acquisition="", update_frequency="", personal_information_basis=""
    )
    body = conforms("GET", "/api/product-versions/{id}/", seller, id=version.pk).json()
    assert [body[name] for name in ("acquisition", "update_frequency", "quality_grade")] == [
        "",
        "",
        "",
    ]
    assert body["personal_information_basis"] == ""
    assert conforms("GET", "/api/product-versions/", seller).json()["count"] == 1


@pytest.mark.parametrize(
    ("name", "media_type"), [("licence.pdf", "application/pdf"), ("licence.png", "image/png")]
)
def test_a_document_download_declares_the_media_type_it_serves(conforms, name, media_type):
    """The download served application/pdf while the schema said application/octet-stream."""
    applicant = make_user(role=Role.MERCHANT_ADMIN)
    merchant = merchant_in(MerchantStatus.DRAFT, applicant=applicant, operator=None)
    upload = pdf_upload(name, "x") if media_type == "application/pdf" else png_upload(name)
    document = merchants.add_document(
        merchant=merchant, actor=applicant, kind=DocumentKind.OTHER, upload=upload
    )
    response = conforms(
        "GET",
        "/api/merchants/{merchant_pk}/documents/{id}/download/",
        applicant,
        merchant_pk=merchant.pk,
        id=document.pk,
    )
    headers = {key.lower(): value for key, value in response.headers.items()}
    assert headers["content-type"] in (media_type, [media_type])


def png_upload(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    # The smallest valid PNG: signature, IHDR of a 1×1 image, IDAT, IEND.
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
        "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4f50000000049454e44ae426082"
    )
    return SimpleUploadedFile(name, png, content_type="image/png")


def test_someone_without_an_organisation_matches_the_schema(conforms):
    """/api/me/ for a person of no organisation (a superuser): the schema said an object."""
    from exchange.accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.com", "a long password 2026")
    assert admin.organisation_id is None
    assert conforms("GET", "/api/me/", admin).json()["organisation"] is None


def test_every_output_serializer_of_a_model_is_on_the_house_base():
    """exchange.api.serializers.ModelSerializer makes nullable and blank columns nullable and
    blank in the schema; a serializer on DRF's base directly would bring the bug back."""
    import exchange.accounts.api.serializers
    import exchange.api.views
    import exchange.registry.api.serializers
    import listings.api.serializers
    import merchants.api.serializers

    modules = [
        exchange.accounts.api.serializers,
        exchange.api.views,
        exchange.registry.api.serializers,
        listings.api.serializers,
        merchants.api.serializers,
    ]
    found = [
        (module.__name__, name, cls)
        for module in modules
        for name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, serializers.ModelSerializer) and cls.__module__ == module.__name__
    ]
    assert len(found) > 15
    strays = [
        f"{module}.{name}"
        for module, name, cls in found
        if not issubclass(cls, exchange.api.serializers.ModelSerializer)
    ]
    assert not strays, strays


def test_the_draft_application_of_a_merchant_in_every_state_matches_the_schema(conforms):
    """Merchants from a bare draft (blank district, no DCMM level, no agreement) to an active one."""
    operator = make_user(role=Role.OPERATOR)
    for status in (MerchantStatus.DRAFT, MerchantStatus.ACTIVE):
        applicant = make_user(role=Role.MERCHANT_ADMIN)
        merchant = merchant_in(status, applicant=applicant, operator=operator)
        if status == MerchantStatus.DRAFT:
            merchants.update_application(
                merchant=merchant, actor=applicant, district="", dcmm_level=None
            )
        conforms("GET", "/api/merchants/{id}/", applicant, id=merchant.pk)
    conforms("GET", "/api/merchants/", operator)
