"""The public face's JSON through the HTTP API: the map's GeoJSON, the choropleth, statistics,
nearby complaints and support. Who may call each, and that nothing personal leaks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core.deps import reload_routing
from app.geo.repository import import_jakarta_if_empty
from app.public import service as public_service
from tests.helpers import transition

CIKINI = (-6.1915, 106.8412)
KEMANG = (-6.2615, 106.8134)


@pytest.fixture(autouse=True)
async def jakarta(app, db) -> None:  # type: ignore[no-untyped-def]
    """Jakarta's areas loaded and routing reloaded, so complaints land in kelurahan."""
    public_service.forget_areas()
    await import_jakarta_if_empty(db)
    await reload_routing(app.state.placer, app.state.db)


async def file(
    client: httpx.AsyncClient,
    key: dict[str, str],
    text: str,
    *,
    at: tuple[float, float] | None = CIKINI,
    category: str | None = "roads",
    privacy: str = "public",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"description": text, "privacy": privacy, **extra}
    if category:
        body["category"] = category
    if at:
        body["location"] = {"lat": at[0], "lon": at[1]}
    r = await client.post("/v1/complaints", json=body, headers=key)
    assert r.status_code == 201, r.text
    return r.json()


async def resolve(client: httpx.AsyncClient, cid: str, officer: dict[str, str]) -> None:
    for s in ("in_progress", "pending_validation", "resolved"):
        r = await transition(client, cid, {"status": s}, officer)
        assert r.status_code == 200, r.text


def tickets(fc: dict[str, Any]) -> set[str]:
    return {f["properties"]["ticket"] for f in fc["features"]}


# --------------------------------------------------------------------------- GeoJSON


async def test_geojson_is_rfc7946_public_only_and_filters(client, app_key, admin) -> None:
    road = await file(client, app_key, "Jalan berlubang besar di depan sekolah")
    light = await file(client, app_key, "Lampu jalan mati sejak minggu lalu", category="street_lights")
    far = await file(client, app_key, "Jalan rusak parah", at=KEMANG)
    secret = await file(client, app_key, "Pungli di kantor", privacy="secret")
    anon = await file(
        client, app_key, "Saluran mampet, hubungi saya di 081234567890", privacy="anonymous",
        at=(-6.19151234, 106.84125678), category="drainage_flood",
    )  # fmt: skip
    nowhere = await file(client, app_key, "Jalan rusak tanpa lokasi", at=None)

    r = await client.get("/v1/public/complaints.geojson")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geo+json"
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    assert tickets(fc) == {road["ticket"], light["ticket"], far["ticket"], anon["ticket"]}
    assert secret["ticket"] not in tickets(fc) and nowhere["ticket"] not in tickets(fc)
    for f in fc["features"]:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
        lon, lat = f["geometry"]["coordinates"]
        assert 106 < lon < 107 and -7 < lat < -6  # [lon, lat], RFC 7946 order
        assert set(f["properties"]) == {
            "ticket", "title", "category", "category_name", "status", "status_label", "colour", "created_at",
            "supports", "kelurahan", "url",
        }  # fmt: skip
    by = {f["properties"]["ticket"]: f for f in fc["features"]}
    # The anonymous complaint: rounded to ~110 m; nothing of the reporter anywhere.
    assert by[anon["ticket"]]["geometry"]["coordinates"] == [106.841, -6.192]
    assert "081234567890" not in r.text
    assert by[road["ticket"]]["properties"]["colour"] == "red"
    assert by[road["ticket"]]["properties"]["url"] == f"/track/{road['ticket']}"
    assert by[road["ticket"]]["properties"]["kelurahan"]  # routed into a Jakarta kelurahan

    # bbox around Cikini only (small box: the GiST index).
    r = await client.get("/v1/public/complaints.geojson", params={"bbox": "106.83,-6.20,106.85,-6.18"})
    assert tickets(r.json()) == {road["ticket"], light["ticket"], anon["ticket"]}
    assert r.json()["bbox"] == [106.83, -6.2, 106.85, -6.18]
    # A wide box takes the other plan and the same rule.
    r = await client.get("/v1/public/complaints.geojson", params={"bbox": "106.5,-6.5,107.1,-6.0"})
    assert tickets(r.json()) == {road["ticket"], light["ticket"], far["ticket"], anon["ticket"]}
    r = await client.get("/v1/public/complaints.geojson", params={"category": "roads"})
    assert tickets(r.json()) == {road["ticket"], far["ticket"]}
    r = await client.get("/v1/public/complaints.geojson", params={"category": "roads,street_lights"})
    assert tickets(r.json()) == {road["ticket"], far["ticket"], light["ticket"]}

    await resolve(client, road["id"], admin)
    r = await client.get("/v1/public/complaints.geojson", params={"status": "closed"})
    assert tickets(r.json()) == {road["ticket"]}
    assert r.json()["features"][0]["properties"]["colour"] == "green"
    r = await client.get("/v1/public/complaints.geojson", params={"status": "open"})
    assert road["ticket"] not in tickets(r.json()) and len(r.json()["features"]) == 3
    r = await client.get("/v1/public/complaints.geojson", params={"status": "resolved,received"})
    assert len(r.json()["features"]) == 4
    r = await client.get(
        "/v1/public/complaints.geojson", params={"since": "2000-01-01", "until": "2001-01-01"}
    )
    assert r.json()["features"] == []


