"""The SLA's statements: the sweep's two (breaches with their events and escalation, then the
at-risk/on-track states) and the estimated completion date (EWS) of one complaint.

What they decide and why is told in ``app.sla.sweeper`` and ``app.sla.ews``; functions here take
a connection (and a transaction) the caller owns. The sweep's events are written by the same
statement that marks the breach, through ``app.complaints.history.events_cte``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from app.complaints import history
from app.complaints.repository import RETURNING

# The deadline of the clock that runs now (see app.sla.sweeper).
_RUNNING_DUE = "CASE WHEN c.status = 'received' AND c.response_due_at IS NOT NULL THEN c.response_due_at ELSE c.due_at END"

# $1: now, $2: the statuses whose clocks run.
_SLA_EVENTS = history.events_cte(
    "ev",
    """
  SELECT x.id, x.kind, 'system:sla', NULL, NULL, x.note, false, x.data FROM (
    SELECT s.id, 1 AS ord, 'sla_breached' AS kind,
           'Batas waktu ' || CASE WHEN s.clock = 'first_response' THEN 'respons pertama' ELSE 'penyelesaian' END
             || ' terlewati' AS note,
           jsonb_build_object('clock', s.clock, 'due_at', s.due, 'breached_at', $1::timestamptz,
                              'unit', s.unit_code, 'assignee_id', s.assignee_id, 'status', s.status) AS data
    FROM s
    UNION ALL
    SELECT s.id, 2, 'escalated',
           'Eskalasi ke ' || COALESCE(s.supervisor_name, tri.name, 'triase'),
           CASE WHEN s.supervisor_id IS NOT NULL THEN
             jsonb_build_object('to', 'supervisor', 'officer_id', s.supervisor_id, 'officer_name', s.supervisor_name,
                                'unit', s.unit_code, 'unit_name', s.unit_name, 'clock', s.clock)
           ELSE
             jsonb_build_object('to', 'triage', 'unit', tri.code, 'unit_name', tri.name,
                                'from_unit', s.unit_code, 'clock', s.clock)
           END
    FROM s LEFT JOIN tri ON true
  ) AS x ORDER BY x.id, x.ord
""",
)

BREACH_SQL = f"""
WITH b AS (
  UPDATE complaints c
  SET sla_state = 'breached', breached_at = $1,
      flags = c.flags || ARRAY(
        SELECT f FROM unnest(ARRAY[
          'escalated',
          CASE WHEN NOT EXISTS (SELECT 1 FROM officers o
                                WHERE o.unit_code = c.unit_code AND o.role = 'supervisor' AND o.active)
               THEN 'escalated_to_triage' END]) AS f
        WHERE f IS NOT NULL AND NOT (f = ANY(c.flags)))
  WHERE c.breached_at IS NULL AND c.status = ANY($2::text[]) AND {_RUNNING_DUE} < $1
  RETURNING c.id, c.unit_code, c.assignee_id, c.status,
            CASE WHEN c.status = 'received' AND c.response_due_at IS NOT NULL THEN 'first_response'
                 ELSE 'resolution' END AS clock,
            {_RUNNING_DUE} AS due
), s AS (
  SELECT b.*, sup.id AS supervisor_id, sup.name AS supervisor_name, u.name AS unit_name
  FROM b
  LEFT JOIN units u ON u.code = b.unit_code
  LEFT JOIN LATERAL (
    SELECT o.id, o.name FROM officers o
    WHERE o.unit_code = b.unit_code AND o.role = 'supervisor' AND o.active
    ORDER BY o.created_at, o.id LIMIT 1
  ) sup ON true
), tri AS (
  SELECT code, name FROM units WHERE kind = 'triage' AND active ORDER BY code LIMIT 1
), {_SLA_EVENTS}
SELECT s.id, s.clock, s.unit_code, s.supervisor_id, s.supervisor_name, (SELECT code FROM tri) AS triage_unit FROM s
"""

STATE_SQL = f"""
UPDATE complaints c SET sla_state = x.state
FROM (
  SELECT c.id,
         CASE WHEN $1 >= {_RUNNING_DUE} - ({_RUNNING_DUE} - c.received_at) * $3::float8 THEN 'at_risk'
              ELSE 'on_track' END AS state
  FROM complaints c
  WHERE c.breached_at IS NULL AND c.status = ANY($2::text[]) AND {_RUNNING_DUE} IS NOT NULL
) AS x
WHERE c.id = x.id AND c.breached_at IS NULL AND c.sla_state IS DISTINCT FROM x.state
RETURNING c.id, c.sla_state
"""


async def mark_breaches(
    conn: asyncpg.Connection, now: datetime, statuses: Sequence[str]
) -> list[asyncpg.Record]:
    """Mark the complaints whose running clock is past ``now`` as breached (once), flag and
    escalate them, with their events; answers each one (id, clock, unit_code, supervisor_id,
    supervisor_name, triage_unit)."""
    return await conn.fetch(BREACH_SQL, now, list(statuses))


async def update_states(
    conn: asyncpg.Connection, now: datetime, statuses: Sequence[str], at_risk_fraction: float
) -> list[asyncpg.Record]:
    """``at_risk`` / ``on_track`` where that changed; answers (id, sla_state) of each change."""
    return await conn.fetch(STATE_SQL, now, list(statuses), at_risk_fraction)


# --------------------------------------------------------------------------- EWS


async def category_sla_hours(conn: asyncpg.Connection, category: str | None) -> int | None:
    hours: int | None = await conn.fetchval("SELECT sla_hours FROM categories WHERE code = $1", category)
    return hours


async def set_ews(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    *,
    ews_at: datetime,
    due_at: datetime,
    sla_state: str,
    now: datetime,
) -> asyncpg.Record:
    """The EWS and the deadline it sets; the state too, unless a breach is marked already."""
    row = await conn.fetchrow(
        f"UPDATE complaints SET ews_at = $2, due_at = $3, sla_state = CASE WHEN breached_at IS NULL THEN $4 "
        f"ELSE sla_state END, version = version + 1, updated_at = $5 WHERE id = $1 RETURNING {RETURNING}",
        complaint_id,
        ews_at,
        due_at,
        sla_state,
        now,
    )
    assert row is not None  # the caller holds the row's lock
    return row
