"""``aduan migrate [REVISION]`` says what it did, including when there was nothing to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import _create_database, _drop_database

REPO = Path(__file__).resolve().parents[2]


def _migrate(url: str, *revision: str) -> str:
    env = {**os.environ, "DATABASE_URL": url}
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate", *revision],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.strip().splitlines()[-1]


async def test_migrate_reports_from_and_to_and_nothing_to_apply(pg_server):
    name = f"aduan_cli_migrate_{os.getpid()}"
    url = await _create_database(pg_server, name)
    try:
        assert _migrate(url, "0003") == "migrated from an empty database to 0003"
        # upgrade never goes down: an older target leaves the database where it is, and says so
        assert _migrate(url, "0002") == "nothing to apply for 0002: the database is at 0003"
        head = _migrate(url)
        assert head.startswith("migrated from 0003 to ") and head.endswith(" (head)"), head
        at = head.removeprefix("migrated from 0003 to ")
        assert _migrate(url) == f"nothing to apply for head: the database is at {at}"
    finally:
        await _drop_database(pg_server, name)
