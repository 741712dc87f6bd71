"""The bench database: creating or keeping it, the SQL load and its checks, the queries the run reads."""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy.engine import URL, make_url

from app.complaints.catalogue import CATEGORIES
from app.complaints.tickets import ALPHABET, normalise_ticket
from app.core.db import embedded_database_url, resolve_database_url
from app.core.geohash import encode as geohash
from app.public.models import STATUS_COLUMNS
from app.public.repository import compact_all

from . import REPO, log
from .mix import (
    BBOX,
    CATEGORY_MIX,
    CHANNEL_MIX,
    EXTRA,
    FIRST_NAMES,
    LAST_NAMES,
    LOCATED_SHARE,
    NEAR,
    PHONE_PREFIXES,
    PHRASES,
    PLACES,
    PRIVACY_MIX,
    REPORTERS_PER_COMPLAINT,
    STATUS_BY_AGE,
    STATUSES,
    VERSION_BY_STATUS,
    WITH_REPORTER_SHARE,
    _check_mix,
    _thresholds,
)

DB_NAME = "aduan_bench"
LOADED_BY = "bench-load"  # created_by of generated rows: tells them from rows the intake scenario adds


NOW = datetime.now(UTC)


def asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def bench_urls() -> tuple[URL, URL, str]:
    """(the bench database, a maintenance database on the same server, where it is)."""
    server = os.environ.get("ADUAN_BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if server:
        base = make_url(resolve_database_url(server, REPO / ".aduan-bench"))
        where = f"server {base.host or 'local socket'}:{base.port or 5432}"
    else:
        base = make_url(embedded_database_url(REPO / ".aduan-bench", database=DB_NAME))
        where = "embedded PostgreSQL under .aduan-bench/"
    maintenance = base.database if base.database and base.database != DB_NAME else "postgres"
    return base.set(database=DB_NAME), base.set(database=maintenance), where


async def recreate_database(maintenance: URL) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(maintenance))
    try:
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        except asyncpg.PostgresSyntaxError:  # PostgreSQL before 13
            await conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        await conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        await conn.close()


async def database_exists(maintenance: URL) -> bool:
    conn = await asyncpg.connect(asyncpg_dsn(maintenance))
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DB_NAME))
    finally:
        await conn.close()


async def loaded_rows(bench: URL) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(bench))
    try:
        if not await conn.fetchval("SELECT to_regclass('complaints') IS NOT NULL"):
            return 0
        return int(await conn.fetchval("SELECT count(*) FROM complaints WHERE created_by = $1", LOADED_BY))
    finally:
        await conn.close()


