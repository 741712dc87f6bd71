"""Routing's database work: area import and listing, units, officers, queues, keywords, EWS,
manual assignment. Functions take a connection (and, for writes, a transaction) the caller owns.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg

from app.assignment import service as assignment
from app.auth import audit, policy
from app.classification.repository import check_categories
from app.complaints import service as complaints
from app.complaints.catalogue import AGENCIES
from app.complaints.lifecycle import OPEN_STATUSES
from app.core import pagination
from app.core.errors import Conflict, NotFound, Unprocessable
from app.core.preconditions import check_version
from app.core.revision import bump_revision
from app.geo.repository import (  # noqa: F401  (moved to app.geo.repository)
    import_file,
    import_jakarta_if_empty,
    unplaced_complaints,
)
from app.org import rules
from app.sla import clock as sla

OPEN = sorted(OPEN_STATUSES)


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


# --------------------------------------------------------------------------- catalogue checks


def check_agency(agency: str | None) -> None:
    if agency is not None and agency not in AGENCIES:
        raise Unprocessable(
            f"agency: {agency!r} is not an agency code ({', '.join(sorted(AGENCIES))})",
            errors=[{"field": "agency", "detail": "unknown agency code"}],
        )


# --------------------------------------------------------------------------- units

UNIT_COLUMNS = (
    "code, name, kind, agency, kota_code, area_codes, categories, active, parent_code AS parent, version, "
    "created_at, updated_at"
)
UNIT_KEYS = [c.rsplit(" ", 1)[-1] for c in UNIT_COLUMNS.split(", ")]


def unit_view(row: asyncpg.Record | dict[str, Any]) -> dict[str, Any]:
    out = {k: row[k] for k in UNIT_KEYS}
    for extra in ("officers", "open_complaints", "unassigned"):
        if extra in row.keys():
            out[extra] = row[extra]
    return out


async def create_unit(conn: asyncpg.Connection, body: Any) -> dict[str, Any]:
    check_agency(body.agency)
    await check_categories(conn, body.categories)
    if body.parent is not None:
        await _unit_exists(conn, body.parent, "parent")
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
    await bump_revision(conn)
    return unit_view(row)


async def get_unit(conn: asyncpg.Connection, code: str) -> dict[str, Any]:
    row = await conn.fetchrow(
        f"SELECT {UNIT_COLUMNS}, "
        "(SELECT count(*) FROM officers o WHERE o.unit_code = u.code AND o.active) AS officers, "
        "(SELECT count(*) FROM complaints c WHERE c.unit_code = u.code AND c.status = ANY($2::text[])) "
        "  AS open_complaints, "
        "(SELECT count(*) FROM complaints c WHERE c.unit_code = u.code AND c.status = ANY($2::text[]) "
        "   AND c.assignee_id IS NULL) AS unassigned "
        "FROM units u WHERE u.code = $1",
        code,
        OPEN,
    )
    if row is None:
        raise UnitNotFound(f"no unit {code!r}")
    return unit_view(row)


async def unit_for_update(conn: asyncpg.Connection, code: str) -> asyncpg.Record:
    current = await conn.fetchrow(f"SELECT {UNIT_COLUMNS} FROM units WHERE code = $1 FOR UPDATE", code)
    if current is None:
        raise UnitNotFound(f"no unit {code!r}")
    return current


async def update_unit(
    conn: asyncpg.Connection, code: str, patch: Any, *, expected_version: int | None = None
) -> dict[str, Any]:
    """``expected_version``: the If-Match of a PATCH (412 when the unit changed meanwhile)."""
    fields = patch.model_dump(exclude_unset=True)
    if "agency" in fields:
        check_agency(fields["agency"])
    await check_categories(conn, fields.get("categories"))
    current = await unit_for_update(conn, code)
    if expected_version is not None:
        check_version(expected_version, current["version"])
    if fields.get("parent") is not None:
        await _unit_exists(conn, fields["parent"], "parent")
        below = await conn.fetchval(
            "WITH RECURSIVE tree(code) AS (SELECT $1::text UNION SELECT u.code FROM units u JOIN tree "
            "ON u.parent_code = tree.code) SELECT $2::text IN (SELECT code FROM tree)",
            code,
            fields["parent"],
        )
        if below:
            raise Unprocessable(
                "parent: a unit cannot sit below itself", errors=[{"field": "parent", "detail": "a cycle"}]
            )
    merged = {**dict(current), **fields}
    if merged["kind"] in ("agency", "sudin") and not merged["agency"]:
        raise Unprocessable(
            "agency: required for this kind", errors=[{"field": "agency", "detail": "required"}]
        )
    if merged["kind"] == "sudin" and not merged["kota_code"]:
        raise Unprocessable(
            "kota_code: required for a sudin", errors=[{"field": "kota_code", "detail": "required"}]
        )
    row = await conn.fetchrow(
        f"UPDATE units SET name = $2, agency = $3, kota_code = $4, area_codes = $5, categories = $6, active = $7, "
        f"parent_code = $8, version = version + 1, updated_at = now() WHERE code = $1 RETURNING {UNIT_COLUMNS}",
        code,
        merged["name"],
        merged["agency"],
        merged["kota_code"],
        merged["area_codes"],
        merged["categories"],
        merged["active"],
        merged["parent"],
    )
    await bump_revision(conn)
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
    flt = complaints.ListFilter()
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
    where = (" WHERE " + " AND ".join(flt.clauses)) if flt.clauses else ""
    flt.params.append(limit + 1)
    rows = await conn.fetch(
        f"SELECT {UNIT_COLUMNS} FROM units{where} ORDER BY code LIMIT ${len(flt.params)}", *flt.params
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode(rows[-1]["code"])
    return {"items": [unit_view(r) for r in rows], "next_cursor": next_cursor}


# --------------------------------------------------------------------------- officers

OFFICER_SELECT = """
SELECT o.id, o.name, o.unit_code AS unit, u.name AS unit_name, o.role, o.area_codes, o.categories, o.capacity,
       o.active, o.last_assigned_at, o.created_at, o.version,
       (SELECT count(*) FROM complaints c WHERE c.assignee_id = o.id AND c.status = ANY($1::text[]))
         AS open_assignments
