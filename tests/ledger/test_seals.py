"""Sealed days: a day's transfers hashed into the certificate log; nothing is booked on it after,
and a transfer changed after it is sealed is caught by reconcile."""

from datetime import timedelta

import pytest
from django.db import DatabaseError

from exchange import clock
from exchange.errors import ConflictError, RuleViolation
from exchange.ledger import seals
from exchange.ledger import services as ledger
from exchange.ledger.errors import DaySealed
from exchange.ledger.models import SealedDay
from exchange.ledger.reconcile import reconcile
from exchange.money import Money
from exchange.registry import log
from exchange.registry.models import CertificateKind
from tests.registry.conftest import as_insider

pytestmark = pytest.mark.django_db


@pytest.fixture
def yesterday(funded, escrow):
    """A day with three transfers, over on the business clock."""
    ledger.transfer(
        ledger.Move(key="pay", debit=funded, credit=escrow, amount=Money("10.00"), code="t")
    )
    ledger.transfer(
        ledger.Move(
            key="hold", debit=funded, credit=escrow, amount=Money("5.00"), code="t", pending=True
        )
    )
    day = clock.today()
    clock.advance(by=timedelta(days=1))
    return day


def test_an_ended_day_is_sealed_into_the_log(yesterday):
    sealed = seals.seal_day(yesterday)
    assert sealed.transfers == 3  # the deposit, the payment, the hold
    certificate = sealed.certificate
    assert certificate.kind == CertificateKind.LEDGER_DAY and certificate.number.startswith("LD-")
    assert certificate.content_data["root"] == bytes(sealed.root).hex()
    assert log.entry(certificate.log_index) is not None
    assert seals.check_sealed_day(sealed) == []
    assert reconcile().ok
    assert reconcile().figures["sealed days"] == 1


def test_a_day_is_sealed_once_and_only_after_it_ends(yesterday, funded, escrow):
    with pytest.raises(RuleViolation) as refused:
        seals.seal_day(clock.today())
    assert refused.value.code == "day_not_over"
    seals.seal_day(yesterday)
    with pytest.raises(ConflictError) as refused:
        seals.seal_day(yesterday)
    assert refused.value.code == "day_sealed"
    assert seals.seal_ended_days() == []


def test_the_beat_task_seals_every_ended_day(yesterday):
    assert [s.business_date for s in seals.seal_ended_days()] == [yesterday]
    assert SealedDay.objects.count() == 1


def test_nothing_is_booked_on_a_sealed_day(yesterday, funded, escrow):
    seals.seal_day(yesterday)
    clock.set_simulated_time(at=clock.now() - timedelta(days=1))  # back into the sealed day
    with pytest.raises(DaySealed):
        ledger.transfer(
            ledger.Move(key="late", debit=funded, credit=escrow, amount=Money("1.00"), code="t")
        )


def test_the_database_refuses_a_row_on_a_sealed_day(yesterday, funded, escrow):
    from tests.ledger.test_database import raw_transfer

    seals.seal_day(yesterday)
    with pytest.raises(DatabaseError, match="day_sealed"):
        raw_transfer(funded, escrow, 100, booked_at=clock.now() - timedelta(days=1))


def test_a_sealed_transfer_rewritten_by_an_insider_is_caught(yesterday):
    sealed = seals.seal_day(yesterday)
    as_insider(
        "ledger_transfer",
        "UPDATE ledger_transfer SET memo = %s WHERE key = %s",
        ["rewritten", "pay"],
    )
    report = reconcile()
    assert not report.ok
    assert any(
        problem.startswith(f"sealed day {sealed.business_date}: its transfers hash to")
        for problem in report.problems
    )
