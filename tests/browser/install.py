"""Make sure a Chromium is there for the browser tests (tests/browser): ``python -m tests.browser.install``.

Playwright's own browser download is not used (CI may not reach it); the tests drive the
Chromium of the system. Found: ``$ADUAN_CHROMIUM``, ``/usr/bin/chromium``, or a ``chromium`` /
``chromium-browser`` / ``google-chrome`` on the PATH. Missing, and running as root on
Debian/Ubuntu: ``apt-get install -y chromium``. Otherwise it exits 1 and says what to do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    named = os.environ.get("ADUAN_CHROMIUM")
    if named:
        return named if Path(named).is_file() and os.access(named, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _debian() -> bool:
    return Path("/etc/debian_version").exists() and shutil.which("apt-get") is not None


def main() -> int:
    found = find_chromium()
    if found:
        return 0
    if os.environ.get("ADUAN_CHROMIUM"):
        print(f"ADUAN_CHROMIUM={os.environ['ADUAN_CHROMIUM']} is not an executable file", file=sys.stderr)
        return 1
    if os.geteuid() == 0 and _debian():
        print("tests/browser: installing Chromium (apt-get install chromium)...", file=sys.stderr, flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        try:
            subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL, env=env)
            subprocess.run(
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
                check=True,
                stdout=subprocess.DEVNULL,
                env=env,
            )
        except subprocess.CalledProcessError as exc:
            print(f"tests/browser: apt-get failed ({exc}); install Chromium yourself", file=sys.stderr)
            return 1
        if find_chromium():
            return 0
    print(
        "tests/browser needs Chromium: install it (Debian/Ubuntu: `sudo apt-get install chromium`) "
        "or set ADUAN_CHROMIUM to a Chromium or Chrome executable",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
