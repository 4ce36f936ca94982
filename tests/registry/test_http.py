"""The log over HTTP (C2SP formats) and the JSON API: content types, no redirects, refusals."""

import base64

import pytest
from django.test import Client

from exchange.registry import log, merkle, notes, services, tiles
from exchange.registry.models import Certificate
from tests.conftest import api_client_for
from tests.factories import log_entries
from tests.registry.conftest import forge_entry

pytestmark = pytest.mark.django_db

TEXT = "text/plain; charset=utf-8"
BINARY = "application/octet-stream"


@pytest.fixture
def logged(issue):
    """A log of 300 certificates: one full level-0 tile, one partial."""
    return issue(300)


def leaf_hashes() -> list[bytes]:
    return [merkle.leaf_hash(bytes(d)) for d in log_entries()]


def test_checkpoint_and_vkey_are_plain_text_that_verify(logged):
    client = Client()
    checkpoint = client.get("/log/checkpoint")
    vkey = client.get("/log/vkey")
    assert (checkpoint.status_code, vkey.status_code) == (200, 200)
    assert checkpoint["Content-Type"] == vkey["Content-Type"] == TEXT
    signed = notes.open_checkpoint(checkpoint.content.decode(), vkey.content.decode().strip())
    assert signed.size == 300 and signed.root == merkle.root(leaf_hashes())


def test_full_tiles_are_cached_forever_and_partial_ones_are_served_at_the_signed_size(logged):
    client = Client()
    full = client.get("/log/tile/0/000")
    partial = client.get("/log/tile/0/001.p/44")
    bundle = client.get("/log/tile/entries/001.p/44")
    for response in (full, partial, bundle):
        assert response.status_code == 200 and response["Content-Type"] == BINARY
    assert "immutable" in full["Cache-Control"] and "immutable" in partial["Cache-Control"]
    assert "Accept-Language" not in full.get("Vary", "") and "Content-Language" not in full
    hashes = leaf_hashes()
    assert full.content == b"".join(hashes[:256])
    assert partial.content == b"".join(hashes[256:300])
    assert client.get("/log/tile/0/001.p/10").content == b"".join(hashes[256:266])
    data = bundle.content
    first_length = int.from_bytes(data[:2], "big")
    assert merkle.leaf_hash(data[2 : 2 + first_length]) == hashes[256]
    for missing in (
        "/log/tile/0/001.p/45",
        "/log/tile/0/001",
        "/log/tile/1/000",
        "/log/tile/0/x000/001",
    ):
        assert client.get(missing).status_code == 404, missing


def test_the_log_paths_never_redirect_and_need_no_login(logged):
    client = Client()
    paths = [
        "/log/checkpoint",
        "/log/vkey",
        "/log/" + tiles.tile_path(0, 0),
        "/log/" + tiles.entries_path(1, 44),
        "/api/registry/log/checkpoint/",
        "/api/registry/log/proof/inclusion/?index=3&size=300",
        "/api/registry/log/proof/consistency/?first=3&second=300",
        "/api/registry/log/entries/?start=0&end=10",
        "/api/registry/log/entries/5/",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
    for path in paths[4:]:
        assert client.get(path)["Content-Type"] == "application/json"


def test_proofs_in_json_verify_for_any_size_up_to_the_checkpoint(logged):
    client = Client()
    hashes = leaf_hashes()
    body = client.get("/api/registry/log/proof/inclusion/?index=100&size=257").json()
    assert set(body) == {"index", "size", "hashes"} and (body["index"], body["size"]) == (100, 257)
    proof = [base64.b64decode(h, validate=True) for h in body["hashes"]]
    merkle.verify_inclusion(100, 257, hashes[100], proof, merkle.root(hashes[:257]))
    body = client.get("/api/registry/log/proof/consistency/?first=200&second=300").json()
    assert set(body) == {"first", "second", "hashes"}
    proof = [base64.b64decode(h, validate=True) for h in body["hashes"]]
    merkle.verify_consistency(200, 300, merkle.root(hashes[:200]), merkle.root(hashes), proof)
    assert (
        client.get("/api/registry/log/proof/consistency/?first=300&second=300").json()["hashes"]
        == []
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("proof/inclusion/?index=300&size=300", "index"),
        ("proof/inclusion/?index=0&size=301", "size"),
        ("proof/inclusion/?index=0&size=0", "size"),
        ("proof/inclusion/?index=-1&size=3", "index"),
        ("proof/inclusion/?size=3", "index"),
        ("proof/inclusion/?index=01&size=3", "index"),
        ("proof/inclusion/?index=x&size=3", "index"),
        ("proof/consistency/?first=0&second=10", "first"),
        ("proof/consistency/?first=11&second=10", "first"),
        ("proof/consistency/?first=1&second=301", "second"),
        ("entries/?start=0&end=301", "end"),
        ("entries/?start=10&end=5", "end"),
        ("entries/?start=0&end=1001", "end"),
        ("entries/300/", "index"),
    ],
)
def test_out_of_range_parameters_get_a_400_naming_the_parameter(logged, query, field):
    response = Client(headers={"accept-language": "en"}).get(f"/api/registry/log/{query}")
    assert response.status_code == 400
    body = response.json()
    assert [error["field"] for error in body["errors"]] == [field]
    assert field in body["message"]


