"""``/v1/complaints``: reading, the lifecycle, comments (the intake, ``POST /v1/complaints``, is
app.intake.router's)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.complaints import service
from app.complaints.deps import TransitionHooksDep
from app.complaints.schemas import (
    CommentIn,
    ComplaintFilters,
    ComplaintList,
    ComplaintOut,
    EventOut,
    PrivacyCode,
    StatusCode,
    TransitionIn,
)
from app.core.deps import Conn, DbDep, SignerDep
from app.core.errors import problems
from app.core.preconditions import IfMatch, expected_version
from app.core.routes import JsonRoute
from app.core.security import AnyKey, Officer, Submitter

router = APIRouter(prefix="/v1/complaints", tags=["complaints"], route_class=JsonRoute)

MAX_LIMIT = 100


@router.get(
    "",
    operation_id="listComplaints",
    summary="List complaints, newest first, keyset-paginated (staff: their units; app, partner: their own)",
    description=(
        "Filters combine with AND; repeat `status`, `channel` or `category` for several values. Pages are "
        "ordered by `(created_at, id)` descending and a cursor continues strictly after the last row, so "
        "complaints arriving while you page appear only at the head, never twice or shifted. Each key sees "
        "what app.auth.policy lets it read: staff their unit and the units below it (secret complaints only "
        "for the unit handling them and its supervisors), `app` and `partner` keys what they submitted."
    ),
    response_model=ComplaintList,
    responses=problems(401, 403, 422, 503),
)
async def list_complaints(
    principal: AnyKey,
    conn: Conn,
    status: Annotated[list[StatusCode] | None, Query()] = None,
    channel: Annotated[list[str] | None, Query()] = None,
    category: Annotated[list[str] | None, Query()] = None,
    privacy: PrivacyCode | None = None,
    external_id: Annotated[str | None, Query(max_length=500, description="the source's own id")] = None,
    created_from: Annotated[datetime | None, Query(description="created_at >= this")] = None,
    created_to: Annotated[datetime | None, Query(description="created_at < this")] = None,
    q: Annotated[
        str | None, Query(min_length=2, max_length=200, description="text contains (title, description)")
    ] = None,
    area: Annotated[
        str | None, Query(description="Kemendagri code of a kelurahan, kecamatan or kota")
    ] = None,
    unit: str | None = None,
    assignee: uuid.UUID | None = None,
    sla_state: Annotated[str | None, Query(pattern="^(on_track|at_risk|breached)$")] = None,
    unassigned: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: str | None = None,
) -> Response:
    filters = ComplaintFilters(
        status=status,
        channel=channel,
        category=category,
        privacy=privacy,
        external_id=external_id,
        created_from=created_from,
        created_to=created_to,
        q=q,
        area=area,
        unit=unit,
        assignee=assignee,
        sla_state=sla_state,
        unassigned=unassigned,
    )
    # A measured hot path: PostgreSQL renders the page (repository.VIEW_JSON_SQL), answered as it
    # is; tests/complaints/test_listing.py holds it valid against ComplaintList.
    body = await service.list_complaints(conn, principal, filters, limit=limit, cursor=cursor)
    return Response(body, media_type="application/json")


@router.get(
    "/{complaint_id}",
    operation_id="getComplaint",
    summary="One complaint: staff see the reporter and full history, app/partner keys their own, public history",
    description=(
        "Staff (within their units) get the reporter (an anonymous reporter only for admins; each such read "
        "is audited) and every event; an `app` or `partner` key reads only complaints it submitted, with the "
        "public history and no reporter record. Any other id is 404, exactly like one that does not exist."
    ),
    response_model=ComplaintOut,
    responses=problems(401, 403, 404, 422, 503),
)
async def get_complaint(
    complaint_id: uuid.UUID, principal: AnyKey, conn: Conn, signer: SignerDep, response: Response
) -> dict[str, Any]:
    row = await service.visible_complaint(conn, complaint_id, principal)
    view = await service.full_view(conn, row, principal, signer)
    response.headers["ETag"] = f'"{row["version"]}"'
    return view


@router.post(
    "/{complaint_id}/transitions",
    operation_id="transitionComplaint",
    summary="Move a complaint to another status",
    description=(
        "The allowed moves are Jakarta CRM's lifecycle (see `allowed_transitions` on a complaint); any other "
        "move is 409 naming the allowed ones. `If-Match` with the complaint's `version` (its ETag) is "
        "required: 428 without it, 412 when it changed meanwhile. The app role may only reopen a resolved "
        "complaint it submitted (within 7 days)."
    ),
    response_model=ComplaintOut,
    responses=problems(400, 401, 403, 404, 409, 412, 415, 422, 428, 503),
)
async def transition(
    complaint_id: uuid.UUID,
    body: TransitionIn,
    principal: Submitter,
    db: DbDep,
    hooks: TransitionHooksDep,
    signer: SignerDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    expected = expected_version(if_match)
    async with db.transaction() as conn:
        row = await service.transition(
            conn,
            complaint_id,
            status=body.status,
            note=body.note,
            public=body.public,
            principal=principal,
            if_match=expected,
            duplicate_of=body.duplicate_of,
        )
        if hooks is not None:
            row = await hooks.after_transition(conn, row) or row
        view = await service.full_view(conn, row, principal, signer)
    response.headers["ETag"] = f'"{row["version"]}"'
    return view


@router.post(
    "/{complaint_id}/comments",
    operation_id="commentComplaint",
    summary="Add a comment (internal unless public=true)",
    status_code=201,
    response_model=EventOut,
    responses=problems(400, 401, 403, 404, 415, 422, 503),
)
async def comment(complaint_id: uuid.UUID, body: CommentIn, principal: Officer, db: DbDep) -> dict[str, Any]:
    async with db.transaction() as conn:
        return await service.add_comment(
            conn, complaint_id, note=body.note, public=body.public, principal=principal
        )
