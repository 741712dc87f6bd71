"""Intake with routing against core intake, on fresh pairs of processes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import log
from .services import Service
from .wrk import run_wrk

ROUTING_RATIO_TARGET = 0.80  # intake with routing / core intake (routing off), same run
# The ratio is judged on interleaved runs (on, off, off, on) of COMPARE_ROUNDS pairs of fresh
# processes, and the mean of the pairs' ratios: two back-to-back measurements on a shared 2-core
# machine moved by up to 25 % between identical runs, and two identical routing-off processes
# measured this way differed by 8 % and 13 % (bench/README.md, fifth session), so one pair of
# processes cannot tell 0.75 from 0.85. A control pair of two routing-off processes, measured
# the same way, shows the spread of the run itself.
COMPARE_ORDER = ("on", "off", "off", "on")
COMPARE_S = 5
COMPARE_ROUNDS = 3
COMPARE_WARMUP_S = 5  # each fresh process, before its pair is measured (statement caches, sub-cells)


def interleaved(
    on_base: str, off_base: str, logdir: Path, tag: str, scripts: tuple[Path, Path]
) -> dict[str, Any]:
    """One pair: throughput of the two processes at 64 connections, alternated in COMPARE_ORDER
    (ABBA), so drift of the machine during the pair falls on both sides alike. ``scripts``: the
    wrk script of the "on" side and of the "off" side."""
    runs: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
    for n, side in enumerate(COMPARE_ORDER):
        script = scripts[0] if side == "on" else scripts[1]
        base = on_base if side == "on" else off_base
        runs[side].append(run_wrk(base, script, 64, COMPARE_S, logdir, f"{tag}-{n}-{side}"))
    rps = {side: sum(r["rps"] for r in rs) / len(rs) for side, rs in runs.items()}
    return {
        "rps_on": [r["rps"] for r in runs["on"]],
        "rps_off": [r["rps"] for r in runs["off"]],
        "ratio": rps["on"] / rps["off"] if rps["off"] else 0.0,
        "errors": sum(r["non2xx"] + r["socket_errors"] for rs in runs.values() for r in rs),
    }


def fresh_pairs(start: Callable[[str, str], Service], logdir: Path) -> dict[str, Any]:
    """Routing on against routing off on COMPARE_ROUNDS pairs of fresh processes (``start(spec,
    name)`` starts one), then the control: two routing-off processes, measured the same way.

    Each process is warmed for COMPARE_WARMUP_S with its own script, then the pair is
    interleaved and both are stopped. The verdict's ratio is the mean of the pairs' ratios."""
    on_script, off_script = logdir / "intake_routing.lua", logdir / "intake_core.lua"
    log(
        f"  routing on / off: {COMPARE_ROUNDS} pairs of fresh processes, each warmed {COMPARE_WARMUP_S} s, "
        f"then {' '.join(COMPARE_ORDER)}, {COMPARE_S} s each at 64 connections; then the control pair (off / off)"
    )

    def pair(tag: str, specs: tuple[str, str], scripts: tuple[Path, Path]) -> dict[str, Any]:
        a = start(specs[0], f"serve-{tag}-a")
        try:
            b = start(specs[1], f"serve-{tag}-b")
            try:
                run_wrk(a.base, scripts[0], 64, COMPARE_WARMUP_S, logdir, f"{tag}-warmup-a")
                run_wrk(b.base, scripts[1], 64, COMPARE_WARMUP_S, logdir, f"{tag}-warmup-b")
                result = interleaved(a.base, b.base, logdir, tag, scripts)
            finally:
                b.stop()
        finally:
            a.stop()
        log(
            f"    {tag}: {result['ratio']:.2f} (a {' '.join(f'{x:,.0f}' for x in result['rps_on'])}, "
            f"b {' '.join(f'{x:,.0f}' for x in result['rps_off'])} req/s)"
        )
        return result

    rounds = [pair(f"pair{i + 1}", ("main", "core"), (on_script, off_script)) for i in range(COMPARE_ROUNDS)]
    control = pair("control", ("core", "core"), (off_script, off_script))
    ratios = [r["ratio"] for r in rounds]
    on = [x for r in rounds for x in r["rps_on"]]
    off = [x for r in rounds for x in r["rps_off"]]
    return {
        "order": COMPARE_ORDER,
        "seconds_each": COMPARE_S,
        "rounds": rounds,
        "ratios": ratios,
        "rps_on": on,
        "rps_off": off,
        "routing_on_rps": sum(on) / len(on),
        "routing_off_rps": sum(off) / len(off),
        "ratio": sum(ratios) / len(ratios),
        "errors": sum(r["errors"] for r in rounds),
        "control": control,
    }
