"""The machine: what it is and how busy other processes keep it."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

from . import log


def machine(pg_version: str) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem = None
    try:
        mem_kb = int(
            next(
                ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
            ).split()[1]
        )
        mem = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()
    return {
        "nproc": nproc,
        "cpu": cpu,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "wrk": wrk_version[0].split(" Copyright")[0].strip() if wrk_version else "unknown",
    }


def cpu_busy(seconds: float = 2.0) -> float | None:
    """The share of CPU time other processes use while the benchmark is idle (None off Linux).

    wrk, the service and PostgreSQL share this machine's cores: anything else running
    (a test suite, a build) lowers every number, so the run records how quiet it was.
    """

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


QUIET = 0.10  # CPU share used by others below which the machine counts as idle


def wait_for_quiet(limit_s: float = 60.0) -> float | None:
    """Give the machine up to ``limit_s`` to settle (e.g. the kernel writing back the load)."""
    deadline = time.monotonic() + limit_s
    while True:
        busy = cpu_busy()
        if busy is None or busy <= QUIET or time.monotonic() > deadline:
            return busy
        log(f"  waiting for the machine to settle: {busy:.0%} of the CPU busy")
