"""Engine, sessions, the embedded PostgreSQL, and raw asyncpg access for hot paths.

SQLAlchemy owns the schema (through Alembic), the engine and its pool, and the
cold paths. The hot paths (intake, tracking, listing) run plain SQL on the
asyncpg connection that SQLAlchemy's pool hands out: asyncpg prepares and
caches each statement, which measured two to three times faster than the
async ORM for the same work (see bench/README.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

import asyncpg
import orjson
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

log = logging.getLogger("aduan.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Errors that mean "the database is not reachable", answered 503.
DB_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
)


def embedded_database_url(data_dir: Path, database: str = "aduan") -> str:
    """Start (or join) the embedded PostgreSQL under ``data_dir`` and return its URL.

    pgserver ships PostgreSQL in a pip wheel; the server stops when the last
    process that asked for it exits.
    """
    from pgserver.postgres_server import get_server  # lazily: only the embedded mode needs it

    pgdata = (data_dir / "pg").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    uri = server.get_uri(database)  # postgresql://postgres:@/aduan?host=/socket/dir
    _embedded_servers.append(server)  # keep the handle alive for the process
    return uri.replace("postgresql://", "postgresql+asyncpg://", 1)


_embedded_servers: list[PostgresServer] = []


def resolve_database_url(database_url: str | None, data_dir: Path) -> str:
    if database_url:
        if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
            database_url = "postgresql+asyncpg://" + database_url.split("://", 1)[1]
        return database_url
    return embedded_database_url(data_dir)


def create_engine(url: str, *, pool_size: int = 20, max_overflow: int = 0) -> AsyncEngine:
    """A fixed pool: overflow connections are closed on return and reopened on the
    next burst (a TLS handshake, codec set-up and cold statement cache each time),
    which measured 25-60 % slower under load than keeping ``pool_size`` open."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=False,
        pool_timeout=10,
        connect_args={
            "timeout": 5,
            "command_timeout": 30,
            # UTC: timestamps rendered by PostgreSQL (JSON built in SQL) match Python's isoformat
            "server_settings": {"application_name": "aduan", "timezone": "UTC"},
        },
        json_serializer=lambda v: orjson.dumps(v).decode(),
        json_deserializer=orjson.loads,
    )


class Database:
    """One per process: the engine and raw-connection access (the ORM models describe the
    schema for Alembic; at run time each repository speaks SQL on asyncpg connections)."""

    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    @asynccontextmanager
    async def raw(self) -> AsyncIterator[asyncpg.Connection]:
        """The asyncpg connection behind a pooled SQLAlchemy connection."""
        async with self.engine.connect() as sa_conn:
            raw = await sa_conn.get_raw_connection()
            # SQLAlchemy's dialect registered the jsonb codec on connect:
            # jsonb comes back decoded (by orjson) and goes in as a JSON string.
            conn = cast(asyncpg.Connection, raw.driver_connection)  # asyncpg's, under the dialect's adapter
            try:
                yield conn
            finally:
                # Never hand a connection still inside a transaction back to the pool
                # (SQLAlchemy only resets transactions it started itself).
                if conn.is_closed() or conn.is_in_transaction():
                    await sa_conn.invalidate()

    @asynccontextmanager
    async def transaction(
        self, *, conn: asyncpg.Connection | None = None
    ) -> AsyncIterator[asyncpg.Connection]:
        """A transaction on a raw connection (``conn``, one the caller holds from ``raw``, or a
        new one), committed when the block ends, else rolled back."""
        if conn is None:
            async with self.raw() as own, own.transaction():
                yield own
            return
        async with conn.transaction():
            yield conn

    async def ping(self) -> None:
        """Raise unless the database answers (readiness)."""
        async with self.raw() as conn:
            await conn.fetchval("SELECT 1")

    async def dispose(self) -> None:
        await self.engine.dispose()
