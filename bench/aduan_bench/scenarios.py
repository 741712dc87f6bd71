"""The scenario table, their checks and targets, and running one scenario through wrk."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import httpx

from . import log
from .public_face import public_scenarios
from .webhook import SignedBodies, feed_body, sign
from .wrk import (
    FACEBOOK_PATH,
    LUA_COMMON,
    lua_feed,
    lua_intake,
    lua_intake_routed,
    lua_pick,
    lua_static,
    run_wrk,
    wrk_threads,
)

WARMUP_S = 3


# A scenario: name, what it measures, the ratio to the ceiling it should reach (None for the
# ceiling itself or no target), `lua(ctx)` -> the wrk script body, and `check(ctx)` -> one
# request through httpx that must succeed before wrk runs (a benchmark of 401s measures
# nothing). Optional: `service` ("main", or "core": routing off), and `bodies(ctx)` -> a
# SignedBodies whose lines the script consumes (for requests Python must sign, since wrk's
# Lua has no HMAC).


def _check(resp: httpx.Response, status: int, what: str) -> httpx.Response:
    if resp.status_code != status:
        raise RuntimeError(f"{what}: expected {status}, got {resp.status_code} {resp.text[:500]}")
    return resp


def check_listing(ctx: dict[str, Any]) -> None:
    r = _check(
        httpx.get(
            ctx["base"] + LISTING_PATH, headers={"Authorization": f"Bearer {ctx['officer_key']}"}, timeout=10
        ),
        200,
        "listing",
    )
    items = r.json()["items"]
    if len(items) != 50 or any(i["status"] != "in_progress" or i["category"] != "roads" for i in items):
        raise RuntimeError(f"listing: expected 50 in_progress roads complaints, got {len(items)}")


def check_intake(ctx: dict[str, Any]) -> None:
    body = {
        "title": "Jalan berlubang di Jl. Cikini Raya",
        "description": "Lubang besar di depan halte Cikini, sudah dua motor jatuh minggu ini.",
        "category": "roads",
        "location": {"lat": -6.1915, "lon": 106.8412, "accuracy_m": 8, "address": "Jl. Cikini Raya 45"},
    }
    r = _check(
        httpx.post(
            ctx["base"] + "/v1/complaints",
            json=body,
            headers={"Authorization": f"Bearer {ctx['app_key']}"},
            timeout=10,
        ),
        201,
        "intake",
    )
    ctx["intake_ticket"] = r.json()["ticket"]


def check_intake_routed(ctx: dict[str, Any]) -> None:
    """One uncategorised complaint in a staffed kelurahan: on the routing service it must come
    back classified, placed in that kelurahan and handed to its unit; on the core one, not."""
    lat, lon = ctx["staffed_point"]
    body = {
        "description": "Got mampet penuh lumpur di Jl. Cikini Raya dekat halte, air meluap ke jalan saat hujan.",
        "location": {"lat": lat, "lon": lon, "accuracy_m": 10, "address": "Jl. Cikini Raya No. 45"},
    }
    r = _check(
        httpx.post(
            ctx["base"] + "/v1/complaints",
            json=body,
            headers={"Authorization": f"Bearer {ctx['app_key']}"},
            timeout=10,
        ),
        201,
        "intake",
    ).json()
    # With real boundaries the point names its kelurahan; without them only the unit is sure.
    routed = bool(r.get("unit")) and (bool((r.get("area") or {}).get("kelurahan")) or not ctx["boundaries"])
    if ctx["routing"] and not routed:
        raise RuntimeError(f"intake with routing: not routed: {json.dumps(r)[:600]}")
    if not ctx["routing"] and (r.get("unit") or r.get("area")):
        raise RuntimeError(f"intake without routing: routed anyway: {json.dumps(r)[:600]}")


def check_facebook(ctx: dict[str, Any]) -> None:
    """A fresh signed delivery creates (201), the same body again is a redelivery (200), a
    forged signature is refused (401): the scenario then measures the signed, creating path."""
    body = feed_body(
        random.randrange(10**14, 9 * 10**14),
        1,
        "Sampah menumpuk di Jl. Kemang Raya depan pasar sudah seminggu. Mohon segera diangkut.",
        int(time.time()),
    )
    s256, s1 = sign(ctx["facebook_secret"], body)
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": f"sha256={s256}",
        "X-Hub-Signature": f"sha1={s1}",
    }
    url = ctx["base"] + FACEBOOK_PATH
    r = _check(httpx.post(url, content=body, headers=headers, timeout=10), 201, "facebook webhook").json()
    if r["outcomes"][0]["action"] != "created":
        raise RuntimeError(f"facebook webhook: expected a created complaint, got {r}")
    _check(httpx.post(url, content=body, headers=headers, timeout=10), 200, "facebook webhook redelivery")
    forged = {**headers, "X-Hub-Signature-256": "sha256=" + "0" * 64}
    _check(httpx.post(url, content=body + b" ", headers=forged, timeout=10), 401, "facebook webhook, forged")


LISTING_PATH = "/v1/complaints?status=in_progress&category=roads&limit=50"

SCENARIOS: list[dict[str, Any]] = [
    {
        "name": "ceiling",
        "label": "GET /healthz (ceiling)",
        "target": None,
        "lua": lambda ctx: lua_static("GET", "/healthz"),
        "check": lambda ctx: _check(httpx.get(ctx["base"] + "/healthz", timeout=10), 200, "healthz"),
    },
    # The routing pair first: officers start with no open load, so this is where the automatic
    # assignment happens (their capacity fills within the first second); back to back, on two
    # processes, so the ratio compares like with like.
    {
        "name": "intake_routing",
        "label": "POST /v1/complaints, routing on",
        "target": None,
        "lua": lambda ctx: lua_intake_routed(ctx["app_key"], ctx["routing_points"]),
        "check": check_intake_routed,
        "key": "routing",
    },
    {
        "name": "intake_core",
        "label": "POST /v1/complaints, routing off",
        "target": None,
        "lua": lambda ctx: lua_intake_routed(ctx["app_key"], ctx["routing_points"]),
        "check": check_intake_routed,
        "service": "core",
        "key": "core",
        "compare_with": "intake_routing",
    },
    {
        "name": "intake",
        "label": "POST /v1/complaints",
        "target": 0.15,
        "lua": lambda ctx: lua_intake(ctx["app_key"]),
        "check": check_intake,
    },
    {
        "name": "tracking",
        "label": "GET /v1/track/{ticket}",
        "target": 0.30,
        "lua": lambda ctx: lua_pick([("GET", f"/v1/track/{t}", None, None) for t in ctx["tickets"]]),
        "check": lambda ctx: _check(
            httpx.get(ctx["base"] + f"/v1/track/{ctx['tickets'][0]}", timeout=10), 200, "tracking"
        ),
    },
    {
        "name": "listing",
        "label": "GET /v1/complaints?status&category (50)",
        "target": 0.10,
        "lua": lambda ctx: lua_static("GET", LISTING_PATH, {"Authorization": f"Bearer {ctx['officer_key']}"}),
        "check": check_listing,
    },
    {
        "name": "facebook",
        "label": "POST /v1/channels/facebook/webhook (signed)",
        "target": 0.10,
        "lua": lambda ctx: lua_feed(),
        "check": check_facebook,
        "bodies": lambda ctx: ctx["facebook_bodies"],
    },
    # Issue 15, the public face: the map (a ~1 km box, all of Jakarta), the statistics, the
    # nearby lookup before filing, a page of full-text search (aduan_bench/public_face.py).
    *public_scenarios(),
]


def run_scenario(sc: dict[str, Any], ctx: dict[str, Any], duration: float, logdir: Path) -> dict[str, Any]:
    sc["check"](ctx)
    script = logdir / f"{sc['name']}.lua"
    script.write_text(LUA_COMMON + sc["lua"](ctx), encoding="utf-8")
    bodies: SignedBodies | None = sc["bodies"](ctx) if "bodies" in sc else None
    log(f"  {sc['label']}: warm-up {WARMUP_S} s, {duration:g} s at 64 connections, {duration:g} s at 8")

    def run(connections: int, seconds: float, tag: str) -> dict[str, Any]:
        threads = wrk_threads(connections)
        args = bodies.args(threads) if bodies else None
        out = run_wrk(ctx["base"], script, connections, seconds, logdir, f"{sc['name']}-{tag}", args)
        if bodies:
            bodies.consumed(out, threads)
        return out

    warm = run(64, WARMUP_S, "warmup")
    at64 = run(64, duration, "c64")
    at8 = run(8, duration, "c8")
    errors = at64["non2xx"] + at64["socket_errors"] + at8["non2xx"] + at8["socket_errors"]
    return {
        "name": sc["name"],
        "label": sc["label"],
        "target": sc["target"],
        "service": sc.get("service", "main"),
        "rps_64": at64["rps"],
        "p50_ms_64": at64["p50_ms"],
        "p99_ms_64": at64["p99_ms"],
        "p50_ms_8": at8["p50_ms"],
        "p99_ms_8": at8["p99_ms"],
        "rps_8": at8["rps"],
        "errors": errors,
        "warmup_errors": warm["non2xx"] + warm["socket_errors"],
        "first_error": at64["first_error"] or at8["first_error"] or warm["first_error"],
        "runs": {"warmup": warm, "c64": at64, "c8": at8},
        "status_200": warm["n200"] + at64["n200"] + at8["n200"],
        "status_201": warm["n201"] + at64["n201"] + at8["n201"],
    }
