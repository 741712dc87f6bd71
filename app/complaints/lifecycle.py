"""Jakarta CRM's status lifecycle: the one list of statuses and the one table of allowed moves.

``ComplaintStatus`` is the only place the statuses are written: ``STATUSES`` (labels, colours),
the transition table, the models' CHECK constraint (``app.complaints.models``), the API's
``StatusCode`` (``app.complaints.schemas``) and the open list (``OPEN_STATUSES``) derive from it.
The migrations are history and keep their own text; tests/complaints/test_status_enum.py holds
the database they build equal to it.

Every status change in Aduan goes through ``check_transition``; nothing else
decides whether a move is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.core.errors import Conflict


class ComplaintStatus(StrEnum):
    """A complaint's status (Jakarta CRM's lifecycle); see `allowed_transitions` for the moves."""

    RECEIVED = "received"
    COORDINATION = "coordination"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    PENDING_VALIDATION = "pending_validation"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


_S = ComplaintStatus


@dataclass(frozen=True, slots=True)
class Status:
    code: ComplaintStatus
    label: str  # Indonesian, as Jakarta's portal shows it
    colour: str
    open311: str  # Open311 GeoReport v2: open | closed


STATUSES: dict[str, Status] = {
    s.code: s
    for s in (
        Status(_S.RECEIVED, "Menunggu", "red", "open"),
        Status(_S.COORDINATION, "Koordinasi", "orange", "open"),
        Status(_S.DISPATCHED, "Disposisi", "orange", "open"),
        Status(_S.IN_PROGRESS, "Proses", "yellow", "open"),
        Status(_S.PENDING_VALIDATION, "Menunggu Validasi", "yellow", "open"),
        Status(_S.RESOLVED, "Selesai", "green", "closed"),
        Status(_S.REJECTED, "Ditolak", "grey", "closed"),
        Status(_S.DUPLICATE, "Duplikat", "grey", "closed"),
    )
}

OPEN_STATUSES = frozenset(c for c, s in STATUSES.items() if s.open311 == "open")
# The same as a sorted list of plain strings (a text[] parameter, one order every time).
OPEN_LIST = sorted(str(c) for c in OPEN_STATUSES)

# from -> allowed next statuses
TRANSITIONS: dict[str, frozenset[str]] = {
    _S.RECEIVED: frozenset({_S.COORDINATION, _S.DISPATCHED, _S.IN_PROGRESS, _S.REJECTED, _S.DUPLICATE}),
    _S.COORDINATION: frozenset({_S.DISPATCHED, _S.IN_PROGRESS, _S.REJECTED, _S.DUPLICATE}),
    _S.DISPATCHED: frozenset({_S.COORDINATION, _S.IN_PROGRESS, _S.REJECTED, _S.DUPLICATE}),
    _S.IN_PROGRESS: frozenset({_S.COORDINATION, _S.PENDING_VALIDATION, _S.REJECTED, _S.DUPLICATE}),
    # "TL ditolak": a rejected follow-up sends the work back to the officer.
    _S.PENDING_VALIDATION: frozenset({_S.RESOLVED, _S.IN_PROGRESS}),
    # A reporter may reopen a resolved complaint within REOPEN_WINDOW.
    _S.RESOLVED: frozenset({_S.IN_PROGRESS}),
    _S.REJECTED: frozenset(),
    _S.DUPLICATE: frozenset(),
}

REOPEN_WINDOW = timedelta(days=7)


class ComplaintClosed(Conflict):
    """The complaint is resolved or rejected: it is neither assigned nor given a new estimate."""

    slug = "complaint-closed"
    title = "The complaint is closed"


class InvalidTransition(Conflict):
    slug = "invalid-transition"
    title = "This status change is not allowed"


def allowed_next(
    current: str, *, resolved_at: datetime | None = None, now: datetime | None = None
) -> list[str]:
    nxt = set(TRANSITIONS.get(current, frozenset()))
    if current == _S.RESOLVED and (resolved_at is None or now is None or now - resolved_at > REOPEN_WINDOW):
        nxt.discard(_S.IN_PROGRESS)
    return sorted(str(s) for s in nxt)


# A citizen-facing app acts for the reporter: it may only reopen.
APP_MOVES = frozenset({(str(_S.RESOLVED), str(_S.IN_PROGRESS))})


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
