"""Test fixtures: a real PostgreSQL, migrated once, tables emptied before each test.

Which server: ``ADUAN_TEST_DATABASE_URL`` (or ``DATABASE_URL``) names a server
on which a fresh database ``aduan_test_<pid>`` is created and dropped at the
end; with neither set, the embedded PostgreSQL (pgserver) under
``.aduan-test/`` is used, so ``pytest`` passes on a laptop with nothing else.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from app.cli import migrate
from app.core import security
from app.core.config import Settings
from app.core.db import embedded_database_url
from app.main import create_app

ADMIN_KEY = f"test-admin-key-{os.getpid()}"
REPO = Path(__file__).resolve().parents[1]
CHANNEL_SECRETS = {
    "ADUAN_TWITTER_CONSUMER_SECRET": "test-twitter-secret",
    "ADUAN_FACEBOOK_APP_SECRET": "test-facebook-secret",
    "ADUAN_FACEBOOK_VERIFY_TOKEN": "test-facebook-verify",
    "ADUAN_INSTAGRAM_APP_SECRET": "test-instagram-secret",
    "ADUAN_INSTAGRAM_VERIFY_TOKEN": "test-instagram-verify",
    "ADUAN_WHATSAPP_APP_SECRET": "test-whatsapp-secret",
    "ADUAN_WHATSAPP_VERIFY_TOKEN": "test-whatsapp-verify",
    "ADUAN_MAILGUN_SIGNING_KEY": "test-mailgun-secret",
    "ADUAN_TWILIO_AUTH_TOKEN": "test-twilio-secret",
    "ADUAN_SMS_GATEWAY_SECRET": "test-sms-secret",
    "ADUAN_LAPOR_SECRET": "test-lapor-secret",
    "ADUAN_PUBLIC_BASE_URL": "https://aduan.example.go.id",
}
# Tables that keep their rows between tests (reference data seeded by migrations).
KEEP_TABLES = {"alembic_version", "categories", "service_secrets"}


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def server_url() -> str | None:
    return os.environ.get("ADUAN_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")


async def _create_database(server: str, name: str) -> str:
    """Create ``name`` on the server of URL ``server``; return the URL of the new database."""
    base = _asyncpg_dsn(server)
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    head, _, tail = base.partition("?")
    scheme, _, rest = head.partition("://")
    authority, _, _db = rest.partition("/")
    url = f"postgresql+asyncpg://{authority}/{name}" + (f"?{tail}" if tail else "")
    return url


async def _drop_database(server: str, name: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(server))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_server() -> str:
    """URL of a server we may create databases on."""
    url = server_url()
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+asyncpg://" + url.split("://", 1)[1]
        return url
    return embedded_database_url(REPO / ".aduan-test", database="postgres")


@pytest.fixture(scope="session")
async def database_url(pg_server: str) -> AsyncIterator[str]:
    name = f"aduan_test_{os.getpid()}"
    url = await _create_database(pg_server, name)
    await asyncio.to_thread(migrate, url)
    yield url
    await _drop_database(pg_server, name)


@pytest.fixture(scope="session")
def settings() -> Settings:
    # The SLA sweeper is off in tests: they drive it with their own clock (tests/sla/test_sweeper.py),
    # and a background pass at the real time would add events to other tests' complaints at random.
    # The whole suite talks from one address through one app: limits high enough never to trigger
    # (tests/core/test_rate_limits.py builds apps with small ones).
    env = {
        "ADUAN_ADMIN_KEY": ADMIN_KEY,
        "ADUAN_SLA_SWEEP_INTERVAL": "0",
        # Tests drive the outbound dispatcher themselves (tests/outbound), against local fakes.
        "ADUAN_OUTBOX_IN_SERVE": "false",
        # Their webhook receivers listen on 127.0.0.1 (tests/outbound/test_webhooks.py turns it off
        # to see the refusal).
        "ADUAN_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "ADUAN_LOAD_JAKARTA_AREAS": "false",
        "ADUAN_RATE_LIMIT_PUBLIC": "1000000/minute",
        "ADUAN_RATE_LIMIT_API_KEY": "1000000/minute",
        "ADUAN_RATE_LIMIT_WEBHOOK": "1000000/minute",
        "ADUAN_RATE_LIMIT_AUTH_FAILURES": "1000000/minute",
        **CHANNEL_SECRETS,
    }
    return Settings(**{k: v for k, v in env.items()}, ADUAN_DATA_DIR=str(REPO / ".aduan-test"))


@pytest.fixture(scope="session")
async def app(database_url: str, settings: Settings):  # type: ignore[no-untyped-def]
    application = create_app(settings, database_url=database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(autouse=True)
async def _clean(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Empty every table but the reference data before each test that uses the database."""
    if "database_url" not in request.fixturenames and "client" not in request.fixturenames:
        yield
        return
    url = request.getfixturevalue("database_url")
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        names = [t["tablename"] for t in tables if t["tablename"] not in KEEP_TABLES]
        # Only the tables that hold rows: a TRUNCATE of all of them costs ~50 ms a test, the check
        # a fraction of a millisecond. (An empty table keeps its identity counter.)
        if names:
            row = await conn.fetchrow("SELECT " + ", ".join(f'EXISTS (SELECT 1 FROM "{n}")' for n in names))
            names = [n for n, full in zip(names, row, strict=True) if full]
        if names:
            await conn.execute("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE")
    finally:
        await conn.close()
    security.clear_cache()
    yield


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
def make_key(client: httpx.AsyncClient, admin: dict[str, str]):  # type: ignore[no-untyped-def]
    async def make(role: str, name: str | None = None, **extra) -> dict[str, str]:  # type: ignore[no-untyped-def]
        r = await client.post(
            "/v1/api-keys", json={"name": name or f"{role}-key", "role": role, **extra}, headers=admin
        )
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['key']}"}

    return make


@pytest.fixture
async def officer(make_key) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return await make_key("officer")


@pytest.fixture
async def app_key(make_key) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return await make_key("app")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection, for assertions on what is stored."""
    conn = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        yield conn
    finally:
        await conn.close()
