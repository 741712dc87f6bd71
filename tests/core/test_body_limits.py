"""Body limits by path and content type, enforced while streaming; the body-read timeout."""

from __future__ import annotations

import asyncio

import httpx

from app.main import create_app
from tests.core.test_rate_limits import limited_app

MiB = 1024 * 1024
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16


class Chunks:
    """A chunked body (no Content-Length) that counts what the service pulled from it."""

    def __init__(self, total: int, chunk: int = 64 * 1024, pause_after_first: float = 0.0):
        self.total, self.chunk, self.pause = total, chunk, pause_after_first
        self.sent = 0

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        yield b'{"description": "'
        while self.sent < self.total:
            if self.pause and self.sent:
                await asyncio.sleep(self.pause)
            self.sent += self.chunk
            yield b"x" * self.chunk
        yield b'"}'


def assert_problem(r: httpx.Response, status: int) -> None:
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == status
    assert r.headers["connection"] == "close"


async def test_a_30_mb_json_to_the_photo_endpoint_is_413_by_content_length(client, app_key):
    body = b'{"description": "' + b"x" * (30 * 1000 * 1000) + b'"}'
    r = await client.post(
        "/v1/channels/jaki/reports",
        content=body,
        headers={**app_key, "Content-Type": "application/json"},
    )
    assert_problem(r, 413)
    assert "1048576" in r.json()["detail"]


async def test_a_chunked_30_mb_json_is_413_before_it_is_read(client, app_key):
    for ctype in ("application/json", "application/vnd.api+json"):
        chunks = Chunks(30 * 1000 * 1000)
        r = await client.post(
            "/v1/channels/jaki/reports", content=chunks, headers={**app_key, "Content-Type": ctype}
        )
        assert_problem(r, 413)
        assert chunks.sent <= 2 * MiB  # it stopped pulling just past the JSON limit


async def test_a_5_mb_photo_upload_still_works(client, app_key, db):
    form = {"description": "Jalan berlubang di Jl. Salemba Raya", "lat": "-6.195", "lon": "106.85"}
    photo = JPEG + b"\x00" * (5 * MiB)
    r = await client.post(
        "/v1/channels/jaki/reports",
        data=form,
        files=[("photos", ("lubang.jpg", photo, "image/jpeg"))],
        headers=app_key,
    )
    assert r.status_code == 201, r.text[:300]
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1


async def test_mail_forms_keep_their_larger_limit(client):
    attachment = b"%PDF-1.4\n" + b"0" * (5 * MiB)
    r = await client.post(
        "/v1/channels/email/inbound",
        data={"sender": "dewi@example.com", "timestamp": "1", "token": "t", "signature": "bad"},
        files=[("attachment-1", ("surat.pdf", attachment, "application/pdf"))],
    )
    assert r.status_code != 413 and r.status_code < 500, r.text[:300]


async def test_the_area_import_takes_geojson_over_the_json_limit(client, admin):
    feature = {"type": "Feature", "properties": {"name": "x" * 1000}, "geometry": None}
    import orjson

    body = orjson.dumps({"type": "FeatureCollection", "features": [feature] * 2500})
    assert len(body) > 2 * MiB
    r = await client.post(
        "/v1/areas/import", content=body, headers={**admin, "Content-Type": "application/geo+json"}
    )
    assert r.status_code != 413 and r.status_code < 500, r.text[:300]


async def test_other_endpoints_keep_the_json_limit(client, app_key):
    r = await client.post(
        "/v1/complaints",
        content=b"{" + b" " * (2 * MiB) + b"}",
        headers={**app_key, "Content-Type": "application/json"},
    )
    assert_problem(r, 413)


async def test_a_body_that_stops_coming_is_408(database_url, settings, app_key):
    async with limited_app(database_url, settings, body_timeout_s=0.2) as application:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            chunks = Chunks(1000, chunk=100, pause_after_first=1.0)
            r = await c.post(
                "/v1/complaints",
                content=chunks,
                headers={**app_key, "Content-Type": "application/json"},
            )
    assert_problem(r, 408)
    assert r.json()["type"].endswith("/body-timeout")


async def test_a_trickled_body_is_408_a_steady_one_is_not(database_url, settings, app_key):
    async with limited_app(database_url, settings, body_timeout_s=0.3) as application:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            headers = {**app_key, "Content-Type": "application/json"}
            trickle = Chunks(10_000, chunk=1, pause_after_first=0.02)  # a byte every 20 ms
            r = await c.post("/v1/complaints", content=trickle, headers=headers)
            assert_problem(r, 408)
            assert "slower than" in r.json()["detail"]
            steady = Chunks(600_000, chunk=60_000, pause_after_first=0.1)  # a second in all
            r = await c.post("/v1/complaints", content=steady, headers=headers)
            assert r.status_code == 422, r.text[:300]  # read to the end: the description is too long


def test_limits_follow_the_content_type(settings):
    from app.core.http import BodyLimitMiddleware

    app = create_app(settings)
    mw = next(m for m in app.user_middleware if m.cls is BodyLimitMiddleware)
    limiter = BodyLimitMiddleware(lambda *a: None, **mw.kwargs)  # type: ignore[arg-type]
    assert limiter.limit_for("/v1/channels/jaki/reports", "application/json") == 1 * MiB
    assert limiter.limit_for("/v1/channels/jaki/reports", "application/geo+json; x=y") == 1 * MiB
    assert limiter.limit_for("/v1/channels/jaki/reports", "multipart/form-data; boundary=b") == 30 * MiB
    assert limiter.limit_for("/v1/channels/email/inbound", "message/rfc822") == 26 * MiB
    assert limiter.limit_for("/v1/channels/email/inbound", "application/json") == 1 * MiB
    assert limiter.limit_for("/v1/areas/import", "application/geo+json") == 32 * MiB
    assert limiter.limit_for("/v1/complaints", "multipart/form-data") == 1 * MiB