def test_entries_come_back_as_their_exact_bytes(logged):
    body = Client().get("/api/registry/log/entries/?start=10&end=13").json()
    assert [item["index"] for item in body] == [10, 11, 12]
    for item in body:
        assert base64.b64decode(item["data"]) == bytes(log.entry(item["index"]))


def test_the_log_is_not_throttled_for_a_verifier_fetching_hundreds_of_tiles(logged):
    client = Client()
    statuses = {client.get("/log/tile/0/000").status_code for _ in range(300)}
    statuses |= {
        client.get("/api/registry/log/proof/inclusion/?index=1&size=300").status_code
        for _ in range(150)
    }
    assert statuses == {200}


def test_a_brand_new_log_serves_the_signed_checkpoint_of_the_empty_tree():
    # c2sp.org/tlog-checkpoint allows size 0: a witness can start before the first registration.
    import base64

    from exchange.registry import merkle, notes

    first = Client().get("/log/checkpoint")
    assert first.status_code == 200
    vkey = Client().get("/log/vkey").content.decode().strip()
    checkpoint = notes.open_checkpoint(first.content.decode(), vkey)
    assert (checkpoint.size, checkpoint.root) == (0, merkle.EMPTY_ROOT)
    # not stored, yet the same bytes every time (Ed25519 signatures are deterministic)
    assert Client().get("/log/checkpoint").content == first.content
    latest = Client().get("/api/registry/log/checkpoint/").json()
    assert (latest["size"], base64.b64decode(latest["root"])) == (0, merkle.EMPTY_ROOT)
    assert Client().get("/api/registry/log/proof/inclusion/?index=0&size=1").status_code == 400


# --- certificates over the API and the pages ----------------------------------------------------


def test_a_certificate_over_the_api_carries_status_history_and_proof(logged):
    certificate = Certificate.objects.get(log_index=7)
    body = Client().get(f"/api/registry/certificates/{certificate.number}/").json()
    assert body["number"] == certificate.number and body["status"] == "valid"
    assert body["log_index"] == 7 and body["proof"].startswith("c2sp.org/tlog-proof@v1\nindex 7\n")
    assert [item["number"] for item in body["history"]] == [certificate.number]
    assert body["content"] == {"resource": 7, "price": "12.50"}
    verified = Client().get(f"/api/registry/certificates/{certificate.number}/verify/").json()
    assert verified == {"ok": True, "problems": [], "bad_entry": None, "checkpoint_size": 300}


def test_the_registry_api_searches(logged):
    certificate = Certificate.objects.get(log_index=42)
    body = Client().get("/api/registry/certificates/", {"search": certificate.number}).json()
    assert [item["number"] for item in body["results"]] == [certificate.number]


