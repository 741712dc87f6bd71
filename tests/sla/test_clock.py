from datetime import UTC, date, datetime, timedelta

import pytest

from app.sla.clock import (
    JAKARTA_TZ,
    Deadlines,
    WorkingCalendar,
    add_hours,
    add_working_days,
    deadlines_for,
    sla_state,
)

WIB = JAKARTA_TZ


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=WIB)


# --------------------------------------------------------------------------- working days


def test_working_days_skip_the_weekend():
    # Thursday 2026-11-05 + 3 working days: Fri 6, Mon 9, Tue 10.
    assert add_working_days(wib(2026, 11, 5, 9, 0), 3) == end_of(date(2026, 11, 10))


def test_receipt_on_a_weekend_counts_from_the_next_working_day():
    # Saturday 2026-11-07: Mon 9, Tue 10, Wed 11.
    assert add_working_days(wib(2026, 11, 7, 22, 0), 3) == end_of(date(2026, 11, 11))


def test_receipt_late_in_the_evening_utc_is_dated_in_jakarta():
    # 2026-11-05 18:30 UTC is already Friday 01:30 WIB: Mon 9, Tue 10, Wed 11.
    received = datetime(2026, 11, 5, 18, 30, tzinfo=UTC)
    due = add_working_days(received, 3)
    assert due == end_of(date(2026, 11, 11))
    assert due.utcoffset() == timedelta(hours=7)


def test_independence_day_is_not_a_working_day():
    # Friday 14 Aug 2026; Monday 17 Aug is Independence Day: Tue 18, Wed 19, Thu 20.
    assert add_working_days(wib(2026, 8, 14, 10, 0), 3) == end_of(date(2026, 8, 20))


def test_nyepi_and_idul_fitri_2026():
    cal = WorkingCalendar(years=[2026])
    assert cal.holiday_name(date(2026, 3, 19)) == "Day of Silence"
    assert cal.holiday_name(date(2026, 3, 21)) == "Eid al-Fitr"
    # Tuesday 17 Mar: Wed 18, (Thu 19 Nyepi), Fri 20, (Sat 21 / Sun 22 Idul Fitri), Mon 23, Tue 24, Wed 25.
    assert cal.add_working_days(wib(2026, 3, 17, 8, 0), 5) == end_of(date(2026, 3, 25))


def test_joint_leave_days_are_optional_days_off():
    # Cuti bersama 2026 around Idul Fitri: 18, 20, 23, 24 March.
    cal = WorkingCalendar(years=[2026], joint_leave=True)
    assert not cal.is_working_day(date(2026, 3, 20))
    assert cal.add_working_days(wib(2026, 3, 17, 8, 0), 3) == end_of(date(2026, 3, 27))


def test_holidays_of_the_next_year_are_seen_across_new_year():
    # Wed 30 Dec 2026: Thu 31, (Fri 1 Jan), Mon 4, (Tue 5 Jan 2027 Isra Mi'raj), Wed 6.
    assert add_working_days(wib(2026, 12, 30, 10, 0), 3) == end_of(date(2027, 1, 6))


def test_extra_holidays_and_zero_days():
    cal = WorkingCalendar(extra_holidays=[date(2026, 11, 6)])
    assert cal.add_working_days(wib(2026, 11, 5, 9, 0), 1) == end_of(date(2026, 11, 9))
    assert cal.add_working_days(wib(2026, 11, 5, 9, 0), 0) == end_of(date(2026, 11, 5))
    with pytest.raises(ValueError):
        cal.add_working_days(wib(2026, 11, 5, 9, 0), -1)


def test_add_hours_is_calendar_time():
    assert add_hours(wib(2026, 8, 16, 22, 0), 6) == wib(2026, 8, 17, 4, 0)
    with pytest.raises(ValueError):
        add_hours(wib(2026, 8, 16, 22, 0), -1)


# --------------------------------------------------------------------------- state


def test_sla_state_boundaries():
    start = wib(2026, 11, 2, 8, 0)
    due = start + timedelta(hours=10)
    assert sla_state(start, due, start) == "on_track"
    assert sla_state(start, due, start + timedelta(hours=7, minutes=59)) == "on_track"
    assert sla_state(start, due, start + timedelta(hours=8)) == "at_risk"  # exactly 80 % elapsed
    assert sla_state(start, due, due) == "at_risk"
    assert sla_state(start, due, due + timedelta(seconds=1)) == "breached"
    assert sla_state(start, due, start + timedelta(hours=5), at_risk_fraction=0.5) == "at_risk"


def test_sla_state_compares_instants_not_wall_clocks():
    start = wib(2026, 11, 2, 8, 0)
    due = wib(2026, 11, 2, 18, 0)
    now_utc = datetime(2026, 11, 2, 11, 0, 1, tzinfo=UTC)  # 18:00:01 WIB
    assert sla_state(start, due, now_utc) == "breached"


# --------------------------------------------------------------------------- deadlines


def test_jakarta_defaults():
    received = wib(2026, 11, 2, 9, 15)
    d = deadlines_for("jaki", None, received, None)
    assert d == Deadlines(wib(2026, 11, 2, 15, 15), wib(2026, 11, 9, 9, 15))
    assert deadlines_for("twitter", 24, received, None).resolution_due_at == wib(2026, 11, 3, 9, 15)


def test_ews_replaces_the_resolution_deadline():
    received = wib(2026, 11, 2, 9, 15)
    ews = wib(2026, 11, 20, 17, 0)
    d = deadlines_for("pendopo", 72, received, ews)
    assert d.first_response_due_at == wib(2026, 11, 2, 15, 15)
    assert d.resolution_due_at == ews
    with pytest.raises(ValueError):
        deadlines_for("pendopo", 72, received, received - timedelta(days=1))


def test_lapor_uses_working_days_and_ignores_ews():
    received = wib(2026, 8, 13, 16, 0)  # Thursday; Monday 17 August is a holiday
    d = deadlines_for("lapor", 72, received, wib(2026, 9, 30, 12, 0))
    # 3 working days: Fri 14, Tue 18, Wed 19; 5: ... Thu 20, Fri 21.
    assert d.first_response_due_at == end_of(date(2026, 8, 19))
    assert d.resolution_due_at == end_of(date(2026, 8, 21))


@pytest.mark.parametrize(
    "call",
    [
        lambda: add_working_days(datetime(2026, 11, 5, 9, 0), 3),
        lambda: add_hours(datetime(2026, 11, 5, 9, 0), 6),
        lambda: sla_state(datetime(2026, 11, 5), wib(2026, 11, 6, 0, 0), wib(2026, 11, 5, 1, 0)),
        lambda: sla_state(wib(2026, 11, 5, 0, 0), datetime(2026, 11, 6), wib(2026, 11, 5, 1, 0)),
        lambda: sla_state(wib(2026, 11, 5, 0, 0), wib(2026, 11, 6, 0, 0), datetime(2026, 11, 5, 1)),
        lambda: deadlines_for("jaki", None, datetime(2026, 11, 5, 9, 0), None),
        lambda: deadlines_for("jaki", None, wib(2026, 11, 5, 9, 0), datetime(2026, 11, 9, 9, 0)),
        lambda: deadlines_for("lapor", None, datetime(2026, 11, 5, 9, 0), None),
    ],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()
