"""GET /v1/track/{ticket}: public, and no personal data in any form."""

from __future__ import annotations

from tests.helpers import transition

PERSON = {
    "name": "Siti Rahmawati",
    "phone": "0812-9876-5432",
    "email": "siti.rahma@example.com",
    "nik": "3171014708900003",
    "handles": {"twitter": "siti_rahma_jkt"},
}
SECRET_NOTE = "Pelapor adalah kerabat pegawai kelurahan"


async def _submit(client, headers, **extra):
    body = {
        "title": "Sampah menumpuk",
        "description": "Sampah menumpuk di gang sebelah rumah, hubungi saya di 0812-9876-5432 atau NIK 3171014708900003.",
        "category": "rubbish",
        "location": {"lat": -6.21234, "lon": 106.84567, "address": "Gg. Kelinci III no. 7"},
        "reporter": PERSON,
        **extra,
    }
    r = await client.post("/v1/complaints", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _assert_no_personal_data(text: str) -> None:
    for value in (
        PERSON["name"],
        "Siti",
        "0812-9876-5432",
        "081298765432",
        "6281298765432",
        "+6281298765432",
        PERSON["email"],
        PERSON["nik"],
        "siti_rahma_jkt",
        SECRET_NOTE,
        "Gg. Kelinci",
    ):
        assert value.lower() not in text.lower(), f"{value!r} leaked into the public view"


async def test_public_view_has_status_colour_and_no_personal_data(client, app_key, officer):
    c = await _submit(client, app_key, privacy="anonymous")
    await client.post(f"/v1/complaints/{c['id']}/comments", json={"note": SECRET_NOTE}, headers=officer)
    await transition(
        client,
        c["id"],
        {"status": "in_progress", "note": "Petugas kebersihan dijadwalkan besok pagi", "public": True},
        officer,
    )
    await transition(
        client, c["id"], {"status": "pending_validation", "note": SECRET_NOTE, "public": False}, officer
    )
    r = await client.get(f"/v1/track/{c['ticket']}")
    assert r.status_code == 200
    view = r.json()
    assert view["status"] == "pending_validation" and view["status_label"] == "Menunggu Validasi"
    assert view["colour"] == "yellow" and view["category"] == "rubbish" and view["category_name"] == "Sampah"
    notes = [e["note"] for e in view["timeline"]]
    assert "Petugas kebersihan dijadwalkan besok pagi" in notes
    assert [e["status"] for e in view["timeline"] if e["kind"] == "status_changed"] == [
        "in_progress",
        "pending_validation",
    ]
    # an anonymous report's exact point is not shown
    assert view["location"] == {"lat": -6.212, "lon": 106.846}
    assert "-6.21234" not in r.text and "106.84567" not in r.text
    _assert_no_personal_data(r.text)


async def test_public_complaint_shows_point_but_masks_text(client, app_key):
    c = await _submit(client, app_key, privacy="public")
    r = await client.get(f"/v1/track/{c['ticket']}")
    assert r.json()["location"] == {"lat": -6.21234, "lon": 106.84567}
    assert "Sampah menumpuk di gang" in r.json()["description"]
    text = r.text.replace("Gg. Kelinci III no. 7", "")  # a public report's address is shown
    _assert_no_personal_data(text)


async def test_resolved_is_green_and_lookup_is_case_insensitive(client, app_key, officer):
    c = await _submit(client, app_key)
    for s in ("in_progress", "pending_validation", "resolved"):
        await transition(client, c["id"], {"status": s}, officer)
    for form in (c["ticket"], c["ticket"].lower(), c["ticket"].replace("-", "")):
        r = await client.get(f"/v1/track/{form}")
        assert r.status_code == 200 and r.json()["colour"] == "green", form


async def test_secret_complaints_are_404_like_unknown_ones(client, app_key):
    c = await _submit(client, app_key, privacy="secret")
    r = await client.get(f"/v1/track/{c['ticket']}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    unknown = await client.get("/v1/track/ZZZZ-ZZZZ")
    assert unknown.status_code == 404 and r.json()["title"] == unknown.json()["title"]
    assert (await client.get("/v1/track/hello")).status_code == 404


async def test_secret_complaint_hidden_from_other_officers(client, make_key, admin):
    desk = await make_key("officer", "inspektorat-desk")
    other = await make_key("officer", "other-officer")
    # a supervisor key of no unit supervises nobody's secrets (tests/security: a unit's supervisor does)
    sup = await make_key("supervisor")
    c = await _submit(client, desk, privacy="secret")
    assert (await client.get(f"/v1/complaints/{c['id']}", headers=desk)).status_code == 200
    assert (await client.get(f"/v1/complaints/{c['id']}", headers=admin)).status_code == 200
    assert (await client.get(f"/v1/complaints/{c['id']}", headers=sup)).status_code == 404
    assert (await client.get(f"/v1/complaints/{c['id']}", headers=other)).status_code == 404
    listed = (await client.get("/v1/complaints", headers=other)).json()["items"]
    assert c["id"] not in [i["id"] for i in listed]


async def test_the_prerendered_tracking_view_is_a_valid_track_out(client, app_key, officer):
    """The public view is answered as orjson writes it: it must be what TrackOut documents."""
    from app.complaints.schemas import TrackOut

    for privacy in ("public", "anonymous"):
        c = await _submit(client, app_key, privacy=privacy)
        await client.post(
            f"/v1/complaints/{c['id']}/comments",
            json={"note": "Terima kasih", "public": True},
            headers=officer,
        )
        await transition(
            client, c["id"], {"status": "in_progress", "note": "Petugas", "public": True}, officer
        )
        r = await client.get(f"/v1/track/{c['ticket']}")
        assert r.status_code == 200, r.text
        view = TrackOut.model_validate_json(r.content)
        assert view.ticket == c["ticket"] and view.status == "in_progress" and view.colour == "yellow"
        assert [e.kind for e in view.timeline][-2:] == ["comment", "status_changed"]
        assert view.location is not None and view.category_name
