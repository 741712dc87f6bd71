"""Two ``aduan worker`` processes share the outbox; one is killed with SIGKILL mid-send. Every
message still arrives, and a receiver that deduplicates by ``webhook-id`` sees each exactly once.

The receiver answers the first few sends at once and then holds every answer until the test has
killed the victim (or for at most 2 s, under the 3 s send timeout), so the victim always has
sends in flight when it dies, whatever the machine's speed; their lease runs out and the other
worker sends them again, under the same ``webhook-id``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from standardwebhooks.webhooks import Webhook

from tests.conftest import REPO
from tests.outbound.fakes import Answer, FakePlatform, Recorded

N = 40
FREE = 6  # answers given at once; later ones wait for the gate


def start_worker(database_url: str, name: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ADUAN_")},
        "DATABASE_URL": database_url,
        "ADUAN_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "ADUAN_OUTBOX_SEND_TIMEOUT": "3",  # the lease is then 6 s
        "ADUAN_OUTBOX_LEASE": "2",
        "ADUAN_OUTBOX_POLL_INTERVAL": "0.05",
        "ADUAN_OUTBOX_BACKOFF_BASE": "0.2",
        "ADUAN_OUTBOX_CONCURRENCY": "4",
        "ADUAN_OUTBOX_BATCH": "4",
        "ADUAN_LOAD_JAKARTA_AREAS": "false",
    }
    cmd = [sys.executable, "-m", "app.cli", "worker", "--name", name]
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


async def test_two_workers_and_a_kill_deliver_everything_once(
    client, make_key, database_url: str, fake_platform: FakePlatform, db, tmp_path: Path
) -> None:
    app_key = await make_key("app", "jaki")
    r = await client.post(
        "/v1/webhooks",
        json={"url": f"{fake_platform.url}/hook", "events": ["complaint.created"]},
        headers=app_key,
    )
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]
    for i in range(N):
        r = await client.post(
            "/v1/complaints", json={"description": f"Lampu mati nomor {i}"}, headers=app_key
        )
        assert r.status_code == 201
    gate = threading.Event()
    answered = iter(range(N * 10))
    held: set[str] = set()  # webhook-ids of the answers being held

    def respond(rec: Recorded) -> Answer:
        if next(answered) >= FREE and not gate.is_set():
            held.add(rec.headers["webhook-id"])
            gate.wait(2.0)
        return Answer(status=200)

    fake_platform.respond = respond

    a = start_worker(database_url, "worker-a", tmp_path / "a.log")
    b = start_worker(database_url, "worker-b", tmp_path / "b.log")
    try:
        # Kill A once it has finished some sends and has others in flight (claimed, not finished).
        deadline = time.monotonic() + 60
        while True:
            in_flight = await db.fetch(
                "SELECT id FROM outbound_messages WHERE status = 'sending' AND claimed_by = 'worker-a'"
            )
            a_done = await db.fetchval("SELECT count(*) FROM outbound_attempts WHERE worker = 'worker-a'")
            # ... and at least one of them is a request the receiver holds: it cannot finish it.
            if a_done >= 2 and {f"msg_{r['id'].hex}" for r in in_flight} & held:
                break
            assert time.monotonic() < deadline, (tmp_path / "a.log").read_text()
            await asyncio.sleep(0.02)
        os.kill(a.pid, signal.SIGKILL)
        a.wait(10)
        gate.set()
        # What A held when it died: leased to it, never finished (it cannot finish them now).
        orphans = {
            r["id"]
            for r in await db.fetch(
                "SELECT id FROM outbound_messages WHERE status = 'sending' AND claimed_by = 'worker-a'"
            )
        }
        assert orphans, "worker-a had nothing in flight when it was killed"
        deadline = time.monotonic() + 90
        while await db.fetchval("SELECT count(*) FROM outbound_messages WHERE status <> 'sent'"):
            assert b.poll() is None, (tmp_path / "b.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "b.log").read_text()
            await asyncio.sleep(0.1)
    finally:
        for p in (a, b):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in (a, b):
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
    assert b.returncode == 0, (tmp_path / "b.log").read_text()

    ids = await db.fetch("SELECT id FROM outbound_messages WHERE platform = 'webhook'")
    assert len(ids) == N
    got = [r for r in fake_platform.requests if r.path == "/hook"]
    for rec in got:
        Webhook(secret).verify(rec.body, rec.headers)
    seen: dict[str, bytes] = {}
    for rec in got:  # the receiver deduplicates by webhook-id
        assert seen.setdefault(rec.headers["webhook-id"], rec.body) == rec.body
    assert set(seen) == {f"msg_{r['id'].hex}" for r in ids}  # every message, none lost
    workers = {w for (w,) in await db.fetch("SELECT DISTINCT worker FROM outbound_attempts WHERE ok")}
    assert workers <= {"worker-a", "worker-b"} and "worker-b" in workers
    # What A had in flight when it died was sent by B, under the same id.
    rescued = await db.fetch(
        "SELECT DISTINCT message_id FROM outbound_attempts WHERE ok AND worker = 'worker-b' "
        "AND message_id = ANY($1::uuid[])",
        list(orphans),
    )
    assert {r["message_id"] for r in rescued} == orphans
