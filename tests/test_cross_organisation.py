"""Nobody reaches another organisation's private material, through any route (issue 8 §2a).

The routes come from the URL resolver: every page and API route that addresses a merchant, a
product version, a listing, an objection, a document or a certificate, and every download, must be
classified in ``SCOPED_ROUTES`` (the subject it addresses and the level it needs), so a new nested
route cannot skip these tests. For each route, method and role:

- a reader who may not see the subject at that level gets exactly the answer a subject that does
  not exist gets (404 signed in; 401 or the login page signed out), and nothing changes;
- a reader who may gets the page (for reading routes);
- no page and no API answer, including every list, shows a private marker (a contact, a document's
  name, a reviewer's or an operator's reason) to anyone outside that marker's circle.

Who may see what is written here by hand (``SEES``), apart from the code's rules, so that the two
must agree.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from exchange import clock
from exchange.accounts.roles import OrganisationKind, Role
from exchange.models import Notification
from exchange.registry.models import Certificate
from listings import services as listings
from listings.models import (
    Board,
    Listing,
    ListingEvent,
    Objection,
    ProductDocument,
    ProductDocumentKind,
    ProductVersion,
    Review,
    VersionEvent,
)
from merchants import services as merchants
from merchants.models import DocumentKind, Merchant, MerchantDocument, MerchantEvent
from merchants.states import MerchantStatus
from seeds.documents import pdf_bytes, pdf_upload
from tests.conftest import api_client_for
from tests.factories import (
    CLEAN_SAMPLE,
    advance_to,
    create_application,
    create_version,
    make_organisation,
    make_user,
)
from tests.listings.conftest import GOOD_SCORES, approve, passing_checklist, submit

PUBLIC, VIEW, INTERNALS = "public", "view", "view_internals"

ROLES = [
    "anonymous",
    "a_admin",  # merchant admin of organisation A (the active merchant and its products)
    "a_staff",
    "b_admin",  # merchant admin of organisation B (a submitted application)
    "buyer",
    "compliance",  # compliance reviewer at a third-party assessor
    "quality",
    "committee",
    "settlement",
    "operator",
    "auditor",
]
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
MEMBERS_A = frozenset({"a_admin", "a_staff"})
SUPERVISORS = frozenset({"operator", "auditor"})
# The roles that work a review queue (operators review the registration stage).
REVIEWERS = frozenset({"compliance", "quality", "committee", "operator"})

# (subject, level) → who may. Written from the rules of DOMAIN.md and issue 8, not from the code.
SEES = {
    ("merchant_active", VIEW): SIGNED_IN,
    ("merchant_active", INTERNALS): MEMBERS_A | SUPERVISORS,
    ("merchant_submitted", VIEW): {"b_admin"} | SUPERVISORS,
    ("merchant_submitted", INTERNALS): {"b_admin"} | SUPERVISORS,
    ("version_registered", VIEW): SIGNED_IN,
    ("version_registered", INTERNALS): MEMBERS_A | REVIEWERS | SUPERVISORS,
    ("version_review", VIEW): MEMBERS_A | REVIEWERS | SUPERVISORS,
    ("version_review", INTERNALS): MEMBERS_A | REVIEWERS | SUPERVISORS,
    ("version_draft", VIEW): MEMBERS_A,
    ("version_draft", INTERNALS): MEMBERS_A,
    ("version_notice", VIEW): SIGNED_IN,
    ("version_notice", INTERNALS): MEMBERS_A | REVIEWERS | SUPERVISORS,
    ("product_registered", VIEW): SIGNED_IN,
    ("listing_listed", VIEW): SIGNED_IN,
    ("listing_listed", INTERNALS): MEMBERS_A | REVIEWERS | SUPERVISORS,
    ("objection", VIEW): {"buyer"} | MEMBERS_A | REVIEWERS | SUPERVISORS,
}
# Documents belong to their parent's internals.
DOCUMENT_PARENT = {
    "merchant_document_active": "merchant_active",
    "merchant_document_submitted": "merchant_submitted",
    "version_document_registered": "version_registered",
    "version_document_review": "version_review",
    "version_document_draft": "version_draft",
}

# Private strings planted on each subject, by what they are; each is readable by the subject's
# insiders (an objection also by the person who filed it).
PLANTED = {
    "merchant_active": {
        "contact": ["zzcontacta", "13977770001", "zzmaila@example.com"],
        "document": ["zzdoca.pdf"],
        "reason": ["zzreasona"],  # an operator's reason in the audit trail
    },
    "merchant_submitted": {
        "contact": ["zzcontactb", "13977770002", "zzmailb@example.com"],
        "document": ["zzdocb.pdf"],
    },
    "version_registered": {"material": ["zzmaterialv1.pdf"], "review": ["zzreviewv1"]},
    "version_review": {"material": ["zzmaterialvr.pdf"]},
    "version_draft": {"material": ["zzmaterialvd.pdf"]},
    "version_notice": {"objection": ["zzobjection"]},
    "listing_listed": {"review": ["zzlistingreview"], "reason": ["zzlistingreason"]},
    "objection": {"objection": ["zzobjection"]},
}
MARKERS = {
    marker: SEES[("objection", VIEW)] if kind == "objection" else SEES[(subject, INTERNALS)]
    for subject, kinds in PLANTED.items()
    for kind, markers in kinds.items()
    for marker in markers
}


def may(role: str, subject: str, level: str) -> bool:
    if level == PUBLIC:
        return True
    if subject in DOCUMENT_PARENT:
        return role in SEES[(DOCUMENT_PARENT[subject], INTERNALS)]
    if subject == "version_pair":  # the registered version and its next version, a draft
        return may(role, "version_registered", level) and may(role, "version_draft", level)
    return role in SEES[(subject, level)]


@dataclass(frozen=True)
class Scope:
    """What a route addresses, the level it needs, and how each method is exercised."""

    kind: str  # the kind of subject (a key of SUBJECTS), or "reference" for public reference data
    level: str
    methods: dict = field(default_factory=lambda: {"get": None})
    action: str = ""  # the <action> slug of a page's action route
    readable: bool = True  # with the level, a GET answers 200 (False: also needs a role)
    shows: tuple = ()  # kinds of planted markers the route shows to those who may read them
    # Subjects this page also shows to visitors who are not signed in (the API needs a login).
    public_for: frozenset = frozenset()


def reason():
    return lambda: {"reason": "理由"}


def merchant_file():
    return lambda: {"kind": DocumentKind.OTHER, "file": pdf_upload("new.pdf", "new")}


def product_file():
    return lambda: {
        "kind": ProductDocumentKind.OTHER,
        "file": SimpleUploadedFile("new.pdf", pdf_bytes("new")),
    }


def sample_file():
    return lambda: {"file": SimpleUploadedFile("sample.csv", CLEAN_SAMPLE)}


MERCHANT_ACTIONS = [
    "approve",
    "issue-agreement",
    "reinstate",
    "reject",
    "request-information",
    "resubmit",
    "sign",
    "start-review",
    "submit",
    "suspend",
    "terminate",
    "withdraw",
]
VERSION_ACTIONS = ["claim", "decide", "release", "submit", "withdraw", "objections"]
LISTING_ACTIONS = ["claim", "decide", "delist", "reinstate", "suspend", "withdraw"]
A_CONTACT = tuple(PLANTED["merchant_active"]["contact"])

# Every route that addresses an organisation's material or a public record, by URL name.
SCOPED_ROUTES = {
    # merchant pages
    # An active merchant's page is its public profile, linked from the directory (issue 8 §2).
    "merchants:detail": Scope(
        "merchant",
        VIEW,
        shows=("contact", "document", "reason"),
        public_for=frozenset({"merchant_active"}),
    ),
    "merchants:edit": Scope("merchant", VIEW, readable=False),
    "merchants:act": Scope("merchant", VIEW, {"post": reason()}, action="suspend"),
    "merchants:document-upload": Scope("merchant", INTERNALS, {"post": merchant_file()}),
    "merchants:document-download": Scope("merchant_document", INTERNALS),
    "merchants:document-remove": Scope("merchant_document", INTERNALS, {"post": dict}),
    # merchants API
    "merchants-api:merchant-detail": Scope(
        "merchant",
        VIEW,
        {"get": None, "patch": lambda: {"business_scope": "x"}, "put": dict},
        shows=("contact",),
    ),
    **{
        f"merchants-api:merchant-{name}": Scope("merchant", VIEW, {"post": reason()})
        for name in MERCHANT_ACTIONS
    },
    "merchants-api:merchant-events": Scope("merchant", INTERNALS, shows=("reason",)),
    "merchants-api:document-list": Scope(
        "merchant", INTERNALS, {"get": None, "post": merchant_file()}, shows=("document",)
    ),
    "merchants-api:document-detail": Scope(
        "merchant_document", INTERNALS, {"get": None, "delete": None}
    ),
    "merchants-api:document-download": Scope("merchant_document", INTERNALS),
    "merchants-api:category-detail": Scope("reference", PUBLIC),
    # product pages
    "listings:version-detail": Scope("version", VIEW, shows=("material", "review", "objection")),
    "listings:version-edit": Scope("version", VIEW, readable=False),
    "listings:version-diff": Scope("version_pair", VIEW),
    "listings:version-act": Scope("version", VIEW, {"post": reason()}, action="withdraw"),
    **{
        f"listings:version-{name}": Scope("version", VIEW, {"post": reason()})
        for name in ("claim", "release", "decide", "object", "new", "list")
    },
    "listings:version-sample": Scope("version", INTERNALS, {"post": sample_file()}),
    "listings:version-document": Scope("version", INTERNALS, {"post": product_file()}),
    "listings:version-sample-download": Scope("version", INTERNALS),
    "listings:document-download": Scope("version_document", INTERNALS),
    "listings:document-remove": Scope("version_document", INTERNALS, {"post": dict}),
    "listings:objection-detail": Scope("objection", VIEW, shows=("objection",)),
    "listings:objection-act": Scope("objection", VIEW, {"post": reason()}, action="dismiss"),
    "listings:listing-detail": Scope("listing", VIEW, shows=("review", "reason")),
    "listings:listing-act": Scope("listing", VIEW, {"post": reason()}, action="suspend"),
    "listings:listing-claim": Scope("listing", VIEW, {"post": dict}),
    "listings:listing-decide": Scope("listing", VIEW, {"post": reason()}),
    "listings:catalog-item": Scope("catalog", PUBLIC),
    # products API
    "listings-api:product-new-version": Scope("product", VIEW, {"post": dict}),
    "listings-api:version-detail": Scope(
        "version",
        VIEW,
        {"get": None, "patch": lambda: {"summary": "x"}, "put": dict},
        shows=("material",),
    ),
    **{
        f"listings-api:version-{name}": Scope("version", VIEW, {"post": reason()})
        for name in VERSION_ACTIONS
    },
    "listings-api:version-documents": Scope("version", INTERNALS, {"post": product_file()}),
    "listings-api:version-sample": Scope("version", INTERNALS, {"post": sample_file()}),
    "listings-api:version-sample-download": Scope("version", INTERNALS),
    "listings-api:version-document-download": Scope("version_document", INTERNALS),
    "listings-api:version-remove-document": Scope("version_document", INTERNALS, {"post": dict}),
    "listings-api:version-events": Scope("version", INTERNALS, shows=("review",)),
    "listings-api:version-reviews": Scope("version", INTERNALS, shows=("review",)),
    "listings-api:listing-detail": Scope("listing", VIEW),
    **{
        f"listings-api:listing-{name}": Scope("listing", VIEW, {"post": reason()})
        for name in LISTING_ACTIONS
    },
    "listings-api:listing-events": Scope("listing", INTERNALS, shows=("reason",)),
    "listings-api:objection-detail": Scope("objection", VIEW, shows=("objection",)),
    "listings-api:objection-decide": Scope(
        "objection", VIEW, {"post": lambda: {"uphold": False, "note": "n"}}
    ),
    "listings-api:objection-withdraw": Scope("objection", VIEW, {"post": reason()}),
    "listings-api:catalog-detail": Scope("catalog", PUBLIC),
    "listings-api:board-detail": Scope("reference", PUBLIC),
    "listings-api:scenario-detail": Scope("reference", PUBLIC),
    # the registry: a public record, open to anyone
    "registry:certificate": Scope("certificate", PUBLIC),
    "registry:certificate-print": Scope("certificate", PUBLIC),
    "registry:certificate-pdf": Scope("certificate", PUBLIC),
    "registry:certificate-amend": Scope("certificate", PUBLIC, readable=False),
    "registry:log-tile": Scope("reference", PUBLIC),
    "registry-api:certificate-detail": Scope("certificate", PUBLIC),
    "registry-api:certificate-verify": Scope("certificate", PUBLIC),
    "registry-api:certificate-amend": Scope("certificate", PUBLIC, {"post": reason()}),
    "registry-api:log-entry": Scope("reference", PUBLIC),
}
# Namespaces whose routes with parameters are organisations' material or the public record.
SCOPED_NAMESPACES = {
    "merchants",
    "merchants-api",
    "listings",
    "listings-api",
    "registry",
    "registry-api",
}
# Downloads addressed by a signed link bound to its holder: without a valid link every id answers
# alike (403), so nothing is learnt of others' rows; tests/settlement/test_orders.py proves the
# link (another's, expired, forged).
SIGNED_LINK_ROUTES = {"settlement:download"}
# Trading's files, scoped as the order or batch they print: tests/settlement/test_clearing.py
# proves that those who may not see the order or batch get 404.
TRADING_FILES = {
    "settlement:order-receipt-pdf",
    "settlement:order-receipt-csv",
    "settlement:batch-pdf",
    "settlement:batch-csv",
}
# A route serving a file is a download wherever it lives.
DOWNLOAD = re.compile(r"download|pdf|file|export|attachment", re.IGNORECASE)


def url_patterns():
    """(namespaced name, route text, callback) of every URL pattern, admin excepted."""

    def walk(patterns, prefix="", namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue
                yield from walk(
                    pattern.url_patterns,
                    prefix + str(pattern.pattern),
                    pattern.namespace or namespace,
                )
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, prefix + str(pattern.pattern), pattern.callback

    return list(walk(get_resolver().url_patterns))


def has_parameters(route: str) -> bool:
    return bool(re.search(r"<[^>]+>|\(\?P<", route))


def in_scope(name: str, route: str) -> bool:
    namespace = name.split(":")[0] if ":" in name else ""
    return (namespace in SCOPED_NAMESPACES and has_parameters(route)) or bool(
        DOWNLOAD.search(name or "")
    )


ALL_PATTERNS = url_patterns()
SCOPED = sorted({name for name, route, _ in ALL_PATTERNS if in_scope(name, route)})
LISTS = sorted(
    {name for name, route, _ in ALL_PATTERNS if name and not has_parameters(route)}
    # logging out and switching language change the session; the schema and its viewers hold no rows
    - {"accounts:logout", "set_language", "api-schema", "api-docs", "api-redoc"}
)


def covered_api_paths() -> set[str]:
    """The /api/ paths these tests cover, normalised as tests/test_structure.py does."""
    paths = set()
    for name, route, _ in ALL_PATTERNS:
        if name in SCOPED_ROUTES and SCOPED_ROUTES[name].kind != "reference":
            path = "/" + route.replace("^", "").replace("$", "").replace("\\Z", "")
            path = re.sub(r"\(\?P<[^>]+>[^)]+\)|<[^>]+>", "{id}", path)
            if path.startswith("/api/"):
                paths.add(path)
    return paths


def test_every_nested_route_and_download_is_classified():
    assert len(SCOPED) > 50
    missing = sorted(set(SCOPED) - set(SCOPED_ROUTES) - SIGNED_LINK_ROUTES - TRADING_FILES)
    assert not missing, f"classify these routes in SCOPED_ROUTES: {missing}"
    stale = sorted(set(SCOPED_ROUTES) - set(SCOPED))
    assert not stale, f"remove stale entries: {stale}"


def test_every_api_method_of_a_scoped_route_is_exercised():
    """A DRF route's methods come from its view; each must be in the route's Scope."""
    unexercised = []
    for name, _route, callback in ALL_PATTERNS:
        actions = getattr(callback, "actions", None)
        if name in SCOPED_ROUTES and actions:
            unexercised += [
                f"{name} {method}"
                for method in actions
                if method not in SCOPED_ROUTES[name].methods and method not in ("head", "options")
            ]
    assert not unexercised, unexercised


# --- the world --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reference_data = connection.creation.serialize_db_to_string()
        people, subjects = build_world()
    yield {"people": people, "subjects": subjects}
    with django_db_blocker.unblock():
        # As tests/listings/test_permissions.py: empty the tables and restore the reference data
        # under its original ids.
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(reference_data)


def build_world():
    exchange_org = make_organisation(kind=OrganisationKind.EXCHANGE)
    assessor = make_organisation(kind=OrganisationKind.SERVICE_PROVIDER)
    people = {
        "a_admin": make_user(role=Role.MERCHANT_ADMIN, username="x_a_admin"),
        "b_admin": make_user(role=Role.MERCHANT_ADMIN, username="x_b_admin"),
        "buyer": make_user(role=Role.BUYER, username="x_buyer"),
        "compliance": make_user(
            role=Role.COMPLIANCE_REVIEWER, organisation=assessor, username="x_compliance"
        ),
        **{
            key: make_user(role=role, organisation=exchange_org, username=f"x_{key}")
            for key, role in [
                ("quality", Role.QUALITY_REVIEWER),
                ("committee", Role.LISTING_COMMITTEE),
                ("settlement", Role.SETTLEMENT_OPERATOR),
                ("operator", Role.OPERATOR),
                ("auditor", Role.AUDITOR),
            ]
        },
    }
    people["a_staff"] = make_user(
        role=Role.MERCHANT_STAFF, organisation=people["a_admin"].organisation, username="x_a_staff"
    )
    operator, a_admin = people["operator"], people["a_admin"]

    merchant_a = create_application(
        a_admin,
        contact_name="zzcontacta",
        contact_phone="13977770001",
        contact_email="zzmaila@example.com",
    )
    merchants.add_document(
        merchant=merchant_a,
        actor=a_admin,
        kind=DocumentKind.OTHER,
        upload=pdf_upload("zzdoca.pdf", "a"),
    )
    advance_to(merchant_a, MerchantStatus.ACTIVE, applicant=a_admin, operator=operator)
    merchants.suspend_merchant(merchant=merchant_a, actor=operator, reason="zzreasona")
    merchants.reinstate_merchant(merchant=merchant_a, actor=operator)
    merchant_b = create_application(
        people["b_admin"],
        contact_name="zzcontactb",
        contact_phone="13977770002",
        contact_email="zzmailb@example.com",
    )
    merchants.add_document(
        merchant=merchant_b,
        actor=people["b_admin"],
        kind=DocumentKind.OTHER,
        upload=pdf_upload("zzdocb.pdf", "b"),
    )
    advance_to(merchant_b, MerchantStatus.SUBMITTED, applicant=people["b_admin"], operator=operator)

    def material(version, name):
        listings.add_product_document(
            version=version,
            actor=a_admin,
            kind=ProductDocumentKind.OTHER,
            upload=pdf_upload(name, name),
        )
        return version

    def through_registration_review(version, comments=""):
        submit(version, a_admin)
        approve(version, people["compliance"])
        review = listings.claim_version(version=version, actor=people["quality"])
        listings.decide_version_review(
            version=review.version,
            actor=people["quality"],
            decision="approve",
            checklist=passing_checklist("quality"),
            scores=GOOD_SCORES,
            comments=comments,
        )
        version.refresh_from_db()
        return approve(version, operator)

    registered = through_registration_review(
        material(create_version(a_admin, name="已登记产品"), "zzmaterialv1.pdf"), "zzreviewv1"
    )
    clock.set_simulated_time(at=registered.notice_ends_at + timedelta(minutes=1))
    listings.register_version(version_id=registered.pk)
    clock.use_real_time()
    registered.refresh_from_db()
    listing = listings.apply_for_listing(
        product=registered.product, actor=a_admin, boards=[Board.objects.get(code="credit")]
    )
    review = listings.claim_listing(listing=listing, actor=people["committee"])
    listings.decide_listing_review(
        listing=review.listing,
        actor=people["committee"],
        decision="approve",
        checklist=passing_checklist("listing"),
        comments="zzlistingreview",
    )
    listings.suspend_listing(listing=listing, actor=operator, reason="zzlistingreason")
    listings.reinstate_listing(listing=listing, actor=operator)
    notice = through_registration_review(create_version(a_admin, name="公示中产品"))
    objection = listings.file_objection(version=notice, actor=people["buyer"], reason="zzobjection")
    in_review = material(create_version(a_admin, name="审核中产品"), "zzmaterialvr.pdf")
    submit(in_review, a_admin)
    draft = material(create_version(a_admin, name="草稿产品"), "zzmaterialvd.pdf")
    next_version = listings.start_new_version(product=registered.product, actor=a_admin)

    for version in (registered, in_review, draft, notice):
        version.refresh_from_db()
    assert (registered.status, in_review.status, draft.status, notice.status) == (
        "registered",
        "compliance_review",
        "draft",
        "public_notice",
    )
    listing.refresh_from_db()
    assert listing.status == "listed"
    subjects = {
        "merchant_active": merchant_a,
        "merchant_submitted": merchant_b,
        "merchant_document_active": merchant_a.documents.get(original_name="zzdoca.pdf"),
        "merchant_document_submitted": merchant_b.documents.get(original_name="zzdocb.pdf"),
        "version_registered": registered,
        "version_review": in_review,
        "version_draft": draft,
        "version_notice": notice,
        "version_pair": (registered, next_version),
        "version_document_registered": registered.documents.get(original_name="zzmaterialv1.pdf"),
        "version_document_review": in_review.documents.get(original_name="zzmaterialvr.pdf"),
        "version_document_draft": draft.documents.get(original_name="zzmaterialvd.pdf"),
        "product_registered": registered.product,
        "listing_listed": listing,
        "objection": objection,
        "catalog": listing,
        "certificate": registered.certificate,
    }
    return people, subjects


# Instances of each kind of subject a route addresses.
SUBJECTS = {
    "merchant": ["merchant_active", "merchant_submitted"],
    "merchant_document": ["merchant_document_active", "merchant_document_submitted"],
    "version": ["version_registered", "version_review", "version_draft", "version_notice"],
    "version_pair": ["version_pair"],
    "version_document": [
        "version_document_registered",
        "version_document_review",
        "version_document_draft",
    ],
    "product": ["product_registered"],
    "listing": ["listing_listed"],
    "objection": ["objection"],
    "catalog": ["catalog"],
    "certificate": ["certificate"],
}
MISSING_ID = 987654321


def kwargs_for(name: str, scope: Scope, subject) -> dict:
    """The URL's keyword arguments for ``subject`` (``None``: one that does not exist)."""
    names = set(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route_of(name)))
    names = {a or b for a, b in names}
    kind = scope.kind
    if kind == "certificate":
        return {"number": subject.number if subject else "DR-2000-0000000-0"}
    if kind == "version_pair":
        first, second = subject if subject else (None, None)
        return {
            "pk": first.pk if first else MISSING_ID,
            "other": second.pk if second else MISSING_ID,
        }
    if kind in ("merchant_document", "version_document"):
        parent_key = "merchant_pk" if "merchant_pk" in names else "pk"
        child_key = "pk" if parent_key == "merchant_pk" else "document_pk"
        parent = getattr(subject, "merchant_id", None) or getattr(subject, "version_id", None)
        kwargs = {
            parent_key: parent or MISSING_ID,
            child_key: subject.pk if subject else MISSING_ID,
        }
    else:
        key = "merchant_pk" if "merchant_pk" in names else "pk"
        kwargs = {key: subject.pk if subject else MISSING_ID}
    if scope.action:
        kwargs["action"] = scope.action
    return kwargs


