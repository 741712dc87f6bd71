"""A complaint's history: the one writer of ``complaint_events``.

Every event (created, routed, assigned, status changes, comments, follow-ups, SLA marks,
escalations) is written through this module, either by ``append`` (one statement of its own) or,
where the event must be written by the same statement as its cause (a new complaint's insert, a
hand-over with its officer pick, the SLA sweep), by the CTE ``events_cte`` builds around the
caller's ``SELECT`` of the event rows. The columns and their order are defined here only.

The history is append-only: nothing updates or deletes an event.

The outbox: an event someone outside may be told about (``TOLD``: a new complaint with its ticket,
an assignment, a status change, a public comment, an estimated completion date) is also written
to ``outbox`` by the same statement that writes the event, so in the transaction of the change
itself, whichever writer it is. The dispatcher (app.outbound.dispatcher) sends nothing from
inside a request: it reads ``outbox`` afterwards.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import orjson

# The columns a writer supplies, in this order (``id`` and ``created_at`` are the table's).
COLUMNS = ("complaint_id", "kind", "actor", "from_status", "to_status", "note", "public", "data")
_INSERT = f"INSERT INTO complaint_events ({', '.join(COLUMNS)})"
RETURNING = "RETURNING id, kind, actor, from_status, to_status, note, public, data, created_at"


# The event kinds that go to the outbox (a comment only when public).
TOLD = ("created", "assigned", "status_changed", "reopened", "merged", "comment", "ews_set")
_TOLD_SQL = ", ".join(f"'{k}'" for k in TOLD)


def _outbox_cte(name: str, events: str) -> str:
    return (
        f"{name} AS (\n  INSERT INTO outbox (complaint_id, event_id, kind)\n"
        f"  SELECT complaint_id, id, kind FROM {events}\n"
        f"  WHERE kind IN ({_TOLD_SQL}) AND (kind <> 'comment' OR public)\n)"
    )


def events_cte(name: str, select_sql: str) -> str:
    """``name AS (INSERT INTO complaint_events (...) <select_sql>), name_outbox AS (...)``: CTEs
    that write the rows ``select_sql`` produces (whose columns must be ``COLUMNS`` in that order)
    and their outbox rows."""
    return (
        f"{name} AS (\n  {_INSERT}\n  {select_sql.strip()}\n  RETURNING id, complaint_id, kind, public\n),\n"
        + _outbox_cte(f"{name}_outbox", name)
    )


_APPEND = (
    f"WITH ev AS ({_INSERT} VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) {RETURNING}, complaint_id), "
    f"{_outbox_cte('ev_outbox', 'ev')} "
    "SELECT id, kind, actor, from_status, to_status, note, public, data, created_at FROM ev"
)


async def append(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    kind: str,
    actor: str,
    *,
    note: str | None = None,
    public: bool = False,
    from_status: str | None = None,
    to_status: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write one event; answers it as stored."""
    row = await conn.fetchrow(
        _APPEND,
        complaint_id,
        kind,
        actor,
        from_status,
        to_status,
        note,
        public,
        orjson.dumps(data or {}).decode(),
    )
    assert row is not None  # INSERT ... RETURNING answers the row it wrote
    return dict(row)
