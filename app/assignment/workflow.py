"""Manual assignment, as an officer asks for it: ``PUT /v1/complaints/{id}/assignment``.

The order of things: the complaint as this key may see it (``app.complaints.service``, locked),
the version the caller read (If-Match), the audit entry, then either one officer of the
responsible unit (``app.assignment.service.assign_officer``: never over capacity) or a hand-over
to another unit with an automatic pick there (``route_and_assign``). The statements are
``app.assignment.service``'s and ``app.org.repository``'s; this module holds no SQL.
"""

from __future__ import annotations

import uuid

import asyncpg

from app.assignment import service as assignment
from app.auth import audit
from app.complaints import service as complaints
from app.complaints.lifecycle import OPEN_STATUSES, ComplaintClosed
from app.core.errors import UnknownReference
from app.core.preconditions import check_version
from app.core.security import Principal
from app.org import repository as org
from app.org.repository import UnitInactive
from app.org.rules import UnitDirectory, UnitInfo


def _no_unit(code: str) -> UnitInfo | None:
    return None


async def assign(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    *,
    officer_id: uuid.UUID | None,
    unit: str | None,
    note: str | None,
    principal: Principal,
    units: UnitDirectory | None,
    if_match: int,
) -> asyncpg.Record:
    """Give the complaint to ``officer_id`` or hand it to ``unit`` (exactly one of them);
    answers the complaint as it is now. ``units``: the routing's unit directory, naming the unit
    of a ``routed`` event (None: the database's name for it)."""
    row = await complaints.visible_complaint(conn, complaint_id, principal, for_update=True)
    check_version(if_match, row["version"])
    await audit.record(
        conn, principal, "complaint.assign", complaint_id=complaint_id, target_type="complaint",
        target_id=complaint_id,
        data={"officer_id": str(officer_id) if officer_id else None, "unit": unit, "from_unit": row["unit_code"],
              "from_officer_id": str(row["assignee_id"]) if row["assignee_id"] else None},
    )  # fmt: skip
    if officer_id is not None:
        return await assignment.assign_officer(
            conn,
            row,
            officer_id,
            actor=principal.actor,
            note=note,
            unit_lookup=units.get if units is not None else _no_unit,
        )
    assert unit is not None
    if row["status"] not in OPEN_STATUSES:
        raise ComplaintClosed(f"a {row['status']} complaint is not handed to anyone")
    to_unit = await org.unit_info(conn, unit)
    if to_unit is None:
        raise UnknownReference(
            f"unit: no unit {unit!r} (GET /v1/units)", errors=[{"field": "unit", "detail": "unknown unit"}]
        )
    if not to_unit.active:
        raise UnitInactive(f"unit {unit!r} is not active")
    # (the pick in auto_assign / route_and_assign takes the unit's lock itself)
    if row["unit_code"] == unit:
        if row["assignee_id"] is not None:
            return row
        return (
            await assignment.auto_assign(conn, complaint_id, unit, actor=principal.actor, bump_version=True)
            or row
        )
    updated = await assignment.route_and_assign(
        conn,
        complaint_id,
        to_unit=to_unit,
        from_unit=await org.unit_ref(conn, row["unit_code"]),
        from_unit_code=row["unit_code"],
        rule="manual",
        trigger="assignment",
        actor=principal.actor,
        bump_version=True,
        previous_officer_id=row["assignee_id"],
    )
    return updated or row
