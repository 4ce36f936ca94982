"""Transfers racing for one account on PostgreSQL, each on its own connection."""

import threading

import pytest
from django.db import connection

from exchange.accounts.roles import OrganisationKind
from exchange.errors import DomainError
from exchange.ledger import services as ledger
from exchange.ledger.models import Transfer
from exchange.money import Money
from tests.factories import make_organisation

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
RACERS = 50


def race(calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = ("ok", call())
        except DomainError as error:
            outcomes[index] = ("refused", error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_fifty_concurrent_spends_hold_the_limit_and_the_balance_is_exact():
    buyer = make_organisation(kind=OrganisationKind.BUYER, name="并发测试采购有限公司")
    merchants = [make_organisation(name=f"并发测试数商{n}有限公司") for n in range(5)]
    bank = ledger.account_for(None, "bank")
    available = ledger.account_for(buyer, "available")
    payees = [ledger.account_for(m, "available") for m in merchants]
    ledger.transfer(
        ledger.Move(
            key="fund", debit=bank, credit=available, amount=Money("300.00"), code="deposit"
        )
    )

    def spend(number):
        return lambda: (
            ledger.transfer(
                ledger.Move(
                    key=f"spend-{number}",
                    debit=available,
                    credit=payees[number % len(payees)],  # the payees' locks interleave too
                    amount=Money("10.00"),
                    code="payment",
                )
            ).pk
        )

    outcomes = race([spend(n) for n in range(RACERS)])
    kinds = [kind for kind, _ in outcomes]
    assert kinds.count("ok") == 30  # ¥300.00 buys thirty ¥10.00 payments, not one more
    assert {detail for kind, detail in outcomes if kind == "refused"} == {"insufficient_funds"}
    assert ledger.balances_of(available).available == Money("0.00")
    paid = sum(ledger.balances_of(payee).posted.amount for payee in payees)
    assert paid == Money("300.00").amount
    # Every row's balances follow from the one before, in id order.
    running = 30_000
    for row in Transfer.objects.filter(debit_account=available).order_by("id"):
        running -= row.amount
        assert row.dr_credits_posted - row.dr_debits_posted == running


def test_the_same_key_sent_fifty_times_at_once_moves_money_once():
    buyer = make_organisation(kind=OrganisationKind.BUYER, name="重放测试采购有限公司")
    bank = ledger.account_for(None, "bank")
    available = ledger.account_for(buyer, "available")
    move = ledger.Move(
        key="deposit-once", debit=bank, credit=available, amount=Money("5.00"), code="deposit"
    )
    outcomes = race([lambda: ledger.transfer(move).pk for _ in range(RACERS)])
    assert set(outcomes) == {("ok", Transfer.objects.get().pk)}
    assert ledger.balances_of(available).available == Money("5.00")
