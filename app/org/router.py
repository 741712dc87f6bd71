"""Units and officers: ``/v1/units``, ``/v1/officers`` and their queues.

Changes run in one transaction with their audit entry and the routing revision
(``app.org.service``); once committed, this process reloads its routing state at once
(``reload_routing``; ``refresh_routing`` after an officer change, which moves the revision only
when it touches the automatic stream) and the others at their next intake.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.core.deps import Conn, DbDep, RoutingCacheDep, refresh_routing, reload_routing
from app.core.errors import problems
from app.core.preconditions import IfMatch, expected_version
from app.core.routes import JsonRoute
from app.core.security import Officer, Supervisor
from app.org import repository, service
from app.org.schemas import (
    OfficerIn,
    OfficerList,
    OfficerOut,
    OfficerPatch,
    QueueList,
    UnitIn,
    UnitKind,
    UnitList,
    UnitOut,
    UnitPatch,
)

router = APIRouter(route_class=JsonRoute)
MAX_LIMIT = 200


def _etag(response: Response, view: dict[str, Any]) -> None:
    response.headers["ETag"] = f'"{view["version"]}"'


# --------------------------------------------------------------------------- units


@router.post(
    "/v1/units",
    tags=["units"],
    operation_id="createUnit",
    summary="Create a unit: kelurahan/kecamatan/kota office, agency, sudin or triage (admin, supervisor)",
    status_code=201,
    response_model=UnitOut,
    # The views carry only the keys they have (a unit's counts come with GET /v1/units/{code}).
    response_model_exclude_unset=True,
    responses=problems(400, 401, 403, 409, 415, 422, 503),
)
async def create_unit(
    body: UnitIn, principal: Supervisor, db: DbDep, cache: RoutingCacheDep, response: Response
) -> dict[str, Any]:
    async with db.transaction() as conn:
        out = await service.create_unit(conn, body, principal)
    await reload_routing(cache, db)
    response.headers["Location"] = f"/v1/units/{out['code']}"
    return out


@router.get(
    "/v1/units",
    tags=["units"],
    operation_id="listUnits",
    summary="List units (officer roles)",
    response_model=UnitList,
    response_model_exclude_unset=True,
    responses=problems(401, 403, 422, 503),
)
async def list_units(
    principal: Officer,
    conn: Conn,
    kind: UnitKind | None = None,
    agency: str | None = None,
    kota: Annotated[str | None, Query(description="Kota code of a sudin")] = None,
    area: Annotated[str | None, Query(description="Units covering this area code")] = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    return await repository.list_units(
        conn, kind=kind, agency=agency, kota=kota, area=area, active=active, limit=limit, cursor=cursor
    )


@router.get(
    "/v1/units/{code}",
    tags=["units"],
    operation_id="getUnit",
    summary="One unit with its officer count and open work (officer roles)",
    response_model=UnitOut,
    response_model_exclude_unset=True,
    responses=problems(401, 403, 404, 503),
)
async def get_unit(code: str, principal: Officer, conn: Conn, response: Response) -> dict[str, Any]:
    out = await repository.get_unit(conn, code)
    _etag(response, out)
    return out


@router.patch(
    "/v1/units/{code}",
    tags=["units"],
    operation_id="updateUnit",
    summary="Change a unit (admin; supervisor inside their units); If-Match required",
    response_model=UnitOut,
    response_model_exclude_unset=True,
    responses=problems(400, 401, 403, 404, 412, 415, 422, 428, 503),
)
async def update_unit(
    code: str,
    body: UnitPatch,
    principal: Supervisor,
    db: DbDep,
    cache: RoutingCacheDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    expected = expected_version(if_match)
    service.check_update_unit(principal, code, body)
    async with db.transaction() as conn:
        out = await service.update_unit(conn, code, body, principal, expected_version=expected)
    await reload_routing(cache, db)
    _etag(response, out)
    return out


@router.delete(
    "/v1/units/{code}",
    tags=["units"],
    operation_id="deactivateUnit",
    summary="Deactivate a unit: routing stops sending it work; its history stays (admin, supervisor)",
    response_model=UnitOut,
    response_model_exclude_unset=True,
    responses=problems(401, 403, 404, 503),
)
async def deactivate_unit(
    code: str, principal: Supervisor, db: DbDep, cache: RoutingCacheDep
) -> dict[str, Any]:
    async with db.transaction() as conn:
        out = await service.deactivate_unit(conn, code, principal)
    await reload_routing(cache, db)
    return out


@router.get(
    "/v1/units/{code}/queue",
    tags=["units"],
    operation_id="unitQueue",
    summary="A unit's open complaints, oldest due first (officer roles)",
    response_model=QueueList,
    # The officer view of each complaint, as in GET /v1/complaints (no reporter, no events).
    response_model_exclude_unset=True,
    responses=problems(401, 403, 404, 422, 503),
)
async def unit_queue(
    code: str,
    principal: Officer,
    conn: Conn,
    unassigned: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    return await service.unit_queue(conn, code, principal, unassigned=unassigned, limit=limit, cursor=cursor)


# --------------------------------------------------------------------------- officers


@router.post(
    "/v1/officers",
    tags=["officers"],
    operation_id="createOfficer",
    summary="Create an officer of a unit, optionally with an API key shown once (admin, supervisor)",
    status_code=201,
    response_model=OfficerOut,
    # ``api_key`` is in the answer that created it only.
    response_model_exclude_unset=True,
    responses=problems(400, 401, 403, 415, 422, 503),
)
async def create_officer(
    body: OfficerIn, principal: Supervisor, db: DbDep, cache: RoutingCacheDep, response: Response
) -> dict[str, Any]:
    async with db.transaction() as conn:
        out = await service.create_officer(conn, body, principal)
    await refresh_routing(cache, db)  # the officer may staff a unit's automatic stream (migration 0006)
    response.headers["Location"] = f"/v1/officers/{out['id']}"
    return out


@router.get(
    "/v1/officers",
    tags=["officers"],
    operation_id="listOfficers",
    summary="List officers with their open load (officer roles)",
    response_model=OfficerList,
    response_model_exclude_unset=True,
    responses=problems(401, 403, 422, 503),
)
async def list_officers(
    principal: Officer,
    conn: Conn,
    unit: str | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    return await repository.list_officers(conn, unit=unit, active=active, limit=limit, cursor=cursor)


@router.get(
    "/v1/officers/{officer_id}",
    tags=["officers"],
    operation_id="getOfficer",
    summary="One officer with open load (officer roles)",
    response_model=OfficerOut,
    response_model_exclude_unset=True,
    responses=problems(401, 403, 404, 422, 503),
)
async def get_officer(
    officer_id: uuid.UUID, principal: Officer, conn: Conn, response: Response
) -> dict[str, Any]:
    out = await repository.get_officer(conn, officer_id)
    _etag(response, out)
    return out


@router.patch(
    "/v1/officers/{officer_id}",
    tags=["officers"],
    operation_id="updateOfficer",
    summary="Change an officer: unit, role, areas, categories, capacity, active (admin; supervisor for their units)",
    description="Lowering the capacity below the current load takes nothing away; it stops new assignments.",
    response_model=OfficerOut,
    response_model_exclude_unset=True,
    responses=problems(400, 401, 403, 404, 412, 415, 422, 428, 503),
)
async def update_officer(
    officer_id: uuid.UUID,
    body: OfficerPatch,
    principal: Supervisor,
    db: DbDep,
    cache: RoutingCacheDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    expected = expected_version(if_match)
    async with db.transaction() as conn:
        out = await service.update_officer(conn, officer_id, body, principal, expected_version=expected)
    await refresh_routing(cache, db)
    _etag(response, out)
    return out


@router.delete(
    "/v1/officers/{officer_id}",
    tags=["officers"],
    operation_id="deactivateOfficer",
    summary="Deactivate an officer: no new assignments; open ones stay until reassigned (admin, supervisor)",
    response_model=OfficerOut,
    response_model_exclude_unset=True,
    responses=problems(401, 403, 404, 422, 503),
)
async def deactivate_officer(
    officer_id: uuid.UUID, principal: Supervisor, db: DbDep, cache: RoutingCacheDep
) -> dict[str, Any]:
    async with db.transaction() as conn:
        out = await service.deactivate_officer(conn, officer_id, principal)
    await refresh_routing(cache, db)
    return out


@router.get(
    "/v1/officers/{officer_id}/queue",
    tags=["officers"],
    operation_id="officerQueue",
    summary="An officer's open complaints, oldest due first (officer roles)",
    response_model=QueueList,
    # The officer view of each complaint, as in GET /v1/complaints (no reporter, no events).
    response_model_exclude_unset=True,
    responses=problems(401, 403, 404, 422, 503),
)
async def officer_queue(
    officer_id: uuid.UUID,
    principal: Officer,
    conn: Conn,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    return await service.officer_queue(conn, officer_id, principal, limit=limit, cursor=cursor)
