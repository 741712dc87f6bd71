"""The SLA sweeper: flags complaints at risk, marks breaches once, escalates them.

Which clock runs: while a complaint is ``received`` (nobody has responded yet) its first-response
deadline (``response_due_at``) is the one that counts; from the first move on, the resolution
deadline (``due_at``, moved by an EWS). Clocks run in the open working statuses (``received``,
``coordination``, ``dispatched``, ``in_progress``); ``pending_validation`` stops them (the officer
reported the work done) and closed complaints keep their last state.

- ``at_risk`` once no more than 20 % of the running clock's time is left, ``on_track`` before
  (an EWS or a first response can bring an ``at_risk`` complaint back to ``on_track``);
- ``breached`` once the running clock is past: marked by
  ``UPDATE ... WHERE breached_at IS NULL ... RETURNING``, so of two sweepers racing (two
  processes, or the service and ``aduan sla sweep`` from cron) only one marks each complaint:
  the loser's UPDATE waits for the winner's row lock, re-reads ``breached_at`` and skips it.
  A breach is final (a late first response stays a breach, as Jakarta's CRM counts it); it gets an
  internal ``sla_breached`` event and an ``escalated`` event naming the unit's supervisor (an
  active officer of the unit with role ``supervisor``), or the triage unit when the unit has none
  (then the complaint is flagged ``escalated_to_triage`` and shows in the triage queue).

``sweep`` takes ``now`` so tests drive the clock; it is one statement per step. With
``dry_run`` it runs the same statements and rolls them back, so an operator sees what a sweep at
some time would do (``aduan sla sweep --dry-run``) through the very SQL that would do it, not a
copy that could drift from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

import asyncpg

log = logging.getLogger("aduan.sla")

CLOCK_STATUSES = ["received", "coordination", "dispatched", "in_progress"]
AT_RISK_FRACTION = 0.2

# The deadline of the clock that runs now (see the module docstring).
_RUNNING_DUE = "CASE WHEN c.status = 'received' AND c.response_due_at IS NOT NULL THEN c.response_due_at ELSE c.due_at END"

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
), ev AS (
  INSERT INTO complaint_events (complaint_id, kind, actor, note, public, data)
  SELECT x.id, x.kind, 'system:sla', x.note, false, x.data FROM (
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
)
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


async def sweep(
    conn: asyncpg.Connection, now: datetime | None = None, *, dry_run: bool = False
) -> dict[str, Any]:
    """One pass at ``now``; answers what it changed (with ``dry_run``: what it would change, leaving
    the database as it was). Runs in the caller's transaction if any, as a savepoint."""
    now = now or datetime.now(UTC)
    if dry_run:
        tr = conn.transaction()
        await tr.start()
        try:
            breached = await conn.fetch(BREACH_SQL, now, CLOCK_STATUSES)
            changed = await conn.fetch(STATE_SQL, now, CLOCK_STATUSES, AT_RISK_FRACTION)
        finally:
            await tr.rollback()
    else:
        async with conn.transaction():
            breached = await conn.fetch(BREACH_SQL, now, CLOCK_STATUSES)
            changed = await conn.fetch(STATE_SQL, now, CLOCK_STATUSES, AT_RISK_FRACTION)
    return {
        "now": now,
        "breached": [
            {
                "id": r["id"],
                "clock": r["clock"],
                "unit": r["unit_code"],
                "escalated_to": (
                    {"officer_id": r["supervisor_id"], "officer_name": r["supervisor_name"]}
                    if r["supervisor_id"]
                    else {"unit": r["triage_unit"]}
                ),
            }
            for r in breached
        ],
        "at_risk": [r["id"] for r in changed if r["sla_state"] == "at_risk"],
        "on_track": [r["id"] for r in changed if r["sla_state"] == "on_track"],
    }


async def run_forever(db, interval: float) -> None:  # type: ignore[no-untyped-def]
    """The service's own sweeper: one pass every ``interval`` seconds until cancelled."""
    while True:
        await asyncio.sleep(interval)
        try:
            async with db.raw() as conn:
                result = await sweep(conn)
            if result["breached"] or result["at_risk"]:
                log.info(
                    "sla sweep: %d breached, %d at risk", len(result["breached"]), len(result["at_risk"])
                )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failed pass (database restarting) must not end the loop
            log.warning("sla sweep failed: %s", type(exc).__name__)


def start(db, interval: float) -> asyncio.Task | None:  # type: ignore[no-untyped-def,type-arg]
    if interval <= 0:
        return None
    return asyncio.create_task(run_forever(db, interval), name="aduan-sla-sweeper")


async def stop(task: asyncio.Task | None) -> None:  # type: ignore[type-arg]
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
