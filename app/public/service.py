"""The public face: the map's features, the areas' choropleth, statistics, nearby open complaints
and support. What leaves here is what the tracking page shows: no reporter, text PII-masked, an
anonymous complaint's point rounded to ~110 m, secret complaints never."""

from __future__ import annotations

import gzip
import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from typing import Any

import asyncpg
import orjson

from app.complaints import lifecycle
from app.complaints import service as complaints
from app.complaints.lifecycle import OPEN_LIST, STATUSES
from app.core.errors import Conflict, NotFound, Unprocessable
from app.core.geohash import cells_around, distance_m
from app.core.pagination import decode_time_id, encode_time_id
from app.core.pii import mask_pii
from app.core.security import Principal
from app.public import repository
from app.public.models import STATUS_COLUMNS

# Jakarta's days (WIB, UTC+7, no daylight saving): the statistics count by them.
WIB = timezone(timedelta(hours=7), "WIB")
GROUP_BYS = ("channel", "status", "category", "kota", "kecamatan", "kelurahan")
CLOSED_LIST = sorted(str(c) for c in STATUSES if c not in lifecycle.OPEN_STATUSES)
MAP_LIMIT, MAP_MAX_LIMIT = 500, 5000
WEEKS_SHOWN = 26

# The 13 channels as the public pages name them.
CHANNEL_LABELS = {
    "pendopo": "Pendopo Balai Kota",
    "jaki": "Aplikasi JAKI",
    "twitter": "X/Twitter",
    "facebook": "Facebook",
    "email": "Email",
    "governor_social": "Media sosial Gubernur",
    "sms": "SMS",
    "inspektorat": "Inspektorat",
    "walikota": "Kantor Wali Kota",
    "kecamatan": "Kantor Kecamatan",
    "kelurahan": "Kantor Kelurahan",
    "media": "Media massa",
    "lapor": "LAPOR!",
}
UNKNOWN_LABEL = {"category": "Belum dikategorikan", "kota": "Di luar wilayah", "kecamatan": "Di luar wilayah",
                 "kelurahan": "Di luar wilayah", "channel": "Lainnya"}  # fmt: skip


def today() -> date:
    return datetime.now(WIB).date()


