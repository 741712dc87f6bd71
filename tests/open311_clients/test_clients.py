"""Two GeoReport v2 clients from PyPI against a running Aduan, unchanged in what they send and
how they read: ``georeport`` 0.3 (requests + xmltodict; JSON and XML) and ``open311`` 1.1 (the
Python 2 era client: empty ``jurisdiction_id=`` everywhere, ``api_key`` in the query of a form
POST, no Accept header, everything read as XML)."""

from __future__ import annotations

import urllib.error
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from xml.etree import ElementTree as ET

import asyncpg
import httpx
import pytest
import requests
from georeport import GeoReport

from tests.conftest import _asyncpg_dsn
from tests.open311_clients.conftest import CIKINI, Live, post_json

# The 2011 client's own regex ("\{(.*)\}(.*)") warns as Python 3 compiles it: its code, left as is.
pytestmark = pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")

PARKING = {
    "service_code": "illegal_parking",
    "lat": str(CIKINI[0]),
    "long": str(CIKINI[1]),
    "address_string": "Jl. Cikini Raya 73",
    "first_name": "Siti",
    "last_name": "Aminah",
    "email": "siti@example.id",
    "phone": "081322223333",
    "description": "Mobil parkir di trotoar depan Taman Ismail Marzuki setiap pagi",
    "attribute[JENIS_KENDARAAN]": "mobil",
}


@pytest.fixture(scope="module")
def old_client(live: Live, legacy_open311: ModuleType) -> Any:
    # As its README shows: endpoint and key; jurisdiction left unset (it sends it empty).
    return legacy_open311.Open311(endpoint=live.endpoint, api_key=live.app_key)


@pytest.fixture(scope="module")
def filed(live: Live, old_client: Any) -> dict[str, str]:
    """Three complaints: one posted by the old client, one from the JAKI app, one resolved."""
    answer = old_client.post_service_request(**PARKING)
    parking = answer["service_requests"]["request"]["service_request_id"]
    app = post_json(
        live, "/v1/complaints",
        {"description": "Sampah menumpuk di TPS Cikini", "category": "rubbish",
         "location": {"lat": CIKINI[0], "lon": CIKINI[1]}},
        live.app_key,
    )  # fmt: skip
    done = post_json(
        live, "/v1/complaints",
        {"description": "Jalan berlubang di Jl. Raden Saleh", "category": "roads",
         "location": {"lat": -6.1935, "lon": 106.8420}},
        live.app_key,
    )  # fmt: skip
    for status in ("in_progress", "pending_validation", "resolved"):
        version = httpx.get(f"{live.base}/v1/complaints/{done['id']}", headers=live.admin).json()["version"]
        r = httpx.post(
            f"{live.base}/v1/complaints/{done['id']}/transitions",
            json={"status": status, "note": "Lubang sudah ditambal", "public": True},
            headers={**live.admin, "If-Match": f'"{version}"'},
        )
        assert r.status_code == 200, r.text
    return {"parking": parking, "rubbish": app["ticket"], "roads": done["ticket"]}