class Params:
    """Numbered query parameters by name, so the generator SQL reads by meaning."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.refs: dict[str, str] = {}

    def add(self, name: str, value: Any, pgtype: str) -> None:
        self.values.append(value)
        self.refs[name] = f"${len(self.values)}::{pgtype}"

    def __getitem__(self, name: str) -> str:
        return self.refs[name]


def _pick(values: str, thresholds: str, u: str) -> str:
    """SQL choosing from the array ``values`` by bucket thresholds (u uniform in [0, 1))."""
    return f"({values})[width_bucket({u}, {thresholds}) + 1]"


def _cell_grid() -> tuple[int, int, int, int, list[str]]:
    """The geohash-7 cells covering BBOX, as a row-major array, with the grid's origin.

    A point is drawn as (cell row, cell column, offset inside the cell): its cell is then
    known without computing a geohash in SQL, and it is the app's own ``geohash()`` of the
    cell's centre (checked against ``geohash(lat, lon)`` on a sample after the load).
    """
    s, w, n, e = BBOX
    lat_step, lon_step = 180 / 2**17, 360 / 2**18  # 7 characters: 17 latitude bits, 18 longitude bits
    lat0, lon0 = int((s + 90) // lat_step), int((w + 180) // lon_step)
    rows, cols = int((n + 90) // lat_step) - lat0 + 1, int((e + 180) // lon_step) - lon0 + 1
    cells = [
        geohash(-90 + (lat0 + r + 0.5) * lat_step, -180 + (lon0 + c + 0.5) * lon_step)
        for r in range(rows)
        for c in range(cols)
    ]
    return lat0, lon0, rows, cols, cells


def _cell_areas(lat0: int, lon0: int, rows: int, cols: int) -> tuple[list[int], list[tuple[str, ...]]]:
    """The area of each cell of the grid (row-major; 0: none) and the distinct areas, 1-based:
    (area JSON, kelurahan, kecamatan, kota code). A cell's area is the routing lookup
    (``AreaIndex``, the real Jakarta boundaries) of its centre: a point up to ~75 m from a border
    may be placed in the neighbour, which only matters to counts along borders."""
    from .area_lookup import bench_area_index  # area_lookup imports this module's neighbours

    index = bench_area_index()[0]
    lat_step, lon_step = 180 / 2**17, 360 / 2**18
    ids: dict[tuple[str, ...], int] = {}
    per_cell = []
    for r in range(rows):
        for c in range(cols):
            hit = index.lookup(-90 + (lat0 + r + 0.5) * lat_step, -180 + (lon0 + c + 0.5) * lon_step)
            if hit is None:
                per_cell.append(0)
                continue
            area: dict[str, Any] = {}
            for key, code, name in (
                ("kelurahan", hit.kelurahan_code, hit.kelurahan_name),
                ("kecamatan", hit.kecamatan_code, hit.kecamatan_name),
                ("kota", hit.kota_code, hit.kota_name),
            ):
                if code:
                    area[key] = {"code": code, "name": name}
            area["source"] = "point"  # as routing places a located complaint (app.intake.placement)
            row = (
                json.dumps(area, ensure_ascii=False),
                hit.kelurahan_code,
                hit.kecamatan_code,
                hit.kota_code,
            )
            per_cell.append(ids.setdefault(row, len(ids) + 1))  # type: ignore[arg-type]
    return per_cell, list(ids)


def generator_sql(rows: int) -> tuple[str, Params]:
    """``INSERT INTO complaints ... SELECT ... FROM generate_series($1, $2)``: one chunk of the load.

    Rows are numbered 1..rows in creation order (so the table is, like a real one, roughly
    in time order on disk). Each nesting level is fenced with ``OFFSET 0`` so that every
    ``random()`` is drawn once per row and the derived columns agree with each other.
    """
    p = Params()
    p.add("lo", 1, "bigint")
    p.add("hi", 1, "bigint")
    p.add("now", NOW, "timestamptz")
    p.add("rows", rows, "float8")
    channels, cweights = list(CHANNEL_MIX), list(CHANNEL_MIX.values())
    p.add("channel", channels, "text[]")
    p.add("channel_thr", _thresholds(cweights), "float8[]")
    cats = list(CATEGORY_MIX)
    p.add("cat_thr", _thresholds(list(CATEGORY_MIX.values())), "float8[]")
    p.add("cat_code", cats, "text[]")
    hours = {c.code: c.sla_hours for c in CATEGORIES}
    p.add("cat_hours", [hours.get(c, 168) if c else 168 for c in cats], "int[]")
    names = {c.code: c.name for c in CATEGORIES}
    p.add("cat_name", [names.get(c, "Laporan Warga") if c else "Laporan Warga" for c in cats], "text[]")
    # three phrasings per category, flattened: index (category - 1) * 3 + variant
    p.add("phrase", [ph for c in cats for ph in PHRASES[c]], "text[]")
    p.add("privacy", list(PRIVACY_MIX), "text[]")
    p.add("privacy_thr", _thresholds(list(PRIVACY_MIX.values())), "float8[]")
    p.add("status", list(STATUSES), "text[]")
    for age, weights in STATUS_BY_AGE.items():
        p.add(f"status_{age}_thr", _thresholds(list(weights)), "float8[]")
    p.add("place", list(PLACES), "text[]")
    p.add("near", list(NEAR), "text[]")
    p.add("extra", list(EXTRA), "text[]")
    lat0, lon0, grid_rows, grid_cols, cells = _cell_grid()
    p.add("cell", cells, "text[]")
    cell_area, areas = _cell_areas(lat0, lon0, grid_rows, grid_cols)
    p.add("cell_area", cell_area, "int[]")
    p.add("area_json", [a[0] for a in areas], "jsonb[]")
    p.add("kelurahan", [a[1] for a in areas], "text[]")
    p.add("kecamatan", [a[2] for a in areas], "text[]")
    p.add("kota", [a[3] for a in areas], "text[]")
    p.add("reporters", max(1, int(rows * REPORTERS_PER_COMPLAINT)), "bigint")
    # Tickets: a bijection of the row number onto 0 .. 30**8-1 (multiplying by a prime that
    # is coprime with 30**8), written in the ticket alphabet: unique by construction, spread
    # over the whole code space, in the same XXXX-XXXX format as new_ticket().
    p.add("ticket_offset", random.randrange(10**9), "bigint")
    p.add("alphabet", ALPHABET, "text")
    ticket_code = f"(((g.i + {p['ticket_offset']}) * 982451653) % {30**8})"
    digits = [
        f"substr({p['alphabet']}, ((ticket_code / {30**k}) % 30)::int + 1, 1)" for k in range(7, -1, -1)
    ]
    ticket = " || ".join(digits[:4]) + " || '-' || " + " || ".join(digits[4:])
    version = "CASE status " + " ".join(f"WHEN '{s}' THEN {v}" for s, v in VERSION_BY_STATUS.items()) + " END"
    status_pick = {age: _pick(p["status"], p[f"status_{age}_thr"], "u_status") for age in STATUS_BY_AGE}
    lat_step, lon_step = 180 / 2**17, 360 / 2**18

    sql = f"""
