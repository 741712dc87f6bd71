"""SQL of the public face. Every query here reads public data only: secret complaints never, the
reporter never; the service masks text and rounds anonymous points."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from app.complaints.lifecycle import OPEN_LIST
from app.public.models import STATUS_COLUMNS

# --------------------------------------------------------------------------- statistics

DIMENSIONS = ("all", "channel", "category", "kota", "kecamatan", "kelurahan")
_KEY_OF = {
    "all": "''",
    "channel": "coalesce(d.channel, '')",
    "category": "coalesce(d.category, '')",
    "kota": "coalesce(d.kota, '')",
    "kecamatan": "coalesce(d.kecamatan, '')",
    "kelurahan": "coalesce(d.kelurahan, '')",
}
_PIVOT = ", ".join(f"coalesce(sum(n) FILTER (WHERE status = '{s}'), 0) AS {s}" for s in STATUS_COLUMNS)
_SUMS = ", ".join(f"sum({s})::bigint AS {s}" for s in STATUS_COLUMNS)
_COLS = ", ".join(STATUS_COLUMNS)
_FOLD = ", ".join(f"{s} = stats_daily.{s} + EXCLUDED.{s}" for s in STATUS_COLUMNS)
_DIM_ROWS = ", ".join(f"('{dim}', {key})" for dim, key in _KEY_OF.items())

# Folds a batch of deltas into the daily tables, in one statement: the deltas are deleted and
# added where they belong. SKIP LOCKED lets compactions in several processes run side by side on
# disjoint batches; the upserts add, so the order does not matter.
COMPACT_SQL = f"""
WITH moved AS (
    DELETE FROM stats_deltas
     WHERE id IN (SELECT id FROM stats_deltas ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING kind, day, channel, category, kota, kecamatan, kelurahan, status, bucket, late, n
), counts AS (
    SELECT k.dim, d.day, k.key, {_PIVOT.replace("sum(n)", "sum(d.n)").replace("status =", "d.status =")}
      FROM moved d CROSS JOIN LATERAL (VALUES {_DIM_ROWS}) AS k(dim, key)
     WHERE d.kind = 'c'
     GROUP BY k.dim, d.day, k.key
), daily AS (
    INSERT INTO stats_daily (dim, day, key, {_COLS})
    SELECT dim, day, key, {_COLS} FROM counts
    ON CONFLICT (dim, day, key) DO UPDATE SET {_FOLD}
), done AS (
    INSERT INTO stats_done (day, bucket, late, n)
    SELECT day, bucket, late, sum(n) FROM moved WHERE kind = 'd' GROUP BY day, bucket, late
    ON CONFLICT (day, bucket, late) DO UPDATE SET n = stats_done.n + EXCLUDED.n
)
SELECT count(*) FROM moved
"""


async def compact(conn: asyncpg.Connection, batch: int = 50_000) -> int:
    """Fold up to ``batch`` deltas into ``stats_daily``/``stats_done``; how many it folded."""
    n: int = await conn.fetchval(COMPACT_SQL, batch)
    return n


async def compact_all(conn: asyncpg.Connection, batch: int = 50_000) -> int:
    total = 0
    while (n := await compact(conn, batch)) > 0:
        total += n
    return total


def _counts_sql(dim: str) -> str:
    key = _KEY_OF[dim]
    return f"""
WITH pending AS (
    SELECT {key} AS key, {_PIVOT}
      FROM stats_deltas d
     WHERE d.kind = 'c' AND d.day BETWEEN $1 AND $2
     GROUP BY 1
), rows AS (
    SELECT key, {_COLS} FROM stats_daily WHERE dim = '{dim}' AND day BETWEEN $1 AND $2
    UNION ALL
    SELECT key, {_COLS} FROM pending
)
SELECT key, {_SUMS} FROM rows GROUP BY key
"""


_COUNTS_SQL = {dim: _counts_sql(dim) for dim in DIMENSIONS}


async def counts(conn: asyncpg.Connection, dim: str, since: date, until: date) -> list[asyncpg.Record]:
    """Per key of ``dim``: complaints created between the two days (inclusive), by status."""
    return await conn.fetch(_COUNTS_SQL[dim], since, until)


_WEEKLY_SQL = """
WITH created AS (
    SELECT day, received + coordination + dispatched + in_progress + pending_validation + resolved
           + rejected + duplicate AS n
      FROM stats_daily WHERE dim = 'all' AND day BETWEEN $1 AND $2
    UNION ALL
    SELECT day, n FROM stats_deltas WHERE kind = 'c' AND day BETWEEN $1 AND $2
), done AS (
    SELECT day, n FROM stats_done WHERE day BETWEEN $1 AND $2
    UNION ALL
    SELECT day, n FROM stats_deltas WHERE kind = 'd' AND day BETWEEN $1 AND $2
), weeks AS (
    SELECT date_trunc('week', day)::date AS week, n AS created, 0 AS done FROM created
    UNION ALL
    SELECT date_trunc('week', day)::date, 0, n FROM done
)
SELECT week, sum(created)::bigint AS created, sum(done)::bigint AS done FROM weeks GROUP BY week ORDER BY week
"""


async def weekly(conn: asyncpg.Connection, since: date, until: date) -> list[asyncpg.Record]:
    """Complaints created and resolved per ISO week (Monday) between the two days."""
    return await conn.fetch(_WEEKLY_SQL, since, until)


_DONE_SQL = """
SELECT bucket, late, sum(n)::bigint AS n FROM (
    SELECT bucket, late, n FROM stats_done WHERE day BETWEEN $1 AND $2
    UNION ALL
    SELECT bucket, late, n FROM stats_deltas WHERE kind = 'd' AND day BETWEEN $1 AND $2
) AS d GROUP BY bucket, late ORDER BY bucket
"""


async def done_buckets(conn: asyncpg.Connection, since: date, until: date) -> list[asyncpg.Record]:
    """Resolutions between the two days by time-to-done bucket and lateness."""
    return await conn.fetch(_DONE_SQL, since, until)


async def first_day(conn: asyncpg.Connection) -> date | None:
    """The first day anything was counted (the start of "all time")."""
    day: date | None = await conn.fetchval(
        "SELECT least((SELECT min(day) FROM stats_daily WHERE dim = 'all'), "
        "(SELECT min(day) FROM stats_deltas WHERE kind = 'c'))"
    )
    return day


async def labels(conn: asyncpg.Connection, dim: str, keys: list[str]) -> dict[str, str]:
    """Names of categories and areas (channels and statuses are named in Python)."""
    if dim == "category":
        rows = await conn.fetch("SELECT code, name FROM categories WHERE code = ANY($1::text[])", keys)
    elif dim in ("kota", "kecamatan", "kelurahan"):
        rows = await conn.fetch("SELECT code, name FROM areas WHERE code = ANY($1::text[])", keys)
    else:
        return {}
    return {r["code"]: r["name"] for r in rows}


# --------------------------------------------------------------------------- the map

_FEATURE_COLUMNS = """c.id, c.ticket, c.title, c.category, cat.name AS category_name, c.status, c.privacy,
       c.lat, c.lon, c.area, c.supports, c.created_at"""
# The map shows what the tracking page shows: not secret, not a duplicate (its survivor is shown).
_MAP_WHERE = "c.privacy <> 'secret' AND c.lat IS NOT NULL AND c.status <> 'duplicate'"
# Above this many square degrees (~120 km², a sixth of Jakarta) most of the city is in view: the
# newest complaints are found faster by the (status|category|)created_at indexes, filtered by
# the box, than by the GiST index, whose box estimate is a constant and which would fetch every
# complaint in the view before sorting.
WIDE_BOX_DEG2 = 0.01


async def map_features(
    conn: asyncpg.Connection,
    *,
    bbox: tuple[float, float, float, float] | None,
    categories: list[str] | None,
    statuses: list[str] | None,
    since: datetime | None,
    until: datetime | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Public, located complaints, newest first, ``limit`` of them."""
    clauses = [_MAP_WHERE]
    params: list[Any] = []

    def p(value: Any) -> str:
        params.append(value)
        return f"${len(params)}"

    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        if (max_lon - min_lon) * (max_lat - min_lat) <= WIDE_BOX_DEG2:
            clauses.append(
                f"point(c.lon, c.lat) <@ box(point({p(min_lon)}, {p(min_lat)}), point({p(max_lon)}, {p(max_lat)}))"
            )
        else:
            clauses.append(
                f"c.lon BETWEEN {p(min_lon)} AND {p(max_lon)} AND c.lat BETWEEN {p(min_lat)} AND {p(max_lat)}"
            )
    if categories:
        clauses.append(f"c.category = ANY({p(categories)}::text[])")
    if statuses:
        clauses.append(f"c.status = ANY({p(statuses)}::text[])")
    if since is not None:
        clauses.append(f"c.created_at >= {p(since)}")
    if until is not None:
        clauses.append(f"c.created_at < {p(until)}")
    if after is not None:
        clauses.append(f"(c.created_at, c.id) < ({p(after[0])}, {p(after[1])})")
    sql = (
        f"SELECT {_FEATURE_COLUMNS} FROM complaints c LEFT JOIN categories cat ON cat.code = c.category "
        f"WHERE {' AND '.join(clauses)} ORDER BY c.created_at DESC, c.id DESC LIMIT {p(limit)}"
    )
    return await conn.fetch(sql, *params)


_AREAS_SQL = f"""
WITH counted AS (
    SELECT key, sum({" + ".join(OPEN_LIST)})::bigint AS open,
           sum({" + ".join(STATUS_COLUMNS)} - duplicate)::bigint AS total
      FROM (SELECT key, {_COLS} FROM stats_daily WHERE dim = $1
            UNION ALL
            SELECT {{key}} AS key, {_PIVOT} FROM stats_deltas d WHERE d.kind = 'c' GROUP BY 1) AS r
     GROUP BY key
)
SELECT a.code, a.name, a.level, a.geometry::text AS geometry,
       coalesce(counted.open, 0) AS open, coalesce(counted.total, 0) AS total
  FROM areas a LEFT JOIN counted ON counted.key = a.code
 WHERE a.level = $1 AND a.geometry IS NOT NULL
 ORDER BY a.code
"""
_AREAS = {level: _AREAS_SQL.replace("{key}", _KEY_OF[level]) for level in ("kota", "kecamatan", "kelurahan")}


async def area_features(conn: asyncpg.Connection, level: str) -> list[asyncpg.Record]:
    """Every area of ``level`` with a boundary, its open and total (non-duplicate) complaints."""
    return await conn.fetch(_AREAS[level], level)


# --------------------------------------------------------------------------- nearby and duplicates

_NEARBY_SQL = f"""
SELECT {_FEATURE_COLUMNS}, c.cell
  FROM complaints c LEFT JOIN categories cat ON cat.code = c.category
 WHERE c.status IN ({", ".join(repr(s) for s in OPEN_LIST)}) AND c.privacy <> 'secret' AND c.cell IS NOT NULL
   AND c.cell = ANY($1::text[]) AND ($2::text IS NULL OR c.category = $2)
 ORDER BY c.created_at DESC
 LIMIT $3
"""


async def nearby(
    conn: asyncpg.Connection, cells: list[str], category: str | None, limit: int
) -> list[asyncpg.Record]:
    """Open, non-secret complaints in these geohash cells (``ix_complaints_nearby``), newest first;
    the caller keeps those within its radius."""
    return await conn.fetch(_NEARBY_SQL, cells, category, limit)


# --------------------------------------------------------------------------- supports

_SUPPORT_SQL = """
WITH target AS (
    SELECT id, status FROM complaints WHERE id = $1 AND privacy <> 'secret'
), added AS (
    INSERT INTO complaint_supports (complaint_id, supporter)
    SELECT id, $2 FROM target WHERE status = ANY($3::text[])
    ON CONFLICT DO NOTHING
    RETURNING complaint_id
), counted AS (
    UPDATE complaints c SET supports = c.supports + 1 FROM added WHERE c.id = added.complaint_id
    RETURNING c.supports
)
SELECT t.status, (SELECT supports FROM counted) AS counted,
       (SELECT supports FROM complaints WHERE id = $1) AS supports,
       c.ticket, c.duplicate_of
  FROM target t JOIN complaints c ON c.id = t.id
"""


async def support(conn: asyncpg.Connection, complaint_id: uuid.UUID, supporter: str) -> asyncpg.Record | None:
    """Count ``supporter`` once on an open, non-secret complaint. None: no such complaint (or a
    secret one). ``counted`` is the new count when this support is new, else None; ``supports``
    the count before this statement."""
    return await conn.fetchrow(_SUPPORT_SQL, complaint_id, supporter, OPEN_LIST)
