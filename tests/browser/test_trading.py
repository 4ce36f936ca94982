"""Trading through the pages, in the browser: a buyer's organisation applies, an operator verifies
it, the buyer orders a plan from the product page, pays into escrow, the merchant sees the order and
delivers a package, the buyer downloads and accepts it; the settlement operator's reconciliation
stays clean."""

import pytest
from playwright.sync_api import expect

from exchange.accounts.roles import OrganisationKind, Role
from tests.browser.conftest import login_user
from tests.browser.test_onboarding import log_in
from tests.browser.test_review_path import assert_fits_the_window
from tests.factories import credit_code, make_organisation
from tests.settlement.conftest import fund, settle_next_working_day

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def order_id(page) -> str:
    return page.url.rstrip("/").split("/")[-1]


@pytest.fixture
def grant(db):
    from exchange.money import Money
    from settlement import clearing

    clearing.fund_subsidies(amount=Money("1000000.00"), key="grant")


@pytest.fixture
def people(exchange_org, listed, seller):
    buyer = make_organisation(kind=OrganisationKind.BUYER, name="上海浏览器订购测试有限公司")
    return {
        "purchaser": login_user(role=Role.BUYER, organisation=buyer, username="purchaser"),
        "verifier": login_user(role=Role.OPERATOR, organisation=exchange_org, username="verifier"),
        "settlement": login_user(
            role=Role.SETTLEMENT_OPERATOR, organisation=exchange_org, username="settle"
        ),
        "seller": seller,
    }