# --------------------------------------------------------------------------- georeport (PyPI)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_services_and_definitions(live: Live, fmt: str) -> None:
    client = GeoReport(live.endpoint, output_format=fmt)
    services = client.get_service_list()
    by = {s["service_code"]: s for s in services}
    assert len(by) >= 20 and by["illegal_parking"]["service_name"] == "Parkir Liar"
    assert by["illegal_parking"]["group"] == "Dinas Perhubungan"
    assert by["illegal_parking"]["metadata"] in (True, "true")
    definition = client.get_service_definition("illegal_parking")
    assert definition["service_code"] == "illegal_parking"
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    codes = [a["code"] for a in attributes]
    assert codes == ["PLAT_NOMOR", "JENIS_KENDARAAN"]
    values = attributes[1]["values"] if fmt == "json" else attributes[1]["values"]["value"]
    assert {"key": "motor", "name": "Sepeda motor"} in [dict(v) for v in values]
    # a jurisdiction of another city is 404, the body GeoReport's errors
    other = GeoReport(live.endpoint, jurisdiction="sfgov.org", output_format=fmt)
    with pytest.raises(requests.HTTPError) as err:
        other.get_service_list()
    assert err.value.response.status_code == 404
    body = err.value.response.content
    assert b"jurisdiction_id" in body and (b"<errors>" in body if fmt == "xml" else body.startswith(b"[{"))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_requests(live: Live, filed: dict[str, str], fmt: str) -> None:
    client = GeoReport(live.endpoint, output_format=fmt)
    one = client.get_service_request(filed["parking"])
    assert one["service_request_id"] == filed["parking"]
    assert one["service_code"] == "illegal_parking" and one["status"] == "open"
    text = str(one)
    assert "Siti" not in text and "081322223333" not in text and "siti@example.id" not in text
    # several by id (xmltodict gives a list for two <request>)
    two = client.get_service_requests(service_request_id=f"{filed['parking']},{filed['roads']}")
    assert {r["service_request_id"] for r in two} == {filed["parking"], filed["roads"]}
    # with filters
    closed = client.get_service_requests(status="closed")
    closed = [closed] if isinstance(closed, dict) else closed  # xmltodict: one <request> is a dict
    assert [r["service_request_id"] for r in closed] == [filed["roads"]]
    assert closed[0]["status_notes"].startswith("Selesai")
    opened = client.get_service_requests(status="open", service_code="rubbish,illegal_parking")
    assert {r["service_request_id"] for r in opened} == {filed["parking"], filed["rubbish"]}
    now = datetime.now(UTC)
    window = client.get_service_requests(
        start_date=(now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        end_date=(now + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    assert {r["service_request_id"] for r in window} == set(filed.values())
    with pytest.raises(requests.HTTPError) as err:
        client.get_service_request("ZZZZ-ZZZZ")
    assert err.value.response.status_code == 404


# --------------------------------------------------------------------------- open311 1.1 (Python 2 era)


def test_old_client_posts_and_reads_xml(live: Live, filed: dict[str, str], old_client: Any) -> None:
    ticket = filed["parking"]
    # the complaint it filed is a JAKI complaint of its key, with the reporter it named
    mine = httpx.get(f"{live.base}/v1/complaints", headers={"Authorization": f"Bearer {live.app_key}"}).json()
    assert ticket in {c["ticket"] for c in mine["items"]}
    full = next(
        c
        for c in httpx.get(f"{live.base}/v1/complaints", headers=live.admin).json()["items"]
        if c["ticket"] == ticket
    )
    full = httpx.get(f"{live.base}/v1/complaints/{full['id']}", headers=live.admin).json()
    assert full["channel"] == "jaki" and full["category"] == "illegal_parking"
    assert full["reporter"]["name"] == "Siti Aminah" and full["area"]["kelurahan"]["name"] == "Cikini"
    # its lists and single requests, read as XML with its own parser
    services = old_client.service_list()
    assert "illegal_parking" in [s["service_code"] for s in services]
    definition = old_client.service_definition("illegal_parking")["service_definition"]
    assert [a["code"] for a in definition["attributes"]["attribute"]] == ["PLAT_NOMOR", "JENIS_KENDARAAN"]
    listed = old_client.service_requests()
    assert {r["service_request_id"] for r in listed} == set(filed.values())
    one = old_client.get_service_request(ticket)["service_requests"]["request"]
    assert one["service_request_id"] == ticket and one["status"] == "open"
    assert one["lat"] == str(CIKINI[0])
    # the same form again is the same request
    again = old_client.post_service_request(**PARKING)["service_requests"]["request"]
    assert again["service_request_id"] == ticket


async def test_old_client_reads_a_token(
    live: Live, filed: dict[str, str], old_client: Any, database_url: str
) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        token = await conn.fetchval(
            "SELECT id::text FROM inbound_deliveries WHERE endpoint = 'open311' LIMIT 1"
        )
    finally:
        await conn.close()
    answer = old_client.request_id_from_token(token)
    assert answer == {"service_request_id": filed["parking"], "token": token}


def test_old_client_meets_the_errors(live: Live, filed: dict[str, str], legacy_open311: ModuleType) -> None:
    wrong_key = legacy_open311.Open311(endpoint=live.endpoint, api_key="not-a-key")
    with pytest.raises(urllib.error.HTTPError) as err:
        wrong_key.post_service_request(**PARKING)
    assert err.value.code == 403
    root = ET.fromstring(err.value.read())
    assert root.tag == "errors" and root.findtext("error/code") == "403"
    client = legacy_open311.Open311(endpoint=live.endpoint, api_key=live.app_key)
    with pytest.raises(urllib.error.HTTPError) as err:
        client.post_service_request(service_code="illegal_parking", description="tanpa lokasi")
    assert err.value.code == 400
    descriptions = [e.findtext("description") for e in ET.fromstring(err.value.read())]
    assert any("location" in (d or "") for d in descriptions) and any(
        "JENIS_KENDARAAN" in (d or "") for d in descriptions
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        client.get_service_request("ZZZZ-ZZZZ")
    assert err.value.code == 404
