"""Hostile input: each finding of the fuzzing run (issue 12) as a request through HTTP.

Every refusal is a 4xx ``application/problem+json`` that names the field and fits the
documented Problem schema (``field`` a string, never null), and leaves the database as
it was. Raw platform bytes of any value (0xff, NUL, 8-bit mail) are archived and shown
safely, and never cost a delivery.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.core.errors import PROBLEM_SCHEMA, install_error_handlers
from tests.channels.signers_others import sign_sms_gateway
from tests.channels.signers_platforms import sign_twitter
from tests.conftest import CHANNEL_SECRETS, _asyncpg_dsn

# What a refusal may not change.
TABLES = (
    "complaints",
    "complaint_events",
    "reporters",
    "reporter_identities",
    "units",
    "officers",
    "inbound_deliveries",
)


async def snapshot(db: asyncpg.Connection) -> dict[str, object]:
    """Every row of the tables a request could touch, as text: equal means nothing changed."""
    out: dict[str, object] = {}
    for table in TABLES:
        rows = await db.fetch(f"SELECT t::text AS row FROM {table} t ORDER BY 1")
        out[table] = [r["row"] for r in rows]
    return out


def assert_problem(r: httpx.Response, status: int | tuple[int, ...], field: str | None = None) -> dict:
    """A problem+json answer of ``status`` that fits PROBLEM_SCHEMA and, when ``field`` is
    given, names it (exactly, or as the start of a dotted path)."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert r.status_code in statuses, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body = r.json()
    for key in PROBLEM_SCHEMA["required"]:
        assert key in body, (key, body)
    assert isinstance(body["type"], str) and isinstance(body["title"], str)
    assert isinstance(body["status"], int) and isinstance(body["detail"], str)
    for err in body.get("errors", []):
        assert isinstance(err.get("field"), str), body  # never null (issue 12)
        assert isinstance(err.get("detail"), str), body
        assert err.get("type") is None or isinstance(err["type"], str), body
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert any(f == field or f.startswith(field + ".") for f in fields), (field, body)
    return body


async def _complaint(client: httpx.AsyncClient, headers: dict[str, str], **extra) -> dict:
    r = await client.post(
        "/v1/complaints", json={"description": "Lampu PJU mati di Jl. Cikini Raya", **extra}, headers=headers
    )
    assert r.status_code == 201, r.text
    return r.json()


# --------------------------------------------------------------------------- JSON bodies


async def test_nul_in_description_is_422_and_stores_nothing(client, app_key, db):
    before = await snapshot(db)
    r = await client.post("/v1/complaints", json={"description": "Lampu\u0000 mati"}, headers=app_key)
    assert_problem(r, 422, "description")
    r = await client.post(
        "/v1/complaints",
        json={"description": "Lampu mati", "metadata": {"k\u0000ey": "v"}},
        headers=app_key,
    )
    assert_problem(r, 422, "metadata")
    assert await snapshot(db) == before


async def test_nesting_past_the_depth_is_422(client, app_key, db):
    deep: object = "bottom"
    for _ in range(40):
        deep = {"d": deep}
    before = await snapshot(db)
    r = await client.post(
        "/v1/complaints", json={"description": "Sampah menumpuk", "metadata": deep}, headers=app_key
    )
    body = assert_problem(r, 422, "metadata")
    assert "deeper" in body["errors"][0]["detail"]
    # a list of lists is nesting too, and a body that is nothing but nesting
    r = await client.post("/v1/complaints", content=b"[" * 5000 + b"]" * 5000, headers=app_key | _json())
    assert_problem(r, (400, 422))
    assert await snapshot(db) == before
    # a modest metadata object is still fine
    await _complaint(client, app_key, metadata={"a": {"b": {"c": [1, 2, {"d": "e"}]}}})


def _json() -> dict[str, str]:
    return {"content-type": "application/json"}


@pytest.mark.parametrize(
    "received_at", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+07:00", "1970-01-01T00:00:00Z"]
)
async def test_received_at_outside_the_sane_range_is_422(client, app_key, db, received_at):
    before = await snapshot(db)
    r = await client.post(
        "/v1/complaints", json={"description": "Jalan rusak", "received_at": received_at}, headers=app_key
    )
    assert_problem(r, 422, "received_at")
    assert await snapshot(db) == before


