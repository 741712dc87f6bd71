"""The verdicts and the report: the table and the routing outcome lines."""

from __future__ import annotations

from typing import Any

P99_TARGET_MS = 50.0


def outcome_lines(outcome: dict[str, Any], point_mix: dict[str, Any], staffed: dict[str, Any]) -> list[str]:
    lines = []
    capacity = sum(o["capacity"] for o in staffed.values())
    for name, label in (("routing", "routing on"), ("core", "routing off"), ("app", "plain intake"),
                        ("facebook", "facebook webhook")):  # fmt: skip
        o = outcome.get(name)
        if not o or not o["n"]:
            continue
        n = o["n"]
        units = ", ".join(
            f"{u} {v['complaints']:,} ({v['assigned']} assigned)"
            for u, v in o.get("staffed_units", {}).items()
        )
        lines.append(
            f"  {label}: {n:,} complaints, {o['classified'] / n:.0%} classified, {o['kelurahan'] / n:.0%} with a "
            f"kelurahan, {o['kelurahan_unit'] / n:.0%} in a kelurahan unit, {o['assigned']:,} assigned to an officer"
            + (f"; staffed units: {units}" if units else "")
        )
    if lines:
        staffed_pts = sum(point_mix["staffed"].values())
        lines.insert(
            0,
            f"routing outcome (the routing scenarios draw from {staffed_pts + point_mix['elsewhere']:,} points, "
            f"{staffed_pts:,} in kelurahan with officers; those officers' total capacity: {capacity} open complaints):",
        )
    return lines


def judge(results: list[dict[str, Any]]) -> None:
    ceiling = next(r for r in results if r["name"] == "ceiling")["rps_64"]
    for r in results:
        r["ratio"] = r["rps_64"] / ceiling if ceiling else 0.0
        misses = []
        if r["target"] is not None and r["ratio"] < r["target"]:
            misses.append(f"ratio {r['ratio']:.2f} < {r['target']:.2f}")
        if r["p99_ms_8"] >= P99_TARGET_MS:
            misses.append(f"p99 {r['p99_ms_8']:.1f} ms >= {P99_TARGET_MS:.0f} ms")
        if r["errors"]:
            misses.append(f"{r['errors']} errors")
        r["misses"] = misses
        r["verdict"] = "below" if misses else "meets"


def table(results: list[dict[str, Any]]) -> str:
    head = ("scenario", "req/s @64", "ratio", "target", "p50 @8", "p99 @8", "errors", "verdict")
    rows = [head]
    for r in results:
        target = (
            f">= {r['target']:.2f}"
            if r["target"] is not None
            else ("ceiling" if r["name"] == "ceiling" else "-")
        )
        rows.append(
            (
                r["label"],
                f"{r['rps_64']:,.0f}",
                f"{r['ratio']:.2f}",
                target,
                f"{r['p50_ms_8']:.2f} ms",
                f"{r['p99_ms_8']:.2f} ms",
                f"{r['errors']}" + (" (!)" if r["errors"] else ""),
                r["verdict"],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = []
    for n, row in enumerate(rows):
        cells = [c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  {r['label']}: {'; '.join(r['misses'])}" for r in results if r["misses"]]
    samples = [f"  {r['label']}: first error: {r['first_error']}" for r in results if r["first_error"]]
    samples += [
        f"  {r['label']}: {r['warmup_errors']} errors during the warm-up (not counted above)"
        for r in results
        if r["warmup_errors"]
    ]
    return "\n".join(lines + ([""] + ["below target:"] + notes if notes else []) + samples)
