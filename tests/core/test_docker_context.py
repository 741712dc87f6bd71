"""The Docker build context: what the Dockerfile copies is in it, the embedded database and the
virtualenv are not. No Docker engine is needed: ``.dockerignore`` is read with Docker's own
matching rules (last matching pattern wins, a pattern that matches a directory matches what is in
it, ``**`` spans directories)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif c == "*":
            out, i = out + "[^/]*", i + 1
        elif c == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(c), i + 1
    return re.compile(out + r"\Z")


def _patterns() -> list[tuple[bool, re.Pattern[str]]]:
    out = []
    for raw in (REPO / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        line = line.removeprefix("!").strip().strip("/")
        out.append((exclusion, _regex(line)))
    return out


def ignored(path: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]  # parents, then the path
    matched = False
    for exclusion, rx in patterns:
        if any(rx.match(c) for c in candidates):
            matched = not exclusion
    return matched


def _copy_sources() -> list[str]:
    """The context paths of every COPY/ADD without --from (a stage is not the context)."""
    sources = []
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())  # continuation lines
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        words = shlex.split(line)
        if not words or words[0].upper() not in ("COPY", "ADD"):
            continue
        args = [w for w in words[1:] if not w.startswith("--")]
        if any(w.startswith("--from") for w in words[1:]):
            continue
        sources.extend(args[:-1])
    return sources


def test_everything_the_dockerfile_copies_is_in_the_context():
    patterns = _patterns()
    sources = _copy_sources()
    assert {"pyproject.toml", "README.md", "LICENSE", "app", "migrations"} <= set(sources), sources
    for src in sources:
        path = REPO / src
        assert path.exists(), src
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        kept = [f for f in files if not ignored(f.relative_to(REPO).as_posix(), patterns)]
        assert kept, f"{src}: everything in it is ignored"
        for f in files:
            rel = f.relative_to(REPO).as_posix()
            if "__pycache__" not in rel:
                assert not ignored(rel, patterns), f"{rel} is needed by the image but ignored"


def test_personal_data_secrets_and_caches_stay_out():
    patterns = _patterns()
    for rel in [
        ".aduan/pg/base/1/1259",
        ".aduan/media/2026/03/photo.jpg",
        ".aduan-test/pg/postgresql.conf",
        ".aduan-bench/pg/PG_VERSION",
        ".venv/bin/python",
        ".git/config",
        ".env",
        "bench/out/run.json",
        "tests/conftest.py",
        "app/__pycache__/cli.cpython-311.pyc",
        "migrations/versions/__pycache__/x.pyc",
        ".hypothesis/examples/x",
        ".ruff_cache/x",
        "aduan.egg-info/PKG-INFO",
        "media/upload.jpg",
    ]:
        assert ignored(rel, patterns), f"{rel} would be sent to the Docker builder"