def route_of(name: str) -> str:
    return next(route for n, route, _ in ALL_PATTERNS if n == name)


def url_for(name: str, kwargs: dict) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=kwargs)


def is_api(name: str) -> bool:
    return name.split(":")[0].endswith("-api")


def call(name: str, method: str, url: str, user, payload):
    data = payload() if payload else None
    if is_api(name):
        client = api_client_for(user)
        has_file = bool(data) and any(hasattr(v, "read") for v in data.values())
        return getattr(client, method)(url, data, format="multipart" if has_file else "json")
    client = Client()
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(url, data or {})


def state():
    """Everything a refused request must leave as it was."""
    return (
        list(Merchant.objects.order_by("pk").values_list("pk", "status", "business_scope")),
        MerchantEvent.objects.count(),
        MerchantDocument.objects.count(),
        list(ProductVersion.objects.order_by("pk").values_list("pk", "status", "summary")),
        VersionEvent.objects.count(),
        ProductDocument.objects.count(),
        Review.objects.count(),
        list(Objection.objects.order_by("pk").values_list("pk", "status")),
        list(Listing.objects.order_by("pk").values_list("pk", "status")),
        ListingEvent.objects.count(),
        Certificate.objects.count(),
        Notification.objects.count(),
    )


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", errors="replace")
    return response.content.decode("utf-8", errors="replace")


