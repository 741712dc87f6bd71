"""Routing endpoints: areas, classification, keywords, units, officers, queues, assignment, EWS, SLA."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.auth import audit, policy
from app.complaints import service as complaints
from app.complaints.schemas import ComplaintOut
from app.core.errors import Forbidden, problems
from app.core.http import json_body_schema, json_response, read_json
from app.core.preconditions import IfMatch, expected_version
from app.core.security import Admin, Officer, Supervisor
from app.routing import service
from app.routing.schemas import (
    AssignmentIn,
    EwsIn,
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
    UnitIn,
    UnitPatch,
    OfficerIn,
    OfficerPatch,
    AssignmentIn,
    EwsIn,
]


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
