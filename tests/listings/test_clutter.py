"""No duplicates, no clutter: one objection per person and version, a replaced sample's file is
removed, and documents per kind are capped (DOCUMENTS_PER_KIND_MAX)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from exchange.accounts.roles import Role
from exchange.errors import DomainError
from listings import services
from listings.models import Objection, ProductDocument, ProductDocumentKind
from listings.states import VersionStatus
from merchants import services as merchant_services
from merchants.models import DocumentKind, MerchantDocument
from seeds.documents import pdf_upload
from tests.conftest import api_client_for
from tests.factories import CLEAN_SAMPLE, create_version, make_user
from tests.listings.conftest import approve, register, submit

pytestmark = pytest.mark.django_db
V = VersionStatus


@pytest.fixture
def in_notice(seller, reviewers):
    version = submit(create_version(seller), seller)
    approve(
        version, reviewers["senior"] if version.is_senior_compliance else reviewers["compliance"]
    )
    approve(version, reviewers["quality"])
    approve(version, reviewers["registration"])
    assert version.status == V.PUBLIC_NOTICE
    return version


def test_the_same_person_objects_once_per_version(in_notice):
    buyer = make_user(role=Role.BUYER)
    client = api_client_for(buyer)
    url = f"/api/product-versions/{in_notice.pk}/objections/"
    assert client.post(url, {"reason": "数据来源存疑"}, format="json").status_code == 201
    events = in_notice.events.count()
    again = client.post(url, {"reason": "数据来源存疑"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_objected"
    assert Objection.objects.filter(version=in_notice).count() == 1
    assert in_notice.events.count() == events
    # someone else may still object
    other = api_client_for(make_user(role=Role.BUYER))
    assert other.post(url, {"reason": "另一个理由"}, format="json").status_code == 201


def test_the_page_says_so_when_a_person_objects_twice(in_notice):
    buyer = make_user(role=Role.BUYER)
    client = Client()
    client.force_login(buyer)
    url = f"/products/versions/{in_notice.pk}/object/"
    client.post(url, {"reason": "第一次"})
    response = client.post(url, {"reason": "第二次"}, follow=True)
    assert response.status_code == 200
    assert any("already objected" in str(m) or "已" in str(m) for m in response.context["messages"])
    assert Objection.objects.filter(version=in_notice).count() == 1


def test_an_objection_to_a_registered_version_is_a_409(seller, reviewers):
    version = register(create_version(seller), seller, reviewers)
    response = api_client_for(make_user(role=Role.BUYER)).post(
        f"/api/product-versions/{version.pk}/objections/", {"reason": "晚了"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_in_notice"
    assert not Objection.objects.filter(version=version).exists()


def stored_files() -> set[str]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def sample(name="sample.csv"):
    return SimpleUploadedFile(name, CLEAN_SAMPLE)


def test_a_replaced_sample_file_is_removed_once_the_change_commits(
    seller, django_capture_on_commit_callbacks
):
    version = create_version(seller)
    storage = storages["private"]
    old = version.sample.name
    assert storage.exists(old)
    with django_capture_on_commit_callbacks(execute=True):
        services.attach_sample(version=version, actor=seller, upload=sample("second.csv"))
    version.refresh_from_db()
    assert version.sample.name != old
    assert storage.exists(version.sample.name)
    assert not storage.exists(old)


def test_a_refused_sample_keeps_the_old_file(seller, django_capture_on_commit_callbacks):
    version = create_version(seller)
    old = version.sample.name
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError):
        services.attach_sample(
            version=version, actor=seller, upload=SimpleUploadedFile("bad.csv", b"\xff\xfe\x00")
        )
    version.refresh_from_db()
    assert version.sample.name == old and storages["private"].exists(old)


def test_a_new_versions_sample_replacement_keeps_the_file_the_registered_version_holds(
    seller, reviewers, django_capture_on_commit_callbacks
):
    registered = register(create_version(seller), seller, reviewers)
    draft = services.start_new_version(product=registered.product, actor=seller)
    shared = registered.sample.name
    assert draft.sample.name == shared
    with django_capture_on_commit_callbacks(execute=True):
        services.attach_sample(version=draft, actor=seller, upload=sample("v2.csv"))
    assert storages["private"].exists(shared)


def test_product_documents_per_kind_are_capped(seller, settings):
    settings.DOCUMENTS_PER_KIND_MAX = 2
    assert stored_files()
    version = create_version(seller)  # one of each required kind
    kind = ProductDocumentKind.SOURCE_PROOF
    services.add_product_document(
        version=version, actor=seller, kind=kind, upload=pdf_upload("second.pdf", "2")
    )
    before = ProductDocument.objects.count()
    files_before = stored_files()
    with pytest.raises(DomainError) as refused:
        services.add_product_document(
            version=version, actor=seller, kind=kind, upload=pdf_upload("third.pdf", "3")
        )
    assert (refused.value.code, refused.value.field) == ("too_many_documents", "kind")
    assert "2" in refused.value.message
    assert ProductDocument.objects.count() == before
    assert stored_files() == files_before
    # another kind is counted apart
    services.add_product_document(
        version=version,
        actor=seller,
        kind=ProductDocumentKind.LAWFUL_SOURCE,
        upload=pdf_upload("lawful2.pdf", "l"),
    )


def test_merchant_documents_per_kind_are_capped_also_over_the_api(applicant, settings):
    from tests.factories import create_application

    settings.DOCUMENTS_PER_KIND_MAX = 1
    merchant = create_application(applicant)  # one business licence already
    before = MerchantDocument.objects.filter(merchant=merchant).count()
    response = api_client_for(applicant).post(
        f"/api/merchants/{merchant.pk}/documents/",
        {"kind": DocumentKind.BUSINESS_LICENCE, "file": pdf_upload("again.pdf", "again")},
        format="multipart",
    )
    assert response.status_code == 400, response.content[:300]
    assert response.json()["errors"][0] == {
        "field": "kind",
        "code": "too_many_documents",
        "message": response.json()["message"],
    }
    assert MerchantDocument.objects.filter(merchant=merchant).count() == before
    with pytest.raises(DomainError):
        merchant_services.add_document(
            merchant=merchant,
            actor=applicant,
            kind=DocumentKind.CLEAN_RECORD,
            upload=pdf_upload("c2.pdf", "c"),
        )