FROM officers o JOIN units u ON u.code = o.unit_code
"""


async def _unit_exists(conn: asyncpg.Connection, code: str, field: str = "unit") -> None:
    if not await conn.fetchval("SELECT 1 FROM units WHERE code = $1", code):
        raise assignment.UnknownReference(
            f"{field}: no unit {code!r} (GET /v1/units)", errors=[{"field": field, "detail": "unknown unit"}]
        )


async def get_officer(conn: asyncpg.Connection, officer_id: uuid.UUID) -> dict[str, Any]:
    row = await conn.fetchrow(OFFICER_SELECT + " WHERE o.id = $2", OPEN, officer_id)
    if row is None:
        raise OfficerNotFound(f"no officer {officer_id}")
    return dict(row)


async def create_officer(
    conn: asyncpg.Connection, body: Any, *, created_by: str | None = None
) -> dict[str, Any]:
    from app.auth.router import create_key

    await _unit_exists(conn, body.unit)
    await check_categories(conn, body.categories)
    officer_id = await conn.fetchval(
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
    view = await get_officer(conn, officer_id)
    if body.api_key:
        key = await create_key(
            conn,
            name=f"officer:{body.name}"[:200],
            role=body.role,
            officer_id=officer_id,
            created_by=created_by,
        )
        view["api_key"] = key["key"]
    return view


async def officer_for_update(conn: asyncpg.Connection, officer_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT id, unit_code, role, version FROM officers WHERE id = $1 FOR UPDATE", officer_id
    )
    if row is None:
        raise OfficerNotFound(f"no officer {officer_id}")
    return row


async def officer_unit(conn: asyncpg.Connection, officer_id: uuid.UUID) -> str:
    unit = await conn.fetchval("SELECT unit_code FROM officers WHERE id = $1", officer_id)
    if unit is None:
        raise OfficerNotFound(f"no officer {officer_id}")
    return unit


async def update_officer(
    conn: asyncpg.Connection,
    officer_id: uuid.UUID,
    patch: Any,
    *,
    expected_version: int | None = None,
    authorize: Callable[[asyncpg.Record], None] | None = None,
) -> dict[str, Any]:
    """``expected_version``: the If-Match of a PATCH (412 when the officer changed meanwhile);
    ``authorize``: the caller's check on the locked row (unit, role) before anything changes."""
    fields = patch.model_dump(exclude_unset=True)
    if "unit" in fields:
        await _unit_exists(conn, fields["unit"])
    await check_categories(conn, fields.get("categories"))
    current = await officer_for_update(conn, officer_id)
    if authorize is not None:
        authorize(current)
    if expected_version is not None:
        check_version(expected_version, current["version"])
    columns = {"unit": "unit_code"}
    sets, params = [], [officer_id]
    for key, value in fields.items():
        params.append(value)
        sets.append(f"{columns.get(key, key)} = ${len(params)}")
    if sets:
        await conn.execute(
            f"UPDATE officers SET {', '.join(sets)}, version = version + 1, updated_at = now() WHERE id = $1",
            *params,
        )
    return await get_officer(conn, officer_id)