def test_a_buyer_is_verified_orders_pays_downloads_accepts_and_the_merchant_is_settled(
    new_page, people, listed, grant, results_dir
):
    from tests.factories import PASSWORD

    people["seller"].set_password(PASSWORD)
    people["seller"].save(update_fields=["password"])
    fund(people["purchaser"], "20000.00", people["settlement"])
    purchaser, verifier, merchant = new_page(), new_page(), new_page()

    # given: the purchaser's organisation applies to buy
    log_in(purchaser, people["purchaser"])
    purchaser.goto(f"/catalog/{listed.pk}/")
    purchaser.locator("[data-action=order][data-plan=monthly]").click()
    expect(purchaser.get_by_test_id("not-a-buyer")).to_be_visible()
    purchaser.get_by_test_id("not-a-buyer").get_by_role("link").click()
    form = purchaser.get_by_test_id("buyer-form")
    form.get_by_label("统一社会信用代码").fill(credit_code(21))
    form.locator("button[type=submit]").click()
    expect(purchaser.get_by_test_id("status")).to_have_text("已申请")

    # when: an operator verifies it
    log_in(verifier, people["verifier"])
    verifier.goto("/buyers/")
    verifier.get_by_test_id("applied").locator("button[data-action=verify]").click()
    expect(verifier.locator(".messages")).to_contain_text("上海浏览器订购测试有限公司")
    verifier.screenshot(path=results_dir / "trading-buyer-verified.png", full_page=True)

    # then: the buyer orders the monthly plan and pays it into escrow
    purchaser.goto(f"/catalog/{listed.pk}/")
    purchaser.locator("[data-action=order][data-plan=monthly]").click()
    order_form = purchaser.get_by_test_id("order-form")
    order_form.get_by_label("应用场景").select_option("financial_services")
    order_form.locator("button[type=submit]").click()
    expect(purchaser.get_by_test_id("status")).to_have_text("合同已成立")
    expect(purchaser.get_by_test_id("certificate")).to_contain_text("TX-")
    expect(purchaser.get_by_test_id("available")).to_have_text("¥20,000.00")
    expect(purchaser.get_by_test_id("buyer-fee")).to_contain_text("¥9,980.00")
    assert_fits_the_window(purchaser)
    purchaser.screenshot(path=results_dir / "trading-order-to-pay.png", full_page=True)
    purchaser.locator("button[data-action=pay]").click()
    expect(purchaser.get_by_test_id("status")).to_have_text("已付款（托管冻结）")
    expect(purchaser.locator("button[data-action=pay]")).to_have_count(0)
    expect(purchaser.get_by_test_id("events")).to_contain_text("付款")
    purchaser.screenshot(path=results_dir / "trading-order-paid.png", full_page=True)

    # and: the merchant sees the paid order in its orders, and may cancel but not pay
    log_in(merchant, people["seller"])
    merchant.goto("/orders/")
    merchant.get_by_test_id("orders").locator("tr[data-status=paid] a").click()
    expect(merchant.get_by_test_id("total")).to_have_text("¥12,980.00")
    expect(merchant.locator("button[data-action=pay]")).to_have_count(0)
    expect(merchant.locator("button[data-action=cancel]")).to_be_visible()

    # and: the merchant delivers a package; the buyer downloads it and accepts
    package = results_dir / "交付数据包.csv"
    package.write_text("日期,指数\n2026-01-05,101.2\n2026-01-06,101.9\n", encoding="utf-8")
    merchant.get_by_test_id("deliver-form").locator("input[type=file]").set_input_files(package)
    merchant.locator("button[data-action=deliver]").click()
    expect(merchant.get_by_test_id("status")).to_have_text("已交付")
    expect(merchant.get_by_test_id("deliveries")).to_contain_text("交付数据包.csv")
    expect(merchant.locator("[data-action=download]")).to_have_count(0)  # the buyer's alone
    expect(merchant.locator("button[data-action=cancel]")).to_have_count(0)
    merchant.screenshot(path=results_dir / "trading-order-delivered.png", full_page=True)
    purchaser.reload()
    expect(purchaser.get_by_test_id("accept-by")).to_be_visible()
    with purchaser.expect_download() as downloading:
        purchaser.locator("[data-action=download]").click()
    assert downloading.value.suggested_filename == "交付数据包.csv"
    assert "101.9" in downloading.value.path().read_text(encoding="utf-8")
    assert_fits_the_window(purchaser)
    purchaser.screenshot(path=results_dir / "trading-order-to-accept.png", full_page=True)
    purchaser.locator("button[data-action=accept]").click()
    expect(purchaser.locator(".messages")).to_contain_text("已验收")  # the form's answer came
    # the worker clears the order once the acceptance commits (eagerly here)
    purchaser.reload()
    expect(purchaser.get_by_test_id("status")).to_have_text("已清算")
    expect(purchaser.locator("button[data-action=accept]")).to_have_count(0)
    lines = purchaser.get_by_test_id(f"lines-{order_id(purchaser)}")
    expect(lines.locator("tr[data-kind=buyer_fee]")).to_contain_text("¥9,980.00")
    expect(lines.locator("tr[data-kind=merchant_fee]")).to_have_count(0)  # the merchant's side
    purchaser.screenshot(path=results_dir / "trading-order-cleared.png", full_page=True)

    # and: the next working day's batch pays the merchant, who reads the statement
    settle_next_working_day()
    merchant.goto("/settlement/")
    merchant.get_by_test_id("batches").locator("a").first.click()
    expect(merchant.get_by_test_id("status")).to_have_text("已结算")
    expect(merchant.get_by_test_id("payout")).to_have_text("¥22,932.50")
    expect(merchant.locator("tr[data-kind=merchant_fee]")).to_contain_text("¥75.00")
    assert_fits_the_window(merchant)
    merchant.screenshot(path=results_dir / "trading-statement.png", full_page=True)

    settlement = new_page()
    log_in(settlement, people["settlement"])
    settlement.goto("/ledger/reconcile/")
    expect(settlement.get_by_test_id("reconciled")).to_be_visible()


