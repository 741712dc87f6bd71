"""Intake routes with the routing state every process shares: a change committed by another
process (units, areas, keywords bump ``routing_revision``) is seen by the next intake, and one
that lands between placing a complaint and writing it makes the intake start over, once."""

from __future__ import annotations

import json

from tests.org import helpers as h

SUKAMAJU_UNIT = "kel-31.99.01.1001"

BUMP = (
    "INSERT INTO routing_revision (id, revision, updated_at) VALUES (1, gen_random_uuid(), now()) "
    "ON CONFLICT (id) DO UPDATE SET revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at"
)


async def _close_unit_elsewhere(db, code: str) -> None:  # type: ignore[no-untyped-def]
    """What another process's admin request does: change a unit and bump the revision."""
    async with db.transaction():
        await db.execute("UPDATE units SET active = false WHERE code = $1", code)
        await db.execute(BUMP)


def _race_after_first_placement(monkeypatch, placer, db, unit: str) -> list[str | None]:  # type: ignore[no-untyped-def]
    """Close ``unit`` elsewhere right after the first placement is computed (before its
    transaction writes); answers the unit of every placement made."""
    original = placer.prepare
    placed: list[str | None] = []

    async def prepare_then_race(database, draft):  # type: ignore[no-untyped-def]
        placement = await original(database, draft)
        placed.append(placement["unit_code"])
        if len(placed) == 1:
            await _close_unit_elsewhere(db, unit)
        return placement

    monkeypatch.setattr(placer, "prepare", prepare_then_race)
    return placed


async def test_a_change_made_by_another_process_routes_the_next_complaint(client, admin, app_key, db):
    await h.setup_routing(client, admin)
    first = await h.submit(client, app_key, "Got mampet, air meluap", location=h.IN_SUKAMAJU)
    assert first["unit"] == SUKAMAJU_UNIT
    await _close_unit_elsewhere(db, SUKAMAJU_UNIT)
    # this process has not reloaded yet; the insert sees the new revision and intake starts over
    second = await h.submit(client, app_key, "Got mampet lagi, air meluap", location=h.IN_SUKAMAJU)
    # no kelurahan/kecamatan/kota unit left for Sukamaju: the category's agency takes it
    assert second["unit"] == "sda"
    assert second["category"] == "drainage_flood"


async def test_a_change_between_placing_and_writing_redoes_the_intake(
    client, admin, app_key, db, app, monkeypatch
):
    await h.setup_routing(client, admin)
    await h.submit(client, app_key, "Got mampet", location=h.IN_SUKAMAJU)  # the placer is loaded
    placed = _race_after_first_placement(monkeypatch, app.state.placer, db, SUKAMAJU_UNIT)
    text = "Saluran air tersumbat sampah di gang kami"
    c = await h.submit(client, app_key, text, location=h.IN_SUKAMAJU)
    assert placed == [SUKAMAJU_UNIT, "sda"]  # placed on the old state, then again on the new one
    assert c["unit"] == "sda"
    # the first attempt was rolled back whole: one complaint, one history
    assert await db.fetchval("SELECT count(*) FROM complaints WHERE description = $1", text) == 1
    kinds = await db.fetch(
        "SELECT kind, data->>'to_unit' AS to_unit FROM complaint_events WHERE complaint_id = $1::uuid ORDER BY id",
        c["id"],
    )
    assert [(k["kind"], k["to_unit"]) for k in kinds] == [("created", None), ("routed", "sda")]


async def test_the_same_race_on_a_webhook_delivery(client, admin, db, app, monkeypatch):
    """The channel pipeline runs the same intake: a raced LAPOR! event is written once, and
    its delivery records the outcome of the attempt that landed."""
    from tests.channels.test_cross_channel import _lapor, _post_json

    await h.setup_routing(client, admin)
    placed = _race_after_first_placement(monkeypatch, app.state.placer, db, "bina-marga")
    r = await _post_json(
        client,
        "/v1/channels/lapor/webhook",
        _lapor("evt-race-1", "777100", "Lampu jalan mati di gang kami sejak seminggu"),
        "x-lapor-signature",
        "ADUAN_LAPOR_SECRET",
    )
    assert r.status_code == 201, r.text
    assert placed == ["bina-marga", "triage"]
    rows = await db.fetch("SELECT id, unit_code FROM complaints WHERE channel = 'lapor'")
    assert [row["unit_code"] for row in rows] == ["triage"]
    delivery = await db.fetchrow("SELECT status, outcomes FROM inbound_deliveries WHERE channel = 'lapor'")
    assert delivery["status"] == "processed"
    assert [o["action"] for o in json.loads(delivery["outcomes"])] == ["created"]


