"""The README's tour, pasted into a shell as written, against a real ``aduan serve``.

The README starts the service with its first command (``ADUAN_ADMIN_KEY=... .venv/bin/aduan
serve``) and then tells a newcomer to paste, in a second shell, the curl tour and the routing
tour's block (``aduan areas import``, ``aduan seed demo``, a complaint that routes itself). This
test does exactly that: it starts the service as a process on a fresh database of the test server
with the admin key of that first command, and runs the blocks, in order, in one
``bash -euo pipefail`` from a directory whose ``.venv`` is the environment running the tests. Only
``B=`` is changed (to the service's port); ``aduan`` is not on the PATH until the tour's own
``. .venv/bin/activate`` puts it there, and it works on the same database (``DATABASE_URL``).

Every ``curl`` of the tour fails the step on an HTTP error (``--fail-with-body``), so a placeholder
the shell cannot run, a stale ``If-Match`` or a key whose role does not allow the step stops the
tour with the problem it got; the answers are then checked against what the README says of them.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import _create_database, _drop_database
from tests.helpers import wait_ready

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
README_PORT = "127.0.0.1:8000"
# Markers between the blocks in the file of answers: which block an answer came from.
BLOCK_MARK = "#block "


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + len(heading) + 2)
    return text[start : end if end != -1 else len(text)]


def _sh_blocks(section: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", section, flags=re.S | re.M)


def _readme() -> dict[str, object]:
    text = README.read_text()
    serve = _sh_blocks(_section(text, "## Two commands"))[0].strip()
    assert serve.endswith(".venv/bin/aduan serve"), serve
    admin = re.search(r"ADUAN_ADMIN_KEY=(\S+)", serve)
    assert admin, "the first command sets no ADUAN_ADMIN_KEY"
    tours = [
        ("curl tour", _sh_blocks(_section(text, "## A curl tour"))),
        ("routing tour", _sh_blocks(_section(text, "## Routing, assignment and SLAs"))[:1]),
    ]
    blocks = []
    for name, found in tours:
        assert len(found) == 1, f"README: {name}: expected one sh block, found {len(found)}"
        blocks.append((name, found[0], text[: text.index(found[0])].count("\n") + 1))
    return {"admin_key": admin.group(1), "blocks": blocks}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _checkout(workdir: Path) -> None:
    """A directory laid out like the README's clone: ``.venv`` is the environment running the tests
    (its ``aduan`` entry point and ``bin/activate``); without a venv, an equivalent stand-in."""
    venv = Path(sys.prefix)
    if (venv / "bin" / "activate").is_file() and (venv / "bin" / "aduan").is_file():
        (workdir / ".venv").symlink_to(venv, target_is_directory=True)
        return
    bin_dir = workdir / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "aduan").write_text(
        f'#!/bin/sh\nPYTHONPATH="{REPO}${{PYTHONPATH:+:$PYTHONPATH}}" exec "{sys.executable}" -m app.cli "$@"\n'
    )
    (bin_dir / "aduan").chmod(0o755)
    (bin_dir / "python3").symlink_to(sys.executable)
    (bin_dir / "activate").write_text(f'PATH="{bin_dir}:$PATH"\nexport PATH\nhash -r 2>/dev/null || true\n')


def _path_without_aduan() -> str:
    """PATH as a fresh shell has it: no directory that already holds an ``aduan``."""
    dirs = os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
    return os.pathsep.join(d for d in dirs if d and not (Path(d) / "aduan").exists())


def _curl_fail_option() -> str:
    help_all = subprocess.run(["curl", "--help", "all"], capture_output=True, text=True).stdout
    return "--fail-with-body" if "--fail-with-body" in help_all else "--fail"


def _script(blocks: list[tuple[str, str, int]], port: int, answers: Path) -> str:
    # Every curl of the tour: an HTTP error fails the step (the problem it got is still printed),
    # each answer on a line of its own, and a copy in the file of answers.
    lines = [
        f"curl() {{ command curl {_curl_fail_option()} -w '\\n' \"$@\" | tee -a {answers}; }}",
    ]
    for name, block, line in blocks:
        body = block
        if name == "curl tour":
            assert body.count(f"B=http://{README_PORT}\n") == 1, "the curl tour no longer sets B"
            body = body.replace(f"B=http://{README_PORT}\n", f"B=http://127.0.0.1:{port}\n")
        assert "8000" not in body, f"README {name}: a step goes to port 8000 without $B"
        lines += [
            f"echo '{BLOCK_MARK}{name}' >> {answers}",
            f"echo '===== README line {line}: {name}' >&2",
            body,
        ]
    return "\n".join(lines) + "\n"


def _answers(answers: Path) -> dict[str, list]:
    by_block: dict[str, list] = {}
    current = None
    for line in answers.read_text().splitlines():
        if line.startswith(BLOCK_MARK):
            current = by_block.setdefault(line[len(BLOCK_MARK) :], [])
        elif line.strip():
            assert current is not None
            current.append(json.loads(line))
    return by_block


def test_readme_tour_runs_as_written(pg_server: str, tmp_path: Path) -> None:
    readme = _readme()
    name = f"aduan_tour_{os.getpid()}"
    database_url = asyncio.run(_create_database(pg_server, name))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "ADUAN_TEST_DATABASE_URL", "ADUAN_ADMIN_KEY", "VIRTUAL_ENV")
        and not k.startswith("ADUAN_")
    }
    env.update({"DATABASE_URL": database_url, "ADUAN_DATA_DIR": str(tmp_path / "data")})
    service_env = dict(
        env,
        ADUAN_ADMIN_KEY=str(readme["admin_key"]),
        ADUAN_SLA_SWEEP_INTERVAL="0",
        ADUAN_LOG_LEVEL="WARNING",
    )
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=service_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        wait_ready(proc, base, log)
        workdir = tmp_path / "clone"
        workdir.mkdir()
        _checkout(workdir)
        answers = tmp_path / "answers.jsonl"
        script = tmp_path / "tour.sh"
        script.write_text(_script(readme["blocks"], port, answers))  # type: ignore[arg-type]
        shell_env = dict(env, PATH=_path_without_aduan(), PS4="+ ")
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-x", str(script)],
            cwd=workdir,
            env=shell_env,
            capture_output=True,
            text=True,
            timeout=150,
        )
        shown = f"--- stdout ---\n{run.stdout[-6000:]}\n--- stderr (trace) ---\n{run.stderr[-8000:]}"
        assert run.returncode == 0, f"a step of the README tour failed (exit {run.returncode})\n{shown}"
        assert proc.poll() is None, "the service died during the tour:\n" + log.read_text()[-5000:]

        by_block = _answers(answers)
        for block, got in by_block.items():
            for answer in got:
                problem = isinstance(answer, dict) and "type" in answer and "status" in answer
                assert not problem, f"README {block}: a step answered a problem: {answer}\n{shown}"
        tour = by_block["curl tour"]
        created = tour[2]
        assert created["status"] == "received" and created["category"] == "roads", created
        # The last read of it, after the transition and the comment: both in its history.
        complaint = [a for a in tour if a.get("id") == created["id"] and "events" in a][-1]
        assert complaint["status"] == "in_progress" and complaint["reporter"], complaint
        notes = [e.get("note") for e in complaint["events"]]
        assert "Petugas menuju lokasi" in notes and "Menunggu alat berat" in notes, complaint["events"]
        listed = next(a for a in tour if "items" in a)
        assert [c["id"] for c in listed["items"]] == [created["id"]], listed
        tracked = tour[-1]
        assert tracked["ticket"] == created["ticket"] and tracked["status"] == "in_progress", tracked
        assert "Budi" not in json.dumps(tracked), "the public tracking page shows the reporter"

        routed = by_block["routing tour"][-1]
        assert routed["category"] == "drainage_flood", routed
        assert routed["area"]["kelurahan"]["name"] == "Cikini", routed
        assert routed["unit"] == "kel-31.71.06.1003" and routed["assignee"], routed
        assert "units: " in run.stdout and "officer " in run.stdout, run.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        asyncio.run(_drop_database(pg_server, name))
