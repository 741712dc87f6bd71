"""A bounded schemathesis run against the real service: no 5xx, no answer off its own schema.

``aduan serve`` runs as a process on a fresh database of the test server, with every
channel's secret set (so channels answer 401 to unsigned input, not 503) and the rate
limits off (a fuzzer is one client sending thousands of requests). Schemathesis reads the
OpenAPI document and, for a key of each role and for no key at all, sends the documented
examples, the boundary cases of every schema (the coverage phase: too long, too short, wrong
type, null, missing) and random cases, checking two things of each answer: it is not a 5xx
(``not_a_server_error``), and it fits the schema the document gives for its status code
(``response_schema_conformance``; the Problem schema for every error).

Bounded and repeatable: a fixed seed, a few examples per operation, no example database,
and a time budget per role; the whole test takes about four minutes on two cores.

The document: ``openapi/openapi.json`` as committed (what clients are given), or the live
service's ``/openapi.json`` with ``ADUAN_FUZZ_SCHEMA=live`` (while endpoints change and the
committed file lags; the drift test keeps the two equal on main).

A failure prints schemathesis's report (each failing operation with a curl command that
reproduces it) and the tracebacks the service logged.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import CHANNEL_SECRETS, _create_database, _drop_database
from tests.helpers import wait_ready

REPO = Path(__file__).resolve().parents[2]
ADMIN_KEY = "fuzz-admin-key"
ROLES = ("admin", "supervisor", "officer", "app", "partner", None)
SEED = 20261204
# Per role: examples per operation, and the role's share of the time budget (seconds).
MAX_EXAMPLES = int(os.environ.get("ADUAN_FUZZ_MAX_EXAMPLES", "6"))
SECONDS_PER_ROLE = int(os.environ.get("ADUAN_FUZZ_SECONDS_PER_ROLE", "35"))
CHECKS = "not_a_server_error,response_schema_conformance"
# Schemathesis serialises JSON, forms and text by itself; raw mail (POST /v1/channels/email/inbound)
# needs a serializer, given to the CLI as a hooks module.
HOOKS = """
import json

import schemathesis


