import json
import random
import time

import pytest
import shapely
from shapely.geometry import box

from app.geo.areas import (
    AreaIndex,
    from_geojson,
    from_wkt,
    parse_boundaries_geojson,
    parse_hierarchy_csv,
    to_geojson,
    to_wkt,
)
from app.geo.jakarta import DIR as JAKARTA_DATA  # shipped with the package

HIERARCHY = """level,code,name,parent_code
provinsi,99,Provinsi Uji,
kota_kabupaten,99.01,Kota Uji,99
kecamatan,99.01.01,Kecamatan Barat,99.01
kecamatan,99.01.02,Kecamatan Timur,99.01
kelurahan,99.01.01.1001,Kelurahan Kiri,99.01.01
kelurahan,99.01.01.1002,Kelurahan Tengah Kiri,99.01.01
kelurahan,99.01.02.1001,Kelurahan Kanan,99.01.02
"""


def _square(x0: float, y0: float, x1: float, y1: float) -> list[list[list[float]]]:
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


def _feature(code: str, name: str, level: str, geometry: dict, **props: str) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "level": level, **props},
        "geometry": geometry,
    }


def _synthetic_collection() -> dict:
    # Two kelurahan sharing the border x = 1, a MultiPolygon kelurahan (two islands), and a
    # kecamatan polygon wider than its kelurahan (the gap [3, 4] is covered only by it).
    return {
        "type": "FeatureCollection",
        "features": [
            _feature(
                "99.01.01.1002",
                "Kelurahan Tengah Kiri",
                "kelurahan",
                {"type": "Polygon", "coordinates": _square(1, 0, 2, 1)},
                kecamatan_code="99.01.01",
                kecamatan="Kecamatan Barat",
                kota_code="99.01",
                kota="Kota Uji",
            ),
            _feature(
                "99.01.01.1001",
                "Kelurahan Kiri",
                "kelurahan",
                {"type": "Polygon", "coordinates": _square(0, 0, 1, 1)},
                kecamatan_code="99.01.01",
                kecamatan="Kecamatan Barat",
                kota_code="99.01",
                kota="Kota Uji",
            ),
            _feature(
                "99.01.02.1001",
                "Kelurahan Kanan",
                "kelurahan",
                {"type": "MultiPolygon", "coordinates": [_square(5, 0, 6, 1), _square(7, 0, 8, 1)]},
            ),
            _feature(
                "99.01.02",
                "Kecamatan Timur",
                "kecamatan",
                {"type": "Polygon", "coordinates": _square(3, 0, 8, 1)},
                kota_code="99.01",
                kota="Kota Uji",
            ),
        ],
    }


# --------------------------------------------------------------------------- hierarchy


def test_parse_hierarchy_csv_reads_rows_and_parents():
    rows = parse_hierarchy_csv(HIERARCHY)
    assert len(rows) == 7
    assert rows[0].level == "provinsi" and rows[0].parent_code is None
    kel = rows[-1]
    assert (kel.level, kel.code, kel.name, kel.parent_code) == (
        "kelurahan",
        "99.01.02.1001",
        "Kelurahan Kanan",
        "99.01.02",
    )


def test_parse_hierarchy_csv_accepts_bom_and_quoted_names():
    text = '\ufefflevel,code,name,parent_code\nkota_kabupaten,99.02,"Kota Uji, Selatan",99\n'
    assert parse_hierarchy_csv(text)[0].name == "Kota Uji, Selatan"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1"),
        ("lvl,code,name,parent\n", "line 1: expected header"),
        (HIERARCHY + "desa,99.01.02.2001,Desa,99.01.02\n", "line 9: unknown level 'desa'"),
        (
            HIERARCHY + "kelurahan,99.01.02.1002,Tanpa Induk,\n",
            "line 9: kelurahan 99.01.02.1002 needs a parent",
        ),
        (HIERARCHY + "kelurahan,99.01.02.1001,Lagi,99.01.02\n", "line 9: duplicate code 99.01.02.1001"),
        (HIERARCHY + "kelurahan,99.01.02.1003,Salah Induk,99.01\n", "line 9: parent 99.01 of kelurahan"),
        (HIERARCHY + "kelurahan,99.01.01.1001.5,Luar,99.01.01.1001\n", "line 9: parent 99.01.01.1001 of"),
        (
            HIERARCHY + "kelurahan,99.02.01.1001,Bukan Anak,99.01.01\n",
            "line 9: code 99.02.01.1001 is not under",
        ),
        (HIERARCHY + "kelurahan,abc,Kode Aneh,99.01.01\n", "line 9: bad code 'abc'"),
        (HIERARCHY + "kelurahan,99.01.01.1003,,99.01.01\n", "line 9: empty name"),
        (HIERARCHY + "kelurahan,99.01.01.1003,Kurang\n", "line 9: expected 4 columns"),
    ],
)
def test_parse_hierarchy_csv_errors_name_the_line(text, message):
    with pytest.raises(ValueError) as err:
        parse_hierarchy_csv(text)
    assert message in str(err.value)