async def test_received_at_in_range_is_kept(client, app_key):
    c = await _complaint(client, app_key, received_at="2026-03-01T10:12:40+07:00")
    assert c["received_at"].startswith("2026-03-01T03:12:40")


async def test_duplicate_of_pointing_nowhere_is_422_and_changes_nothing(client, app_key, officer, db):
    c = await _complaint(client, app_key)
    before = await snapshot(db)
    headers = officer | {"If-Match": f'"{c["version"]}"'}
    for body in (
        {"status": "duplicate", "duplicate_of": str(uuid.uuid4())},
        # with another move it would have been written all the same (a foreign key to nowhere)
        {"status": "in_progress", "duplicate_of": str(uuid.uuid4())},
    ):
        r = await client.post(f"/v1/complaints/{c['id']}/transitions", json=body, headers=headers)
        assert_problem(r, 422, "duplicate_of")
    assert await snapshot(db) == before


async def _unit(client, admin, code="kel-31.71.06.1003") -> dict:
    r = await client.post(
        "/v1/units",
        json={"code": code, "name": "Kelurahan Cikini", "kind": "kelurahan", "area_codes": ["31.71.06.1003"]},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return r.json()


def _if_match(r: httpx.Response) -> dict[str, str]:
    """The precondition for a PATCH of what ``r`` read (units and officers carry a version)."""
    etag = r.headers.get("etag")
    if etag:
        return {"If-Match": etag}
    version = r.json().get("version")
    return {"If-Match": f'"{version}"'} if version is not None else {}


@pytest.mark.parametrize("field", ["name", "area_codes", "categories", "active"])
async def test_explicit_null_in_unit_patch_is_422_naming_the_field(client, admin, db, field):
    unit = await _unit(client, admin)
    read = await client.get(f"/v1/units/{unit['code']}", headers=admin)
    before = await snapshot(db)
    r = await client.patch(f"/v1/units/{unit['code']}", json={field: None}, headers=admin | _if_match(read))
    assert_problem(r, 422, field)
    assert await snapshot(db) == before
    # null still clears what may be empty
    r = await client.patch(
        f"/v1/units/{unit['code']}", json={"agency": None}, headers=admin | _if_match(read)
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("field", ["name", "unit", "role", "area_codes", "categories", "capacity", "active"])
async def test_explicit_null_in_officer_patch_is_422_naming_the_field(client, admin, db, field):
    unit = await _unit(client, admin)
    r = await client.post("/v1/officers", json={"name": "Siti", "unit": unit["code"]}, headers=admin)
    assert r.status_code == 201, r.text
    officer_id = r.json()["id"]
    read = await client.get(f"/v1/officers/{officer_id}", headers=admin)
    before = await snapshot(db)
    r = await client.patch(f"/v1/officers/{officer_id}", json={field: None}, headers=admin | _if_match(read))
    assert_problem(r, 422, field)
    assert await snapshot(db) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/units", {"code": "k" * 61, "name": "X", "kind": "triage"}, "code"),
        (
            "/v1/units",
            {"code": "sudin-x", "name": "X", "kind": "sudin", "agency": "sda", "kota_code": "3" * 25},
            "kota_code",
        ),
        (
            "/v1/units",
            {"code": "kel-x", "name": "X", "kind": "kelurahan", "area_codes": ["1" * 30]},
            "area_codes",
        ),
        (
            "/v1/units",
            {"code": "kel-y", "name": "X", "kind": "kelurahan", "categories": ["c" * 41]},
            "categories",
        ),
        ("/v1/units", {"code": "ag-x", "name": "X", "kind": "agency", "agency": "a" * 61}, "agency"),
        ("/v1/officers", {"name": "Siti", "unit": "u" * 61}, "unit"),
        ("/v1/complaints", {"description": "Jalan rusak", "category": "c" * 41}, "category"),
        ("/v1/complaints", {"description": "Jalan rusak", "language": "l" * 11}, "language"),
        ("/v1/complaints", {"description": "Jalan rusak", "external_id": "e" * 501}, "external_id"),
        (
            "/v1/complaints",
            {"description": "Jalan rusak", "reporter": {"handles": {"t" * 41: "budi"}}},
            "reporter.handles",
        ),
    ],
)
async def test_over_long_codes_are_422(client, admin, db, path, body, field):
    before = await snapshot(db)
    r = await client.post(path, json=body, headers=admin)
    assert_problem(r, 422, field)
    assert await snapshot(db) == before


