"""``aduan serve`` as child processes: starting, stopping, API keys."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from . import REPO


def aduan_cmd() -> list[str]:
    aduan = Path(sys.executable).parent / "aduan"
    return [str(aduan)] if aduan.exists() else [sys.executable, "-m", "app.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """``aduan serve`` as a child process: one worker, no access log, stopped with SIGINT."""

    def __init__(
        self,
        database_url: str,
        admin_key: str,
        logdir: Path,
        name: str = "serve",
        env: dict[str, str] | None = None,
    ):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.admin_key = admin_key
        self.log_path = logdir / f"{name}.log"
        self.cmd = aduan_cmd() + ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"]
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "ADUAN_ADMIN_KEY": admin_key,
            "ADUAN_LOG_LEVEL": os.environ.get("ADUAN_LOG_LEVEL", "WARNING"),
            # The SLA sweeper is a once-a-minute background pass, not a request path: on 1M
            # rows one pass costs PostgreSQL ~2 s, which would land inside whichever scenario
            # runs at that minute (and mutate the loaded rows a --keep-db run reuses).
            "ADUAN_SLA_SWEEP_INTERVAL": "0",
            # wrk drives thousands of requests a second from one address with a few keys: the
            # limits stay on (their cost is part of what is measured) but can never be reached.
            "ADUAN_RATE_LIMIT_PUBLIC": "1000000000/minute",
            "ADUAN_RATE_LIMIT_API_KEY": "1000000000/minute",
            "ADUAN_RATE_LIMIT_WEBHOOK": "1000000000/minute",
            "ADUAN_RATE_LIMIT_AUTH_FAILURES": "1000000000/minute",
            **(env or {}),
        }
        self.proc: subprocess.Popen | None = None
        self._log = None

    def start(self, timeout: float = 90) -> None:
        self._log = self.log_path.open("wb")
        # its own session: a Ctrl-C on the benchmark reaches it only through stop()
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=REPO,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the service exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the service was not ready within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.3)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            if self._log is not None:
                self._log.close()
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                return self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return self.proc.wait()
        finally:
            self._log.close()

    def create_key(self, name: str, role: str) -> tuple[str, str]:
        """(the key, its id): complaints an app key creates carry the id in ``created_by``."""
        r = httpx.post(
            self.base + "/v1/api-keys",
            json={"name": name, "role": role},
            headers={"Authorization": f"Bearer {self.admin_key}"},
            timeout=10,
        )
        if r.status_code != 201:
            raise RuntimeError(f"POST /v1/api-keys ({role}): {r.status_code} {r.text}")
        return r.json()["key"], str(r.json()["id"])
