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
from app.classification.classifier import compile_keywords
from app.complaints import service as complaints
from app.complaints.catalogue import AGENCIES
from app.complaints.lifecycle import OPEN_STATUSES
from app.core import pagination
from app.core.errors import Conflict, NotFound, Unprocessable
from app.core.http import json_text
from app.core.preconditions import check_version
from app.core.revision import bump_revision
from app.geo import areas as geo
from app.org import rules
from app.sla import clock as sla

OPEN = sorted(OPEN_STATUSES)


class AreaImportError(Unprocessable):
    slug = "invalid-area-file"
    title = "The area file is not valid"


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


class OutsideAreas(NotFound):
    slug = "outside-areas"
    title = "No area contains this point"


class CategoryNotFound(NotFound):
    slug = "category-not-found"
    title = "Category not found"


# --------------------------------------------------------------------------- areas

UPSERT_AREAS_SQL = """
INSERT INTO areas (code, level, name, parent_code, geometry, min_lon, min_lat, max_lon, max_lat, repaired, updated_at)
SELECT t.code, t.level, t.name, t.parent, t.geom::jsonb, t.x0, t.y0, t.x1, t.y1, t.rep, now()
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
            $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::bool[])
     AS t(code, level, name, parent, geom, x0, y0, x1, y1, rep)
ON CONFLICT (code) DO UPDATE SET
  level = EXCLUDED.level, name = EXCLUDED.name,
  parent_code = COALESCE(EXCLUDED.parent_code, areas.parent_code),
  geometry = EXCLUDED.geometry, min_lon = EXCLUDED.min_lon, min_lat = EXCLUDED.min_lat,
  max_lon = EXCLUDED.max_lon, max_lat = EXCLUDED.max_lat, repaired = EXCLUDED.repaired, updated_at = now()
"""

UPSERT_HIERARCHY_SQL = """
INSERT INTO areas (code, level, name, parent_code, updated_at)
SELECT t.code, t.level, t.name, t.parent, now()
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(code, level, name, parent)
ON CONFLICT (code) DO UPDATE SET
  level = EXCLUDED.level, name = EXCLUDED.name, parent_code = EXCLUDED.parent_code, updated_at = now()
"""

# Parents named by a boundary file's properties, kept only when the hierarchy does not have them.
INSERT_PARENTS_SQL = """
INSERT INTO areas (code, level, name, parent_code)
SELECT t.code, t.level, t.name, t.parent
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(code, level, name, parent)
ON CONFLICT (code) DO NOTHING
RETURNING code
"""


