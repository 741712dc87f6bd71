"""``PUT /v1/complaints/{id}/assignment``: an officer assigns a complaint, or hands it to another
unit (``app.assignment.workflow``)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from app.assignment import workflow
from app.assignment.deps import UnitDirectoryDep
from app.assignment.schemas import AssignmentIn
from app.complaints import service as complaints
from app.complaints.schemas import ComplaintOut
from app.core.deps import DbDep, SignerDep
from app.core.errors import problems
from app.core.preconditions import IfMatch, expected_version
from app.core.routes import JsonRoute
from app.core.security import Officer

router = APIRouter(route_class=JsonRoute)


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
)
async def assign_complaint(
    complaint_id: uuid.UUID,
    body: AssignmentIn,
    principal: Officer,
    db: DbDep,
    signer: SignerDep,
    routing: UnitDirectoryDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    expected = expected_version(if_match)
    async with db.transaction() as conn:
        row = await workflow.assign(
            conn,
            complaint_id,
            officer_id=body.officer_id,
            unit=body.unit,
            note=body.note,
            principal=principal,
            units=routing.units if routing is not None else None,
            if_match=expected,
        )
        view = await complaints.full_view(conn, row, principal, signer)
    response.headers["ETag"] = f'"{row["version"]}"'
    return view
