"""``aduan serve`` as a process on the test database, for tests that drive it as the world would
(a browser, third-party clients): one cleaning of the tables first, then the service, which loads
DKI Jakarta's areas into the empty database on its first start."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from tests.conftest import KEEP_TABLES, REPO, _asyncpg_dsn
from tests.helpers import wait_ready


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def empty_tables(database_url: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        names = [r["tablename"] for r in rows if r["tablename"] not in KEEP_TABLES]
        if names:
            await conn.execute("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@contextmanager
def running_service(database_url: str, workdir: Path, admin_key: str, **env: str) -> Iterator[str]:
    """The service on a free port of 127.0.0.1 (its base URL), ready, until the block ends. Its
    ``ADUAN_*`` settings are the given ones on top of these (no sweeper, no dispatcher, Jakarta's
    areas loaded, rate limits out of the way), never the caller's environment."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = workdir / "serve.log"
    settings = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ADUAN_") and k != "DATABASE_URL"},
        "DATABASE_URL": database_url,
        "ADUAN_ADMIN_KEY": admin_key,
        "ADUAN_DATA_DIR": str(workdir),
        "ADUAN_PUBLIC_BASE_URL": base,
        "ADUAN_OUTBOX_IN_SERVE": "false",
        "ADUAN_SLA_SWEEP_INTERVAL": "0",
        "ADUAN_LOAD_JAKARTA_AREAS": "true",
        "ADUAN_RATE_LIMIT_PUBLIC": "1000000/minute",
        "ADUAN_RATE_LIMIT_API_KEY": "1000000/minute",
        **env,
    }
    cmd = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-access-log"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=settings, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        wait_ready(proc, base, log)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
