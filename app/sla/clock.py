"""SLA clocks: deadlines and their state, pure date arithmetic (no database, no global clock).

Rules (product.md, "Routing, assignment and SLAs"):

- Jakarta's CRM: coordinate (first response) within 6 hours of receipt, finish within the
  category's ``sla_hours`` (7 days = 168 h when the category has none). Both are calendar
  hours: the clock does not stop at night or on holidays. An estimated completion date (EWS)
  set by an officer replaces the resolution deadline.
- LAPOR! (channel ``lapor``): verify within 3 working days, respond within 5 working days.
  The verification deadline is our first-response deadline and the response deadline our
  resolution deadline. An EWS does not move them: they are the national service standard.

Working days, precisely: a working day is a Monday-Friday date in Asia/Jakarta (WIB) that is
not an Indonesian public holiday (``holidays.country_holidays("ID")``). "Within N working days"
ends at 23:59:59 WIB of the Nth working day *after* the local date of receipt, whatever the hour
of receipt and whether or not the receipt day itself was a working day. Example: received Friday
2026-08-14 10:00 WIB; the weekend and Monday 17 August (Independence Day) do not count, so
3 working days are Tuesday 18, Wednesday 19 and Thursday 20: due 2026-08-20 23:59:59 WIB.

Collective leave days (cuti bersama) are not public holidays and count as working days by
default, as the brief and product text define; pass ``joint_leave=True`` to treat them as days
off too (government offices close on them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

try:
    JAKARTA_TZ: timezone | ZoneInfo = ZoneInfo("Asia/Jakarta")
except ZoneInfoNotFoundError:  # no tz database on the host: WIB has had no DST since 1964
    JAKARTA_TZ = timezone(timedelta(hours=7), "WIB")

FIRST_RESPONSE_HOURS = 6
DEFAULT_RESOLUTION_HOURS = 7 * 24
LAPOR_CHANNEL = "lapor"
LAPOR_VERIFY_WORKING_DAYS = 3
LAPOR_RESPOND_WORKING_DAYS = 5
END_OF_DAY = time(23, 59, 59)

SlaState = Literal["on_track", "at_risk", "breached"]


def _require_aware(name: str, value: datetime) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


class WorkingCalendar:
    """Working days in Jakarta: weekdays that are not Indonesian public holidays."""

    def __init__(
        self,
        years: Iterable[int] | None = None,
        *,
        joint_leave: bool = False,
        extra_holidays: Iterable[date] = (),
    ):
        categories = ("public", "government") if joint_leave else ("public",)
        # expand=True (the default) loads further years on first use, so a deadline that crosses
        # New Year still sees the next year's holidays.
        self._holidays = holidays.country_holidays(
            "ID", years=list(years) if years else [], categories=categories
        )
        self._extra = frozenset(extra_holidays)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._extra and day not in self._holidays

    def holiday_name(self, day: date) -> str | None:
        name: str | None = self._holidays.get(day)
        return name

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """End (23:59:59 WIB) of the ``days``-th working day after the local date of ``start``.

        ``days == 0`` gives the end of the receipt day itself.
        """
        _require_aware("start", start)
        if days < 0:
            raise ValueError("days must be >= 0")
        day = start.astimezone(JAKARTA_TZ).date()
        remaining = days
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return datetime.combine(day, END_OF_DAY, tzinfo=JAKARTA_TZ)


_DEFAULT_CALENDAR: WorkingCalendar | None = None


def default_calendar() -> WorkingCalendar:
    global _DEFAULT_CALENDAR
    if _DEFAULT_CALENDAR is None:
        _DEFAULT_CALENDAR = WorkingCalendar()
    return _DEFAULT_CALENDAR


def add_working_days(start: datetime, days: int, calendar: WorkingCalendar | None = None) -> datetime:
    return (calendar or default_calendar()).add_working_days(start, days)


def add_hours(start: datetime, hours: float) -> datetime:
    """Calendar hours (the Jakarta clocks run through nights and holidays)."""
    _require_aware("start", start)
    if hours < 0:
        raise ValueError("hours must be >= 0")
    return start + timedelta(hours=hours)


def sla_state(
    started_at: datetime, due_at: datetime, now: datetime, at_risk_fraction: float = 0.2
) -> SlaState:
    """``breached`` after ``due_at``; ``at_risk`` once no more than ``at_risk_fraction`` of the
    allowed time is left (with 0.2: from 80 % elapsed, inclusive); otherwise ``on_track``."""
    _require_aware("started_at", started_at)
    _require_aware("due_at", due_at)
    _require_aware("now", now)
    if not 0 <= at_risk_fraction <= 1:
        raise ValueError("at_risk_fraction must be within 0..1")
    if now > due_at:
        return "breached"
    allowed = due_at - started_at
    if allowed <= timedelta(0):
        return "at_risk"
    remaining = due_at - now
    return "at_risk" if remaining <= allowed * at_risk_fraction else "on_track"


@dataclass(frozen=True, slots=True)
class Deadlines:
    first_response_due_at: datetime
    resolution_due_at: datetime


def deadlines_for(
    channel: str,
    category_sla_hours: int | None,
    received_at: datetime,
    ews_at: datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> Deadlines:
    _require_aware("received_at", received_at)
    if ews_at is not None:
        _require_aware("ews_at", ews_at)
        if ews_at < received_at:
            raise ValueError("ews_at (estimated completion) is before received_at")
    if category_sla_hours is not None and category_sla_hours <= 0:
        raise ValueError("category_sla_hours must be positive")
    if channel == LAPOR_CHANNEL:
        cal = calendar or default_calendar()
        return Deadlines(
            first_response_due_at=cal.add_working_days(received_at, LAPOR_VERIFY_WORKING_DAYS),
            resolution_due_at=cal.add_working_days(received_at, LAPOR_RESPOND_WORKING_DAYS),
        )
    first = add_hours(received_at, FIRST_RESPONSE_HOURS)
    resolution = (
        ews_at
        if ews_at is not None
        else add_hours(received_at, category_sla_hours or DEFAULT_RESOLUTION_HOURS)
    )
    return Deadlines(first_response_due_at=first, resolution_due_at=resolution)