async def test_over_long_codes_in_paths_are_404_not_500(client, admin):
    for path in (
        f"/v1/units/{'k' * 5000}",
        f"/v1/categories/{'c' * 5000}/keywords",
        f"/v1/track/{'T' * 5000}",
    ):
        r = await client.get(path, headers=admin)
        assert_problem(r, (404, 422))


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"description": "Jalan rusak", "metadata": {"n": 100000000000000000000000000000}}', "metadata.n"),
        (b'{"description": "Jalan rusak", "metadata": {"n": -99999999999999999999}}', "metadata.n"),
        (
            b'{"description": "Jalan rusak", "location": {"lat": -6.2, "lon": 106.8, "accuracy_m": 1e400}}',
            "location",
        ),
        (b'{"description": "Jalan rusak", "attachments": [{"url": "/x", "size": 1e999}]}', "attachments"),
    ],
)
async def test_huge_numbers_are_refused(client, app_key, db, raw, field):
    before = await snapshot(db)
    r = await client.post("/v1/complaints", content=raw, headers=app_key | _json())
    if r.status_code == 400:  # the parser itself refused the number: a problem naming the body
        assert_problem(r, 400)
    else:
        assert_problem(r, 422, field)
    assert await snapshot(db) == before


async def test_huge_capacity_is_422(client, admin, db):
    unit = await _unit(client, admin)
    before = await snapshot(db)
    r = await client.post(
        "/v1/officers", json={"name": "Siti", "unit": unit["code"], "capacity": 10**20}, headers=admin
    )
    assert_problem(r, 422, "capacity")
    assert await snapshot(db) == before


async def test_a_body_that_is_not_an_object_names_the_body(client, app_key):
    for raw in (b"[]", b'"text"', b"null", b"42"):
        r = await client.post("/v1/complaints", content=raw, headers=app_key | _json())
        body = assert_problem(r, 422, "body")
        assert all(e["field"] for e in body["errors"])


async def test_nul_in_a_multipart_jaki_report_is_422_naming_the_field(client, app_key, db):
    """Forms do not pass through JsonRoute's checks: the intake schema itself refuses NUL."""
    from tests.channels.test_media_links import _png

    before = await snapshot(db)
    form = {"description": "Pohon\x00 tumbang", "lat": "-6.19", "lon": "106.83", "reporter_name": "Budi"}
    files = [("photos", ("pohon.png", _png(), "image/png"))]
    r = await client.post("/v1/channels/jaki/reports", data=form, files=files, headers=app_key)
    assert_problem(r, 422, "description")
    form = {"description": "Pohon tumbang", "lat": "-6.19", "lon": "106.83", "reporter_name": "Bu\x00di"}
    r = await client.post("/v1/channels/jaki/reports", data=form, files=files, headers=app_key)
    assert_problem(r, 422, "reporter.name")
    assert await snapshot(db) == before


# --------------------------------------------------------------------------- query and path parameters


async def test_nul_in_query_strings_is_422_naming_the_parameter(client, officer, admin, db):
    before = await snapshot(db)
    for url, headers, name in (
        ("/v1/complaints?q=lampu%00mati", officer, "query.q"),
        ("/v1/units?agency=%00", officer, "query.agency"),
        ("/v1/inbound?channel=sms%00", admin, "query.channel"),
        ("/v1/track/K7M2%00Q9XD", {}, "path"),
    ):
        r = await client.get(url, headers=headers)
        assert_problem(r, 422, name)
    assert await snapshot(db) == before


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=100000000000000000000000",
        "limit=-1",
        "limit=abc",
        "cursor=!!!not-base64!!!",
        "cursor=" + base64.urlsafe_b64encode(b"\xff\xfe|x").decode(),
        "cursor=" + base64.urlsafe_b64encode(b"2026-01-01T00:00:00|not-a-uuid").decode(),
        "cursor=" + base64.urlsafe_b64encode(b"\x00|\x00").decode(),
        "created_from=99999-01-01",
    ],
)
async def test_bad_limits_and_cursors_are_422(client, officer, query):
    r = await client.get(f"/v1/complaints?{query}", headers=officer)
    assert_problem(r, 422)


