"""Areas: import (GeoJSON boundaries, CSV hierarchy), listing, point lookup; the real Jakarta files."""

from __future__ import annotations

import json

import pytest

from app.geo import jakarta
from tests.org import helpers as h

DATA = jakarta.DIR  # shipped with the package (app/geo/data/jakarta, MIT)


async def test_import_then_list_by_level_and_parent(client, admin):
    await h.import_areas(client, admin)
    r = await client.get("/v1/areas", params={"level": "kelurahan", "parent": h.KEC_CEMPAKA})
    assert r.status_code == 200
    items = r.json()["items"]
    assert [(a["code"], a["name"]) for a in items] == [(h.SUKAMAJU, "Sukamaju"), (h.SUKAJAYA, "Sukajaya")]
    assert items[0]["has_boundary"] and items[0]["bbox"] == [106.70, -6.30, 106.72, -6.28]
    assert "geometry" not in items[0]
    r = await client.get("/v1/areas", params={"level": "kecamatan"})
    assert [a["code"] for a in r.json()["items"]] == [h.KEC_CEMPAKA, h.KEC_MELATI]
    # the province row came from the CSV only: no boundary
    prov = (await client.get("/v1/areas", params={"level": "provinsi"})).json()["items"]
    assert prov == [
        {"code": "31", "level": "provinsi", "name": "Daerah Khusus Ibukota Jakarta", "parent_code": None,
         "bbox": None, "has_boundary": False}
    ]  # fmt: skip
    r = await client.get("/v1/areas", params={"parent": h.KEC_MELATI, "geometry": "true"})
    assert r.json()["items"][0]["geometry"]["type"] == "Polygon"


async def test_list_paginates_with_a_cursor(client, admin):
    await h.import_areas(client, admin)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/areas", params=params)).json()
        seen += [a["code"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen) and len(seen) == 7 and len(set(seen)) == 7


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        (h.IN_SUKAMAJU, (h.SUKAMAJU, "Sukamaju", h.KEC_CEMPAKA, "Cempaka Indah")),
        (h.IN_SUKAJAYA, (h.SUKAJAYA, "Sukajaya", h.KEC_CEMPAKA, "Cempaka Indah")),
        (h.IN_MEKARSARI, (h.MEKARSARI, "Mekarsari", h.KEC_MELATI, "Melati Raya")),
        # inside a kecamatan but no kelurahan polygon: the kecamatan still answers
        (h.ONLY_KECAMATAN, (None, None, h.KEC_MELATI, "Melati Raya")),
    ],
)
async def test_lookup_finds_the_containing_areas(client, admin, point, expected):
    await h.import_areas(client, admin)
    r = await client.get("/v1/areas/lookup", params=point)
    assert r.status_code == 200, r.text
    body = r.json()
    kel = body["kelurahan"]
    assert (
        (kel or {}).get("code"),
        (kel or {}).get("name"),
        body["kecamatan"]["code"],
        body["kecamatan"]["name"],
    ) == expected
    assert body["kota"] == {"code": h.KOTA, "name": "Kota Administrasi Kota Uji"}


async def test_lookup_outside_every_area_is_a_clear_404(client, admin):
    r = await client.get("/v1/areas/lookup", params=h.OUTSIDE)
    assert r.status_code == 404 and "no area boundaries imported" in r.json()["detail"]
    await h.import_areas(client, admin)
    r = await client.get("/v1/areas/lookup", params=h.OUTSIDE)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "no imported area contains" in r.json()["detail"]


@pytest.mark.parametrize(
    "params", [{"lat": 91, "lon": 106.8}, {"lat": -6.2, "lon": 181}, {"lat": "x", "lon": 1}, {"lat": 1}]
)
async def test_lookup_rejects_bad_coordinates(client, params):
    r = await client.get("/v1/areas/lookup", params=params)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


def _bad_feature(**change):
    f = h.feature(h.SUKAMAJU, "Sukamaju", "kelurahan", h.box(106.70, -6.30, 106.72, -6.28))
    f.update(change)
    return {"type": "FeatureCollection", "features": [f]}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{not json", "not JSON"),
        (json.dumps({"type": "Feature"}).encode(), "FeatureCollection"),
        (
            json.dumps(_bad_feature(geometry={"type": "Point", "coordinates": [106.7, -6.3]})).encode(),
            "not Polygon",
        ),
        (
            json.dumps(_bad_feature(properties={"name": "X", "level": "kelurahan"})).encode(),
            "'code' and 'name'",
        ),
        # lat/lon swapped: latitudes over 90 cannot be
        (json.dumps(_bad_feature(geometry=h.box(-6.30, 106.70, -6.28, 106.72))).encode(), "swapped"),
    ],
)
async def test_bad_geojson_is_422_and_changes_nothing(client, admin, db, body, needle):
    await h.import_areas(client, admin)
    before = await db.fetch("SELECT code, geometry FROM areas ORDER BY code")
    r = await client.post(
        "/v1/areas/import", content=body, headers={**admin, "Content-Type": "application/geo+json"}
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert needle in r.json()["detail"]
    assert await db.fetch("SELECT code, geometry FROM areas ORDER BY code") == before


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("code,name\n31,DKI\n", "expected header"),
        ("level,code,name,parent_code\nkelurahan,31.99.01.1001,Sukamaju,\n", "needs a parent_code"),
        ("level,code,name,parent_code\ndesa,31.99.01.1001,Sukamaju,31.99.01\n", "unknown level"),
        ("level,code,name,parent_code\nkelurahan,31.98.01.1001,Sukamaju,31.99.01\n", "not under its parent"),
    ],
)
async def test_bad_csv_is_422_and_changes_nothing(client, admin, db, text, needle):
    r = await client.post(
        "/v1/areas/import", content=text.encode(), headers={**admin, "Content-Type": "text/csv"}
    )
    assert r.status_code == 422, r.text
    assert needle in r.json()["detail"]
    assert await db.fetchval("SELECT count(*) FROM areas") == 0