@schemathesis.serializer("message/rfc822")
def rfc822(ctx, value):
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else json.dumps(value)).encode("utf-8", "surrogatepass")
"""
# Errors of the run that are the service's fault, not the tool's (a crashed or hung service).
SERVICE_ERRORS = ("network", "connection", "timeout", "timed out")


def _schemathesis() -> str:
    exe = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    if exe is None:
        pytest.fail("schemathesis is a test dependency (pip install -e '.[test]')")
    return exe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _service_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ADUAN_TEST_DATABASE_URL")}
    env.update(CHANNEL_SECRETS)
    env.update(
        {
            "DATABASE_URL": database_url,
            "ADUAN_DATA_DIR": str(data_dir),
            "ADUAN_MEDIA_DIR": str(data_dir / "media"),
            "ADUAN_ADMIN_KEY": ADMIN_KEY,
            "ADUAN_SLA_SWEEP_INTERVAL": "0",
            "ADUAN_LOG_LEVEL": "WARNING",
            # One fuzzing client sends thousands of requests a minute: limits off, and high
            # should a setting turn them on again.
            "ADUAN_RATE_LIMIT_ENABLED": "false",
            "ADUAN_RATE_LIMIT_PUBLIC": "1000000/minute",
            "ADUAN_RATE_LIMIT_API_KEY": "1000000/minute",
            "ADUAN_RATE_LIMIT_WEBHOOK": "1000000/minute",
            "ADUAN_WEBHOOK_ALLOW_PRIVATE_URLS": "false",
        }
    )
    return env


def _create_key(base: str, role: str) -> str:
    """A key of ``role`` made through the API, as clients get theirs. Supervisors and
    officers are officers of a unit; when the service wants the officer behind such a key,
    one is created first."""
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    r = httpx.post(base + "/v1/api-keys", json={"name": f"fuzz-{role}", "role": role}, headers=admin)
    if r.status_code == 201:
        return r.json()["key"]
    assert r.status_code in (409, 422), r.text
    unit = httpx.post(
        base + "/v1/units", json={"code": "fuzz-triage", "name": "Fuzz", "kind": "triage"}, headers=admin
    )
    assert unit.status_code in (201, 409), unit.text
    officer = httpx.post(
        base + "/v1/officers",
        json={"name": f"Fuzz {role}", "unit": "fuzz-triage", "role": role},
        headers=admin,
    )
    assert officer.status_code == 201, officer.text
    r = httpx.post(
        base + "/v1/api-keys",
        json={"name": f"fuzz-{role}", "role": role, "officer_id": officer.json()["id"]},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return r.json()["key"]


def _fuzz(
    base: str, schema: str, key: str | None, workdir: Path, report: Path
) -> subprocess.CompletedProcess:
    cmd = [
        _schemathesis(),
        "run",
        schema,
        "--url",
        base,
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(SECONDS_PER_ROLE),
        "--generation-database",
        "none",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "15",
        "--continue-on-failure",
        "--workers",
        "2",
        "--no-color",
        "--output-truncate",
        "false",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    if key is not None:
        cmd += ["--header", f"Authorization: Bearer {key}"]
    (workdir / "aduan_fuzz_hooks.py").write_text(HOOKS)
    env = dict(os.environ, SCHEMATHESIS_HOOKS="aduan_fuzz_hooks", PYTHONPATH=str(workdir))
    return subprocess.run(
        cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=SECONDS_PER_ROLE * 3 + 120
    )


def _verdict(run: subprocess.CompletedProcess, report: Path) -> str | None:
    """Why this run fails the test, or None. Failing checks fail it; so do errors that mean the
    service broke (refused connections, timeouts) and a run that did not finish. The tool's own
    errors (a media type it cannot generate, an internal crash on one operation) are printed
    but do not: they are not the service's answers."""
    if not report.exists():
        return f"no report (exit {run.returncode})"
    doc = json.loads(report.read_text())
    if doc["failures"]:
        groups = ", ".join(
            f"{g['title']} x{g['count']} on {', '.join(g['operations'])}" for g in doc["failures"]
        )
        return f"checks failed: {groups}"
    broken = [e["title"] for e in doc["errors"] if any(w in e["title"].lower() for w in SERVICE_ERRORS)]
    if broken:
        return f"the service did not answer: {broken}"
    if not doc["complete"] or not doc["test_cases"]["generated"]:
        return f"the run did not complete: stop reason {doc['stop_reason']}"
    if doc["errors"]:
        print(f"schemathesis errors (not the service's): {doc['errors']}")
    return None


def _server_errors(log: Path) -> str:
    """What the service logged (at WARNING and above: tracebacks of a 5xx, refusals of the
    database's safety net), the latest last."""
    return log.read_text(errors="replace")[-30000:]


def test_fuzz_openapi_no_5xx_and_answers_fit_their_schema(pg_server: str, tmp_path: Path) -> None:
    name = f"aduan_fuzz_{os.getpid()}"
    database_url = asyncio.run(_create_database(pg_server, name))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=_service_env(database_url, tmp_path / "data"),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        wait_ready(proc, base, log)
        schema = (
            base + "/openapi.json"
            if os.environ.get("ADUAN_FUZZ_SCHEMA") == "live"
            else str(REPO / "openapi" / "openapi.json")
        )
        keys = {role: (_create_key(base, role) if role else None) for role in ROLES}
        failures = []
        for role, key in keys.items():
            report = tmp_path / f"report-{role or 'anonymous'}.json"
            run = _fuzz(base, schema, key, tmp_path, report)
            why = _verdict(run, report)
            print(f"schemathesis as {role or 'no key'}: exit {run.returncode}, {why or 'no failure'}")
            if why:
                failures.append(
                    f"===== schemathesis as {role or 'no key'}: {why} =====\n"
                    + run.stdout[-20000:]
                    + run.stderr[-3000:]
                )
        took = time.monotonic() - started
        report = "\n".join(failures)
        errors = _server_errors(log)
        # The safety net's refusals are answers, not failures, but each names a missing check.
        for line in sorted(set(log.read_text(errors="replace").splitlines())):
            if "database rejected" in line:
                print(line)
        print(f"fuzzing took {took:.0f} s")
        assert not failures, f"{report}\n===== the service logged =====\n{errors}\n(took {took:.0f} s)"
        assert proc.poll() is None, "the service died during the run:\n" + errors
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        asyncio.run(_drop_database(pg_server, name))
