"""The business clock: the only source of "now" for deadlines, ages, notice periods and settlement days.

Real time by default. A simulation or classroom scenario switches it to a simulated time and steps
it forward; the state lives in the database, so web, workers and beat agree.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exchange.accounts.roles import Role
from exchange.errors import PermissionDeniedError, RuleViolation
from exchange.models import BusinessClock

_UNREAD = object()
# Inside ``setting_read_once()``: the clock's setting (a simulated time, or None for real time).
_setting: ContextVar[object] = ContextVar("business_clock_setting", default=_UNREAD)


def now() -> datetime:
    """The current business time (aware)."""
    simulated = _setting.get()
    if simulated is _UNREAD:
        simulated = _read_setting()
    return simulated or timezone.now()


def now_for(setting: datetime | None) -> datetime:
    """``now()`` for the clock's setting as a raw query read it, alongside other things (the
    ledger reads it under its locks, in the same round trip): the simulated time, or real time."""
    return from_db(setting) if setting is not None else timezone.now()


def _read_setting() -> datetime | None:
    # Raw SQL: the ORM spent more building this one-row query than the database reading it, and
    # the clock is read on every request, task and certificate.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT simulated_now FROM exchange_businessclock WHERE id = %s",
            [BusinessClock.SINGLETON_ID],
        )
        row = cursor.fetchone()
    return None if row is None or row[0] is None else from_db(row[0])


def from_db(value: datetime | str) -> datetime:
    """A datetime column's value from a raw SELECT, as the ORM gives it: aware, in UTC. SQLite
    gives text, naive in UTC (USE_TZ); PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


@contextmanager
def setting_read_once() -> Iterator[None]:
    """Within, the clock's setting is read from the database once (a short unit of work such as a
    task, which calls ``now()`` many times); real time still runs. Not for code that moves the clock."""
    token = _setting.set(_read_setting())
    try:
        yield
    finally:
        _setting.reset(token)


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
    _setting_changed(at)
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
    _setting_changed(clock.simulated_now)
    return clock.simulated_now


@transaction.atomic
def use_real_time() -> None:
    """Return the business clock to real time."""
    BusinessClock.objects.update_or_create(
        pk=BusinessClock.SINGLETON_ID, defaults={"simulated_now": None}
    )
    _setting_changed(None)


def _setting_changed(simulated: datetime | None) -> None:
    if _setting.get() is not _UNREAD:  # moved inside setting_read_once(): keep now() true
        _setting.set(simulated)


# --- stepping the clock from the pages (operators) ------------------------------------------------

# The most a page may step at once: a classroom needs days, not years (a typo stays harmless).
MAX_STEP_DAYS = 366


def can_change(user) -> bool:
    """Operators step the business clock; every exchange staff member may read it."""
    return user.is_authenticated and user.has_role(Role.OPERATOR)


@transaction.atomic
def change(*, actor, mode: str, days: int | None = None, at: datetime | None = None) -> datetime:
    """Step the clock as the ``clock`` command does (``advance`` by days, ``set``, ``real``), then
    run the exchange's scheduled work at once (what Celery beat runs on its timetable), so that a
    notice whose three days are over registers while the class watches.

    Raises:
        PermissionDeniedError (operators only); RuleViolation ``clock_backwards`` /
        ``naive_datetime`` / ``step_range`` / ``invalid_choice``.
    """
    if not can_change(actor):
        raise PermissionDeniedError(_("Only exchange operators step the business clock."))
    if mode == "advance":
        if days is None or not 1 <= days <= MAX_STEP_DAYS:
            raise RuleViolation(
                _("Step between 1 and %(most)d days."),
                code="step_range",
                field="days",
                params={"most": MAX_STEP_DAYS},
            )
        advance(by=timedelta(days=days))
    elif mode == "set":
        if at is None:
            raise RuleViolation(_("Give a date and time."), code="required", field="at")
        set_simulated_time(at=at)
    elif mode == "real":
        use_real_time()
    else:
        raise RuleViolation(_("Choose advance, set or real."), code="invalid_choice", field="mode")
    transaction.on_commit(run_scheduled_work)
    return now()


def run_scheduled_work() -> list[str]:
    """Send every periodic task of ``CELERY_BEAT_SCHEDULE`` now (run in process when eager)."""
    from django.conf import settings

    from exchange.celery import app

    names = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    app.loader.import_default_modules()  # every app's tasks.py, as a worker loads them
    for name in names:
        if app.conf.task_always_eager:
            app.tasks[name].apply()
        else:
            app.send_task(name)
    return names


# --- China's working calendar ---------------------------------------------------------------------
# Settlement runs on China's official working days: weekdays, less the public holidays, plus the
# weekend days the State Council makes working days (调休). chinese-calendar knows the years up to
# its data's last; a year the State Council has announced since is added here from its notice,
# and a year nobody has announced is refused, never guessed.

# 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, Xinhua: politics.gmw.cn/2025-11/04/
# content_38391083.htm), which chinesecalendar 1.11.0 does not yet hold.
_ANNOUNCED_HOLIDAYS = {
    2026: [
        (date(2026, 1, 1), date(2026, 1, 3)),  # 元旦
        (date(2026, 2, 15), date(2026, 2, 23)),  # 春节
        (date(2026, 4, 4), date(2026, 4, 6)),  # 清明节
        (date(2026, 5, 1), date(2026, 5, 5)),  # 劳动节
        (date(2026, 6, 19), date(2026, 6, 21)),  # 端午节
        (date(2026, 9, 25), date(2026, 9, 27)),  # 中秋节
        (date(2026, 10, 1), date(2026, 10, 7)),  # 国庆节
    ]
}
_ANNOUNCED_WORKDAYS = {
    2026: [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
}


class CalendarUnknown(RuleViolation):
    """A day of a year whose holidays have not been announced (or are not in our data)."""

    code = "calendar_unknown"
    message_template = _(
        "China's working calendar for %(year)s is not known (chinese-calendar %(version)s holds "
        "%(first)s to %(last)s, and no State Council notice for %(year)s is recorded in "
        "exchange/clock.py): settlement days cannot be worked out. Update chinesecalendar or add "
        "the year's notice."
    )


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day in mainland China (holidays and make-up days included).

    Raises:
        CalendarUnknown for a year no data covers.
    """
    if isinstance(day, datetime):
        day = timezone.localdate(day) if timezone.is_aware(day) else day.date()
    if day.year in _ANNOUNCED_HOLIDAYS:
        if day in _ANNOUNCED_WORKDAYS[day.year]:
            return True
        if any(first <= day <= last for first, last in _ANNOUNCED_HOLIDAYS[day.year]):
            return False
        return day.weekday() < 5
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        first, last = _calendar_years()
        raise CalendarUnknown(
            params={
                "year": day.year,
                "version": chinese_calendar.__version__,
                "first": first,
                "last": last,
            }
        ) from None


def add_working_days(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (before it, for a negative count); T+1 is
    ``add_working_days(trade_day, 1)``. ``count`` 0 is ``day`` itself if it is a working day,
    else the next one.

    Raises:
        CalendarUnknown when the days run into a year no data covers.
    """
    step = 1 if count >= 0 else -1
    if count == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def _calendar_years() -> tuple[int, int]:
    from chinese_calendar.constants import holidays

    years = [d.year for d in holidays] + list(_ANNOUNCED_HOLIDAYS)
    return min(years), max(years)
