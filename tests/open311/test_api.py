"""Open311 GeoReport v2 through the HTTP API, against PostgreSQL: both formats, the spec's errors,
posting through the JAKI channel's intake, tokens, the public view of requests, and who may do
what. (tests/open311_clients drives the same facade with two GeoReport clients from PyPI.)"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import httpx
import pytest

from app.core.deps import reload_routing
from app.geo.repository import import_jakarta_if_empty
from app.open311 import service as open311_service
from tests.helpers import put_complaint, transition

V2 = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CIKINI = (-6.1915, 106.8412)
SPEC_REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
    "expected_datetime", "address", "address_id", "lat", "long", "media_url",
]  # fmt: skip


@pytest.fixture(autouse=True)
async def jakarta(app, db) -> None:  # type: ignore[no-untyped-def]
    await import_jakarta_if_empty(db)
    await reload_routing(app.state.placer, app.state.db)


def xml(r: httpx.Response) -> ET.Element:
    assert r.headers["content-type"] == "text/xml; charset=utf-8", r.headers
    assert r.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), r.content[:80]
    return ET.fromstring(r.content)


def as_json(r: httpx.Response) -> Any:
    assert r.headers["content-type"] == "application/json; charset=utf-8", r.headers
    return r.json()


def errors_of(r: httpx.Response, fmt: str = "json") -> list[dict[str, Any]]:
    if fmt == "json":
        body = as_json(r)
        assert isinstance(body, list) and body, body
        assert all(set(e) == {"code", "description"} for e in body), body
        return body
    root = xml(r)
    assert root.tag == "errors", r.text
    out = [{"code": int(e.findtext("code") or 0), "description": e.findtext("description")} for e in root]
    assert out and all(e.tag == "error" for e in root)
    return out


async def post(
    client: httpx.AsyncClient,
    key: str | None,
    fields: dict[str, Any] | list[tuple[str, str]],
    fmt: str = "json",
    **kw: Any,
) -> httpx.Response:
    pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
    if key is not None:
        pairs.insert(0, ("api_key", key))
    return await client.post(
        f"{V2}/requests.{fmt}", content=urlencode(pairs), headers={**FORM, **kw.pop("headers", {})}, **kw
    )


def bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


REPORT = {
    "service_code": "illegal_parking",
    "lat": str(CIKINI[0]),
    "long": str(CIKINI[1]),
    "address_string": "Jl. Cikini Raya 73",
    "description": "Mobil parkir di trotoar depan TIM setiap pagi, pejalan kaki turun ke jalan.",
    "first_name": "Budi",
    "last_name": "Santoso",
    "email": "budi.santoso@example.id",
    "phone": "081311110000",
    "device_id": "dev-42",
    "account_id": "acct-7",
    "attribute[JENIS_KENDARAAN]": "mobil",
    "attribute[PLAT_NOMOR]": "B 1234 XYZ",
}


# --------------------------------------------------------------------------- discovery, services


async def test_discovery_in_both_formats(client: httpx.AsyncClient) -> None:
    d = as_json(await client.get(f"{V2}/discovery.json"))
    assert set(d) == {"changeset", "contact", "key_service", "endpoints"}
    (ep,) = d["endpoints"]
    assert ep["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert ep["url"].endswith("/open311/v2") and ep["type"] == "production"
    assert ep["formats"] == ["text/xml", "application/json"]
    root = xml(await client.get(f"{V2}/discovery.xml"))
    assert root.tag == "discovery"
    assert [e.tag for e in root] == ["changeset", "contact", "key_service", "endpoints"]
    formats = root.find("endpoints/endpoint/formats")
    assert formats is not None and [f.text for f in formats.findall("format")] == ep["formats"]


async def test_services_are_the_catalogue(client: httpx.AsyncClient, db) -> None:  # type: ignore[no-untyped-def]
    services = as_json(await client.get(f"{V2}/services.json"))
    codes = [s["service_code"] for s in services]
    active = [r["code"] for r in await db.fetch("SELECT code FROM categories WHERE active ORDER BY code")]
    assert codes == active
    by = {s["service_code"]: s for s in services}
    parking = by["illegal_parking"]
    assert parking == {
        "service_code": "illegal_parking",
        "service_name": "Parkir Liar",
        "description": parking["description"],
        "metadata": True,
        "type": "realtime",
        "keywords": parking["keywords"],
        "group": "Dinas Perhubungan",
    }
    assert "parkir" in parking["keywords"] and ":" not in parking["keywords"]
    assert by["rubbish"]["metadata"] is False and by["rubbish"]["group"] == "Dinas Lingkungan Hidup"
    # XML: the same list, <services><service> with the spec's fields, booleans as true/false
    root = xml(await client.get(f"{V2}/services.xml"))
    assert root.tag == "services" and [s.findtext("service_code") for s in root.findall("service")] == codes
    first = root.find("service")
    assert first is not None
    assert [e.tag for e in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert {s.findtext("metadata") for s in root} == {"true", "false"}


async def test_a_category_taken_out_of_service_is_not_listed(client: httpx.AsyncClient, db) -> None:  # type: ignore[no-untyped-def]
    await db.execute("UPDATE categories SET active = false WHERE code = 'noise'")
    try:
        codes = [s["service_code"] for s in as_json(await client.get(f"{V2}/services.json"))]
        assert "noise" not in codes
        r = await client.get(f"{V2}/services/noise.json")
        assert r.status_code == 404
    finally:
        await db.execute("UPDATE categories SET active = true WHERE code = 'noise'")


async def test_service_definition_in_both_formats(client: httpx.AsyncClient) -> None:
    d = as_json(await client.get(f"{V2}/services/illegal_parking.json"))
    assert d["service_code"] == "illegal_parking"
    codes = [a["code"] for a in d["attributes"]]
    assert codes == ["PLAT_NOMOR", "JENIS_KENDARAAN"]
    kind = d["attributes"][1]
    assert kind["datatype"] == "singlevaluelist" and kind["required"] is True and kind["order"] == 2
    assert {"key": "mobil", "name": "Mobil"} in kind["values"]
    assert "values" not in d["attributes"][0]
    root = xml(await client.get(f"{V2}/services/illegal_parking.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "illegal_parking"
    attrs = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attrs] == codes
    assert [e.tag for e in attrs[1]] == [
        "variable", "code", "datatype", "required", "datatype_description", "order", "description", "values",
    ]  # fmt: skip
    assert [v.findtext("key") for v in attrs[1].findall("values/value")][:2] == ["motor", "mobil"]
    # a service without attributes has an empty definition; the informational one is variable=false
    assert as_json(await client.get(f"{V2}/services/rubbish.json")) == {
        "service_code": "rubbish",
        "attributes": [],
    }
    fire = as_json(await client.get(f"{V2}/services/fire_hazard.json"))["attributes"][0]
    assert fire["variable"] is False and "112" in fire["description"]
    # the path the old `open311` client asks (service/, singular) answers the same
    assert as_json(await client.get(f"{V2}/service/illegal_parking.json")) == d


async def test_jurisdiction(client: httpx.AsyncClient) -> None:
    for q in ("", "?jurisdiction_id=", "?jurisdiction_id=jakarta.go.id", "?jurisdiction_id=JAKARTA.GO.ID"):
        assert (await client.get(f"{V2}/services.json{q}")).status_code == 200, q
    r = await client.get(f"{V2}/services.xml?jurisdiction_id=sfgov.org")
    assert r.status_code == 404
    (err,) = errors_of(r, "xml")
    assert err["code"] == 404 and "jurisdiction_id" in err["description"]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_errors_are_the_specification_s(client: httpx.AsyncClient, fmt: str) -> None:
    r = await client.get(f"{V2}/services/no_such_service.{fmt}")
    assert r.status_code == 404
    (err,) = errors_of(r, fmt)
    assert err["code"] == 404 and "no_such_service" in err["description"]
    r = await client.get(f"{V2}/requests/ZZZZ-ZZZZ.{fmt}")
    assert r.status_code == 404 and errors_of(r, fmt)[0]["code"] == 404
    r = await client.get(f"{V2}/requests.{fmt}?status=pending")
    assert r.status_code == 400 and "status" in errors_of(r, fmt)[0]["description"]
    r = await client.get(f"{V2}/requests.{fmt}?page_size=5000")
    assert r.status_code == 400 and errors_of(r, fmt)[0]["code"] == 400
    r = await client.delete(f"{V2}/requests.{fmt}")
    assert r.status_code == 405 and errors_of(r, fmt)[0]["code"] == 405
    # a path nobody serves, and a format that does not exist: still GeoReport errors (XML by default)
    r = await client.get(f"{V2}/nothing.{fmt}")
    assert r.status_code == 404 and errors_of(r, fmt)
    r = await client.get(f"{V2}/services.yaml")
    assert r.status_code == 400 and errors_of(r, "xml")


async def test_the_error_middleware_keeps_statuses_and_headers() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.routing import Route

    from app.core.errors import problem_response
    from app.open311.formats import Open311Errors

    async def limited(request: Request) -> Any:
        return problem_response(429, "Too many requests", "slow down", headers={"Retry-After": "7"})

    async def unauthorized(request: Request) -> Any:
        return problem_response(401, "Unauthorized", "unknown key", headers={"WWW-Authenticate": "Bearer"})

    async def invalid(request: Request) -> Any:
        return problem_response(
            422,
            "Invalid",
            "two things",
            errors=[{"field": "lat", "detail": "bad"}, {"field": "long", "detail": "bad"}],
        )

    async def plain(request: Request) -> Any:
        return problem_response(409, "Conflict", "taken")

    inner = Starlette(
        routes=[
            Route(f"{V2}/a.json", limited),
            Route(f"{V2}/b.xml", unauthorized),
            Route(f"{V2}/c.json", invalid),
            Route("/v1/d", plain),
        ]  # fmt: skip
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=Open311Errors(inner)), base_url="http://t"
    ) as c:
        r = await c.get(f"{V2}/a.json")
        assert r.status_code == 429 and r.headers["retry-after"] == "7"
        assert errors_of(r) == [{"code": 429, "description": "slow down"}]
        r = await c.get(f"{V2}/b.xml")
        assert r.status_code == 403 and "www-authenticate" not in r.headers
        assert errors_of(r, "xml") == [{"code": 403, "description": "unknown key"}]
        r = await c.get(f"{V2}/c.json")
        assert r.status_code == 400
        assert errors_of(r) == [
            {"code": 400, "description": "lat: bad"},
            {"code": 400, "description": "long: bad"},
        ]
        r = await c.get("/v1/d")  # elsewhere: untouched
        assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"


# --------------------------------------------------------------------------- POST requests


async def test_post_makes_a_jaki_complaint_the_key_can_read(client, app_key, admin, db) -> None:  # type: ignore[no-untyped-def]
    r = await post(client, bearer(app_key), REPORT)
    assert r.status_code == 201, r.text
    (answer,) = as_json(r)
    ticket = answer["service_request_id"]
    assert "token" not in answer and answer["account_id"] == "acct-7"
    assert answer["service_notice"].startswith("Target penyelesaian")
    assert r.headers["location"] == f"{V2}/requests/{ticket}.json"
    # the app key reads its own complaint; an admin sees the reporter
    mine = (await client.get("/v1/complaints", headers=app_key)).json()["items"]
    assert [c["ticket"] for c in mine] == [ticket]
    c = (await client.get(f"/v1/complaints/{mine[0]['id']}", headers=admin)).json()
    assert c["channel"] == "jaki" and c["category"] == "illegal_parking" and c["status"] == "received"
    assert c["location"]["lat"] == CIKINI[0] and c["location"]["address"] == "Jl. Cikini Raya 73"
    assert c["area"]["kelurahan"]["name"] == "Cikini"
    assert c["reporter"]["name"] == "Budi Santoso" and c["reporter"]["email"] == "budi.santoso@example.id"
    assert c["reporter"]["phone"] == "+6281311110000"
    o311 = c["metadata"]["open311"]
    assert o311["attributes"] == {"JENIS_KENDARAAN": "mobil", "PLAT_NOMOR": "B 1234 XYZ"}
    assert o311["device_id"] == "dev-42" and o311["account_id"] == "acct-7"
    # the delivery is kept, without the key
    row = await db.fetchrow("SELECT channel, endpoint, body, query, context FROM inbound_deliveries")
    assert (row["channel"], row["endpoint"]) == ("jaki", "open311")
    assert bearer(app_key).encode() not in bytes(row["body"]) and b"api_key" not in bytes(row["body"])
    assert bearer(app_key) not in str(row["context"]) and bearer(app_key) not in str(row["query"])


async def test_a_partner_key_posts_too_and_api_key_may_come_in_the_query(client, make_key) -> None:  # type: ignore[no-untyped-def]
    partner = await make_key("partner", "dashboard kota")
    fields = {
        "service_code": "rubbish",
        "lat": "-6.2",
        "long": "106.85",
        "description": "Sampah menumpuk di TPS",
    }
    r = await client.post(
        f"{V2}/requests.xml?jurisdiction_id=&api_key={bearer(partner)}",
        content=urlencode(fields),
        headers=FORM,
    )
    assert r.status_code == 201, r.text
    root = xml(r)
    assert root.tag == "service_requests" and root.findtext("request/service_request_id")
    assert [e.tag for e in root.find("request")] == ["service_request_id", "service_notice", "account_id"]  # type: ignore[union-attr]
    assert root.find("request/account_id").text is None  # type: ignore[union-attr]  # <account_id/>
    items = (await client.get("/v1/complaints", headers=partner)).json()["items"]
    assert [i["ticket"] for i in items] == [root.findtext("request/service_request_id")]


async def test_who_may_post(client, make_key, admin) -> None:  # type: ignore[no-untyped-def]
    fields = {"service_code": "rubbish", "lat": "-6.2", "long": "106.85", "description": "Sampah"}
    for role in ("officer", "supervisor"):
        key = await make_key(role, f"{role} key")
        r = await post(client, bearer(key), fields)
        assert r.status_code == 403 and role in errors_of(r)[0]["description"], r.text
    r = await post(client, bearer(admin), fields)
    assert r.status_code == 403
    r = await post(client, None, fields)
    assert r.status_code == 403 and "api_key" in errors_of(r)[0]["description"]
    r = await post(client, "not-a-key", fields, fmt="xml")
    assert r.status_code == 403 and errors_of(r, "xml")[0]["code"] == 403
    n = (await client.get("/v1/complaints", headers=admin)).json()["items"]
    assert n == []


async def test_a_bearer_header_works_as_the_key(client, app_key) -> None:  # type: ignore[no-untyped-def]
    fields = {
        "service_code": "rubbish",
        "address_string": "Jl. Kramat Raya",
        "description": "Sampah di trotoar",
    }
    r = await client.post(f"{V2}/requests.json", content=urlencode(fields), headers={**FORM, **app_key})
    assert r.status_code == 201, r.text


async def test_the_same_request_again_is_the_same_complaint(client, app_key, admin) -> None:  # type: ignore[no-untyped-def]
    first = await post(client, bearer(app_key), REPORT)
    again = await post(client, bearer(app_key), REPORT)
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert as_json(first)[0]["service_request_id"] == as_json(again)[0]["service_request_id"]
    # an Idempotency-Key makes it the same request whatever the body
    idem = {"Idempotency-Key": "retry-1"}
    a = await post(client, bearer(app_key), {**REPORT, "description": "satu"}, headers=idem)
    b = await post(client, bearer(app_key), {**REPORT, "description": "satu lagi"}, headers=idem)
    assert (a.status_code, b.status_code) == (201, 200)
    assert as_json(a)[0]["service_request_id"] == as_json(b)[0]["service_request_id"]
    items = (await client.get("/v1/complaints", headers=admin)).json()["items"]
    assert len(items) == 2


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "potholes"}, 404, "potholes"),
        ({"lat": None, "long": None, "address_string": None}, 400, "location"),
        ({"long": None}, 400, "lat"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "91"}, 400, "lat"),
        ({"attribute[JENIS_KENDARAAN]": None}, 400, "attribute[JENIS_KENDARAAN]: required"),
        ({"attribute[JENIS_KENDARAAN]": "pesawat"}, 400, "pesawat"),
        ({"attribute[WARNA]": "merah"}, 400, "attribute[WARNA]"),
        ({"description": "x" * 4001}, 400, "description"),
        ({"email": "budi at home"}, 400, "email"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"jurisdiction_id": "nyc.gov"}, 404, "jurisdiction_id"),
        ({"address_id": "99.99.99.9999", "lat": None, "long": None}, 400, "address_id"),
        ({"description": "nul\x00byte"}, 400, "NUL"),
    ],
)
async def test_a_bad_request_is_refused_and_changes_nothing(
    client, app_key, db, change, status, words
) -> None:  # type: ignore[no-untyped-def]
    fields = {k: v for k, v in {**REPORT, **change}.items() if v is not None}
    for fmt in ("json", "xml"):
        r = await post(client, bearer(app_key), fields, fmt=fmt)
        assert r.status_code == status, r.text
        assert any(words in e["description"] for e in errors_of(r, fmt)), r.text
    assert await db.fetchval("SELECT count(*) FROM complaints") == 0
    assert await db.fetchval("SELECT count(*) FROM inbound_deliveries") == 0


async def test_every_field_error_is_named(client, app_key) -> None:  # type: ignore[no-untyped-def]
    fields = {**REPORT, "lat": "x", "email": "nope", "attribute[JENIS_KENDARAAN]": "kapal"}
    errs = errors_of(await post(client, bearer(app_key), fields))
    named = " ".join(e["description"] for e in errs)
    assert len(errs) == 3 and "lat" in named and "email" in named and "kapal" in named
    assert {e["code"] for e in errs} == {400}


async def test_a_json_body_is_refused(client, app_key) -> None:  # type: ignore[no-untyped-def]
    r = await client.post(f"{V2}/requests.json", json={"service_code": "rubbish"}, headers=app_key)
    assert r.status_code == 400 and "x-www-form-urlencoded" in errors_of(r)[0]["description"]


async def test_multivaluelist_and_other_datatypes(client, app_key, admin) -> None:  # type: ignore[no-untyped-def]
    fields = [
        ("service_code", "water_supply"), ("lat", "-6.2"), ("long", "106.85"), ("description", "Air PAM mati 3 hari"),
        ("attribute[MASALAH][]", "tidak_mengalir"), ("attribute[MASALAH][]", "keruh"),
    ]  # fmt: skip
    r = await post(client, bearer(app_key), fields)
    assert r.status_code == 201, r.text
    items = (await client.get("/v1/complaints", headers=admin)).json()["items"]
    assert items[0]["metadata"]["open311"]["attributes"] == {"MASALAH": ["tidak_mengalir", "keruh"]}
    bad = [*fields[:4], ("attribute[MASALAH][]", "keruh"), ("attribute[MASALAH][]", "hijau")]
    assert (await post(client, bearer(app_key), bad)).status_code == 400
    flood = {"service_code": "drainage_flood", "lat": "-6.2", "long": "106.85", "description": "Banjir"}
    assert (
        await post(client, bearer(app_key), {**flood, "attribute[TINGGI_AIR_CM]": "tinggi"})
    ).status_code == 400
    assert (
        await post(client, bearer(app_key), {**flood, "attribute[TINGGI_AIR_CM]": "40"})
    ).status_code == 201
    noise = {"service_code": "noise", "lat": "-6.2", "long": "106.85", "description": "Bising"}
    assert (await post(client, bearer(app_key), {**noise, "attribute[WAKTU]": "kemarin"})).status_code == 400
    ok = await post(client, bearer(app_key), {**noise, "attribute[WAKTU]": "2026-12-04T23:00:00+07:00"})
    assert ok.status_code == 201


async def test_address_only_requests_are_placed(client, app_key, admin) -> None:  # type: ignore[no-untyped-def]
    # address_id: a Kemendagri code; the area comes from it
    kel = (await client.get("/v1/areas/lookup", params={"lat": CIKINI[0], "lon": CIKINI[1]})).json()
    code = kel["kelurahan"]["code"]
    r = await post(
        client, bearer(app_key), {"service_code": "rubbish", "address_id": code, "description": "Sampah"}
    )
    assert r.status_code == 201, r.text
    # address_string alone: the place names in it
    r2 = await post(
        client, bearer(app_key),
        {"service_code": "rubbish", "address_string": "Jl. Raden Saleh, Kelurahan Cikini, Menteng", "description": "Sampah"},
    )  # fmt: skip
    assert r2.status_code == 201, r2.text
    by_ticket = {c["ticket"]: c for c in (await client.get("/v1/complaints", headers=admin)).json()["items"]}
    first = by_ticket[as_json(r)[0]["service_request_id"]]
    assert first["area"]["kelurahan"]["code"] == code and first["area"]["source"] == "address_id"
    assert first["location"] is None
    second = by_ticket[as_json(r2)[0]["service_request_id"]]
    assert second["area"]["kelurahan"]["name"].lower() == "cikini" and second["area"]["source"] == "text"
    view = as_json(await client.get(f"{V2}/requests/{second['ticket']}.json"))[0]
    assert view["address"].startswith("Jl. Raden Saleh") and view["lat"] is None


async def test_open311_and_the_jaki_app_give_the_same_complaint(client, app_key, admin) -> None:  # type: ignore[no-untyped-def]
    text = "Lampu PJU mati di Jl. Cikini Raya sejak tiga hari, jalan gelap sekali malam hari."
    jaki = await client.post(
        "/v1/channels/jaki/reports",
        json={
            "description": text,
            "category": "street_lights",
            "location": {"lat": CIKINI[0], "lon": CIKINI[1], "address": "Jl. Cikini Raya 73"},
            "reporter": {"name": "Budi Santoso", "phone": "081311110000"},
            "client_report_id": "jaki-1",
        },
        headers=app_key,
    )
    assert jaki.status_code == 201, jaki.text
    o = await post(
        client, bearer(app_key),
        {"service_code": "street_lights", "lat": str(CIKINI[0]), "long": str(CIKINI[1]),
         "address_string": "Jl. Cikini Raya 73", "description": text, "first_name": "Budi",
         "last_name": "Santoso", "phone": "081311110000", "attribute[KONDISI]": "mati"},
    )  # fmt: skip
    assert o.status_code == 201, o.text
    items = (await client.get("/v1/complaints", headers=admin)).json()["items"]
    assert len(items) == 2
    full = [(await client.get(f"/v1/complaints/{i['id']}", headers=admin)).json() for i in items]
    same = (
        "channel", "category", "status", "privacy", "language", "location", "area", "unit", "assignee",
        "sla_state", "status_label", "allowed_transitions",
    )  # fmt: skip
    for field in same:
        assert full[0][field] == full[1][field], field
    # one reporter (the same phone), the same kinds of history, the same clocks
    assert full[0]["reporter"]["id"] == full[1]["reporter"]["id"]
    assert [e["kind"] for e in full[0]["events"]] == [e["kind"] for e in full[1]["events"]]
    clocks = {
        round((datetime.fromisoformat(f[k]) - datetime.fromisoformat(f["created_at"])).total_seconds())
        for f in full
        for k in ("due_at", "response_due_at")
    }
    assert len(clocks) == 2, clocks  # the same two deadlines, to the second
    # the later one is flagged as a probable duplicate of the first, as two JAKI reports would be
    newer = full[0]
    assert "probable_duplicate" in newer["flags"]


# --------------------------------------------------------------------------- tokens


async def test_a_request_kept_without_a_complaint_gets_a_token(
    client, app, app_key, admin, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    pipeline = app.state.pipeline
    real = pipeline.apply

    async def down(*args: Any, **kw: Any) -> Any:
        raise ConnectionError("the intake failed after the delivery was kept")

    monkeypatch.setattr(pipeline, "apply", down)
    r = await post(client, bearer(app_key), REPORT, fmt="xml")
    monkeypatch.setattr(pipeline, "apply", real)
    assert r.status_code == 202, r.text
    root = xml(r)
    token = root.findtext("request/token")
    assert token and root.find("request/service_request_id") is None
    pending = as_json(await client.get(f"{V2}/tokens/{token}.json"))
    assert pending == [{"service_request_id": None, "token": token}]
    # an admin runs the kept delivery again: now it is a complaint, and the token says which
    retry = await client.post(f"/v1/inbound/{token}/retry", headers=admin)
    assert retry.status_code == 201, retry.text
    ticket = retry.json()["outcomes"][0]["ticket"]
    assert as_json(await client.get(f"{V2}/tokens/{token}.json")) == [
        {"service_request_id": ticket, "token": token}
    ]
    root = xml(await client.get(f"{V2}/tokens/{token}.xml"))
    assert root.findtext("request/service_request_id") == ticket and root.findtext("request/token") == token
    # the retried complaint is the key's, with the form's data
    mine = (await client.get("/v1/complaints", headers=app_key)).json()["items"]
    assert [m["ticket"] for m in mine] == [ticket]
    assert mine[0]["metadata"]["open311"]["attributes"]["JENIS_KENDARAAN"] == "mobil"
    for bad in (str(uuid.uuid4()), "not-a-token"):
        r = await client.get(f"{V2}/tokens/{bad}.json")
        assert r.status_code == 404 and errors_of(r)[0]["code"] == 404


# --------------------------------------------------------------------------- GET requests


async def _file(client: httpx.AsyncClient, key: dict[str, str], text: str, **extra: Any) -> dict[str, Any]:
    body = {
        "description": text,
        "location": {"lat": CIKINI[0], "lon": CIKINI[1], "address": "Jl. Cikini Raya 73"},
    }
    r = await client.post("/v1/complaints", json={**body, **extra}, headers=key)
    assert r.status_code == 201, r.text
    return r.json()


async def test_requests_show_only_public_data(client, app_key, officer, admin, make_key) -> None:  # type: ignore[no-untyped-def]
    public = await _file(
        client, app_key, "Jalan berlubang besar, hubungi saya 081299998888 atau budi@example.id",
        category="roads", reporter={"name": "Budi Santoso", "phone": "081299998888"},
    )  # fmt: skip
    anon = await _file(client, app_key, "Sampah menumpuk", category="rubbish", privacy="anonymous")
    secret = await _file(
        client, app_key, "Pungli di kantor kelurahan", category="misconduct", privacy="secret"
    )
    listing = await client.get(f"{V2}/requests.json")
    body = as_json(listing)
    by = {v["service_request_id"]: v for v in body}
    assert set(by) == {public["ticket"], anon["ticket"]}
    for v in body:
        assert list(v) == SPEC_REQUEST_FIELDS
    text = listing.text
    for leak in ("Budi", "081299998888", "budi@example.id", secret["ticket"]):
        assert leak not in text
    p = by[public["ticket"]]
    assert p["status"] == "open" and p["service_code"] == "roads" and p["service_name"] == "Jalan Rusak"
    assert (p["lat"], p["long"]) == CIKINI and p["address"].startswith("Jl. Cikini Raya 73, ")
    assert p["requested_datetime"].endswith("+07:00") and p["expected_datetime"]
    assert p["address_id"] and p["agency_responsible"] and p["status_notes"] == "Menunggu"
    a = by[anon["ticket"]]
    assert (a["lat"], a["long"]) == (round(CIKINI[0], 3), round(CIKINI[1], 3))
    assert not a["address"].startswith("Jl.")  # an anonymous report's street stays out
    # requests/{id}: the same view; a secret one is 404 like an unknown one
    one = as_json(await client.get(f"{V2}/requests/{public['ticket'].lower().replace('-', '')}.json"))
    assert one == [p]
    r = await client.get(f"{V2}/requests/{secret['ticket']}.xml")
    assert r.status_code == 404 and errors_of(r, "xml")[0]["code"] == 404
    # every role, and nobody, sees the same list
    views = [listing.content]
    for headers in (
        app_key,
        officer,
        admin,
        await make_key("partner", "p"),
        await make_key("supervisor", "s"),
    ):
        views.append((await client.get(f"{V2}/requests.json", headers=headers)).content)
    assert len(set(views)) == 1


async def test_closed_requests_notes_and_dates(client, app_key, officer, admin) -> None:  # type: ignore[no-untyped-def]
    c = await _file(client, app_key, "Pohon tumbang menutup jalan", category="trees")
    view = as_json(await client.get(f"{V2}/requests/{c['ticket']}.json"))[0]
    assert view["expected_datetime"] == open311_service.w3(datetime.fromisoformat(c["due_at"]))  # the SLA's
    assert (await transition(client, c["id"], {"status": "in_progress"}, admin)).status_code == 200
    ews = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    r = await put_complaint(client, c["id"], "ews", {"ews_at": ews.isoformat()}, admin)
    assert r.status_code == 200, r.text
    view = as_json(await client.get(f"{V2}/requests/{c['ticket']}.json"))[0]
    assert view["expected_datetime"] == open311_service.w3(ews)  # the date the unit announced
    for status in ("pending_validation", "resolved"):
        note = "Pohon sudah dipotong petugas, hubungi 081211112222" if status == "resolved" else None
        body = {"status": status, **({"note": note, "public": True} if note else {})}
        assert (await transition(client, c["id"], body, admin)).status_code == 200
    root = xml(await client.get(f"{V2}/requests/{c['ticket']}.xml"))
    req = root.find("request")
    assert req is not None and [e.tag for e in req] == SPEC_REQUEST_FIELDS
    assert req.findtext("status") == "closed"
    notes = req.findtext("status_notes") or ""
    assert notes.startswith("Selesai: Pohon sudah dipotong") and "081211112222" not in notes
    assert req.find("expected_datetime").text is None  # type: ignore[union-attr]
    full = (await client.get(f"/v1/complaints/{c['id']}", headers=admin)).json()
    assert req.findtext("updated_datetime") == open311_service.w3(datetime.fromisoformat(full["updated_at"]))
    closed = as_json(await client.get(f"{V2}/requests.json?status=closed"))
    assert [v["service_request_id"] for v in closed] == [c["ticket"]]
    assert as_json(await client.get(f"{V2}/requests.json?status=open")) == []
    both = as_json(await client.get(f"{V2}/requests.json?status=open,closed"))
    assert len(both) == 1


async def test_request_filters_window_and_paging(client, app_key, db) -> None:  # type: ignore[no-untyped-def]
    made = [await _file(client, app_key, f"Sampah menumpuk nomor {i}", category="rubbish") for i in range(5)]
    roads = await _file(client, app_key, "Jalan rusak berlubang", category="roads")
    old = await _file(client, app_key, "Jalan rusak lama", category="roads")
    # one complaint from four months ago: outside the default 90 days
    await db.execute(
        "UPDATE complaints SET created_at = now() - interval '120 days' WHERE id = $1", uuid.UUID(old["id"])
    )
    listed = [v["service_request_id"] for v in as_json(await client.get(f"{V2}/requests.json"))]
    newest_first = [roads["ticket"], *[m["ticket"] for m in reversed(made)]]
    assert listed == newest_first
    codes = as_json(await client.get(f"{V2}/requests.json?service_code=roads"))
    assert [v["service_request_id"] for v in codes] == [roads["ticket"]]
    assert len(as_json(await client.get(f"{V2}/requests.json?service_code=roads,rubbish"))) == 6
    # a window of the past: only the old one
    start = (datetime.now(UTC) - timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (datetime.now(UTC) - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    past = as_json(await client.get(f"{V2}/requests.json", params={"start_date": start, "end_date": end}))
    assert [v["service_request_id"] for v in past] == [old["ticket"]]
    only_start = as_json(await client.get(f"{V2}/requests.json", params={"start_date": start}))
    assert [v["service_request_id"] for v in only_start] == [old["ticket"]]  # 90 days from the start
    r = await client.get(
        f"{V2}/requests.json", params={"start_date": start, "end_date": datetime.now(UTC).isoformat()}
    )
    assert r.status_code == 400 and "90 days" in errors_of(r)[0]["description"]
    r = await client.get(f"{V2}/requests.json", params={"start_date": "yesterday"})
    assert r.status_code == 400 and "start_date" in errors_of(r)[0]["description"]
    # service_request_id overrides every filter (the old one comes back too)
    ids = f"{old['ticket']},{made[0]['ticket'].lower()},NOPE-NOPE"
    by_id = as_json(
        await client.get(f"{V2}/requests.json", params={"service_request_id": ids, "status": "closed"})
    )
    assert {v["service_request_id"] for v in by_id} == {old["ticket"], made[0]["ticket"]}
    # paging: page_size and page, with a Link to the next page while there is one
    r1 = await client.get(f"{V2}/requests.json?page_size=4")
    assert [v["service_request_id"] for v in as_json(r1)] == newest_first[:4]
    nxt = r1.headers["link"]
    assert 'rel="next"' in nxt and "page=2" in nxt
    r2 = await client.get(nxt.split(">")[0].lstrip("<").replace("http://test", ""))
    assert [v["service_request_id"] for v in as_json(r2)] == newest_first[4:]
    assert "link" not in r2.headers
    r3 = await client.get(f"{V2}/requests.xml?page_size=4&page=3")
    assert xml(r3).tag == "service_requests" and list(xml(r3)) == []


async def test_media_url_of_a_public_photo_only(client, app_key) -> None:  # type: ignore[no-untyped-def]
    ok = await post(
        client, bearer(app_key),
        {"service_code": "roads", "lat": "-6.2", "long": "106.85", "description": "Jalan rusak",
         "media_url": "https://img.example.id/jalan.jpg"},
    )  # fmt: skip
    assert ok.status_code == 201
    view = as_json(await client.get(f"{V2}/requests/{as_json(ok)[0]['service_request_id']}.json"))[0]
    assert view["media_url"] == "https://img.example.id/jalan.jpg"
    anon = await _file(
        client, app_key, "Jalan rusak", category="roads", privacy="anonymous",
        attachments=[{"url": "https://img.example.id/rumah.jpg", "media_type": "image/jpeg"}],
    )  # fmt: skip
    view = as_json(await client.get(f"{V2}/requests/{anon['ticket']}.json"))[0]
    assert view["media_url"] is None
