"""Officer assignment, safe under concurrency, decided in PostgreSQL.

Every assignment into a unit first takes that unit's transaction-scoped advisory lock
(``lock_unit``), then counts open load and picks an officer in a *later* statement. The order
matters: under READ COMMITTED each statement reads a fresh snapshot, so the statement that
counts runs after the lock was granted and sees every assignment committed by the previous
holder. (Counting inside the statement that waits for a lock would read a snapshot older than
the lock, and two racing requests could both see the same officer with one slot left.)

Automatic choice: among the unit's active officers (role ``officer``: supervisors take escalations
and manual assignments, not the automatic stream) who cover the complaint's area (any of its
kelurahan/kecamatan/kota codes) and category (empty lists cover everything), those below
capacity, fewest open assignments first, then least recently assigned (round robin), then id.
Nobody available leaves the complaint unassigned in the unit's queue.
"""

from __future__ import annotations

import uuid
import zlib
from typing import Any

import asyncpg
import orjson

from app.complaints.lifecycle import OPEN_STATUSES
from app.complaints.service import COLUMNS, RETURNING
from app.core.errors import Conflict, Unprocessable
from app.routing.rules import UnitInfo

# Namespace of our advisory locks (the two-int form keeps clear of other users' locks).
LOCK_CLASS = 414243
OPEN = sorted(OPEN_STATUSES)


class OfficerUnavailable(Conflict):
    slug = "officer-unavailable"
    title = "The officer cannot take this complaint"


class ComplaintClosed(Conflict):
    slug = "complaint-closed"
    title = "The complaint is closed"


class UnknownReference(Unprocessable):
    slug = "unknown-reference"
    title = "The request names something that does not exist"


def unit_lock_key(unit_code: str) -> int:
    """A unit's advisory lock key: the CRC-32 of its code as a signed int4. Computed here,
    not by ``hashtext()`` in SQL, so that intake can send the lock as a literal made of two
    integers in the same message as its ``BEGIN`` (``unit_lock_sql``)."""
    key = zlib.crc32(unit_code.encode())
    return key - (1 << 32) if key >= 1 << 31 else key


def unit_lock_sql(unit_code: str) -> str:
    return f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, {unit_lock_key(unit_code)})"


async def lock_unit(conn: asyncpg.Connection, unit_code: str) -> None:
    await conn.execute(f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, $1::int)", unit_lock_key(unit_code))


# The one rule of automatic assignment: the active officer of the unit who covers the
# complaint's area and category, with the fewest open assignments, below capacity, least
# recently assigned on ties. The caller holds the unit's advisory lock, taken in an earlier
# statement, so the count sees every committed assignment.
PICK_TEMPLATE = """cand AS (
  SELECT o.id, o.name, o.capacity, o.last_assigned_at,
         (SELECT count(*) FROM complaints x WHERE x.assignee_id = o.id AND x.status = ANY({open})) AS load
  FROM officers o {join}
  WHERE o.unit_code = {unit} AND o.active AND o.role = 'officer'
    AND (cardinality(o.area_codes) = 0 OR o.area_codes && {areas})
    AND (cardinality(o.categories) = 0 OR {category} IS NULL OR {category} = ANY(o.categories))
), pick AS (
  SELECT id, name, load FROM cand WHERE load < capacity
  ORDER BY load, last_assigned_at NULLS FIRST, id LIMIT 1
)"""

# For a new complaint, inside its insert (app.complaints.service.INSERT_ASSIGNED_SQL).
PICK_CTES = PICK_TEMPLATE.format(
    open="$36::text[]", join="", unit="$23", areas="$32::text[]", category="$6::text"
)

