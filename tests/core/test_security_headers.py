"""Security headers on every answer, no caching of authenticated answers, CSP of the docs
pages, and the CORS allow-list."""

from __future__ import annotations

import re

from app.core.middleware import inline_script_hashes
from tests.core.test_rate_limits import client_for, limited_app


def assert_common(r) -> None:  # type: ignore[no-untyped-def]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


async def test_every_answer_carries_them(client, app_key):
    for r in (
        await client.get("/v1/categories"),
        await client.get("/healthz"),
        await client.get("/v1/nowhere"),
        await client.post("/v1/complaints", json={"description": "x"}),  # 401
        await client.post("/v1/complaints", content=b"x" * (2 * 1024 * 1024), headers=app_key),  # 413
    ):
        assert_common(r)
        assert r.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


async def test_authenticated_answers_are_not_stored_public_ones_keep_their_caching(client, app_key):
    body = {"description": "Lampu jalan mati di Jl. Diponegoro", "location": {"lat": -6.2, "lon": 106.83}}
    created = await client.post("/v1/complaints", json=body, headers=app_key)
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    ticket = created.json()["ticket"]
    public = await client.get(f"/v1/track/{ticket}")
    assert public.status_code == 200
    assert public.headers["cache-control"] == "public, max-age=15"
    keyed = await client.get(f"/v1/track/{ticket}", headers=app_key)
    assert keyed.headers.get_list("cache-control") == ["no-store"]


async def test_the_docs_pages_allow_exactly_their_inline_script(client):
    for path in ("/docs", "/redoc", "/docs"):  # the second /docs answers from the cached policy
        r = await client.get(path)
        assert r.status_code == 200
        assert_common(r)
        csp = r.headers["content-security-policy"]
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)  # type: ignore[union-attr]
        assert "'unsafe-inline'" not in script_src
        for source in inline_script_hashes(r.content).split():
            assert source in script_src
        if path == "/docs":
            assert "'sha256-" in script_src
        assert "connect-src 'self'" in csp
        # every asset the page loads is served from here
        for asset in re.findall(rb'(?:src|href)="(/static/docs/[^"]+)"', r.content):
            assert (await client.get(asset.decode())).status_code == 200


async def test_hsts_only_over_https(client):
    assert "strict-transport-security" not in (await client.get("/healthz")).headers
    r = await client.get("https://test/healthz")
    assert r.headers["strict-transport-security"].startswith("max-age=")


async def test_no_cors_headers_without_an_allow_list(client):
    r = await client.get("/v1/categories", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    r = await client.options(
        "/v1/categories",
        headers={"Origin": "https://peta.jakarta.go.id", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in r.headers


async def test_cors_allows_the_listed_origins_and_refuses_others(database_url, settings):
    allowed = "https://peta.jakarta.go.id"
    async with limited_app(
        database_url, settings, cors_origins=f"{allowed}, https://jaki.jakarta.go.id/"
    ) as application:
        async with client_for(application) as c:
            preflight = {
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            }
            ok = await c.options("/v1/complaints", headers={"Origin": allowed, **preflight})
            assert ok.status_code == 200
            assert ok.headers["access-control-allow-origin"] == allowed
            assert "authorization" in ok.headers["access-control-allow-headers"].lower()
            refused = await c.options(
                "/v1/complaints", headers={"Origin": "https://evil.example", **preflight}
            )
            assert refused.status_code == 400
            assert "access-control-allow-origin" not in refused.headers
            simple = await c.get("/v1/categories", headers={"Origin": "https://jaki.jakarta.go.id"})
            assert simple.headers["access-control-allow-origin"] == "https://jaki.jakarta.go.id"
            assert_common(simple)
