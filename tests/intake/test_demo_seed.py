"""`aduan seed demo` fills the city: complaints made through the real intake, placed in Jakarta's
kelurahan, spread over eight weeks and through the lifecycle, supported, shown on the public map
and counted in the statistics; none with a reporter or a message to send; made once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import shapely
from shapely.geometry import box

from app.complaints.schemas import CHANNELS
from app.intake.demo import Kelurahan, draw_complaints

REPO = Path(__file__).resolve().parents[2]
N = 60


def aduan(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
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


async def _snapshot(db: asyncpg.Connection) -> tuple[Any, ...]:
    return (
        await db.fetchval("SELECT count(*) FROM complaints"),
        await db.fetchval("SELECT count(*) FROM complaint_events"),
        await db.fetchval("SELECT count(*) FROM complaint_supports"),
        await db.fetchval("SELECT max(updated_at) FROM complaints"),
    )


async def test_the_demo_seed_fills_the_city_once(
    client: httpx.AsyncClient, db: asyncpg.Connection, database_url: str
) -> None:
    run = aduan("seed", "demo", "--complaints", str(N), database_url=database_url)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "areas: 318 imported" in run.stdout, run.stdout  # an empty database gets Jakarta first
    assert "units: " in run.stdout and "officer " in run.stdout, run.stdout
    assert f"complaints: {N} created, 0 already there" in run.stdout, run.stdout
    now = datetime.now(UTC)

    rows = await db.fetch(
        "SELECT id, channel, external_id, status, privacy, kelurahan_code, unit_code, area, reporter_id, "
        "created_at, received_at, resolved_at, due_at, supports, flags, title, description FROM complaints"
    )
    assert len(rows) == N
    assert {r["external_id"] for r in rows} == {f"demo-{i}" for i in range(N)}

    # Placed and routed as real ones: every one in a kelurahan, held by a unit.
    for r in rows:
        assert r["kelurahan_code"] and r["unit_code"], dict(r)
        assert r["unit_code"].startswith(("kel-", "sudin-")), dict(r)
        assert r["title"] and len(r["description"]) > 40, dict(r)
        assert "needs_triage" not in r["flags"], dict(r)
    assert len({r["kelurahan_code"] for r in rows}) > N // 2  # across the city, not in one place
    assert len({r["description"] for r in rows}) == N  # varied texts
    channels = Counter(r["channel"] for r in rows)
    assert set(channels) <= set(CHANNELS) and len(channels) >= 8, channels
    privacy = Counter(r["privacy"] for r in rows)
    assert privacy["public"] > N // 2 and privacy["anonymous"] and privacy["secret"], privacy

    # Through the lifecycle: statuses spread, resolved ones resolved after they were written.
    statuses = Counter(r["status"] for r in rows)
    assert {"received", "in_progress", "resolved"} <= set(statuses) and len(statuses) >= 4, statuses
    assert statuses["resolved"] >= N // 4, statuses
    for r in rows:
        if r["status"] == "resolved":
            assert r["created_at"] < r["resolved_at"] <= now, dict(r)
        else:
            assert r["resolved_at"] is None, dict(r)
        assert r["received_at"] == r["created_at"], dict(r)
    # Over the last eight weeks (the weekly trends have something to show).
    created = sorted(r["created_at"] for r in rows)
    assert created[0] >= now - timedelta(weeks=8, days=1) and created[-1] < now, created
    assert created[-1] - created[0] > timedelta(weeks=5), created
    assert len({c.isocalendar()[:2] for c in created}) >= 6

    # Every move is in the history, at its time, after the complaint was written.
    events = await db.fetch(
        "SELECT e.complaint_id, e.kind, e.to_status, e.created_at, c.created_at AS complaint_at "
        "FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id ORDER BY e.id"
    )
    assert all(e["complaint_at"] <= e["created_at"] < now for e in events)
    moved_to: dict[object, list[str]] = {}
    for e in events:
        if e["kind"] == "status_changed":
            moved_to.setdefault(e["complaint_id"], []).append(e["to_status"])
    for r in rows:
        path = moved_to.get(r["id"], [])
        assert (path[-1] if path else "received") == r["status"], (dict(r), path)
        if r["status"] == "resolved":
            assert path[-3:] == ["in_progress", "pending_validation", "resolved"], path

    # No personal data and nothing to send: no reporter, no contact, no outbound message.
    assert all(r["reporter_id"] is None for r in rows)
    for table in ("reporters", "reporter_identities", "outbox", "outbound_messages"):
        assert await db.fetchval(f"SELECT count(*) FROM {table}") == 0, table

    # Supports: counted from complaint_supports (hashed supporters), public complaints only.
    supports = {r["complaint_id"]: r["n"] for r in await db.fetch(
        "SELECT complaint_id, count(*) AS n FROM complaint_supports GROUP BY complaint_id")}  # fmt: skip
    assert supports, "no complaint was supported"
    for r in rows:
        assert r["supports"] == supports.get(r["id"], 0), dict(r)
        if r["supports"]:
            assert r["privacy"] == "public", dict(r)
    supporters = [s["supporter"] for s in await db.fetch("SELECT supporter FROM complaint_supports")]
    assert all(re.fullmatch(r"[0-9a-f]{64}", s) for s in supporters)

    # A second run creates nothing and changes nothing; --complaints 0 skips them.
    before = await _snapshot(db)
    again = aduan("seed", "demo", "--complaints", str(N), database_url=database_url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"complaints: 0 created, {N} already there" in again.stdout, again.stdout
    assert "areas:" not in again.stdout and "units: 0 created" in again.stdout, again.stdout
    none = aduan("seed", "demo", "--complaints", "0", database_url=database_url)
    assert none.returncode == 0 and "complaints:" not in none.stdout, none.stdout + none.stderr
    assert await _snapshot(db) == before

    # The public face: the map shows them, the statistics count them (secret ones neither).
    shown = [r for r in rows if r["privacy"] != "secret"]
    geojson = await client.get("/v1/public/complaints.geojson")
    assert geojson.status_code == 200, geojson.text
    features = geojson.json()["features"]
    assert len(features) == len(shown)
    assert all(f["geometry"]["type"] == "Point" for f in features)
    answer = await client.get("/v1/stats", params={"group_by": "channel"})
    assert answer.status_code == 200, answer.text
    stats = answer.json()
    assert stats["total"] == len(shown), stats
    assert stats["done"] == sum(1 for c in shown if c["status"] == "resolved"), stats
    assert {g["key"]: g["total"] for g in stats["groups"]} == Counter(c["channel"] for c in shown)
    assert sum(1 for w in stats["weekly"] if w["created"]) >= 6, stats["weekly"]
    assert stats["sla"]["done"] == stats["done"] and stats["median_hours_to_done"], stats


def test_the_drawing_is_the_same_for_a_seed_whatever_the_time() -> None:
    square = box(106.80, -6.20, 106.81, -6.19)
    shapely.prepare(square)
    kelurahan = [Kelurahan("31.71.06.1003", "Cikini", square)]
    categories = {"roads", "rubbish", "drainage_flood"}
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    first = draw_complaints(40, kelurahan, categories, now=now, seed=7)
    later = draw_complaints(40, kelurahan, categories, now=now + timedelta(days=3), seed=7)
    # demo-<i> keeps its channel (the intake's dedupe key) and its text whenever it is drawn.
    assert [(d.draft.external_id, d.draft.channel, d.draft.description) for d in first] == [
        (d.draft.external_id, d.draft.channel, d.draft.description) for d in later
    ]
    assert [d.draft.description for d in draw_complaints(40, kelurahan, categories, now=now, seed=8)] != [
        d.draft.description for d in first
    ]
    for d in first:
        loc = d.draft.location
        assert loc is not None and shapely.contains_xy(square, loc.lon, loc.lat)
        assert d.draft.category in categories and d.draft.reporter is None
        assert now - timedelta(weeks=8, days=1) <= d.at < now
        times = [d.at, *(t for _, t, _ in d.moves)]
        assert times == sorted(times) and times[-1] < now, d.moves