def test_a_buyer_disputes_the_merchant_answers_and_an_arbitrator_refunds_in_part(
    new_page, people, listed, grant, results_dir
):
    from settlement import deliveries, services
    from tests.factories import PASSWORD
    from tests.settlement.conftest import plan_of
    from tests.settlement.test_orders import package as csv_package

    seller = people["seller"]
    seller.set_password(PASSWORD)
    seller.save(update_fields=["password"])
    purchaser_user = people["purchaser"]
    verified = services.apply_as_buyer(
        actor=purchaser_user,
        company_name=purchaser_user.organisation.name,
        credit_code=credit_code(22),
    )
    services.decide_buyer(verified, "verify", actor=people["verifier"])
    fund(purchaser_user, "20000.00", people["settlement"])
    order = services.place_order(
        actor=purchaser_user,
        listing=listed,
        plan=plan_of(listed, "monthly"),
        scenario=listed.product.registered_version.scenarios.first(),
    )
    services.pay_order(order, actor=purchaser_user, key="pay", respond=lambda o: {})
    deliveries.deliver(order, actor=seller, upload=csv_package())
    commission = make_organisation(
        kind=OrganisationKind.SERVICE_PROVIDER, name="上海仲裁委员会数据仲裁中心（浏览器）"
    )
    arbitrator_user = login_user(role=Role.ARBITRATOR, organisation=commission, username="arbiter")
    purchaser, merchant, arbitrator = new_page(), new_page(), new_page()

    # given: the buyer disputes the delivery with a reason and evidence instead of accepting
    log_in(purchaser, purchaser_user)
    purchaser.goto(f"/orders/{order.pk}/")
    evidence = results_dir / "核验记录.pdf"
    evidence.write_bytes(b"%PDF-1.4\n%%EOF\n")
    form = purchaser.get_by_test_id("dispute-form")
    form.get_by_label("交付存在的问题").fill("交付数据缺少 3 月的记录")
    form.locator("input[type=file]").set_input_files(evidence)
    form.locator("button[data-action=dispute]").click()
    expect(purchaser.get_by_test_id("status")).to_have_text("争议中（资金冻结）")
    expect(purchaser.locator("button[data-action=accept]")).to_have_count(0)
    purchaser.screenshot(path=results_dir / "dispute-opened.png", full_page=True)

    # when: the merchant answers, once
    log_in(merchant, seller)
    merchant.goto(f"/orders/{order.pk}/")
    answer = merchant.get_by_test_id("answer-form")
    answer.get_by_label("答辩意见").fill("3 月数据将于下周补交")
    answer.locator("button[data-action=answer]").click()
    expect(merchant.get_by_test_id("answer")).to_contain_text("3 月数据将于下周补交")
    expect(merchant.get_by_test_id("answer-form")).to_have_count(0)
    expect(merchant.get_by_test_id("decision-form")).to_have_count(0)

    # then: the arbitrator finds it in the queue and refunds an exact part
    log_in(arbitrator, arbitrator_user)
    arbitrator.goto("/disputes/")
    arbitrator.get_by_test_id("disputes").get_by_role("link", name="打开案件").click()
    decision = arbitrator.get_by_test_id("decision-form")
    decision.get_by_label("部分退款").check()
    decision.get_by_label("退款金额（元）").fill("3000.00")  # the whole value: refused, named
    decision.get_by_label("裁决理由").fill("缺少一个月数据，按比例退还")
    decision.locator("button[data-action=decide]").click()
    expect(arbitrator.locator(".messages")).to_contain_text("¥3,000.00")
    expect(arbitrator.get_by_test_id("status")).to_have_text("争议中（资金冻结）")
    decision = arbitrator.get_by_test_id("decision-form")
    decision.get_by_label("部分退款").check()
    decision.get_by_label("退款金额（元）").fill("750.00")
    decision.get_by_label("裁决理由").fill("缺少一个月数据，按比例退还")
    decision.locator("button[data-action=decide]").click()
    expect(arbitrator.locator(".messages")).to_contain_text("TX-")
    arbitrator.reload()
    expect(arbitrator.get_by_test_id("status")).to_have_text("已清算")
    expect(arbitrator.get_by_test_id("decision")).to_contain_text("¥750.00")
    assert_fits_the_window(arbitrator)
    arbitrator.screenshot(path=results_dir / "dispute-decided.png", full_page=True)

    # and: the buyer sees the refund line; reconciliation stays clean
    purchaser.reload()
    lines = purchaser.get_by_test_id(f"lines-{order.pk}")
    expect(lines.locator("tr[data-kind=refund]")).to_contain_text("¥750.00")
    from exchange.ledger.reconcile import reconcile

    assert reconcile().ok


