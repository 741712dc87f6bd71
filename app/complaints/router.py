"""``/v1/complaints``: canonical intake, reading, the lifecycle, comments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.auth import policy
from app.complaints import service
from app.complaints.schemas import (
    CommentIn,
    ComplaintList,
    ComplaintOut,
    EventOut,
    PrivacyCode,
    StatusCode,
    TransitionIn,
)
from app.core.errors import Unprocessable, problems
from app.core.http import json_body_schema, json_response, read_json
from app.core.preconditions import IfMatch, expected_version
from app.core.security import AnyKey, Officer, Submitter

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])

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
    request: Request,
    principal: AnyKey,
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
    flt = service.ListFilter()
    flt.any_of("c.status", status)
    flt.any_of("c.channel", channel)
    flt.any_of("c.category", category)
    if privacy:
        flt.add("c.privacy = {}", privacy)
    if external_id:
        flt.add("c.external_id = {}", external_id)
    for value, name in ((created_from, "created_from"), (created_to, "created_to")):
        if value is not None and value.tzinfo is None:
            raise Unprocessable(
                f"{name}: give a UTC offset", errors=[{"field": name, "detail": "naive datetime"}]
            )
        if value is not None and not 1900 <= value.year <= 9000:
            raise Unprocessable(
                f"{name}: a date between the years 1900 and 9000",
                errors=[{"field": name, "detail": "out of range"}],
            )
    if created_from:
        flt.add("c.created_at >= {}", created_from)
    if created_to:
        flt.add("c.created_at < {}", created_to)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        flt.add("(c.description ILIKE {} OR c.title ILIKE {})", pattern, pattern)
    if area:
        level = {2: "c.kota_code", 3: "c.kecamatan_code"}.get(area.count(".") + 1, "c.kelurahan_code")
        flt.add(f"{level} = {{}}", area)
    if unit:
        flt.add("c.unit_code = {}", unit)
    if assignee:
        flt.add("c.assignee_id = {}", assignee)
    if sla_state:
        flt.add("c.sla_state = {}", sla_state)
    if unassigned is True:
        flt.clauses.append("c.assignee_id IS NULL")
    elif unassigned is False:
        flt.clauses.append("c.assignee_id IS NOT NULL")
    policy.read_clause(principal, flt.add)
    async with request.app.state.db.raw() as conn:
        body = await service.list_complaints_json(conn, flt, limit=limit, cursor=cursor)
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
async def get_complaint(request: Request, complaint_id: uuid.UUID, principal: AnyKey) -> Response:
    async with request.app.state.db.raw() as conn:
        row = await service.visible_complaint(conn, complaint_id, principal)
        view = await service.full_view(conn, row, principal, request.app.state.media_signer)
    return json_response(view, headers={"ETag": f'"{row["version"]}"'})


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
    openapi_extra=json_body_schema(TransitionIn),
)
async def transition(
    request: Request,
    complaint_id: uuid.UUID,
    principal: Submitter,
    if_match: IfMatch = None,
) -> Response:
    body = await read_json(request, TransitionIn)
    expected = expected_version(if_match)
    async with request.app.state.db.transaction() as conn:
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
        hooks = request.app.state.placer
        if hooks:
            row = await hooks.after_transition(conn, row) or row
        view = await service.full_view(conn, row, principal, request.app.state.media_signer)
    return json_response(view, headers={"ETag": f'"{row["version"]}"'})


@router.post(
    "/{complaint_id}/comments",
    operation_id="commentComplaint",
    summary="Add a comment (internal unless public=true)",
    status_code=201,
    response_model=EventOut,
    responses=problems(400, 401, 403, 404, 415, 422, 503),
    openapi_extra=json_body_schema(CommentIn),
)
async def comment(request: Request, complaint_id: uuid.UUID, principal: Officer) -> Response:
    body = await read_json(request, CommentIn)
    async with request.app.state.db.transaction() as conn:
        event = await service.add_comment(
            conn, complaint_id, note=body.note, public=body.public, principal=principal
        )
    return json_response(event, 201)