def _levels(levels: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for lv in levels:
        out[lv] = out.get(lv, 0) + 1
    return out


# The areas table's limits (migration 0003): checked before anything is written.
_AREA_CODE_MAX, _AREA_NAME_MAX = 20, 200


def _check_area_texts(kind: str, items: list[tuple[str | None, str | None]]) -> None:
    for code, name in items:
        for field, value, limit in (("code", code, _AREA_CODE_MAX), ("name", name, _AREA_NAME_MAX)):
            if value is None:
                continue
            if "\x00" in value:
                raise AreaImportError(f"{kind}: a {field} holds a NUL character")
            if len(value) > limit:
                raise AreaImportError(f"{kind}: {field} {value[:40]!r}... is over {limit} characters")


async def import_boundaries(conn: asyncpg.Connection, data: bytes | str) -> dict[str, Any]:
    try:
        boundaries = geo.parse_boundaries_geojson(data)
    except RecursionError:
        raise AreaImportError(
            "GeoJSON: nested too deeply to be a boundary", errors=[{"field": "body", "detail": "too deep"}]
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise AreaImportError(f"GeoJSON: {exc}", errors=[{"field": "body", "detail": str(exc)}]) from None
    if not boundaries:
        raise AreaImportError("GeoJSON: the FeatureCollection has no features")
    _check_area_texts(
        "GeoJSON",
        [(b.code, b.name) for b in boundaries]
        + [(b.kecamatan_code, b.kecamatan) for b in boundaries]
        + [(b.kota_code, b.kota) for b in boundaries],
    )
    cols: list[list[Any]] = [[] for _ in range(10)]
    parents: dict[str, tuple[str, str, str | None]] = {}
    for b in boundaries:
        x0, y0, x1, y1 = geo.bbox(b.geometry)
        for col, value in zip(
            cols,
            (
                b.code,
                b.level,
                b.name,
                b.parent_code,
                json_text(geo.to_geojson(b.geometry)),
                x0,
                y0,
                x1,
                y1,
                b.repaired,
            ),
            strict=True,
        ):
            col.append(value)
        if b.kecamatan_code and b.kecamatan and b.level == geo.KELURAHAN:
            parents.setdefault(b.kecamatan_code, (geo.KECAMATAN, b.kecamatan, b.kota_code))
        if b.kota_code and b.kota:
            parents.setdefault(b.kota_code, (geo.KOTA, b.kota, b.kota_code.rsplit(".", 1)[0]))
    await conn.execute(UPSERT_AREAS_SQL, *cols)
    added = []
    if parents:
        added = await conn.fetch(
            INSERT_PARENTS_SQL,
            list(parents),
            [p[0] for p in parents.values()],
            [p[1] for p in parents.values()],
            [p[2] for p in parents.values()],
        )
    await bump_revision(conn)
    return {
        "kind": "boundaries",
        "imported": len(boundaries),
        "levels": _levels([b.level for b in boundaries]),
        "repaired": [b.code for b in boundaries if b.repaired],
        "parents_added": len(added),
    }


async def import_hierarchy(conn: asyncpg.Connection, data: bytes | str) -> dict[str, Any]:
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        rows = geo.parse_hierarchy_csv(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AreaImportError(f"CSV: {exc}", errors=[{"field": "body", "detail": str(exc)}]) from None
    if not rows:
        raise AreaImportError("CSV: no rows after the header")
    _check_area_texts("CSV", [(r.code, r.name) for r in rows] + [(r.parent_code, None) for r in rows])
    await conn.execute(
        UPSERT_HIERARCHY_SQL,
        [r.code for r in rows],
        [r.level for r in rows],
        [r.name for r in rows],
        [r.parent_code for r in rows],
    )
    await bump_revision(conn)
    return {"kind": "hierarchy", "imported": len(rows), "levels": _levels([r.level for r in rows])}


async def import_file(conn: asyncpg.Connection, data: bytes, *, csv: bool) -> dict[str, Any]:
    return await (import_hierarchy(conn, data) if csv else import_boundaries(conn, data))


# Taken around the check-and-import of the shipped areas: processes starting together on an empty
# database import them once (the others wait, then find them there).
JAKARTA_IMPORT_LOCK = "aduan:jakarta-areas"


async def import_jakarta_if_empty(conn: asyncpg.Connection) -> int:
    """On a database without areas, import DKI Jakarta's shipped areas and boundaries in one
    transaction; answer how many areas it imported (0: there were areas, nothing done).

    With areas in place (every start but the first) this costs one cheap query and no lock."""
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM areas)"):
        return 0
    from app.geo import jakarta

    files = [(path, path.read_bytes()) for path in jakarta.FILES]
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", JAKARTA_IMPORT_LOCK)
        # Read again after the lock (a statement of its own, so a snapshot taken after it was
        # granted): a process that held it first has committed its import by now.
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM areas)"):
            return 0
        for path, data in files:
            await import_file(conn, data, csv=path.suffix.lower() == ".csv")
        return int(await conn.fetchval("SELECT count(*) FROM areas"))


# Complaints intake could not place (they came before any area existed): still untouched
# (``received``), without a kelurahan, kecamatan or kota, and held by no unit or the triage unit.
# A complaint intake did place, or that a unit already works on, is never moved by a reroute.
UNPLACED_SQL = """
SELECT c.id FROM complaints c
WHERE c.status = 'received'
  AND c.kelurahan_code IS NULL AND c.kecamatan_code IS NULL AND c.kota_code IS NULL
  AND (c.unit_code IS NULL OR c.unit_code IN (SELECT code FROM units WHERE kind = 'triage'))
ORDER BY c.created_at, c.id
"""


async def unplaced_complaints(conn: asyncpg.Connection) -> list[uuid.UUID]:
    """The ids of the complaints ``aduan areas reroute`` considers, oldest first."""
    return [r["id"] for r in await conn.fetch(UNPLACED_SQL)]


def area_view(row: asyncpg.Record, *, geometry: bool) -> dict[str, Any]:
    has = row["min_lon"] is not None
    out = {
        "code": row["code"],
        "level": row["level"],
        "name": row["name"],
        "parent_code": row["parent_code"],
        "bbox": [row["min_lon"], row["min_lat"], row["max_lon"], row["max_lat"]] if has else None,
        "has_boundary": has,
    }
    if geometry:
        out["geometry"] = row["geometry"]
    return out


async def list_areas(
    conn: asyncpg.Connection,
    *,
    level: str | None,
    parent: str | None,
    geometry: bool,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    flt = complaints.ListFilter()
    if level:
        flt.add("level = {}", level)
    if parent:
        flt.add("parent_code = {}", parent)
    if cursor:
        flt.add("code > {}", pagination.decode(cursor, 1)[0])
    where = (" WHERE " + " AND ".join(flt.clauses)) if flt.clauses else ""
    geom = "geometry" if geometry else "NULL::jsonb AS geometry"
    flt.params.append(limit + 1)
    rows = await conn.fetch(
        f"SELECT code, level, name, parent_code, min_lon, min_lat, max_lon, max_lat, {geom} "
        f"FROM areas{where} ORDER BY code LIMIT ${len(flt.params)}",
        *flt.params,
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode(rows[-1]["code"])
    return {"items": [area_view(r, geometry=geometry) for r in rows], "next_cursor": next_cursor}


# --------------------------------------------------------------------------- catalogue checks


async def check_categories(
    conn: asyncpg.Connection, codes: list[str] | None, field: str = "categories"
) -> None:
    if not codes:
        return
    known = {
        r["code"] for r in await conn.fetch("SELECT code FROM categories WHERE code = ANY($1::text[])", codes)
    }
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Unprocessable(
            f"{field}: unknown category codes {', '.join(unknown)} (GET /v1/categories)",
            errors=[{"field": field, "detail": f"unknown: {', '.join(unknown)}"}],
        )


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


# --------------------------------------------------------------------------- keywords


async def get_keywords(conn: asyncpg.Connection, code: str) -> dict[str, Any]:
    row = await conn.fetchrow("SELECT code, keywords FROM categories WHERE code = $1", code)
    if row is None:
        raise CategoryNotFound(f"no category {code!r} (GET /v1/categories)")
    return {"category": row["code"], "keywords": list(row["keywords"] or [])}


async def set_keywords(conn: asyncpg.Connection, code: str, keywords: list[str]) -> dict[str, Any]:
    try:
        compile_keywords({code: keywords})
    except ValueError as exc:
        raise Unprocessable(f"keywords: {exc}", errors=[{"field": "keywords", "detail": str(exc)}]) from None
    row = await conn.fetchrow(
        "UPDATE categories SET keywords = $2::jsonb WHERE code = $1 RETURNING code, keywords",
        code,
        json_text(keywords),
    )
    if row is None:
        raise CategoryNotFound(f"no category {code!r} (GET /v1/categories)")
    await bump_revision(conn)
    return {"category": row["code"], "keywords": list(row["keywords"])}


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
