"""The areas' database work: importing the hierarchy (CSV) and the boundaries (GeoJSON), the
shipped DKI Jakarta areas on a first start, listing, and the complaints that came before any area.

Functions take a connection (and, for writes, a transaction) the caller owns. Parsing and
validating a file is ``app.geo.areas``' (pure); what is checked here is what the ``areas`` table
itself limits. Every import bumps the routing revision (``app.core.revision``) in the same
transaction, so each process rebuilds its area index and gazetteer at its next intake.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg

from app.core import pagination
from app.core.errors import NotFound, Unprocessable
from app.core.http import json_text
from app.core.revision import bump_revision
from app.core.sql import compile_named
from app.geo import areas as geo
from app.geo import jakarta


class AreaImportError(Unprocessable):
    slug = "invalid-area-file"
    title = "The area file is not valid"


class OutsideAreas(NotFound):
    slug = "outside-areas"
    title = "No area contains this point"


# --------------------------------------------------------------------------- import

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


def _check_area_texts(kind: str, items: Sequence[tuple[str | None, str | None]]) -> None:
    for code, name in items:
        for field, value, limit in (("code", code, _AREA_CODE_MAX), ("name", name, _AREA_NAME_MAX)):
            if value is None:
                continue
            if "\x00" in value:
                raise AreaImportError(f"{kind}: a {field} holds a NUL character")
            if len(value) > limit:
                raise AreaImportError(f"{kind}: {field} {value[:40]!r}... is over {limit} characters")


async def import_boundaries(conn: asyncpg.Connection, data: bytes | str) -> dict[str, Any]:
    """Upsert a GeoJSON FeatureCollection of kelurahan/kecamatan polygons; parents its features
    name that the hierarchy lacks are added. The answer is ``AreaImportOut``'s."""
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
    added: list[asyncpg.Record] = []
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
    """Upsert a ``level,code,name,parent_code`` CSV. The answer is ``AreaImportOut``'s (without
    ``repaired`` and ``parents_added``)."""
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

HAS_AREAS_SQL = "SELECT EXISTS (SELECT 1 FROM areas)"


def _read_files(paths: Sequence[Path]) -> list[tuple[Path, bytes]]:
    return [(path, path.read_bytes()) for path in paths]


async def import_jakarta_if_empty(conn: asyncpg.Connection) -> int:
    """On a database without areas, import DKI Jakarta's shipped areas and boundaries in one
    transaction; answer how many areas it imported (0: there were areas, nothing done).

    With areas in place (every start but the first) this costs one cheap query and no lock."""
    if await conn.fetchval(HAS_AREAS_SQL):
        return 0
    # Off the event loop: the boundary files are megabytes.
    files = await asyncio.to_thread(_read_files, jakarta.FILES)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", JAKARTA_IMPORT_LOCK)
        # Read again after the lock (a statement of its own, so a snapshot taken after it was
        # granted): a process that held it first has committed its import by now.
        if await conn.fetchval(HAS_AREAS_SQL):
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


# --------------------------------------------------------------------------- listing

_AREA_COLUMNS = "code, level, name, parent_code, min_lon, min_lat, max_lon, max_lat"


def area_view(row: asyncpg.Record, *, geometry: bool) -> dict[str, Any]:
    """An ``AreaOut``: ``geometry`` only when asked for (left out, not null, otherwise)."""
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
    """One page of ``AreaList``, by code; keyset on the code."""
    clauses: list[str] = []
    values: dict[str, Any] = {"limit": limit + 1}
    if level:
        clauses.append("level = :level")
        values["level"] = level
    if parent:
        clauses.append("parent_code = :parent")
        values["parent"] = parent
    if cursor:
        clauses.append("code > :after")
        values["after"] = pagination.decode(cursor, 1)[0]
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    geom = "geometry" if geometry else "NULL::jsonb AS geometry"
    statement = compile_named(f"SELECT {_AREA_COLUMNS}, {geom} FROM areas{where} ORDER BY code LIMIT :limit")
    rows = await conn.fetch(statement.text, *statement.args(values))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode(rows[-1]["code"])
    return {"items": [area_view(r, geometry=geometry) for r in rows], "next_cursor": next_cursor}


async def area_names(conn: asyncpg.Connection, level: str) -> dict[str, str]:
    """Code -> name of the imported areas of one level (``aduan seed demo`` names its units by them)."""
    return {
        r["code"]: r["name"] for r in await conn.fetch("SELECT code, name FROM areas WHERE level = $1", level)
    }
