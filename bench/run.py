"""Aduan's benchmark: the hot paths against the framework's own ceiling, in one run.

    python bench/run.py [--rows N] [--duration S] [--keep-db] [--json out.json]

1. A fresh database ``aduan_bench`` on the server of ``ADUAN_BENCH_DATABASE_URL`` or
   ``DATABASE_URL`` (dropped first), else on the embedded PostgreSQL under ``.aduan-bench/``;
   the migrations run on it.
2. ``--rows`` complaints (one ``created`` event each, and their reporters) are generated in
   SQL with ``INSERT ... SELECT generate_series(...)``, not through the API, then
   ``VACUUM ANALYZE``.
3. Routing data: ``aduan areas import`` with the real Jakarta areas (shipped in
   ``app/geo/data/jakarta``) and ``aduan seed demo`` (a unit per kelurahan, agencies, a few officers).
4. Signed Meta webhooks, one per request, written to a file the wrk script reads.
5. The area lookup alone, in this process: ``AreaIndex.lookup`` on 100,000 random points.
6. ``aduan serve`` runs as a real process with one worker on 127.0.0.1 (routing on, the Meta
   app secret set); a second one with ``ADUAN_ROUTING_ENABLED=false`` serves the core-intake
   comparison.
7. ``wrk`` drives each scenario: a 3 s warm-up, then a measured run at 64 connections
   (throughput) and one at 8 connections (latency). For the ratio of routing on to off, three
   pairs of fresh processes (on, off) are each warmed and measured alternately (on, off, off,
   on, 5 s each), then a control pair (off, off) the same way.
8. A table: requests/s, the ratio to ``GET /healthz`` measured in the same run (the ceiling:
   the same process, middleware and framework, no database), latency, errors, verdict; then
   intake with routing / core intake, the routing outcome, the webhook's answers and the
   area lookup.

It reports; it does not judge: the exit status is 0 when a target is missed, nonzero only
when the benchmark itself fails (2: wrk is missing and cannot be installed; 3: the plan of a
public-face request scans the complaints table).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:  # the aduan_bench package beside this file
    sys.path.insert(0, str(BENCH))

from aduan_bench import log  # noqa: E402 - also puts the repository on the path, for `app`
from aduan_bench.area_lookup import (  # noqa: E402
    LOOKUP_BBOX,
    LOOKUP_POINTS,
    LOOKUP_TARGET_US,
    area_lookup_bench,
    bench_area_index,
    routing_points,
)
from aduan_bench.database import (  # noqa: E402
    DB_NAME,
    bench_urls,
    database_exists,
    load,
    loaded_rows,
    recreate_database,
    reset_kept_database,
    sample_tickets,
    server_version,
    verify_load,
)
from aduan_bench.machine import QUIET, machine, wait_for_quiet  # noqa: E402
from aduan_bench.public_face import check_plans, public_samples  # noqa: E402
from aduan_bench.report import P99_TARGET_MS, judge, outcome_lines, table  # noqa: E402
from aduan_bench.routing_compare import COMPARE_ORDER, COMPARE_S, ROUTING_RATIO_TARGET, fresh_pairs  # noqa: E402
from aduan_bench.routing_data import (  # noqa: E402
    KELURAHAN_GEOJSON,
    officer_kelurahan,
    prepare_routing,
    routing_inventory,
    routing_outcome,
)
from aduan_bench.scenarios import SCENARIOS, WARMUP_S, run_scenario  # noqa: E402
from aduan_bench.services import Service  # noqa: E402
from aduan_bench.webhook import FACEBOOK_MAX_RPS, write_signed_bodies  # noqa: E402
from aduan_bench.wrk import ensure_wrk  # noqa: E402

from app.cli import migrate  # noqa: E402
from app.geo import areas as geo  # noqa: E402
from app.org.seed import DEFAULT_KELURAHAN  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="complaints to load (default 1,000,000)")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per measured run (default 10)")
    ap.add_argument(
        "--keep-db", action="store_true", help="reuse aduan_bench when it already holds --rows complaints"
    )
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = ap.parse_args(argv)
    if args.rows < 20_000:
        # ~0.7 % of rows are in-progress roads complaints; the listing needs 50 of them
        ap.error("--rows: at least 20000 (the listing scenario needs 50 in-progress roads complaints)")

    ensure_wrk()

    def on_term(signum, frame):  # noqa: ANN001, ARG001 - SIGTERM must stop the service too
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    started = datetime.now(UTC)
    bench, maintenance, where = bench_urls()
    log(f"database: {DB_NAME} on the {where}")

    load_timings: dict[str, float] | None = None
    keep = args.keep_db and asyncio.run(database_exists(maintenance))
    if keep:
        migrate(bench.render_as_string(hide_password=False))
        keep = asyncio.run(loaded_rows(bench)) == args.rows
    reset: dict[str, float] | None = None
    if keep:
        log(f"--keep-db: {DB_NAME} already holds {args.rows:,} generated complaints; not reloading")
        reset = asyncio.run(reset_kept_database(bench))
        log(
            f"  deleted the {reset['complaints_deleted']:,} complaints earlier runs added ({reset['seconds']:.1f} s)"
        )
    else:
        asyncio.run(recreate_database(maintenance))
        migrate(bench.render_as_string(hide_password=False))
        log(f"loading {args.rows:,} complaints (generated in SQL) ...")
        load_timings = asyncio.run(load(bench, args.rows))
        log(
            f"loaded in {load_timings['total']:.1f} s ("
            + ", ".join(f"{k} {v:.1f} s" for k, v in load_timings.items() if k != "total")
            + ")"
        )
    data = asyncio.run(verify_load(bench, args.rows))
    log(
        f"data: {data['complaints']:,} complaints, {data['events']:,} events, {data['located_share']:.0%} located, "
        f"{data['public_share']:.0%} public, {data['channels']} channels, {data['categories']} categories, "
        f"{data['first_created_at'][:10]} .. {data['last_created_at'][:10]}, "
        f"{data['roads_in_progress']:,} roads in progress, database {data['database_size']}"
    )
    tickets = asyncio.run(sample_tickets(bench))
    # Issue 15: "none of them scans the table", checked on the plans before any request is timed.
    samples = asyncio.run(public_samples(bench))
    plans = check_plans(bench, samples, officer_key_id="bench-plan-check")
    if not plans["ok"]:
        scans = sorted({q["request"] for q in plans["queries"] if q["seq_scan_complaints"]})
        print(
            f"bench: FAILED: a sequential scan of complaints in the plan of {', '.join(scans)} (see above)",
            file=sys.stderr,
        )
        return 3
    info = machine(asyncio.run(server_version(bench)))
    logdir = Path(tempfile.mkdtemp(prefix="aduan-bench-"))

    log("routing: aduan areas import, aduan seed demo")
    routing_setup = prepare_routing(bench, logdir)
    inventory = asyncio.run(routing_inventory(bench))
    staffed = {u: o for u, o in inventory["officers"].items() if u.startswith("kel-")}
    log(
        f"  {inventory['kelurahan']} kelurahan ({inventory['boundaries']} boundaries), {inventory['units']} units "
        f"({inventory['kelurahan_units']} kelurahan units); officers taking the automatic stream: "
        + ", ".join(
            f"{u} {o['officers']} (capacity {o['capacity']})" for u, o in inventory["officers"].items()
        )
    )

    t = time.perf_counter()
    index, index_source, boundaries, hierarchy = bench_area_index()
    build_s = time.perf_counter() - t
    points, point_mix = routing_points(index, boundaries)
    kelurahan_names = sorted({r.name for r in hierarchy if r.level == geo.KELURAHAN}) or sorted(
        DEFAULT_KELURAHAN.values()
    )
    facebook_secret = secrets.token_hex(32)
    n_bodies = max(20_000, -(-FACEBOOK_MAX_RPS * (WARMUP_S + 2 * round(args.duration)) // 1000) * 1000)
    t = time.perf_counter()
    facebook_bodies = write_signed_bodies(
        logdir / "facebook-bodies.txt", n_bodies, facebook_secret, kelurahan_names
    )
    log(f"signed {n_bodies:,} distinct Page feed webhooks in {time.perf_counter() - t:.1f} s")

    busy = wait_for_quiet()
    info["cpu_busy_before_run"] = None if busy is None else round(busy, 3)
    if busy is not None and busy > QUIET:
        log(
            f"warning: {busy:.0%} of the CPU is busy with other processes; the numbers will be lower and noisier"
        )
    lookup = area_lookup_bench(index, index_source, build_s)
    log(
        f"area lookup: {lookup['us_per_point']:.1f} us per point ({LOOKUP_POINTS:,} points, {index_source}, "
        f"index built in {lookup['build_ms']:.0f} ms; the same points again: {lookup['us_per_point_repeat']:.1f} us)"
    )
    database_url = bench.render_as_string(hide_password=False)
    admin_key = "bench-admin-" + secrets.token_urlsafe(24)
    specs = {
        "main": {"ADUAN_FACEBOOK_APP_SECRET": facebook_secret},
        "core": {"ADUAN_FACEBOOK_APP_SECRET": facebook_secret, "ADUAN_ROUTING_ENABLED": "false"},
    }
    services: dict[str, Service] = {}

    def service(name: str) -> Service:
        """Started on first use: the core service only for the comparison, on its own port."""
        if name not in services:
            svc = Service(database_url, admin_key, logdir, name=f"serve-{name}", env=specs[name])
            services[name] = svc
            log(f"starting ({name}): {' '.join(f'{k}=...' if 'SECRET' in k else f'{k}={v}' for k, v in specs[name].items())} "
                f"{' '.join(svc.cmd)}")  # fmt: skip
            svc.start()
        return services[name]

    def fresh_service(spec: str, name: str) -> Service:
        """A new process of ``spec`` for the routing comparison; the caller stops it."""
        svc = Service(database_url, admin_key, logdir, name=name, env=specs[spec])
        svc.start()
        return svc

    def stop_all() -> dict[str, int | None]:
        return {name: svc.stop() for name, svc in services.items()}

    results: list[dict[str, Any]] = []
    keys: dict[str, tuple[str, str]] = {}
    compare: dict[str, Any] = {}
    try:
        main_svc = service("main")
        for name in ("app", "routing", "core"):
            keys[name] = main_svc.create_key(f"bench-{name}", "app")
        officer_key, _ = main_svc.create_key("bench-officer", "officer")
        staffed_point = next(
            (pt for pt in points if (hit := index.lookup(*pt)) and hit.kelurahan_code in officer_kelurahan()),
            points[0],
        )
        ctx: dict[str, Any] = {
            "officer_key": officer_key,
            "tickets": tickets,
            "facebook_secret": facebook_secret,
            "facebook_bodies": facebook_bodies,
            "routing_points": points,
            "staffed_point": staffed_point,
            "boundaries": KELURAHAN_GEOJSON.is_file(),
            "rows": args.rows,
            **samples,
        }
        log(f"scenarios (wrk scripts and logs in {logdir}):")
        last_use = {sc.get("service", "main"): i for i, sc in enumerate(SCENARIOS)}
        for i, sc in enumerate(SCENARIOS):
            name = sc.get("service", "main")
            svc = service(name)
            sctx = {
                **ctx,
                "base": svc.base,
                "app_key": keys[sc.get("key", "app")][0],
                "routing": svc is main_svc,
            }
            results.append(run_scenario(sc, sctx, args.duration, logdir))
            if "compare_with" in sc:
                # both scenarios' wrk scripts are in logdir by now (the routing one ran first)
                compare = fresh_pairs(fresh_service, logdir)
            if name != "main" and last_use[name] == i:
                # its 20 pooled connections and its memory leave the machine before the next scenario
                code = svc.stop()
                if code not in (0, None):
                    log(f"warning: the {name} service exited with {code} on SIGINT:\n{svc.log_tail()}")
    except BaseException:
        codes = stop_all()
        for name, svc in services.items():
            log(f"service {name} stopped (exit {codes[name]}); its log:\n{svc.log_tail()}")
        raise
    for name, code in stop_all().items():
        if code not in (0, None):
            log(f"warning: the {name} service exited with {code} on SIGINT:\n{services[name].log_tail()}")

    outcome = asyncio.run(routing_outcome(bench, {name: key_id for name, (_, key_id) in keys.items()}))
    judge(results)
    by_name = {r["name"]: r for r in results}
    on, off = by_name["intake_routing"]["rps_64"], by_name["intake_core"]["rps_64"]
    comparison = {
        **compare,
        "single_run_ratio": on / off if off else 0.0,
        "target": ROUTING_RATIO_TARGET,
    }
    comparison["verdict"] = (
        "meets" if comparison["ratio"] >= ROUTING_RATIO_TARGET and not comparison["errors"] else "below"
    )
    fb = by_name["facebook"]
    facebook = {
        "bodies": facebook_bodies.count,
        "sent": facebook_bodies.sent,
        "lines_consumed": min(facebook_bodies.offset, facebook_bodies.count),
        "exhausted": facebook_bodies.exhausted,
        "wraps": facebook_bodies.wrapped,
        "status_201": fb["status_201"],
        "status_200": fb["status_200"],
    }
    lookup["verdict"] = "meets" if lookup["us_per_point"] < LOOKUP_TARGET_US else "below"

    log("")
    log(f"Aduan benchmark, {started:%Y-%m-%d %H:%M} UTC: {args.rows:,} complaints, "
        f"{WARMUP_S} s warm-up + {args.duration:g} s per measured run, one uvicorn worker")  # fmt: skip
    log(
        f"machine: nproc {info['nproc']} ({info['cpu']}), {info['memory']}, Python {info['python']}, "
        f"PostgreSQL {info['postgresql']}, {info['wrk']}"
    )
    if info["cpu_busy_before_run"] is not None:
        log(f"other processes used {info['cpu_busy_before_run']:.0%} of the CPU just before the scenarios")
    if load_timings:
        log(f"load: {load_timings['total']:.1f} s")
    log("")
    log(table(results))
    log("")
    log("ratio = req/s at 64 connections / GET /healthz req/s at 64 connections, same process, same run;")
    log("p50 @8 = the absolute median latency at 8 connections (p99 @8 its 99th percentile)")
    log(
        "plans of the public requests: "
        + ("no sequential scan of complaints" if plans["ok"] else "SEQUENTIAL SCAN OF complaints")
        + f" ({len(plans['queries'])} statements)"
    )
    log("")
    log(
        f"intake with routing / core intake: {comparison['ratio']:.2f} (target >= {ROUTING_RATIO_TARGET:.2f}): "
        f"{comparison['verdict']}; the mean of {len(comparison['ratios'])} pairs of fresh processes "
        f"({' '.join(f'{x:.2f}' for x in comparison['ratios'])}), each {' '.join(COMPARE_ORDER)} at 64 connections, "
        f"{COMPARE_S} s each"
        + (f", {comparison['errors']} errors" if comparison["errors"] else "")
        + f"; control pair, routing off against routing off: {comparison['control']['ratio']:.2f}"
        + f" (the table's two runs alone: {comparison['single_run_ratio']:.2f})"
    )
    for line in outcome_lines(outcome, point_mix, staffed):
        log(line)
    log(
        f"facebook webhook: {fb['status_201']:,} answered 201 (created), {fb['status_200']:,} answered 200 "
        f"(redelivery), warm-up included; {facebook['sent']:,} signed bodies sent of {facebook['bodies']:,}: "
        + ("EXHAUSTED, later requests were redeliveries" if facebook["exhausted"] else "not exhausted")
    )
    log(
        f"area lookup: {lookup['us_per_point']:.1f} us per point (target < {LOOKUP_TARGET_US:.0f} us): "
        f"{lookup['verdict']} (the same points again: {lookup['us_per_point_repeat']:.1f} us); "
        f"{lookup['kelurahan_polygons']} kelurahan + {lookup['kecamatan_polygons']} "
        f"kecamatan polygons ({index_source}), {LOOKUP_POINTS:,} random points in lat "
        f"{LOOKUP_BBOX[0]}..{LOOKUP_BBOX[2]}, lon {LOOKUP_BBOX[1]}..{LOOKUP_BBOX[3]}: "
        f"{lookup['kelurahan_share']:.1%} in a kelurahan, {lookup['kecamatan_only_share']:.1%} kecamatan only, "
        f"{lookup['outside_share']:.1%} outside"
    )

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "date": started.isoformat(),
                    "command": " ".join([Path(sys.executable).name, "bench/run.py", *(argv or sys.argv[1:])]),
                    "rows": args.rows,
                    "duration_s": args.duration,
                    "warmup_s": WARMUP_S,
                    "database": where,
                    "machine": info,
                    "load_seconds": load_timings,
                    "keep_db_reset": reset,
                    "data": data,
                    "p99_target_ms": P99_TARGET_MS,
                    "scenarios": results,
                    "routing_setup": {**routing_setup, **inventory},
                    "routing_comparison": comparison,
                    "routing_outcome": outcome,
                    "routing_points": point_mix,
                    "facebook": facebook,
                    "area_lookup": lookup,
                    "public_plans": plans,
                    "public_samples": {**samples["public_notes"], "stats_since": samples["stats_since"]},
                },
                indent=2,
                default=str,
            )
            + "\n"
        )
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