def test_an_operator_registers_an_amendment_and_bad_input_names_the_field(logged, operator):
    certificate = Certificate.objects.get(log_index=0)
    client = api_client_for(operator)
    url = f"/api/registry/certificates/{certificate.number}/amendments/"
    refused = client.post(url, {"action": "initial", "reason": "x"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "action"
    created = client.post(
        url, {"action": "cancellation", "reason": "权利人申请注销"}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["references"] == certificate.number and created.json()["log_index"] == 300
    assert (
        Client().get(f"/api/registry/certificates/{certificate.number}/").json()["status"]
        == "cancelled"
    )
    again = client.post(url, {"action": "renewal", "reason": "续展"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_the_certificate_page_shows_the_certificate_its_proof_and_a_verify_button(logged):
    certificate = Certificate.objects.get(log_index=3)
    page = Client().get(f"/registry/{certificate.number}/").content.decode()
    assert certificate.number in page and certificate.digest in page
    assert 'data-action="verify"' in page and "c2sp.org/tlog-proof@v1" in page
    assert 'data-testid="server-problems"' not in page
    pdf = Client().get(f"/registry/{certificate.number}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert (
        certificate.number
        in Client().get(f"/registry/{certificate.number}/print/").content.decode()
    )
    search = Client().get("/registry/", {"q": certificate.number}).content.decode()
    assert certificate.number in search


def test_after_tampering_the_page_and_the_api_name_the_entry_that_broke(logged):
    entry = log.entry(17)
    forge_entry(
        17,
        entry.replace(b'"price":"12.50"', b'"price":"1.50"', 1).replace(
            b"resource", b"resourcf", 1
        ),
    )
    certificate = Certificate.objects.get(log_index=17)
    page = (
        Client(headers={"accept-language": "en"})
        .get(f"/registry/{certificate.number}/")
        .content.decode()
    )
    assert 'data-testid="server-problems"' in page and "entry 17" in page
    body = Client().get(f"/api/registry/certificates/{certificate.number}/verify/").json()
    assert body["ok"] is False and body["bad_entry"] == 17
    neighbour = Certificate.objects.get(log_index=18)
    assert (
        Client().get(f"/api/registry/certificates/{neighbour.number}/verify/").json()["ok"] is True
    )
    assert log.latest_checkpoint().size == 300


def test_an_operator_registers_an_amendment_from_the_certificate_page(issue, operator):
    from exchange.accounts.roles import Role
    from tests.factories import make_user

    [certificate] = issue(1)
    url = f"/registry/{certificate.number}/amend/"
    client = Client()
    client.force_login(operator)
    assert (
        'data-testid="amendment"' in client.get(f"/registry/{certificate.number}/").content.decode()
    )
    refused = client.post(url, {"action": "licence", "reason": ""})
    assert refused.status_code == 400 and Certificate.objects.count() == 1
    response = client.post(url, {"action": "licence", "reason": "许可某银行使用"})
    licence = Certificate.objects.get(action="licence")
    assert response.status_code == 302 and response["Location"] == f"/registry/{licence.number}/"
    buyer = Client()
    buyer.force_login(make_user(role=Role.BUYER))
    assert (
        'data-testid="amendment"'
        not in buyer.get(f"/registry/{certificate.number}/").content.decode()
    )
    assert buyer.post(url, {"action": "licence", "reason": "x"}).status_code == 403
    assert Client().post(url, {"action": "licence", "reason": "x"}).status_code == 403
    assert Certificate.objects.count() == 2


def test_an_operator_registers_a_data_resource_from_the_registry_page(operator):
    from tests.factories import credit_code

    client = Client()
    client.force_login(operator)
    assert 'data-testid="register-data"' in client.get("/registry/").content.decode()
    form = {
        "kind": "DR",
        "registrant_name": "上海港口物流数据有限公司",
        "registrant_credit_code": credit_code(21),
        "name": "洋山港集装箱作业数据资源",
        "description": "作业记录",
        "source": "自有系统采集",
        "rights": ["resource_holding"],
    }
    refused = client.post(
        "/registry/register/", {**form, "registrant_credit_code": "91310115MA1FL000I0"}
    )
    assert refused.status_code == 400 and "I、O、S、V" in refused.content.decode()
    response = client.post("/registry/register/", form)
    certificate = Certificate.objects.get()
    assert response.status_code == 302 and certificate.number.startswith("DR-")
    assert Client().post("/registry/register/", form).status_code == 403
    assert 'data-testid="register-data"' not in Client().get("/registry/").content.decode()


def test_the_registry_list_costs_the_same_queries_for_5_or_40_certificates(
    issue, django_assert_max_num_queries, registrar
):
    from exchange.registry.models import Action

    first = issue(5)
    services.amend_certificate(
        actor=registrar, original=first[0], action=Action.LICENCE, reason="许可"
    )
    client = Client()
    with django_assert_max_num_queries(6) as few:
        client.get("/api/registry/certificates/?page_size=40")
    issue(35, start=100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/registry/certificates/?page_size=40").json()["results"]) == 40
    with django_assert_max_num_queries(8):
        client.get("/registry/")


def test_entry_bundles_are_gzipped_for_clients_that_accept_it(logged):
    import gzip

    plain = Client().get("/log/tile/entries/000")
    zipped = Client(headers={"accept-encoding": "gzip"}).get("/log/tile/entries/000")
    assert zipped["Content-Encoding"] == "gzip" and len(zipped.content) < len(plain.content) / 2
    assert gzip.decompress(zipped.content) == plain.content
