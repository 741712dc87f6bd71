"""SLA clocks: deadlines on intake, at risk, breaches marked once and escalated, EWS; with a
controllable clock (``sweep(conn, now)``), never sleeps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg

from app.core.config import Settings
from app.main import create_app
from app.sla.clock import JAKARTA_TZ
from app.sla.sweeper import sweep
from tests.conftest import _asyncpg_dsn
from tests.helpers import put_complaint, transition
from tests.org import helpers as h

UNIT = "kel-31.99.01.1001"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA_TZ)  # a Monday, 09:00 WIB


def at(**delta):  # type: ignore[no-untyped-def]
    return T0 + timedelta(**delta)


def _iso(v: str) -> datetime:
    return datetime.fromisoformat(v)


async def _flood(client, app_key, **extra):  # type: ignore[no-untyped-def]
    return await h.submit(
        client, app_key, "Got mampet, air meluap", location=h.IN_SUKAMAJU, received_at=T0.isoformat(), **extra
    )


async def test_deadlines_on_intake_jakarta_and_lapor(client, admin, app_key, officer):
    await h.setup_routing(client, admin)
    flood = await _flood(client, app_key)
    assert _iso(flood["response_due_at"]) == at(hours=6)  # coordinate within 6 h
    assert _iso(flood["due_at"]) == at(hours=72)  # drainage_flood: 72 h
    assert flood["sla_state"] == "on_track"
    plain = await h.submit(client, app_key, "Mohon dicek", received_at=T0.isoformat())
    assert _iso(plain["due_at"]) == at(days=7)  # no category: Jakarta's 7 days
    # LAPOR!: 3 and 5 working days; Friday 14 August 2026, then the weekend and Independence Day off
    friday = datetime(2026, 8, 14, 10, 0, tzinfo=JAKARTA_TZ)
    made = await h.lapor_report(
        client, "Lampu jalan mati", tracking_id="6120099", received_at=friday.isoformat()
    )
    lapor = await h.full(client, officer, made["complaint_id"])
    assert _iso(lapor["response_due_at"]) == datetime(2026, 8, 20, 23, 59, 59, tzinfo=JAKARTA_TZ)
    assert _iso(lapor["due_at"]) == datetime(2026, 8, 24, 23, 59, 59, tzinfo=JAKARTA_TZ)


async def _view(client, officer, cid):  # type: ignore[no-untyped-def]
    return await h.full(client, officer, cid)


async def test_first_response_clock_at_risk_then_breached_once_and_escalated(
    client, admin, app_key, officer, db
):
    await h.setup_routing(client, admin)
    await h.create_officer(client, admin, UNIT, "Siti")
    lurah = await h.create_officer(client, admin, UNIT, "Pak Lurah", role="supervisor", capacity=0)
    c = await _flood(client, app_key)
    out = await sweep(db, at(hours=4))
    assert out["breached"] == [] and out["at_risk"] == []
    out = await sweep(db, at(hours=5))  # the last 20 % of 6 h starts at 4 h 48 min
    assert [str(x) for x in out["at_risk"]] == [c["id"]]
    assert (await _view(client, officer, c["id"]))["sla_state"] == "at_risk"
    out = await sweep(db, at(hours=6, minutes=1))
    assert [(str(b["id"]), b["clock"]) for b in out["breached"]] == [(c["id"], "first_response")]
    v = await _view(client, officer, c["id"])
    assert v["sla_state"] == "breached" and "escalated" in v["flags"]
    breach = [e for e in v["events"] if e["kind"] == "sla_breached"]
    esc = [e for e in v["events"] if e["kind"] == "escalated"]
    assert (
        len(breach) == 1 and breach[0]["public"] is False and breach[0]["data"]["clock"] == "first_response"
    )
    assert len(esc) == 1 and esc[0]["public"] is False
    assert esc[0]["data"]["to"] == "supervisor" and esc[0]["data"]["officer_id"] == lurah["id"]
    assert esc[0]["data"]["officer_name"] == "Pak Lurah"
    # sweeping again (later, or twice) marks nothing twice
    assert (await sweep(db, at(hours=7)))["breached"] == []
    assert (await sweep(db, at(days=30)))["breached"] == []
    assert await db.fetchval("SELECT count(*) FROM complaint_events WHERE kind = 'sla_breached'") == 1
    assert (await client.get("/v1/complaints", params={"sla_state": "breached"}, headers=officer)).json()[
        "items"
    ][0]["id"] == c["id"]
    # not on the public page
    t = (await client.get(f"/v1/track/{c['ticket']}")).json()
    assert {e["kind"] for e in t["timeline"]} <= {"created", "routed"}


async def test_resolution_clock_after_first_response(client, admin, app_key, officer, db):
    await h.setup_routing(client, admin)
    c = await _flood(client, app_key)
    r = await transition(client, c["id"], {"status": "in_progress"}, officer)
    assert r.status_code == 200
    # responded in time: now the 72 h resolution clock runs
    out = await sweep(db, at(hours=7))
    assert out["breached"] == [] and out["at_risk"] == []
    out = await sweep(db, at(hours=58))  # 80 % of 72 h = 57.6 h
    assert [str(x) for x in out["at_risk"]] == [c["id"]]
    out = await sweep(db, at(hours=72, seconds=1))
    assert [(str(b["id"]), b["clock"]) for b in out["breached"]] == [(c["id"], "resolution")]


async def test_a_response_brings_an_at_risk_complaint_back_on_track(client, admin, app_key, officer, db):
    await h.setup_routing(client, admin)
    c = await _flood(client, app_key)
    await sweep(db, at(hours=5))
    assert (await _view(client, officer, c["id"]))["sla_state"] == "at_risk"
    await transition(client, c["id"], {"status": "coordination"}, officer)
    out = await sweep(db, at(hours=5, minutes=30))
    assert [str(x) for x in out["on_track"]] == [c["id"]]


async def test_closed_or_validating_complaints_are_not_breached(client, admin, app_key, officer, db):
    await h.setup_routing(client, admin)
    done = await _flood(client, app_key)
    for s in ("in_progress", "pending_validation"):
        await transition(client, done["id"], {"status": s}, officer)
    rejected = await _flood(client, app_key)
    await transition(client, rejected["id"], {"status": "rejected"}, officer)
    assert (await sweep(db, at(days=30)))["breached"] == []


async def test_without_a_supervisor_the_breach_goes_to_triage(client, admin, app_key, officer, db):
    await h.setup_routing(client, admin)
    c = await _flood(client, app_key)
    out = await sweep(db, at(hours=7))
    assert out["breached"][0]["escalated_to"] == {"unit": "triage"}
    v = await _view(client, officer, c["id"])
    esc = [e for e in v["events"] if e["kind"] == "escalated"][0]
    assert esc["data"]["to"] == "triage" and esc["data"]["unit_name"] == "Tim Triase Pengaduan"
    assert "escalated_to_triage" in v["flags"]
    q = (await client.get("/v1/units/triage/queue", headers=officer)).json()["items"]
    assert [x["id"] for x in q] == [c["id"]]


async def test_two_sweepers_racing_mark_each_breach_once(client, admin, app_key, database_url, db):
    await h.setup_routing(client, admin)
    for i in range(20):
        await _flood(client, app_key, external_id=f"race-{i}")
    conns = [await asyncpg.connect(_asyncpg_dsn(database_url)) for _ in range(4)]
    try:
        results = await asyncio.gather(*(sweep(conn, at(hours=7)) for conn in conns))
    finally:
        for conn in conns:
            await conn.close()
    counts = [len(r["breached"]) for r in results]
    print(f"\n4 concurrent sweeps over 20 overdue complaints marked {counts}")
    assert sum(counts) == 20
    assert await db.fetchval("SELECT count(*) FROM complaint_events WHERE kind = 'sla_breached'") == 20
    assert await db.fetchval("SELECT count(*) FROM complaint_events WHERE kind = 'escalated'") == 20


async def test_ews_moves_the_resolution_deadline(client, admin, app_key, officer, db):
    await h.setup_routing(client, admin)
    now = datetime.now(UTC)
    c = await h.submit(client, app_key, "Tanggul jebol, air masuk rumah", location=h.IN_SUKAMAJU)
    await transition(client, c["id"], {"status": "in_progress"}, officer)
    ews = (now + timedelta(days=10)).replace(microsecond=0)
    r = await put_complaint(
        client, c["id"], "ews", {"ews_at": ews.isoformat(), "note": "Menunggu alat berat"}, officer
    )
    assert r.status_code == 200, r.text
    v = r.json()
    assert _iso(v["due_at"]) == ews and _iso(v["ews_at"]) == ews
    ev = [e for e in v["events"] if e["kind"] == "ews_set"][0]
    assert ev["public"] is True and ev["note"] == "Menunggu alat berat"
    assert _iso(ev["data"]["previous_due_at"]) == _iso(c["due_at"])
    # 73 h later the category's 72 h would have been breached; the EWS keeps it on track
    out = await sweep(db, now + timedelta(hours=73))
    assert out["breached"] == [] and out["at_risk"] == []
    out = await sweep(db, now + timedelta(days=10, hours=1))
    assert [str(b["id"]) for b in out["breached"]] == [c["id"]]


async def test_bad_ews_changes_nothing(client, admin, app_key, officer):
    await h.setup_routing(client, admin)
    c = await h.submit(client, app_key, "Got mampet", location=h.IN_SUKAMAJU)
    url = f"/v1/complaints/{c['id']}/ews"
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    for body in (
        {"ews_at": past},
        {"ews_at": "2026-13-01T00:00:00+07:00"},
        {"ews_at": "2030-03-05T17:00:00"},
        {},
    ):
        r = await client.put(url, json=body, headers={**officer, "If-Match": f'"{c["version"]}"'})
        assert r.status_code == 422, (body, r.text)
    r = await client.put(
        url, json={"ews_at": (datetime.now(UTC) + timedelta(days=3)).isoformat()}, headers=officer
    )
    assert r.status_code == 428, r.text  # no If-Match: no blind overwrite
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    assert (await client.put(url, json={"ews_at": future}, headers=app_key)).status_code == 403
    r = await client.put(url, json={"ews_at": future}, headers={**officer, "If-Match": '"99"'})
    assert r.status_code == 412
    v = await h.full(client, officer, c["id"])
    assert v["ews_at"] is None and v["due_at"] == c["due_at"] and v["version"] == c["version"]
    await transition(client, c["id"], {"status": "rejected"}, officer)
    assert (await put_complaint(client, c["id"], "ews", {"ews_at": future}, officer)).status_code == 409


async def test_the_service_sweeps_by_itself(database_url, settings, client, admin, app_key, db):
    """The lifespan starts the sweeper every ADUAN_SLA_SWEEP_INTERVAL seconds."""
    await h.setup_routing(client, admin)
    old = (datetime.now(UTC) - timedelta(days=10)).isoformat()
    c = await h.submit(client, app_key, "Got mampet", location=h.IN_SUKAMAJU, received_at=old)
    fast = Settings(**{**settings.model_dump(by_alias=True), "ADUAN_SLA_SWEEP_INTERVAL": 0.05})
    app = create_app(fast, database_url=database_url)
    async with app.router.lifespan_context(app):
        for _ in range(100):
            if await db.fetchval("SELECT breached_at FROM complaints WHERE id = $1::uuid", c["id"]):
                break
            await asyncio.sleep(0.05)
    assert await db.fetchval("SELECT sla_state FROM complaints WHERE id = $1::uuid", c["id"]) == "breached"