async def list_officers(
    conn: asyncpg.Connection, *, unit: str | None, active: bool | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    flt = complaints.ListFilter()
    flt.params.append(OPEN)
    if unit:
        flt.add("o.unit_code = {}", unit)
    if active is not None:
        flt.add("o.active = {}", active)
    if cursor:
        unit_code, oid = pagination.decode(cursor, 2)
        try:
            flt.add("(o.unit_code, o.id) > ({}, {})", unit_code, uuid.UUID(oid))
        except ValueError:
            raise Unprocessable(
                "cursor: invalid", errors=[{"field": "cursor", "detail": "invalid cursor"}]
            ) from None
    where = (" WHERE " + " AND ".join(flt.clauses)) if flt.clauses else ""
    flt.params.append(limit + 1)
    rows = await conn.fetch(
        OFFICER_SELECT + f"{where} ORDER BY o.unit_code, o.id LIMIT ${len(flt.params)}", *flt.params
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode(rows[-1]["unit"], str(rows[-1]["id"]))
    return {"items": [dict(r) for r in rows], "next_cursor": next_cursor}


# --------------------------------------------------------------------------- queues

_INFINITY = "infinity"


async def queue(
    conn: asyncpg.Connection,
    *,
    unit: str | None = None,
    officer_id: uuid.UUID | None = None,
    unassigned: bool | None = None,
    limit: int,
    cursor: str | None,
    principal: Any,
) -> dict[str, Any]:
    """Open work, oldest due first (no deadline last); keyset over (due_at, id). Only what
    ``principal`` may read (app.auth.policy): a secret complaint stays out of other units' sight."""
    flt = complaints.ListFilter()
    flt.add("c.status = ANY({}::text[])", OPEN)
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
    due = "COALESCE(c.due_at, 'infinity'::timestamptz)"
    if cursor:
        ts, cid = pagination.decode(cursor, 2)
        try:
            at = datetime.fromisoformat(ts) if ts != _INFINITY else None
            flt.add(f"({due}, c.id) > ({{}}::timestamptz, {{}})", at if at else _INFINITY, uuid.UUID(cid))
        except ValueError:
            raise Unprocessable(
                "cursor: invalid", errors=[{"field": "cursor", "detail": "invalid cursor"}]
            ) from None
    flt.params.append(limit + 1)
    rows = await conn.fetch(
        f"SELECT {complaints.COLUMNS} FROM complaints c WHERE {' AND '.join(flt.clauses)} "
        f"ORDER BY {due}, c.id LIMIT ${len(flt.params)}",
        *flt.params,
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = pagination.encode(
            last["due_at"].isoformat() if last["due_at"] else _INFINITY, str(last["id"])
        )
    return {"items": [complaints.complaint_view(r) for r in rows], "next_cursor": next_cursor}


# --------------------------------------------------------------------------- EWS


async def set_ews(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    *,
    ews_at: datetime,
    note: str | None,
    principal: Any,
    if_match: int,
    now: datetime | None = None,
) -> asyncpg.Record:
    """An officer's estimated completion date (EWS): it becomes the resolution deadline
    (LAPOR! items keep the national deadline; the date is still recorded and shown)."""
    now = now or datetime.now(UTC)
    row = await complaints.visible_complaint(conn, complaint_id, principal, for_update=True)
    check_version(if_match, row["version"])
    if row["status"] not in OPEN_STATUSES:
        raise assignment.ComplaintClosed(f"a {row['status']} complaint has no estimated completion date")
    if ews_at <= now:
        raise Unprocessable(
            "ews_at: must be in the future", errors=[{"field": "ews_at", "detail": "in the past"}]
        )
    sla_hours = await conn.fetchval("SELECT sla_hours FROM categories WHERE code = $1", row["category"])
    try:
        deadlines = sla.deadlines_for(row["channel"], sla_hours, row["received_at"], ews_at)
    except ValueError as exc:
        raise Unprocessable(f"ews_at: {exc}", errors=[{"field": "ews_at", "detail": str(exc)}]) from None
    due = deadlines.resolution_due_at
    running = row["response_due_at"] if row["status"] == "received" and row["response_due_at"] else due
    state = "breached" if row["sla_state"] == "breached" else sla.sla_state(row["received_at"], running, now)
    updated = await conn.fetchrow(
        f"UPDATE complaints SET ews_at = $2, due_at = $3, sla_state = CASE WHEN breached_at IS NULL THEN $4 "
        f"ELSE sla_state END, version = version + 1, updated_at = $5 WHERE id = $1 RETURNING {complaints.RETURNING}",
        complaint_id,
        ews_at,
        due,
        state,
        now,
    )
    local = ews_at.astimezone(sla.JAKARTA_TZ)
    await complaints.append_event(
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


# --------------------------------------------------------------------------- manual assignment


async def assign(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    *,
    officer_id: uuid.UUID | None,
    unit: str | None,
    note: str | None,
    principal: Any,
    placer: Any,
    if_match: int,
) -> asyncpg.Record:
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
            unit_lookup=placer.units.get if placer else dict().get,
        )
    assert unit is not None
    if row["status"] not in OPEN_STATUSES:
        raise assignment.ComplaintClosed(f"a {row['status']} complaint is not handed to anyone")
    target = await conn.fetchrow(
        "SELECT code, name, kind, agency, kota_code, area_codes, categories, active FROM units WHERE code = $1",
        unit,
    )
    if target is None:
        raise assignment.UnknownReference(
            f"unit: no unit {unit!r} (GET /v1/units)", errors=[{"field": "unit", "detail": "unknown unit"}]
        )
    if not target["active"]:
        raise UnitInactive(f"unit {unit!r} is not active")
    to_unit = rules.unit_infos([target])[0]
    # (the pick in auto_assign / route_and_assign takes the unit's lock itself)
    if row["unit_code"] == unit:
        if row["assignee_id"] is not None:
            return row
        return (
            await assignment.auto_assign(conn, complaint_id, unit, actor=principal.actor, bump_version=True)
            or row
        )
    from_row = await conn.fetchrow("SELECT code, name FROM units WHERE code = $1", row["unit_code"])
    from_unit = rules.UnitInfo(from_row["code"], from_row["name"], "unknown") if from_row else None
    updated = await assignment.route_and_assign(
        conn,
        complaint_id,
        to_unit=to_unit,
        from_unit=from_unit,
        from_unit_code=row["unit_code"],
        rule="manual",
        trigger="assignment",
        actor=principal.actor,
        bump_version=True,
        previous_officer_id=row["assignee_id"],
    )
    return updated or row
