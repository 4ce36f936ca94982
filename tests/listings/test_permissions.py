"""The permission matrix of products, reviews and listings: every role against every endpoint.

The world (a seller, reviewers of every stage, versions and listings in every state) is built once
for the module; each test runs in its own transaction that is rolled back, so a permitted action
changes nothing for the next test.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client

from exchange import clock
from exchange.accounts.roles import OrganisationKind, Role
from listings import services
from listings.models import Board, ListingStatus, ProductVersion
from listings.states import VersionStatus
from merchants.states import MerchantStatus
from seeds.documents import pdf_bytes
from tests.conftest import api_client_for
from tests.factories import (
    CLEAN_SAMPLE,
    create_version,
    credit_code,
    make_organisation,
    make_user,
    merchant_in,
)
from tests.listings.conftest import approve, passing_checklist, submit

V = VersionStatus
ROLES = [
    "anonymous",
    "seller",  # merchant admin of the product's merchant
    "seller_staff",
    "other_merchant",
    "buyer",
    "compliance",  # standard compliance reviewer (third-party assessor)
    "quality",
    "registrar",  # operator: registration review, objections, governing listings
    "committee",
    "auditor",
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # What the migrations loaded, to put back after the module (see the teardown).
        reference_data = connection.creation.serialize_db_to_string()
        exchange_org = make_organisation(kind=OrganisationKind.EXCHANGE)
        assessor_org = make_organisation(kind=OrganisationKind.SERVICE_PROVIDER)
        people = {
            "seller": make_user(role=Role.MERCHANT_ADMIN, username="m_seller"),
            "other_merchant": make_user(role=Role.MERCHANT_ADMIN, username="m_other"),
            "buyer": make_user(role=Role.BUYER, username="m_buyer"),
            "compliance": make_user(
                role=Role.COMPLIANCE_REVIEWER, organisation=assessor_org, username="m_compliance"
            ),
            "quality": make_user(
                role=Role.QUALITY_REVIEWER, organisation=exchange_org, username="m_quality"
            ),
            "registrar": make_user(
                role=Role.OPERATOR, organisation=exchange_org, username="m_registrar"
            ),
            "committee": make_user(
                role=Role.LISTING_COMMITTEE, organisation=exchange_org, username="m_committee"
            ),
            "auditor": make_user(
                role=Role.AUDITOR, organisation=exchange_org, username="m_auditor"
            ),
        }
        people["seller_staff"] = make_user(
            role=Role.MERCHANT_STAFF, organisation=people["seller"].organisation, username="m_staff"
        )
        onboarding = make_user(
            role=Role.OPERATOR, organisation=exchange_org, username="m_onboarding"
        )
        merchant_in(MerchantStatus.ACTIVE, applicant=people["seller"], operator=onboarding)
        merchant_in(MerchantStatus.ACTIVE, applicant=people["other_merchant"], operator=onboarding)
        seller = people["seller"]
        versions = {"draft": create_version(seller, name="草稿产品")}
        versions["compliance"] = submit(create_version(seller, name="合规中产品"), seller)
        quality = submit(create_version(seller, name="质量评估中产品"), seller)
        versions["quality"] = approve(quality, people["compliance"])
        registered = submit(create_version(seller, name="已登记产品"), seller)
        for reviewer in ("compliance", "quality", "registrar"):
            approve(registered, people[reviewer])
        notice = submit(create_version(seller, name="公示中产品"), seller)
        for reviewer in ("compliance", "quality", "registrar"):
            approve(notice, people[reviewer])
        versions["notice"] = notice
        clock.set_simulated_time(at=registered.notice_ends_at + timedelta(minutes=1))
        services.register_version(version_id=registered.pk)
        registered.refresh_from_db()
        versions["registered"] = registered
        listed_version = submit(create_version(seller, name="已挂牌产品"), seller)
        for reviewer in ("compliance", "quality", "registrar"):
            approve(listed_version, people[reviewer])
        clock.set_simulated_time(at=listed_version.notice_ends_at + timedelta(minutes=1))
        services.register_version(version_id=listed_version.pk)
        listing = services.apply_for_listing(
            product=listed_version.product, actor=seller, boards=[Board.objects.get(code="credit")]
        )
        review = services.claim_listing(listing=listing, actor=people["committee"])
        services.decide_listing_review(
            listing=review.listing,
            actor=people["committee"],
            decision="approve",
            checklist=passing_checklist("listing"),
        )
        in_review = services.apply_for_listing(
            product=registered.product, actor=seller, boards=[Board.objects.get(code="credit")]
        )
        objection = services.file_objection(version=notice, actor=people["buyer"], reason="异议")
        clock.use_real_time()
        world = {
            "people": people,
            "versions": versions,
            "listed": listing,
            "listing_review": in_review,
            "objection": objection,
        }
    yield world
    with django_db_blocker.unblock():
        # Empty the tables and restore what the migrations loaded (content types, permissions,
        # categories, boards) under their original ids, as serialized_rollback does; a plain
        # flush would recreate content types and permissions under new ids and break the
        # transactional tests that run later.
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(reference_data)


def row(
    anonymous,
    seller,
    seller_staff,
    other_merchant,
    buyer,
    compliance,
    quality,
    registrar,
    committee,
    auditor,
):
    return dict(
        zip(
            ROLES,
            [
                anonymous,
                seller,
                seller_staff,
                other_merchant,
                buyer,
                compliance,
                quality,
                registrar,
                committee,
                auditor,
            ],
            strict=True,
        )
    )


# (name, method, path template, payload, expected). Placeholders: {draft} {compliance} {quality}
# {notice} {registered} {listed} {listing_review} {objection} {registered_product}
# fmt: off
LISTINGS_API_MATRIX = [
    ("read draft", "get", "/api/product-versions/{draft}/", None, row(401, 200, 200, 404, 404, 404, 404, 404, 404, 404)),
    ("read in review", "get", "/api/product-versions/{compliance}/", None, row(401, 200, 200, 404, 404, 200, 200, 200, 200, 200)),
    ("read registered", "get", "/api/product-versions/{registered}/", None, row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("list versions", "get", "/api/product-versions/", None, row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("version events", "get", "/api/product-versions/{compliance}/events/", None, row(401, 200, 200, 404, 404, 200, 200, 200, 200, 200)),
    ("version reviews", "get", "/api/product-versions/{quality}/reviews/", None, row(401, 200, 200, 404, 404, 200, 200, 200, 200, 200)),
    ("edit draft", "patch", "/api/product-versions/{draft}/", {"summary": "新摘要"}, row(401, 200, 200, 404, 404, 404, 404, 404, 404, 404)),
    ("attach sample", "post", "/api/product-versions/{draft}/sample/", "sample", row(401, 200, 200, 404, 404, 404, 404, 404, 404, 404)),
    ("attach material", "post", "/api/product-versions/{draft}/documents/", "document", row(401, 201, 201, 404, 404, 404, 404, 404, 404, 404)),
    ("submit", "post", "/api/product-versions/{draft}/submit/", {}, row(401, 200, 403, 404, 404, 404, 404, 404, 404, 404)),
    ("withdraw", "post", "/api/product-versions/{compliance}/withdraw/", {}, row(401, 200, 403, 404, 404, 403, 403, 403, 403, 403)),
    ("compliance queue", "get", "/api/product-versions/queue/?stage=compliance", None, row(401, 403, 403, 403, 403, 200, 403, 200, 403, 200)),
    ("claim compliance", "post", "/api/product-versions/{compliance}/claim/", {}, row(401, 403, 403, 404, 404, 201, 403, 403, 403, 403)),
    ("claim quality", "post", "/api/product-versions/{quality}/claim/", {}, row(401, 403, 403, 404, 404, 403, 201, 403, 403, 403)),
    ("decide without a claim", "post", "/api/product-versions/{quality}/decide/", {"decision": "approve"}, row(401, 403, 403, 404, 404, 403, 409, 403, 403, 403)),
    ("release without a claim", "post", "/api/product-versions/{quality}/release/", {}, row(401, 409, 409, 404, 404, 409, 409, 409, 409, 409)),
    ("object during notice", "post", "/api/product-versions/{notice}/objections/", {"reason": "异议"}, row(401, 403, 403, 201, 409, 201, 201, 201, 201, 201)),  # the buyer objected already
    ("new version", "post", "/api/products/{registered_product}/new-version/", {}, row(401, 201, 201, 403, 403, 403, 403, 403, 403, 403)),
    ("open product", "post", "/api/products/", "sheet", row(401, 201, 201, 201, 403, 403, 403, 403, 403, 403)),
    ("list listings", "get", "/api/listings/", None, row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("read listing in review", "get", "/api/listings/{listing_review}/", None, row(401, 200, 200, 404, 404, 200, 200, 200, 200, 200)),
    ("apply for listing", "post", "/api/listings/", "listing", row(401, 409, 403, 403, 403, 403, 403, 403, 403, 403)),
    ("listing queue", "get", "/api/listings/queue/", None, row(401, 403, 403, 403, 403, 403, 403, 200, 200, 200)),
    ("decide listing without a claim", "post", "/api/listings/{listing_review}/decide/", {"decision": "approve"}, row(401, 403, 403, 404, 404, 403, 403, 403, 409, 403)),
    ("claim listing", "post", "/api/listings/{listing_review}/claim/", {}, row(401, 403, 403, 404, 404, 403, 403, 403, 201, 403)),
    ("listing events", "get", "/api/listings/{listed}/events/", None, row(401, 200, 200, 404, 404, 200, 200, 200, 200, 200)),
    ("suspend listing", "post", "/api/listings/{listed}/suspend/", {"reason": "r"}, row(401, 403, 403, 403, 403, 403, 403, 200, 403, 403)),
    ("reinstate listing", "post", "/api/listings/{listed}/reinstate/", {}, row(401, 403, 403, 403, 403, 403, 403, 409, 403, 403)),
    ("delist", "post", "/api/listings/{listed}/delist/", {"reason": "r"}, row(401, 403, 403, 403, 403, 403, 403, 200, 403, 403)),
    ("withdraw listing", "post", "/api/listings/{listed}/withdraw/", {}, row(401, 200, 403, 403, 403, 403, 403, 403, 403, 403)),
    ("objections", "get", "/api/objections/", None, row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # The objection is visible to the buyer who filed it and to the version's insiders only.
    ("decide objection", "post", "/api/objections/{objection}/decide/", {"uphold": False, "note": "驳回"}, row(401, 403, 403, 404, 403, 403, 403, 200, 403, 403)),
    ("withdraw objection", "post", "/api/objections/{objection}/withdraw/", {}, row(401, 403, 403, 404, 200, 403, 403, 403, 403, 403)),
    ("catalog", "get", "/api/catalog/", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("catalog item", "get", "/api/catalog/{listed}/", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("boards", "get", "/api/boards/", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("scenarios", "get", "/api/scenarios/", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("scan a sample", "post", "/api/samples/scan/", "scan", row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("queue health", "get", "/api/queue-health/", None, row(401, 403, 403, 403, 403, 403, 403, 200, 403, 200)),
    # The registry is a public record: anyone reads it; only operators register amendments.
    ("registry", "get", "/api/registry/certificates/", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("certificate", "get", "/api/registry/certificates/{certificate}/", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("verify certificate", "get", "/api/registry/certificates/{certificate}/verify/", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("amend certificate", "post", "/api/registry/certificates/{certificate}/amendments/", {"action": "licence", "reason": "许可"}, row(401, 403, 403, 403, 403, 403, 403, 201, 403, 403)),
    ("register data resource", "post", "/api/registry/certificates/", "data_resource", row(401, 403, 403, 403, 403, 403, 403, 201, 403, 403)),
    ("log checkpoint", "get", "/api/registry/log/checkpoint/", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("inclusion proof", "get", "/api/registry/log/proof/inclusion/?index=0&size=2", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("consistency proof", "get", "/api/registry/log/proof/consistency/?first=1&second=2", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("log entries", "get", "/api/registry/log/entries/?start=0&end=2", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("log entry", "get", "/api/registry/log/entries/{first_entry}/", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
]
# fmt: on
CELLS = [(entry, role) for entry in LISTINGS_API_MATRIX for role in ROLES]


def resolve(path: str, world) -> str:
    versions = world["versions"]
    return path.format(
        draft=versions["draft"].pk,
        compliance=versions["compliance"].pk,
        quality=versions["quality"].pk,
        notice=versions["notice"].pk,
        registered=versions["registered"].pk,
        registered_product=versions["registered"].product_id,
        listed=world["listed"].pk,
        listing_review=world["listing_review"].pk,
        objection=world["objection"].pk,
        certificate=versions["registered"].certificate.number,
        first_entry=0,
    )


def payload_for(kind, world):
    if kind == "sample":
        return {"file": SimpleUploadedFile("s.csv", CLEAN_SAMPLE)}, "multipart"
    if kind in ("document",):
        return {"kind": "other", "file": SimpleUploadedFile("x.pdf", pdf_bytes("x"))}, "multipart"
    if kind == "scan":
        return {"file": SimpleUploadedFile("s.csv", CLEAN_SAMPLE)}, "multipart"
    if kind == "sheet":
        return {
            "name": "新产品",
            "summary": "摘要",
            "product_type": "dataset",
            "board": "credit",
        }, "json"
    if kind == "data_resource":
        return {
            "kind": "DR",
            "registrant_name": "上海港口物流数据有限公司",
            "registrant_credit_code": credit_code(31),
            "name": "集装箱作业数据资源",
            "description": "作业记录",
            "source": "自有系统采集",
            "rights": ["resource_holding"],
        }, "json"
    if kind == "listing":
        return {"product": world["versions"]["registered"].product_id, "boards": ["credit"]}, "json"
    return kind, "json"


@pytest.mark.django_db
@pytest.mark.parametrize(("entry", "role"), CELLS, ids=[f"{e[0]}-{r}" for e, r in CELLS])
def test_listings_api_matrix(world, entry, role):
    _name, method, path, payload, expected = entry
    client = api_client_for(world["people"].get(role))
    url = resolve(path, world)
    if payload is None:
        response = getattr(client, method)(url)
    else:
        data, media = payload_for(payload, world)
        response = getattr(client, method)(url, data, format=media)
    statuses_before = dict(ProductVersion.objects.values_list("pk", "status"))
    assert response.status_code == expected[role], response.content[:400]
    if response.status_code >= 400:
        assert dict(ProductVersion.objects.values_list("pk", "status")) == statuses_before


# fmt: off
PAGE_MATRIX = [
    ("catalog", "/catalog/", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("catalog item", "/catalog/{listed}/", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("our products", "/products/", row(302, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    ("new product", "/products/new/", row(302, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    ("precheck", "/products/precheck/", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("draft page", "/products/versions/{draft}/", row(302, 200, 200, 404, 404, 404, 404, 404, 404, 404)),
    ("version in review", "/products/versions/{compliance}/", row(302, 200, 200, 404, 404, 200, 200, 200, 200, 200)),
    ("edit draft", "/products/versions/{draft}/edit/", row(302, 200, 200, 404, 404, 404, 404, 404, 404, 404)),
    ("review queues", "/reviews/", row(302, 403, 403, 403, 403, 200, 200, 200, 200, 200)),
    ("queue health", "/reviews/health/", row(302, 403, 403, 403, 403, 403, 403, 200, 403, 200)),
    ("listing page", "/listings/{listed}/", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("registry", "/registry/", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("certificate page", "/registry/{certificate}/", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("printable certificate", "/registry/{certificate}/print/", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("certificate PDF", "/registry/{certificate}/pdf/", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("log checkpoint", "/log/checkpoint", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("log key", "/log/vkey", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("log tile", "/log/tile/0/000.p/2", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("entry bundle", "/log/tile/entries/000.p/2", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
]
# fmt: on
PAGE_CELLS = [(entry, role) for entry in PAGE_MATRIX for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("entry", "role"), PAGE_CELLS, ids=[f"{e[0]}-{r}" for e, r in PAGE_CELLS])
def test_listings_page_matrix(world, entry, role):
    _name, path, expected = entry
    client = Client()
    if world["people"].get(role) is not None:
        client.force_login(world["people"][role])
    assert client.get(resolve(path, world)).status_code == expected[role]


@pytest.mark.django_db
def test_the_world_is_what_the_matrix_assumes(world):
    versions = world["versions"]
    assert {key: ProductVersion.objects.get(pk=v.pk).status for key, v in versions.items()} == {
        "draft": V.DRAFT,
        "compliance": V.COMPLIANCE_REVIEW,
        "quality": V.QUALITY_REVIEW,
        "notice": V.PUBLIC_NOTICE,
        "registered": V.REGISTERED,
    }
    world["listed"].refresh_from_db()
    assert world["listed"].status == ListingStatus.LISTED