def test_the_merchant_delivers_by_api_and_by_privacy_computing_and_the_buyer_uses_each(
    new_page, people, listed, grant, results_dir, live_server
):
    import requests

    from settlement import services
    from tests.factories import PASSWORD
    from tests.settlement.conftest import plan_of
    from tests.settlement.test_delivery_modes import dataset_csv, offer

    seller, purchaser_user = people["seller"], people["purchaser"]
    seller.set_password(PASSWORD)
    seller.save(update_fields=["password"])
    verified = services.apply_as_buyer(
        actor=purchaser_user,
        company_name=purchaser_user.organisation.name,
        credit_code=credit_code(23),
    )
    services.decide_buyer(verified, "verify", actor=people["verifier"])
    fund(purchaser_user, "20000.00", people["settlement"])
    offer(listed, "api", "privacy_computing")
    orders = []
    for key in ("api", "privacy"):
        order = services.place_order(
            actor=purchaser_user,
            listing=listed,
            plan=plan_of(listed, "monthly"),
            scenario=listed.product.registered_version.scenarios.first(),
        )
        services.pay_order(order, actor=purchaser_user, key=key, respond=lambda o: {})
        orders.append(order)
    api_order, privacy_order = orders
    package = results_dir / "企业登记数据.csv"
    package.write_bytes(dataset_csv())
    purchaser, merchant = new_page(), new_page()
    log_in(merchant, seller)
    log_in(purchaser, purchaser_user)

    # given: the merchant delivers one order through the gateway; the product offers no file
    merchant.goto(f"/orders/{api_order.pk}/")
    form = merchant.get_by_test_id("deliver-form")
    expect(form.get_by_label("文件或数据包")).to_have_count(0)
    form.get_by_label("API", exact=True).check()
    form.locator("input[type=file]").set_input_files(package)
    form.locator("button[data-action=deliver]").click()
    expect(merchant.get_by_test_id("status")).to_have_text("已交付")
    expect(merchant.get_by_test_id("gateway-calls")).to_contain_text("0")
    expect(merchant.locator("[data-action=issue-key]")).to_have_count(0)  # the buyer's key

    # when: the buyer issues its key, sees it once and its system calls the gateway with it
    purchaser.goto(f"/orders/{api_order.pk}/")
    expect(purchaser.locator("[data-action=download]")).to_have_count(0)
    purchaser.locator("button[data-action=issue-key]").click()
    key = purchaser.get_by_test_id("new-key").inner_text().strip()
    purchaser.screenshot(path=results_dir / "delivery-api-key.png", full_page=True)
    url = f"{live_server.url}/gateway/orders/{api_order.pk}/rows"
    served = requests.get(url, params={"limit": 20}, headers={"Authorization": f"Bearer {key}"})
    assert served.status_code == 200 and len(served.json()["rows"]) == 20
    assert requests.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401

    # then: both sides see the call metered
    purchaser.goto(f"/orders/{api_order.pk}/")
    expect(purchaser.get_by_test_id("gateway-key")).to_contain_text(key[:12])
    expect(purchaser.get_by_test_id("gateway-log")).to_contain_text("offset=0&limit=20")
    assert_fits_the_window(purchaser)
    purchaser.screenshot(path=results_dir / "delivery-api-usage.png", full_page=True)
    merchant.reload()
    expect(merchant.get_by_test_id("gateway-log").locator("tbody tr")).to_have_count(1)

    # given: the other order goes to the privacy-computing engine
    merchant.goto(f"/orders/{privacy_order.pk}/")
    form = merchant.get_by_test_id("deliver-form")
    form.get_by_label("隐私计算（可用不可见）").check()
    form.locator("input[type=file]").set_input_files(package)
    form.locator("button[data-action=deliver]").click()
    expect(merchant.get_by_test_id("dataset-columns")).to_contain_text("注册资本")

    # when: the buyer asks for rows, it is refused with the rule named and its SQL kept
    purchaser.goto(f"/orders/{privacy_order.pk}/")
    query = purchaser.get_by_test_id("query-form")
    query.locator("textarea").fill("SELECT 企业编号, 注册资本 FROM dataset")
    query.locator("button[data-action=query]").click()
    query = purchaser.get_by_test_id("query-form")
    expect(query.locator("textarea")).to_have_value("SELECT 企业编号, 注册资本 FROM dataset")
    expect(query).to_contain_text("COUNT")
    purchaser.screenshot(path=results_dir / "delivery-privacy-refused.png", full_page=True)

    # then: an aggregate query runs, its small group left out, and its receipt is kept
    query.locator("textarea").fill(
        "SELECT 区, COUNT(*) AS 企业数, AVG(注册资本) AS 平均注册资本 FROM dataset GROUP BY 区"
    )
    query.locator("button[data-action=query]").click()
    result = purchaser.get_by_test_id("query-result")
    expect(result.locator("tbody tr")).to_have_count(4)
    expect(purchaser.get_by_test_id("suppressed")).to_be_visible()
    from settlement.models import PrivacyQuery

    receipt = PrivacyQuery.objects.get()
    expect(purchaser.get_by_test_id("query")).to_contain_text(receipt.result_sha256)
    assert_fits_the_window(purchaser)
    purchaser.screenshot(path=results_dir / "delivery-privacy-result.png", full_page=True)
    merchant.reload()
    expect(merchant.get_by_test_id("query")).to_have_count(1)
    expect(merchant.get_by_test_id("query-result")).to_have_count(0)  # the buyer's result


