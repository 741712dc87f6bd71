"""Administrative areas: parsing the hierarchy and boundaries, and point -> kelurahan lookup.

Pure module: no database, no network. The importer parses files with the functions here and
stores rows (geometry as GeoJSON text, plus a bounding box for a coarse SQL prefilter: the
project uses core PostgreSQL, without PostGIS); the API keeps one ``AreaIndex`` in memory,
built once from the stored boundaries, and answers ``lookup`` from it.

Codes are Kemendagri codes (``31.71.06.1003``), never BPS codes; the two systems disagree at
the kota level, so nothing here converts between them.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.strtree import STRtree
from shapely.validation import explain_validity, make_valid

PROVINSI = "provinsi"
KOTA = "kota_kabupaten"
KECAMATAN = "kecamatan"
KELURAHAN = "kelurahan"
LEVELS: tuple[str, ...] = (PROVINSI, KOTA, KECAMATAN, KELURAHAN)
_PARENT_LEVEL = {KOTA: PROVINSI, KECAMATAN: KOTA, KELURAHAN: KECAMATAN}

HIERARCHY_COLUMNS = ("level", "code", "name", "parent_code")
_CODE_RE = re.compile(r"^[0-9]+(\.[0-9]+)*$")


@dataclass(frozen=True, slots=True)
class AreaRow:
    level: str
    code: str
    name: str
    parent_code: str | None


@dataclass(frozen=True, slots=True, eq=False)
class AreaBoundary:
    code: str
    name: str
    level: str
    geometry: BaseGeometry
    kecamatan_code: str | None = None
    kecamatan: str | None = None
    kota_code: str | None = None
    kota: str | None = None
    # True when the source polygon was invalid and was repaired on import (see _validated_geometry).
    repaired: bool = False
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def parent_code(self) -> str | None:
        if self.level == KELURAHAN:
            return self.kecamatan_code
        if self.level == KECAMATAN:
            return self.kota_code
        return None

    @property
    def parent_name(self) -> str | None:
        if self.level == KELURAHAN:
            return self.kecamatan
        if self.level == KECAMATAN:
            return self.kota
        return None


@dataclass(frozen=True, slots=True)
class AreaHit:
    """The areas containing a point. ``kelurahan_*`` is None when only a kecamatan polygon matched."""

    kelurahan_code: str | None
    kelurahan_name: str | None
    kecamatan_code: str | None
    kecamatan_name: str | None
    kota_code: str | None
    kota_name: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "kelurahan_code": self.kelurahan_code,
            "kelurahan_name": self.kelurahan_name,
            "kecamatan_code": self.kecamatan_code,
            "kecamatan_name": self.kecamatan_name,
            "kota_code": self.kota_code,
            "kota_name": self.kota_name,
        }


# --------------------------------------------------------------------------- hierarchy CSV


def parse_hierarchy_csv(text: str) -> list[AreaRow]:
    """Parse ``level,code,name,parent_code`` rows; ``ValueError`` names the offending line.

    A parent that appears in the same file must be one level up; a parent that does not appear
    is accepted (a partial import may add kelurahan under kecamatan stored earlier).
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError("line 1: empty file, expected header level,code,name,parent_code") from None
    if tuple(h.strip().lower() for h in header) != HIERARCHY_COLUMNS:
        raise ValueError(f"line 1: expected header level,code,name,parent_code, got {','.join(header)!r}")

    rows: list[AreaRow] = []
    seen: dict[str, tuple[int, str]] = {}
    for record in reader:
        line = reader.line_num
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) != 4:
            raise ValueError(f"line {line}: expected 4 columns, got {len(record)}")
        level, code, name, parent = (cell.strip() for cell in record)
        level = level.lower()
        if level not in LEVELS:
            raise ValueError(f"line {line}: unknown level {level!r} (expected one of {', '.join(LEVELS)})")
        if not _CODE_RE.match(code):
            raise ValueError(f"line {line}: bad code {code!r} (expected dotted digits like 31.71.06.1003)")
        if not name:
            raise ValueError(f"line {line}: empty name for code {code}")
        if code in seen:
            raise ValueError(f"line {line}: duplicate code {code} (first on line {seen[code][0]})")
        if level == PROVINSI:
            if parent:
                raise ValueError(f"line {line}: a provinsi has no parent, got {parent!r}")
        else:
            if not parent:
                raise ValueError(f"line {line}: {level} {code} needs a parent_code")
            if not _CODE_RE.match(parent):
                raise ValueError(f"line {line}: bad parent_code {parent!r}")
            if not code.startswith(parent + "."):
                raise ValueError(f"line {line}: code {code} is not under its parent {parent}")
            if parent in seen and seen[parent][1] != _PARENT_LEVEL[level]:
                raise ValueError(
                    f"line {line}: parent {parent} of {level} {code} is a {seen[parent][1]}, "
                    f"expected a {_PARENT_LEVEL[level]}"
                )
        seen[code] = (line, level)
        rows.append(AreaRow(level=level, code=code, name=name, parent_code=parent or None))
    return rows


