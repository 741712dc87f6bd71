"""DKI Jakarta's administrative areas and boundaries, shipped with the package.

318 areas with Kemendagri codes, and simplified kelurahan and kecamatan polygons, derived from
the MIT-licensed cahyadsn/wilayah and cahyadsn/wilayah_boundaries repositories: see
``data/jakarta/SOURCES.md`` beside the files (its notice travels with them). ``aduan areas
import`` with no path imports them; tests of the real boundaries read them from here, so none
skips in a clean clone.
"""

from __future__ import annotations

from pathlib import Path

DIR = Path(__file__).resolve().parent / "data" / "jakarta"
HIERARCHY = DIR / "jakarta_admin_areas.csv"
KECAMATAN = DIR / "jakarta_kecamatan.geojson"
KELURAHAN = DIR / "jakarta_kelurahan.geojson"
# In import order: the hierarchy names the areas the boundaries then draw.
FILES = (HIERARCHY, KECAMATAN, KELURAHAN)
