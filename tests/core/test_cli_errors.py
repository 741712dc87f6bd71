"""Every failure a user can cause ends the ``aduan`` command with one line on stderr and a
documented exit code, never a traceback: the real command, run as a process, as cron, a
container or a shell runs it.

Exit codes (app/cli.py): 1 the command failed, 2 wrong command line or configuration,
3 the database cannot be reached, 130 interrupted.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.org import helpers as h

REPO = Path(__file__).resolve().parents[2]
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/aduan"


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "ADUAN_TEST_DATABASE_URL") and not k.startswith("ADUAN_")
    }
    # Never the embedded PostgreSQL of a developer's checkout: a test that forgot DATABASE_URL
    # must fail, not start a server in ./.aduan (under a file, no directory can be made, even by root).
    env["ADUAN_DATA_DIR"] = str(REPO / "pyproject.toml" / "aduan-data")
    env.update(extra)
    return env


def aduan(*args: str, timeout: float = 90, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=REPO,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _as_from_a_terminal() -> None:
    # A command started in the background of a non-interactive shell (as test runners may be)
    # inherits SIGINT ignored, and Python then never turns Ctrl-C into KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def one_line(r: subprocess.CompletedProcess, code: int) -> str:
    """The failure line, after checking the code, that there is no traceback and one such line."""
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith("aduan:")]
    assert len(lines) == 1 and r.stderr.strip().splitlines()[-1] == lines[0], r.stderr
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["migrate"],
        ["keys", "create", "--role", "app", "--name", "jaki"],
        ["seed", "demo"],
        ["sla", "sweep"],
        ["sla", "sweep", "--dry-run"],
        ["inbound", "flush-sms"],
        ["areas", "import", "tests/classification/labelled_complaints.csv"],
    ],
    ids=" ".join,
)
def test_unreachable_database_is_one_line_and_exit_3(args):
    r = aduan(*args, DATABASE_URL=UNREACHABLE)
    line = one_line(r, 3)
    assert "cannot connect to the database aduan on 127.0.0.1:1: connection refused" in line, line
    assert r.stderr.strip() == line


def test_serve_with_unreachable_database_exits_at_once():
    started = time.monotonic()
    r = aduan("serve", "--port", str(_free_port()), DATABASE_URL=UNREACHABLE, timeout=60)
    assert time.monotonic() - started < 20  # imports on a busy machine, then a refused connect
    assert "DATABASE_URL" in one_line(r, 3)
    assert "Aduan on http" not in r.stdout  # it never claimed to serve


def test_serve_against_a_database_that_never_answers_gives_up_in_seconds():
    with socket.socket() as srv:  # accepts, then says nothing: a hung server, a half-open tunnel
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        started = time.monotonic()
        r = aduan(
            "serve",
            "--port",
            str(_free_port()),
            DATABASE_URL=f"postgresql://postgres@127.0.0.1:{srv.getsockname()[1]}/aduan",
        )
    assert time.monotonic() - started < 30
    assert "no answer in time" in one_line(r, 3)


def test_a_database_that_never_answers_times_out_and_ctrl_c_exits_130_quietly():
    # A server that accepts and then says nothing: a firewall that drops, a hung PostgreSQL.
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        port = srv.getsockname()[1]
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "migrate"],
            cwd=REPO,
            env=_env(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/aduan"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_as_from_a_terminal,
        )
        try:
            srv.settimeout(60)
            conn, _ = srv.accept()  # the command is past its imports, waiting on the database
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
            conn.close()
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130, (proc.returncode, out, err)
    assert err.strip() == "", err


def test_an_embedded_database_that_cannot_start_is_exit_3():
    line = one_line(aduan("migrate"), 3)
    assert "cannot start the embedded PostgreSQL" in line and "ADUAN_DATA_DIR" in line


def test_bad_database_urls_are_usage_errors_and_never_echo_the_password():
    line = one_line(aduan("migrate", DATABASE_URL="not a url"), 2)
    assert "DATABASE_URL" in line and "postgresql://" in line
    r = aduan("migrate", DATABASE_URL="mysql://root:s3cr3t-pw@db/aduan")
    assert "mysql" in one_line(r, 2) and "s3cr3t-pw" not in r.stderr
    r = aduan("migrate", DATABASE_URL="postgresql://root:s3cr3t-pw@no-such-host.invalid/aduan")
    assert "cannot resolve" in one_line(r, 3) and "s3cr3t-pw" not in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["sla", "sweep", "--now", "garbage"],
        ["sla", "sweep", "--now", "2026-03-02T09:00:00"],  # no offset: whose 09:00?
        ["keys", "create", "--role", "wizard", "--name", "x"],
        ["keys", "create", "--role", "app", "--name", "  "],
        ["keys", "create", "--role", "app"],
        ["serve", "--port", "99999"],
        ["serve", "--port", "http"],
        ["no-such-command"],
        [],
        ["areas", "import", "no/such/file.csv"],
        ["inbound", "fetch-mentions"],  # no ADUAN_INSTAGRAM_ACCESS_TOKEN
    ],
    ids=lambda a: " ".join(a) or "(nothing)",
)
def test_usage_errors_exit_2_with_one_line(args):
    r = aduan(*args, DATABASE_URL=UNREACHABLE)
    assert r.stderr.strip() == one_line(r, 2)


def test_openapi_export_to_a_missing_directory(tmp_path):
    line = one_line(aduan("openapi", "export", str(tmp_path / "no" / "openapi.json")), 2)
    assert "cannot write" in line and "No such file or directory" in line


def test_bad_settings_are_usage_errors():
    line = one_line(aduan("migrate", DATABASE_URL=UNREACHABLE, ADUAN_LOG_LEVEL="LOUD"), 2)
    assert "ADUAN_LOG_LEVEL" in line
    line = one_line(aduan("migrate", DATABASE_URL=UNREACHABLE, ADUAN_DB_POOL_SIZE="lots"), 2)
    assert "ADUAN_DB_POOL_SIZE" in line


def test_verbose_shows_the_traceback_too():
    for args, env in (
        (["--verbose", "migrate"], {}),
        (["migrate", "-v"], {}),
        (["migrate"], {"ADUAN_LOG_LEVEL": "DEBUG"}),
    ):
        r = aduan(*args, DATABASE_URL=UNREACHABLE, **env)
        assert r.returncode == 3 and "Traceback" in r.stderr, (args, r.stderr)
        assert r.stderr.strip().splitlines()[-1].startswith("aduan: cannot connect"), r.stderr


def test_serve_on_a_port_in_use_says_so():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        line = one_line(aduan("serve", "--port", str(port), DATABASE_URL=UNREACHABLE), 1)
    assert f"cannot listen on 127.0.0.1:{port}" in line and "--port" in line


def test_unknown_migration_is_a_usage_error(database_url):
    line = one_line(aduan("migrate", "no-such-revision", DATABASE_URL=database_url), 2)
    assert "no-such-revision" in line


def test_area_files_that_do_not_parse_import_nothing(database_url, tmp_path):
    good = tmp_path / "hierarchy.csv"
    good.write_text(h.HIERARCHY_CSV)
    broken = tmp_path / "kelurahan.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    line = one_line(aduan("areas", "import", str(good), str(broken), DATABASE_URL=database_url), 1)
    assert str(broken) in line and "GeoJSON" in line and "nothing imported" in line
    binary = tmp_path / "hierarchy2.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    line = one_line(aduan("areas", "import", str(binary), DATABASE_URL=database_url), 1)
    assert str(binary) in line


async def test_area_import_failure_rolled_back_the_good_file(database_url, db, tmp_path):
    good = tmp_path / "hierarchy.csv"
    good.write_text(h.HIERARCHY_CSV)
    broken = tmp_path / "kelurahan.geojson"
    broken.write_text("[]")
    r = aduan("areas", "import", str(good), str(broken), DATABASE_URL=database_url)
    one_line(r, 1)
    assert await db.fetchval("SELECT count(*) FROM areas") == 0


async def _breach_candidates(client, app_key) -> list[dict]:  # type: ignore[no-untyped-def]
    return [await h.submit(client, app_key, f"Lampu jalan mati nomor {i}") for i in range(2)]


async def _sla_columns(db: asyncpg.Connection) -> list[tuple]:
    rows = await db.fetch("SELECT id, sla_state, breached_at, flags FROM complaints ORDER BY id")
    return [tuple(r) for r in rows]


async def test_sla_sweep_dry_run_reports_and_writes_nothing(client, app_key, db, database_url):
    complaints = await _breach_candidates(client, app_key)
    before = await _sla_columns(db)
    events = await db.fetchval("SELECT count(*) FROM complaint_events")
    r = aduan("sla", "sweep", "--dry-run", "--now", "2099-01-01T00:00:00+07:00", DATABASE_URL=database_url)
    assert r.returncode == 0, r.stderr
    assert "nothing written: would breach and escalate 2," in r.stdout, r.stdout
    for c in complaints:
        assert any(line.startswith(f"breach {c['ticket']} {c['id']}: ") for line in r.stdout.splitlines()), (
            r.stdout
        )
    assert await _sla_columns(db) == before
    assert all(row[2] is None for row in before)
    assert await db.fetchval("SELECT count(*) FROM complaint_events") == events
    assert "sla_breached" not in {e for (e,) in await db.fetch("SELECT DISTINCT kind FROM complaint_events")}


async def test_sla_sweep_refuses_a_future_now_without_dry_run(client, app_key, db, database_url):
    await _breach_candidates(client, app_key)
    before = await _sla_columns(db)
    r = aduan("sla", "sweep", "--now", "2099-01-01T00:00:00Z", DATABASE_URL=database_url)
    line = one_line(r, 2)
    assert "future" in line and "--dry-run" in line
    assert r.stderr.strip() == line
    assert await _sla_columns(db) == before
    # the present is not the future: a real sweep now runs (and breaches nothing just submitted)
    now = datetime.now(UTC).isoformat()
    r = aduan("sla", "sweep", "--now", now, DATABASE_URL=database_url)
    assert r.returncode == 0 and "0 breached" in r.stdout, r.stdout + r.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_ctrl_c_exits_130_quietly(database_url):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-access-log"],
        cwd=REPO,
        env=_env(DATABASE_URL=database_url, ADUAN_SLA_SWEEP_INTERVAL="0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_as_from_a_terminal,
    )
    errors: list[str] = []
    drain = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)
    drain.start()  # uvicorn logs to stderr: a full pipe would block it
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, "serve exited"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "service did not start"
            time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    drain.join(timeout=10)
    assert proc.returncode == 130, (proc.returncode, errors)
    assert "Traceback" not in errors[0], errors[0]
    assert not [line for line in errors[0].splitlines() if line.startswith("aduan:")], errors[0]