async def test_import_needs_admin_and_a_known_content_type(client, admin, officer, make_key):
    csv = h.HIERARCHY_CSV.encode()
    r = await client.post("/v1/areas/import", content=csv, headers={"Content-Type": "text/csv"})
    assert r.status_code == 401
    supervisor = await make_key("supervisor")
    r = await client.post("/v1/areas/import", content=csv, headers={**supervisor, "Content-Type": "text/csv"})
    assert r.status_code == 403
    r = await client.post("/v1/areas/import", content=csv, headers={**admin, "Content-Type": "text/plain"})
    assert r.status_code == 415


async def test_reimport_updates_names_and_the_lookup_index(client, admin):
    await h.import_areas(client, admin)
    moved = {
        "type": "FeatureCollection",
        "features": [h.feature(h.SUKAMAJU, "Sukamaju Baru", "kelurahan", h.box(106.60, -6.30, 106.62, -6.28),
                               kecamatan_code=h.KEC_CEMPAKA, kecamatan="Cempaka Indah")],
    }  # fmt: skip
    r = await client.post(
        "/v1/areas/import", content=json.dumps(moved), headers={**admin, "Content-Type": "application/json"}
    )
    assert r.status_code == 200 and r.json() == {
        "kind": "boundaries", "imported": 1, "levels": {"kelurahan": 1}, "repaired": [], "parents_added": 0,
    }  # fmt: skip
    hit = (await client.get("/v1/areas/lookup", params={"lat": -6.29, "lon": 106.61})).json()
    assert hit["kelurahan"] == {"code": h.SUKAMAJU, "name": "Sukamaju Baru"}
    # the old place of Sukamaju is no kelurahan any more, only its kecamatan polygon
    old = (await client.get("/v1/areas/lookup", params=h.IN_SUKAMAJU)).json()
    assert old["kelurahan"] is None and old["kecamatan"]["code"] == h.KEC_CEMPAKA


async def test_a_boundary_file_alone_brings_the_parent_names(client, admin):
    r = await client.post(
        "/v1/areas/import",
        content=json.dumps(h.kelurahan_geojson()),
        headers={**admin, "Content-Type": "application/geo+json"},
    )
    assert r.json()["parents_added"] == 3  # two kecamatan and the kota, named in the properties
    hit = (await client.get("/v1/areas/lookup", params=h.IN_MEKARSARI)).json()
    assert hit["kecamatan"] == {"code": h.KEC_MELATI, "name": "Melati Raya"}
    assert hit["kota"] == {"code": h.KOTA, "name": "Kota Administrasi Kota Uji"}


async def test_real_jakarta_files_find_known_places(client, admin):
    for name, ctype in (
        ("jakarta_admin_areas.csv", "text/csv"),
        ("jakarta_kecamatan.geojson", "application/geo+json"),
        ("jakarta_kelurahan.geojson", "application/geo+json"),
    ):
        r = await client.post(
            "/v1/areas/import", content=(DATA / name).read_bytes(), headers={**admin, "Content-Type": ctype}
        )
        assert r.status_code == 200, r.text
    counts = {lv: len((await client.get("/v1/areas", params={"level": lv, "limit": 200})).json()["items"])
              for lv in ("kota_kabupaten", "kecamatan")}  # fmt: skip
    assert counts == {"kota_kabupaten": 6, "kecamatan": 44}
    places = {
        "Monas": ((-6.1754, 106.8272), "31.71.01.1001", "Gambir", "31.71"),
        "Kota Tua": ((-6.1352, 106.8133), "31.73.03.1008", "Pinangsia", "31.73"),
        "Ragunan zoo": ((-6.3125, 106.8201), "31.74.04.1004", "Ragunan", "31.74"),
        "TMII": ((-6.3024, 106.8952), "31.75.10.1008", "Ceger", "31.75"),
    }
    for place, ((lat, lon), code, name, kota) in places.items():
        r = await client.get("/v1/areas/lookup", params={"lat": lat, "lon": lon})
        assert r.status_code == 200, (place, r.text)
        body = r.json()
        assert body["kelurahan"] == {"code": code, "name": name}, place
        assert body["kota"]["code"] == kota, place
    # the Java Sea north of the coast is in no kelurahan or kecamatan
    assert (await client.get("/v1/areas/lookup", params={"lat": -5.95, "lon": 106.95})).status_code == 404


async def test_an_import_is_audited_with_its_format_and_size(client, admin, db):
    csv = h.HIERARCHY_CSV.encode()
    r = await client.post(
        "/v1/areas/import", content=csv, headers={**admin, "Content-Type": "text/csv; charset=utf-8"}
    )
    assert r.status_code == 200, r.text
    # a hierarchy answers without the boundary-only fields
    assert set(r.json()) == {"kind", "imported", "levels"} and r.json()["kind"] == "hierarchy"
    row = await db.fetchrow("SELECT target_type, data FROM audit_log WHERE action = 'areas.import'")
    assert row["target_type"] == "areas" and json.loads(row["data"]) == {"format": "csv", "bytes": len(csv)}


async def test_without_the_routing_state_the_lookup_is_503(app, client):
    placer, app.state.placer = app.state.placer, None
    try:
        r = await client.get("/v1/areas/lookup", params=h.IN_SUKAMAJU)
    finally:
        app.state.placer = placer
    assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json")
