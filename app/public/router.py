"""The public face's JSON (contracts.md "Public face").

Who may call what:
- ``GET /v1/public/complaints.geojson``, ``GET /v1/public/areas.geojson``, ``GET /v1/stats``:
  anyone, no key (the public pages use them). They carry no personal data: secret complaints are
  neither shown nor counted, text is PII-masked, an anonymous complaint's point is rounded.
- ``GET /v1/complaints/nearby``: any key (every role sees the same public view).
- ``POST /v1/complaints/{id}/supports``: an ``app`` key (the citizen's app); other roles 403.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.deps import Conn
from app.core.errors import problems
from app.core.http import json_response
from app.core.routes import JsonRoute
from app.core.security import AnyKey, Principal, require
from app.public import service
from app.public.schemas import (
    AREAS_EXAMPLE,
    GEOJSON_EXAMPLE,
    SUPPORT_EXAMPLE,
    NearbyOut,
    StatsOut,
    SupportIn,
    SupportOut,
)

router = APIRouter(tags=["public"], route_class=JsonRoute)
# Registered before the complaints router: /v1/complaints/nearby is not a complaint id.
complaints_router = APIRouter(prefix="/v1/complaints", tags=["public"], route_class=JsonRoute)

GEOJSON = "application/geo+json"
AppKey = Annotated[Principal, Depends(require("app"))]


@router.get(
    "/v1/public/complaints.geojson",
    operation_id="publicComplaintsGeoJSON",
    summary="Public complaints on the map: an RFC 7946 FeatureCollection (no key, no personal data)",
    description=(
        "Complaints with a location, newest first, secret ones and merged duplicates left out; an anonymous "
        "complaint's point is rounded to ~110 m. `bbox` is `minLon,minLat,maxLon,maxLat`; `status` is `open`, "
        "`closed` or comma-separated status codes; `category` comma-separated codes; `since`/`until` a date "
        "(Jakarta's midnight) or a timestamp. At most `limit` features; `next_cursor` (a foreign member) "
        "continues with the older ones."
    ),
    responses={200: {"content": {GEOJSON: {"example": GEOJSON_EXAMPLE}}}, **problems(422, 503)},
)
async def complaints_geojson(
    conn: Conn,
    bbox: Annotated[str | None, Query(max_length=200, examples=["106.7,-6.3,106.9,-6.1"])] = None,
    category: Annotated[str | None, Query(max_length=400)] = None,
    status: Annotated[str | None, Query(max_length=400, examples=["open"])] = None,
    since: Annotated[str | None, Query(max_length=40, examples=["2026-11-01"])] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAP_MAX_LIMIT)] = service.MAP_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    body = await service.map_features(
        conn,
        bbox=bbox,
        category=category,
        status=status,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    response = json_response(body, headers={"Cache-Control": "public, max-age=15"})
    response.headers["content-type"] = GEOJSON
    return response


@router.get(
    "/v1/public/areas.geojson",
    operation_id="publicAreasGeoJSON",
    summary="Area boundaries with their open and total complaints: the map's choropleth (no key)",
    description=(
        "Every kota, kecamatan or kelurahan with a boundary, as an RFC 7946 FeatureCollection; `properties.open` "
        "and `properties.total` count its complaints (secret ones and duplicates not counted). Refreshed once a "
        "minute; gzip when the client accepts it; `ETag`/`If-None-Match`."
    ),
    responses={
        200: {"content": {GEOJSON: {"example": AREAS_EXAMPLE}}},
        304: {"description": "Not modified"},
        **problems(422, 503),
    },  # fmt: skip
)
async def areas_geojson(
    request: Request,
    conn: Conn,
    level: Annotated[str, Query(max_length=20, examples=["kelurahan"])] = "kelurahan",
) -> Response:
    rendered = await service.area_features(conn, level)
    headers = {"Cache-Control": "public, max-age=60", "ETag": rendered.etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == rendered.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(rendered.gzipped, media_type=GEOJSON, headers={**headers, "Content-Encoding": "gzip"})
    return Response(rendered.body, media_type=GEOJSON, headers=headers)


@router.get(
    "/v1/stats",
    operation_id="getStats",
    summary="Statistics by channel, status, category or area; SLA compliance, time to done, weekly trend (no key)",
    description=(
        "Complaints created between `since` and `until` (Jakarta days, inclusive; a timestamp counts as its day; "
        "all time until today by default), grouped by `group_by`. Counts are kept as complaints change (a "
        "trigger and a rollup table), never by scanning complaints. Secret complaints are not counted."
    ),
    response_model=StatsOut,
    responses=problems(422, 503),
)
async def get_stats(
    conn: Conn,
    group_by: Annotated[str, Query(max_length=20, examples=["channel"])] = "channel",
    since: Annotated[str | None, Query(max_length=40, examples=["2026-11-01"])] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    body = await service.stats(
        conn,
        group_by=group_by,
        since=service.parse_day(since, "since"),
        until=service.parse_day(until, "until"),
    )
    return json_response(body, headers={"Cache-Control": "public, max-age=30"})


@complaints_router.get(
    "/nearby",
    operation_id="nearbyComplaints",
    summary="Open complaints near a point, before filing a new one (any key; public view)",
    description=(
        "Open, non-secret complaints within `radius_m` metres (default 200, at most 1000) of the point, nearest "
        "first, optionally of one category: the app shows them so that a citizen can support one "
        "(`POST /v1/complaints/{id}/supports`) instead of filing it again. The same public view for every "
        "role: no reporter, text masked, anonymous points rounded."
    ),
    response_model=NearbyOut,
    responses=problems(401, 422, 503),
)
async def nearby(
    principal: AnyKey,
    conn: Conn,
    lat: Annotated[float, Query(ge=-90, le=90, examples=[-6.1915])],
    lon: Annotated[float, Query(ge=-180, le=180, examples=[106.8412])],
    category: Annotated[str | None, Query(max_length=40, examples=["roads"])] = None,
    radius_m: Annotated[float, Query(gt=0, le=1000)] = 200,
    limit: Annotated[int, Query(ge=1, le=100)] = service.NEARBY_LIMIT,
) -> Response:
    body = await service.nearby(conn, lat=lat, lon=lon, category=category, radius_m=radius_m, limit=limit)
    return json_response(body)


@complaints_router.post(
    "/{complaint_id}/supports",
    operation_id="supportComplaint",
    summary="A citizen supports an open complaint instead of filing it again (app key)",
    description=(
        "Counts the citizen (`supporter`, the app's own id of its user) once: 201 the first time, 200 with the "
        "same count after. The count is public (tracking page, map). Any open, non-secret complaint may be "
        "supported, whoever filed it; a closed one is 409 `complaint-closed` (a merged duplicate names the "
        "complaint to support), a secret or unknown one 404."
    ),
    status_code=201,
    response_model=SupportOut,
    responses={
        200: {
            "description": "Already supported by this citizen",
            "content": {"application/json": {"example": SUPPORT_EXAMPLE}},
        },
        **problems(400, 401, 403, 404, 409, 415, 422, 503),
    },  # fmt: skip
)
async def support(
    complaint_id: uuid.UUID, body: SupportIn, principal: AppKey, conn: Conn, response: Response
) -> SupportOut:
    view, created = await service.support(conn, complaint_id, principal, body.supporter)
    if not created:
        response.status_code = 200
    return SupportOut.model_validate(view)
