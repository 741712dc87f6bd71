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

from app.complaints.lifecycle import OPEN_LIST, OPEN_STATUSES
from app.complaints.service import COLUMNS, RETURNING
from app.core.errors import Conflict, Unprocessable
from app.org.rules import UnitInfo

# Namespace of our advisory locks (the two-int form keeps clear of other users' locks).
LOCK_CLASS = 414243
OPEN = OPEN_LIST


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
    """A unit's advisory lock key: the CRC-32 of its code as a signed int4 (the same key from
    Python, for ``lock_unit``, and as a parameter of ``aduan_pick_officer``)."""
    key = zlib.crc32(unit_code.encode())
    return key - (1 << 32) if key >= 1 << 31 else key


async def lock_unit(conn: asyncpg.Connection, unit_code: str) -> None:
    await conn.execute(f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, $1::int)", unit_lock_key(unit_code))


# The one rule of automatic assignment lives in aduan_pick_officer(lock key, unit, the
# complaint's area codes, its category): at most one row (id, name, load).
# MATERIALIZED: called once per statement, whatever refers to the pick.
def _pick_cte(lock_key: str, unit: str, areas: str, category: str, source: str = "", where: str = "") -> str:
    return (
        f"pick AS MATERIALIZED (SELECT p.id, p.name, p.load FROM {source}"
        f"aduan_pick_officer({lock_key}, {unit}, {areas}, {category}) AS p{where})"
    )


# For a new complaint, inside its insert (app.intake.pipeline.insert_sql). The pick is called
# only when some active officer of the unit has room at all: a necessary condition of any pick
# (the function checks the whole rule itself), read as a one-time filter of the statement, so a
# full unit (the usual state of a busy one) costs a read of its officer rows, not a PL/pgSQL call.
PICK_CTES = _pick_cte(
    "$36::int",
    "$23::text",
    "$35::text[]",
    "$6::text",
    where=" WHERE EXISTS (SELECT 1 FROM officers o WHERE o.unit_code = $23::text AND o.active"
    " AND o.role = 'officer' AND o.open_assignments < o.capacity)",
)

ROUTE_SQL = f"""
WITH t AS (
  SELECT id, unit_code, assignee_id, kelurahan_code, kecamatan_code, kota_code, category
  FROM complaints WHERE id = $1
), {
    _pick_cte(
        "$7::int",
        "$2::text",
        "ARRAY[t.kelurahan_code, t.kecamatan_code, t.kota_code]::text[]",
        "t.category",
        source="t, LATERAL ",
    )
}, upd AS (
  UPDATE complaints c
  SET unit_code = $2, assignee_id = (SELECT id FROM pick),
      version = c.version + CASE WHEN $6::bool THEN 1 ELSE 0 END, updated_at = now()
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
    return await conn.fetchrow(
        ROUTE_SQL,
        complaint_id,
        to_unit.code,
        orjson.dumps(data).decode(),
        actor,
        note or f"Diteruskan ke {to_unit.name}",
        bump_version,
        unit_lock_key(to_unit.code),
    )


async def auto_assign(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, unit_code: str, *, actor: str, bump_version: bool
) -> asyncpg.Record | None:
    """Assign within the current unit (no hand-over)."""
    return await conn.fetchrow(
        ROUTE_SQL, complaint_id, unit_code, None, actor, None, bump_version, unit_lock_key(unit_code)
    )


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
