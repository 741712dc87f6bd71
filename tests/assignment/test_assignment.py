"""Assignment: automatic on entering a unit (balanced, round robin, never over capacity, safe under
concurrency), manual, hand-overs on coordination/dispatch, queues, list filters, public tracking."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest

from app.complaints import lifecycle
from tests.helpers import patch, put_complaint, transition
from tests.org import helpers as h

SUKAMAJU_UNIT = "kel-31.99.01.1001"
SUKAJAYA_UNIT = "kel-31.99.01.1002"


async def _officers(client, admin, unit, n, **extra):
    return [
        await h.create_officer(client, admin, unit, f"Petugas {unit[-4:]} {i + 1}", **extra) for i in range(n)
    ]


def _events(view, kind):
    return [e for e in view["events"] if e["kind"] == kind]


async def test_auto_assignment_balances_and_round_robins(client, admin, app_key, officer):
    await h.setup_routing(client, admin)
    a, b, c = await _officers(client, admin, SUKAMAJU_UNIT, 3)
    got = []
    for i in range(7):
        comp = await h.submit(client, app_key, f"Got mampet nomor {i}", location=h.IN_SUKAMAJU)
        assert comp["version"] == 1  # assignment on intake is part of the creation
        got.append(comp["assignee"])
    # fewest open first, least recently assigned on ties: a strict rotation
    ids = [a["id"], b["id"], c["id"]]
    assert got[:3] != [None] * 3 and sorted(got[:3]) == sorted(ids)
    assert got[3:6] == got[:3] and got[6] == got[0]
    view = await h.full(client, officer, got and comp["id"])
    assigned = _events(view, "assigned")
    assert len(assigned) == 1 and assigned[0]["public"] is False
    assert assigned[0]["data"]["mode"] == "auto" and assigned[0]["data"]["officer_id"] == got[6]
    routed = _events(view, "routed")
    assert routed[0]["public"] is True and routed[0]["data"]["to_unit"] == SUKAMAJU_UNIT
    assert (
        routed[0]["data"]["to_unit_name"] == "Kelurahan Sukamaju" and routed[0]["data"]["from_unit"] is None
    )
    # the routed event precedes the assignment in the history
    assert [e["kind"] for e in view["events"]] == ["created", "routed", "assigned"]


async def test_coverage_capacity_and_inactive_officers(client, admin, app_key):
    await h.setup_routing(client, admin)
    roads_only = await h.create_officer(client, admin, SUKAMAJU_UNIT, "Khusus Jalan", categories=["roads"])
    other_area = await h.create_officer(
        client, admin, SUKAMAJU_UNIT, "Wilayah Lain", area_codes=[h.MEKARSARI]
    )
    await h.create_officer(client, admin, SUKAMAJU_UNIT, "Nonaktif", active=False)
    # supervisors take escalations and manual assignments, not the automatic stream
    await h.create_officer(client, admin, SUKAMAJU_UNIT, "Pak Lurah", role="supervisor", capacity=50)
    full_one = await h.create_officer(client, admin, SUKAMAJU_UNIT, "Penuh", capacity=1)
    kecamatan_wide = await h.create_officer(
        client, admin, SUKAMAJU_UNIT, "Sekecamatan", area_codes=[h.KEC_CEMPAKA], capacity=2
    )
    flood = [await h.submit(client, app_key, f"Got mampet {i}", location=h.IN_SUKAMAJU) for i in range(4)]
    # only "Penuh" (cap 1) and "Sekecamatan" (cap 2) cover floods in Sukamaju; the fourth waits in the queue
    assert Counter(c["assignee"] for c in flood) == {full_one["id"]: 1, kecamatan_wide["id"]: 2, None: 1}
    road = await h.submit(client, app_key, "Jalan berlubang dalam", location=h.IN_SUKAMAJU)
    assert road["assignee"] == roads_only["id"]
    assert other_area["id"] not in {c["assignee"] for c in flood}


async def test_nobody_available_leaves_it_in_the_unit_queue(client, admin, app_key, officer):
    await h.setup_routing(client, admin)
    c = await h.submit(client, app_key, "Got mampet", location=h.IN_SUKAMAJU)
    assert c["unit"] == SUKAMAJU_UNIT and c["assignee"] is None
    q = (
        await client.get(f"/v1/units/{SUKAMAJU_UNIT}/queue", params={"unassigned": "true"}, headers=officer)
    ).json()
    assert [x["id"] for x in q["items"]] == [c["id"]]
    view = await h.full(client, officer, c["id"])
    assert [e["kind"] for e in view["events"]] == ["created", "routed"]


async def _concurrent(client, app_key, n, *, in_transaction=False):
    """n simultaneous intakes into Sukamaju. Without a reporter each insert is its own
    transaction (the unit's lock ends with the statement); ``in_transaction``: each carries a
    reporter and an Idempotency-Key, so the insert runs inside BEGIN ... COMMIT and the lock
    is held until the commit."""

    async def one(i):
        body = {"description": f"Got mampet, air meluap ke jalan (laporan {i})", "location": h.IN_SUKAMAJU}
        headers = app_key
        if in_transaction:
            body["reporter"] = {"name": f"Warga {i}", "phone": f"0812{i:08d}"}
            headers = {**app_key, "Idempotency-Key": f"concurrent-{i}"}
        r = await client.post("/v1/complaints", json=body, headers=headers)
        assert r.status_code == 201, r.text
        return r.json()

    return await asyncio.gather(*(one(i) for i in range(n)))


async def test_sixty_simultaneous_intakes_stay_balanced_under_capacity(client, admin, app_key, db):
    await h.setup_routing(client, admin)
    team = await _officers(client, admin, SUKAMAJU_UNIT, 4, capacity=20)
    created = await _concurrent(client, app_key, 60)
    answered = Counter(c["assignee"] for c in created)
    loads = dict(
        await db.fetch(
            "SELECT o.name, count(c.id) FROM officers o LEFT JOIN complaints c ON c.assignee_id = o.id "
            "GROUP BY o.name ORDER BY o.name"
        )
    )
    print(f"\n60 concurrent intakes, 4 officers x capacity 20: loads {loads}")
    assert sum(loads.values()) == 60 and None not in answered
    assert max(loads.values()) <= 20
    assert max(loads.values()) - min(loads.values()) <= 1
    assert sorted(answered.values()) == sorted(loads.values())
    assert set(answered) == {o["id"] for o in team}
    # one assigned event per complaint, none lost, none doubled
    assert await db.fetchval("SELECT count(*) FROM complaint_events WHERE kind = 'assigned'") == 60


@pytest.mark.parametrize("in_transaction", [False, True], ids=["one-statement", "in-transaction"])
async def test_sixty_simultaneous_intakes_never_exceed_capacity(client, admin, app_key, db, in_transaction):
    await h.setup_routing(client, admin)
    await _officers(client, admin, SUKAMAJU_UNIT, 3, capacity=10)
    created = await _concurrent(client, app_key, 60, in_transaction=in_transaction)
    loads = dict(
        await db.fetch(
            "SELECT o.name, count(c.id) FROM officers o LEFT JOIN complaints c ON c.assignee_id = o.id GROUP BY o.name"
        )
    )
    waiting = sum(1 for c in created if c["assignee"] is None)
    print(
        f"\n60 concurrent intakes, 3 officers x capacity 10: loads {loads}, {waiting} left in the unit queue"
    )
    assert sorted(loads.values()) == [10, 10, 10]
    assert waiting == 30
    assert await db.fetchval("SELECT count(*) FROM complaints WHERE unit_code = $1", SUKAMAJU_UNIT) == 60


async def test_manual_assignment_to_an_officer(client, admin, app_key, officer, db):
    await h.setup_routing(client, admin)
    a = await h.create_officer(client, admin, SUKAMAJU_UNIT, "Siti", capacity=1)
    b = await h.create_officer(client, admin, SUKAMAJU_UNIT, "Agus", capacity=1)
    stranger = await h.create_officer(client, admin, SUKAJAYA_UNIT, "Dewi")
    first = await h.submit(client, app_key, "Got mampet 1", location=h.IN_SUKAMAJU)
    second = await h.submit(client, app_key, "Got mampet 2", location=h.IN_SUKAMAJU)
    assert {first["assignee"], second["assignee"]} == {a["id"], b["id"]}
    third = await h.submit(client, app_key, "Got mampet 3", location=h.IN_SUKAMAJU)
    assert third["assignee"] is None  # both at capacity
    version = third["version"]

    async def put(body):
        return await put_complaint(client, third["id"], "assignment", body, officer)

    r = await put({"officer_id": a["id"]})
    assert r.status_code == 409 and "capacity" in r.json()["detail"]
    assert r.json()["open_assignments"] == 1 and r.json()["capacity"] == 1
    r = await put({"officer_id": stranger["id"]})
    assert r.status_code == 409 and r.json()["responsible_unit"] == SUKAMAJU_UNIT
    r = await put({"officer_id": str(uuid.uuid4())})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "officer_id"
    r = await put({"officer_id": a["id"], "unit": SUKAMAJU_UNIT})
    assert r.status_code == 422
    r = await put({})
    assert r.status_code == 422
    after = await h.full(client, officer, third["id"])
    assert after["assignee"] is None and after["version"] == version  # nothing changed

    # the officer frees a slot by closing a complaint; then the manual assignment works
    done = first if first["assignee"] == a["id"] else second
    assert (await transition(client, done["id"], {"status": "rejected"}, officer)).status_code == 200
    r = await put({"officer_id": a["id"], "note": "Dekat lokasi"})
    assert r.status_code == 200, r.text
    assert r.json()["assignee"] == a["id"] and r.json()["version"] == version + 1
    # reassignment keeps the history
    r = await patch(client, f"/v1/officers/{b['id']}", {"capacity": 5}, admin)
    r = await put({"officer_id": b["id"]})
    assert r.status_code == 200 and r.json()["assignee"] == b["id"]
    trail = [
        (e["data"]["officer_id"], e["data"]["previous_officer_id"], e["data"]["mode"])
        for e in _events(r.json(), "assigned")
    ]
    assert trail == [(a["id"], None, "manual"), (b["id"], a["id"], "manual")]
    assert all(e["public"] is False for e in _events(r.json(), "assigned"))
    assert _events(r.json(), "assigned")[0]["note"] == "Dekat lokasi"


async def test_manual_hand_over_to_a_unit_auto_assigns_there(client, admin, app_key, officer):
    await h.setup_routing(client, admin)
    first = await h.create_officer(client, admin, SUKAMAJU_UNIT, "Siti")
    sudin = await h.create_officer(client, admin, "sudin-sda-31.99", "Yusuf")
    c = await h.submit(client, app_key, "Got mampet parah", location=h.IN_SUKAMAJU)
    assert c["assignee"] == first["id"]
    r = await put_complaint(client, c["id"], "assignment", {"unit": "sudin-sda-31.99"}, officer)
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["unit"] == "sudin-sda-31.99" and v["assignee"] == sudin["id"]
    routed = _events(v, "routed")[-1]
    assert (
        routed["data"]["from_unit"] == SUKAMAJU_UNIT
        and routed["data"]["from_unit_name"] == "Kelurahan Sukamaju"
    )
    assert (
        routed["data"]["to_unit_name"] == "Suku Dinas SDA Kota Uji"
        and routed["data"]["previous_officer_id"] == first["id"]
    )
    assert routed["data"]["rule"] == "manual"
    r = await put_complaint(client, c["id"], "assignment", {"unit": "tidak-ada"}, officer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit"
    assert (
        await put_complaint(client, str(uuid.uuid4()), "assignment", {"unit": "sda"}, officer)
    ).status_code == 404
    assert (await put_complaint(client, c["id"], "assignment", {"unit": "sda"}, app_key)).status_code == 403


async def test_coordination_and_dispatch_hand_over_with_events(client, admin, app_key, officer):
    await h.setup_routing(client, admin)
    kel = await h.create_officer(client, admin, SUKAMAJU_UNIT, "Siti")
    opd = await h.create_officer(client, admin, "sda", "Rudi")
    sub = await h.create_officer(client, admin, "sudin-sda-31.99", "Yusuf")
    c = await h.submit(client, app_key, "Got mampet, banjir tiap hujan", location=h.IN_SUKAMAJU)
    assert (c["unit"], c["assignee"]) == (SUKAMAJU_UNIT, kel["id"])
    r = await transition(client, c["id"], {"status": "coordination"}, officer)
    assert r.status_code == 200, r.text
    v = await h.full(client, officer, c["id"])
    assert (v["unit"], v["assignee"]) == ("sda", opd["id"])
    assert v["version"] == r.json()["version"]  # the transition's ETag stays valid
    r = await client.post(
        f"/v1/complaints/{c['id']}/transitions",
        json={"status": "dispatched"},
        headers={**officer, "If-Match": f'"{v["version"]}"'},
    )
    assert r.status_code == 200, r.text
    v = await h.full(client, officer, c["id"])
    assert (v["unit"], v["assignee"]) == ("sudin-sda-31.99", sub["id"])
    hops = [
        (e["data"]["from_unit"], e["data"]["to_unit"], e["data"]["trigger"]) for e in _events(v, "routed")
    ]
    assert hops == [(None, SUKAMAJU_UNIT, "created"), (SUKAMAJU_UNIT, "sda", "coordination"),
                    ("sda", "sudin-sda-31.99", "dispatched")]  # fmt: skip
    names = [(e["data"]["from_unit_name"], e["data"]["to_unit_name"]) for e in _events(v, "routed")][1:]
    assert names == [
        ("Kelurahan Sukamaju", "Dinas Sumber Daya Air"),
        ("Dinas Sumber Daya Air", "Suku Dinas SDA Kota Uji"),
    ]
    # the public page shows the unit's name and the hand-overs, never the officer
    t = (await client.get(f"/v1/track/{c['ticket']}")).json()
    assert t["unit"] == "Suku Dinas SDA Kota Uji"
    assert [e["note"] for e in t["timeline"] if e["kind"] == "routed"] == [
        "Diteruskan ke Kelurahan Sukamaju", "Diteruskan ke Dinas Sumber Daya Air", "Diteruskan ke Suku Dinas SDA Kota Uji",
    ]  # fmt: skip
    assert "Yusuf" not in str(t)
    # queues follow the complaint
    assert [
        x["id"]
        for x in (await client.get(f"/v1/officers/{sub['id']}/queue", headers=officer)).json()["items"]
    ] == [c["id"]]
    assert (await client.get(f"/v1/officers/{kel['id']}/queue", headers=officer)).json()["items"] == []


async def test_queues_are_oldest_due_first_and_paginate(client, admin, app_key, officer):
    await h.setup_routing(client, admin)
    o = await h.create_officer(client, admin, SUKAMAJU_UNIT, "Siti")
    # drainage is due in 72 h, roads in 168 h, fire hazards in 24 h: the queue orders by deadline
    road = await h.submit(client, app_key, "Jalan berlubang", location=h.IN_SUKAMAJU)
    flood = await h.submit(client, app_key, "Got mampet", location=h.IN_SUKAMAJU)
    fire = await h.submit(
        client,
        app_key,
        "Kabel listrik terbakar, bahaya kebakaran",
        location=h.IN_SUKAMAJU,
        category="fire_hazard",
    )
    closed = await h.submit(client, app_key, "Got mampet lagi", location=h.IN_SUKAMAJU)
    await transition(client, closed["id"], {"status": "rejected"}, officer)
    pages, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await client.get(f"/v1/officers/{o['id']}/queue", params=params, headers=officer)
        assert r.status_code == 200, r.text
        pages.append([x["id"] for x in r.json()["items"]])
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert pages == [[fire["id"], flood["id"]], [road["id"]]]
    unit_q = (await client.get(f"/v1/units/{SUKAMAJU_UNIT}/queue", headers=officer)).json()["items"]
    assert [x["id"] for x in unit_q] == [fire["id"], flood["id"], road["id"]]
    assert (await client.get("/v1/units/nope/queue", headers=officer)).status_code == 404
    assert (await client.get(f"/v1/officers/{uuid.uuid4()}/queue", headers=officer)).status_code == 404
    assert (
        await client.get(f"/v1/officers/{o['id']}/queue", params={"cursor": "zz"}, headers=officer)
    ).status_code == 422


async def test_list_filters_by_area_unit_assignee_and_unassigned(client, admin, app_key, officer):
    await h.setup_routing(client, admin)
    o = await h.create_officer(client, admin, SUKAMAJU_UNIT, "Siti")
    in_maju = await h.submit(client, app_key, "Got mampet", location=h.IN_SUKAMAJU)
    in_jaya = await h.submit(client, app_key, "Got mampet", location=h.IN_SUKAJAYA)  # no officer there
    in_mekar = await h.submit(client, app_key, "Got mampet", location=h.IN_MEKARSARI)
    nowhere = await h.submit(client, app_key, "Mohon bantuannya")

    async def ids(**params):
        r = await client.get("/v1/complaints", params=params, headers=officer)
        assert r.status_code == 200, r.text
        return {x["id"] for x in r.json()["items"]}

    assert await ids(area=h.SUKAMAJU) == {in_maju["id"]}
    assert await ids(area=h.KEC_CEMPAKA) == {in_maju["id"], in_jaya["id"]}
    assert await ids(area=h.KOTA) == {in_maju["id"], in_jaya["id"], in_mekar["id"]}
    assert await ids(unit="triage") == {nowhere["id"]}
    assert await ids(unit=SUKAJAYA_UNIT) == {in_jaya["id"]}
    assert await ids(assignee=o["id"]) == {in_maju["id"]}
    assert await ids(unassigned="true") == {in_jaya["id"], in_mekar["id"], nowhere["id"]}
    assert await ids(unassigned="false") == {in_maju["id"]}
    assert await ids(sla_state="on_track") == {in_maju["id"], in_jaya["id"], in_mekar["id"], nowhere["id"]}


async def _kept_loads(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Every officer's kept load (``officers.open_assignments``, what the pick reads) must equal
    the count of their open complaints; answers the loads."""
    rows = await db.fetch(
        "SELECT o.id::text AS id, o.open_assignments AS kept, (SELECT count(*) FROM complaints c "
        "WHERE c.assignee_id = o.id AND c.status = ANY($1::text[])) AS counted FROM officers o ORDER BY o.id",
        lifecycle.OPEN_LIST,
    )
    assert [(r["id"], r["kept"]) for r in rows] == [(r["id"], r["counted"]) for r in rows]
    return {r["id"]: r["kept"] for r in rows}


async def test_kept_loads_follow_every_change_of_assignee_and_status(client, admin, app_key, officer, db):
    await h.setup_routing(client, admin)
    a, b = await _officers(client, admin, SUKAMAJU_UNIT, 2, capacity=10)
    s = await h.create_officer(client, admin, "sda", "Sari", capacity=10)
    cs = [
        await h.submit(client, app_key, f"Got mampet {i}, air meluap", location=h.IN_SUKAMAJU)
        for i in range(6)
    ]
    loads = await _kept_loads(db)
    assert (loads[a["id"]], loads[b["id"]], loads[s["id"]]) == (3, 3, 0)

    async def ok(response):  # type: ignore[no-untyped-def]
        r = await response
        assert r.status_code == 200, r.text
        return await _kept_loads(db)

    mine = [c for c in cs if c["assignee"] == a["id"]]
    # manual reassignment: one moves from a to b
    loads = await ok(put_complaint(client, mine[0]["id"], "assignment", {"officer_id": b["id"]}, officer))
    assert (loads[a["id"]], loads[b["id"]]) == (2, 4)
    # open to open: no change; closing: one less
    loads = await ok(transition(client, mine[1]["id"], {"status": "in_progress"}, officer))
    assert loads[a["id"]] == 2
    loads = await ok(transition(client, mine[1]["id"], {"status": "rejected"}, officer))
    assert loads[a["id"]] == 1
    # a hand-over to another unit: its officer takes it, the old one is relieved
    loads = await ok(put_complaint(client, mine[2]["id"], "assignment", {"unit": "sda"}, officer))
    assert (loads[a["id"]], loads[s["id"]]) == (0, 1)
    # every status, set directly: a complaint counts for its assignee exactly while it is open
    target = mine[0]["id"]
    for status in lifecycle.STATUSES:
        await db.execute("UPDATE complaints SET status = $2 WHERE id = $1::uuid", target, status)
        loads = await _kept_loads(db)
        assert loads[b["id"]] == (4 if status in lifecycle.OPEN_STATUSES else 3), status
    await db.execute("UPDATE complaints SET status = 'received' WHERE id = $1::uuid", target)
    # unassigned and deleted by hand: both counted out
    await db.execute("UPDATE complaints SET assignee_id = NULL WHERE id = $1::uuid", target)
    assert (await _kept_loads(db))[b["id"]] == 3
    other = next(c for c in cs if c["assignee"] == b["id"])
    await db.execute("DELETE FROM complaints WHERE id = $1::uuid", other["id"])
    assert (await _kept_loads(db))[b["id"]] == 2


async def test_a_full_unit_assigns_again_once_an_officer_has_room(client, admin, app_key, officer):
    """The insert calls the pick only when some officer of the unit has room: a full unit's
    complaints wait, and the first one after an officer closes a complaint is assigned."""
    await h.setup_routing(client, admin)
    only = await h.create_officer(client, admin, SUKAMAJU_UNIT, "Satu-satunya", capacity=2)
    first = [await h.submit(client, app_key, f"Got mampet {i}", location=h.IN_SUKAMAJU) for i in range(3)]
    assert [c["assignee"] for c in first] == [only["id"], only["id"], None]
    waiting = await h.submit(client, app_key, "Got mampet lagi", location=h.IN_SUKAMAJU)
    assert waiting["assignee"] is None and waiting["unit"] == SUKAMAJU_UNIT
    r = await transition(client, first[0]["id"], {"status": "rejected"}, officer)
    assert r.status_code == 200, r.text
    after = await h.submit(client, app_key, "Got mampet di gang sebelah", location=h.IN_SUKAMAJU)
    assert after["assignee"] == only["id"]
    view = await h.full(client, officer, after["id"])
    assert [e["kind"] for e in view["events"]] == ["created", "routed", "assigned"]
    # full again: the next one waits
    again = await h.submit(client, app_key, "Got mampet sekali lagi", location=h.IN_SUKAMAJU)
    assert again["assignee"] is None
