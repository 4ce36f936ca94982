"""Money in, through the pages: a buyer asks for a deposit, a settlement operator confirms it when
the bank says it arrived, and the buyer's statement shows it with its running balance."""

import pytest
from playwright.sync_api import expect

from exchange.accounts.roles import OrganisationKind, Role
from tests.browser.conftest import login_user
from tests.browser.test_onboarding import log_in
from tests.browser.test_review_path import assert_fits_the_window
from tests.factories import make_organisation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def people(exchange_org):
    buyer = make_organisation(kind=OrganisationKind.BUYER, name="上海浏览器采购测试有限公司")
    return {
        "treasurer": login_user(role=Role.BUYER, organisation=buyer, username="treasurer"),
        "settlement": login_user(
            role=Role.SETTLEMENT_OPERATOR, organisation=exchange_org, username="settle"
        ),
    }


def test_a_deposit_is_requested_confirmed_and_shown_on_the_statement(
    new_page, people, results_dir, settings
):
    settings.LEDGER_AUTO_CONFIRM_DEPOSITS = False
    treasurer, settlement = new_page(), new_page()

    # given: the buyer's treasurer asks for a deposit of ¥12,345.60
    log_in(treasurer, people["treasurer"])
    treasurer.goto("/ledger/")
    form = treasurer.get_by_test_id("deposit-form")
    form.get_by_label("金额").fill("12345.60")
    form.locator("button[type=submit]").click()
    expect(treasurer.locator(".messages")).to_contain_text("¥12,345.60")
    expect(
        treasurer.get_by_test_id("bank-requests").locator("tr[data-state=requested]")
    ).to_have_count(1)
    expect(treasurer.get_by_test_id("available-available")).to_have_text("¥0.00")
    treasurer.screenshot(path=results_dir / "ledger-deposit-requested.png", full_page=True)

    # when: the settlement operator confirms it in the bank queue (they see no withdrawal to act on)
    log_in(settlement, people["settlement"])
    settlement.goto("/ledger/bank/")
    waiting = settlement.get_by_test_id("bank-requests").first.locator("tr[data-state=requested]")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("上海浏览器采购测试有限公司")
    assert_fits_the_window(settlement)
    settlement.screenshot(path=results_dir / "ledger-bank-queue.png", full_page=True)
    waiting.locator("button[data-action=confirm]").click()
    expect(settlement.locator(".messages")).to_contain_text("¥12,345.60")
    expect(settlement.locator("tr[data-state=requested]")).to_have_count(0)
    expect(settlement.locator("tr[data-state=confirmed]")).to_have_count(1)

    # then: the money is available to the buyer, and the statement shows the deposit and balance
    treasurer.goto("/ledger/")
    expect(treasurer.get_by_test_id("available-available")).to_have_text("¥12,345.60")
    treasurer.get_by_test_id("accounts").get_by_role("link").first.click()
    statement = treasurer.get_by_test_id("statement")
    expect(treasurer.get_by_test_id("balance")).to_have_text("¥12,345.60")
    expect(statement.locator("tbody tr").first).to_contain_text("¥12,345.60")
    assert_fits_the_window(treasurer)
    treasurer.screenshot(path=results_dir / "ledger-statement.png", full_page=True)
    with treasurer.expect_download() as download:
        treasurer.get_by_role("link", name="下载 CSV").click()
    assert "12345.60" in download.value.path().read_text(encoding="utf-8-sig")

    # and: the reconciliation page, which the buyer may not open, is clean for the operator
    settlement.goto("/ledger/reconcile/")
    expect(settlement.get_by_test_id("reconciled")).to_be_visible()
    assert treasurer.goto("/ledger/reconcile/").status == 403
