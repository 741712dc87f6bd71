"""Units and officers (CRUD), the keyword catalogue, /v1/classify, placement on intake."""

from __future__ import annotations

import pytest

from tests.helpers import patch
from tests.org import helpers as h


async def test_unit_crud(client, admin, make_key, officer):
    supervisor = await make_key("supervisor")
    unit = {
        "code": "kel-31.99.01.1001",
        "name": "Kelurahan Sukamaju",
        "kind": "kelurahan",
        "area_codes": [h.SUKAMAJU],
    }
    r = await client.post("/v1/units", json=unit, headers=supervisor)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/v1/units/kel-31.99.01.1001"
    assert r.json()["active"] is True and r.json()["categories"] == []
    assert (await client.post("/v1/units", json=unit, headers=supervisor)).status_code == 409
    assert (await client.post("/v1/units", json=unit, headers=officer)).status_code == 403
    r = await patch(client, "/v1/units/kel-31.99.01.1001", {"name": "Kelurahan Sukamaju Baru"}, admin)
    assert r.status_code == 200 and r.json()["name"] == "Kelurahan Sukamaju Baru"
    got = (await client.get("/v1/units/kel-31.99.01.1001", headers=officer)).json()
    assert got["name"] == "Kelurahan Sukamaju Baru" and got["open_complaints"] == 0 and got["officers"] == 0
    r = await client.delete("/v1/units/kel-31.99.01.1001", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    listed = (await client.get("/v1/units", params={"active": "false"}, headers=officer)).json()["items"]
    assert [u["code"] for u in listed] == ["kel-31.99.01.1001"]
    assert (await client.get("/v1/units/nope", headers=officer)).status_code == 404
    assert (await patch(client, "/v1/units/nope", {"name": "x"}, admin)).status_code == 404


@pytest.mark.parametrize(
    ("unit", "field"),
    [
        ({"code": "Bad Code", "name": "x", "kind": "kelurahan"}, "code"),
        ({"code": "x", "name": "x", "kind": "desa"}, "kind"),
        ({"code": "x", "name": "x", "kind": "agency"}, None),  # an agency needs its agency code
        ({"code": "x", "name": "x", "kind": "sudin", "agency": "sda"}, None),  # a sudin needs its kota
        ({"code": "x", "name": "x", "kind": "agency", "agency": "dinas-fiktif"}, "agency"),
        (
            {"code": "x", "name": "x", "kind": "agency", "agency": "sda", "categories": ["banjir"]},
            "categories",
        ),
        ({"code": "x", "name": "x", "kind": "kelurahan", "area_codes": ["Cikini"]}, "area_codes"),
    ],
)
async def test_bad_units_are_422_and_create_nothing(client, admin, db, unit, field):
    r = await client.post("/v1/units", json=unit, headers=admin)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    if field:
        assert field in r.json()["detail"]
    assert await db.fetchval("SELECT count(*) FROM units") == 0


async def test_officer_crud_and_key(client, admin, officer, db):
    await h.create_units(client, admin)
    r = await client.post(
        "/v1/officers",
        json={"name": "Siti Rahmawati", "unit": "kel-31.99.01.1001", "capacity": 5, "api_key": True},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    o = r.json()
    assert o["unit_name"] == "Kelurahan Sukamaju" and o["open_assignments"] == 0 and o["role"] == "officer"
    assert o["api_key"].startswith("adn_")
    # the key acts as that officer
    me = {"Authorization": f"Bearer {o['api_key']}"}
    assert (await client.get(f"/v1/officers/{o['id']}/queue", headers=me)).status_code == 200
    assert (
        await db.fetchval("SELECT officer_id FROM api_keys WHERE prefix = $1", o["api_key"][:12]) is not None
    )
    r = await patch(
        client, f"/v1/officers/{o['id']}", {"capacity": 7, "categories": ["drainage_flood"]}, admin
    )
    assert r.status_code == 200 and r.json()["capacity"] == 7 and r.json()["categories"] == ["drainage_flood"]
    assert "api_key" not in r.json() or r.json()["api_key"] is None
    r = await patch(client, f"/v1/officers/{o['id']}", {"unit": "nope"}, admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit"
    r = await client.delete(f"/v1/officers/{o['id']}", headers=admin)
    assert r.json()["active"] is False
    listed = (await client.get("/v1/officers", params={"unit": "kel-31.99.01.1001"}, headers=officer)).json()
    assert [x["name"] for x in listed["items"]] == ["Siti Rahmawati"]
    assert (
        await client.get("/v1/officers/8d7f6c1e-0000-4000-8000-000000000000", headers=officer)
    ).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "unit": "tidak-ada"},
        {"name": "X", "unit": "triage", "capacity": -1},
        {"name": "X", "unit": "triage", "role": "lurah"},
        {"name": "X", "unit": "triage", "categories": ["bukan-kategori"]},
    ],
)
async def test_bad_officers_are_422_and_create_nothing(client, admin, db, body):
    await h.create_units(client, admin)
    r = await client.post("/v1/officers", json=body, headers=admin)
    assert r.status_code == 422, r.text
    assert await db.fetchval("SELECT count(*) FROM officers") == 0


