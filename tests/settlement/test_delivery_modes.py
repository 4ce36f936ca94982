"""Delivery by each mode the product offers: a file to download; API access through the gateway
with a key, a quota and a validity, every call metered; privacy computing, where the buyer only
runs aggregate SQL and each query leaves a receipt. The buyer reaches the data only while the
order is live, and only its own."""

import csv
import hashlib
import io
from datetime import timedelta

import duckdb
import pytest
import rfc8785
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from exchange import clock
from exchange.errors import PermissionDeniedError, RuleViolation
from exchange.ledger.reconcile import reconcile
from listings.models import ProductVersion
from settlement import deliveries, disputes, privacy, services
from settlement.errors import ModeNotDeclared
from settlement.models import CallOutcome, GatewayAccess, PrivacyQuery
from settlement.states import OrderStatus
from tests.conftest import api_client_for
from tests.settlement.test_disputes import evidence
from tests.settlement.test_orders import paid_order, place

pytestmark = pytest.mark.django_db

DISTRICTS = ["浦东新区", "静安区", "徐汇区", "杨浦区"]


def dataset_csv(rows=120, rare="崇明区") -> bytes:
    """Companies by district with a registered capital; one district has only two rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["企业编号", "区", "注册资本", "成立年份"])
    for i in range(rows):
        district = rare if i < 2 else DISTRICTS[i % len(DISTRICTS)]
        writer.writerow([f"E{i:05d}", district, 100 + (i * 37) % 900, 2000 + i % 20])
    return out.getvalue().encode()


def upload(body: bytes | None = None, name="企业登记数据.csv"):
    return SimpleUploadedFile(name, body if body is not None else dataset_csv())


def offer(listing, *modes):
    ProductVersion.objects.filter(pk=listing.product.registered_version_id).update(
        delivery_modes=list(modes)
    )


def gateway(key, order, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return APIClient().get(f"/gateway/orders/{order.pk}/rows", params, **headers)


# --- the mode ------------------------------------------------------------------------------------


def test_the_mode_defaults_to_file_and_must_be_one_the_product_offers(listed, funded_buyer, seller):
    offer(listed, "api", "file")
    order = paid_order(listed, funded_buyer)
    with pytest.raises(ModeNotDeclared) as refused:
        deliveries.deliver(order, actor=seller, upload=upload(), mode="privacy_computing")
    assert refused.value.field == "mode"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not order.deliveries.exists()
    delivery = deliveries.deliver(order, actor=seller, upload=upload())
    assert delivery.mode == "file" and delivery.downloadable
    assert order.events.get(kind="deliver").data["mode"] == "file"


def test_a_product_offering_only_privacy_computing_is_never_delivered_as_a_file(
    listed, funded_buyer, seller
):
    offer(listed, "privacy_computing")
    order = paid_order(listed, funded_buyer)
    with pytest.raises(ModeNotDeclared):
        deliveries.deliver(order, actor=seller, upload=upload(), mode="file")
    delivery = deliveries.deliver(order, actor=seller, upload=upload())
    assert delivery.mode == "privacy_computing" and not delivery.downloadable
    assert [c["name"] for c in delivery.columns] == ["企业编号", "区", "注册资本", "成立年份"]
    assert delivery.columns[2]["type"] == "BIGINT"
    token = deliveries.download_token(delivery, funded_buyer)
    with pytest.raises(PermissionDeniedError):
        deliveries.delivery_for_download(delivery.pk, token, user=funded_buyer)
    body = api_client_for(funded_buyer).get(f"/api/orders/{order.pk}/deliveries/").json()
    assert body[0]["download_url"] is None and body[0]["mode"] == "privacy_computing"


# --- API -----------------------------------------------------------------------------------------


@pytest.fixture
def api_order(listed, funded_buyer, seller):
    offer(listed, "api", "file")
    order = paid_order(listed, funded_buyer)
    deliveries.deliver(order, actor=seller, upload=upload(), mode="api")
    order.refresh_from_db()
    return order


def test_an_api_delivery_grants_a_quota_and_a_validity_from_the_delivery(api_order, settings):
    access = GatewayAccess.objects.get(order=api_order)
    assert access.quota == settings.GATEWAY_CALL_QUOTA and access.calls == 0
    assert access.valid_until == api_order.period_end  # a monthly subscription: its period
    assert api_order.period_end == api_order.delivered_at + relativedelta(months=1)
    assert access.key_hash == "" and api_order.status == OrderStatus.DELIVERED


def test_a_per_call_plan_buys_its_quantity_of_calls(listed, funded_buyer, seller):
    offer(listed, "api")
    order = place(funded_buyer, listed, kind="per_call", quantity=5000)
    services.pay_order(order, actor=funded_buyer, key="per-call", respond=lambda o: {})
    deliveries.deliver(order, actor=seller, upload=upload())
    assert GatewayAccess.objects.get(order=order).quota == 5000


def test_the_buyer_issues_a_key_and_the_gateway_serves_pages_metering_each(
    api_order, funded_buyer, seller
):
    with pytest.raises(PermissionDeniedError):
        deliveries.issue_key(api_order, actor=seller)  # the key is the buyer's
    created = api_client_for(funded_buyer).post(f"/api/orders/{api_order.pk}/gateway/key/")
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("dxg_") and created.json()["access"]["key_prefix"] == key[:12]
    assert GatewayAccess.objects.get(order=api_order).key_hash != key  # only its hash is kept

    first = gateway(key, api_order, limit=50)
    assert first.status_code == 200, first.content
    page = first.json()
    assert page["total"] == 120 and len(page["rows"]) == 50 and page["calls"] == 1
    assert page["rows"][0] == {
        "企业编号": "E00000",
        "区": "崇明区",
        "注册资本": "100",
        "成立年份": "2000",
    }
    second = gateway(key, api_order, offset=100, limit=50).json()
    assert len(second["rows"]) == 20 and second["calls"] == 2

    usage = api_client_for(seller).get(f"/api/orders/{api_order.pk}/gateway/").json()
    assert usage["calls"] == 2 and usage["remaining"] == usage["quota"] - 2
    assert [c["outcome"] for c in usage["recent_calls"]] == ["served", "served"]


def test_the_gateway_refuses_a_missing_a_wrong_or_a_replaced_key(api_order, funded_buyer, listed):
    _access, old = deliveries.issue_key(api_order, actor=funded_buyer)
    _access, new = deliveries.issue_key(api_order, actor=funded_buyer)
    for key in ("", "dxg_guessed", old):
        refused = gateway(key, api_order)
        assert refused.status_code == 401
        assert refused.json()["code"] == "invalid_key"
        assert refused.json()["errors"][0]["field"] == "Authorization"
    assert gateway(new, api_order).status_code == 200
    other = paid_order(listed, funded_buyer)
    assert gateway(new, other).status_code == 401  # a key opens its own order only
    bad = gateway(new, api_order, limit=0)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "limit"
    assert GatewayAccess.objects.get(order=api_order).calls == 1


def test_past_the_quota_the_gateway_refuses_and_records_the_call(api_order, funded_buyer):
    GatewayAccess.objects.filter(order=api_order).update(quota=2)
    _access, key = deliveries.issue_key(api_order, actor=funded_buyer)
    assert [gateway(key, api_order).status_code for _ in range(3)] == [200, 200, 429]
    assert gateway(key, api_order).json()["code"] == "quota_exhausted"
    access = GatewayAccess.objects.get(order=api_order)
    assert access.calls == 2 and access.remaining == 0
    outcomes = list(access.log.values_list("outcome", flat=True))
    assert outcomes.count(CallOutcome.SERVED) == 2
    assert outcomes.count(CallOutcome.QUOTA_EXHAUSTED) == 2


def test_after_its_validity_the_key_is_refused(api_order, funded_buyer):
    _access, key = deliveries.issue_key(api_order, actor=funded_buyer)
    access = GatewayAccess.objects.get(order=api_order)
    clock.set_simulated_time(at=access.valid_until + timedelta(minutes=1))
    refused = gateway(key, api_order)
    assert refused.status_code == 403 and refused.json()["code"] == "access_expired"
    assert access.log.get().outcome == CallOutcome.EXPIRED


def test_a_refunded_order_gives_no_more_access(api_order, funded_buyer, seller, arbitrator):
    _access, key = deliveries.issue_key(api_order, actor=funded_buyer)
    disputes.open_dispute(api_order, actor=funded_buyer, reason="字段缺失", evidence=evidence())
    assert gateway(key, api_order).status_code == 200  # the funds are held, the data still open
    disputes.decide_dispute(
        api_order, actor=arbitrator, outcome="refund_in_full", reason="数据与说明书不符"
    )
    refused = gateway(key, api_order)
    assert refused.status_code == 403 and refused.json()["code"] == "order_closed"
    with pytest.raises(PermissionDeniedError):
        deliveries.issue_key(api_order, actor=funded_buyer)
    assert reconcile().ok


# --- privacy computing ---------------------------------------------------------------------------


@pytest.fixture
def computed(listed, funded_buyer, seller):
    offer(listed, "privacy_computing")
    order = paid_order(listed, funded_buyer)
    deliveries.deliver(order, actor=seller, upload=upload())
    order.refresh_from_db()
    return order


def test_an_aggregate_query_runs_and_its_receipt_keeps_both_digests(computed, funded_buyer):
    query = deliveries.ask(
        computed,
        actor=funded_buyer,
        sql="SELECT 区, COUNT(*) AS 企业数, AVG(注册资本) AS 平均注册资本 FROM dataset GROUP BY 区 ORDER BY 区",
    )
    result = query.result
    assert result["columns"] == ["区", "企业数", "平均注册资本"]
    assert {row[0] for row in result["rows"]} == set(DISTRICTS)  # 崇明区 has 2 rows: left out
    assert sum(row[1] for row in result["rows"]) == 118
    assert query.suppressed_groups == 1 and result["suppressed_groups"] == 1 and query.k == 10
    assert query.sql_sha256 == hashlib.sha256(query.sql.encode()).hexdigest()
    assert query.result_sha256 == hashlib.sha256(rfc8785.dumps(result)).hexdigest()
    assert query.engine.startswith("duckdb ")


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("SELECT * FROM dataset", "sql_not_aggregate"),
        ("SELECT 企业编号, 注册资本 FROM dataset", "sql_not_aggregate"),
        ("SELECT 区, 注册资本, COUNT(*) FROM dataset GROUP BY 区", "sql_ungrouped_column"),
        ("SELECT MAX(注册资本) FROM dataset", "sql_revealing_function"),
        ("SELECT COUNT(*) FROM settlement_order", "sql_other_table"),
        ("SELECT COUNT(*) FROM read_csv('/etc/passwd')", "sql_other_table"),
        ("SELECT COUNT(*) FROM dataset a JOIN dataset b ON a.区 = b.区", "sql_join"),
        ("SELECT COUNT(*) FROM (SELECT * FROM dataset)", "sql_subquery"),
        ("SELECT COUNT(*) FROM dataset UNION SELECT 1", "sql_set_operation"),
        ("WITH t AS (SELECT 1) SELECT COUNT(*) FROM dataset", "sql_cte"),
        ("DELETE FROM dataset", "sql_not_select"),
        ("SELECT COUNT(*) FROM dataset; SELECT 1", "sql_one_statement"),
        ("SELECT COUNT(*), getenv('HOME') FROM dataset", "sql_function"),
        ("SELECT SUM(收入) FROM dataset", "sql_unknown_column"),
        ("SELECT 企业编号, COUNT(*) FROM dataset GROUP BY 企业编号", "groups_too_small"),
        ("SELECT COUNT(*) FROM dataset WHERE 企业编号 = 'E00007'", "groups_too_small"),
        ("SELEC 1", "sql_syntax"),
    ],
)
def test_queries_that_would_show_rows_or_reach_beyond_the_dataset_are_refused(
    computed, funded_buyer, sql, code
):
    with pytest.raises(RuleViolation) as refused:
        deliveries.ask(computed, actor=funded_buyer, sql=sql)
    assert (refused.value.code, refused.value.field) == (code, "sql")
    assert not PrivacyQuery.objects.exists()  # a refused query leaves nothing behind


def test_only_the_buyer_queries_and_only_a_live_order(computed, funded_buyer, seller, arbitrator):
    for actor in (seller, arbitrator):
        with pytest.raises(PermissionDeniedError):
            deliveries.ask(computed, actor=actor, sql="SELECT COUNT(*) FROM dataset")
    disputes.open_dispute(computed, actor=funded_buyer, reason="字段缺失", evidence=evidence())
    disputes.decide_dispute(computed, actor=arbitrator, outcome="refund_in_full", reason="不符")
    with pytest.raises(PermissionDeniedError):
        deliveries.ask(computed, actor=funded_buyer, sql="SELECT COUNT(*) FROM dataset")


def test_the_query_api_names_the_sql_field_and_hides_results_from_the_merchant(
    computed, funded_buyer, seller
):
    client = api_client_for(funded_buyer)
    url = f"/api/orders/{computed.pk}/queries/"
    refused = client.post(url, {"sql": "SELECT 企业编号 FROM dataset"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0] == {
        "field": "sql",
        "code": "sql_not_aggregate",
        "message": refused.json()["errors"][0]["message"],
    }
    ran = client.post(url, {"sql": "SELECT COUNT(*) AS n FROM dataset"}, format="json")
    assert ran.status_code == 201 and ran.json()["result"]["rows"] == [[120]]
    assert client.get(url).json()[0]["result_sha256"] == ran.json()["result_sha256"]
    merchant_view = api_client_for(seller).get(url).json()
    assert merchant_view[0]["result"] is None and merchant_view[0]["sql_sha256"]


def test_the_engine_has_no_access_to_files_once_the_dataset_is_loaded(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(dataset_csv())
    with privacy._engine(path, "csv", privacy.Limits()) as con:
        assert con.execute("SELECT COUNT(*) FROM dataset").fetchone() == (120,)
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"SELECT * FROM read_csv('{path}')")
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")


def test_a_query_past_its_time_limit_is_stopped(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w") as out:
        out.write("id,amount\n")
        out.writelines(f"{i},{i % 997}\n" for i in range(600_000))
    sql = "SELECT COUNT(DISTINCT id * amount % 1000003), STDDEV(id * amount) FROM dataset"
    with pytest.raises(RuleViolation) as refused:
        privacy.run(path, "csv", sql, privacy.Limits(seconds=0.0005))
    assert (refused.value.code, refused.value.field) == ("sql_timeout", "sql")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_gateway_calls_never_pass_the_quota(listed, funded_buyer, seller):
    import threading

    from django.db import connection

    offer(listed, "api")
    order = paid_order(listed, funded_buyer)
    deliveries.deliver(order, actor=seller, upload=upload())
    GatewayAccess.objects.filter(order=order).update(quota=5)
    _access, key = deliveries.issue_key(order, actor=funded_buyer)
    barrier = threading.Barrier(20)
    answers = [None] * 20

    def call(number):
        try:
            barrier.wait(timeout=30)
            answers[number] = gateway(key, order).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(answers) == [200] * 5 + [429] * 15
    access = GatewayAccess.objects.get(order=order)
    assert access.calls == 5
    assert access.log.filter(outcome=CallOutcome.SERVED).count() == 5