async def test_a_reload_rebuilds_the_area_index_only_when_the_areas_changed(client, admin, app_key, app):
    await h.setup_routing(client, admin)
    placer = app.state.placer
    index = placer.index
    assert index is not None and placer.index.lookup(**h.IN_SUKAMAJU).kelurahan_code == h.SUKAMAJU
    # a unit edit reloads the routing state but keeps the grid and gazetteer built before
    r = await client.post(
        "/v1/units",
        json={
            "code": "kec-31.99.01",
            "name": "Kecamatan Cempaka Indah",
            "kind": "kecamatan",
            "area_codes": [h.KEC_CEMPAKA],
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    assert "kec-31.99.01" in placer.units.units and placer.index is index
    # importing the same areas again changes nothing either
    await h.import_areas(client, admin)
    assert placer.index is index
    # a renamed kelurahan is a change: rebuilt, and the new name is what intake records (not the
    # area remembered from the old state)
    before = await h.submit(client, app_key, "Got mampet", location=h.IN_SUKAMAJU)
    assert before["area"]["kelurahan"] == {"code": h.SUKAMAJU, "name": "Sukamaju"}
    r = await client.post(
        "/v1/areas/import",
        content=h.HIERARCHY_CSV.replace("Sukamaju,", "Sukamaju Baru,").encode(),
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    assert placer.index is not index
    c = await h.submit(client, app_key, "Got mampet", location=h.IN_SUKAMAJU)
    assert c["area"]["kelurahan"] == {"code": h.SUKAMAJU, "name": "Sukamaju Baru"}


async def test_an_officer_added_by_another_process_takes_the_next_complaint(client, admin, app_key, db, app):
    """Only units with somebody in the automatic stream call the pick; that knowledge is part of
    the routing state, so an officer added with plain SQL elsewhere (no explicit revision bump:
    the officers table's trigger does it) takes the very next complaint of their unit."""
    await h.setup_routing(client, admin)
    first = await h.submit(client, app_key, "Got mampet, air meluap", location=h.IN_SUKAMAJU)
    assert first["unit"] == SUKAMAJU_UNIT and first["assignee"] is None
    assert SUKAMAJU_UNIT not in app.state.placer.staffed
    officer_id = await db.fetchval(
        "INSERT INTO officers (name, unit_code, role, capacity) VALUES ('Rina', $1, 'officer', 5) RETURNING id",
        SUKAMAJU_UNIT,
    )
    second = await h.submit(client, app_key, "Got mampet lagi, air meluap", location=h.IN_SUKAMAJU)
    assert second["unit"] == SUKAMAJU_UNIT and second["assignee"] == str(officer_id)
    assert SUKAMAJU_UNIT in app.state.placer.staffed
    # out of the automatic stream again (a supervisor now): seen as well
    await db.execute("UPDATE officers SET role = 'supervisor' WHERE id = $1", officer_id)
    third = await h.submit(client, app_key, "Got mampet terus, air meluap", location=h.IN_SUKAMAJU)
    assert third["unit"] == SUKAMAJU_UNIT and third["assignee"] is None
    assert SUKAMAJU_UNIT not in app.state.placer.staffed


async def test_officer_changes_that_staff_a_unit_bump_the_revision_and_others_do_not(client, admin, db):
    await h.setup_routing(client, admin)
    revision = "SELECT revision FROM routing_revision WHERE id = 1"
    seen = [await db.fetchval(revision)]

    async def bumped(sql: str, *args) -> bool:  # type: ignore[no-untyped-def]
        await db.execute(sql, *args)
        seen.append(await db.fetchval(revision))
        return seen[-1] != seen[-2]

    insert = "INSERT INTO officers (name, unit_code, role, capacity) VALUES ('Rina', $1, 'officer', 5)"
    assert await bumped(insert, SUKAMAJU_UNIT)
    assert await bumped("UPDATE officers SET unit_code = $1", "kel-31.99.01.1002")
    assert await bumped("UPDATE officers SET active = false")
    assert await bumped("UPDATE officers SET role = 'officer', active = true")
    # what the pick reads for itself at the time of the pick needs no new state
    assert not await bumped(
        "UPDATE officers SET capacity = 9, area_codes = '{31.99}', categories = '{roads}'"
    )
    assert not await bumped("UPDATE officers SET last_assigned_at = now()")
    assert await bumped("DELETE FROM officers")