def leaked(role: str, body: str) -> list[str]:
    text = body.lower()
    return [marker for marker, readers in MARKERS.items() if role not in readers and marker in text]


ROUTE_METHODS = [
    (name, method)
    for name in sorted(SCOPED_ROUTES)
    if SCOPED_ROUTES[name].kind != "reference"  # public reference data; the list test reads it
    for method in SCOPED_ROUTES[name].methods
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method"), ROUTE_METHODS, ids=[f"{n} {m}" for n, m in ROUTE_METHODS]
)
def test_a_route_serves_only_those_who_may_see_its_subject(world, name, method):
    scope = SCOPED_ROUTES[name]
    payload = scope.methods[method]
    problems = []
    missing = url_for(name, kwargs_for(name, scope, None))
    baselines = {}  # role → what a subject that does not exist gets
    for key in SUBJECTS[scope.kind]:
        url = url_for(name, kwargs_for(name, scope, world["subjects"][key]))
        for role in ROLES:
            user = world["people"].get(role)
            where = f"{method.upper()} {url} as {role} ({key})"
            if may(role, key, scope.level) or (role == "anonymous" and key in scope.public_for):
                if method == "get":
                    problems += served(where, scope, key, role, call(name, method, url, user, None))
                # What an allowed write does is the permission matrix's business.
                continue
            before = state()
            response = call(name, method, url, user, payload)
            if role not in baselines:
                baselines[role] = call(name, method, missing, user, payload).status_code
            baseline = baselines[role]
            if response.status_code != baseline:
                problems.append(
                    f"{where}: {response.status_code}, but one that does not exist gets {baseline}"
                )
            # 405: the route has the method but the view refuses it for every row alike.
            if user is not None and response.status_code not in (404, 405):
                problems.append(f"{where}: {response.status_code}, expected 404")
            if state() != before:
                problems.append(f"{where} changed something")
    assert not problems, "\n".join(problems)


