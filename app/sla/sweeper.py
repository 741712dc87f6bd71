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

``sweep`` takes ``now`` so tests drive the clock; it is one statement per step (their SQL is
``app.sla.repository``'s; the events go through ``app.complaints.history``). With
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

from app.auth import audit
from app.complaints.lifecycle import OPEN_LIST, ComplaintStatus
from app.core.db import Database
from app.core.security import Principal
from app.sla import repository

log = logging.getLogger("aduan.sla")

# The clocks run in the open statuses but the one that waits for the reporter's validation.
CLOCK_STATUSES = [s for s in OPEN_LIST if s != ComplaintStatus.PENDING_VALIDATION]
AT_RISK_FRACTION = 0.2


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
            breached = await repository.mark_breaches(conn, now, CLOCK_STATUSES)
            changed = await repository.update_states(conn, now, CLOCK_STATUSES, AT_RISK_FRACTION)
        finally:
            await tr.rollback()
    else:
        async with conn.transaction():
            breached = await repository.mark_breaches(conn, now, CLOCK_STATUSES)
            changed = await repository.update_states(conn, now, CLOCK_STATUSES, AT_RISK_FRACTION)
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


async def sweep_for(conn: asyncpg.Connection, principal: Principal) -> dict[str, Any]:
    """A sweep an operator asked for (``POST /v1/sla/sweep``), audited."""
    out = await sweep(conn)
    await audit.record(
        conn, principal, "sla.sweep",
        data={"breached": len(out.get("breached", [])), "now": out["now"].isoformat()},
    )  # fmt: skip
    return out


async def run_forever(db: Database, interval: float) -> None:
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


def start(db: Database, interval: float) -> asyncio.Task[None] | None:
    """The sweeper as a task of the running loop; None when ``interval`` turns it off (<= 0)."""
    if interval <= 0:
        return None
    return asyncio.create_task(run_forever(db, interval), name="aduan-sla-sweeper")


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