async def test_geojson_pages_with_a_cursor(client, app_key) -> None:
    made = [await file(client, app_key, f"Jalan rusak nomor {i}") for i in range(5)]
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/public/complaints.geojson", params=params)).json()
        seen += [f["properties"]["ticket"] for f in page["features"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [c["ticket"] for c in reversed(made)]


async def test_a_merged_duplicate_leaves_the_map(client, app_key, admin) -> None:
    a = await file(client, app_key, "Jalan berlubang di Cikini")
    b = await file(client, app_key, "Ada lubang di jalan Cikini")
    r = await transition(client, b["id"], {"status": "duplicate", "duplicate_of": a["id"]}, admin)
    assert r.status_code == 200, r.text
    fc = (await client.get("/v1/public/complaints.geojson")).json()
    assert tickets(fc) == {a["ticket"]}


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "1,2,3"},
        {"bbox": "106.9,-6.3,106.7,-6.1"},  # min above max
        {"bbox": "a,b,c,d"},
        {"bbox": "nan,0,1,1"},
        {"bbox": "-200,0,1,1"},
        {"status": "finished"},
        {"category": "'; DROP TABLE complaints; --"},
        {"since": "yesterday"},
        {"cursor": "not-a-cursor"},
        {"limit": "0"},
        {"limit": "100000"},
        {"since": "2026-13-45"},
    ],
)
async def test_geojson_bad_input_is_a_problem(client, params) -> None:
    r = await client.get("/v1/public/complaints.geojson", params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


# --------------------------------------------------------------------------- areas


async def test_areas_choropleth_counts_open_complaints(client, app_key, admin) -> None:
    a = await file(client, app_key, "Jalan berlubang di Cikini")
    await file(client, app_key, "Lampu mati di Cikini", category="street_lights")
    await file(client, app_key, "Pungli", privacy="secret")  # not counted
    await resolve(client, a["id"], admin)
    r = await client.get("/v1/public/areas.geojson", params={"level": "kelurahan"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) > 200  # Jakarta's kelurahan
    view = (await client.get(f"/v1/track/{a['ticket']}")).json()
    cikini = [f for f in fc["features"] if f["properties"]["name"] == view["kelurahan"]]
    assert len(cikini) == 1
    assert cikini[0]["properties"]["open"] == 1 and cikini[0]["properties"]["total"] == 2
    assert cikini[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert sum(f["properties"]["total"] for f in fc["features"]) == 2
    # gzip for clients that accept it, 304 for a known ETag.
    gz = await client.get("/v1/public/areas.geojson", headers={"Accept-Encoding": "gzip"})
    assert gz.headers.get("content-encoding") == "gzip" and gz.json() == fc
    again = await client.get("/v1/public/areas.geojson", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    bad = await client.get("/v1/public/areas.geojson", params={"level": "provinsi"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


# --------------------------------------------------------------------------- stats


def group(body: dict[str, Any], key: str | None) -> dict[str, Any]:
    found = [g for g in body["groups"] if g["key"] == key]
    assert len(found) == 1, body["groups"]
    return found[0]


async def test_stats_follow_every_change(client, app_key, admin, db) -> None:
    a = await file(client, app_key, "Jalan berlubang di Cikini")
    await file(client, app_key, "Lampu mati", category="street_lights", at=KEMANG)
    await file(client, app_key, "Pungli", privacy="secret")
    c = await file(client, app_key, "Banjir", category=None, at=None)
    await resolve(client, a["id"], admin)

    by_channel = (await client.get("/v1/stats", params={"group_by": "channel"})).json()
    assert by_channel["total"] == 3  # the secret one is not counted
    jaki = group(by_channel, "jaki")
    assert jaki["total"] == 3 and jaki["label"] == "Aplikasi JAKI" and jaki["done"] == 1 and jaki["open"] == 2
    assert by_channel["sla"] == {"done": 1, "on_time": 1, "late": 0, "compliance": 1.0}
    assert by_channel["median_hours_to_done"] is not None and by_channel["median_hours_to_done"] < 1
    assert by_channel["weekly"][-1]["created"] == 3 and by_channel["weekly"][-1]["done"] == 1

    by_status = (await client.get("/v1/stats", params={"group_by": "status"})).json()
    assert group(by_status, "resolved")["total"] == 1 and group(by_status, "resolved")["colour"] == "green"
    assert group(by_status, "received")["total"] == 2

    by_category = (await client.get("/v1/stats", params={"group_by": "category"})).json()
    assert group(by_category, "roads")["total"] == 1 and group(by_category, "roads")["label"]
    assert sum(g["total"] for g in by_category["groups"]) == 3

    kel = (await client.get("/v1/stats", params={"group_by": "kelurahan"})).json()
    track_a = (await client.get(f"/v1/track/{a['ticket']}")).json()
    assert any(g["label"] == track_a["kelurahan"] and g["done"] == 1 for g in kel["groups"])
    for dim in ("kota", "kecamatan", "kelurahan"):
        body = (await client.get("/v1/stats", params={"group_by": dim})).json()
        assert sum(g["total"] for g in body["groups"]) == 3

    # A status move and a privacy change move the counts.
    r = await transition(client, c["id"], {"status": "rejected", "note": "bukan wewenang"}, admin)
    assert r.status_code == 200, r.text
    by_status = (await client.get("/v1/stats", params={"group_by": "status"})).json()
    assert group(by_status, "rejected")["total"] == 1 and group(by_status, "received")["total"] == 1
    assert by_status["open"] == 1 and by_status["done"] == 1

    # Folding the deltas into the daily rollup changes no answer.
    before = {
        g: (await client.get("/v1/stats", params={"group_by": g})).json() for g in public_service.GROUP_BYS
    }
    assert await db.fetchval("SELECT count(*) FROM stats_deltas") > 0
    from app.public import repository

    assert await repository.compact_all(db, batch=3) > 0
    assert await db.fetchval("SELECT count(*) FROM stats_deltas") == 0
    after = {
        g: (await client.get("/v1/stats", params={"group_by": g})).json() for g in public_service.GROUP_BYS
    }
    assert after == before
    # ... and later changes land as deltas beside the rollup.
    d = await file(client, app_key, "Jalan rusak lagi")
    await resolve(client, d["id"], admin)
    by_status = (await client.get("/v1/stats", params={"group_by": "status"})).json()
    assert group(by_status, "resolved")["total"] == 2 and by_status["sla"]["done"] == 2


async def test_stats_by_period(client, app_key, db) -> None:
    old = await file(client, app_key, "Jalan rusak lama")
    await file(client, app_key, "Jalan rusak baru")
    # Filed in 2025 (a migrated record): counted on its own day, Jakarta time.
    await db.execute(
        "UPDATE complaints SET created_at = '2025-03-01T18:30:00+00' WHERE id = $1",
        __import__("uuid").UUID(old["id"]),
    )
    r = await client.get(
        "/v1/stats", params={"group_by": "channel", "since": "2025-03-02", "until": "2025-03-02"}
    )
    assert r.json()["total"] == 1  # 18:30 UTC is 01:30 on the 2nd in Jakarta
    r = await client.get(
        "/v1/stats", params={"group_by": "channel", "since": "2025-03-01", "until": "2025-03-01"}
    )
    assert r.json()["total"] == 0
    r = await client.get("/v1/stats", params={"group_by": "channel", "since": "2026-01-01"})
    assert r.json()["total"] == 1
    r = await client.get("/v1/stats", params={"group_by": "channel"})
    assert r.json()["total"] == 2 and r.json()["since"] == "2025-03-02"
    r = await client.get("/v1/stats", params={"since": "2025-03-01T20:00:00Z", "until": "2025-03-02"})
    assert r.json()["total"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"group_by": "reporter"},
        {"since": "kemarin"},
        {"since": "2026-02-30"},
        {"since": "2026-12-01", "until": "2026-11-01"},
    ],
)
async def test_stats_bad_input_is_a_problem(client, params) -> None:
    r = await client.get("/v1/stats", params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_median_from_buckets() -> None:
    # 10 resolutions of 1 hour: bucket floor(4*log2(2)) = 4, covering [1, 2**1.25 - 1) hours.
    m = public_service.median_hours([(4, 10)])
    assert m is not None and 1 <= m <= 1.38
    assert public_service.median_hours([]) is None
    # Half at ~0 hours and half at ~15 hours: the median is at the boundary of the lower half.
    low = public_service.median_hours([(0, 5), (16, 5)])
    assert low is not None and low <= 0.2


# --------------------------------------------------------------------------- nearby


async def test_nearby_finds_open_public_complaints_within_the_radius(
    client, app_key, make_key, admin
) -> None:
    here = await file(client, app_key, "Jalan berlubang", at=(-6.1915, 106.8412))
    close = await file(client, app_key, "Lubang jalan", at=(-6.1920, 106.8420))  # ~100 m
    await file(client, app_key, "Jalan rusak jauh", at=(-6.2000, 106.8412))  # ~950 m
    await file(client, app_key, "Lampu mati", category="street_lights", at=(-6.1915, 106.8413))
    await file(client, app_key, "Rahasia", privacy="secret", at=(-6.1915, 106.8412))
    done = await file(client, app_key, "Sudah beres", at=(-6.1916, 106.8412))
    await resolve(client, done["id"], admin)

    params = {"lat": "-6.1915", "lon": "106.8412", "category": "roads", "radius_m": "200"}
    for role in ("app", "partner", "officer", "supervisor"):
        r = await client.get("/v1/complaints/nearby", params=params, headers=await make_key(role))
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        assert [i["ticket"] for i in items] == [here["ticket"], close["ticket"]]  # nearest first
        assert items[0]["distance_m"] == 0 and 80 < items[1]["distance_m"] < 130
        assert items[0]["id"] == here["id"] and "reporter" not in items[0] and "description" not in items[0]
    r = await client.get("/v1/complaints/nearby", params={**params, "radius_m": "1000"}, headers=app_key)
    assert len(r.json()["items"]) == 3
    r = await client.get(
        "/v1/complaints/nearby", params={"lat": "-6.1915", "lon": "106.8412"}, headers=app_key
    )
    assert len(r.json()["items"]) == 3  # any category; not the secret, not the resolved one
    assert (await client.get("/v1/complaints/nearby", params=params)).status_code == 401


@pytest.mark.parametrize(
    "params",
    [{"lat": "-6.19"}, {"lat": "91", "lon": "0"}, {"lat": "x", "lon": "0"}, {"lat": "0", "lon": "0", "radius_m": "5000"},
     {"lat": "0", "lon": "0", "radius_m": "-1"}, {"lat": "0", "lon": "0", "category": "a,b"}],
)  # fmt: skip
async def test_nearby_bad_input_is_a_problem(client, app_key, params) -> None:
    r = await client.get("/v1/complaints/nearby", params=params, headers=app_key)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


# --------------------------------------------------------------------------- supports


async def test_support_counts_each_citizen_once_and_is_public(client, app_key, make_key, admin, db) -> None:
    c = await file(client, app_key, "Jalan berlubang")
    other_app = await make_key("app", "other-app")
    r = await client.post(f"/v1/complaints/{c['id']}/supports", json={"supporter": "u1"}, headers=other_app)
    assert r.status_code == 201, r.text
    assert r.json() == {"complaint_id": c["id"], "ticket": c["ticket"], "supports": 1, "supported": True}
    again = await client.post(
        f"/v1/complaints/{c['id']}/supports", json={"supporter": "u1"}, headers=other_app
    )
    assert again.status_code == 200 and again.json()["supports"] == 1
    # The same user id under another key is another citizen.
    r = await client.post(f"/v1/complaints/{c['id']}/supports", json={"supporter": "u1"}, headers=app_key)
    assert r.status_code == 201 and r.json()["supports"] == 2
    assert (await client.get(f"/v1/track/{c['ticket']}")).json()["supports"] == 2
    fc = (await client.get("/v1/public/complaints.geojson")).json()
    assert fc["features"][0]["properties"]["supports"] == 2
    # Nothing of the supporter is stored in clear.
    stored = await db.fetch("SELECT supporter FROM complaint_supports")
    assert len(stored) == 2 and all(len(s["supporter"]) == 64 and "u1" not in s["supporter"] for s in stored)


async def test_support_roles_and_refusals(client, app_key, make_key, admin) -> None:
    c = await file(client, app_key, "Jalan berlubang")
    for role in ("officer", "supervisor", "partner", "admin"):
        headers = admin if role == "admin" else await make_key(role)
        r = await client.post(f"/v1/complaints/{c['id']}/supports", json={"supporter": "u"}, headers=headers)
        assert r.status_code == 403, (role, r.text)
    r = await client.post(f"/v1/complaints/{c['id']}/supports", json={"supporter": "u"})
    assert r.status_code == 401
    secret = await file(client, app_key, "Rahasia", privacy="secret")
    r = await client.post(f"/v1/complaints/{secret['id']}/supports", json={"supporter": "u"}, headers=app_key)
    assert r.status_code == 404
    import uuid

    r = await client.post(f"/v1/complaints/{uuid.uuid4()}/supports", json={"supporter": "u"}, headers=app_key)
    assert r.status_code == 404
    done = await file(client, app_key, "Sudah")
    await resolve(client, done["id"], admin)
    r = await client.post(f"/v1/complaints/{done['id']}/supports", json={"supporter": "u"}, headers=app_key)
    assert r.status_code == 409 and r.json()["type"].endswith("complaint-closed")
    dup = await file(client, app_key, "Sama")
    assert (
        await transition(client, dup["id"], {"status": "duplicate", "duplicate_of": c["id"]}, admin)
    ).status_code == 200
    r = await client.post(f"/v1/complaints/{dup['id']}/supports", json={"supporter": "u"}, headers=app_key)
    assert r.status_code == 409 and c["id"] in r.json()["detail"]
    for body in ({}, {"supporter": ""}, {"supporter": "x" * 201}, {"supporter": "a\u0000b"}, {"supporter": 5},
                 {"supporter": "u", "extra": 1}):  # fmt: skip
        r = await client.post(f"/v1/complaints/{c['id']}/supports", json=body, headers=app_key)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(f"/v1/track/{c['ticket']}")).json()["supports"] == 0
