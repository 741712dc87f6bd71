"""Officer assignment, safe under concurrency, decided in PostgreSQL.

Every assignment into a unit holds that unit's transaction-scoped advisory lock while it counts
the officers' open load, and counts in a snapshot taken *after* the lock was granted: under
READ COMMITTED such a snapshot sees every assignment committed by the lock's previous holder.
(Counting in a snapshot taken before waiting for the lock, e.g. in the same plain statement
that waits, could let two racing requests both see the same officer with one slot left.)

The automatic pick is the database function ``aduan_pick_officer`` (migrations 0005, 0007): it
takes the lock, then reads the loads and picks in a query of its own (a VOLATILE PL/pgSQL
function takes a fresh snapshot per query), so a new complaint's insert and a hand-over each
pick their officer within one statement, and the lock is held from then until the commit only.
The loads are ``officers.open_assignments``, kept by a row trigger on ``complaints`` (migration
0007) in the same transaction as every change of assignee or status. A unit with no active
officer in the automatic stream takes no lock (and a new complaint's insert does not even call
the pick for it: ``app.intake.placement``). Manual assignment (``assign_officer``) takes the
same lock (``lock_unit``) and counts in a later statement.

The SQL is ``app.assignment.repository``'s; the events go through ``app.complaints.history``.

Automatic choice: among the unit's active officers (role ``officer``: supervisors take escalations
and manual assignments, not the automatic stream) who cover the complaint's area (any of its
kelurahan/kecamatan/kota codes) and category (empty lists cover everything), those below
capacity, fewest open assignments first, then least recently assigned (round robin), then id.
Nobody available leaves the complaint unassigned in the unit's queue.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Callable
from typing import Any

import asyncpg
import orjson

from app.assignment import repository
from app.complaints import history
from app.complaints.lifecycle import OPEN_LIST, OPEN_STATUSES, ComplaintClosed
from app.core.errors import Conflict, UnknownReference
from app.org.rules import UnitInfo

# Kept here for the callers that name them through the service.
LOCK_CLASS = repository.LOCK_CLASS
OPEN = OPEN_LIST

UnitLookup = Callable[[str], UnitInfo | None]


class OfficerUnavailable(Conflict):
    slug = "officer-unavailable"
    title = "The officer cannot take this complaint"


def unit_lock_key(unit_code: str) -> int:
    """A unit's advisory lock key: the CRC-32 of its code as a signed int4 (the same key from
    Python, for ``lock_unit``, and as a parameter of ``aduan_pick_officer``)."""
    key = zlib.crc32(unit_code.encode())
    return key - (1 << 32) if key >= 1 << 31 else key


async def lock_unit(conn: asyncpg.Connection, unit_code: str) -> None:
    await repository.lock_unit(conn, unit_lock_key(unit_code))


def routed_data(
    *,
    from_unit: UnitInfo | None,
    from_unit_code: str | None,
    to_unit: UnitInfo,
    rule: str,
    trigger: str,
    previous_officer_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    return {
        "from_unit": from_unit.code if from_unit else from_unit_code,
        "from_unit_name": from_unit.name if from_unit else None,
        "to_unit": to_unit.code,
        "to_unit_name": to_unit.name,
        "rule": rule,
        "trigger": trigger,
        "previous_officer_id": str(previous_officer_id) if previous_officer_id else None,
    }


async def route_and_assign(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    *,
    to_unit: UnitInfo,
    from_unit: UnitInfo | None,
    rule: str,
    trigger: str,
    actor: str,
    bump_version: bool,
    from_unit_code: str | None = None,
    previous_officer_id: uuid.UUID | None = None,
    note: str | None = None,
) -> asyncpg.Record | None:
    """Hand the complaint to ``to_unit`` (event ``routed``) and auto-assign it there (event
    ``assigned``), in one statement (which takes ``to_unit``'s lock for the pick). Answers the
    updated row, or None when nothing changed."""
    data = routed_data(
        from_unit=from_unit,
        from_unit_code=from_unit_code,
        to_unit=to_unit,
        rule=rule,
        trigger=trigger,
        previous_officer_id=previous_officer_id,
    )
    return await repository.route(
        conn,
        complaint_id,
        unit_code=to_unit.code,
        lock_key=unit_lock_key(to_unit.code),
        routed_data=orjson.dumps(data).decode(),
        note=note or f"Diteruskan ke {to_unit.name}",
        actor=actor,
        bump_version=bump_version,
    )


async def auto_assign(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, unit_code: str, *, actor: str, bump_version: bool
) -> asyncpg.Record | None:
    """Assign within the current unit (no hand-over)."""
    return await repository.route(
        conn,
        complaint_id,
        unit_code=unit_code,
        lock_key=unit_lock_key(unit_code),
        routed_data=None,
        note=None,
        actor=actor,
        bump_version=bump_version,
    )


async def assign_officer(
    conn: asyncpg.Connection,
    row: asyncpg.Record,
    officer_id: uuid.UUID,
    *,
    actor: str,
    note: str | None,
    unit_lookup: UnitLookup,
) -> asyncpg.Record:
    """Manual assignment to one officer of the responsible unit, never over capacity (``row``:
    the complaint, locked by the caller).

    A complaint no unit holds yet goes to the officer's unit with it (a ``routed`` event)."""
    if row["status"] not in OPEN_STATUSES:
        raise ComplaintClosed(f"a {row['status']} complaint is not assigned to anyone")
    officer = await repository.officer(conn, officer_id)
    if officer is None:
        raise UnknownReference(
            f"officer_id: no officer {officer_id}",
            errors=[{"field": "officer_id", "detail": "unknown officer"}],
        )
    if not officer["active"]:
        raise OfficerUnavailable(f"officer {officer['name']} is not active", officer_id=str(officer_id))
    unit_code = row["unit_code"]
    if unit_code is not None and officer["unit_code"] != unit_code:
        raise OfficerUnavailable(
            f"officer {officer['name']} belongs to {officer['unit_code']}, not to the responsible unit {unit_code}; "
            'hand the complaint over first with {"unit": ...}',
            officer_unit=officer["unit_code"],
            responsible_unit=unit_code,
        )
    if row["assignee_id"] == officer_id:
        return row
    await lock_unit(conn, officer["unit_code"])
    load = await repository.open_load(conn, officer_id, OPEN)
    if load >= officer["capacity"]:
        raise OfficerUnavailable(
            f"officer {officer['name']} is at capacity ({load} open of {officer['capacity']})",
            open_assignments=load,
            capacity=officer["capacity"],
        )
    updated = await repository.set_assignee(conn, row["id"], officer_id, officer["unit_code"])
    if unit_code is None:
        to_unit = unit_lookup(officer["unit_code"]) or UnitInfo(
            officer["unit_code"], officer["unit_name"], "unknown"
        )
        await history.append(
            conn,
            row["id"],
            "routed",
            actor,
            note=f"Diteruskan ke {officer['unit_name']}",
            public=True,
            data=routed_data(
                from_unit=None, from_unit_code=None, to_unit=to_unit, rule="manual", trigger="assignment"
            ),
        )
    await history.append(
        conn,
        row["id"],
        "assigned",
        actor,
        note=note,
        public=False,
        data={
            "officer_id": str(officer_id),
            "officer_name": officer["name"],
            "unit": officer["unit_code"],
            "mode": "manual",
            "open_assignments": load + 1,
            "previous_officer_id": str(row["assignee_id"]) if row["assignee_id"] else None,
        },
    )
    return updated
