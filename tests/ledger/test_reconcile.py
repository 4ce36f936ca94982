"""manage.py reconcile: clean on an honest ledger; names the first difference after an insider's
rewrite with the triggers switched off."""

import io

import pytest
from django.core.management import call_command

from exchange.ledger import services as ledger
from exchange.ledger.reconcile import reconcile
from exchange.money import Money
from tests.registry.conftest import as_insider

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(funded, escrow, buyer):
    fee = ledger.account_for(None, "fee_income")
    hold = ledger.transfer(
        ledger.Move(
            key="hold",
            debit=funded,
            credit=escrow,
            amount=Money("300.00"),
            code="hold",
            pending=True,
        )
    )
    ledger.post_pending(hold, key="post", amount=Money("250.00"))
    ledger.transfer(
        ledger.Move(
            key="open-hold",
            debit=funded,
            credit=escrow,
            amount=Money("50.00"),
            code="hold",
            pending=True,
        )
    )
    paid = ledger.transfer_linked(
        [ledger.Move(key="fee", debit=escrow, credit=fee, amount=Money("6.25"), code="fee")]
    )[0]
    ledger.reverse(paid, key="fee-back", amount=Money("1.25"))


def run():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("reconcile", stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_an_honest_ledger_reconciles(busy):
    code, out, _ = run()
    assert code == 0
    last = out.strip().splitlines()[-1]
    assert last.startswith("reconciled: ")
    assert "transfers 6" in last and "trial balance 0" in last and "open holds 1" in last
    assert "posted 1257.50 CNY" in last  # the deposit, the posting, the fee and its reversal


def test_a_rewritten_transfer_is_named(busy, funded):
    as_insider(
        "ledger_transfer",
        "UPDATE ledger_transfer SET amount = 26000 WHERE key = %s",
        ["post"],
    )
    code, out, _err = run()
    assert code == 1
    assert "transfer post " in out.splitlines()[-1]
    assert "not reconciled" in out


def test_rewriting_both_legs_and_the_balances_together_is_still_caught(busy):
    # The rewrite django-hordak accepts, made consistent on the row itself: the amount and both
    # accounts' balances moved by the same ¥10. The next transfer of those accounts gives it away.
    as_insider(
        "ledger_transfer",
        "UPDATE ledger_transfer SET amount = amount + 1000, dr_debits_posted = dr_debits_posted + 1000, "
        "cr_credits_posted = cr_credits_posted + 1000 WHERE key = %s",
        ["deposit-1"],
    )
    report = reconcile()
    assert not report.ok
    assert report.problems[0].startswith("transfer hold ")  # the next row of the buyer's account