# --------------------------------------------------------------------------- boundaries GeoJSON


def _validated_geometry(geometry: Any, where: str, repair: bool) -> tuple[BaseGeometry, bool]:
    if not isinstance(geometry, Mapping):
        raise ValueError(f"{where}: geometry missing or not an object")
    gtype = geometry.get("type")
    if gtype not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"{where}: geometry type {gtype!r} is not Polygon or MultiPolygon")
    try:
        geom = shape(dict(geometry))
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise ValueError(f"{where}: malformed {gtype} coordinates ({exc})") from exc
    if geom.is_empty:
        raise ValueError(f"{where}: empty geometry")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError(
            f"{where}: coordinates out of range (bounds {geom.bounds}); GeoJSON is [lon, lat], "
            "were lat and lon swapped?"
        )
    if geom.is_valid:
        return geom, False
    reason = explain_validity(geom)
    if not repair:
        raise ValueError(f"{where}: invalid geometry: {reason}")
    # Simplified boundary sets often have overlapping or nested parts of a MultiPolygon; the
    # intended area is their union. Anything else (self-intersections) goes through make_valid.
    fixed = unary_union(list(geom.geoms)) if isinstance(geom, MultiPolygon) else make_valid(geom)
    if not fixed.is_valid:
        fixed = make_valid(fixed)
    polys = _polygonal_part(fixed)
    if polys is None or polys.is_empty or not polys.is_valid:
        raise ValueError(f"{where}: invalid geometry that could not be repaired: {reason}")
    return polys, True


def _polygonal_part(geom: BaseGeometry) -> BaseGeometry | None:
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", ()) if isinstance(g, Polygon | MultiPolygon)]
    if not parts:
        return None
    return unary_union(parts)


