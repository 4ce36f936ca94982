"""The database itself refuses what would make the ledger lie: raw SQL, past the services.

Each test runs on the embedded SQLite and, in the services profile, on PostgreSQL; TRUNCATE is
PostgreSQL's alone.
"""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from exchange import clock
from exchange.ledger import services as ledger
from exchange.ledger.models import Transfer
from exchange.money import Money

pytestmark = pytest.mark.django_db

COLUMNS = (
    "key",
    "fingerprint",
    "kind",
    "debit_account_id",
    "credit_account_id",
    "amount",
    "currency",
    "pending_id",
    "reverses_id",
    "expires_at",
    "chain",
    "code",
    "memo",
    "reference",
    "booked_at",
    "business_date",
    "recorded_at",
    "dr_debits_pending",
    "dr_debits_posted",
    "dr_credits_pending",
    "dr_credits_posted",
    "cr_debits_pending",
    "cr_debits_posted",
    "cr_credits_pending",
    "cr_credits_posted",
)


def raw_transfer(
    debit,
    credit,
    amount,
    *,
    kind="posted",
    pending=None,
    reverses=None,
    expires_at=None,
    key="raw",
    currency="CNY",
    balances=None,
    booked_at=None,
    transfer_id=None,
):
    """Insert a transfer with raw SQL; its balances are the right ones unless ``balances`` says
    otherwise, so that only the rule a test aims at can refuse it."""
    now = booked_at or clock.now()
    before = ledger.balances([debit, credit])
    d, c = before[debit.pk], before[credit.pk]
    released = pending.amount if pending is not None else 0
    pending_delta = amount if kind == "pending" else -released
    posted_delta = amount if kind in ("posted", "post") else 0
    values = {
        "key": key,
        "fingerprint": "0" * 64,
        "kind": kind,
        "debit_account_id": debit.pk,
        "credit_account_id": credit.pk,
        "amount": amount,
        "currency": currency,
        "pending_id": pending.pk if pending else None,
        "reverses_id": reverses.pk if reverses else None,
        "expires_at": connection.ops.adapt_datetimefield_value(expires_at),
        "chain": "",
        "code": "raw",
        "memo": "",
        "reference": "",
        "booked_at": connection.ops.adapt_datetimefield_value(now),
        "business_date": timezone.localdate(now),
        "recorded_at": connection.ops.adapt_datetimefield_value(now),
        "dr_debits_pending": d.debits_pending + pending_delta,
        "dr_debits_posted": d.debits_posted + posted_delta,
        "dr_credits_pending": d.credits_pending,
        "dr_credits_posted": d.credits_posted,
        "cr_debits_pending": c.debits_pending,
        "cr_debits_posted": c.debits_posted,
        "cr_credits_pending": c.credits_pending + pending_delta,
        "cr_credits_posted": c.credits_posted + posted_delta,
        **(balances or {}),
    }
    columns = COLUMNS if transfer_id is None else ("id", *COLUMNS)
    values["id"] = transfer_id
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO ledger_transfer ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            [values[column] for column in columns],
        )


def refused(match):
    return pytest.raises(DatabaseError, match=match)


def execute(sql, params=None):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_correct_raw_transfer_goes_in(bank, available):
    raw_transfer(bank, available, 500)
    assert ledger.balances_of(available).available == Money("5.00")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_transfer SET memo = 'edited'",
        # django-hordak accepts this: both legs of a posted transfer changed together, so its
        # balance check still holds. Here no transfer row changes at all.
        "UPDATE ledger_transfer SET amount = amount + 100, dr_debits_posted = dr_debits_posted + 100, "
        "cr_credits_posted = cr_credits_posted + 100",
        "UPDATE ledger_transfer SET credit_account_id = debit_account_id, debit_account_id = credit_account_id",
        "DELETE FROM ledger_transfer",
        "UPDATE ledger_account SET debits_must_not_exceed_credits = FALSE",
        "UPDATE ledger_account SET currency = 'USD'",
        "DELETE FROM ledger_account",
    ],
)
def test_no_ledger_row_is_ever_updated_or_deleted(funded, escrow, statement):
    ledger.transfer(
        ledger.Move(key="pay", debit=funded, credit=escrow, amount=Money("10.00"), code="t")
    )
    with refused("append-only"):
        execute(statement)
    assert ledger.balances_of(funded).available == Money("990.00")


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["ledger_transfer", "ledger_account"])
def test_postgresql_refuses_truncate(funded, table):
    execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own deferred checks would stop it first
    with refused("append-only"):
        execute(f"TRUNCATE {table} CASCADE")


def test_an_amount_must_be_positive(bank, available):
    with refused("amount_positive|CHECK|check"):
        raw_transfer(bank, available, 0)
    with refused("amount_positive|CHECK|check"):
        raw_transfer(bank, available, -100)


def test_a_transfer_needs_two_accounts(funded):
    with refused("two_accounts|CHECK|check|balances_do_not_follow"):
        raw_transfer(funded, funded, 100)


