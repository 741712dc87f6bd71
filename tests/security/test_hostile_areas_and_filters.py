"""The last hostile inputs the fuzzing left to the database's own refusals: area files with NUL,
over-long codes and names or absurd nesting, cursors with NUL, dates PostgreSQL cannot hold.
Each is a clear 422 problem naming what is wrong, and nothing is stored."""

from __future__ import annotations

import base64
import json

import pytest


def _feature(code: str, name: str, coordinates=None) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "level": "kelurahan"},
        "geometry": {
            "type": "Polygon",
            "coordinates": coordinates
            or [[[106.70, -6.30], [106.72, -6.30], [106.72, -6.28], [106.70, -6.28], [106.70, -6.30]]],
        },
    }


def _collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("ctype", "body"),
    [
        ("application/geo+json", _collection(_feature("31.99.01.1001", "Suka\u0000maju"))),
        ("application/geo+json", _collection(_feature("31.99.01.1001" + ".1" * 10, "Sukamaju"))),
        ("application/geo+json", _collection(_feature("31.99.01.1001", "x" * 201))),
        (
            "application/geo+json",
            (
                '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "31.99.01.1001",'
                ' "name": "A", "level": "kelurahan"}, "geometry": {"type": "Polygon", "coordinates": '
                + _deep(3000)
                + "}}]}"
            ).encode(),
        ),
        ("text/csv", "level,code,name,parent_code\nprovinsi,31,DKI\u0000,\n".encode()),
        ("text/csv", ("level,code,name,parent_code\nprovinsi,31," + "y" * 201 + ",\n").encode()),
    ],
    ids=[
        "geojson-nul",
        "geojson-long-code",
        "geojson-long-name",
        "geojson-3000-deep",
        "csv-nul",
        "csv-long-name",
    ],
)
async def test_bad_area_files_are_422_and_import_nothing(client, admin, db, ctype, body):
    r = await client.post("/v1/areas/import", content=body, headers={**admin, "Content-Type": ctype})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert await db.fetchval("SELECT count(*) FROM areas") == 0


@pytest.mark.parametrize("path", ["/v1/units", "/v1/officers", "/v1/areas"])
async def test_cursors_holding_nul_are_422(client, officer, path):
    for raw in (b"\x00", b"\x00|00000000-0000-0000-0000-000000000001"):
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        r = await client.get(path, params={"cursor": cursor}, headers=officer)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize(
    ("name", "value"),
    [("created_from", "0001-01-01T00:00:00+14:00"), ("created_to", "9999-12-31T23:59:59-12:00")],
)
async def test_dates_postgresql_cannot_hold_are_422(client, officer, name, value):
    r = await client.get("/v1/complaints", params={name: value}, headers=officer)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == name
