"""Health, readiness, the catalogue, framework errors as problem+json, a database that is down."""

from __future__ import annotations

import httpx

from app.main import create_app
from tests.conftest import ADMIN_KEY


async def test_categories_catalogue(client):
    r = await client.get("/v1/categories")
    items = r.json()["items"]
    assert len(items) >= 16
    codes = {i["code"] for i in items}
    for needed in (
        "roads",
        "drainage_flood",
        "rubbish",
        "trees",
        "street_lights",
        "illegal_parking",
        "street_vendors",
        "public_order",
        "noise",
        "fire_hazard",
        "tangled_cables",
        "public_facilities",
        "social_aid",
        "misconduct",
    ):
        assert needed in codes
    assert all(i["name"] and i["agency"] and i["sla_hours"] > 0 for i in items)


async def test_health_and_ready(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}


async def test_framework_errors_are_problems_without_traces(client, officer):
    for method, path, status in (
        ("GET", "/nope", 404),
        ("DELETE", "/v1/categories", 405),
        ("GET", "/v1/complaints/x", 422),
    ):
        r = await client.request(method, path, headers=officer)
        assert r.status_code == status
        assert r.headers["content-type"].startswith("application/problem+json")
        p = r.json()
        assert p["status"] == status and p["type"] and p["title"] and p["detail"]
        assert "Traceback" not in r.text


async def test_docs_work_offline(client):
    r = await client.get("/docs")
    assert r.status_code == 200
    assert "cdn" not in r.text.lower() and "/static/docs/swagger-ui-bundle.js" in r.text
    js = await client.get("/static/docs/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert (await client.get("/openapi.json")).status_code == 200


async def test_database_down_is_503_and_not_ready(settings):
    # a port where nothing listens: every database call fails to connect
    app = create_app(settings, database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            assert (await c.get("/healthz")).status_code == 200
            ready = await c.get("/readyz")
            assert ready.status_code == 503 and ready.headers["content-type"].startswith(
                "application/problem+json"
            )
            for r in (
                await c.get("/v1/track/K7M2-Q9XD"),
                await c.get("/v1/categories"),
                await c.post(
                    "/v1/complaints",
                    json={"description": "x"},
                    headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                ),
            ):
                assert r.status_code == 503, r.text
                assert r.headers["content-type"].startswith("application/problem+json")
                assert "Traceback" not in r.text


async def test_a_client_leaving_mid_body_is_not_a_server_error(app, app_key, db, caplog):
    """wrk stopping, a phone losing signal: the body never arrives. Nothing is written and
    nothing is logged as an unhandled error."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/complaints",
        "raw_path": b"/v1/complaints",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"content-type", b"application/json"),
            (b"authorization", app_key["Authorization"].encode()),
            (b"content-length", b"400"),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
    }
    messages = iter([{"type": "http.request", "body": b'{"description": "Jalan', "more_body": True}])

    async def receive():  # type: ignore[no-untyped-def]
        return next(messages, {"type": "http.disconnect"})

    sent: list[dict] = []

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    with caplog.at_level("INFO"):
        await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    assert status == 400
    assert "unhandled error" not in caplog.text and "client disconnected" in caplog.text
    assert await db.fetchval("SELECT count(*) FROM complaints") == 0