def parse_day(value: str | None, field: str) -> date | None:
    """A date (``2026-11-30``) or a timestamp (its day in Jakarta)."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Unprocessable(
            f"{field}: not a date (2026-11-30) or a timestamp (2026-11-30T08:00:00+07:00)",
            errors=[{"field": field, "detail": "invalid date"}],
        ) from None
    return (at if at.tzinfo else at.replace(tzinfo=WIB)).astimezone(WIB).date()


def parse_instant(value: str | None, field: str) -> datetime | None:
    """A timestamp, or a date meaning its midnight in Jakarta."""
    if value is None or value == "":
        return None
    if len(value) == 10:
        day = parse_day(value, field)
        assert day is not None
        return datetime.combine(day, dtime(0), WIB)
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Unprocessable(
            f"{field}: not a date (2026-11-30) or a timestamp (2026-11-30T08:00:00+07:00)",
            errors=[{"field": field, "detail": "invalid date"}],
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=WIB)


# --------------------------------------------------------------------------- statistics


def _open(statuses: dict[str, int]) -> int:
    return sum(statuses[s] for s in OPEN_LIST)


def median_hours(buckets: list[tuple[int, int]]) -> float | None:
    """The median time to done from ``(bucket, count)`` pairs, bucket ``b`` holding the times
    ``t`` (hours) with ``floor(4 * log2(1 + t)) == b``; linear within the bucket (whose ends differ
    by a factor of 1.19 in ``1 + t``: within 10 % of the exact median for times past a few hours)."""
    total = sum(n for _, n in buckets)
    if total <= 0:
        return None
    half = total / 2
    seen = 0
    for b, n in sorted(buckets):
        if n <= 0:
            continue
        if seen + n >= half:
            lo, hi = 2 ** (b / 4) - 1, 2 ** ((b + 1) / 4) - 1
            return round(lo + (hi - lo) * (half - seen) / n, 1)
        seen += n
    return None


async def stats(
    conn: asyncpg.Connection, *, group_by: str, since: date | None = None, until: date | None = None
) -> dict[str, Any]:
    """Complaints created between ``since`` and ``until`` (Jakarta days, inclusive; all time and
    today by default) grouped by one dimension, with SLA compliance and the median time to done
    of the resolutions in the same days, and weekly trends. Read from the rollup tables, never
    by scanning complaints."""
    if group_by not in GROUP_BYS:
        raise Unprocessable(
            f"group_by: one of {', '.join(GROUP_BYS)}", errors=[{"field": "group_by", "detail": "unknown"}]
        )
    until = until or today()
    since = since or await repository.first_day(conn) or until
    if since > until:
        raise Unprocessable("since is after until", errors=[{"field": "since", "detail": "after until"}])
    dim = "all" if group_by == "status" else group_by
    rows = await repository.counts(conn, dim, since, until)
    by_key = {r["key"]: {s: int(r[s]) for s in STATUS_COLUMNS} for r in rows}
    all_statuses = {s: sum(v[s] for v in by_key.values()) for s in STATUS_COLUMNS}
    total = sum(all_statuses.values())
    groups: list[dict[str, Any]] = []
    if group_by == "status":
        for s in STATUS_COLUMNS:
            groups.append({"key": s, "label": lifecycle.label(s), "colour": lifecycle.colour(s),
                           "total": all_statuses[s], "open": all_statuses[s] if s in OPEN_LIST else 0,
                           "done": all_statuses[s] if s == "resolved" else 0})  # fmt: skip
    else:
        names = await repository.labels(conn, group_by, [k for k in by_key if k])
        for key, st in by_key.items():
            n = sum(st.values())
            if n == 0:
                continue
            if group_by == "channel":
                label = CHANNEL_LABELS.get(key, key)
            else:
                label = names.get(key, key)
            groups.append({"key": key or None, "label": label if key else UNKNOWN_LABEL[group_by],
                           "total": n, "open": _open(st), "done": st["resolved"], "statuses": st})  # fmt: skip
        groups.sort(key=lambda g: (-g["total"], g["label"]))
    done_rows = await repository.done_buckets(conn, since, until)
    late = sum(int(r["n"]) for r in done_rows if r["late"])
    done = sum(int(r["n"]) for r in done_rows)
    per_bucket: dict[int, int] = {}
    for r in done_rows:
        per_bucket[r["bucket"]] = per_bucket.get(r["bucket"], 0) + int(r["n"])
    week_since = max(since, until - timedelta(weeks=WEEKS_SHOWN))
    weeks = await repository.weekly(conn, week_since, until)
    return {
        "group_by": group_by,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "total": total,
        "open": _open(all_statuses),
        "done": all_statuses["resolved"],
        "groups": groups,
        "sla": {
            "done": done,
            "on_time": done - late,
            "late": late,
            "compliance": round((done - late) / done, 4) if done else None,
        },
        "median_hours_to_done": median_hours(list(per_bucket.items())),
        "weekly": [
            {"week": r["week"].isoformat(), "created": int(r["created"]), "done": int(r["done"])}
            for r in weeks
        ],
    }


# --------------------------------------------------------------------------- the map


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None or value == "":
        return None
    try:
        parts = [float(p) for p in value.split(",")]
    except ValueError:
        parts = []
    ok = (
        len(parts) == 4
        and all(p == p and abs(p) != float("inf") for p in parts)
        and -180 <= parts[0] < parts[2] <= 180
        and -90 <= parts[1] < parts[3] <= 90
    )
    if not ok:
        raise Unprocessable(
            "bbox: minLon,minLat,maxLon,maxLat in degrees, min below max (RFC 7946 order)",
            errors=[{"field": "bbox", "detail": "invalid bounding box"}],
        )
    return parts[0], parts[1], parts[2], parts[3]


def parse_statuses(value: str | None) -> list[str] | None:
    """``open``, ``closed`` or comma-separated status codes."""
    if value is None or value == "":
        return None
    out: set[str] = set()
    for part in value.split(","):
        part = part.strip()
        if part == "open":
            out.update(OPEN_LIST)
        elif part == "closed":
            out.update(CLOSED_LIST)
        elif part in STATUSES:
            out.add(part)
        else:
            raise Unprocessable(
                f"status: open, closed or status codes ({', '.join(STATUSES)}), comma-separated",
                errors=[{"field": "status", "detail": f"unknown status {part[:40]!r}"}],
            )
    return sorted(out)


def parse_categories(value: str | None) -> list[str] | None:
    if value is None or value == "":
        return None
    cats = sorted({c.strip() for c in value.split(",") if c.strip()})
    if not cats or any(len(c) > 40 or not c.replace("_", "").replace("-", "").isalnum() for c in cats):
        raise Unprocessable(
            "category: category codes, comma-separated", errors=[{"field": "category", "detail": "invalid"}]
        )
    return cats


def public_properties(row: Any) -> dict[str, Any]:
    status = row["status"]
    return {
        "ticket": row["ticket"],
        "title": mask_pii(row["title"]) if row["title"] else None,
        "category": row["category"],
        "category_name": row["category_name"],
        "status": status,
        "status_label": lifecycle.label(status),
        "colour": lifecycle.colour(status),
        "created_at": row["created_at"].isoformat(),
        "supports": row["supports"],
        "kelurahan": complaints.area_name(row["area"], "kelurahan"),
        "url": f"/track/{row['ticket']}",
    }


async def map_features(
    conn: asyncpg.Connection,
    *,
    bbox: str | None,
    category: str | None,
    status: str | None,
    since: str | None,
    until: str | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection of public complaints, newest first; ``next_cursor`` (a
    foreign member) continues it."""
    box = parse_bbox(bbox)
    rows = await repository.map_features(
        conn,
        bbox=box,
        categories=parse_categories(category),
        statuses=parse_statuses(status),
        since=parse_instant(since, "since"),
        until=parse_instant(until, "until"),
        after=decode_time_id(cursor) if cursor else None,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    features = []
    for r in rows:
        point = complaints.public_location(r)
        assert point is not None  # the map shows located complaints only
        features.append(
            {
                "type": "Feature",
                "id": r["ticket"],
                "geometry": {"type": "Point", "coordinates": [point["lon"], point["lat"]]},
                "properties": public_properties(r),
            }  # fmt: skip
        )
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if box is not None:
        out["bbox"] = list(box)
    out["next_cursor"] = encode_time_id(rows[-1]["created_at"], rows[-1]["id"]) if more and rows else None
    return out


def _round_coords(value: Any) -> Any:
    if isinstance(value, list):
        if value and all(isinstance(v, int | float) for v in value):
            return [round(float(v), 5) for v in value]
        return [_round_coords(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    gzipped: bytes
    etag: str
    at: float


_AREAS_CACHE: dict[str, Rendered] = {}
AREAS_TTL_S = 60.0


async def area_features(conn: asyncpg.Connection, level: str) -> Rendered:
    """The areas of ``level`` as a FeatureCollection with their open and total complaints,
    coordinates to 5 decimals (~1 m), rendered and gzipped once a minute per process (the
    boundaries are the largest answer of the service; the counts may be a minute old)."""
    if level not in ("kota", "kecamatan", "kelurahan"):
        raise Unprocessable(
            "level: kota, kecamatan or kelurahan", errors=[{"field": "level", "detail": "unknown"}]
        )
    cached = _AREAS_CACHE.get(level)
    now = time.monotonic()
    if cached is not None and now - cached.at < AREAS_TTL_S:
        return cached
    rows = await repository.area_features(conn, level)
    features = []
    for r in rows:
        geometry = orjson.loads(r["geometry"])
        if isinstance(geometry, dict) and "coordinates" in geometry:
            geometry = {**geometry, "coordinates": _round_coords(geometry["coordinates"])}
        features.append(
            {
                "type": "Feature",
                "id": r["code"],
                "geometry": geometry,
                "properties": {
                    "code": r["code"],
                    "name": r["name"],
                    "level": r["level"],
                    "open": int(r["open"]),
                    "total": int(r["total"]),
                },
            }  # fmt: skip
        )
    body = orjson.dumps({"type": "FeatureCollection", "features": features})
    rendered = Rendered(body, gzip.compress(body, 6), f'"{hashlib.sha256(body).hexdigest()[:32]}"', now)
    _AREAS_CACHE[level] = rendered
    return rendered


def forget_areas() -> None:
    _AREAS_CACHE.clear()


# --------------------------------------------------------------------------- nearby


NEARBY_LIMIT = 20


async def nearby(
    conn: asyncpg.Connection, *, lat: float, lon: float, category: str | None, radius_m: float, limit: int
) -> dict[str, Any]:
    """Open, non-secret complaints within ``radius_m`` of the point, nearest first: what the app
    shows before a citizen files, so that they can support one instead."""
    cats = parse_categories(category)
    if cats is not None and len(cats) != 1:
        raise Unprocessable(
            "category: one category code", errors=[{"field": "category", "detail": "one code"}]
        )
    cells = cells_around(lat, lon, radius_m)
    # The cells' rows are few (one category, open ones); keep a margin for those outside the circle.
    rows = await repository.nearby(conn, cells, cats[0] if cats else None, limit * 4 + 50)
    found = []
    for r in rows:
        d = distance_m(lat, lon, r["lat"], r["lon"])
        if d <= radius_m:
            found.append(
                {
                    "id": str(r["id"]),
                    **public_properties(r),
                    "location": complaints.public_location(r),
                    "distance_m": round(d),
                }  # fmt: skip
            )
    found.sort(key=lambda f: (f["distance_m"], f["ticket"]))
    return {"items": found[:limit], "radius_m": radius_m}


# --------------------------------------------------------------------------- support


class ComplaintClosed(Conflict):
    slug = "complaint-closed"
    title = "The complaint is closed"


class ComplaintNotFound(NotFound):
    slug = "complaint-not-found"
    title = "No such complaint"


def supporter_hash(principal: Principal, supporter: str) -> str:
    """Who supports, as stored: the key and the app's own user id, hashed (no personal data)."""
    return hashlib.sha256(f"{principal.id}\x00{supporter}".encode()).hexdigest()


async def support(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, principal: Principal, supporter: str
) -> tuple[dict[str, Any], bool]:
    """Count a citizen's support once; ``(view, created)``."""
    row = await repository.support(conn, complaint_id, supporter_hash(principal, supporter))
    if row is None:
        raise ComplaintNotFound(f"no complaint {complaint_id}")
    if row["counted"] is None and row["status"] not in OPEN_LIST:
        if row["status"] == "duplicate" and row["duplicate_of"] is not None:
            raise ComplaintClosed(
                f"merged into complaint {row['duplicate_of']}: support that one",
                errors=[{"field": "complaint_id", "detail": f"duplicate_of {row['duplicate_of']}"}],
            )
        raise ComplaintClosed(
            f"complaint {row['ticket']} is {row['status']}: only open complaints take support"
        )
    created = row["counted"] is not None
    count = row["counted"] if created else row["supports"]
    return {
        "complaint_id": str(complaint_id),
        "ticket": row["ticket"],
        "supports": count,
        "supported": True,
    }, created
