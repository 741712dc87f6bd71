"""Units, officers and their queues in PostgreSQL: every statement of app.org.

Functions take a connection (and, for writes, a transaction) the caller owns; the rules around
them (who may change what, audit, the routing revision) are ``app.org.service``'s. A missing
unit or officer is raised here as the 404 the API answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from app.auth import policy
from app.complaints.lifecycle import OPEN_LIST
from app.complaints.repository import COLUMNS as COMPLAINT_COLUMNS
from app.complaints.repository import ListFilter
from app.complaints.service import complaint_view
from app.core import pagination
from app.core.errors import Conflict, NotFound, Unprocessable
from app.core.security import Principal
from app.org.rules import UnitInfo, unit_infos
from app.org.schemas import OfficerIn, UnitIn


class UnitNotFound(NotFound):
    slug = "unit-not-found"
    title = "Unit not found"


class OfficerNotFound(NotFound):
    slug = "officer-not-found"
    title = "Officer not found"


class UnitExists(Conflict):
    slug = "unit-exists"
    title = "A unit with this code exists already"


class UnitInactive(Conflict):
    slug = "unit-inactive"
    title = "The unit is not active"


def invalid_cursor() -> Unprocessable:
    return Unprocessable("cursor: invalid", errors=[{"field": "cursor", "detail": "invalid cursor"}])


def _where(flt: ListFilter) -> str:
    return (" WHERE " + " AND ".join(flt.clauses)) if flt.clauses else ""


# --------------------------------------------------------------------------- units

UNIT_COLUMNS = (
    "code, name, kind, agency, kota_code, area_codes, categories, active, parent_code AS parent, version, "
    "created_at, updated_at"
)
UNIT_KEYS = [c.rsplit(" ", 1)[-1] for c in UNIT_COLUMNS.split(", ")]
_UNIT_EXTRAS = ("officers", "open_complaints", "unassigned")


def unit_view(row: asyncpg.Record | Mapping[str, Any]) -> dict[str, Any]:
    out = {k: row[k] for k in UNIT_KEYS}
    for extra in _UNIT_EXTRAS:
        if extra in row.keys():
            out[extra] = row[extra]
    return out


async def unit_exists(conn: asyncpg.Connection, code: str) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM units WHERE code = $1", code))


async def insert_unit(conn: asyncpg.Connection, body: UnitIn) -> dict[str, Any]:
    try:
        row = await conn.fetchrow(
            f"INSERT INTO units (code, name, kind, agency, kota_code, area_codes, categories, active, parent_code) "
            f"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {UNIT_COLUMNS}",
            body.code,
            body.name,
            body.kind,
            body.agency,
            body.kota_code,
            body.area_codes,
            body.categories,
            body.active,
            body.parent,
        )
    except asyncpg.UniqueViolationError:
        raise UnitExists(f"a unit {body.code!r} exists already") from None
    assert row is not None  # INSERT ... RETURNING answers the row it inserted
    return unit_view(row)


async def get_unit(conn: asyncpg.Connection, code: str) -> dict[str, Any]:
    """One unit with its active officers and open work counted."""
    row = await conn.fetchrow(
        f"SELECT {UNIT_COLUMNS}, "
        "(SELECT count(*) FROM officers o WHERE o.unit_code = u.code AND o.active) AS officers, "
        "(SELECT count(*) FROM complaints c WHERE c.unit_code = u.code AND c.status = ANY($2::text[])) "
        "  AS open_complaints, "
        "(SELECT count(*) FROM complaints c WHERE c.unit_code = u.code AND c.status = ANY($2::text[]) "
        "   AND c.assignee_id IS NULL) AS unassigned "
        "FROM units u WHERE u.code = $1",
        code,
        OPEN_LIST,
    )
    if row is None:
        raise UnitNotFound(f"no unit {code!r}")
    return unit_view(row)


async def unit_for_update(conn: asyncpg.Connection, code: str) -> asyncpg.Record:
    """The unit as it is, locked until the caller's transaction ends."""
    current = await conn.fetchrow(f"SELECT {UNIT_COLUMNS} FROM units WHERE code = $1 FOR UPDATE", code)
    if current is None:
        raise UnitNotFound(f"no unit {code!r}")
    return current


async def is_below(conn: asyncpg.Connection, code: str, other: str) -> bool:
    """Whether ``other`` is ``code`` or a unit below it (moving ``code`` under it is a cycle)."""
    return bool(
        await conn.fetchval(
            "WITH RECURSIVE tree(code) AS (SELECT $1::text UNION SELECT u.code FROM units u JOIN tree "
            "ON u.parent_code = tree.code) SELECT $2::text IN (SELECT code FROM tree)",
            code,
            other,
        )
    )


