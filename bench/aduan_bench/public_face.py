"""Issue 15, the public face: the scenarios' requests (map boxes, nearby points, search words), their
checks, and the plan check ("none of them scans the table").

The plan check runs the service's own functions (``app.public.service``, the complaints list of
``app.complaints.service``) on a connection that records every statement it is given and passes
it on, so the SQL checked is the SQL the service runs, with realistic parameters; then
``EXPLAIN (FORMAT JSON)`` of each recorded statement. A ``Seq Scan`` on ``complaints`` in any
of them fails the benchmark.
"""

from __future__ import annotations

import asyncio
import json
import random
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import URL

from app.complaints import service as complaints_service
from app.complaints.lifecycle import OPEN_LIST
from app.complaints.schemas import ComplaintFilters
from app.core.security import Principal
from app.public import service as public_service

from . import log
from .database import asyncpg_dsn
from .mix import BBOX
from .wrk import lua_pick, lua_static

# ~1 km x 1 km at Jakarta's latitude (0.009 degrees is 1.0 km of latitude, 0.99 km of longitude):
# the GiST form of the map query (at most WIDE_BOX_DEG2 square degrees).
SMALL_BOX_DEG = 0.009
MAP_BOXES = 40
# The whole of mainland Jakarta (lon 106.69..106.97, lat -6.37..-6.09): the map's first view.
WIDE_BBOX = f"{BBOX[1]},{BBOX[0]},{BBOX[3]},{BBOX[2]}"
MAP_LIMIT = 500
NEARBY_POINTS = 300
NEARBY_RADIUS_M = 200
# Words that occur in the generated texts (mix.PHRASES): a page of 50 for each.
SEARCH_TERMS = (
    "jalan berlubang",
    "sampah menumpuk",
    "banjir",
    "parkir liar",
    "lampu jalan mati",
    "kabel semrawut",
)
STATS_DAYS = 90


def map_small_path(box: str) -> str:
    return f"/v1/public/complaints.geojson?bbox={box}&limit={MAP_LIMIT}"


MAP_WIDE_PATH = f"/v1/public/complaints.geojson?bbox={WIDE_BBOX}&limit={MAP_LIMIT}&status=open"
STATS_KELURAHAN_PATH = "/v1/stats?group_by=kelurahan"


def stats_channel_path(since: str) -> str:
    return f"/v1/stats?group_by=channel&since={since}"


def nearby_path(lat: float, lon: float) -> str:
    return f"/v1/complaints/nearby?lat={lat:.6f}&lon={lon:.6f}&category=roads&radius_m={NEARBY_RADIUS_M}"


def search_path(q: str) -> str:
    return "/v1/complaints?q=" + q.replace(" ", "%20") + "&limit=50"


async def public_samples(bench: URL, seed: int = 20261205) -> dict[str, Any]:
    """The requests' parameters, drawn from the loaded data: ~1 km boxes centred on located public
    complaints (so the city's density decides how full they are), points near open roads
    complaints (jittered up to ~100 m: a citizen about to file what is already filed) and as
    many anywhere in mainland Jakarta (mostly nothing within 200 m), and the 90-day window."""
    rng = random.Random(seed)
    conn = await asyncpg.connect(asyncpg_dsn(bench))
    try:
        await conn.execute(f"SELECT setseed({(seed % 1000) / 1000})")
        centres = await conn.fetch(
            "SELECT lat, lon FROM complaints TABLESAMPLE SYSTEM (1) "
            "WHERE lat IS NOT NULL AND privacy <> 'secret' AND status <> 'duplicate' ORDER BY random() LIMIT $1",
            MAP_BOXES,
        )
        open_roads = await conn.fetch(
            "SELECT lat, lon FROM complaints WHERE category = 'roads' AND status = ANY($1::text[]) "
            "AND privacy <> 'secret' AND cell IS NOT NULL ORDER BY random() LIMIT $2",
            list(OPEN_LIST),
            NEARBY_POINTS // 2,
        )
        today = await conn.fetchval("SELECT ((now() AT TIME ZONE 'UTC') + interval '7 hours')::date")
    finally:
        await conn.close()
    h = SMALL_BOX_DEG / 2
    boxes = [f"{r['lon'] - h:.5f},{r['lat'] - h:.5f},{r['lon'] + h:.5f},{r['lat'] + h:.5f}" for r in centres]
    near = [
        (r["lat"] + rng.uniform(-0.0006, 0.0006), r["lon"] + rng.uniform(-0.0006, 0.0006)) for r in open_roads
    ]
    s, w, n, e = BBOX
    anywhere = [(rng.uniform(s, n), rng.uniform(w, e)) for _ in range(NEARBY_POINTS - len(near))]
    points = near + anywhere
    rng.shuffle(points)
    return {
        "map_boxes": boxes,
        "nearby_points": points,
        "nearby_hit_point": near[0],
        "stats_since": (today - timedelta(days=STATS_DAYS)).isoformat(),
        "public_notes": {},  # what the checks saw (shared by every scenario's context)
    }


