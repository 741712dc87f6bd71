"""The authorization matrix, walked through HTTP: role x unit x ownership x privacy x endpoint.

A small city: kecamatan office ``kec-p`` with kelurahan ``kel-a`` below it, and ``kel-b`` beside
them. Officers of kel-a and kel-b, a supervisor of kec-p and one of kel-b, two app keys, a partner,
a city-wide desk key, an admin. Five complaints: public, secret and anonymous ones in kel-a (by
app1), public and secret ones in kel-b (by app2). Each key must see exactly what app.auth.policy
says, on every path that shows complaints: one complaint, the list, the queues; and change only
what it may.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.helpers import transition

UNITS = [
    {"code": "kec-p", "name": "Kecamatan Uji", "kind": "kecamatan"},
    {"code": "kel-a", "name": "Kelurahan A", "kind": "kelurahan", "parent": "kec-p"},
    {"code": "kel-b", "name": "Kelurahan B", "kind": "kelurahan"},
]
COMPLAINTS = {
    # name: (privacy, unit, submitter)
    "pub_a": ("public", "kel-a", "app1"),
    "sec_a": ("secret", "kel-a", "app1"),
    "anon_a": ("anonymous", "kel-a", "app1"),
    "pub_b": ("public", "kel-b", "app2"),
    "sec_b": ("secret", "kel-b", "app2"),
}
# who reads which complaint (everything else: 404, exactly like an unknown id)
READS = {
    "admin": {"pub_a", "sec_a", "anon_a", "pub_b", "sec_b"},
    "app1": {"pub_a", "sec_a", "anon_a"},
    "app2": {"pub_b", "sec_b"},
    "partner": set(),
    "officer_a": {"pub_a", "sec_a", "anon_a"},
    "officer_b": {"pub_b", "sec_b"},
    "sup_p": {"pub_a", "sec_a", "anon_a"},  # kec-p and kel-a below it, secrets of both
    "sup_b": {"pub_b", "sec_b"},
    "desk": {"pub_a", "anon_a", "pub_b"},  # city-wide, but no secret it does not handle
}
# who sees the reporter record in the complaint's answer
REPORTER = {
    "admin": {"pub_a", "sec_a", "anon_a", "pub_b", "sec_b"},
    "officer_a": {"pub_a", "sec_a"},  # an anonymous reporter: admins only
    "officer_b": {"pub_b", "sec_b"},
    "sup_p": {"pub_a", "sec_a"},
    "sup_b": {"pub_b", "sec_b"},
    "desk": {"pub_a", "pub_b"},
}


@dataclass
class City:
    keys: dict[str, dict[str, str]]
    ids: dict[str, str]
    officers: dict[str, str]


@pytest.fixture
async def city(client, admin, make_key, db) -> City:
    for unit in UNITS:
        r = await client.post("/v1/units", json=unit, headers=admin)
        assert r.status_code == 201, r.text
    keys = {"admin": admin}
    officers = {}
    for name, unit, role in (
        ("officer_a", "kel-a", "officer"),
        ("officer_b", "kel-b", "officer"),
        ("sup_p", "kec-p", "supervisor"),
        ("sup_b", "kel-b", "supervisor"),
    ):
        r = await client.post(
            "/v1/officers",
            json={"name": name, "unit": unit, "role": role, "capacity": 0, "api_key": True},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        keys[name] = {"Authorization": f"Bearer {r.json()['api_key']}"}
        officers[name] = r.json()["id"]
    keys["app1"] = await make_key("app", "app-1")
    keys["app2"] = await make_key("app", "app-2")
    keys["partner"] = await make_key("partner", "partner-1")
    keys["desk"] = await make_key("officer", "desk-balai-kota")
    ids = {}
    for name, (privacy, unit, submitter) in COMPLAINTS.items():
        r = await client.post(
            "/v1/complaints",
            json={
                "description": f"Keluhan {name}: jalan rusak di depan rumah",
                "privacy": privacy,
                "reporter": {"name": f"Warga {name}", "phone": f"0812 3456 70{len(ids):02d}"},
            },
            headers=keys[submitter],
        )
        assert r.status_code == 201, r.text
        ids[name] = r.json()["id"]
        # placed in its unit, as routing would (the matrix is about who sees a unit's work)
        await db.execute(
            "UPDATE complaints SET unit_code = $1, assignee_id = NULL WHERE id = $2::uuid", unit, ids[name]
        )
        await client.post(
            f"/v1/complaints/{ids[name]}/comments",
            json={"note": f"catatan internal {name}", "public": False},
            headers=admin,
        )
    return City(keys, ids, officers)


@pytest.mark.parametrize("who", sorted(READS))
async def test_one_complaint_per_role(client, city, who):
    for name, cid in city.ids.items():
        r = await client.get(f"/v1/complaints/{cid}", headers=city.keys[who])
        if name not in READS[who]:
            assert r.status_code == 404, (who, name, r.status_code)
            assert r.json()["title"] == "Complaint not found"  # the same answer as an unknown id
            continue
        assert r.status_code == 200, (who, name, r.text)
        view = r.json()
        if name in REPORTER.get(who, set()):
            assert view["reporter"]["name"] == f"Warga {name}", (who, name)
        else:
            assert view["reporter"] is None, (who, name)
            assert f"Warga {name}" not in r.text
        internal = [e for e in view["events"] if not e["public"]]
        if who in ("app1", "app2", "partner"):
            assert internal == [] and "catatan internal" not in r.text, (who, name)
        else:
            assert any(e["note"] == f"catatan internal {name}" for e in internal), (who, name)


@pytest.mark.parametrize("who", sorted(READS))
async def test_the_list_shows_exactly_what_one_may_read(client, city, who):
    r = await client.get("/v1/complaints", params={"limit": 100}, headers=city.keys[who])
    assert r.status_code == 200, r.text
    listed = {i["id"] for i in r.json()["items"]}
    assert listed == {city.ids[n] for n in READS[who]}, who
    for privacy in ("secret", "anonymous", "public"):
        r = await client.get("/v1/complaints", params={"privacy": privacy}, headers=city.keys[who])
        assert {i["id"] for i in r.json()["items"]} == {
            city.ids[n] for n in READS[who] if COMPLAINTS[n][0] == privacy
        }


@pytest.mark.parametrize(
    ("who", "unit", "status", "seen"),
    [
        ("officer_a", "kel-a", 200, {"pub_a", "sec_a", "anon_a"}),
        ("officer_a", "kel-b", 403, None),
        ("officer_b", "kel-a", 403, None),
        ("sup_p", "kel-a", 200, {"pub_a", "sec_a", "anon_a"}),
        ("sup_p", "kel-b", 403, None),
        ("sup_b", "kel-b", 200, {"pub_b", "sec_b"}),
        ("desk", "kel-a", 200, {"pub_a", "anon_a"}),  # no secret of another unit
        ("desk", "kel-b", 200, {"pub_b"}),
        ("admin", "kel-b", 200, {"pub_b", "sec_b"}),
        ("app1", "kel-a", 403, None),
        ("partner", "kel-a", 403, None),
    ],
)
async def test_unit_queues(client, city, who, unit, status, seen):
    r = await client.get(f"/v1/units/{unit}/queue", headers=city.keys[who])
    assert r.status_code == status, r.text
    if seen is not None:
        assert {i["id"] for i in r.json()["items"]} == {city.ids[n] for n in seen}


async def test_officer_queues_keep_secrets_in_their_unit(client, city, db):
    # a secret complaint of kel-b assigned to officer_b: their queue
    await db.execute(
        "UPDATE complaints SET assignee_id = $1::uuid WHERE id = $2::uuid",
        city.officers["officer_b"],
        city.ids["sec_b"],
    )
    url = f"/v1/officers/{city.officers['officer_b']}/queue"
    mine = await client.get(url, headers=city.keys["officer_b"])
    assert [i["id"] for i in mine.json()["items"]] == [city.ids["sec_b"]]
    assert (await client.get(url, headers=city.keys["sup_b"])).json()["items"][0]["id"] == city.ids["sec_b"]
    assert (await client.get(url, headers=city.keys["officer_a"])).status_code == 403
    assert (await client.get(url, headers=city.keys["desk"])).json()["items"] == []  # city-wide: no secrets


@pytest.mark.parametrize(
    ("who", "target", "expected"),
    [
        ("app2", "pub_a", 404),  # not theirs: as if it did not exist
        ("app1", "pub_a", 409),  # theirs, but an app only reopens a resolved complaint
        ("officer_b", "pub_a", 404),
        ("officer_b", "sec_a", 404),
        ("desk", "sec_a", 404),
        ("officer_a", "sec_a", 200),
        ("sup_p", "anon_a", 200),
        ("partner", "pub_a", 403),  # partners do not move complaints
    ],
)
async def test_transitions(client, city, who, target, expected):
    r = await transition(client, city.ids[target], {"status": "in_progress"}, city.keys[who])
    if expected == 404:
        # the version read fails too; send one anyway: the answer must not reveal the complaint
        r = await client.post(
            f"/v1/complaints/{city.ids[target]}/transitions",
            json={"status": "in_progress"},
            headers={**city.keys[who], "If-Match": '"2"'},
        )
    assert r.status_code == expected, r.text
    if expected == 200:
        assert r.json()["status"] == "in_progress"
        if COMPLAINTS[target][0] == "anonymous":
            assert r.json()["reporter"] is None


async def test_an_app_reopens_its_own_and_sees_no_reporter(client, city, admin):
    cid = city.ids["anon_a"]
    for s in ("in_progress", "pending_validation", "resolved"):
        assert (await transition(client, cid, {"status": s}, admin)).status_code == 200
    stranger = await transition(client, cid, {"status": "in_progress"}, city.keys["app2"])
    assert stranger.status_code == 404
    r = await transition(client, cid, {"status": "in_progress", "note": "Masih rusak"}, city.keys["app1"])
    assert r.status_code == 200, r.text
    assert r.json()["reporter"] is None and "Warga" not in r.text
    assert r.json()["events"][-1]["kind"] == "reopened"


@pytest.mark.parametrize(
    ("who", "target", "expected"),
    [
        ("officer_b", "pub_a", 404),
        ("officer_a", "pub_a", 201),
        ("app1", "pub_a", 403),
        ("desk", "sec_b", 404),
    ],
)
async def test_comments(client, city, who, target, expected):
    r = await client.post(
        f"/v1/complaints/{city.ids[target]}/comments", json={"note": "dicek"}, headers=city.keys[who]
    )
    assert r.status_code == expected, r.text


async def test_assignment_and_ews_stay_inside_what_one_may_read(client, city):
    cid = city.ids["sec_b"]
    for who in ("officer_a", "desk", "sup_p"):
        for what, body in (
            ("assignment", {"unit": "kel-a"}),
            ("ews", {"ews_at": "2030-01-01T00:00:00+07:00"}),
        ):
            r = await client.put(
                f"/v1/complaints/{cid}/{what}", json=body, headers={**city.keys[who], "If-Match": '"2"'}
            )
            assert r.status_code == 404, (who, what, r.text)


async def test_supervisors_manage_only_their_part_of_the_tree(client, city):
    sup = city.keys["sup_p"]
    # units: inside (kel-a) yes, beside (kel-b) no; a new unit lands below their own
    got = await client.get("/v1/units/kel-a", headers=sup)
    r = await client.patch(
        "/v1/units/kel-a",
        json={"name": "Kelurahan A Baru"},
        headers={**sup, "If-Match": f'"{got.json()["version"]}"'},
    )
    assert r.status_code == 200, r.text
    r = await client.patch("/v1/units/kel-b", json={"name": "x"}, headers={**sup, "If-Match": '"1"'})
    assert r.status_code == 403
    r = await client.post(
        "/v1/units", json={"code": "kel-c", "name": "Kelurahan C", "kind": "kelurahan"}, headers=sup
    )
    assert r.status_code == 201 and r.json()["parent"] == "kec-p"
    r = await client.post(
        "/v1/units", json={"code": "kel-d", "name": "D", "kind": "kelurahan", "parent": "kel-b"}, headers=sup
    )
    assert r.status_code == 403
    # officers: only officers (never supervisors) of their units
    r = await client.post("/v1/officers", json={"name": "Baru", "unit": "kel-a"}, headers=sup)
    assert r.status_code == 201
    r = await client.post("/v1/officers", json={"name": "Lain", "unit": "kel-b"}, headers=sup)
    assert r.status_code == 403
    r = await client.post(
        "/v1/officers", json={"name": "Naik", "unit": "kel-a", "role": "supervisor"}, headers=sup
    )
    assert r.status_code == 403
    officer_b = city.officers["officer_b"]
    assert (await client.delete(f"/v1/officers/{officer_b}", headers=sup)).status_code == 403
    r = await client.patch(
        f"/v1/officers/{city.officers['officer_a']}",
        json={"role": "supervisor"},
        headers={**sup, "If-Match": '"1"'},
    )
    assert r.status_code == 403
