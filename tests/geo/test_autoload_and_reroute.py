"""Out of the box: the shipped Jakarta areas load on a first start (once, even when two processes
start together), and `aduan areas reroute` places and routes the complaints that came before them."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from contextlib import AsyncExitStack
from pathlib import Path

import asyncpg
import httpx

from app.cli import migrate
from app.core.config import Settings
from app.geo.repository import import_jakarta_if_empty
from app.main import create_app
from tests.conftest import _asyncpg_dsn, _create_database, _drop_database
from tests.org.helpers import create_officer, create_units, full, submit

REPO = Path(__file__).resolve().parents[2]
MONAS = {"lat": -6.1754, "lon": 106.8272}
IN_CIKINI = {"lat": -6.1915, "lon": 106.8412}
CIKINI = "31.71.06.1003"
CIKINI_UNIT = f"kel-{CIKINI}"
FIRST_START = "first start: loaded DKI Jakarta's"


def _imports(caplog) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for r in caplog.records if r.getMessage().startswith(FIRST_START))


async def _lookup(app) -> dict:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        r = await c.get("/v1/areas/lookup", params=MONAS)
    assert r.status_code == 200, r.text
    return r.json()


async def test_first_start_loads_the_jakarta_areas_once(pg_server, settings, caplog):
    name = f"aduan_test_{os.getpid()}_first_start"
    url = await _create_database(pg_server, name)
    try:
        await asyncio.to_thread(migrate, url)
        on = Settings(**{**settings.model_dump(by_alias=True), "ADUAN_LOAD_JAKARTA_AREAS": "true"})
        assert on.load_jakarta_areas
        caplog.set_level(logging.INFO, logger="aduan")
        conn = await asyncpg.connect(_asyncpg_dsn(url))
        try:
            assert await conn.fetchval("SELECT count(*) FROM areas") == 0
            # Two processes starting together on the empty database: one imports, the other
            # waits for its lock and finds the areas there.
            apps = [create_app(on, database_url=url) for _ in range(2)]
            async with AsyncExitStack() as stack:
                await asyncio.gather(*(stack.enter_async_context(a.router.lifespan_context(a)) for a in apps))
                assert await conn.fetchval("SELECT count(*) FROM areas") == 318
                for app in apps:
                    hit = await _lookup(app)
                    assert hit["kelurahan"]["name"] == "Gambir" and hit["kota"]["code"] == "31.71", hit
            assert _imports(caplog) == 1
            revision = await conn.fetchval("SELECT revision FROM routing_revision WHERE id = 1")

            # Every later start finds the areas and imports nothing.
            again = create_app(on, database_url=url)
            async with again.router.lifespan_context(again):
                assert (await _lookup(again))["kelurahan"]["name"] == "Gambir"
            assert _imports(caplog) == 1
            assert await conn.fetchval("SELECT revision FROM routing_revision WHERE id = 1") == revision
            assert await conn.fetchval("SELECT count(*) FROM areas") == 318
        finally:
            await conn.close()
    finally:
        await _drop_database(pg_server, name)


def aduan(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADUAN_") and k != "DATABASE_URL"}
    # Never the embedded PostgreSQL of a checkout: a command that missed DATABASE_URL must fail.
    env.update(DATABASE_URL=database_url, ADUAN_DATA_DIR=str(REPO / "pyproject.toml" / "aduan-data"))
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _state(db: asyncpg.Connection) -> list[tuple]:  # type: ignore[type-arg]
    rows = await db.fetch(
        "SELECT c.id, c.version, c.updated_at, c.unit_code, c.assignee_id, c.area::text, c.kelurahan_code, "
        "(SELECT count(*) FROM complaint_events e WHERE e.complaint_id = c.id) AS events "
        "FROM complaints c ORDER BY c.id"
    )
    return [tuple(r) for r in rows]


async def test_reroute_places_and_routes_complaints_from_before_the_areas(
    client, admin, app_key, officer, db, database_url
):
    units = [
        {"code": CIKINI_UNIT, "name": "Kelurahan Cikini", "kind": "kelurahan", "area_codes": [CIKINI]},
        {"code": "triage", "name": "Tim Triase Pengaduan", "kind": "triage"},
    ]
    await create_units(client, admin, units)
    siti = await create_officer(client, admin, CIKINI_UNIT, "Siti")
    assert await db.fetchval("SELECT count(*) FROM areas") == 0
    by_point = await submit(client, app_key, "Lampu jalan mati sejak seminggu", location=IN_CIKINI)
    by_name = await submit(client, app_key, "Got mampet di Kel. Cikini, banjir tiap hujan")
    nowhere = await submit(client, app_key, "Pelayanan di kantor lambat sekali")
    for c in (by_point, by_name, nowhere):
        before = await full(client, officer, c["id"])
        assert before["area"] is None and before["unit"] == "triage", before

    assert await import_jakarta_if_empty(db) == 318
    assert await import_jakarta_if_empty(db) == 0  # there are areas now: nothing again
    untouched = await _state(db)

    dry = aduan("areas", "reroute", "--dry-run", database_url=database_url)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "nothing written" in dry.stdout and "2 would be placed and routed" in dry.stdout, dry.stdout
    assert f"-> unit {CIKINI_UNIT}" in dry.stdout and "1 not placed" in dry.stdout, dry.stdout
    assert await _state(db) == untouched

    run = aduan("areas", "reroute", database_url=database_url)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 placed and routed" in run.stdout and "1 not placed" in run.stdout and "0 failed" in run.stdout
    for c, source in ((by_point, "point"), (by_name, "text")):
        after = await full(client, officer, c["id"])
        assert after["area"]["kelurahan"] == {"code": CIKINI, "name": "Cikini"}, after["area"]
        assert after["area"]["source"] == source and after["area"]["kota"]["code"] == "31.71"
        assert after["unit"] == CIKINI_UNIT and after["status"] == "received", after
        routed = [e for e in after["events"] if e["kind"] == "routed"][-1]
        assert routed["data"]["trigger"] == "reroute" and routed["data"]["from_unit"] == "triage", routed
        assert routed["data"]["to_unit"] == CIKINI_UNIT and routed["public"], routed
        assigned = [e for e in after["events"] if e["kind"] == "assigned"][-1]
        assert assigned["data"]["officer_id"] == siti["id"], assigned
    stays = await full(client, officer, nowhere["id"])
    assert stays["area"] is None and stays["unit"] == "triage", stays
    assert await db.fetchval("SELECT kelurahan_code FROM complaints WHERE id = $1", by_point["id"]) == CIKINI

    # A second run finds nothing left to do and changes nothing.
    placed = await _state(db)
    again = aduan("areas", "reroute", database_url=database_url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 placed and routed" in again.stdout and "1 not placed" in again.stdout, again.stdout
    assert await _state(db) == placed


async def test_a_database_down_at_start_still_lets_the_service_start(settings):
    on = Settings(**{**settings.model_dump(by_alias=True), "ADUAN_LOAD_JAKARTA_AREAS": "true"})
    app = create_app(on, database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none")
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            assert (await c.get("/healthz")).status_code == 200
