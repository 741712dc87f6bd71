"""An officer's estimated completion date (EWS): it becomes the complaint's resolution deadline.

LAPOR! items keep the national deadline (``app.sla.clock.deadlines_for``); their date is still
recorded and shown. The SLA state follows the new deadline at once, except that a breach already
marked stays one. A public ``ews_set`` event tells the reporter the date; the change is audited.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

from app.auth import audit
from app.complaints import history
from app.complaints import service as complaints
from app.complaints.lifecycle import OPEN_STATUSES, ComplaintClosed, ComplaintStatus
from app.core.errors import Unprocessable
from app.core.preconditions import check_version
from app.core.security import Principal
from app.sla import clock, repository


async def set_ews(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    *,
    ews_at: datetime,
    note: str | None,
    principal: Principal,
    if_match: int,
    now: datetime | None = None,
) -> asyncpg.Record:
    """Set the EWS of a complaint this key may see, at the version it read; answers the row."""
    now = now or datetime.now(UTC)
    row = await complaints.visible_complaint(conn, complaint_id, principal, for_update=True)
    check_version(if_match, row["version"])
    if row["status"] not in OPEN_STATUSES:
        raise ComplaintClosed(f"a {row['status']} complaint has no estimated completion date")
    if ews_at <= now:
        raise Unprocessable(
            "ews_at: must be in the future", errors=[{"field": "ews_at", "detail": "in the past"}]
        )
    sla_hours = await repository.category_sla_hours(conn, row["category"])
    try:
        deadlines = clock.deadlines_for(row["channel"], sla_hours, row["received_at"], ews_at)
    except ValueError as exc:
        raise Unprocessable(f"ews_at: {exc}", errors=[{"field": "ews_at", "detail": str(exc)}]) from None
    due = deadlines.resolution_due_at
    running = (
        row["response_due_at"]
        if row["status"] == ComplaintStatus.RECEIVED and row["response_due_at"]
        else due
    )
    state = (
        "breached" if row["sla_state"] == "breached" else clock.sla_state(row["received_at"], running, now)
    )
    updated = await repository.set_ews(
        conn, complaint_id, ews_at=ews_at, due_at=due, sla_state=state, now=now
    )
    local = ews_at.astimezone(clock.JAKARTA_TZ)
    await history.append(
        conn,
        complaint_id,
        "ews_set",
        principal.actor,
        note=note or f"Perkiraan selesai: {local:%d-%m-%Y %H:%M} WIB",
        public=True,
        data={
            "ews_at": ews_at.isoformat(),
            "due_at": due.isoformat(),
            "previous_due_at": row["due_at"].isoformat() if row["due_at"] else None,
            "previous_ews_at": row["ews_at"].isoformat() if row["ews_at"] else None,
        },
    )
    await audit.record(
        conn, principal, "complaint.ews", complaint_id=complaint_id, target_type="complaint",
        target_id=complaint_id, data={"ews_at": ews_at.isoformat(), "version": updated["version"]},
    )  # fmt: skip
    return updated