async def test_bad_cursors_of_other_lists_are_422(client, admin):
    nul_cursor = base64.urlsafe_b64encode(b"\x00").decode()
    for url in (
        f"/v1/units?cursor={nul_cursor}",
        f"/v1/areas?cursor={nul_cursor}",
        f"/v1/inbound?cursor={nul_cursor}",
        "/v1/inbound?cursor="
        + base64.urlsafe_b64encode(b"2026-01-01T00:00:00|" + str(uuid.uuid4()).encode()).decode(),
    ):
        r = await client.get(url, headers=admin)
        assert r.status_code in (200, 422), (url, r.status_code, r.text)
        if r.status_code == 422:
            # a cursor whose decoded text holds NUL reaches SQL in some lists: the safety net's
            # 422 names no field there (reported; the cursor decoders are not this module's)
            assert_problem(r, 422)


# --------------------------------------------------------------------------- raw platform bytes


async def _sms(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    headers = {"content-type": "application/json"} | sign_sms_gateway({"body": body}, CHANNEL_SECRETS)
    return await client.post("/v1/channels/sms/inbound", content=body, headers=headers)


async def test_sms_with_0xff_is_kept_and_the_inbound_list_still_answers(client, admin, officer, db):
    body = b'{"id": "MO-FF-1", "msisdn": "6281311110000", "text": "Lampu mati \xff di Cikini"}'
    r = await _sms(client, body)
    assert r.status_code in (201, 202), r.text
    assert await db.fetchval("SELECT body FROM inbound_deliveries") == body  # every byte, as it came
    if r.status_code == 201:  # decoded leniently: the citizen's message is not lost to one byte
        cid = r.json()["outcomes"][0]["complaint_id"]
        full = (await client.get(f"/v1/complaints/{cid}", headers=officer)).json()
        assert full["description"] == "Lampu mati \ufffd di Cikini"
    # a body that is no JSON at all, with NUL and 0xff: kept as failed, listed
    r = await _sms(client, b"\x00\xff\xfe garbage")
    assert r.status_code == 202, r.text
    assert r.json()["outcomes"][0]["action"] == "failed"
    for status in ("processed", "failed"):
        listed = await client.get(f"/v1/inbound?status={status}", headers=admin)
        assert listed.status_code == 200, listed.text
        assert len(listed.json()["items"]) == 1
    failed = (await client.get("/v1/inbound?status=failed", headers=admin)).json()["items"][0]
    assert failed["body_preview"] == "\u0000\ufffd\ufffd garbage"
    assert failed["size"] == len(b"\x00\xff\xfe garbage")


async def test_sms_preview_cut_inside_a_utf8_sequence_is_rendered(client, admin):
    text = "Jalan berlubang di Jl. Cikini Raya " + "é" * 400  # two bytes each: byte 500 splits one
    body = json.dumps({"id": "MO-LONG", "msisdn": "6281311110000", "text": text}, ensure_ascii=False).encode()
    r = await _sms(client, body)
    assert r.status_code == 201, r.text
    item = (await client.get("/v1/inbound?status=processed", headers=admin)).json()["items"][0]
    assert item["body_preview"].startswith('{"id": "MO-LONG"')


async def test_sms_with_nul_and_a_year_9999_timestamp_becomes_a_complaint(client, officer, db):
    body = json.dumps(
        {
            "id": "MO-NUL-1",
            "msisdn": "6281311110000",
            "text": "Got mampet\u0000 di Tebet",
            "received_at": "9999-12-31 23:59:59",
        }
    ).encode()
    r = await _sms(client, body)
    assert r.status_code == 201, r.text
    cid = r.json()["outcomes"][0]["complaint_id"]
    full = (await client.get(f"/v1/complaints/{cid}", headers=officer)).json()
    assert full["description"] == "Got mampet di Tebet"
    assert not full["received_at"].startswith("9999")
    assert await db.fetchval("SELECT status FROM inbound_deliveries") == "processed"


async def test_tweet_with_nul_becomes_a_complaint(client, officer):
    payload = {
        "for_user_id": "2244994945",
        "tweet_create_events": [
            {
                "id_str": "1590000000000000777",
                "created_at": "Mon Mar 02 03:12:40 +0000 2026",
                "text": "@DKIJakarta Jalan\u0000 berlubang di Jl. Cikini Raya",
                "user": {"id_str": "99", "screen_name": "budi\u0000s", "name": "Budi\u0000"},
            }
        ],
    }
    body = json.dumps(payload).encode()
    headers = {"content-type": "application/json"} | sign_twitter({"body": body}, CHANNEL_SECRETS)
    r = await client.post("/v1/channels/twitter/webhook", content=body, headers=headers)
    assert r.status_code in (201, 202), r.text
    outcome = r.json()["outcomes"][0]
    if r.status_code == 201:
        full = (await client.get(f"/v1/complaints/{outcome['complaint_id']}", headers=officer)).json()
        assert "\u0000" not in full["description"] and "berlubang" in full["description"]


async def test_email_with_invalid_utf8_is_stored_and_becomes_a_complaint(
    client, make_key, admin, officer, db
):
    partner = await make_key("partner")
    raw = (
        b"From: Dewi \xff\xfe <dewi@example.com>\r\n"
        b"To: dki@jakarta.go.id\r\n"
        b"Subject: Pohon tumbang \xc3\x28 di Teuku Umar\r\n"
        b"Message-ID: <garbage-1@example.com>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"Pohon tumbang \xff\x00 menutup satu lajur jalan.\r\n"
    )
    r = await client.post(
        "/v1/channels/email/inbound", content=raw, headers=partner | {"content-type": "message/rfc822"}
    )
    assert r.status_code in (201, 202), r.text
    assert await db.fetchval("SELECT body FROM inbound_deliveries") == raw
    if r.status_code == 201:
        cid = r.json()["outcomes"][0]["complaint_id"]
        full = (await client.get(f"/v1/complaints/{cid}", headers=officer)).json()
        assert "menutup satu lajur" in full["description"] and "\u0000" not in full["description"]
    listed = await client.get(
        "/v1/inbound?status=" + ("processed" if r.status_code == 201 else "failed"), headers=admin
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"][0]["body_preview"].startswith("From: Dewi \ufffd\ufffd")


GOLDEN = Path(__file__).resolve().parents[1] / "channels" / "payloads"
SIGNED_STEPS = [
    pytest.param(step, id=f"{case.parent.name}/{case.stem}#{i}")
    for case in sorted(GOLDEN.glob("*/*.json"))
    for i, step in enumerate(json.loads(case.read_text())["steps"])
    if step.get("sign")
    and step["request"]["method"] == "POST"
    and not step["request"].get("files")
    and step.get("expect", {}).get("status") != 401
    and not step.get("signer_secret_override")
    # raw bodies (MIME, SMS bytes) have their own tests above; no test of the suite skips
    and ("json" in step["request"] or "form" in step["request"])
    for step in [{**step, "_dir": case.parent.name}]
]


def _poison(value: object) -> object:
    """Every text of a payload with NUL and a lone surrogate (the escapes JSON allows)."""
    if isinstance(value, str):
        return value + "\u0000\udcff"
    if isinstance(value, dict):
        return {k: _poison(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v) for v in value]
    return value


@pytest.mark.parametrize("step", SIGNED_STEPS)
@pytest.mark.parametrize("how", ["escapes", "raw_bytes"])
async def test_every_signed_channel_stores_hostile_text_and_never_answers_500(client, admin, db, step, how):
    """Each golden delivery of a signed channel, its texts poisoned: archived, then a complaint
    or a failed delivery kept for review; never a 500, never lost."""
    from tests.channels.test_golden import SIGNERS

    request = json.loads(json.dumps(step["request"]))
    headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
    if "json" in request:
        headers.setdefault("content-type", "application/json")
        if how == "escapes":
            request["json"] = _poison(request["json"])
            raw = json.dumps(request["json"], separators=(",", ":")).encode()
        else:  # invalid UTF-8 in the first text of the body
            raw = json.dumps(request["json"], ensure_ascii=False, separators=(",", ":")).encode()
            raw = raw.replace(b':"', b':"\xff\xfe', 1)
        request = {k: v for k, v in request.items() if k != "json"} | {"body": raw}
    elif "form" in request:
        headers.setdefault("content-type", "application/x-www-form-urlencoded")
        request["form"] = {
            k: v + ("\x00" if how == "escapes" else "\udcff\xff") for k, v in request["form"].items()
        }
        if how == "raw_bytes":  # a form field that is not UTF-8 once percent-decoded
            request["form"] = {k: v.replace("\udcff", "") for k, v in request["form"].items()}
    else:  # pragma: no cover - SIGNED_STEPS holds json and form steps only
        raise AssertionError(f"no poisoning for this step: {sorted(request)}")
    headers.update(
        {
            k.lower(): v
            for k, v in SIGNERS[step.get("signer") or step["_dir"]](request, CHANNEL_SECRETS).items()
        }
    )
    if "form" in request:
        content = urlencode(request["form"]).encode()
        if how == "raw_bytes":
            content = content.replace(b"%C3%BF", b"%FF")
    else:
        content = request["body"]
    before = await db.fetchval("SELECT count(*) FROM inbound_deliveries")
    r = await client.request(
        request["method"],
        request["path"],
        params=request.get("query") or None,
        headers=headers,
        content=content,
    )
    assert r.status_code < 500, r.text
    if r.status_code in (401, 403):
        # a signature over form values is computed on decoded text: the mangled bytes no longer
        # match it, and the request is refused, nothing stored (as for any bad signature)
        assert how == "raw_bytes" and "form" in request, r.text
        return
    assert r.status_code in (200, 201, 202), r.text
    assert await db.fetchval("SELECT count(*) FROM inbound_deliveries") >= before + 1 or r.status_code == 200
    for status in ("processed", "failed", "buffered", "needs_fetch"):
        listed = await client.get(f"/v1/inbound?status={status}", headers=admin)
        assert listed.status_code == 200, listed.text


# --------------------------------------------------------------------------- the safety net


async def test_database_refusals_are_4xx_problems_not_500(database_url):
    """The last-resort handler: an asyncpg data or integrity error that validation missed."""
    app = FastAPI()
    install_error_handlers(app)

    async def run(sql: str, *args: object) -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(database_url))
        try:
            await conn.execute(
                "CREATE TEMP TABLE t (id int PRIMARY KEY, code varchar(3) NOT NULL, "
                "parent int REFERENCES t (id), n smallint)"
            )
            await conn.execute("INSERT INTO t (id, code) VALUES (1, 'a')")
            await conn.execute(sql, *args)
        finally:
            await conn.close()

    cases = {
        "/too-long": (("INSERT INTO t (id, code) VALUES (2, 'abcd')",), 422, "body"),
        "/range": (("INSERT INTO t (id, code, n) VALUES (2, 'a', 99999)",), 422, "body"),
        "/fk": (("INSERT INTO t (id, code, parent) VALUES (2, 'a', 42)",), 422, "parent"),
        "/null": (("INSERT INTO t (id, code) VALUES (2, NULL)",), 422, "code"),
        "/unique": (("INSERT INTO t (id, code) VALUES (1, 'b')",), 409, "id"),
        "/nul-param": (("INSERT INTO t (id, code) VALUES (2, $1)", "a\x00"), 422, "body"),
        "/nul-sql": (("SELECT chr(0)",), 422, "body"),
        "/surrogate": (("INSERT INTO t (id, code) VALUES (2, $1)", "\ud800"), 422, "body"),
    }

    def endpoint_running(call: tuple) -> object:
        async def endpoint() -> None:
            await run(*call)

        return endpoint

    for path, (call, _, _) in cases.items():
        app.add_api_route(path, endpoint_running(call))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        for path, (_, status, field) in cases.items():
            r = await c.get(path)
            assert_problem(r, status, field)