def _opt_str(props: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = props.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def parse_boundaries_geojson(
    data: bytes | str | Mapping[str, Any], *, repair: bool = True
) -> list[AreaBoundary]:
    """Parse a FeatureCollection of area polygons.

    Each feature needs properties ``code``, ``name`` and ``level``; parents are read from
    ``kecamatan_code``/``kecamatan`` and ``kota_code``/``kota`` (or ``parent_code`` /
    ``parent_name``) when present. With ``repair`` (the default) an invalid polygon is repaired
    when shapely can make a valid polygonal area of it (the real kecamatan file has one
    MultiPolygon with nested shells); otherwise, and always when ``repair`` is False,
    ``ValueError`` explains what is wrong and which feature.
    """
    if isinstance(data, bytes | bytearray):
        data = data.decode("utf-8-sig")
    if isinstance(data, str):
        try:
            doc = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc}") from exc
    else:
        doc = data
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection":
        raise ValueError("expected a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise ValueError("FeatureCollection has no 'features' array")

    out: list[AreaBoundary] = []
    seen: set[str] = set()
    for i, feature in enumerate(features):
        where = f"feature {i}"
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            raise ValueError(f"{where}: not a GeoJSON Feature")
        props = feature.get("properties")
        if not isinstance(props, Mapping):
            raise ValueError(f"{where}: missing properties")
        code = _opt_str(props, "code")
        name = _opt_str(props, "name")
        level = (_opt_str(props, "level") or "").lower()
        if code is None or name is None:
            raise ValueError(f"{where}: properties 'code' and 'name' are required")
        where = f"feature {i} ({code})"
        if not _CODE_RE.match(code):
            raise ValueError(f"{where}: bad code {code!r} (expected dotted digits like 31.71.06.1003)")
        if level not in LEVELS:
            raise ValueError(f"{where}: unknown level {level!r} (expected one of {', '.join(LEVELS)})")
        if code in seen:
            raise ValueError(f"{where}: duplicate code {code}")
        seen.add(code)
        geom, repaired = _validated_geometry(feature.get("geometry"), where, repair)

        parent_code = _opt_str(props, "parent_code")
        parent_name = _opt_str(props, "parent_name")
        kec_code = _opt_str(props, "kecamatan_code")
        kec_name = _opt_str(props, "kecamatan")
        kota_code = _opt_str(props, "kota_code")
        kota_name = _opt_str(props, "kota")
        if level == KELURAHAN:
            kec_code = kec_code or parent_code or code.rsplit(".", 1)[0]
            kec_name = kec_name or parent_name
            kota_code = kota_code or kec_code.rsplit(".", 1)[0]
        elif level == KECAMATAN:
            kota_code = kota_code or parent_code or code.rsplit(".", 1)[0]
            kota_name = kota_name or parent_name
        out.append(
            AreaBoundary(
                code=code,
                name=name,
                level=level,
                geometry=geom,
                kecamatan_code=kec_code,
                kecamatan=kec_name,
                kota_code=kota_code,
                kota=kota_name,
                repaired=repaired,
                properties=dict(props),
            )
        )
    return out


# --------------------------------------------------------------------------- serialisation


def to_wkt(geometry: BaseGeometry, precision: int = 6) -> str:
    """WKT text for a ``text`` column; 6 decimals of a degree is ~0.1 m, the source precision."""
    return shapely.to_wkt(geometry, rounding_precision=precision, trim=True)


def from_wkt(text: str) -> BaseGeometry:
    return shapely.from_wkt(text)


def to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """A GeoJSON geometry object (for a ``jsonb`` column or the API)."""
    return mapping(geometry)


def from_geojson(obj: Mapping[str, Any] | str) -> BaseGeometry:
    return shape(json.loads(obj) if isinstance(obj, str) else dict(obj))


def bbox(geometry: BaseGeometry) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat): four plain numeric columns let SQL prefilter by box."""
    minx, miny, maxx, maxy = geometry.bounds
    return (minx, miny, maxx, maxy)


# --------------------------------------------------------------------------- index


class AreaIndex:
    """Point -> kelurahan/kecamatan/kota, built once and then read-only (safe to share).

    Kelurahan polygons are searched first; a point outside all of them (the simplified
    polygons leave slivers between neighbours) falls back to the kecamatan polygons, giving a
    hit without a kelurahan. Points on a border shared by several polygons (``covers`` is true
    for boundary points) resolve to the lowest code, so the answer never depends on input
    order. Parent codes and names come from the feature properties, completed from
    ``hierarchy`` rows when given.
    """

    def __init__(self, boundaries: Iterable[AreaBoundary], hierarchy: Iterable[AreaRow] | None = None):
        self._names: dict[str, str] = {}
        self._parents: dict[str, str | None] = {}
        for row in hierarchy or ():
            self._names[row.code] = row.name
            self._parents[row.code] = row.parent_code
        kel: list[AreaBoundary] = []
        kec: list[AreaBoundary] = []
        for b in boundaries:
            self._names.setdefault(b.code, b.name)
            if b.kecamatan_code and b.kecamatan:
                self._names.setdefault(b.kecamatan_code, b.kecamatan)
            if b.kota_code and b.kota:
                self._names.setdefault(b.kota_code, b.kota)
            if b.level == KELURAHAN:
                kel.append(b)
                self._parents.setdefault(b.code, b.kecamatan_code)
                if b.kecamatan_code:
                    self._parents.setdefault(b.kecamatan_code, b.kota_code)
            elif b.level == KECAMATAN:
                kec.append(b)
                self._parents.setdefault(b.code, b.kota_code)
        self._layers = [_Layer(sorted(kel, key=lambda b: b.code)), _Layer(sorted(kec, key=lambda b: b.code))]
        self.kelurahan_count = len(kel)
        self.kecamatan_count = len(kec)

    def __len__(self) -> int:
        return self.kelurahan_count + self.kecamatan_count

    def lookup(self, lat: float, lon: float) -> AreaHit | None:
        area = self.find(lat, lon)
        return None if area is None else self.hit(area)

    def find(self, lat: float, lon: float) -> AreaBoundary | None:
        """The innermost polygon containing the point (a kelurahan, else a kecamatan), or None."""
        if not (math.isfinite(lat) and math.isfinite(lon)) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"coordinates out of range: lat={lat}, lon={lon}")
        for layer in self._layers:
            area = layer.find(lon, lat)
            if area is not None:
                return area
        return None

    def hit(self, area: AreaBoundary) -> AreaHit:
        """The areas containing a point that ``find`` placed in ``area``."""
        if area.level == KELURAHAN:
            kel_code: str | None = area.code
            kec_code = area.kecamatan_code or self._parents.get(area.code)
        else:
            kel_code = None
            kec_code = area.code
        kota_code = area.kota_code or (self._parents.get(kec_code) if kec_code else None)
        return AreaHit(
            kelurahan_code=kel_code,
            kelurahan_name=area.name if kel_code else None,
            kecamatan_code=kec_code,
            kecamatan_name=self._names.get(kec_code) if kec_code else None,
            kota_code=kota_code,
            kota_name=self._names.get(kota_code) if kota_code else None,
        )


# The ufunc behind shapely.intersects_xy, called directly: the public wrapper's argument
# handling costs more than the test itself on one prepared polygon and one point.
_intersects_xy = getattr(getattr(shapely, "lib", None), "intersects_xy", None) or shapely.intersects_xy


class _Layer:
    """One level's polygons (in code order) and a uniform grid over them, the lookup's index.

    Built once with an STRtree: every grid cell lists the polygons that touch it. A cell that
    only one polygon touches and that polygon covers whole answers without any geometry test;
    any other cell tests its few candidates, lowest code first, with prepared
    ``intersects_xy`` (for a point the same as ``covers``: a point on a border belongs to both
    neighbours, and the lowest code wins). A point costs one dict lookup, at most a few exact
    tests, and no Python geometry object.
    """

    CELL = 0.005  # degrees, about 550 m at Jakarta's latitude
    _EPS = 1e-9  # cells are widened by this much, so float rounding never drops a candidate
    # A cell on a border is split in SUB x SUB sub-cells (about 70 m), each classified the same
    # way the first time a point falls in it: most points near a border then need no geometry
    # test either. Lazily, so start-up and area imports pay nothing for it; at most
    # SUB * SUB entries per border cell.
    SUB = 8

    def __init__(self, areas: list[AreaBoundary]):
        self.areas = areas
        # Copies, so preparing them never mutates the caller's objects.
        self.geoms: npt.NDArray[np.object_] = (
            shapely.from_wkb(shapely.to_wkb([a.geometry for a in areas]))
            if areas
            else np.empty(0, dtype=object)
        )
        self.cells: dict[int, int | tuple[int, ...]] = {}
        self.x0 = self.y0 = 0.0
        self.nx = self.ny = 0
        if not areas:
            return
        shapely.prepare(self.geoms)
        minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(self.geoms))
        cell = self.CELL
        self.x0, self.y0 = minx, miny
        self.nx, self.ny = int((maxx - minx) / cell) + 1, int((maxy - miny) / cell) + 1
        keys: set[int] = set()
        for g in self.geoms:
            bx0, by0, bx1, by1 = g.bounds
            ix0, ix1 = self._ix(bx0 - self._EPS), self._ix(bx1 + self._EPS)
            iy0, iy1 = self._iy(by0 - self._EPS), self._iy(by1 + self._EPS)
            for ix in range(ix0, ix1 + 1):
                keys.update(ix * self.ny + iy for iy in range(iy0, iy1 + 1))
        key_arr = np.array(sorted(keys), dtype=np.int64)
        gx, gy = key_arr // self.ny, key_arr % self.ny
        boxes = shapely.box(
            minx + gx * cell - self._EPS,
            miny + gy * cell - self._EPS,
            minx + (gx + 1) * cell + self._EPS,
            miny + (gy + 1) * cell + self._EPS,
        )
        box_idx, geom_idx = STRtree(self.geoms).query(boxes, predicate="intersects")
        touching: dict[int, list[int]] = {}
        for b, g in zip(box_idx.tolist(), geom_idx.tolist(), strict=True):
            touching.setdefault(b, []).append(g)
        singles = [(b, gs[0]) for b, gs in touching.items() if len(gs) == 1]
        covered: npt.NDArray[np.bool_] | list[bool] = (
            shapely.covers(
                np.array([self.geoms[g] for _, g in singles], dtype=object),
                boxes[[b for b, _ in singles]],
            )
            if singles
            else []
        )
        whole = {b for (b, _), inside in zip(singles, covered, strict=True) if inside}
        for b, gs in touching.items():
            key = int(key_arr[b])
            self.cells[key] = gs[0] if b in whole else tuple(sorted(gs))
        self.subcells: dict[int, int | tuple[int, ...]] = {}

    def _ix(self, lon: float) -> int:
        return math.floor((lon - self.x0) / self.CELL)

    def _iy(self, lat: float) -> int:
        return math.floor((lat - self.y0) / self.CELL)

    def find(self, lon: float, lat: float) -> AreaBoundary | None:
        ix, iy = self._ix(lon), self._iy(lat)
        if not (0 <= ix < self.nx and 0 <= iy < self.ny):
            return None
        key = ix * self.ny + iy
        entry = self.cells.get(key)
        if entry is None:
            return None
        if isinstance(entry, int):
            return self.areas[entry]
        # A border cell: its sub-cell (clamped, so it always lies in this cell).
        sub, cell = self.SUB, self.CELL
        sx = min(max(int((lon - self.x0 - ix * cell) * sub / cell), 0), sub - 1)
        sy = min(max(int((lat - self.y0 - iy * cell) * sub / cell), 0), sub - 1)
        skey = (key * sub + sx) * sub + sy
        found = self.subcells.get(skey)
        if found is None:
            found = self.subcells[skey] = self._split(ix, iy, sx, sy, entry)
        if isinstance(found, int):
            return self.areas[found]
        for i in found:
            if _intersects_xy(self.geoms[i], lon, lat):
                return self.areas[i]
        return None

    def _split(
        self, ix: int, iy: int, sx: int, sy: int, candidates: tuple[int, ...]
    ) -> int | tuple[int, ...]:
        """A sub-cell, classified like a cell: the one polygon that covers it whole, else the
        cell's candidates that touch it (lowest code first)."""
        step = self.CELL / self.SUB
        x0 = self.x0 + ix * self.CELL + sx * step
        y0 = self.y0 + iy * self.CELL + sy * step
        box = shapely.box(x0 - self._EPS, y0 - self._EPS, x0 + step + self._EPS, y0 + step + self._EPS)
        touching = tuple(i for i in candidates if shapely.intersects(self.geoms[i], box))
        if len(touching) == 1 and shapely.covers(self.geoms[touching[0]], box):
            return touching[0]
        return touching
