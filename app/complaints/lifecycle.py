"""Jakarta CRM's status lifecycle: the one table of allowed moves.

Every status change in Aduan goes through ``check_transition``; nothing else
decides whether a move is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.errors import Conflict


@dataclass(frozen=True, slots=True)
class Status:
    code: str
    label: str  # Indonesian, as Jakarta's portal shows it
    colour: str
    open311: str  # Open311 GeoReport v2: open | closed


STATUSES: dict[str, Status] = {
    s.code: s
    for s in (
        Status("received", "Menunggu", "red", "open"),
        Status("coordination", "Koordinasi", "orange", "open"),
        Status("dispatched", "Disposisi", "orange", "open"),
        Status("in_progress", "Proses", "yellow", "open"),
        Status("pending_validation", "Menunggu Validasi", "yellow", "open"),
        Status("resolved", "Selesai", "green", "closed"),
        Status("rejected", "Ditolak", "grey", "closed"),
        Status("duplicate", "Duplikat", "grey", "closed"),
    )
}

OPEN_STATUSES = frozenset(c for c, s in STATUSES.items() if s.open311 == "open")
# The same as a sorted list (a text[] parameter, one order every time).
OPEN_LIST = sorted(OPEN_STATUSES)

# from -> allowed next statuses
TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"coordination", "dispatched", "in_progress", "rejected", "duplicate"}),
    "coordination": frozenset({"dispatched", "in_progress", "rejected", "duplicate"}),
    "dispatched": frozenset({"coordination", "in_progress", "rejected", "duplicate"}),
    "in_progress": frozenset({"coordination", "pending_validation", "rejected", "duplicate"}),
    # "TL ditolak": a rejected follow-up sends the work back to the officer.
    "pending_validation": frozenset({"resolved", "in_progress"}),
    # A reporter may reopen a resolved complaint within REOPEN_WINDOW.
    "resolved": frozenset({"in_progress"}),
    "rejected": frozenset(),
    "duplicate": frozenset(),
}

REOPEN_WINDOW = timedelta(days=7)


class InvalidTransition(Conflict):
    slug = "invalid-transition"
    title = "This status change is not allowed"


def allowed_next(
    current: str, *, resolved_at: datetime | None = None, now: datetime | None = None
) -> list[str]:
    nxt = set(TRANSITIONS.get(current, frozenset()))
    if current == "resolved" and (resolved_at is None or now is None or now - resolved_at > REOPEN_WINDOW):
        nxt.discard("in_progress")
    return sorted(nxt)


# A citizen-facing app acts for the reporter: it may only reopen.
APP_MOVES = frozenset({("resolved", "in_progress")})


def check_transition(
    current: str,
    target: str,
    *,
    resolved_at: datetime | None = None,
    now: datetime | None = None,
    role: str = "officer",
) -> None:
    """Raise ``InvalidTransition`` (409, naming the allowed moves) unless current -> target is allowed."""
    allowed = allowed_next(current, resolved_at=resolved_at, now=now)
    if role == "app":
        allowed = [s for s in allowed if (current, s) in APP_MOVES]
    if target not in allowed:
        if current == "resolved" and target == "in_progress":
            detail = (
                f"a resolved complaint can be reopened only within {REOPEN_WINDOW.days} days of resolution"
            )
        else:
            detail = f"cannot move from {current} to {target}"
        raise InvalidTransition(detail, current_status=current, allowed=allowed)


def label(code: str) -> str:
    return STATUSES[code].label


def colour(code: str) -> str:
    return STATUSES[code].colour
