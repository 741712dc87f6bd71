"""mypy --strict on app/ is part of the suite, so a type error fails CI like a failing test.

The configuration is pyproject.toml's ``[tool.mypy]`` (strict, no unused ``type: ignore``, the
pydantic plugin, ``files = ["app"]``); the test only runs it, from the repository root, with the
interpreter that runs the tests, so the stubs it sees are the ones installed beside it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_mypy_strict_on_app() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, f"mypy exited {r.returncode}:\n{r.stdout}{r.stderr}"
