"""Outbox dispatch throughput to a local receiver, against that receiver's own ceiling, in one run.

    python bench/outbox.py [--messages N] [--workers 1,2]

1. A fresh database ``aduan_bench_outbox`` on the server of ``ADUAN_BENCH_DATABASE_URL`` or
   ``DATABASE_URL`` (else the embedded PostgreSQL under ``.aduan-bench/``), migrated.
2. ``N`` complaints with their ``created`` events and outbox rows, written in SQL, and one admin
   webhook subscription to the receiver: every event becomes one signed Standard Webhooks
   delivery.
3. The receiver: a minimal ASGI app under uvicorn on 127.0.0.1 answering 204 to every POST.
   Its ceiling is measured first with ``wrk`` (POSTs of a delivery-sized body, 16 connections):
   how many requests a second it takes from anyone.
4. ``aduan worker`` processes (1, then 2, each run on a fresh copy of the outbox) expand the
   outbox and send every message; the time from start to "no message left" gives messages/s.
   The ratio is messages/s over the receiver's ceiling: what the dispatcher's database round
   trips, signing and bookkeeping cost per message, relative to a bare POST. The time is from the
   first attempt to the last message sent (the workers' start-up and migration check excluded).

It reports; it does not judge. Only 127.0.0.1 is loaded, and each phase is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import asyncpg  # noqa: E402
from aduan_bench import log  # noqa: E402
from aduan_bench.database import asyncpg_dsn, bench_urls  # noqa: E402
from aduan_bench.services import aduan_cmd, free_port  # noqa: E402
from aduan_bench.wrk import LUA_COMMON, ensure_wrk, lua_static, run_wrk  # noqa: E402

DB = "aduan_bench_outbox"
RECEIVER = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while True:
        message = await receive()
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})
"""
SEED = """
WITH c AS (
  INSERT INTO complaints (ticket, channel, description, status, created_by)
  SELECT 'B' || lpad(to_hex(g), 7, '0'), 'jaki', 'Lampu jalan mati nomor ' || g, 'received', 'bench'
  FROM generate_series(1, $1) AS g
  RETURNING id
), e AS (
  INSERT INTO complaint_events (complaint_id, kind, actor, to_status, public)
  SELECT id, 'created', 'bench', 'received', true FROM c
  RETURNING id, complaint_id
)
INSERT INTO outbox (complaint_id, event_id, kind) SELECT complaint_id, id, 'created' FROM e
"""


