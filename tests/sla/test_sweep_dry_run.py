"""``sweep(conn, now, dry_run=True)``: the answer of a real sweep, and the database as it was,
alone or inside the caller's transaction."""

from __future__ import annotations

from datetime import timedelta

from app.sla.sweeper import sweep
from tests.org import helpers as h
from tests.sla.test_sweeper import T0, UNIT, at


async def _state(db):  # type: ignore[no-untyped-def]
    complaints = await db.fetch(
        "SELECT id, sla_state, breached_at, flags, version FROM complaints ORDER BY id"
    )
    events = await db.fetchval("SELECT count(*) FROM complaint_events")
    return [tuple(r) for r in complaints], events


async def test_dry_run_answers_what_a_sweep_would_do_and_writes_nothing(client, admin, app_key, db):
    await h.setup_routing(client, admin)
    lurah = await h.create_officer(client, admin, UNIT, "Pak Lurah", role="supervisor", capacity=0)
    breach = await h.submit(client, app_key, "Got mampet", location=h.IN_SUKAMAJU, received_at=T0.isoformat())
    risk = await h.submit(
        client,
        app_key,
        "Got mampet lagi",
        location=h.IN_SUKAMAJU,
        received_at=(T0 + timedelta(hours=1)).isoformat(),
    )
    before = await _state(db)

    dry = await sweep(db, at(hours=6, minutes=1), dry_run=True)
    assert [(str(b["id"]), b["clock"]) for b in dry["breached"]] == [(breach["id"], "first_response")]
    assert str(dry["breached"][0]["escalated_to"]["officer_id"]) == lurah["id"]
    assert [str(x) for x in dry["at_risk"]] == [risk["id"]]
    assert await _state(db) == before

    # inside the caller's transaction: a savepoint rolled back, the caller's own work kept
    async with db.transaction():
        await db.execute("UPDATE complaints SET flags = flags || ARRAY['mine'] WHERE id = $1", risk["id"])
        again = await sweep(db, at(hours=6, minutes=1), dry_run=True)
        assert [str(b["id"]) for b in again["breached"]] == [breach["id"]]
        assert await db.fetchval("SELECT count(*) FROM complaints WHERE breached_at IS NOT NULL") == 0
    assert "mine" in await db.fetchval("SELECT flags FROM complaints WHERE id = $1", risk["id"])

    # and the real sweep then does what the dry run said
    real = await sweep(db, at(hours=6, minutes=1))
    assert [str(b["id"]) for b in real["breached"]] == [breach["id"]]
    assert [str(x) for x in real["at_risk"]] == [risk["id"]]
