"""The SLA endpoints: an officer's estimated completion date (EWS) of a complaint, and an SLA
sweep on demand (``app.sla.ews``, ``app.sla.sweeper``)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from app.complaints import service as complaints
from app.complaints.schemas import ComplaintOut
from app.core.deps import Conn, DbDep, SignerDep
from app.core.errors import problems
from app.core.preconditions import IfMatch, expected_version
from app.core.routes import JsonRoute
from app.core.security import Admin, Officer
from app.sla import ews, sweeper
from app.sla.schemas import EwsIn, SweepOut

router = APIRouter(route_class=JsonRoute)


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
)
async def set_ews(
    complaint_id: uuid.UUID,
    body: EwsIn,
    principal: Officer,
    db: DbDep,
    signer: SignerDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    expected = expected_version(if_match)
    async with db.transaction() as conn:
        row = await ews.set_ews(
            conn, complaint_id, ews_at=body.ews_at, note=body.note, principal=principal, if_match=expected
        )
        view = await complaints.full_view(conn, row, principal, signer)
    response.headers["ETag"] = f'"{row["version"]}"'
    return view


@router.post(
    "/v1/sla/sweep",
    tags=["sla"],
    operation_id="sweepSla",
    summary="Run one SLA sweep now: mark at-risk and breached complaints, escalate breaches (admin)",
    description="The service sweeps by itself every `ADUAN_SLA_SWEEP_INTERVAL` seconds; this is for operators.",
    response_model=SweepOut,
    responses=problems(401, 403, 503),
)
async def sweep_sla(principal: Admin, conn: Conn) -> dict[str, Any]:
    return await sweeper.sweep_for(conn, principal)
