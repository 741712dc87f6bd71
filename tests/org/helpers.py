"""Synthetic areas and units for the routing tests (never the real Jakarta files).

A made-up kota 31.99 "Kota Uji" with two kecamatan:

    lat -6.28 +-----------------+-----------------+
              | 31.99.01.1001   | 31.99.01.1002   |   kecamatan 31.99.01 Cempaka Indah
              | Sukamaju        | Sukajaya        |
    lat -6.30 +-----------------+-----------------+
              | 31.99.02.1001 Mekarsari           |   kecamatan 31.99.02 Melati Raya
    lat -6.32 +-----------------------------------+
              | (kecamatan only, no kelurahan)    |
    lat -6.33 +-----------------------------------+
          lon 106.70          106.72          106.74
"""

from __future__ import annotations

import json
from typing import Any

SUKAMAJU = "31.99.01.1001"
SUKAJAYA = "31.99.01.1002"
MEKARSARI = "31.99.02.1001"
KEC_CEMPAKA = "31.99.01"
KEC_MELATI = "31.99.02"
KOTA = "31.99"

IN_SUKAMAJU = {"lat": -6.29, "lon": 106.71}
IN_SUKAJAYA = {"lat": -6.29, "lon": 106.73}
IN_MEKARSARI = {"lat": -6.31, "lon": 106.72}
ONLY_KECAMATAN = {"lat": -6.325, "lon": 106.72}
OUTSIDE = {"lat": -6.10, "lon": 106.90}

HIERARCHY_CSV = """level,code,name,parent_code
provinsi,31,Daerah Khusus Ibukota Jakarta,
kota_kabupaten,31.99,Kota Administrasi Kota Uji,31
kecamatan,31.99.01,Cempaka Indah,31.99
kecamatan,31.99.02,Melati Raya,31.99
kelurahan,31.99.01.1001,Sukamaju,31.99.01
kelurahan,31.99.01.1002,Sukajaya,31.99.01
kelurahan,31.99.02.1001,Mekarsari,31.99.02
"""


def box(w: float, s: float, e: float, n: float) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def feature(code: str, name: str, level: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "level": level, **props},
        "geometry": geometry,
    }


def kelurahan_geojson() -> dict[str, Any]:
    parent = {"kota_code": KOTA, "kota": "Kota Administrasi Kota Uji"}
    return {
        "type": "FeatureCollection",
        "features": [
            feature(SUKAMAJU, "Sukamaju", "kelurahan", box(106.70, -6.30, 106.72, -6.28),
                    kecamatan_code=KEC_CEMPAKA, kecamatan="Cempaka Indah", **parent),
            feature(SUKAJAYA, "Sukajaya", "kelurahan", box(106.72, -6.30, 106.74, -6.28),
                    kecamatan_code=KEC_CEMPAKA, kecamatan="Cempaka Indah", **parent),
            feature(MEKARSARI, "Mekarsari", "kelurahan", box(106.70, -6.32, 106.74, -6.30),
                    kecamatan_code=KEC_MELATI, kecamatan="Melati Raya", **parent),
        ],
    }  # fmt: skip


def kecamatan_geojson() -> dict[str, Any]:
    parent = {"kota_code": KOTA, "kota": "Kota Administrasi Kota Uji"}
    return {
        "type": "FeatureCollection",
        "features": [
            feature(KEC_CEMPAKA, "Cempaka Indah", "kecamatan", box(106.70, -6.30, 106.74, -6.28), **parent),
            feature(KEC_MELATI, "Melati Raya", "kecamatan", box(106.70, -6.33, 106.74, -6.30), **parent),
        ],
    }


async def import_areas(client, admin) -> None:  # type: ignore[no-untyped-def]
    r = await client.post(
        "/v1/areas/import", content=HIERARCHY_CSV.encode(), headers={**admin, "Content-Type": "text/csv"}
    )
    assert r.status_code == 200, r.text
    for doc in (kecamatan_geojson(), kelurahan_geojson()):
        r = await client.post(
            "/v1/areas/import",
            content=json.dumps(doc),
            headers={**admin, "Content-Type": "application/geo+json"},
        )
        assert r.status_code == 200, r.text


UNITS = [
    {"code": "kel-31.99.01.1001", "name": "Kelurahan Sukamaju", "kind": "kelurahan", "area_codes": [SUKAMAJU]},
    {"code": "kel-31.99.01.1002", "name": "Kelurahan Sukajaya", "kind": "kelurahan", "area_codes": [SUKAJAYA]},
    {"code": "kec-31.99.02", "name": "Kecamatan Melati Raya", "kind": "kecamatan", "area_codes": [KEC_MELATI]},
    {"code": "sda", "name": "Dinas Sumber Daya Air", "kind": "agency", "agency": "sda",
     "categories": ["drainage_flood"]},
    {"code": "sudin-sda-31.99", "name": "Suku Dinas SDA Kota Uji", "kind": "sudin", "agency": "sda",
     "kota_code": KOTA, "categories": ["drainage_flood"]},
    {"code": "bina-marga", "name": "Dinas Bina Marga", "kind": "agency", "agency": "bina-marga",
     "categories": ["roads", "street_lights"]},
    {"code": "triage", "name": "Tim Triase Pengaduan", "kind": "triage"},
]  # fmt: skip


async def create_units(client, admin, units=None) -> None:  # type: ignore[no-untyped-def]
    for unit in units or UNITS:
        r = await client.post("/v1/units", json=unit, headers=admin)
        assert r.status_code == 201, r.text


async def create_officer(client, admin, unit: str, name: str, **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post("/v1/officers", json={"name": name, "unit": unit, **extra}, headers=admin)
    assert r.status_code == 201, r.text
    return r.json()


async def setup_routing(client, admin) -> None:  # type: ignore[no-untyped-def]
    await import_areas(client, admin)
    await create_units(client, admin)


async def submit(client, headers, description: str, **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post("/v1/complaints", json={"description": description, **extra}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def full(client, headers, complaint_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.get(f"/v1/complaints/{complaint_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def lapor_report(
    client, description: str, *, tracking_id: str, received_at: str, **extra: Any
) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A LAPOR! disposition through its signed webhook (the only way a LAPOR! complaint comes in);
    answers the created complaint's outcome."""
    from tests.channels.signers_others import body_bytes, sign_lapor
    from tests.conftest import CHANNEL_SECRETS

    event = {
        "event_id": f"evt-{tracking_id}", "event": "laporan.didisposisikan", "tracking_id": tracking_id,
        "judul": description[:60], "isi": description, "klasifikasi": "pengaduan", "sumber": "web",
        "tanggal_laporan": received_at, "tanggal_disposisi": received_at, "rahasia": False, "anonim": False,
        "lokasi": None, "pelapor": None, "lampiran": [], "status": "Didisposisikan", **extra,
    }  # fmt: skip
    request = {"json": event}
    r = await client.post(
        "/v1/channels/lapor/webhook",
        content=body_bytes(request),
        headers={"Content-Type": "application/json", **sign_lapor(request, CHANNEL_SECRETS)},
    )
    assert r.status_code == 201, r.text
    return r.json()["outcomes"][0]
