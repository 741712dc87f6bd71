"""Rate limits through HTTP: per client address, per API key, webhooks apart, shared by
processes through Redis, and open (not 500) when the storage is down."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from app.main import create_app
from tests.conftest import ADMIN_KEY


@asynccontextmanager
async def limited_app(database_url, settings, **overrides) -> AsyncIterator:  # type: ignore[no-untyped-def]
    application = create_app(settings.model_copy(update=overrides), database_url=database_url)
    async with application.router.lifespan_context(application):
        yield application


def client_for(application, address: str = "203.0.113.7") -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=application, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def assert_429(r: httpx.Response, window_s: int = 60) -> None:
    assert r.status_code == 429, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 429 and r.json()["type"].endswith("/rate-limited")
    assert 1 <= int(r.headers["retry-after"]) <= window_s
    assert "r=0" in r.headers["ratelimit"]


@pytest.mark.parametrize("path", ["/v1/track/K7M2-Q9XD", "/v1/categories"])
async def test_an_anonymous_client_gets_429_with_retry_after(database_url, settings, path):
    async with limited_app(database_url, settings, rate_limit_public="3/minute") as application:
        async with client_for(application) as c:
            for _ in range(3):
                r = await c.get(path)
                assert r.status_code in (200, 404), r.text
                assert r.headers["ratelimit-policy"] == '"public";q=3;w=60'
            assert_429(await c.get(path))
            assert_429(await c.get("/v1/categories" if "track" in path else "/v1/track/K7M2-Q9XD"))
            # the pages' own scripts and styles are not counted (shared carrier NATs load them often)
            assert (await c.get("/static/web/site.css")).status_code == 200
            assert (await c.get("/static/web/vendor/leaflet/leaflet.js")).status_code == 200
            assert_429(await c.get("/stats"))
        async with client_for(application, "198.51.100.20") as other:  # another address
            assert (await other.get(path)).status_code in (200, 404)
            # probes of a load balancer are never limited
            for _ in range(5):
                assert (await other.get("/healthz")).status_code == 200


async def test_each_api_key_has_its_own_bucket(database_url, settings, make_key):
    first, second = await make_key("officer", "one"), await make_key("officer", "two")
    async with limited_app(
        database_url, settings, rate_limit_public="2/minute", rate_limit_api_key="3/minute"
    ) as application:
        async with client_for(application) as c:
            for _ in range(3):
                r = await c.get("/v1/complaints", headers=first)
                assert r.status_code == 200, r.text
                assert r.headers["ratelimit-policy"] == '"api_key";q=3;w=60'
            r = await c.get("/v1/complaints", headers=first)
            assert_429(r)
            assert "API key" in r.json()["detail"]
            # the other key, and the address's public bucket, are untouched
            assert (await c.get("/v1/complaints", headers=second)).status_code == 200
            assert (await c.get("/v1/categories")).status_code == 200


async def test_made_up_tokens_are_charged_to_the_address(database_url, settings):
    """A fresh random token is a fresh key bucket: what stops guessing is that every 401 also
    counts against the address, and an address over its limit gets 429 before any lookup. Public
    reads from that address use another bucket and cannot lock its valid keys out."""
    async with limited_app(
        database_url,
        settings,
        rate_limit_public="2/minute",
        rate_limit_api_key="100/minute",
        rate_limit_auth_failures="3/minute",
    ) as application:
        async with client_for(application) as c:
            for _ in range(3):  # the public bucket used up ...
                await c.get("/v1/categories")
            assert (await c.get("/v1/categories")).status_code == 429
            valid = {"Authorization": f"Bearer {ADMIN_KEY}"}
            assert (await c.get("/v1/complaints", headers=valid)).status_code == 200  # staff keep working
            # ... and a made-up key still gets its honest 401 until the failures run out
            statuses = []
            for _ in range(6):
                r = await c.get("/v1/complaints", headers={"Authorization": f"Bearer adn_{uuid.uuid4().hex}"})
                statuses.append(r.status_code)
            assert statuses[:3] == [401, 401, 401] and statuses[-1] == 429, statuses
            assert_429(r)
        async with client_for(application, "198.51.100.21") as other:
            r = await other.get("/v1/complaints", headers={"Authorization": "Bearer adn_whatever"})
            assert r.status_code == 401


async def test_signed_webhooks_have_their_own_higher_bucket(database_url, settings):
    async with limited_app(
        database_url, settings, rate_limit_public="2/minute", rate_limit_webhook="5/minute"
    ) as application:
        async with client_for(application) as c:
            for _ in range(2):
                assert (await c.get("/v1/categories")).status_code == 200
            assert_429(await c.get("/v1/categories"))
            # the platform from the same address is not starved by the public traffic
            for _ in range(5):
                r = await c.post("/v1/channels/lapor/webhook", json={"event_id": "x"})
                assert r.status_code == 401, r.text  # unsigned: refused, but not rate limited
                assert r.headers["ratelimit-policy"] == '"webhook";q=5;w=60'
            assert_429(await c.post("/v1/channels/lapor/webhook", json={"event_id": "x"}))


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


# CI's machine runs Redis: there the test always runs (and fails loudly without Redis); only a
# laptop without Redis skips it.
@pytest.mark.skipif(not os.environ.get("CI") and not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
async def test_two_processes_share_the_count_through_redis(database_url, settings):
    shared = {
        "rate_limit_storage": "redis://127.0.0.1:6379/0",
        "rate_limit_key_prefix": f"aduan-test-{os.getpid()}-{uuid.uuid4().hex[:8]}",
        "rate_limit_public": "4/minute",
    }
    async with (
        limited_app(database_url, settings, **shared) as one,
        limited_app(database_url, settings, **shared) as two,
    ):
        async with client_for(one) as a, client_for(two) as b:
            for c in (a, b, a, b):
                assert (await c.get("/v1/categories")).status_code == 200
            assert_429(await a.get("/v1/categories"))
            assert_429(await b.get("/v1/categories"))


async def test_a_dead_storage_lets_requests_pass_with_one_log_line(database_url, settings, caplog):
    async with limited_app(
        database_url, settings, rate_limit_storage="redis://127.0.0.1:1/0", rate_limit_public="1/minute"
    ) as application:
        async with client_for(application) as c:
            with caplog.at_level(logging.WARNING, logger="aduan.ratelimit"):
                for _ in range(5):
                    assert (await c.get("/v1/categories")).status_code == 200
    lines = [r for r in caplog.records if r.name == "aduan.ratelimit"]
    assert len(lines) == 1 and "unavailable" in lines[0].getMessage()


def test_a_rate_that_does_not_parse_names_its_setting(settings):
    with pytest.raises(ValueError, match="ADUAN_RATE_LIMIT_PUBLIC"):
        create_app(settings.model_copy(update={"rate_limit_public": "lots"}))


async def test_the_in_process_window_weighs_the_previous_one(monkeypatch):
    from app.core import ratelimit

    storage = ratelimit.LeanMemoryStorage()
    now = [6000.0]  # the start of a 60 s window
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    hits = [await storage.acquire_sliding_window_entry("k", 5, 60) for _ in range(6)]
    assert hits == [True] * 5 + [False]
    now[0] += 90  # half-way through the next window: the previous one weighs 5 * 0.5
    hits = [await storage.acquire_sliding_window_entry("k", 5, 60) for _ in range(4)]
    assert hits == [True, True, True, False]
    previous, previous_left, current, _ = await storage.get_sliding_window("k", 60)
    assert (previous, current, previous_left) == (5, 3, 30.0)
    now[0] += 120  # two windows later nothing is left
    assert await storage.get_sliding_window("k", 60) == (0, 0.0, 0, 90.0)
