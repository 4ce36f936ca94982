"""The business clock: the only source of "now" for deadlines, ages, notice periods and settlement days.

Real time by default. A simulation or classroom scenario switches it to a simulated time and steps
it forward; the state lives in the database, so web, workers and beat agree.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exchange.errors import RuleViolation
from exchange.models import BusinessClock


def now() -> datetime:
    """The current business time (aware)."""
    simulated = (
        BusinessClock.objects.filter(pk=BusinessClock.SINGLETON_ID)
        .values_list("simulated_now", flat=True)
        .first()
    )
    return simulated or timezone.now()


def real_now() -> datetime:
    """Wall-clock time, for the rare code that must know it (e.g. to end a demo walk before it)."""
    return timezone.now()


def today() -> date:
    """The current business date in the exchange's time zone."""
    return timezone.localdate(now())


def is_simulated() -> bool:
    return BusinessClock.objects.filter(
        pk=BusinessClock.SINGLETON_ID, simulated_now__isnull=False
    ).exists()


@transaction.atomic
def set_simulated_time(*, at: datetime) -> datetime:
    """Stop real time and set the business clock to ``at``.

    Raises:
        RuleViolation ``naive_datetime`` when ``at`` has no time zone.
    """
    if timezone.is_naive(at):
        raise RuleViolation(
            _("The simulated time needs a time zone."), code="naive_datetime", field="at"
        )
    BusinessClock.objects.update_or_create(
        pk=BusinessClock.SINGLETON_ID, defaults={"simulated_now": at}
    )
    return at


@transaction.atomic
def advance(*, by: timedelta) -> datetime:
    """Step the simulated clock forward (from real time, if it was running real time).

    Raises:
        RuleViolation ``clock_backwards`` when ``by`` is negative: business time never runs back.
    """
    if by < timedelta(0):
        raise RuleViolation(
            _("The business clock only moves forward."), code="clock_backwards", field="by"
        )
    clock, _created = BusinessClock.objects.select_for_update().get_or_create(
        pk=BusinessClock.SINGLETON_ID
    )
    clock.simulated_now = (clock.simulated_now or timezone.now()) + by
    clock.save(update_fields=["simulated_now", "updated_at"])
    return clock.simulated_now


@transaction.atomic
def use_real_time() -> None:
    """Return the business clock to real time."""
    BusinessClock.objects.update_or_create(
        pk=BusinessClock.SINGLETON_ID, defaults={"simulated_now": None}
    )