# --------------------------------------------------------------------------- boundaries


def test_parse_boundaries_reads_polygons_and_multipolygons():
    areas = {a.code: a for a in parse_boundaries_geojson(json.dumps(_synthetic_collection()).encode())}
    assert set(areas) == {"99.01.01.1001", "99.01.01.1002", "99.01.02.1001", "99.01.02"}
    kanan = areas["99.01.02.1001"]
    assert kanan.geometry.geom_type == "MultiPolygon"
    # Parents missing from the properties are derived from the Kemendagri code.
    assert (kanan.kecamatan_code, kanan.kota_code) == ("99.01.02", "99.01")
    assert areas["99.01.02"].parent_code == "99.01"


def _with(feature_patch: dict) -> dict:
    doc = _synthetic_collection()
    doc["features"][0] = {**doc["features"][0], **feature_patch}
    return doc


BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("not json", "not JSON"),
        ({"type": "Feature"}, "FeatureCollection"),
        ({"type": "FeatureCollection"}, "'features'"),
        (_with({"geometry": {"type": "Point", "coordinates": [0, 0]}}), "not Polygon or MultiPolygon"),
        (_with({"geometry": None}), "geometry missing"),
        (_with({"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1]]]}}), "malformed Polygon"),
        (_with({"properties": {"name": "X", "level": "kelurahan"}}), "'code' and 'name' are required"),
        (_with({"properties": {"code": "99.9", "name": "X", "level": "rw"}}), "unknown level 'rw'"),
        (
            _with({"geometry": {"type": "Polygon", "coordinates": _square(-6.2, 106.8, -6.1, 106.9)}}),
            "lat and lon swapped",
        ),
    ],
)
def test_parse_boundaries_rejects_bad_input(doc, message):
    with pytest.raises(ValueError) as err:
        parse_boundaries_geojson(doc)
    assert message in str(err.value)


def test_parse_boundaries_rejects_duplicate_codes():
    doc = _synthetic_collection()
    doc["features"].append(doc["features"][0])
    with pytest.raises(ValueError, match="duplicate code 99.01.01.1002"):
        parse_boundaries_geojson(doc)


def test_invalid_polygon_is_refused_without_repair_and_repaired_with_it():
    doc = _with({"geometry": BOWTIE})
    with pytest.raises(ValueError, match="invalid geometry: Self-intersection"):
        parse_boundaries_geojson(doc, repair=False)
    fixed = parse_boundaries_geojson(doc)[0]
    assert fixed.repaired and fixed.geometry.is_valid
    assert fixed.geometry.area == pytest.approx(0.5)


def test_nested_multipolygon_shells_are_repaired_as_their_union():
    nested = {"type": "MultiPolygon", "coordinates": [_square(0, 0, 4, 4), _square(1, 1, 2, 2)]}
    fixed = parse_boundaries_geojson(_with({"geometry": nested}))[0]
    assert fixed.repaired and fixed.geometry.area == pytest.approx(16)


# --------------------------------------------------------------------------- index


@pytest.fixture(scope="module")
def synthetic_index() -> AreaIndex:
    return AreaIndex(
        parse_boundaries_geojson(_synthetic_collection()),
        parse_hierarchy_csv(HIERARCHY),
    )


def test_lookup_inside_a_square(synthetic_index):
    hit = synthetic_index.lookup(0.5, 0.5)  # lat, lon
    assert hit is not None
    assert hit.as_dict() == {
        "kelurahan_code": "99.01.01.1001",
        "kelurahan_name": "Kelurahan Kiri",
        "kecamatan_code": "99.01.01",
        "kecamatan_name": "Kecamatan Barat",
        "kota_code": "99.01",
        "kota_name": "Kota Uji",
    }


def test_lookup_in_either_part_of_a_multipolygon_uses_the_hierarchy_for_names(synthetic_index):
    for lon in (5.5, 7.5):
        hit = synthetic_index.lookup(0.5, lon)
        assert hit is not None and hit.kelurahan_code == "99.01.02.1001"
        # This feature had no parent names; they come from the hierarchy rows.
        assert hit.kecamatan_name == "Kecamatan Timur" and hit.kota_name == "Kota Uji"


def test_point_on_a_shared_border_resolves_to_the_lowest_code_whatever_the_order():
    areas = parse_boundaries_geojson(_synthetic_collection())
    forward = AreaIndex(areas).lookup(0.5, 1.0)
    backward = AreaIndex(list(reversed(areas))).lookup(0.5, 1.0)
    assert forward is not None and backward is not None
    assert forward.kelurahan_code == backward.kelurahan_code == "99.01.01.1001"
    # A vertex shared by the two squares too.
    assert AreaIndex(areas).lookup(1.0, 1.0).kelurahan_code == "99.01.01.1001"


def test_gap_between_kelurahan_falls_back_to_the_kecamatan(synthetic_index):
    hit = synthetic_index.lookup(0.5, 3.5)
    assert hit is not None
    assert hit.kelurahan_code is None and hit.kelurahan_name is None
    assert (hit.kecamatan_code, hit.kecamatan_name, hit.kota_code) == ("99.01.02", "Kecamatan Timur", "99.01")


def test_point_outside_every_area_is_none(synthetic_index):
    assert synthetic_index.lookup(5.0, 50.0) is None
    assert synthetic_index.lookup(-0.5, 0.5) is None


def test_lookup_refuses_impossible_coordinates(synthetic_index):
    with pytest.raises(ValueError):
        synthetic_index.lookup(106.8, -6.2)
    with pytest.raises(ValueError):
        synthetic_index.lookup(float("nan"), 0)


def test_geometry_round_trips_through_wkt_and_geojson():
    geom = box(106.8, -6.2, 106.9, -6.1)
    assert from_wkt(to_wkt(geom)).equals(geom)
    assert from_geojson(json.dumps(to_geojson(geom))).equals(geom)


# --------------------------------------------------------------------------- real Jakarta data


@pytest.fixture(scope="module")
def jakarta_index() -> AreaIndex:
    rows = parse_hierarchy_csv((JAKARTA_DATA / "jakarta_admin_areas.csv").read_text(encoding="utf-8"))
    kel = parse_boundaries_geojson((JAKARTA_DATA / "jakarta_kelurahan.geojson").read_bytes())
    kec = parse_boundaries_geojson((JAKARTA_DATA / "jakarta_kecamatan.geojson").read_bytes())
    assert (len(rows), len(kel), len(kec)) == (318, 267, 44)
    return AreaIndex(kel + kec, rows)


@pytest.mark.parametrize(
    ("place", "lat", "lon", "kelurahan", "name", "kecamatan", "kota"),
    [
        ("Monas", -6.1754, 106.8272, "31.71.01.1001", "Gambir", "31.71.01", "31.71"),
        ("Kota Tua / Fatahillah", -6.1352, 106.8133, "31.73.03.1008", "Pinangsia", "31.73.03", "31.73"),
        ("Ragunan zoo", -6.3125, 106.8203, "31.74.04.1004", "Ragunan", "31.74.04", "31.74"),
        ("TMII", -6.3024, 106.8952, "31.75.10.1008", "Ceger", "31.75.10", "31.75"),
    ],
)
def test_real_jakarta_landmarks(jakarta_index, place, lat, lon, kelurahan, name, kecamatan, kota):
    hit = jakarta_index.lookup(lat, lon)
    assert hit is not None, place
    assert (hit.kelurahan_code, hit.kelurahan_name, hit.kecamatan_code, hit.kota_code) == (
        kelurahan,
        name,
        kecamatan,
        kota,
    )
    assert hit.kota_name and hit.kota_name.startswith("Kota Administrasi Jakarta")


def test_real_jakarta_sea_and_outside_are_none(jakarta_index):
    assert (
        jakarta_index.lookup(-5.95, 106.85) is None
    )  # Java Sea, between the mainland and the Thousand Islands
    assert jakarta_index.lookup(-6.2383, 106.9756) is None  # Bekasi, just east of the border


def test_real_jakarta_lookup_cost(jakarta_index):
    # Measured and printed, never asserted: timing depends on the machine.
    points = [(-6.10 - 0.27 * (i % 97) / 97, 106.69 + 0.28 * (i % 89) / 89) for i in range(20_000)]
    started = time.perf_counter()
    hits = sum(1 for lat, lon in points if jakarta_index.lookup(lat, lon) is not None)
    per_point_us = (time.perf_counter() - started) / len(points) * 1e6
    print(f"\nAreaIndex.lookup on real Jakarta data: {per_point_us:.1f} us/point ({hits}/{len(points)} hits)")
    assert hits > 0


# --------------------------------------------------------------------------- exactness


def _reference(boundaries, lat: float, lon: float) -> str | None:  # type: ignore[no-untyped-def]
    """What the index must answer, by brute force: the lowest-coded kelurahan covering the
    point, else the lowest-coded kecamatan, else nothing."""
    point = shapely.Point(lon, lat)
    for level in ("kelurahan", "kecamatan"):
        for b in sorted((b for b in boundaries if b.level == level), key=lambda b: b.code):
            if b.geometry.covers(point):
                return b.code
    return None


def _found(index: AreaIndex, lat: float, lon: float) -> str | None:
    hit = index.lookup(lat, lon)
    return None if hit is None else hit.kelurahan_code or hit.kecamatan_code


def _probe_points(boundaries, rng: random.Random, n: int) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """Random points over the areas' bounds, every vertex, and points on every edge: the
    borders are where a grid can go wrong."""
    minx, miny, maxx, maxy = shapely.total_bounds([b.geometry for b in boundaries])
    points = [(rng.uniform(miny, maxy), rng.uniform(minx, maxx)) for _ in range(n)]
    for b in boundaries:
        coords = shapely.get_coordinates(b.geometry.boundary).tolist()
        points += [(y, x) for x, y in coords]
        points += [
            ((y0 + y1) / 2, (x0 + x1) / 2) for (x0, y0), (x1, y1) in zip(coords, coords[1:], strict=False)
        ]
    return points


def _jagged_district() -> list:  # type: ignore[type-arg]
    """Three kelurahan of about 1 km split by zig-zag borders (many border cells and sub-cells),
    and their kecamatan, a little wider than them, at Jakarta's scale."""
    x0, x1, y0, y1 = 106.80, 106.83, -6.21, -6.18
    n = 40
    ys = [y0 + (y1 - y0) * i / n for i in range(n + 1)]
    zig1 = [(106.81 + (0.0012 if i % 2 else -0.0009), y) for i, y in enumerate(ys)]
    zig2 = [(106.82 + (0.0007 if i % 3 else -0.0013), y) for i, y in enumerate(ys)]
    west = [(x0, y0), *zig1, (x0, y1)]
    middle = [*zig1, *reversed(zig2)]
    east = [*zig2, (x1, y1), (x1, y0)]

    def feature(code: str, ring: list[tuple[float, float]], level: str = "kelurahan") -> dict:
        return _feature(
            code, code, level, {"type": "Polygon", "coordinates": [[*map(list, ring), list(ring[0])]]}
        )

    doc = {
        "type": "FeatureCollection",
        "features": [
            feature("99.01.01.1001", west),
            feature("99.01.01.1002", middle),
            feature("99.01.01.1003", east),
            feature(
                "99.01.01",
                [(x0 - 0.004, y0 - 0.003), (x1 + 0.002, y0), (x1, y1 + 0.004), (x0, y1)],
                "kecamatan",
            ),
        ],
    }
    return parse_boundaries_geojson(doc)


def test_lookup_matches_brute_force_covers_near_jagged_borders():
    boundaries = _jagged_district()
    index = AreaIndex(boundaries)
    points = _probe_points(boundaries, random.Random(7), 20_000)
    expected = [_reference(boundaries, lat, lon) for lat, lon in points]
    # twice: first when every cell and sub-cell is met for the first time, then from what
    # the index has learnt about them
    for _ in range(2):
        assert [_found(index, lat, lon) for lat, lon in points] == expected
    assert {None, "99.01.01", "99.01.01.1001", "99.01.01.1002", "99.01.01.1003"} == set(expected)


def test_real_jakarta_lookup_matches_brute_force_covers(jakarta_index):
    kel = parse_boundaries_geojson((JAKARTA_DATA / "jakarta_kelurahan.geojson").read_bytes())
    kec = parse_boundaries_geojson((JAKARTA_DATA / "jakarta_kecamatan.geojson").read_bytes())
    boundaries = kel + kec
    rng = random.Random(11)
    central = [b for b in kel if b.code.startswith("31.71.")]  # Jakarta Pusat: small, dense
    points = _probe_points(central, rng, 4_000)
    points = [p for p in points if rng.random() < 0.25]  # a sample of its vertices and edges
    expected = [_reference(boundaries, lat, lon) for lat, lon in points]
    for _ in range(2):
        assert [_found(jakarta_index, lat, lon) for lat, lon in points] == expected