# --------------------------------------------------------------------------- checks


def _get(ctx: dict[str, Any], path: str, what: str, key: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    r = httpx.get(ctx["base"] + path, headers=headers, timeout=30)
    if r.status_code != 200:
        raise RuntimeError(f"{what}: expected 200, got {r.status_code} {r.text[:500]}")
    return r.json()


def check_map_small(ctx: dict[str, Any]) -> None:
    sizes = []
    for box in ctx["map_boxes"][:5]:
        fc = _get(ctx, map_small_path(box), "map, ~1 km box")
        if fc.get("type") != "FeatureCollection" or not fc["features"]:
            raise RuntimeError(f"map, ~1 km box {box}: no features (it is centred on a public complaint)")
        w, s, e, n = (float(x) for x in box.split(","))
        for f in fc["features"]:
            lon, lat = f["geometry"]["coordinates"]
            # anonymous points are rounded to ~110 m: allow that margin
            if not (w - 0.0011 <= lon <= e + 0.0011 and s - 0.0011 <= lat <= n + 0.0011):
                raise RuntimeError(f"map, ~1 km box {box}: a feature at ({lon}, {lat}) is outside the box")
        sizes.append(len(fc["features"]))
    ctx["public_notes"]["map_small_sizes"] = sizes


def check_map_wide(ctx: dict[str, Any]) -> None:
    fc = _get(ctx, MAP_WIDE_PATH, "map, all of Jakarta")
    feats = fc["features"]
    if len(feats) != MAP_LIMIT:
        raise RuntimeError(f"map, all of Jakarta: expected {MAP_LIMIT} features, got {len(feats)}")
    if any(f["properties"]["status"] not in OPEN_LIST for f in feats):
        raise RuntimeError("map, all of Jakarta, status=open: a closed complaint among the features")


def check_stats_kelurahan(ctx: dict[str, Any]) -> None:
    body = _get(ctx, STATS_KELURAHAN_PATH, "stats by kelurahan")
    named = [g for g in body["groups"] if g["key"]]
    if body["total"] < 0.9 * ctx["rows"] or len(named) < 200:
        raise RuntimeError(
            f"stats by kelurahan: {body['total']} complaints in {len(named)} kelurahan; expected about "
            f"{ctx['rows']:,} in more than 200"
        )
    ctx["public_notes"]["stats_kelurahan"] = {
        "total": body["total"],
        "kelurahan": len(named),
        "groups": len(body["groups"]),
    }


def check_stats_channel(ctx: dict[str, Any]) -> None:
    body = _get(ctx, stats_channel_path(ctx["stats_since"]), "stats by channel, 90 days")
    if body["total"] <= 0 or len(body["groups"]) < 10:
        raise RuntimeError(
            f"stats by channel, 90 days: {body['total']} complaints, {len(body['groups'])} channels"
        )
    ctx["public_notes"]["stats_channel"] = {"total": body["total"], "groups": len(body["groups"])}


def check_nearby(ctx: dict[str, Any]) -> None:
    lat, lon = ctx["nearby_hit_point"]
    body = _get(ctx, nearby_path(lat, lon), "nearby", ctx["app_key"])
    items = body["items"]
    if not items or any(i["distance_m"] > NEARBY_RADIUS_M or i["category"] != "roads" for i in items):
        raise RuntimeError(
            f"nearby ({lat}, {lon}): expected open roads complaints within 200 m, got {items[:3]}"
        )
    hits = 0
    for lat, lon in ctx["nearby_points"][:40]:
        hits += bool(_get(ctx, nearby_path(lat, lon), "nearby", ctx["app_key"])["items"])
    ctx["public_notes"]["nearby_nonempty_share"] = hits / 40


def check_search(ctx: dict[str, Any]) -> None:
    for q in SEARCH_TERMS:
        items = _get(ctx, search_path(q), f"search {q!r}", ctx["officer_key"])["items"]
        if len(items) != 50:
            raise RuntimeError(f"search {q!r}: expected a page of 50, got {len(items)}")


def public_scenarios() -> list[dict[str, Any]]:
    """The scenarios of the public face, in the table's format (see scenarios.SCENARIOS)."""

    def officer(ctx: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {ctx['officer_key']}"}

    return [
        {
            "name": "map_bbox_small",
            "label": "GET geojson ~1 km box (500)",
            "target": None,
            "lua": lambda ctx: lua_pick([("GET", map_small_path(b), None, None) for b in ctx["map_boxes"]]),
            "check": check_map_small,
        },
        {
            "name": "map_bbox_wide",
            "label": "GET geojson Jakarta, open (500)",
            "target": None,
            "lua": lambda ctx: lua_static("GET", MAP_WIDE_PATH),
            "check": check_map_wide,
        },
        {
            "name": "stats_kelurahan",
            "label": "GET /v1/stats kelurahan, all time",
            "target": None,
            "lua": lambda ctx: lua_static("GET", STATS_KELURAHAN_PATH),
            "check": check_stats_kelurahan,
        },
        {
            "name": "stats_channel_90d",
            "label": "GET /v1/stats channel, 90 days",
            "target": None,
            "lua": lambda ctx: lua_static("GET", stats_channel_path(ctx["stats_since"])),
            "check": check_stats_channel,
        },
        {
            "name": "nearby",
            "label": "GET /v1/complaints/nearby roads 200 m",
            "target": None,
            "lua": lambda ctx: lua_pick(
                [
                    ("GET", nearby_path(lat, lon), {"Authorization": f"Bearer {ctx['app_key']}"}, None)
                    for lat, lon in ctx["nearby_points"]
                ]
            ),
            "check": check_nearby,
        },
        {
            "name": "search_page",
            "label": "GET /v1/complaints?q= (50)",
            "target": None,
            "lua": lambda ctx: lua_pick([("GET", search_path(q), officer(ctx), None) for q in SEARCH_TERMS]),
            "check": check_search,
        },
    ]


# --------------------------------------------------------------------------- plan check


class Recorder:
    """An asyncpg connection that records each statement (SQL, arguments) and runs it."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    async def fetch(self, sql: str, *args: Any) -> Any:
        self.calls.append((sql, args))
        return await self._conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        self.calls.append((sql, args))
        return await self._conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        self.calls.append((sql, args))
        return await self._conn.fetchval(sql, *args)


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = [plan]
    for child in plan.get("Plans", []):
        out += _nodes(child)
    return out


def _node_name(node: dict[str, Any]) -> str:
    name = node["Node Type"]
    if node.get("Index Name"):
        name += f" {node['Index Name']}"
    elif node.get("Relation Name"):
        name += f" {node['Relation Name']}"
    return name


async def plan_check(bench: URL, samples: dict[str, Any], officer_key_id: str) -> dict[str, Any]:
    """EXPLAIN each statement the five public requests run; ``{"ok": ..., "queries": [...]}``."""
    lat, lon = samples["nearby_hit_point"]
    officer = Principal(id=officer_key_id, name="bench-officer", role="officer")
    since = public_service.parse_day(samples["stats_since"], "since")
    requests = {
        "map_bbox_small": lambda c: public_service.map_features(
            c,
            bbox=samples["map_boxes"][0],
            category=None,
            status=None,
            since=None,
            until=None,
            cursor=None,
            limit=MAP_LIMIT,
        ),  # fmt: skip
        "map_bbox_wide": lambda c: public_service.map_features(
            c,
            bbox=WIDE_BBOX,
            category=None,
            status="open",
            since=None,
            until=None,
            cursor=None,
            limit=MAP_LIMIT,
        ),
        "stats_kelurahan": lambda c: public_service.stats(c, group_by="kelurahan"),
        "stats_channel_90d": lambda c: public_service.stats(c, group_by="channel", since=since),
        "nearby": lambda c: public_service.nearby(
            c, lat=lat, lon=lon, category="roads", radius_m=NEARBY_RADIUS_M, limit=public_service.NEARBY_LIMIT
        ),
        "search_page": lambda c: complaints_service.list_complaints(
            c, officer, ComplaintFilters(q=SEARCH_TERMS[0]), limit=50, cursor=None
        ),
    }
    conn = await asyncpg.connect(asyncpg_dsn(bench))
    queries: list[dict[str, Any]] = []
    try:
        for name, call in requests.items():
            rec = Recorder(conn)
            await call(rec)
            for sql, args in rec.calls:
                plan = await conn.fetchval("EXPLAIN (FORMAT JSON) " + sql, *args)
                if isinstance(plan, str):
                    plan = json.loads(plan)
                top = plan[0]["Plan"]
                nodes = _nodes(top)
                scans = [
                    n
                    for n in nodes
                    if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "complaints"
                ]
                first = " ".join(sql.split())[:90]
                queries.append(
                    {
                        "request": name,
                        "sql": first,
                        "cost": top["Total Cost"],
                        "nodes": [_node_name(n) for n in nodes],
                        "seq_scan_complaints": bool(scans),
                    }
                )
    finally:
        await conn.close()
    return {"ok": not any(q["seq_scan_complaints"] for q in queries), "queries": queries}


def plan_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for q in result["queries"]:
        flag = "  SEQ SCAN ON complaints" if q["seq_scan_complaints"] else ""
        lines.append(f"  {q['request']}: {q['sql']}{flag}")
        lines.append(f"      {' > '.join(q['nodes'])}  (cost {q['cost']:,.0f})")
    return lines


def check_plans(bench: URL, samples: dict[str, Any], officer_key_id: str) -> dict[str, Any]:
    result = asyncio.run(plan_check(bench, samples, officer_key_id))
    log("plans of the public requests (EXPLAIN, the service's own statements and realistic parameters):")
    for line in plan_lines(result):
        log(line)
    return result