# --------------------------------------------------------------------------- placement on intake


async def test_point_places_and_routes_to_the_kelurahan(client, admin, app_key):
    await h.setup_routing(client, admin)
    c = await h.submit(client, app_key, "Saluran air mampet depan rumah", location=h.IN_SUKAJAYA)
    assert c["area"] == {
        "kelurahan": {"code": h.SUKAJAYA, "name": "Sukajaya"},
        "kecamatan": {"code": h.KEC_CEMPAKA, "name": "Cempaka Indah"},
        "kota": {"code": h.KOTA, "name": "Kota Administrasi Kota Uji"},
        "source": "point",
    }
    assert c["unit"] == "kel-31.99.01.1002" and c["category"] == "drainage_flood"


async def test_point_in_a_kecamatan_without_kelurahan_unit_goes_to_the_kecamatan_office(
    client, admin, app_key
):
    await h.setup_routing(client, admin)
    c = await h.submit(client, app_key, "Pohon tumbang menutup jalan", location=h.IN_MEKARSARI)
    assert c["area"]["kelurahan"]["code"] == h.MEKARSARI
    assert c["unit"] == "kec-31.99.02"


async def test_text_names_the_area_when_there_is_no_point(client, admin, app_key):
    await h.setup_routing(client, admin)
    c = await h.submit(client, app_key, "Got mampet di Kel. Sukamaju, banjir tiap hujan")
    assert c["area"]["source"] == "text" and c["area"]["kelurahan"] == {
        "code": h.SUKAMAJU,
        "name": "Sukamaju",
    }
    assert c["area"]["kecamatan"]["code"] == h.KEC_CEMPAKA and c["area"]["kota"]["code"] == h.KOTA
    assert c["unit"] == "kel-31.99.01.1001" and c["category"] == "drainage_flood"
    # a kecamatan named alone places at kecamatan level
    c = await h.submit(client, app_key, "Jalan berlubang besar di Kecamatan Melati Raya")
    assert c["area"] == {"kecamatan": {"code": h.KEC_MELATI, "name": "Melati Raya"},
                         "kota": {"code": h.KOTA, "name": "Kota Administrasi Kota Uji"}, "source": "text"}  # fmt: skip
    assert c["unit"] == "kec-31.99.02" and c["category"] == "roads"


async def test_a_given_category_is_kept_and_unplaceable_text_goes_to_triage(client, admin, app_key):
    await h.setup_routing(client, admin)
    c = await h.submit(client, app_key, "Banjir setinggi lutut", category="roads")
    assert c["category"] == "roads" and "classification" not in c["metadata"]
    assert c["area"] is None and c["unit"] == "bina-marga"  # no place: the owning agency
    c = await h.submit(client, app_key, "Mohon ditindaklanjuti, terima kasih")
    assert c["category"] is None and c["area"] is None
    assert c["unit"] == "triage" and "needs_triage" in c["flags"]


async def test_office_intake_area_code_places_the_complaint(client, admin, officer):
    await h.setup_routing(client, admin)
    r = await client.post(
        "/v1/channels/kelurahan/intake",
        json={"description": "Warga melapor lampu jalan mati di gang 3", "office_area_code": h.SUKAJAYA,
              "reporter": {"name": "Bu Ani"}},
        headers=officer,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    cid = r.json()["outcomes"][0]["complaint_id"]
    c = await h.full(client, officer, cid)
    assert c["area"]["source"] == "office" and c["area"]["kelurahan"] == {
        "code": h.SUKAJAYA,
        "name": "Sukajaya",
    }
    assert c["unit"] == "kel-31.99.01.1002"