INSERT INTO complaints (
  ticket, channel, external_id, title, description, category, language, lat, lon, accuracy_m, address, cell,
  area, kelurahan_code, kecamatan_code, kota_code, reporter_id, privacy, status, response_due_at, due_at, sla_state, breached_at, version,
  created_at, received_at, updated_at, resolved_at, created_by)
SELECT ticket, channel,
  CASE channel
    WHEN 'jaki' THEN 'JAKI-' || lpad(i::text, 10, '0')
    WHEN 'twitter' THEN (1790000000000000000 + i * 7919)::text
    WHEN 'facebook' THEN 'm_' || md5('fb' || i)
    WHEN 'governor_social' THEN '1789' || lpad(i::text, 15, '0')
    WHEN 'email' THEN '<' || md5('mail' || i) || '@mail.gmail.com>'
    WHEN 'sms' THEN 'SM' || md5('sms' || i)
    WHEN 'media' THEN 'https://megapolitan.example.com/read/' || i
    WHEN 'lapor' THEN 'LPR-' || lpad(i::text, 10, '0')
  END,
  CASE WHEN u_title < 0.35 THEN ({p["cat_name"]})[cat_k] || ' di ' || place END,
  format('%s di %s %s. %s', ({p["phrase"]})[(cat_k - 1) * 3 + variant], place, near, extra),
  ({p["cat_code"]})[cat_k], 'id', lat, lon, accuracy_m, address, cell,
  ({p["area_json"]})[area_k], ({p["kelurahan"]})[area_k], ({p["kecamatan"]})[area_k], ({p["kota"]})[area_k],
  reporter_id, privacy, status, created_at + interval '6 hours', due_at,
  CASE
    WHEN status = 'resolved' THEN CASE WHEN resolved_at > due_at THEN 'breached' ELSE 'on_track' END
    WHEN status IN ('rejected', 'duplicate') THEN 'on_track'
    WHEN {p["now"]} > due_at THEN 'breached'
    WHEN due_at - {p["now"]} <= (due_at - created_at) * 0.2 THEN 'at_risk'
    ELSE 'on_track'
  END,
  CASE WHEN (status = 'resolved' AND resolved_at > due_at)
         OR (status NOT IN ('resolved', 'rejected', 'duplicate') AND {p["now"]} > due_at) THEN due_at END,
  {version},
  created_at, created_at - lag,
  CASE
    WHEN status = 'received' THEN created_at
    WHEN status = 'resolved' THEN resolved_at
    ELSE least({p["now"]}, created_at + interval '1 hour' * (1 + u_updated * 72))
  END,
  resolved_at, '{LOADED_BY}'
