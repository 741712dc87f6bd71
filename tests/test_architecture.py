"""The architecture, checked: the layers of app/ (import-linter's contract in pyproject.toml), no
import cycle between packages or modules, routers free of SQL, one writer of the history, and the
request's collaborators reached through dependencies only. docs/architecture.md explains the shape
these tests hold in place."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("app", cache_dir=None)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), i.e. the cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_layers_hold():
    """pyproject.toml [tool.importlinter]: main/cli -> channels -> intake -> the domains -> auth -> core."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_import_cycle_between_packages():
    graph = _graph()
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        package = ".".join(module.split(".")[:2])
        for imported in graph.find_modules_directly_imported_by(module):
            target = ".".join(imported.split(".")[:2])
            if target != package:
                edges.setdefault(package, set()).add(target)
    assert _cycles(edges) == []


def test_no_import_cycle_between_modules():
    graph = _graph()
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    # A package's __init__ importing its own modules is not a cycle of design.
    for module, targets in edges.items():
        edges[module] = {t for t in targets if not module.startswith(t + ".")}
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


_SQL = re.compile(r"\b(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b")
_DB_CALLS = {"fetch", "fetchrow", "fetchval", "execute", "executemany", "copy_records_to_table"}


def _sql_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL.search(node.value):
            found.append(f"{where}:{node.lineno}: SQL text")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _DB_CALLS
        ):
            found.append(f"{where}:{node.lineno}: .{node.func.attr}()")
    return found


def test_routers_hold_no_sql():
    routers = [*APP.rglob("router.py"), APP / "main.py", APP / "complaints" / "tracking.py"]
    routers += [APP / "complaints" / "reporters.py", APP / "complaints" / "categories.py"]
    found = [hit for path in routers for hit in _sql_in(path)]
    assert found == []


def test_the_sql_detector_detects_sql(tmp_path):
    sample = tmp_path / "router.py"
    sample.write_text('async def f(conn):\n    return await conn.fetchval("SELECT 1")\n')
    assert len(_sql_in(sample)) == 2
    sample.write_text('SUMMARY = "Select the unit to update"\n')
    assert _sql_in(sample) == []


def test_one_writer_of_the_history():
    writers = [
        str(path.relative_to(ROOT))
        for path in APP.rglob("*.py")
        if re.search(r"INSERT\s+INTO\s+complaint_events", path.read_text())
    ]
    assert writers == ["app/complaints/history.py"]


def test_collaborators_come_from_dependencies():
    """``request.app.state`` is read by the dependency modules only (and set up by main.py)."""
    allowed = {"app/core/deps.py", "app/intake/deps.py", "app/main.py"}
    readers = sorted(
        str(path.relative_to(ROOT))
        for path in APP.rglob("*.py")
        if "app.state" in path.read_text() and str(path.relative_to(ROOT)) not in allowed
    )
    allowed_packages = ("app/channels/deps.py", "app/complaints/deps.py", "app/geo/deps.py",
                        "app/classification/deps.py", "app/org/deps.py", "app/assignment/deps.py")  # fmt: skip
    assert [r for r in readers if r not in allowed_packages] == []