async def prepare(maintenance: str, url: str, n: int, receiver_url: str) -> None:
    conn = await asyncpg.connect(maintenance)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DB}"')
    finally:
        await conn.close()
    env = {**os.environ, "DATABASE_URL": url}
    await asyncio.to_thread(
        subprocess.run, [*aduan_cmd(), "migrate"], env=env, check=True, capture_output=True, timeout=300
    )
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(
            "INSERT INTO webhook_subscriptions (key_id, key_role, url, events, secret) "
            "VALUES ('bootstrap-admin', 'admin', $1, ARRAY['complaint.created'], $2)",
            receiver_url,
            "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        )
        await conn.execute(SEED, n)
    finally:
        await conn.close()


async def reset(url: str, n: int) -> None:
    """A fresh outbox of ``n`` events (the messages of the last run are removed)."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("TRUNCATE outbound_messages, outbound_attempts, outbox")
        await conn.execute(
            "INSERT INTO outbox (complaint_id, event_id, kind) "
            "SELECT complaint_id, id, kind FROM complaint_events WHERE kind = 'created'"
        )
        await conn.execute("VACUUM ANALYZE outbox")
    finally:
        await conn.close()


async def remaining(url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        left = await conn.fetchval(
            "SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM outbound_messages WHERE status <> 'sent')"
        )
        sent = await conn.fetchval("SELECT count(*) FROM outbound_messages WHERE status = 'sent'")
        return int(left), int(sent)
    finally:
        await conn.close()


async def span(url: str) -> float:
    """Seconds from the first attempt to the last message sent (the workers' start-up excluded)."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        value = await conn.fetchval(
            "SELECT extract(epoch FROM (SELECT max(sent_at) FROM outbound_messages) "
            "- (SELECT min(at) - make_interval(secs => min(duration_ms) / 1000.0) FROM outbound_attempts))"
        )
        return float(value or 0.0)
    finally:
        await conn.close()


def dispatch(url: str, workers: int, n: int, logdir: Path, limit_s: float) -> dict[str, float]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ADUAN_")},
        "DATABASE_URL": url,
        "ADUAN_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "ADUAN_OUTBOX_CONCURRENCY": "16",
        "ADUAN_OUTBOX_BATCH": "50",
        "ADUAN_OUTBOX_POLL_INTERVAL": "0.05",
        "ADUAN_LOG_LEVEL": "WARNING",
    }
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [*aduan_cmd(), "worker", "--name", f"bench-{i}"],
            env=env,
            stdout=(logdir / f"worker-{workers}-{i}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        for i in range(workers)
    ]
    try:
        while True:
            left, sent = asyncio.run(remaining(url))
            if left == 0:
                break
            if time.monotonic() - started > limit_s:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
    busy = asyncio.run(span(url)) or elapsed
    return {
        "workers": workers,
        "sent": sent,
        "seconds": busy,
        "wall": elapsed,
        "per_s": sent / busy if busy else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--limit", type=float, default=240.0, help="seconds a dispatch run may take at most")
    args = parser.parse_args()
    ensure_wrk()
    bench, maintenance, where = bench_urls()
    url = bench.set(database=DB).render_as_string(hide_password=False)
    logdir = Path(tempfile.mkdtemp(prefix="aduan-bench-outbox-"))
    port = free_port()
    (logdir / "receiver.py").write_text(RECEIVER)
    receiver = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "receiver:app", "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning"],
        cwd=logdir, stdout=(logdir / "receiver.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    receiver_url = f"http://127.0.0.1:{port}/hook"
    try:
        log(f"database: {where}; logs in {logdir}")
        asyncio.run(prepare(asyncpg_dsn(maintenance), url, args.messages, receiver_url))
        time.sleep(1.0)
        body = (
            '{"type":"complaint.created","timestamp":"2026-03-02T03:12:40+00:00","data":{'
            + '"x":"'
            + "y" * 900
            + '"}}'
        )
        script = logdir / "post.lua"
        script.write_text(
            LUA_COMMON + lua_static("POST", "/hook", {"content-type": "application/json"}, body)
        )
        run_wrk(f"http://127.0.0.1:{port}", script, 16, 3, logdir, "receiver-warm")
        ceiling = run_wrk(f"http://127.0.0.1:{port}", script, 16, 10, logdir, "receiver")["rps"]
        log(f"receiver ceiling: {ceiling:,.0f} POST/s at 16 connections")
        rows = []
        for workers in (int(w) for w in args.workers.split(",")):
            asyncio.run(reset(url, args.messages))
            r = dispatch(url, workers, args.messages, logdir, args.limit)
            r["ratio"] = r["per_s"] / ceiling if ceiling else 0.0
            rows.append(r)
            log(f"{workers} worker(s): {r['sent']:,} of {args.messages:,} sent in {r['seconds']:.1f} s = "
                f"{r['per_s']:,.0f}/s, ratio to the receiver's ceiling {r['ratio']:.2f}")  # fmt: skip
        print()
        print(f"outbox dispatch, {args.messages:,} webhook deliveries, receiver ceiling {ceiling:,.0f}/s")
        print(f"{'workers':>8} {'sent':>8} {'seconds':>8} {'msgs/s':>8} {'ratio':>6}")
        for r in rows:
            print(
                f"{r['workers']:>8} {r['sent']:>8,} {r['seconds']:>8.1f} {r['per_s']:>8,.0f} {r['ratio']:>6.2f}"
            )
        return 0
    finally:
        receiver.terminate()
        receiver.wait(10)


if __name__ == "__main__":
    raise SystemExit(main())
