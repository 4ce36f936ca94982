"""China's working calendar: holidays and make-up working days, from chinese-calendar and the
State Council's notices; a year nobody knows is refused, never guessed."""

from datetime import date

import pytest

from exchange import clock


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 10, 1), False),  # National Day
        (date(2025, 9, 28), True),  # a Sunday made a working day
        (date(2025, 10, 9), True),
        (date(2026, 2, 16), False),  # Spring Festival 2026 (State Council notice, 2025-11-04)
        (date(2026, 2, 14), True),  # the Saturday before it, a working day
        (date(2026, 10, 10), True),  # a Saturday made a working day
        (date(2026, 10, 8), True),
        (date(2026, 12, 5), False),  # an ordinary Saturday
        (date(2026, 12, 2), True),
    ],
)
def test_working_days_follow_the_official_calendar(day, working):
    assert clock.is_working_day(day) is working


def test_t_plus_one_skips_holidays_and_weekends():
    assert clock.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert clock.add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 7)  # Friday → Monday
    assert clock.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)  # Saturday worked
    assert clock.add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert clock.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 8)


def test_a_year_no_calendar_covers_is_refused_loudly():
    with pytest.raises(clock.CalendarUnknown) as refused:
        clock.is_working_day(date(2027, 3, 1))
    assert refused.value.code == "calendar_unknown"
    assert "2027" in refused.value.message and "chinese-calendar" in refused.value.message
    with pytest.raises(clock.CalendarUnknown):
        clock.add_working_days(date(2026, 12, 31), 1)