def test_both_accounts_share_the_transfer_currency(bank, buyer):
    dollars = ledger.account_for(buyer, "available", "USD")
    with refused("currency_mismatch"):
        raw_transfer(bank, dollars, 100)
    with refused("currency_mismatch"):
        raw_transfer(bank, ledger.account_for(buyer, "escrow"), 100, currency="USD")


def test_nobody_spends_past_their_limit(funded, escrow):
    with refused("exceeds_credits"):
        raw_transfer(funded, escrow, 100_001)  # ¥1,000.01 of ¥1,000.00
    with refused("exceeds_credits"):
        raw_transfer(funded, escrow, 100_001, kind="pending")


def test_the_bank_account_pays_out_no_more_than_came_in(bank, buyer):
    payouts = ledger.account_for(buyer, "payouts_in_transit")
    with refused("exceeds_debits|exceeds_credits"):
        raw_transfer(payouts, bank, 100)


def test_the_balances_on_a_row_must_follow_from_the_previous_ones(bank, funded, escrow):
    with refused("balances_do_not_follow"):
        raw_transfer(funded, escrow, 100, balances={"cr_credits_posted": 999_999})
    with refused("balances_do_not_follow"):
        raw_transfer(bank, funded, 100, balances={"cr_credits_posted": 100_000})  # unmoved


def test_a_transfer_never_lands_before_a_later_one_of_its_accounts(bank, funded, escrow):
    latest = Transfer.objects.order_by("-id").values_list("id", flat=True).first()
    raw_transfer(funded, escrow, 100, key="later", transfer_id=latest + 10)
    with refused("out_of_order"):
        raw_transfer(funded, escrow, 100, key="earlier", transfer_id=latest + 5)
    with refused("out_of_order"):  # the bank's only transfer is older, but the account's is not
        raw_transfer(bank, funded, 100, key="earlier-too", transfer_id=latest + 6)


def test_an_idempotency_key_is_used_once(bank, available):
    raw_transfer(bank, available, 100, key="same")
    with refused("unique|UNIQUE|duplicate"):
        raw_transfer(bank, available, 100, key="same")


def test_a_hold_is_resolved_once_and_for_no_more_than_it_holds(funded, escrow):
    hold = ledger.transfer(
        ledger.Move(
            key="hold", debit=funded, credit=escrow, amount=Money("100.00"), code="t", pending=True
        )
    )
    with refused("exceeds_pending"):
        raw_transfer(funded, escrow, 10_001, kind="post", pending=hold, key="post-more")
    with refused("void_amount"):
        raw_transfer(funded, escrow, 50, kind="void", pending=hold, key="void-part")
    raw_transfer(funded, escrow, 4_000, kind="post", pending=hold, key="post")
    with refused("unique|UNIQUE|duplicate"):
        raw_transfer(funded, escrow, 4_000, kind="post", pending=hold, key="post-twice")
    with refused("unique|UNIQUE|duplicate"):
        raw_transfer(funded, escrow, 10_000, kind="void", pending=hold, key="void-after")


def test_only_a_pending_transfer_between_the_same_accounts_is_resolved(bank, funded, escrow):
    paid = ledger.transfer(
        ledger.Move(key="paid", debit=funded, credit=escrow, amount=Money("1.00"), code="t")
    )
    with refused("not_pending"):
        raw_transfer(funded, escrow, 100, kind="void", pending=paid, key="void-posted")
    hold = ledger.transfer(
        ledger.Move(
            key="hold", debit=funded, credit=escrow, amount=Money("1.00"), code="t", pending=True
        )
    )
    with refused("not_pending|pending_accounts"):
        raw_transfer(bank, funded, 100, kind="post", pending=hold, key="post-elsewhere")


def test_an_expired_hold_cannot_be_posted_and_an_open_one_cannot_expire(funded, escrow):
    later = clock.now() + timedelta(hours=1)
    hold = ledger.transfer(
        ledger.Move(
            key="hold",
            debit=funded,
            credit=escrow,
            amount=Money("1.00"),
            code="t",
            pending=True,
            expires_at=later,
        )
    )
    with refused("not_expired"):
        raw_transfer(funded, escrow, 100, kind="expire", pending=hold, key="early")
    with refused("pending_expired"):
        raw_transfer(
            funded,
            escrow,
            100,
            kind="post",
            pending=hold,
            key="late",
            booked_at=later + timedelta(seconds=1),
        )


def test_reversals_swap_the_accounts_and_stay_within_the_original(funded, escrow):
    paid = ledger.transfer(
        ledger.Move(key="paid", debit=funded, credit=escrow, amount=Money("1.00"), code="t")
    )
    with refused("reversal_mismatch"):
        raw_transfer(funded, escrow, 50, reverses=paid, key="same-way")
    raw_transfer(escrow, funded, 60, reverses=paid, key="back-60")
    with refused("exceeds_reversible"):
        raw_transfer(escrow, funded, 41, reverses=paid, key="back-41")
    assert Transfer.objects.filter(reverses=paid).count() == 1
