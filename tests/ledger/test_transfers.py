"""The ledger's services: transfers, holds, linked sets, reversals, idempotent replays."""

from datetime import timedelta

import pytest

from exchange import clock
from exchange.errors import RuleViolation
from exchange.ledger import services as ledger
from exchange.ledger.errors import (
    ExceedsPending,
    ExceedsReversible,
    IdempotencyConflict,
    InsufficientFunds,
    PendingExpired,
    PendingResolved,
)
from exchange.ledger.models import Transfer, TransferKind
from exchange.money import CurrencyMismatch, Money

pytestmark = pytest.mark.django_db


def move(key, debit, credit, amount, **options):
    return ledger.Move(
        key=key,
        debit=debit,
        credit=credit,
        amount=Money(amount),
        code=options.pop("code", "test"),
        **options,
    )


def test_a_deposit_credits_the_owner_and_debits_the_bank(bank, funded):
    assert ledger.balances_of(funded).available == Money("1000.00")
    assert ledger.balances_of(bank).posted == Money("-1000.00")


def test_a_hold_reserves_and_a_partial_posting_releases_the_rest(funded, escrow):
    hold = ledger.transfer(move("hold", funded, escrow, "300.00", pending=True))
    assert ledger.balances_of(funded).available == Money("700.00")
    assert ledger.balances_of(funded).held == Money("300.00")
    assert ledger.balances_of(escrow).incoming == Money("300.00")
    ledger.post_pending(hold, key="post", amount=Money("120.50"))
    assert ledger.balances_of(funded).available == Money("879.50")
    assert ledger.balances_of(funded).held == Money("0.00")
    assert ledger.balances_of(escrow).posted == Money("120.50")


def test_a_voided_hold_moves_nothing_and_cannot_be_resolved_again(funded, escrow):
    hold = ledger.transfer(move("hold", funded, escrow, "300.00", pending=True))
    ledger.void_pending(hold, key="void")
    assert ledger.balances_of(funded).available == Money("1000.00")
    with pytest.raises(PendingResolved):
        ledger.post_pending(hold, key="post")
    with pytest.raises(PendingResolved):
        ledger.void_pending(hold, key="void-again")


def test_a_posting_may_not_exceed_the_hold(funded, escrow):
    hold = ledger.transfer(move("hold", funded, escrow, "300.00", pending=True))
    with pytest.raises(ExceedsPending) as refused:
        ledger.post_pending(hold, key="post", amount=Money("300.01"))
    assert refused.value.field == "amount"


def test_a_hold_expires_on_the_business_clock(funded, escrow):
    hold = ledger.transfer(
        move(
            "hold",
            funded,
            escrow,
            "300.00",
            pending=True,
            expires_at=clock.now() + timedelta(hours=1),
        )
    )
    assert ledger.expire_due() == 0
    clock.advance(by=timedelta(hours=2))
    with pytest.raises(PendingExpired):
        ledger.post_pending(hold, key="late")
    assert ledger.expire_due() == 1
    assert ledger.balances_of(funded).available == Money("1000.00")
    assert Transfer.objects.get(pending=hold).kind == TransferKind.EXPIRE
    assert ledger.expire_due() == 0


def test_nobody_spends_money_they_do_not_have(funded, escrow):
    with pytest.raises(InsufficientFunds) as refused:
        ledger.transfer(move("too-much", funded, escrow, "1000.01"))
    assert "¥1,000.00" in refused.value.message and "¥1,000.01" in refused.value.message
    assert ledger.balances_of(funded).available == Money("1000.00")
    assert not Transfer.objects.filter(key="too-much").exists()


def test_linked_transfers_succeed_or_fail_together(funded, escrow, buyer):
    fee = ledger.account_for(None, "fee_income")
    with pytest.raises(InsufficientFunds):
        ledger.transfer_linked(
            [move("a", funded, escrow, "600.00"), move("b", funded, fee, "600.00")]
        )
    assert not Transfer.objects.filter(key__in=["a", "b"]).exists()
    made = ledger.transfer_linked(
        [move("c", funded, escrow, "600.00"), move("d", escrow, fee, "15.00")]
    )
    assert [t.chain for t in made] == ["c", "c"]
    assert ledger.balances_of(escrow).posted == Money("585.00")
    assert ledger.balances_of(fee).posted == Money("15.00")