def served(where: str, scope: Scope, key: str, role: str, response) -> list[str]:
    """A reader with the level gets the page, with what it shows them and nothing more."""
    if response.status_code != 200:
        return [f"{where}: {response.status_code}, expected 200"] if scope.readable else []
    body = body_of(response)
    problems = [f"{where} shows {marker}" for marker in leaked(role, body)]
    expected = [
        marker
        for kind in scope.shows
        for marker in PLANTED.get(key, {}).get(kind, [])
        if role in MARKERS[marker]
    ]
    return problems + [f"{where} does not show {m}" for m in expected if m not in body.lower()]


@pytest.mark.django_db
@pytest.mark.parametrize("name", LISTS)
def test_no_page_or_list_shows_private_material_to_outsiders(world, name):
    """Every route without parameters (lists, queues, dashboards, the directory, the catalogue),
    read by every role: no private marker outside its circle."""
    url = url_for(name, {})
    problems = []
    for role in ROLES:
        response = call(name, "get", url, world["people"].get(role), None)
        if response.status_code == 200:
            problems += [f"GET {url} as {role} shows {m}" for m in leaked(role, body_of(response))]
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_merchant_list_hides_contacts_but_not_the_directory_entry(world):
    merchant = world["subjects"]["merchant_active"]
    # given the buyer reading the API's merchant list
    response = api_client_for(world["people"]["buyer"]).get("/api/merchants/")
    # then the active merchant is listed, with its contacts withheld
    row = {r["id"]: r for r in response.json()["results"]}[merchant.pk]
    assert row["company_name"] == merchant.company_name
    assert (row["contact_name"], row["contact_phone"], row["contact_email"]) == (None, None, None)
    # and an operator reads them
    response = api_client_for(world["people"]["operator"]).get("/api/merchants/")
    row = {r["id"]: r for r in response.json()["results"]}[merchant.pk]
    assert (row["contact_name"], row["contact_phone"], row["contact_email"]) == A_CONTACT


@pytest.mark.django_db
def test_a_registered_version_shows_its_sheet_but_not_its_evidence_to_a_buyer(world):
    version = world["subjects"]["version_registered"]
    url = f"/api/product-versions/{version.pk}/"
    response = api_client_for(world["people"]["buyer"]).get(url)
    body = response.json()
    assert (response.status_code, body["name"], body["check_report"], body["documents"]) == (
        200,
        "已登记产品",
        None,
        None,
    )
    body = api_client_for(world["people"]["quality"]).get(url).json()
    assert body["check_report"]["risk_level"] == version.check_report.risk_level
    assert "zzmaterialv1.pdf" in {d["original_name"] for d in body["documents"]}
