"""The areas API: importing the hierarchy and boundaries (admin), listing areas and the point
lookup (public). The SQL is ``app.geo.repository``'s; the lookup reads the in-memory index of the
routing state (``app.geo.deps.AreaState``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.auth import audit
from app.core.deps import Conn, DbDep, RoutingCacheDep, reload_routing
from app.core.errors import ServiceUnavailable, problems
from app.core.routes import JsonRoute
from app.core.security import Admin
from app.geo import repository
from app.geo.deps import AreaFileDep, AreaStateDep
from app.geo.schemas import AreaImportOut, AreaLevel, AreaList, AreaLookupOut

router = APIRouter(tags=["areas"], route_class=JsonRoute)
MAX_LIMIT = 200

_GEOJSON_EXAMPLE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {
                "code": "31.71.06.1003",
                "name": "Cikini",
                "level": "kelurahan",
                "kecamatan_code": "31.71.06",
                "kecamatan": "Menteng",
                "kota_code": "31.71",
                "kota": "Kota Administrasi Jakarta Pusat",
            },
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [106.836, -6.195],
                        [106.846, -6.195],
                        [106.846, -6.185],
                        [106.836, -6.185],
                        [106.836, -6.195],
                    ]
                ],
            },
        }
    ],
}
_CSV_EXAMPLE = (
    "level,code,name,parent_code\n"
    "provinsi,31,Daerah Khusus Ibukota Jakarta,\n"
    "kota_kabupaten,31.71,Kota Administrasi Jakarta Pusat,31\n"
    "kecamatan,31.71.06,Menteng,31.71\n"
    "kelurahan,31.71.06.1003,Cikini,31.71.06\n"
)


@router.post(
    "/v1/areas/import",
    operation_id="importAreas",
    summary="Import area boundaries (GeoJSON) or the area hierarchy (CSV) (admin)",
    description=(
        "The file is the body. `application/geo+json` (or `application/json`): a FeatureCollection of "
        "Polygon/MultiPolygon features with properties `code`, `name`, `level` (and, for kelurahan, "
        "`kecamatan_code`/`kecamatan`, `kota_code`/`kota`). `text/csv`: `level,code,name,parent_code`. "
        "Codes are Kemendagri codes. Rows are upserted by code; the whole file is applied or nothing is. "
        "The point-lookup index, gazetteer and routing are reloaded right after."
    ),
    response_model=AreaImportOut,
    # A hierarchy answers without `repaired` and `parents_added`, as it always has.
    response_model_exclude_unset=True,
    responses=problems(400, 401, 403, 413, 415, 422, 503),
    # The body is a file in one of two formats, not one JSON model: described here, read as
    # bytes by ``app.geo.deps.area_file``.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/geo+json": {"schema": {"type": "object"}, "example": _GEOJSON_EXAMPLE},
                "application/json": {"schema": {"type": "object"}, "example": _GEOJSON_EXAMPLE},
                "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
            },
        }
    },
)
async def import_areas(
    principal: Admin, file: AreaFileDep, db: DbDep, cache: RoutingCacheDep
) -> dict[str, Any]:
    async with db.transaction() as conn:
        result = await repository.import_file(conn, file.data, csv=file.csv)
        await audit.record(
            conn, principal, "areas.import", target_type="areas",
            data={"format": "csv" if file.csv else "geojson", "bytes": len(file.data)},
        )  # fmt: skip
    await reload_routing(cache, db)
    return result


@router.get(
    "/v1/areas",
    operation_id="listAreas",
    summary="List administrative areas (public), by level and parent",
    response_model=AreaList,
    # `geometry` is in the answer with ?geometry=true only.
    response_model_exclude_unset=True,
    responses=problems(422, 503),
)
async def list_areas(
    conn: Conn,
    level: AreaLevel | None = None,
    parent: Annotated[str | None, Query(max_length=20, description="Parent's Kemendagri code")] = None,
    geometry: Annotated[bool, Query(description="Include each area's GeoJSON geometry")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    return await repository.list_areas(
        conn, level=level, parent=parent, geometry=geometry, limit=limit, cursor=cursor
    )


@router.get(
    "/v1/areas/lookup",
    operation_id="lookupArea",
    summary="The kelurahan, kecamatan and kota containing a point (public)",
    description="Answered from an in-memory STRtree of the imported boundaries; 404 outside every area.",
    response_model=AreaLookupOut,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "lat": -6.1754,
                        "lon": 106.8272,
                        "kelurahan": {"code": "31.71.01.1001", "name": "Gambir"},
                        "kecamatan": {"code": "31.71.01", "name": "Gambir"},
                        "kota": {"code": "31.71", "name": "Kota Administrasi Jakarta Pusat"},
                    }
                }
            }
        },
        **problems(404, 422, 503),
    },
)
async def lookup_area(
    lat: Annotated[float, Query(ge=-90, le=90, description="WGS84 latitude")],
    lon: Annotated[float, Query(ge=-180, le=180, description="WGS84 longitude")],
    conn: Conn,
    state: AreaStateDep,
) -> AreaLookupOut:
    if state is None:
        raise ServiceUnavailable("the area index is not loaded yet")
    await state.ensure_fresh(conn)
    index = state.index
    hit = index.lookup(lat, lon) if index is not None else None
    if hit is None:
        raise repository.OutsideAreas(
            f"no imported area contains ({lat}, {lon})"
            if index is not None
            else "no area boundaries imported",
        )
    area = state.area_from_hit(hit, "point")
    return AreaLookupOut.model_validate(
        {"lat": lat, "lon": lon, **{k: area.get(k) for k in ("kelurahan", "kecamatan", "kota")}}
    )
