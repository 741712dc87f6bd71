"""The area lookup alone, in the benchmark's process, and the routing scenario's points."""

from __future__ import annotations

import random
import time
from typing import Any

from app.geo import areas as geo

from .routing_data import AREAS_CSV, KECAMATAN_GEOJSON, KELURAHAN_GEOJSON, officer_kelurahan

# Area lookup in the bench process: random points in mainland Jakarta (the province's own box,
# down to -5.10, is mostly sea and the Thousand Islands).
LOOKUP_BBOX = (-6.38, 106.68, -6.08, 106.98)  # south, west, north, east
LOOKUP_POINTS = 100_000
LOOKUP_TARGET_US = 1000.0
# Share of the routing scenario's points that fall in a kelurahan with officers (seed demo).
OFFICER_POINT_SHARE = 0.30


def synthetic_boundaries() -> list[geo.AreaBoundary]:
    """300 squares (20 x 15) over mainland Jakarta: the index's shape when the real files are absent."""
    from shapely.geometry import box

    s, w, n, e = LOOKUP_BBOX
    cols, rows = 20, 15
    dx, dy = (e - w) / cols, (n - s) / rows
    out = []
    for r in range(rows):
        for c in range(cols):
            kec = f"31.99.{r + 1:02d}"
            out.append(
                geo.AreaBoundary(
                    code=f"{kec}.{1001 + c}",
                    name=f"Kotak {r + 1}-{c + 1}",
                    level=geo.KELURAHAN,
                    geometry=box(w + c * dx, s + r * dy, w + (c + 1) * dx, s + (r + 1) * dy),
                    kecamatan_code=kec,
                    kecamatan=f"Baris {r + 1}",
                    kota_code="31.99",
                    kota="Kota Sintetis",
                )
            )
    return out


def bench_area_index() -> tuple[geo.AreaIndex, str, list[geo.AreaBoundary], list[geo.AreaRow]]:
    """The same ``AreaIndex`` the service builds, from the real files, else from a synthetic grid."""
    if KELURAHAN_GEOJSON.is_file():
        boundaries = geo.parse_boundaries_geojson(KELURAHAN_GEOJSON.read_bytes())
        if KECAMATAN_GEOJSON.is_file():
            boundaries += geo.parse_boundaries_geojson(KECAMATAN_GEOJSON.read_bytes())
        hierarchy = (
            geo.parse_hierarchy_csv(AREAS_CSV.read_text(encoding="utf-8")) if AREAS_CSV.is_file() else []
        )
        source = "real Jakarta boundaries"
    else:
        boundaries, hierarchy = synthetic_boundaries(), []
        source = "synthetic grid of 300 squares (no real boundaries)"
    return geo.AreaIndex(boundaries, hierarchy), source, boundaries, hierarchy


def area_lookup_bench(index: geo.AreaIndex, source: str, build_s: float) -> dict[str, Any]:
    """Time ``index.lookup`` alone on LOOKUP_POINTS random points of mainland Jakarta: the first
    pass (which also classifies every border sub-cell met for the first time: the figure
    reported) and a second pass over the same points (what a running service mostly pays)."""
    rng = random.Random(20261128)
    s, w, n, e = LOOKUP_BBOX
    points = [(rng.uniform(s, n), rng.uniform(w, e)) for _ in range(LOOKUP_POINTS)]
    lookup = index.lookup
    for lat, lon in points[:1000]:  # warm the caches and shapely's prepared geometries
        lookup(lat, lon)
    t = time.perf_counter()
    hits = [lookup(lat, lon) for lat, lon in points]
    elapsed = time.perf_counter() - t
    t = time.perf_counter()
    for lat, lon in points:
        lookup(lat, lon)
    repeat = time.perf_counter() - t
    kelurahan = sum(1 for h in hits if h is not None and h.kelurahan_code)
    kecamatan_only = sum(1 for h in hits if h is not None and not h.kelurahan_code)
    return {
        "source": source,
        "kelurahan_polygons": index.kelurahan_count,
        "kecamatan_polygons": index.kecamatan_count,
        "build_ms": build_s * 1000,
        "points": LOOKUP_POINTS,
        "bbox": LOOKUP_BBOX,
        "us_per_point": elapsed / LOOKUP_POINTS * 1e6,
        "us_per_point_repeat": repeat / LOOKUP_POINTS * 1e6,
        "kelurahan_share": kelurahan / LOOKUP_POINTS,
        "kecamatan_only_share": kecamatan_only / LOOKUP_POINTS,
        "outside_share": 1 - (kelurahan + kecamatan_only) / LOOKUP_POINTS,
        "target_us": LOOKUP_TARGET_US,
    }


def routing_points(
    index: geo.AreaIndex, boundaries: list[geo.AreaBoundary], n: int = 4000
) -> tuple[list[tuple[float, float]], dict[str, Any]]:
    """Points for the routing scenario: OFFICER_POINT_SHARE of them inside the kelurahan whose
    units have officers (by their capacity), the rest anywhere in a mainland kelurahan.

    Every point is checked with the same lookup the service runs, so "in Cikini" here means
    the service will route it to Cikini's unit.
    """
    rng = random.Random(7)
    s, w, n_, e = LOOKUP_BBOX
    staffed = officer_kelurahan()
    by_code = {b.code: b for b in boundaries if b.level == geo.KELURAHAN}
    points: list[tuple[float, float]] = []
    per_code: dict[str, int] = {}
    total_cap = sum(staffed.values()) or 1
    for code, cap in staffed.items():
        want = round(n * OFFICER_POINT_SHARE * cap / total_cap)
        b = by_code.get(code)
        if b is None:  # no real boundaries: around the demo kelurahan's office
            lat0, lon0 = {"31.71.06.1003": (-6.1915, 106.8412), "31.71.01.1001": (-6.1754, 106.8272)}.get(
                code, (-6.2, 106.83)
            )
            got = [
                (lat0 + rng.uniform(-0.002, 0.002), lon0 + rng.uniform(-0.002, 0.002)) for _ in range(want)
            ]
        else:
            minx, miny, maxx, maxy = b.geometry.bounds
            got = []
            while len(got) < want:
                lat, lon = rng.uniform(miny, maxy), rng.uniform(minx, maxx)
                hit = index.lookup(lat, lon)
                if hit is not None and hit.kelurahan_code == code:
                    got.append((lat, lon))
        points += got
        per_code[code] = len(got)
    others = 0
    while len(points) < n:
        lat, lon = rng.uniform(s, n_), rng.uniform(w, e)
        hit = index.lookup(lat, lon)
        if hit is not None and hit.kelurahan_code and hit.kelurahan_code not in staffed:
            points.append((lat, lon))
            others += 1
    rng.shuffle(points)
    return [(round(a, 6), round(b, 6)) for a, b in points], {"staffed": per_code, "elsewhere": others}
