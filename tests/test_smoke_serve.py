"""`aduan serve` as a real process on the embedded PostgreSQL: submit, track, stop cleanly."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_running(data_dir: Path) -> bool:
    pid_file = data_dir / "pg" / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_on_embedded_postgres(tmp_path):
    data_dir = Path(os.environ.get("ADUAN_SMOKE_DATA_DIR", REPO / ".aduan-test" / "smoke"))
    shutil.rmtree(data_dir, ignore_errors=True)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ADUAN_TEST_DATABASE_URL")}
    env.update({"ADUAN_DATA_DIR": str(data_dir), "ADUAN_ADMIN_KEY": "smoke-admin-key"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else "serve exited"
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "service did not become ready"
            time.sleep(0.5)
        assert _postgres_running(data_dir), "serve did not start the embedded PostgreSQL"
        admin = {"Authorization": "Bearer smoke-admin-key"}
        key = httpx.post(base + "/v1/api-keys", json={"name": "smoke", "role": "app"}, headers=admin).json()[
            "key"
        ]
        r = httpx.post(
            base + "/v1/complaints",
            json={
                "description": "Lampu PJU mati di Jl. Cikini Raya",
                "location": {"lat": -6.19, "lon": 106.84},
            },
            headers={"Authorization": f"Bearer {key}"},
        )
        assert r.status_code == 201, r.text
        tracked = httpx.get(base + f"/v1/track/{r.json()['ticket']}")
        assert tracked.status_code == 200 and tracked.json()["status"] == "received"
        docs = httpx.get(base + "/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
    finally:
        proc.send_signal(signal.SIGTERM)  # what docker stop and systemd send
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, proc.stdout.read() if proc.stdout else ""
    deadline = time.monotonic() + 30
    while _postgres_running(data_dir) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _postgres_running(data_dir), "stopping the service left the embedded PostgreSQL running"