def test_a_replay_returns_the_first_result_and_moves_nothing(bank, available):
    first = ledger.transfer(move("k1", bank, available, "10.00"))
    again = ledger.transfer(move("k1", bank, available, "10.00"))
    assert again.pk == first.pk
    assert ledger.balances_of(available).available == Money("10.00")
    with pytest.raises(IdempotencyConflict) as refused:
        ledger.transfer(move("k1", bank, available, "10.01"))
    assert refused.value.code == "idempotency_conflict" and refused.value.http_status == 409


def test_a_replayed_linked_set_returns_the_same_transfers(bank, available, escrow):
    moves = [move("s1", bank, available, "10.00"), move("s2", available, escrow, "4.00")]
    first = ledger.transfer_linked(moves)
    assert [t.pk for t in ledger.transfer_linked(moves)] == [t.pk for t in first]
    with pytest.raises(IdempotencyConflict):
        ledger.transfer_linked([moves[0], move("s3", available, escrow, "4.00")])


def test_a_reversal_is_a_new_transfer_within_what_it_reverses(bank, funded, escrow):
    paid = ledger.transfer(move("pay", funded, escrow, "100.00"))
    back = ledger.reverse(paid, key="refund-1", amount=Money("40.00"))
    assert (back.debit_account, back.credit_account, back.reverses) == (escrow, funded, paid)
    assert ledger.balances_of(funded).available == Money("940.00")
    with pytest.raises(ExceedsReversible):
        ledger.reverse(paid, key="refund-2", amount=Money("60.01"))
    ledger.reverse(paid, key="refund-3", amount=Money("60.00"))
    assert ledger.balances_of(funded).available == Money("1000.00")


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"key": ""}, "invalid_idempotency_key"),
        ({"key": "含中文"}, "invalid_idempotency_key"),
        ({"key": "x" * 256}, "invalid_idempotency_key"),
        ({"amount": "0.00"}, "amount_not_positive"),
        ({"amount": "-1.00"}, "amount_not_positive"),
        ({"code": ""}, "invalid_code"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(bank, available, options, code):
    asked = {"key": "k", "amount": "1.00", **options}
    with pytest.raises(RuleViolation) as refused:
        ledger.transfer(move(asked.pop("key"), bank, available, asked.pop("amount"), **asked))
    assert refused.value.code == code
    assert not Transfer.objects.exists()


def test_one_account_on_both_sides_and_mixed_currencies_are_refused(bank, available, buyer):
    with pytest.raises(RuleViolation) as refused:
        ledger.transfer(move("k", available, available, "1.00"))
    assert refused.value.code == "same_account"
    dollars = ledger.account_for(buyer, "available", "USD")
    with pytest.raises(CurrencyMismatch):
        ledger.transfer(move("k", bank, dollars, "1.00"))


def test_balances_read_the_latest_transfer_only(bank, available, django_assert_max_num_queries):
    for number in range(30):
        ledger.transfer(move(f"k{number}", bank, available, "1.00"))
    with django_assert_max_num_queries(1):
        assert ledger.balances_of(available).available == Money("30.00")


def test_the_transfers_returned_are_the_rows_stored(funded, escrow, django_user_model):
    actor = django_user_model.objects.create_user(username="clerk", password="x")
    hold = ledger.transfer(
        move(
            "stored-hold",
            funded,
            escrow,
            "42.10",
            pending=True,
            expires_at=clock.now() + timedelta(days=1),
            memo="备注",
            reference="ORDER-1",
        ),
        actor=actor,
    )
    posted = ledger.post_pending(hold, key="stored-post", amount=Money("40.00"), actor=actor)
    for made in (hold, posted):
        stored = Transfer.objects.get(pk=made.pk)
        for field in Transfer._meta.concrete_fields:
            assert getattr(made, field.attname) == getattr(stored, field.attname), field.name
    assert posted.pending == hold and posted.debit_account == funded and posted.actor == actor
