"""Geohash cells: an indexable ~150 m cell of a point, no PostGIS needed.

Precision 7 is a 153 m x 153 m cell at the equator; Jakarta is at 6 S, so a
cell is about 152 m x 153 m. Duplicate clustering looks up the cell of a point
and its eight neighbours with a btree ``IN`` lookup.
"""

from __future__ import annotations

import math

_BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"


def encode(lat: float, lon: float, precision: int = 7) -> str:
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    out: list[str] = []
    bit, ch, even = 0, 0, True
    while len(out) < precision:
        if even:
            mid = (lon_lo + lon_hi) / 2
            if lon >= mid:
                ch = (ch << 1) | 1
                lon_lo = mid
            else:
                ch <<= 1
                lon_hi = mid
        else:
            mid = (lat_lo + lat_hi) / 2
            if lat >= mid:
                ch = (ch << 1) | 1
                lat_lo = mid
            else:
                ch <<= 1
                lat_hi = mid
        even = not even
        bit += 1
        if bit == 5:
            out.append(_BASE32[ch])
            bit, ch = 0, 0
    return "".join(out)


# The size of a cell in degrees at each precision (latitude, longitude).
def cell_size(precision: int = 7) -> tuple[float, float]:
    bits = 5 * precision
    lon_bits = (bits + 1) // 2
    lat_bits = bits // 2
    return 180.0 / (1 << lat_bits), 360.0 / (1 << lon_bits)


def cells_around(lat: float, lon: float, radius_m: float, precision: int = 7) -> list[str]:
    """Every cell that a circle of ``radius_m`` around the point touches (a superset: the cells of
    its bounding box), sorted. At precision 7 and 1 km, about 200 cells."""

    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    h, w = cell_size(precision)
    min_lat, max_lat = max(lat - dlat, -90.0), min(lat + dlat, 90.0)
    min_lon, max_lon = max(lon - dlon, -180.0), min(lon + dlon, 180.0)
    cells: set[str] = set()
    # Walk the box in steps of one cell, including its far edges.
    y = min_lat
    while True:
        x = min_lon
        while True:
            cells.add(encode(min(y, 90.0 - 1e-12), min(x, 180.0 - 1e-12), precision))
            if x >= max_lon:
                break
            x = min(x + w, max_lon)
        if y >= max_lat:
            break
        y = min(y + h, max_lat)
    return sorted(cells)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), metres."""

    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))
