"""Request and response shapes of the areas API (``app.geo.router``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

AreaLevel = Literal["provinsi", "kota_kabupaten", "kecamatan", "kelurahan"]


class AreaRef(BaseModel):
    code: str
    name: str | None = None


_CIKINI_AREA: dict[str, JsonValue] = {
    "code": "31.71.06.1003",
    "level": "kelurahan",
    "name": "Cikini",
    "parent_code": "31.71.06",
    "bbox": [106.8361, -6.1979, 106.8478, -6.1852],
    "has_boundary": True,
}


# ``geometry`` is present with ``?geometry=true`` only (GET /v1/areas leaves unset fields out).
class AreaOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_CIKINI_AREA]})
    code: str
    level: str
    name: str
    parent_code: str | None = None
    bbox: list[float] | None = Field(default=None, description="[min_lon, min_lat, max_lon, max_lat]")
    has_boundary: bool
    geometry: dict[str, Any] | None = Field(default=None, description="GeoJSON geometry, with ?geometry=true")


class AreaList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    # GET /v1/areas?parent=31.71.06&limit=3: the first kelurahan of Kecamatan Menteng
                    "items": [
                        {
                            "code": "31.71.06.1001",
                            "level": "kelurahan",
                            "name": "Menteng",
                            "parent_code": "31.71.06",
                            "bbox": [106.8225, -6.2038, 106.8427, -6.1858],
                            "has_boundary": True,
                        },
                        {
                            "code": "31.71.06.1002",
                            "level": "kelurahan",
                            "name": "Pegangsaan",
                            "parent_code": "31.71.06",
                            "bbox": [106.8398, -6.2089, 106.8559, -6.1921],
                            "has_boundary": True,
                        },
                        _CIKINI_AREA,
                    ],
                    "next_cursor": "MzEuNzEuMDYuMTAwMw",
                }
            ]
        }
    )
    items: list[AreaOut]
    next_cursor: str | None = None


class AreaLookupOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lat": -6.1915,
                    "lon": 106.8412,
                    "kelurahan": {"code": "31.71.06.1003", "name": "Cikini"},
                    "kecamatan": {"code": "31.71.06", "name": "Menteng"},
                    "kota": {"code": "31.71", "name": "Kota Administrasi Jakarta Pusat"},
                }
            ]
        }
    )
    lat: float
    lon: float
    kelurahan: AreaRef | None = None
    kecamatan: AreaRef | None = None
    kota: AreaRef | None = None


# ``repaired`` and ``parents_added`` come with a boundary file only (POST /v1/areas/import leaves
# unset fields out).
class AreaImportOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "boundaries",
                    "imported": 267,
                    "levels": {"kelurahan": 267},
                    "repaired": ["31.72.01.1005"],
                    "parents_added": 44,
                },
                {
                    "kind": "hierarchy",
                    "imported": 318,
                    "levels": {"provinsi": 1, "kota_kabupaten": 6, "kecamatan": 44, "kelurahan": 267},
                },
            ]
        }
    )
    kind: Literal["boundaries", "hierarchy"]
    imported: int
    levels: dict[str, int]
    repaired: list[str] = []
    parents_added: int = 0
