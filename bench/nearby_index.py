"""Issue 15: which index serves the nearby lookup, measured on the bench's million complaints.

    python bench/nearby_index.py [--points 200]

Run it after ``bench/run.py`` (it uses the database ``aduan_bench`` that the run loaded, on the
server of ``ADUAN_BENCH_DATABASE_URL`` or ``DATABASE_URL``; it loads nothing). For random points
near open roads complaints (half of them) and anywhere in mainland Jakarta (the other half), it
times ``GET /v1/complaints/nearby?category=roads&radius_m=200``'s statement under three schemes
with ``EXPLAIN (ANALYZE, BUFFERS)`` (PostgreSQL's execution time: no network, no Python):

a. shipped: ``ix_complaints_nearby`` (category, cell) WHERE open AND not secret, with
   ``cell = ANY(<the cells of the circle's box>)`` (``app.public.repository._NEARBY_SQL``);
b. GiST: a temporary partial GiST index on ``point(lon, lat)`` of open, non-secret complaints,
   with ``point(lon, lat) <@ box(...)`` and the category filter;
   b'. the GiST map index the migration ships (``ix_complaints_map``: not secret, not duplicate,
   of every status), the same query;
c. no index of its own: the same ``cell = ANY(...)`` query with ``ix_complaints_nearby`` dropped
   inside a transaction that is rolled back (PostgreSQL then picks among ``ix_complaints_cell``,
   ``ix_complaints_category_created`` and the others).

The temporary index is dropped afterwards. It prints the median and p95 execution time per
scheme, the buffers read, and whether the shipped scheme is under 0.5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import asyncpg  # noqa: E402
from aduan_bench import log  # noqa: E402 - also puts the repository on the path, for `app`
from aduan_bench.database import asyncpg_dsn, bench_urls  # noqa: E402
from aduan_bench.mix import BBOX  # noqa: E402

from app.complaints.lifecycle import OPEN_LIST  # noqa: E402
from app.core.geohash import cells_around  # noqa: E402
from app.public.repository import _NEARBY_SQL  # noqa: E402
from app.public.service import NEARBY_LIMIT  # noqa: E402

RADIUS_M = 200
CATEGORY = "roads"
LIMIT = NEARBY_LIMIT * 4 + 50  # what app.public.service.nearby asks the repository for
TARGET_MS = 0.5
OPEN_SQL = ", ".join(repr(s) for s in OPEN_LIST)
TMP_GIST = "bench_tmp_nearby_gist"
GIST_SQL = f"""
SELECT c.id, c.ticket, c.title, c.category, cat.name AS category_name, c.status, c.privacy,
       c.lat, c.lon, c.area, c.supports, c.created_at, c.cell
  FROM complaints c LEFT JOIN categories cat ON cat.code = c.category
 WHERE c.status IN ({OPEN_SQL}) AND c.privacy <> 'secret' AND c.lat IS NOT NULL
   AND point(c.lon, c.lat) <@ box(point($1, $2), point($3, $4)) AND c.category = $5
 ORDER BY c.created_at DESC
 LIMIT $6
"""
# the same box query, shaped to the shipped map index's predicate (not secret, located, not a duplicate)
MAP_GIST_SQL = GIST_SQL.replace("AND c.lat IS NOT NULL", "AND c.lat IS NOT NULL AND c.status <> 'duplicate'")


def box(lat: float, lon: float) -> tuple[float, float, float, float]:
    """The circle's bounding box (min lon, min lat, max lon, max lat), as cells_around covers it."""
    import math

    dlat = RADIUS_M / 111_320.0
    dlon = RADIUS_M / (111_320.0 * math.cos(math.radians(lat)))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