def test_a_negotiated_plan_is_quoted_countered_and_agreed_into_a_contract(
    new_page, people, listed, results_dir
):
    from listings.models import ListingPlan
    from settlement import services
    from tests.factories import PASSWORD

    seller, purchaser_user = people["seller"], people["purchaser"]
    seller.set_password(PASSWORD)
    seller.save(update_fields=["password"])
    verified = services.apply_as_buyer(
        actor=purchaser_user,
        company_name=purchaser_user.organisation.name,
        credit_code=credit_code(24),
    )
    services.decide_buyer(verified, "verify", actor=people["verifier"])
    fund(purchaser_user, "20000.00", people["settlement"])
    ListingPlan.objects.create(listing=listed, kind="negotiated", price_amount=None)
    purchaser, merchant = new_page(), new_page()
    log_in(purchaser, purchaser_user)
    log_in(merchant, seller)

    # given: the buyer asks for a quote from the product page
    purchaser.goto(f"/catalog/{listed.pk}/")
    purchaser.locator("[data-action=request-quote]").click()
    form = purchaser.get_by_test_id("quote-request-form")
    form.get_by_label("需求说明").fill("2026 年全年日粒度数据，按季度交付")
    form.locator("button[type=submit]").click()
    expect(purchaser.get_by_test_id("status")).to_have_text("已询价")
    expect(purchaser.get_by_test_id("offer-form")).to_have_count(0)  # the merchant quotes first

    # when: the merchant finds it among its quotes and names a price; the buyer counters
    merchant.goto("/negotiations/")
    merchant.get_by_test_id("negotiations").locator("tr[data-status=requested] a").click()
    offer = merchant.get_by_test_id("offer-form")
    offer.get_by_label("价格（元）").fill("9000.00")
    offer.locator("button[data-action=quote]").click()
    expect(merchant.get_by_test_id("status")).to_have_text("数商已报价")
    purchaser.reload()
    expect(purchaser.get_by_test_id("agree-form")).to_contain_text("¥9,000.00")
    offer = purchaser.get_by_test_id("offer-form")
    offer.get_by_label("价格（元）").fill("8000.00")
    offer.get_by_label("备注").fill("预算有限")
    offer.locator("button[data-action=counter]").click()
    expect(purchaser.get_by_test_id("status")).to_have_text("需求方已还价")

    # then: the merchant accepts the counter-offer and the contract forms at ¥8,000.00
    merchant.reload()
    assert_fits_the_window(merchant)
    merchant.screenshot(path=results_dir / "negotiation-countered.png", full_page=True)
    merchant.get_by_test_id("agree-form").locator("button[data-action=agree]").click()
    expect(merchant.get_by_test_id("value")).to_have_text("¥8,000.00")  # and the buyer's fee
    expect(merchant.get_by_test_id("certificate")).to_contain_text("TX-")
    purchaser.goto(merchant.url)
    expect(purchaser.locator("button[data-action=pay]")).to_be_visible()