FROM (
  SELECT b2.*,
    CASE WHEN status = 'resolved'
      THEN least({p["now"]}, created_at + interval '1 hour' * (2 + u_resolved * 1.3 * ({p["cat_hours"]})[cat_k]))
    END AS resolved_at,
    created_at + interval '1 hour' * ({p["cat_hours"]})[cat_k] AS due_at
  FROM (
    SELECT b1.*,
      CASE
        WHEN created_at > {p["now"]} - interval '7 days' THEN {status_pick["week"]}
        WHEN created_at > {p["now"]} - interval '30 days' THEN {status_pick["month"]}
        ELSE {status_pick["older"]}
      END AS status
    FROM (
      SELECT b0.*,
        ({p["place"]})[place_k] AS place, ({p["near"]})[near_k] AS near, ({p["extra"]})[extra_k] AS extra,
        CASE WHEN located THEN round((-90 + ({lat0} + klat + f_lat) * {lat_step})::numeric, 6)::float8 END AS lat,
        CASE WHEN located THEN round((-180 + ({lon0} + klon + f_lon) * {lon_step})::numeric, 6)::float8 END AS lon,
        CASE WHEN located THEN ({p["cell"]})[klat * {grid_cols} + klon + 1] END AS cell,
        CASE WHEN located THEN ({p["cell_area"]})[klat * {grid_cols} + klon + 1] END AS area_k,
        CASE WHEN located THEN round((4 + u_accuracy * 46)::numeric, 1)::float8 END AS accuracy_m,
        CASE WHEN located AND u_address < 0.6 THEN ({p["place"]})[place_k] || ' No. ' || (1 + i % 150) END
          AS address,
        {ticket} AS ticket
      FROM (
        SELECT g.i, {ticket_code} AS ticket_code,
          -- a year of complaints, their rate growing by half over it: row i of n falls at year
          -- fraction t where 0.6 t + 0.4 t^2 = i / n; plus up to 30 minutes of jitter
          {p["now"]} - interval '365 days' * (1 - (sqrt(0.36 + 1.6 * (g.i - 0.5) / {p["rows"]}) - 0.6) / 0.8)
            - interval '1 second' * floor(random() * 1800) AS created_at,
          {_pick(p["channel"], p["channel_thr"], "random()")} AS channel,
          width_bucket(random(), {p["cat_thr"]}) + 1 AS cat_k,
          1 + floor(random() * 3)::int AS variant,
          {_pick(p["privacy"], p["privacy_thr"], "random()")} AS privacy,
          random() < {LOCATED_SHARE} AS located,
          -- the mean of two uniforms: more reports towards the middle of the city
          floor((random() + random()) / 2 * {grid_rows})::int AS klat,
          floor((random() + random()) / 2 * {grid_cols})::int AS klon,
          0.05 + 0.9 * random() AS f_lat, 0.05 + 0.9 * random() AS f_lon,
          random() AS u_accuracy, random() AS u_address, random() AS u_title, random() AS u_status,
          random() AS u_resolved, random() AS u_updated,
          1 + floor(random() * {len(PLACES)})::int AS place_k,
          1 + floor(random() * {len(NEAR)})::int AS near_k,
          1 + floor(random() * {len(EXTRA)})::int AS extra_k,
          CASE WHEN random() < {WITH_REPORTER_SHARE}
            THEN md5('r' || (1 + floor(random() * {p["reporters"]}))::bigint)::uuid END AS reporter_id,
          interval '1 second' * floor(random() * random() * 3600) AS lag
        FROM generate_series({p["lo"]}, {p["hi"]}) AS g(i)
        OFFSET 0
      ) b0
      OFFSET 0
    ) b1
    OFFSET 0
  ) b2
  OFFSET 0
) b3
"""
    return sql, p


REPORTERS_SQL = """
INSERT INTO reporters (id, name, phone, created_at, updated_at)
SELECT md5('r' || i)::uuid,
  ($3::text[])[1 + floor(random() * array_length($3::text[], 1))::int] || ' '
    || ($4::text[])[1 + floor(random() * array_length($4::text[], 1))::int],
  '+62' || ($5::text[])[1 + (i % array_length($5::text[], 1))::int] || lpad(i::text, 8, '0'),
  $6::timestamptz - interval '400 days' * random(), $6::timestamptz - interval '30 days' * random()
FROM generate_series($1::bigint, $2::bigint) AS g(i)
"""
IDENTITIES_SQL = (
    "INSERT INTO reporter_identities (kind, value, reporter_id) SELECT 'phone', phone, id FROM reporters"
)
EVENTS_SQL = f"""
INSERT INTO complaint_events (complaint_id, kind, actor, to_status, public, data, created_at)
SELECT id, 'created', 'channel:' || channel, 'received', true, jsonb_build_object('channel', channel), created_at
FROM complaints WHERE created_by = '{LOADED_BY}' AND created_at >= $1 AND created_at < $2
ORDER BY created_at
"""
# The statistics (migration 0011): the trigger ``complaints_stats`` writes a delta row per
# inserted complaint. During the load it is disabled (under ``session_replication_role = replica``
# it would not fire anyway; without a superuser it would, 1M times, and count twice), and the
# same deltas are written afterwards in one statement each: the migration's own backfill of
# existing complaints, i.e. exactly what the trigger writes for an insert. Then
# ``app.public.repository.compact_all`` folds them into ``stats_daily``/``stats_done``, as the
# service's housekeeping does once a minute, so that the stats reads measure the rollup.
STATS_TRIGGER = "complaints_stats"
STATS_BACKFILL_SQL = (
    f"""