async def explain(conn: asyncpg.Connection, sql: str, *args: Any) -> dict[str, Any]:
    raw = await conn.fetchval("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, *args)
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    top = plan["Plan"]
    names = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("Index Name"):
            names.append(f"{node['Node Type']} {node['Index Name']}")
        elif node.get("Relation Name"):
            names.append(f"{node['Node Type']} {node['Relation Name']}")
        for child in node.get("Plans", []):
            walk(child)

    walk(top)
    return {
        "ms": plan["Execution Time"],
        "buffers": top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0),
        "rows": top.get("Actual Rows", 0),
        "access": names,
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ms = sorted(r["ms"] for r in runs)
    access: dict[str, int] = {}
    for r in runs:
        key = " + ".join(dict.fromkeys(a for a in r["access"] if "categories" not in a))
        access[key] = access.get(key, 0) + 1
    return {
        "median_ms": statistics.median(ms),
        "p95_ms": ms[min(len(ms) - 1, int(0.95 * len(ms)))],
        "max_ms": ms[-1],
        "median_buffers": statistics.median(r["buffers"] for r in runs),
        "median_rows": statistics.median(r["rows"] for r in runs),
        "access": access,
    }


async def measure(points: int, seed: int) -> dict[str, Any]:
    bench, _, where = bench_urls()
    conn = await asyncpg.connect(asyncpg_dsn(bench), command_timeout=None)
    rng = random.Random(seed)
    results: dict[str, Any] = {"database": where}
    try:
        n = await conn.fetchval("SELECT count(*) FROM complaints")
        log(f"{n:,} complaints in aduan_bench ({where})")
        near = await conn.fetch(
            "SELECT lat, lon FROM complaints WHERE category = $1 AND status = ANY($2::text[]) "
            "AND privacy <> 'secret' AND cell IS NOT NULL ORDER BY random() LIMIT $3",
            CATEGORY,
            list(OPEN_LIST),
            points // 2,
        )
        s, w, nn, e = BBOX
        pts = [(r["lat"] + rng.uniform(-6e-4, 6e-4), r["lon"] + rng.uniform(-6e-4, 6e-4)) for r in near]
        pts += [(rng.uniform(s, nn), rng.uniform(w, e)) for _ in range(points - len(pts))]
        rng.shuffle(pts)
        cells = {pt: cells_around(pt[0], pt[1], RADIUS_M) for pt in pts}
        results["points"] = len(pts)
        results["cells_per_lookup"] = statistics.median(len(c) for c in cells.values())

        async def run(label: str, sql: str, args_of) -> None:  # noqa: ANN001
            for pt in pts[:20]:  # warm the index pages
                await explain(conn, sql, *args_of(pt))
            runs = [await explain(conn, sql, *args_of(pt)) for pt in pts]
            results[label] = summary(runs)

        def shipped_args(pt: tuple[float, float]) -> tuple[Any, ...]:
            return cells[pt], CATEGORY, LIMIT

        def box_args(pt: tuple[float, float]) -> tuple[Any, ...]:
            return (*box(*pt), CATEGORY, LIMIT)

        await run("a_shipped_cells", _NEARBY_SQL, shipped_args)

        t0 = asyncio.get_running_loop().time()
        await conn.execute(
            f"CREATE INDEX {TMP_GIST} ON complaints USING gist (point(lon, lat)) "
            f"WHERE status IN ({OPEN_SQL}) AND privacy <> 'secret' AND lat IS NOT NULL"
        )
        await conn.execute("ANALYZE complaints")
        results["gist_build_s"] = asyncio.get_running_loop().time() - t0
        sizes = await conn.fetch(
            "SELECT c.relname, pg_relation_size(c.oid) AS bytes FROM pg_class c "
            "WHERE c.relname = ANY($1::text[])",
            ["ix_complaints_nearby", TMP_GIST, "ix_complaints_map", "ix_complaints_cell"],
        )
        results["index_bytes"] = {r["relname"]: r["bytes"] for r in sizes}
        try:
            await run("b_gist_open_partial", GIST_SQL, box_args)
        finally:
            await conn.execute(f"DROP INDEX IF EXISTS {TMP_GIST}")
        await run("b2_gist_map_index", MAP_GIST_SQL, box_args)

        tr = conn.transaction()
        await tr.start()
        try:
            await conn.execute("DROP INDEX ix_complaints_nearby")
            await run("c_no_nearby_index", _NEARBY_SQL, shipped_args)
        finally:
            await tr.rollback()
    finally:
        await conn.close()
    return results


LABELS = {
    "a_shipped_cells": "a. ix_complaints_nearby (category, cell), cell = ANY",
    "b_gist_open_partial": "b. GiST point(lon, lat), open and not secret (temporary)",
    "b2_gist_map_index": "b'. GiST ix_complaints_map (the map's), <@ box",
    "c_no_nearby_index": "c. without ix_complaints_nearby, cell = ANY",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=200, help="lookups per scheme (default 200)")
    ap.add_argument("--seed", type=int, default=20261205)
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = ap.parse_args(argv)
    r = asyncio.run(measure(args.points, args.seed))
    log(
        f"nearby lookup (category {CATEGORY}, {RADIUS_M} m, LIMIT {LIMIT}), {r['points']} points, "
        f"{r['cells_per_lookup']:.0f} geohash-7 cells per lookup; EXPLAIN (ANALYZE, BUFFERS) execution time:"
    )
    width = max(len(v) for v in LABELS.values())
    log(f"  {'scheme'.ljust(width)}  median ms  p95 ms  max ms  buffers  rows  access")
    for key, label in LABELS.items():
        s = r[key]
        access = "; ".join(f"{a} ({n})" for a, n in s["access"].items())
        log(
            f"  {label.ljust(width)}  {s['median_ms']:9.3f}  {s['p95_ms']:6.3f}  {s['max_ms']:6.2f}  "
            f"{s['median_buffers']:7.0f}  {s['median_rows']:4.0f}  {access}"
        )
    sizes = ", ".join(f"{k} {v / 2**20:.1f} MiB" for k, v in r["index_bytes"].items())
    log(f"index sizes: {sizes}; the temporary GiST index built in {r['gist_build_s']:.1f} s")
    a = r["a_shipped_cells"]
    verdict = "meets" if a["median_ms"] < TARGET_MS else "below"
    log(
        f"shipped scheme: median {a['median_ms']:.3f} ms, p95 {a['p95_ms']:.3f} ms (target < {TARGET_MS} ms): {verdict}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(r, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