async def update_unit(conn: asyncpg.Connection, code: str, unit: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``unit`` (every changeable column, as ``unit_view`` names them); a new version."""
    row = await conn.fetchrow(
        f"UPDATE units SET name = $2, agency = $3, kota_code = $4, area_codes = $5, categories = $6, active = $7, "
        f"parent_code = $8, version = version + 1, updated_at = now() WHERE code = $1 RETURNING {UNIT_COLUMNS}",
        code,
        unit["name"],
        unit["agency"],
        unit["kota_code"],
        unit["area_codes"],
        unit["categories"],
        unit["active"],
        unit["parent"],
    )
    if row is None:
        raise UnitNotFound(f"no unit {code!r}")
    return unit_view(row)


async def list_units(
    conn: asyncpg.Connection,
    *,
    kind: str | None,
    agency: str | None,
    kota: str | None,
    area: str | None,
    active: bool | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    flt = ListFilter()
    if kind:
        flt.add("kind = {}", kind)
    if agency:
        flt.add("agency = {}", agency)
    if kota:
        flt.add("kota_code = {}", kota)
    if area:
        flt.add("{} = ANY(area_codes)", area)
    if active is not None:
        flt.add("active = {}", active)
    if cursor:
        flt.add("code > {}", pagination.decode(cursor, 1)[0])
    flt.params.append(limit + 1)
    rows = await conn.fetch(
        f"SELECT {UNIT_COLUMNS} FROM units{_where(flt)} ORDER BY code LIMIT ${len(flt.params)}", *flt.params
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode(rows[-1]["code"])
    return {"items": [unit_view(r) for r in rows], "next_cursor": next_cursor}


async def unit_info(conn: asyncpg.Connection, code: str) -> UnitInfo | None:
    """A unit as the routing rules see it (active or not), or None."""
    row = await conn.fetchrow(
        "SELECT code, name, kind, agency, kota_code, area_codes, categories, active FROM units WHERE code = $1",
        code,
    )
    return unit_infos([row])[0] if row is not None else None


async def unit_ref(conn: asyncpg.Connection, code: str | None) -> UnitInfo | None:
    """Code and name of a unit (its kind left ``unknown``), for the events naming it; None when
    there is no such unit."""
    if code is None:
        return None
    row = await conn.fetchrow("SELECT code, name FROM units WHERE code = $1", code)
    return UnitInfo(row["code"], row["name"], "unknown") if row is not None else None


# --------------------------------------------------------------------------- officers

OFFICER_SELECT = """
SELECT o.id, o.name, o.unit_code AS unit, u.name AS unit_name, o.role, o.area_codes, o.categories, o.capacity,
       o.active, o.last_assigned_at, o.created_at, o.version,
       (SELECT count(*) FROM complaints c WHERE c.assignee_id = o.id AND c.status = ANY($1::text[]))
         AS open_assignments
FROM officers o JOIN units u ON u.code = o.unit_code
"""

# What a PATCH may change, by the name the API gives it.
_OFFICER_COLUMNS = {
    "name": "name",
    "unit": "unit_code",
    "role": "role",
    "area_codes": "area_codes",
    "categories": "categories",
    "capacity": "capacity",
    "active": "active",
}


async def get_officer(conn: asyncpg.Connection, officer_id: uuid.UUID) -> dict[str, Any]:
    """One officer with their open load."""
    row = await conn.fetchrow(OFFICER_SELECT + " WHERE o.id = $2", OPEN_LIST, officer_id)
    if row is None:
        raise OfficerNotFound(f"no officer {officer_id}")
    return dict(row)


async def insert_officer(conn: asyncpg.Connection, body: OfficerIn) -> uuid.UUID:
    officer_id: uuid.UUID = await conn.fetchval(
        "INSERT INTO officers (name, unit_code, role, area_codes, categories, capacity, active) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        body.name,
        body.unit,
        body.role,
        body.area_codes,
        body.categories,
        body.capacity,
        body.active,
    )
    return officer_id


async def officer_for_update(conn: asyncpg.Connection, officer_id: uuid.UUID) -> asyncpg.Record:
    """The officer's unit, role and version, locked until the caller's transaction ends."""
    row = await conn.fetchrow(
        "SELECT id, unit_code, role, version FROM officers WHERE id = $1 FOR UPDATE", officer_id
    )
    if row is None:
        raise OfficerNotFound(f"no officer {officer_id}")
    return row


async def officer_unit(conn: asyncpg.Connection, officer_id: uuid.UUID) -> str:
    unit: str | None = await conn.fetchval("SELECT unit_code FROM officers WHERE id = $1", officer_id)
    if unit is None:
        raise OfficerNotFound(f"no officer {officer_id}")
    return unit


async def update_officer(conn: asyncpg.Connection, officer_id: uuid.UUID, fields: Mapping[str, Any]) -> None:
    """Write the changed ``fields`` (API names: ``unit``, ``capacity``, ...); a new version.
    Nothing changed, nothing written."""
    sets, params = [], [officer_id]
    for key, value in fields.items():
        params.append(value)
        sets.append(f"{_OFFICER_COLUMNS[key]} = ${len(params)}")
    if sets:
        await conn.execute(
            f"UPDATE officers SET {', '.join(sets)}, version = version + 1, updated_at = now() WHERE id = $1",
            *params,
        )


async def list_officers(
    conn: asyncpg.Connection, *, unit: str | None, active: bool | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    flt = ListFilter()
    flt.params.append(OPEN_LIST)
    if unit:
        flt.add("o.unit_code = {}", unit)
    if active is not None:
        flt.add("o.active = {}", active)
    if cursor:
        unit_code, oid = pagination.decode(cursor, 2)
        try:
            flt.add("(o.unit_code, o.id) > ({}, {})", unit_code, uuid.UUID(oid))
        except ValueError:
            raise invalid_cursor() from None
    flt.params.append(limit + 1)
    rows = await conn.fetch(
        OFFICER_SELECT + f"{_where(flt)} ORDER BY o.unit_code, o.id LIMIT ${len(flt.params)}", *flt.params
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode(rows[-1]["unit"], str(rows[-1]["id"]))
    return {"items": [dict(r) for r in rows], "next_cursor": next_cursor}


# --------------------------------------------------------------------------- queues

_INFINITY = "infinity"
# No deadline sorts last.
_DUE = "COALESCE(c.due_at, 'infinity'::timestamptz)"


async def queue(
    conn: asyncpg.Connection,
    *,
    principal: Principal,
    unit: str | None = None,
    officer_id: uuid.UUID | None = None,
    unassigned: bool | None = None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """Open work, oldest due first (no deadline last); keyset over (due_at, id). Only what
    ``principal`` may read (``app.auth.policy.read_clause``): a secret complaint stays out of
    other units' sight."""
    flt = ListFilter()
    flt.add("c.status = ANY({}::text[])", OPEN_LIST)
    policy.read_clause(principal, flt.add)
    if unit is not None:
        kind = await conn.fetchval("SELECT kind FROM units WHERE code = $1", unit)
        if kind is None:
            raise UnitNotFound(f"no unit {unit!r}")
        if kind == "triage":
            # The triage desk also sees breaches escalated to it from units without a supervisor.
            flt.add("(c.unit_code = {} OR 'escalated_to_triage' = ANY(c.flags))", unit)
        else:
            flt.add("c.unit_code = {}", unit)
    if officer_id is not None:
        if not await conn.fetchval("SELECT 1 FROM officers WHERE id = $1", officer_id):
            raise OfficerNotFound(f"no officer {officer_id}")
        flt.add("c.assignee_id = {}", officer_id)
    if unassigned is True:
        flt.clauses.append("c.assignee_id IS NULL")
    elif unassigned is False:
        flt.clauses.append("c.assignee_id IS NOT NULL")
    if cursor:
        ts, cid = pagination.decode(cursor, 2)
        try:
            at = datetime.fromisoformat(ts) if ts != _INFINITY else None
            flt.add(f"({_DUE}, c.id) > ({{}}::timestamptz, {{}})", at if at else _INFINITY, uuid.UUID(cid))
        except ValueError:
            raise invalid_cursor() from None
    flt.params.append(limit + 1)
    rows = await conn.fetch(
        f"SELECT {COMPLAINT_COLUMNS} FROM complaints c WHERE {' AND '.join(flt.clauses)} "
        f"ORDER BY {_DUE}, c.id LIMIT ${len(flt.params)}",
        *flt.params,
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = pagination.encode(
            last["due_at"].isoformat() if last["due_at"] else _INFINITY, str(last["id"])
        )
    return {"items": [complaint_view(r) for r in rows], "next_cursor": next_cursor}


# --------------------------------------------------------------------------- demo seed


async def insert_missing_units(conn: asyncpg.Connection, units: Sequence[Mapping[str, Any]]) -> list[str]:
    """Insert the units whose code is not taken yet; answers the codes inserted."""
    rows = await conn.fetch(
        "INSERT INTO units (code, name, kind, agency, kota_code, area_codes, categories) "
        "SELECT u.code, u.name, u.kind, u.agency, u.kota, string_to_array(u.areas, ','), string_to_array(u.cats, ',') "
        "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) "
        "  AS u(code, name, kind, agency, kota, areas, cats) "
        "ON CONFLICT (code) DO NOTHING RETURNING code",
        [u["code"] for u in units],
        [u["name"] for u in units],
        [u["kind"] for u in units],
        [u["agency"] for u in units],
        [u["kota_code"] for u in units],
        [",".join(u["area_codes"]) for u in units],
        [",".join(u["categories"]) for u in units],
    )
    return [r["code"] for r in rows]


async def officer_named(conn: asyncpg.Connection, unit_code: str, name: str) -> bool:
    return bool(
        await conn.fetchval("SELECT 1 FROM officers WHERE unit_code = $1 AND name = $2", unit_code, name)
    )


async def insert_demo_officer(
    conn: asyncpg.Connection, *, name: str, unit_code: str, role: str, capacity: int
) -> uuid.UUID:
    """An officer covering the whole unit and every category (the columns' defaults)."""
    officer_id: uuid.UUID = await conn.fetchval(
        "INSERT INTO officers (name, unit_code, role, capacity) VALUES ($1, $2, $3, $4) RETURNING id",
        name,
        unit_code,
        role,
        capacity,
    )
    return officer_id


async def count_units(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM units"))