INSERT INTO stats_deltas (kind, day, channel, category, kota, kecamatan, kelurahan, status, n)
SELECT 'c', ((created_at AT TIME ZONE 'UTC') + interval '7 hours')::date, channel, category,
       kota_code, kecamatan_code, kelurahan_code, status, 1
  FROM complaints WHERE privacy <> 'secret' AND created_by = '{LOADED_BY}'
""",
    f"""
INSERT INTO stats_deltas (kind, day, bucket, late, n)
SELECT 'd', ((resolved_at AT TIME ZONE 'UTC') + interval '7 hours')::date,
       floor(4 * log(2, 1 + greatest(extract(epoch FROM resolved_at - created_at), 0) / 3600.0)),
       coalesce(resolved_at > due_at, false), 1
  FROM complaints
 WHERE privacy <> 'secret' AND status = 'resolved' AND resolved_at IS NOT NULL AND created_by = '{LOADED_BY}'
""",
)
STATS_TABLES = ("stats_deltas", "stats_daily", "stats_done")
LOAD_TABLES = ("complaints", "complaint_events", "reporters", "reporter_identities")
SECONDARY_INDEXES_SQL = """
SELECT i.relname, pg_get_indexdef(i.oid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relname = ANY($1::text[]) AND t.relnamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
"""


async def _session(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn, command_timeout=None)
    await conn.execute("SET synchronous_commit = off")
    await conn.execute("SET maintenance_work_mem = '256MB'")
    await conn.execute("SET work_mem = '64MB'")
    try:
        # Every row is consistent by construction, so the ~1.6 million per-row foreign-key
        # checks are skipped. Needs a superuser; without one the load is just slower.
        await conn.execute("SET session_replication_role = replica")
    except asyncpg.InsufficientPrivilegeError:
        pass
    return conn


async def _parallel(dsn: str, jobs: list[Callable[[asyncpg.Connection], Any]], workers: int) -> None:
    """Run ``jobs`` on ``workers`` connections (PostgreSQL runs an INSERT ... SELECT on one core)."""
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def worker() -> None:
        conn = await _session(dsn)
        try:
            while not queue.empty():
                job = queue.get_nowait()
                await job(conn)
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(workers)))


async def load(bench: URL, rows: int) -> dict[str, float]:
    """Generate ``rows`` complaints, their events and reporters; ``{step: seconds}``."""
    _check_mix()
    dsn = asyncpg_dsn(bench)
    workers = max(2, min(4, os.cpu_count() or 2))
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    conn = await _session(dsn)
    try:
        # Secondary indexes are built once after the load, far faster than maintained per row.
        indexes = await conn.fetch(SECONDARY_INDEXES_SQL, list(LOAD_TABLES))
        for name, _ in indexes:
            await conn.execute(f'DROP INDEX "{name}"')
        await conn.execute(f"ALTER TABLE complaints DISABLE TRIGGER {STATS_TRIGGER}")
    finally:
        await conn.close()

    t = time.perf_counter()
    reporters = max(1, int(rows * REPORTERS_PER_COMPLAINT))
    chunk = 100_000

    def reporter_job(lo: int, hi: int):
        async def job(c: asyncpg.Connection) -> None:
            await c.execute(
                REPORTERS_SQL, lo, hi, list(FIRST_NAMES), list(LAST_NAMES), list(PHONE_PREFIXES), NOW
            )

        return job

    await _parallel(
        dsn,
        [reporter_job(lo, min(lo + chunk - 1, reporters)) for lo in range(1, reporters + 1, chunk)],
        workers,
    )
    conn = await _session(dsn)
    try:
        await conn.execute(IDENTITIES_SQL)
    finally:
        await conn.close()
    timings["reporters"] = time.perf_counter() - t

    t = time.perf_counter()
    sql, params = generator_sql(rows)
    done = 0

    def complaint_job(lo: int, hi: int):
        async def job(c: asyncpg.Connection) -> None:
            nonlocal done
            values = list(params.values)
            values[0], values[1] = lo, hi
            await c.execute(sql, *values)
            done += hi - lo + 1
            log(f"  complaints {done:>9,} / {rows:,}  ({time.perf_counter() - t:5.1f} s)")

        return job

    await _parallel(
        dsn, [complaint_job(lo, min(lo + chunk - 1, rows)) for lo in range(1, rows + 1, chunk)], workers
    )
    timings["complaints"] = time.perf_counter() - t

    t = time.perf_counter()
    # one `created` event per complaint, in time order; the year (and the jitter around its
    # ends) cut into slices for the workers
    start, span = NOW - timedelta(days=366), timedelta(days=368)
    edges = [start + span * k / 8 for k in range(9)]

    def events_job(lo: datetime, hi: datetime):
        async def job(c: asyncpg.Connection) -> None:
            await c.execute(EVENTS_SQL, lo, hi)

        return job

    await _parallel(dsn, [events_job(a, b) for a, b in zip(edges, edges[1:], strict=False)], workers)
    timings["events"] = time.perf_counter() - t

    t = time.perf_counter()
    index_jobs = []
    for _, ddl in indexes:

        def index_job(ddl: str = ddl):
            async def job(c: asyncpg.Connection) -> None:
                await c.execute(ddl)

            return job

        index_jobs.append(index_job())
    await _parallel(dsn, index_jobs, workers)
    timings["indexes"] = time.perf_counter() - t

    t = time.perf_counter()
    conn = await _session(dsn)
    try:
        await conn.execute(f"ALTER TABLE complaints ENABLE TRIGGER {STATS_TRIGGER}")
        for statement in STATS_BACKFILL_SQL:
            await conn.execute(statement)
        folded = await compact_all(conn)
        log(f"  statistics: {folded:,} deltas folded into the rollup ({time.perf_counter() - t:.1f} s)")
    finally:
        await conn.close()
    timings["statistics"] = time.perf_counter() - t

    t = time.perf_counter()
    conn = await _session(dsn)
    try:
        # VACUUM too, not only ANALYZE: it sets hint bits and the visibility map now, so the
        # first measured reads do not pay for them.
        await conn.execute("VACUUM (ANALYZE) " + ", ".join(LOAD_TABLES + STATS_TABLES))
        timings["vacuum_analyze"] = time.perf_counter() - t
        t = time.perf_counter()
        try:
            # Write the gigabyte of dirty pages out now rather than under the measured runs.
            await conn.execute("CHECKPOINT")
        except asyncpg.InsufficientPrivilegeError:
            pass
        timings["checkpoint"] = time.perf_counter() - t
    finally:
        await conn.close()
    timings["total"] = time.perf_counter() - t_all
    return timings


async def verify_load(bench: URL, rows: int) -> dict[str, Any]:
    """Check what the generator wrote, so a wrong load fails here, not as odd numbers later."""
    conn = await asyncpg.connect(asyncpg_dsn(bench))
    try:
        count = await conn.fetchval("SELECT count(*) FROM complaints WHERE created_by = $1", LOADED_BY)
        if count != rows:
            raise RuntimeError(f"loaded {count} complaints, expected {rows}")
        events = await conn.fetchval("SELECT count(*) FROM complaint_events WHERE kind = 'created'")
        if events < rows:
            raise RuntimeError(f"{events} created events for {rows} complaints")
        sample = await conn.fetch(
            "SELECT ticket, lat, lon, cell FROM complaints TABLESAMPLE SYSTEM (1) WHERE lat IS NOT NULL LIMIT 300"
        )
        for r in sample:
            if normalise_ticket(r["ticket"]) != r["ticket"]:
                raise RuntimeError(f"ticket {r['ticket']!r} is not in the ticket format")
            if geohash(r["lat"], r["lon"]) != r["cell"]:
                raise RuntimeError(f"cell {r['cell']} is not the geohash of ({r['lat']}, {r['lon']})")
        mix = await conn.fetchrow(
            "SELECT avg((lat IS NOT NULL)::int) AS located, avg((privacy = 'public')::int) AS public, "
            "count(DISTINCT channel) AS channels, count(DISTINCT category) AS categories, "
            "min(created_at) AS first, max(created_at) AS last, "
            "count(*) FILTER (WHERE status = 'in_progress' AND category = 'roads') AS roads_in_progress "
            "FROM complaints"
        )
        placed = await conn.fetchval(
            "SELECT avg((kelurahan_code IS NOT NULL)::int) FROM complaints WHERE lat IS NOT NULL"
        )
        # The rollup counts every non-secret complaint once (folded, or a delta not folded yet).
        counted = await conn.fetchval(
            "SELECT coalesce((SELECT sum("
            + " + ".join(STATUS_COLUMNS)
            + ") FROM stats_daily WHERE dim = 'all'), 0)"
            " + coalesce((SELECT sum(n) FROM stats_deltas WHERE kind = 'c'), 0)"
        )
        public = await conn.fetchval("SELECT count(*) FROM complaints WHERE privacy <> 'secret'")
        if counted != public:
            raise RuntimeError(
                f"the statistics count {counted} complaints, the table holds {public} non-secret ones"
            )
        size = await conn.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return {
            "complaints": count,
            "events": events,
            "located_share": round(float(mix["located"]), 3),
            "public_share": round(float(mix["public"]), 3),
            "channels": mix["channels"],
            "categories": mix["categories"],
            "first_created_at": mix["first"].isoformat(),
            "last_created_at": mix["last"].isoformat(),
            "roads_in_progress": mix["roads_in_progress"],
            "located_in_kelurahan_share": round(float(placed), 3),
            "stats_counted": int(counted),
            "database_size": size,
        }
    finally:
        await conn.close()


async def reset_kept_database(bench: URL) -> dict[str, float]:
    """--keep-db: drop what earlier runs added through the API, so every run starts alike.

    That is every complaint the load did not generate (with their events, threads and
    assignments, so officers start with no open load), every inbound delivery and claimed
    source event (the load writes none), the reporters the Meta webhook created (the load
    only gives reporters phone identities), and the bench's API keys. Areas, units and
    officers stay: the import and the seed are idempotent and run again anyway.
    """
    t0 = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(bench), command_timeout=None)
    try:
        added = await conn.fetchval(
            "SELECT count(*) FROM complaints WHERE created_by IS DISTINCT FROM $1", LOADED_BY
        )
        # Truncated first: deleting a complaint then finds nothing in them to set null or cascade.
        await conn.execute(
            "TRUNCATE inbound_events, message_fragments, used_tokens, complaint_threads, inbound_deliveries"
        )
        # Deleting a complaint checks that no complaint names it in duplicate_of, which has no
        # index: a scan of the whole table per deleted row. A throwaway partial index (empty:
        # the bench sets no duplicate_of) turns each check into a lookup.
        await conn.execute(
            "CREATE INDEX IF NOT EXISTS bench_tmp_duplicate_of ON complaints (duplicate_of) "
            "WHERE duplicate_of IS NOT NULL"
        )
        await conn.execute("DELETE FROM complaints WHERE created_by IS DISTINCT FROM $1", LOADED_BY)
        await conn.execute("DROP INDEX bench_tmp_duplicate_of")
        await conn.execute(
            "DELETE FROM reporters WHERE id IN "
            "(SELECT reporter_id FROM reporter_identities WHERE kind = 'facebook_id')"
        )
        await conn.execute("DELETE FROM api_keys WHERE name LIKE 'bench-%'")
        # the deletes' -1 deltas (and what earlier runs' intake added) folded, as housekeeping does
        await compact_all(conn)
        await conn.execute(
            "VACUUM (ANALYZE) complaints, complaint_events, api_keys, reporters, reporter_identities, "
            "inbound_deliveries, inbound_events, complaint_threads, " + ", ".join(STATS_TABLES)
        )
    finally:
        await conn.close()
    return {"complaints_deleted": added, "seconds": time.perf_counter() - t0}


async def sample_tickets(bench: URL, n: int = 1000) -> list[str]:
    conn = await asyncpg.connect(asyncpg_dsn(bench))
    try:
        rows = await conn.fetch(
            "SELECT ticket FROM complaints WHERE created_by = $1 AND privacy <> 'secret' ORDER BY random() LIMIT $2",
            LOADED_BY,
            n,
        )
        return [r["ticket"] for r in rows]
    finally:
        await conn.close()


async def server_version(url: URL) -> str:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
