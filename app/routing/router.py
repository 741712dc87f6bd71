"""Routing endpoints: areas, classification, keywords, units, officers, queues, assignment, EWS, SLA."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.auth import audit, policy
from app.complaints import service as complaints
from app.complaints.schemas import ComplaintOut
from app.core.errors import Forbidden, UnsupportedMediaType, problems
from app.core.http import json_body_schema, json_response, read_json
from app.core.preconditions import IfMatch, expected_version
from app.core.security import Admin, AnyKey, Officer, Supervisor
from app.routing import service
from app.routing.schemas import (
    AreaImportOut,
    AreaLevel,
    AreaList,
    AreaLookupOut,
    AssignmentIn,
    ClassifyIn,
    ClassifyOut,
    EwsIn,
    KeywordsIn,
    KeywordsOut,
    OfficerIn,
    OfficerList,
    OfficerOut,
    OfficerPatch,
    QueueList,
    SweepOut,
    UnitIn,
    UnitKind,
    UnitList,
    UnitOut,
    UnitPatch,
)
from app.sla import sweeper

router = APIRouter()
MAX_LIMIT = 200

BODY_MODELS: list[type] = [
    ClassifyIn,
    KeywordsIn,
    UnitIn,
    UnitPatch,
    OfficerIn,
    OfficerPatch,
    AssignmentIn,
    EwsIn,
]

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


async def _reload(request: Request) -> None:
    """This process sees its own change at once; others see the new revision at their next intake."""
    placer = request.app.state.placer
    if placer is not None:
        async with request.app.state.db.raw() as conn:
            await placer.reload(conn)


async def _refresh(request: Request) -> None:
    """After an officer change: reload only if it moved the revision (migration 0006's trigger
    bumps it for changes of unit, role, active flag; not for capacity, areas or categories)."""
    placer = request.app.state.placer
    if placer is not None:
        async with request.app.state.db.raw() as conn:
            await placer.ensure_fresh(conn)


# --------------------------------------------------------------------------- areas


@router.post(
    "/v1/areas/import",
    tags=["areas"],
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
    responses=problems(400, 401, 403, 413, 415, 422, 503),
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
async def import_areas(request: Request, principal: Admin) -> Response:
    ctype = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if ctype in ("text/csv", "application/csv"):
        csv = True
    elif ctype in ("application/geo+json", "application/json"):
        csv = False
    else:
        raise UnsupportedMediaType(
            f"send application/geo+json (boundaries) or text/csv (hierarchy), not {ctype or 'no content type'}"
        )
    body = await request.body()
    async with request.app.state.db.transaction() as conn:
        result = await service.import_file(conn, body, csv=csv)
        await audit.record(
            conn, principal, "areas.import", target_type="areas",
            data={"format": "csv" if csv else "geojson", "bytes": len(body)},
        )  # fmt: skip
    await _reload(request)
    return json_response(result)


@router.get(
    "/v1/areas",
    tags=["areas"],
    operation_id="listAreas",
    summary="List administrative areas (public), by level and parent",
    response_model=AreaList,
    responses=problems(422, 503),
)
async def list_areas(
    request: Request,
    level: AreaLevel | None = None,
    parent: Annotated[str | None, Query(max_length=20, description="Parent's Kemendagri code")] = None,
    geometry: Annotated[bool, Query(description="Include each area's GeoJSON geometry")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: str | None = None,
) -> Response:
    async with request.app.state.db.raw() as conn:
        out = await service.list_areas(
            conn, level=level, parent=parent, geometry=geometry, limit=limit, cursor=cursor
        )
    return json_response(out)


@router.get(
    "/v1/areas/lookup",
    tags=["areas"],
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
    request: Request,
    lat: Annotated[float, Query(ge=-90, le=90, description="WGS84 latitude")],
    lon: Annotated[float, Query(ge=-180, le=180, description="WGS84 longitude")],
) -> Response:
    placer = request.app.state.placer
    async with request.app.state.db.raw() as conn:
        await placer.ensure_fresh(conn)
    hit = placer.index.lookup(lat, lon) if placer.index is not None else None
    if hit is None:
        raise service.OutsideAreas(
            f"no imported area contains ({lat}, {lon})"
            if placer.index is not None
            else "no area boundaries imported",
        )
    area = placer.area_from_hit(hit, "point")
    return json_response(
        {"lat": lat, "lon": lon, **{k: area.get(k) for k in ("kelurahan", "kecamatan", "kota")}}
    )


# --------------------------------------------------------------------------- classify and keywords


@router.post(
    "/v1/classify",
    tags=["routing"],
    operation_id="classifyText",
    summary="Suggest a category and find area names in a text (any key)",
    description=(
        "The same keyword classifier and gazetteer intake uses. `category` is null when the confidence is "
        "below the threshold; `scores` and `matched` explain the decision."
    ),
    response_model=ClassifyOut,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "category": "drainage_flood",
                        "confidence": 0.9502,
                        "areas": [
                            {
                                "code": "31.71.06.1003",
                                "level": "kelurahan",
                                "name": "Cikini",
                                "ambiguous": False,
                            }
                        ],
                        "scores": {"drainage_flood": 6.0},
                        "matched": {"drainage_flood": ["got mampet:3", "banjir:3"]},
                    }
                }
            }
        },
        **problems(400, 401, 403, 415, 422, 503),
    },
    openapi_extra=json_body_schema(ClassifyIn),
)
async def classify(request: Request, principal: AnyKey) -> Response:
    body = await read_json(request, ClassifyIn)
    placer = request.app.state.placer
    async with request.app.state.db.raw() as conn:
        await placer.ensure_fresh(conn)
    result = placer.classify(body.text)
    return json_response(
        {
            "category": result.category if result else None,
            "confidence": result.confidence if result else 0.0,
            "areas": placer.areas_in_text(body.text),
            "scores": result.scores if result else {},
            "matched": result.matched if result else {},
        }
    )


@router.get(
    "/v1/categories/{code}/keywords",
    tags=["categories"],
    operation_id="getCategoryKeywords",
    summary="The classifier keywords of a category (officer roles)",
    response_model=KeywordsOut,
    responses=problems(401, 403, 404, 503),
)
async def get_keywords(request: Request, code: str, principal: Officer) -> Response:
    async with request.app.state.db.raw() as conn:
        return json_response(await service.get_keywords(conn, code))


@router.put(
    "/v1/categories/{code}/keywords",
    tags=["categories"],
    operation_id="setCategoryKeywords",
    summary="Replace the classifier keywords of a category (admin, supervisor)",
    description='Each entry is `"phrase"` or `"phrase:weight"`; takes effect for the next complaint.',
    response_model=KeywordsOut,
    responses=problems(400, 401, 403, 404, 415, 422, 503),
    openapi_extra=json_body_schema(KeywordsIn),
)
async def set_keywords(request: Request, code: str, principal: Supervisor) -> Response:
    body = await read_json(request, KeywordsIn)
    async with request.app.state.db.transaction() as conn:
        out = await service.set_keywords(conn, code, body.keywords)
        await audit.record(
            conn, principal, "category.keywords", target_type="category", target_id=code,
            data={"keywords": body.keywords},
        )  # fmt: skip
    await _reload(request)
    return json_response(out)


# --------------------------------------------------------------------------- units


@router.post(
    "/v1/units",
    tags=["units"],
    operation_id="createUnit",
    summary="Create a unit: kelurahan/kecamatan/kota office, agency, sudin or triage (admin, supervisor)",
    status_code=201,
    response_model=UnitOut,
    responses=problems(400, 401, 403, 409, 415, 422, 503),
    openapi_extra=json_body_schema(UnitIn),
)
async def create_unit(request: Request, principal: Supervisor) -> Response:
    body = await read_json(request, UnitIn)
    if principal.role == "supervisor" and principal.unit is not None:
        # A supervisor's new unit sits in their part of the tree.
        if body.parent is None:
            body.parent = principal.unit
        policy.check_unit(principal, body.parent, "parent")
    async with request.app.state.db.transaction() as conn:
        out = await service.create_unit(conn, body)
        await audit.record(
            conn, principal, "unit.create", target_type="unit", target_id=out["code"],
            data=body.model_dump(mode="json"),
        )  # fmt: skip
    await _reload(request)
    return json_response(out, 201, headers={"Location": f"/v1/units/{out['code']}"})


@router.get(
    "/v1/units",
    tags=["units"],
    operation_id="listUnits",
    summary="List units (officer roles)",
    response_model=UnitList,
    responses=problems(401, 403, 422, 503),
)
async def list_units(
    request: Request,
    principal: Officer,
    kind: UnitKind | None = None,
    agency: str | None = None,
    kota: Annotated[str | None, Query(description="Kota code of a sudin")] = None,
    area: Annotated[str | None, Query(description="Units covering this area code")] = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> Response:
    async with request.app.state.db.raw() as conn:
        out = await service.list_units(
            conn, kind=kind, agency=agency, kota=kota, area=area, active=active, limit=limit, cursor=cursor
        )
    return json_response(out)


@router.get(
    "/v1/units/{code}",
    tags=["units"],
    operation_id="getUnit",
    summary="One unit with its officer count and open work (officer roles)",
    response_model=UnitOut,
    responses=problems(401, 403, 404, 503),
)
async def get_unit(request: Request, code: str, principal: Officer) -> Response:
    async with request.app.state.db.raw() as conn:
        out = await service.get_unit(conn, code)
    return json_response(out, headers={"ETag": f'"{out["version"]}"'})


@router.patch(
    "/v1/units/{code}",
    tags=["units"],
    operation_id="updateUnit",
    summary="Change a unit (admin; supervisor inside their units); If-Match required",
    response_model=UnitOut,
    responses=problems(400, 401, 403, 404, 412, 415, 422, 428, 503),
    openapi_extra=json_body_schema(UnitPatch),
)
async def update_unit(
    request: Request, code: str, principal: Supervisor, if_match: IfMatch = None
) -> Response:
    body = await read_json(request, UnitPatch)
    expected = expected_version(if_match)
    policy.check_unit(principal, code)
    if "parent" in body.model_fields_set:
        if principal.role != "admin" and code == principal.unit:
            raise Forbidden("only an admin moves a supervisor's own unit in the tree")
        policy.check_unit(principal, body.parent, "parent")
    async with request.app.state.db.transaction() as conn:
        out = await service.update_unit(conn, code, body, expected_version=expected)
        await audit.record(
            conn, principal, "unit.update", target_type="unit", target_id=code,
            data=body.model_dump(mode="json", exclude_unset=True),
        )  # fmt: skip
    await _reload(request)
    return json_response(out, headers={"ETag": f'"{out["version"]}"'})


@router.delete(
    "/v1/units/{code}",
    tags=["units"],
    operation_id="deactivateUnit",
    summary="Deactivate a unit: routing stops sending it work; its history stays (admin, supervisor)",
    response_model=UnitOut,
    responses=problems(401, 403, 404, 503),
)
async def deactivate_unit(request: Request, code: str, principal: Supervisor) -> Response:
    policy.check_unit(principal, code)
    async with request.app.state.db.transaction() as conn:
        out = await service.update_unit(conn, code, UnitPatch(active=False))
        await audit.record(conn, principal, "unit.deactivate", target_type="unit", target_id=code)
    await _reload(request)
    return json_response(out)


@router.get(
    "/v1/units/{code}/queue",
    tags=["units"],
    operation_id="unitQueue",
    summary="A unit's open complaints, oldest due first (officer roles)",
    response_model=QueueList,
    responses=problems(401, 403, 404, 422, 503),
)
async def unit_queue(
    request: Request,
    code: str,
    principal: Officer,
    unassigned: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> Response:
    policy.check_unit(principal, code)
    async with request.app.state.db.raw() as conn:
        out = await service.queue(
            conn, unit=code, unassigned=unassigned, limit=limit, cursor=cursor, principal=principal
        )
    return json_response(out)


# --------------------------------------------------------------------------- officers


@router.post(
    "/v1/officers",
    tags=["officers"],
    operation_id="createOfficer",
    summary="Create an officer of a unit, optionally with an API key shown once (admin, supervisor)",
    status_code=201,
    response_model=OfficerOut,
    responses=problems(400, 401, 403, 415, 422, 503),
    openapi_extra=json_body_schema(OfficerIn),
)
async def create_officer(request: Request, principal: Supervisor) -> Response:
    body = await read_json(request, OfficerIn)
    policy.check_manage_officer(principal, unit_code=body.unit, role=body.role)
    async with request.app.state.db.transaction() as conn:
        out = await service.create_officer(conn, body, created_by=principal.id)
        await audit.record(
            conn, principal, "officer.create", target_type="officer", target_id=out["id"],
            data=body.model_dump(mode="json"),
        )  # fmt: skip
    await _refresh(request)  # the officer may staff a unit's automatic stream (migration 0006)
    return json_response(out, 201, headers={"Location": f"/v1/officers/{out['id']}"})


@router.get(
    "/v1/officers",
    tags=["officers"],
    operation_id="listOfficers",
    summary="List officers with their open load (officer roles)",
    response_model=OfficerList,
    responses=problems(401, 403, 422, 503),
)
async def list_officers(
    request: Request,
    principal: Officer,
    unit: str | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> Response:
    async with request.app.state.db.raw() as conn:
        out = await service.list_officers(conn, unit=unit, active=active, limit=limit, cursor=cursor)
    return json_response(out)


@router.get(
    "/v1/officers/{officer_id}",
    tags=["officers"],
    operation_id="getOfficer",
    summary="One officer with open load (officer roles)",
    response_model=OfficerOut,
    responses=problems(401, 403, 404, 422, 503),
)
async def get_officer(request: Request, officer_id: uuid.UUID, principal: Officer) -> Response:
    async with request.app.state.db.raw() as conn:
        out = await service.get_officer(conn, officer_id)
    return json_response(out, headers={"ETag": f'"{out["version"]}"'})


@router.patch(
    "/v1/officers/{officer_id}",
    tags=["officers"],
    operation_id="updateOfficer",
    summary="Change an officer: unit, role, areas, categories, capacity, active (admin; supervisor for their units)",
    description="Lowering the capacity below the current load takes nothing away; it stops new assignments.",
    response_model=OfficerOut,
    responses=problems(400, 401, 403, 404, 412, 415, 422, 428, 503),
    openapi_extra=json_body_schema(OfficerPatch),
)
async def update_officer(
    request: Request, officer_id: uuid.UUID, principal: Supervisor, if_match: IfMatch = None
) -> Response:
    body = await read_json(request, OfficerPatch)
    expected = expected_version(if_match)

    def authorize(current) -> None:  # type: ignore[no-untyped-def]
        # the officer as they are, and as the patch would make them
        policy.check_manage_officer(principal, unit_code=current["unit_code"], role=current["role"])
        policy.check_manage_officer(
            principal, unit_code=body.unit or current["unit_code"], role=body.role or current["role"]
        )

    async with request.app.state.db.transaction() as conn:
        out = await service.update_officer(
            conn, officer_id, body, expected_version=expected, authorize=authorize
        )
        await audit.record(
            conn, principal, "officer.update", target_type="officer", target_id=officer_id,
            data=body.model_dump(mode="json", exclude_unset=True),
        )  # fmt: skip
    await _refresh(request)
    return json_response(out, headers={"ETag": f'"{out["version"]}"'})


@router.delete(
    "/v1/officers/{officer_id}",
    tags=["officers"],
    operation_id="deactivateOfficer",
    summary="Deactivate an officer: no new assignments; open ones stay until reassigned (admin, supervisor)",
    response_model=OfficerOut,
    responses=problems(401, 403, 404, 422, 503),
)
async def deactivate_officer(request: Request, officer_id: uuid.UUID, principal: Supervisor) -> Response:
    async with request.app.state.db.transaction() as conn:
        out = await service.update_officer(
            conn,
            officer_id,
            OfficerPatch(active=False),
            authorize=lambda current: policy.check_manage_officer(
                principal, unit_code=current["unit_code"], role=current["role"]
            ),
        )
        await audit.record(conn, principal, "officer.deactivate", target_type="officer", target_id=officer_id)
    await _refresh(request)
    return json_response(out)


@router.get(
    "/v1/officers/{officer_id}/queue",
    tags=["officers"],
    operation_id="officerQueue",
    summary="An officer's open complaints, oldest due first (officer roles)",
    response_model=QueueList,
    responses=problems(401, 403, 404, 422, 503),
)
async def officer_queue(
    request: Request,
    officer_id: uuid.UUID,
    principal: Officer,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> Response:
    async with request.app.state.db.raw() as conn:
        if principal.officer_id != officer_id:
            policy.check_unit(principal, await service.officer_unit(conn, officer_id), "the officer's unit")
        out = await service.queue(
            conn, officer_id=officer_id, limit=limit, cursor=cursor, principal=principal
        )
    return json_response(out)


# --------------------------------------------------------------------------- assignment, EWS, SLA


@router.put(
    "/v1/complaints/{complaint_id}/assignment",
    tags=["complaints"],
    operation_id="assignComplaint",
    summary="Assign a complaint to an officer of its unit, or hand it to another unit (officer roles)",
    description=(
        '`{"officer_id": ...}` assigns to that officer (of the responsible unit; 409 when inactive, of another '
        'unit or at capacity). `{"unit": code}` hands the complaint over (event `routed`) and auto-assigns '
        "there: the covering officer with the fewest open assignments, below capacity, least recently "
        "assigned on ties; nobody available leaves it in the unit's queue. Every change is an `assigned` event. "
        "`If-Match` with the complaint's version is required (428 without, 412 stale)."
    ),
    response_model=ComplaintOut,
    responses=problems(400, 401, 403, 404, 409, 412, 415, 422, 428, 503),
    openapi_extra=json_body_schema(AssignmentIn),
)
async def assign_complaint(
    request: Request, complaint_id: uuid.UUID, principal: Officer, if_match: IfMatch = None
) -> Response:
    body = await read_json(request, AssignmentIn)
    expected = expected_version(if_match)
    async with request.app.state.db.transaction() as conn:
        row = await service.assign(
            conn,
            complaint_id,
            officer_id=body.officer_id,
            unit=body.unit,
            note=body.note,
            principal=principal,
            placer=request.app.state.placer,
            if_match=expected,
        )
        view = await complaints.full_view(conn, row, principal, request.app.state.media_signer)
    return json_response(view, headers={"ETag": f'"{row["version"]}"'})


@router.put(
    "/v1/complaints/{complaint_id}/ews",
    tags=["complaints"],
    operation_id="setComplaintEws",
    summary="Set the estimated completion date (EWS); it becomes the resolution deadline (officer roles)",
    description=(
        "The date must be in the future. It moves `due_at` (LAPOR! items keep the national deadline) and "
        "recomputes `sla_state`; a breach already marked stays. A public `ews_set` event records it. "
        "`If-Match` with the complaint's version is required (428 without, 412 stale)."
    ),
    response_model=ComplaintOut,
    responses=problems(400, 401, 403, 404, 409, 412, 415, 422, 428, 503),
    openapi_extra=json_body_schema(EwsIn),
)
async def set_ews(
    request: Request,
    complaint_id: uuid.UUID,
    principal: Officer,
    if_match: IfMatch = None,
) -> Response:
    body = await read_json(request, EwsIn)
    expected = expected_version(if_match)
    async with request.app.state.db.transaction() as conn:
        row = await service.set_ews(
            conn, complaint_id, ews_at=body.ews_at, note=body.note, principal=principal, if_match=expected
        )
        view = await complaints.full_view(conn, row, principal, request.app.state.media_signer)
    return json_response(view, headers={"ETag": f'"{row["version"]}"'})


@router.post(
    "/v1/sla/sweep",
    tags=["sla"],
    operation_id="sweepSla",
    summary="Run one SLA sweep now: mark at-risk and breached complaints, escalate breaches (admin)",
    description="The service sweeps by itself every `ADUAN_SLA_SWEEP_INTERVAL` seconds; this is for operators.",
    response_model=SweepOut,
    responses=problems(401, 403, 503),
)
async def sweep_sla(request: Request, principal: Admin) -> Response:
    async with request.app.state.db.raw() as conn:
        out = await sweeper.sweep(conn)
        await audit.record(
            conn, principal, "sla.sweep",
            data={"breached": len(out.get("breached", [])), "now": out["now"].isoformat()},
        )  # fmt: skip
    return json_response(out)