def test_the_merchant_proposes_an_early_end_and_the_buyer_agrees(
    new_page, people, listed, grant, results_dir
):
    from settlement import clearing, deliveries, services
    from tests.factories import PASSWORD
    from tests.settlement.conftest import plan_of
    from tests.settlement.test_orders import package as csv_package

    seller, purchaser_user = people["seller"], people["purchaser"]
    seller.set_password(PASSWORD)
    seller.save(update_fields=["password"])
    verified = services.apply_as_buyer(
        actor=purchaser_user,
        company_name=purchaser_user.organisation.name,
        credit_code=credit_code(25),
    )
    services.decide_buyer(verified, "verify", actor=people["verifier"])
    fund(purchaser_user, "20000.00", people["settlement"])
    order = services.place_order(
        actor=purchaser_user,
        listing=listed,
        plan=plan_of(listed, "monthly"),
        scenario=listed.product.registered_version.scenarios.first(),
    )
    services.pay_order(order, actor=purchaser_user, key="pay", respond=lambda o: {})
    deliveries.deliver(order, actor=seller, upload=csv_package())
    services.accept_order(order, actor=purchaser_user)
    clearing.clear_order(order)
    purchaser, merchant = new_page(), new_page()
    log_in(merchant, seller)
    log_in(purchaser, purchaser_user)

    # given: the merchant proposes to end the subscription early
    merchant.goto(f"/orders/{order.pk}/")
    merchant.get_by_text("提出合同变更").click()
    form = merchant.get_by_test_id("change-form")
    form.get_by_label("提前终止").check()
    form.get_by_label("变更内容").fill("数据源停止更新，双方同意自即日起终止订阅。")
    form.locator("button[data-action=propose-change]").click()
    expect(merchant.get_by_test_id("change")).to_have_attribute("data-status", "proposed")
    expect(merchant.locator("[data-action=change-agree]")).to_have_count(0)  # not its own

    # when: the buyer agrees
    purchaser.goto(f"/orders/{order.pk}/")
    expect(purchaser.get_by_test_id("subscription")).to_be_visible()
    purchaser.locator("button[data-action=change-agree]").click()

    # then: the change is registered against the contract and the access has ended
    expect(purchaser.get_by_test_id("change-certificate")).to_contain_text("TX-")
    expect(purchaser.get_by_test_id("contract-ended")).to_be_visible()
    expect(purchaser.locator("[data-action=download]")).to_have_count(0)
    expect(purchaser.locator("[data-action=renewal]")).to_have_count(0)
    assert_fits_the_window(purchaser)
    purchaser.screenshot(path=results_dir / "contract-ended-early.png", full_page=True)
