"""The assignment's SQL: the officer pick, the hand-over statement, the unit's lock and the manual
assignment's reads and writes (the rules that use them are ``app.assignment.service``'s).

The pick is written with named parameters (``app.core.sql``): ``PICK_CTES`` is a fragment a
bigger statement includes (the intake's insert, ``app.intake.repository``), and it says which
names that statement must bind (``PICK_PARAMETERS``), never which numbers. The events the
statements here write go through ``app.complaints.history``.
"""

from __future__ import annotations

import uuid

import asyncpg

from app.complaints import history
from app.complaints.repository import COLUMNS, RETURNING
from app.core.sql import compile_named

# Namespace of our advisory locks (the two-int form keeps clear of other users' locks).
LOCK_CLASS = 414243


def _pick_cte(lock_key: str, unit: str, areas: str, category: str, source: str = "", where: str = "") -> str:
    # The one rule of automatic assignment lives in aduan_pick_officer(lock key, unit, the
    # complaint's area codes, its category): at most one row (id, name, load).
    # MATERIALIZED: called once per statement, whatever refers to the pick.
    return (
        f"pick AS MATERIALIZED (SELECT p.id, p.name, p.load FROM {source}"
        f"aduan_pick_officer({lock_key}, {unit}, {areas}, {category}) AS p{where})"
    )


def assigned_data(pick: str, unit: str, previous_officer: str) -> str:
    """The ``assigned`` event's data of an automatic pick, as SQL (``pick``: the alias of a
    ``pick`` row; ``unit``, ``previous_officer``: SQL expressions)."""
    return (
        f"jsonb_build_object('officer_id', {pick}.id, 'officer_name', {pick}.name, 'unit', {unit}, "
        f"'mode', 'auto', 'open_assignments', {pick}.load + 1, 'previous_officer_id', {previous_officer})"
    )


# For a new complaint, inside its insert (app.intake.repository). The statement that includes
# it binds PICK_PARAMETERS by name: the unit's lock key (``unit_lock_key``), the unit, the
# complaint's area codes (kelurahan, kecamatan, kota) and its category. The pick is called
# only when some active officer of the unit has room at all: a necessary condition of any pick
# (the function checks the whole rule itself), read as a one-time filter of the statement, so a
# full unit (the usual state of a busy one) costs a read of its officer rows, not a PL/pgSQL call.
PICK_PARAMETERS = ("lock_key", "unit_code", "area_codes", "category")
PICK_CTES = _pick_cte(
    ":lock_key::int",
    ":unit_code::text",
    ":area_codes::text[]",
    ":category::text",
    where=" WHERE EXISTS (SELECT 1 FROM officers o WHERE o.unit_code = :unit_code::text AND o.active"
    " AND o.role = 'officer' AND o.open_assignments < o.capacity)",
)
# The picked officer's round-robin mark, in the statement that picked (``after``: a CTE that
# must have written a row for the mark to be set, e.g. the complaint's insert).
PICK_TOUCH_CTE = "touch AS (\n  UPDATE officers o SET last_assigned_at = clock_timestamp() FROM pick{after} WHERE o.id = pick.id\n)"


def pick_touch_cte(after: str | None = None) -> str:
    return PICK_TOUCH_CTE.format(after=f", {after}" if after else "")


# A hand-over to a unit and the automatic pick there, in one statement: the row changes only
# when something does (a new unit, or an officer picked: a new complaint already carries its
# unit; a full unit leaves it in the queue); ``routed_data`` NULL writes no ``routed`` event
# (an assignment within the current unit).
ROUTE = compile_named(
    f"""
WITH t AS (
  SELECT id, unit_code, assignee_id, kelurahan_code, kecamatan_code, kota_code, category
  FROM complaints WHERE id = :complaint_id
), {
        _pick_cte(
            ":lock_key::int",
            ":unit_code::text",
            "ARRAY[t.kelurahan_code, t.kecamatan_code, t.kota_code]::text[]",
            "t.category",
            source="t, LATERAL ",
        )
    }, upd AS (
  UPDATE complaints c
  SET unit_code = :unit_code, assignee_id = (SELECT id FROM pick),
      version = c.version + CASE WHEN :bump_version::bool THEN 1 ELSE 0 END, updated_at = now()
  FROM t
  WHERE c.id = t.id AND (c.unit_code IS DISTINCT FROM :unit_code OR EXISTS (SELECT 1 FROM pick))
  RETURNING {COLUMNS}
), {pick_touch_cte()}, {
        history.events_cte(
            "ev",
            f'''SELECT :complaint_id, x.kind, :actor, NULL, NULL, x.note, x.public, x.data FROM (
    SELECT 1 AS ord, 'routed' AS kind, :note::text AS note, true AS public, :routed_data::jsonb AS data
    WHERE :routed_data::jsonb IS NOT NULL
    UNION ALL
    SELECT 2, 'assigned', NULL, false, {assigned_data("p", ":unit_code::text", "t.assignee_id")}
    FROM pick p CROSS JOIN t
  ) AS x ORDER BY x.ord''',
        )
    }
SELECT * FROM upd
"""
)


async def route(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    *,
    unit_code: str,
    lock_key: int,
    routed_data: str | None,
    note: str | None,
    actor: str,
    bump_version: bool,
) -> asyncpg.Record | None:
    """``ROUTE``: the updated row, or None when nothing changed. ``routed_data``: JSON text."""
    row: asyncpg.Record | None = await conn.fetchrow(
        ROUTE.text,
        *ROUTE.args(
            complaint_id=complaint_id,
            unit_code=unit_code,
            lock_key=lock_key,
            routed_data=routed_data,
            note=note,
            actor=actor,
            bump_version=bump_version,
        ),
    )
    return row


async def lock_unit(conn: asyncpg.Connection, lock_key: int) -> None:
    """The unit's transaction-scoped advisory lock (the one ``aduan_pick_officer`` takes)."""
    await conn.execute(f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, $1::int)", lock_key)


async def officer(conn: asyncpg.Connection, officer_id: uuid.UUID) -> asyncpg.Record | None:
    """An officer with the name of their unit."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT o.id, o.name, o.unit_code, o.active, o.capacity, u.name AS unit_name "
        "FROM officers o JOIN units u ON u.code = o.unit_code WHERE o.id = $1",
        officer_id,
    )
    return row


async def open_load(conn: asyncpg.Connection, officer_id: uuid.UUID, open_statuses: list[str]) -> int:
    """The officer's open assignments, counted (not the kept ``open_assignments``: the manual
    assignment counts under the unit's lock, in a snapshot taken after it)."""
    load: int = await conn.fetchval(
        "SELECT count(*) FROM complaints WHERE assignee_id = $1 AND status = ANY($2::text[])",
        officer_id,
        open_statuses,
    )
    return load


async def set_assignee(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, officer_id: uuid.UUID, unit_code: str
) -> asyncpg.Record:
    """Assign the complaint (and hand it to the officer's unit); the officer's round-robin mark
    moves with it."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "UPDATE complaints SET assignee_id = $2, unit_code = $3, version = version + 1, updated_at = now() "
        f"WHERE id = $1 RETURNING {RETURNING}",
        complaint_id,
        officer_id,
        unit_code,
    )
    if row is None:  # the caller holds the row locked: never, short of a bug
        raise LookupError(f"complaint {complaint_id} vanished while locked")
    await conn.execute("UPDATE officers SET last_assigned_at = clock_timestamp() WHERE id = $1", officer_id)
    return row