ROUTE_SQL = f"""
WITH t AS (
  SELECT id, unit_code, assignee_id, kelurahan_code, kecamatan_code, kota_code, category
  FROM complaints WHERE id = $1
), {
    PICK_TEMPLATE.format(
        open="$6::text[]",
        join="CROSS JOIN t",
        unit="$2",
        areas="ARRAY[t.kelurahan_code, t.kecamatan_code, t.kota_code]::text[]",
        category="t.category",
    )
}, upd AS (
  UPDATE complaints c
  SET unit_code = $2, assignee_id = (SELECT id FROM pick),
      version = c.version + CASE WHEN $7::bool THEN 1 ELSE 0 END, updated_at = now()
  FROM t
  -- rewrite the row only when something changes: a new unit, or an officer picked
  -- (a new complaint already carries its unit; a full unit leaves it in the queue)
  WHERE c.id = t.id AND (c.unit_code IS DISTINCT FROM $2 OR EXISTS (SELECT 1 FROM pick))
  RETURNING {COLUMNS}
), touch AS (
  UPDATE officers o SET last_assigned_at = clock_timestamp() FROM pick WHERE o.id = pick.id
), ev AS (
  INSERT INTO complaint_events (complaint_id, kind, actor, note, public, data)
  SELECT $1, x.kind, $4, x.note, x.public, x.data FROM (
    SELECT 1 AS ord, 'routed' AS kind, $5::text AS note, true AS public, $3::jsonb AS data
    WHERE $3::jsonb IS NOT NULL
    UNION ALL
    SELECT 2, 'assigned', NULL, false,
           jsonb_build_object('officer_id', p.id, 'officer_name', p.name, 'unit', $2::text, 'mode', 'auto',
                              'open_assignments', p.load + 1, 'previous_officer_id', t.assignee_id)
    FROM pick p CROSS JOIN t
  ) AS x ORDER BY x.ord
)
SELECT * FROM upd
"""


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
    ``assigned``), in one statement. The caller holds ``to_unit``'s lock. Answers the updated
    row, or None when nothing changed."""
    data = routed_data(
        from_unit=from_unit,
        from_unit_code=from_unit_code,
        to_unit=to_unit,
        rule=rule,
        trigger=trigger,
        previous_officer_id=previous_officer_id,
    )
    return await conn.fetchrow(
        ROUTE_SQL,
        complaint_id,
        to_unit.code,
        orjson.dumps(data).decode(),
        actor,
        note or f"Diteruskan ke {to_unit.name}",
        OPEN,
        bump_version,
    )


async def auto_assign(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, unit_code: str, *, actor: str, bump_version: bool
) -> asyncpg.Record | None:
    """Assign within the current unit (no hand-over); the caller holds the unit's lock."""
    return await conn.fetchrow(ROUTE_SQL, complaint_id, unit_code, None, actor, None, OPEN, bump_version)


async def assign_officer(
    conn: asyncpg.Connection,
    row: asyncpg.Record,
    officer_id: uuid.UUID,
    *,
    actor: str,
    note: str | None,
    unit_lookup,  # type: ignore[no-untyped-def]
) -> asyncpg.Record:
    """Manual assignment to one officer of the responsible unit, never over capacity.

    A complaint no unit holds yet goes to the officer's unit with it (a ``routed`` event)."""
    if row["status"] not in OPEN_STATUSES:
        raise ComplaintClosed(f"a {row['status']} complaint is not assigned to anyone")
    officer = await conn.fetchrow(
        "SELECT o.id, o.name, o.unit_code, o.active, o.capacity, u.name AS unit_name "
        "FROM officers o JOIN units u ON u.code = o.unit_code WHERE o.id = $1",
        officer_id,
    )
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
    load = await conn.fetchval(
        "SELECT count(*) FROM complaints WHERE assignee_id = $1 AND status = ANY($2::text[])",
        officer_id,
        OPEN,
    )
    if load >= officer["capacity"]:
        raise OfficerUnavailable(
            f"officer {officer['name']} is at capacity ({load} open of {officer['capacity']})",
            open_assignments=load,
            capacity=officer["capacity"],
        )
    updated = await conn.fetchrow(
        f"UPDATE complaints SET assignee_id = $2, unit_code = $3, version = version + 1, updated_at = now() "
        f"WHERE id = $1 RETURNING {RETURNING}",
        row["id"],
        officer_id,
        officer["unit_code"],
    )
    await conn.execute("UPDATE officers SET last_assigned_at = clock_timestamp() WHERE id = $1", officer_id)
    events: list[tuple[str, str | None, bool, dict[str, Any]]] = []
    if unit_code is None:
        to_unit = unit_lookup(officer["unit_code"]) or UnitInfo(
            officer["unit_code"], officer["unit_name"], "unknown"
        )
        events.append(
            (
                "routed",
                f"Diteruskan ke {officer['unit_name']}",
                True,
                routed_data(
                    from_unit=None, from_unit_code=None, to_unit=to_unit, rule="manual", trigger="assignment"
                ),
            )
        )
    events.append(
        (
            "assigned",
            note,
            False,
            {
                "officer_id": str(officer_id),
                "officer_name": officer["name"],
                "unit": officer["unit_code"],
                "mode": "manual",
                "open_assignments": load + 1,
                "previous_officer_id": str(row["assignee_id"]) if row["assignee_id"] else None,
            },
        )
    )
    for kind, ev_note, public, data in events:
        await conn.execute(
            "INSERT INTO complaint_events (complaint_id, kind, actor, note, public, data) "
            "VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
            row["id"],
            kind,
            actor,
            ev_note,
            public,
            orjson.dumps(data).decode(),
        )
    return updated
