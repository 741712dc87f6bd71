"""Routing data: the real Jakarta areas and ``aduan seed demo`` through the CLI, and what routing did."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import URL

from app.geo import jakarta
from app.org.seed import DEFAULT_KELURAHAN, DEMO_OFFICERS

from . import REPO, log
from .database import asyncpg_dsn
from .services import aduan_cmd

# Routing: the real Jakarta areas, shipped with the package (app/geo/data/jakarta).
SHARED_DATA = jakarta.DIR
AREAS_CSV = SHARED_DATA / "jakarta_admin_areas.csv"
KELURAHAN_GEOJSON = SHARED_DATA / "jakarta_kelurahan.geojson"
KECAMATAN_GEOJSON = SHARED_DATA / "jakarta_kecamatan.geojson"


def prepare_routing(bench: URL, logdir: Path) -> dict[str, Any]:
    """``aduan areas import`` (the real areas, when present), then ``aduan seed demo``.

    Both through the real CLI, as an operator would set routing up; both are idempotent, so a
    --keep-db run repeats them. The seed prints officer keys once: they go to a log file only.
    """
    env = {
        **os.environ,
        "DATABASE_URL": bench.render_as_string(hide_password=False),
        "ADUAN_LOG_LEVEL": "WARNING",
    }
    out: dict[str, Any] = {}
    files = [f for f in (AREAS_CSV, KELURAHAN_GEOJSON, KECAMATAN_GEOJSON) if f.is_file()]
    t = time.perf_counter()
    if files:
        proc = subprocess.run(
            [*aduan_cmd(), "areas", "import", *map(str, files)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"aduan areas import failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        for line in proc.stdout.splitlines():
            log(f"  {line.replace(str(SHARED_DATA) + '/', '')}")
        out["areas_imported"] = [f.name for f in files]
    out["areas_import_s"] = time.perf_counter() - t
    if KELURAHAN_GEOJSON not in files:
        log(
            f"  routing runs without areas: no {KELURAHAN_GEOJSON} (units for {len(DEFAULT_KELURAHAN)} kelurahan only)"
        )
    t = time.perf_counter()
    proc = subprocess.run([*aduan_cmd(), "seed", "demo"], cwd=REPO, env=env, capture_output=True, text=True)
    (logdir / "seed-demo.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"aduan seed demo failed ({proc.returncode}):\n{proc.stderr}")
    out["seed_s"] = time.perf_counter() - t
    t = time.perf_counter()
    asyncio.run(vacuum_routing_tables(bench))
    out["vacuum_s"] = time.perf_counter() - t
    return out


# The tables the import and the seed rewrite on every run (each upsert leaves a dead row), and
# that every routed intake reads: the category (its foreign key), the revision, the officers
# (the pick). Autovacuum would clean them within a minute of the seed; with it off (as on the
# machine the results below come from) each --keep-db run would add to what every intake skips.
ROUTING_TABLES = "areas, units, officers, categories, routing_revision"


async def vacuum_routing_tables(bench: URL) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(bench), command_timeout=None)
    try:
        await conn.execute(f"VACUUM (ANALYZE) {ROUTING_TABLES}")
    finally:
        await conn.close()


async def routing_inventory(bench: URL) -> dict[str, Any]:
    conn = await asyncpg.connect(asyncpg_dsn(bench))
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM areas WHERE level = 'kelurahan') AS kelurahan, "
            "(SELECT count(*) FROM areas WHERE geometry IS NOT NULL) AS boundaries, "
            "(SELECT count(*) FROM units) AS units, "
            "(SELECT count(*) FROM units WHERE kind = 'kelurahan') AS kelurahan_units"
        )
        officers = await conn.fetch(
            "SELECT unit_code, count(*) AS n, sum(capacity) AS capacity FROM officers "
            "WHERE active AND role = 'officer' GROUP BY unit_code ORDER BY unit_code"
        )
        return {
            **dict(row),
            "officers": {r["unit_code"]: {"officers": r["n"], "capacity": r["capacity"]} for r in officers},
        }
    finally:
        await conn.close()


def officer_kelurahan() -> dict[str, int]:
    """Kelurahan codes whose demo unit has officers taking the automatic stream, with their capacity."""
    out: dict[str, int] = {}
    for unit, _name, role, capacity in DEMO_OFFICERS:
        if unit.startswith("kel-") and role == "officer":
            out[unit[4:]] = out.get(unit[4:], 0) + capacity
    return out


async def routing_outcome(bench: URL, key_ids: dict[str, str]) -> dict[str, Any]:
    """What the intake scenarios did to the complaints they created, per API key (and the webhook)."""
    creators = {**{v: k for k, v in key_ids.items()}, "channel:facebook": "facebook"}
    conn = await asyncpg.connect(asyncpg_dsn(bench))
    try:
        rows = await conn.fetch(
            "SELECT created_by, count(*) AS n, count(category) AS classified, count(kelurahan_code) AS kelurahan, "
            "count(unit_code) AS unit, count(unit_code) FILTER (WHERE unit_code LIKE 'kel-%') AS kelurahan_unit, "
            "count(assignee_id) AS assigned "
            "FROM complaints WHERE created_by = ANY($1::text[]) GROUP BY created_by",
            list(creators),
        )
        out: dict[str, Any] = {
            creators[r["created_by"]]: {k: r[k] for k in r.keys() if k != "created_by"} for r in rows
        }
        staffed = await conn.fetch(
            "SELECT created_by, unit_code, count(*) AS n, count(assignee_id) AS assigned FROM complaints "
            "WHERE created_by = ANY($1::text[]) AND unit_code = ANY($2::text[]) GROUP BY 1, 2 ORDER BY 1, 2",
            list(creators),
            [f"kel-{code}" for code in officer_kelurahan()],
        )
        for r in staffed:
            out.setdefault(creators[r["created_by"]], {}).setdefault("staffed_units", {})[r["unit_code"]] = {
                "complaints": r["n"],
                "assigned": r["assigned"],
            }
        return out
    finally:
        await conn.close()
