"""Alembic owns the schema, and every revision is reversible."""

from __future__ import annotations

import asyncio

import asyncpg

from app.cli import downgrade, migrate
from tests.conftest import _asyncpg_dsn, _create_database, _drop_database


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r["tablename"] for r in rows}
    finally:
        await conn.close()


async def test_upgrade_downgrade_upgrade_on_an_empty_database(pg_server):
    name = "aduan_migrations_roundtrip"
    url = await _create_database(pg_server, name)
    try:
        await asyncio.to_thread(migrate, url)
        after_up = await _tables(url)
        assert {"complaints", "complaint_events", "categories", "api_keys", "reporters"} <= after_up
        await asyncio.to_thread(downgrade, url, "base")
        assert await _tables(url) <= {"alembic_version"}
        await asyncio.to_thread(migrate, url)
        assert await _tables(url) == after_up
        conn = await asyncpg.connect(_asyncpg_dsn(url))
        try:
            assert await conn.fetchval("SELECT count(*) FROM categories") >= 16
        finally:
            await conn.close()
    finally:
        await _drop_database(pg_server, name)
