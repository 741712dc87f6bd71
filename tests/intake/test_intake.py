"""POST /v1/complaints: the canonical intake, through HTTP, on real PostgreSQL."""

from __future__ import annotations

import re

import pytest

from app.complaints.tickets import ALPHABET

GEO = {
    "title": "Jalan berlubang di Jl. Cikini Raya",
    "description": "Lubang besar di depan halte Cikini, dua motor jatuh minggu ini.",
    "category": "roads",
    "location": {"lat": -6.1915, "lon": 106.8412, "accuracy_m": 8, "address": "Jl. Cikini Raya 45"},
    "reporter": {"name": "Budi Santoso", "phone": "0812-1111-0000"},
}
TICKET_RE = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


async def test_geo_tagged_complaint_is_created(client, app_key, officer):
    r = await client.post("/v1/complaints", json=GEO, headers=app_key)
    assert r.status_code == 201, r.text
    body = r.json()
    assert TICKET_RE.match(body["ticket"])
    assert body["status"] == "received" and body["status_label"] == "Menunggu"
    assert body["channel"] == "jaki" and body["category"] == "roads" and body["version"] == 1
    assert body["location"]["lat"] == pytest.approx(-6.1915)
    assert "outside_service_area" not in body["flags"]
    assert r.headers["location"] == f"/v1/complaints/{body['id']}"
    got = await client.get(r.headers["location"], headers=officer)
    assert got.status_code == 200
    full = got.json()
    assert full["reporter"]["phone"] == "+6281211110000"
    assert [e["kind"] for e in full["events"]] == ["created"]


async def test_complaint_without_location_gets_a_category_from_its_text(client, app_key):
    r = await client.post(
        "/v1/complaints",
        json={"description": "Sampah menumpuk di pinggir kali, bau sekali."},
        headers=app_key,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["location"] is None and body["category"] == "rubbish"
    assert body["metadata"]["classification"]["category"] == "rubbish"
    r = await client.post(
        "/v1/complaints", json={"description": "Selamat pagi, terima kasih."}, headers=app_key
    )
    assert r.json()["category"] is None


async def test_point_outside_jakarta_is_accepted_but_flagged(client, app_key):
    body = {**GEO, "location": {"lat": -6.9175, "lon": 107.6191}}  # Bandung
    r = await client.post("/v1/complaints", json=body, headers=app_key)
    assert r.status_code == 201
    assert "outside_service_area" in r.json()["flags"]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"location": {"lat": 91, "lon": 106.8}}, "location.lat"),
        ({"location": {"lat": -6.2, "lon": 181}}, "location.lon"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"title": "t" * 201}, "title"),
        ({"privacy": "hidden"}, "privacy"),
        ({"reporter": {"phone": "12"}}, "reporter.phone"),
        ({"reporter": {"nik": "123"}}, "reporter.nik"),
        ({"unexpected": 1}, "unexpected"),
        ({"category": "not-a-category"}, "category"),
    ],
)
async def test_invalid_fields_are_named_and_nothing_is_stored(client, app_key, db, patch, field):
    r = await client.post("/v1/complaints", json={**GEO, **patch}, headers=app_key)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert {"type", "title", "status", "detail"} <= problem.keys() and problem["status"] == 422
    assert field in [e["field"] for e in problem["errors"]]
    assert await db.fetchval("SELECT count(*) FROM complaints") == 0


async def test_body_over_one_mebibyte_is_413(client, app_key, db):
    r = await client.post(
        "/v1/complaints", json={**GEO, "metadata": {"x": "a" * (1024 * 1024)}}, headers=app_key
    )
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")
    assert await db.fetchval("SELECT count(*) FROM complaints") == 0


