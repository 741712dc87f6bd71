"""How the pages write dates, numbers and durations: the Indonesian way, in Jakarta's time."""

from __future__ import annotations

from datetime import date, datetime

from app.outbound import templates
from app.public.service import WIB

MONTHS = templates.MONTHS["id"]


def _instant(value: object) -> datetime | None:
    if isinstance(value, datetime):
        at = value
    elif isinstance(value, str) and value:
        try:
            at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=WIB)).astimezone(WIB)


def day(value: object) -> str:
    """``5 Desember 2026`` (a date, a timestamp or its ISO text); empty when there is none."""
    if isinstance(value, date) and not isinstance(value, datetime):
        d = value
    elif isinstance(value, str) and len(value) == 10:
        try:
            d = date.fromisoformat(value)
        except ValueError:
            return ""
    else:
        at = _instant(value)
        if at is None:
            return ""
        d = at.date()
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def moment(value: object) -> str:
    """``5 Desember 2026, 14.30 WIB``."""
    at = _instant(value)
    if at is None:
        return ""
    return f"{day(at)}, {at:%H.%M} WIB"


def iso(value: object) -> str:
    """The machine-readable form for ``<time datetime=...>``."""
    at = _instant(value)
    return at.isoformat() if at is not None else ""


def number(value: object) -> str:
    """``12.345``: Indonesian thousands separator."""
    if not isinstance(value, int | float):
        return "–"
    return f"{round(value):,}".replace(",", ".")


def percent(value: object) -> str:
    """``90,5%`` from a fraction (0.905); a dash when there is nothing to measure."""
    if not isinstance(value, int | float):
        return "–"
    return f"{value * 100:.1f}".replace(".", ",") + "%"


def hours(value: object) -> str:
    """A duration in hours, as a person reads it: ``5,5 jam``, ``2,3 hari``."""
    if not isinstance(value, int | float):
        return "–"
    if value < 48:
        return f"{value:.1f}".replace(".", ",") + " jam"
    return f"{value / 24:.1f}".replace(".", ",") + " hari"