async def test_wrong_content_type_is_415(client, app_key):
    r = await client.post(
        "/v1/complaints",
        content=b"description=x",
        headers={**app_key, "content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415
    assert r.json()["status"] == 415


@pytest.mark.parametrize(
    ("content_type", "body", "refused"),
    [
        ("application/x-www-form-urlencoded", b"description=x", 415),
        ("application/json", b"{not json", 400),
        ("application/json", b'{"description": "a\\u0000b"}', 422),
    ],
)
async def test_a_refused_body_is_answered_only_to_a_caller_with_a_key(
    client, app_key, db, content_type, body, refused
):
    """Authentication comes first: without a key the answer is 401 whatever the body; with
    one, the body's refusal (415, 400, or 422 for what no body may hold). Nothing is stored."""
    anonymous = await client.post("/v1/complaints", content=body, headers={"content-type": content_type})
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    keyed = await client.post(
        "/v1/complaints", content=body, headers={**app_key, "content-type": content_type}
    )
    assert keyed.status_code == refused
    assert keyed.headers["content-type"].startswith("application/problem+json")
    assert keyed.json()["status"] == refused
    assert await db.fetchval("SELECT count(*) FROM complaints") == 0


async def test_malformed_json_is_400(client, app_key):
    r = await client.post(
        "/v1/complaints", content=b'{"description": ', headers={**app_key, "content-type": "application/json"}
    )
    assert r.status_code == 400
    assert "JSON" in r.json()["detail"]


async def test_tickets_are_random_and_unique(client, app_key):
    tickets = set()
    for i in range(20):
        r = await client.post("/v1/complaints", json={"description": f"keluhan nomor {i}"}, headers=app_key)
        tickets.add(r.json()["ticket"])
    assert len(tickets) == 20
    # not a counter: sequential codes would share their first half
    assert len({t[:4] for t in tickets}) >= 15


async def test_same_person_in_any_phone_form_is_one_reporter(client, app_key, officer):
    ids = set()
    for phone in ("081311110000", "6281311110000", "+62 813-1111-0000", "+6281311110000"):
        r = await client.post(
            "/v1/complaints",
            json={"description": "Lampu jalan mati", "reporter": {"phone": phone}},
            headers=app_key,
        )
        full = (await client.get(f"/v1/complaints/{r.json()['id']}", headers=officer)).json()
        assert full["reporter"]["phone"] == "+6281311110000"
        ids.add(full["reporter"]["id"])
    r = await client.post(
        "/v1/complaints",
        json={
            "description": "Lampu jalan mati",
            "reporter": {"email": "Budi@Example.COM", "phone": "0813 1111 0000"},
        },
        headers=app_key,
    )
    full = (await client.get(f"/v1/complaints/{r.json()['id']}", headers=officer)).json()
    assert full["reporter"]["email"] == "budi@example.com"
    ids.add(full["reporter"]["id"])
    assert len(ids) == 1


async def test_a_repeat_reporter_is_filled_in_but_never_rewritten_by_a_submitter(
    client, app_key, officer, db
):
    async def report(reporter: dict) -> dict:
        r = await client.post(
            "/v1/complaints", json={"description": "Sampah menumpuk", "reporter": reporter}, headers=app_key
        )
        assert r.status_code == 201, r.text
        return (await client.get(f"/v1/complaints/{r.json()['id']}", headers=officer)).json()["reporter"]

    first = await report({"name": "Budi", "phone": "081311110000"})
    stamp = await db.fetchval("SELECT updated_at FROM reporters WHERE id = $1::uuid", first["id"])
    again = await report({"name": "Budi", "phone": "0813-1111-0000"})
    assert again["id"] == first["id"]
    assert await db.fetchval("SELECT updated_at FROM reporters WHERE id = $1::uuid", first["id"]) == stamp
    # Whoever types a known phone number adds what we did not know (the NIK), and renames nobody.
    renamed = await report({"name": "Budi Santoso", "phone": "081311110000", "nik": "3171010101900001"})
    assert renamed["id"] == first["id"] and renamed["name"] == "Budi"
    assert (
        await db.fetchval("SELECT nik FROM reporters WHERE id = $1::uuid", first["id"]) == "3171010101900001"
    )


async def test_every_answer_of_a_create_is_a_complaint_out(client, admin, app_key):
    """The create answers are rendered by the handler (the hot path), not by FastAPI's
    response_model: each one (created, routed and assigned, already known, replayed) must still
    be exactly the documented ComplaintOut, with its Location and ETag."""
    from app.complaints.schemas import ComplaintOut
    from tests.org import helpers as h

    await h.setup_routing(client, admin)
    await h.create_officer(client, admin, "kel-31.99.01.1001", "Petugas Sukamaju")

    def checked(r, status: int) -> dict:  # type: ignore[no-untyped-def]
        assert r.status_code == status, r.text
        body = r.json()
        model = ComplaintOut.model_validate(body)
        assert model.model_dump(mode="json", exclude_unset=True).keys() == body.keys()
        assert r.headers["location"] == f"/v1/complaints/{body['id']}"
        assert r.headers["etag"] == f'"{body["version"]}"'
        assert r.headers["content-type"] == "application/json"
        return body

    plain = checked(await client.post("/v1/complaints", json=GEO, headers=app_key), 201)
    assert plain["assignee"] is None
    routed_body = {"description": "Got mampet, air meluap", "location": h.IN_SUKAMAJU, "external_id": "x-1"}
    routed = checked(await client.post("/v1/complaints", json=routed_body, headers=app_key), 201)
    assert routed["unit"] == "kel-31.99.01.1001" and routed["assignee"] is not None
    again = checked(await client.post("/v1/complaints", json=routed_body, headers=app_key), 200)
    assert again["id"] == routed["id"]
    keyed = {**app_key, "Idempotency-Key": "k-1"}
    first = checked(await client.post("/v1/complaints", json=GEO, headers=keyed), 201)
    replay = await client.post("/v1/complaints", json=GEO, headers=keyed)
    assert checked(replay, 201) == first and replay.headers["idempotent-replayed"] == "true"
