"""``/v1/complaints``: canonical intake, reading, the lifecycle, comments."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from starlette.responses import Response

from app.auth import policy
from app.channels.base import AttachmentDraft, ComplaintDraft, LocationDraft, ReporterDraft
from app.complaints import service
from app.complaints.schemas import (
    CommentIn,
    ComplaintIn,
    ComplaintList,
    ComplaintOut,
    EventOut,
    PrivacyCode,
    StatusCode,
    TransitionIn,
)
from app.core.errors import Unprocessable, problems
from app.core.http import dumps, json_body_schema, json_response, read_json
from app.core.preconditions import IfMatch, expected_version
from app.core.security import AnyKey, Officer, Submitter

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])

MAX_LIMIT = 100


def draft_from_api(body: ComplaintIn) -> ComplaintDraft:
    rep = body.reporter
    return ComplaintDraft(
        channel=body.channel,
        external_id=body.external_id,
        title=body.title,
        description=body.description,
        category=body.category,
        attachments=[
            AttachmentDraft(url=a.url, media_type=a.media_type, size=a.size, caption=a.caption)
            for a in body.attachments
        ],
        language=body.language,
        metadata=body.metadata,
        location=(
            LocationDraft(
                body.location.lat, body.location.lon, body.location.accuracy_m, body.location.address
            )
            if body.location
            else None
        ),
        reporter=(
            ReporterDraft(
                name=rep.name, phone=rep.phone, email=rep.email, nik=rep.nik, handles=dict(rep.handles)
            )
            if rep
            else None
        ),
        privacy=body.privacy,
        received_at=body.received_at,
    )


def _created_response(view: dict, created: bool) -> Response:
    return json_response(
        view,
        201 if created else 200,
        headers={"Location": f"/v1/complaints/{view['id']}", "ETag": f'"{view["version"]}"'},
    )


@router.post(
    "",
    operation_id="createComplaint",
    summary="Submit a complaint in the canonical schema",
    description=(
        "Geo-tagged (`location`) or not. Honors `Idempotency-Key`: a retry with the same key and body "
        "returns the original answer and creates nothing; the same key with another body is 422. The same "
        "`(channel, external_id)` again from the same key returns the existing complaint with 200; from "
        "another key it is 409 and says nothing of that complaint. `channel`: an `app` key submits `jaki` "
        "(its default); staff submit the desk and media channels (default `pendopo`); platform channels "
        "come only through their signed endpoints (403 here). A point outside DKI Jakarta is accepted and "
        "flagged `outside_service_area`."
    ),
    status_code=201,
    response_model=ComplaintOut,
    responses={
        200: {
            "description": "Already known: the same (channel, external_id) was submitted before",
            "model": ComplaintOut,
        },
        **problems(400, 401, 403, 409, 413, 415, 422, 503),
    },
    openapi_extra=json_body_schema(ComplaintIn),
)
async def create_complaint(
    request: Request,
    principal: Submitter,
    idempotency_key: Annotated[
        str | None, Header(max_length=200, description="Makes a retried request safe: same key, same answer")
    ] = None,
) -> Response:
    raw = await request.body()
    body = await read_json(request, ComplaintIn, body=raw)
    if "channel" not in body.model_fields_set:
        body.channel = policy.DEFAULT_CHANNEL[principal.role]  # type: ignore[assignment]
    policy.check_channel(principal, body.channel)
    draft = draft_from_api(body)
    placer = request.app.state.placer
    db = request.app.state.db

    async def work(conn, placement) -> Response:  # type: ignore[no-untyped-def]
        if idempotency_key:
            digest = hashlib.sha256(raw).hexdigest()
            claimed = await conn.fetchval(
                "INSERT INTO idempotency_keys (principal, key, request_hash) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING RETURNING 1",
                principal.id,
                idempotency_key,
                digest,
            )
            if not claimed:
                prior = await conn.fetchrow(
                    "SELECT request_hash, status_code, response FROM idempotency_keys WHERE principal = $1 AND key = $2",
                    principal.id,
                    idempotency_key,
                )
                if prior["request_hash"] != digest:
                    raise Unprocessable(
                        "Idempotency-Key was already used with a different body",
                        errors=[{"field": "Idempotency-Key", "detail": "reused with another body"}],
                    )
                view = prior["response"]
                return json_response(
                    view,
                    prior["status_code"],
                    headers={
                        "Location": f"/v1/complaints/{view['id']}",
                        "ETag": f'"{view["version"]}"',
                        "Idempotent-Replayed": "true",
                    },
                )
        row, created = await service.intake(
            conn, draft, placer=placer, actor=principal.actor, created_by=principal.id, placement=placement
        )
        if not created and row["created_by"] != principal.id:
            # Someone else's complaint: say nothing of it (and keep the id from being squatted:
            # platform channels, whose ids could be planted ahead of a real delivery, are not
            # open to this endpoint at all).
            raise service.ExternalIdTaken(
                f"({draft.channel}, external_id) was already used by another key; choose another external_id"
            )
        view = service.complaint_view(row)
        if idempotency_key:
            await conn.execute(
                "UPDATE idempotency_keys SET status_code = $3, response = $4::jsonb WHERE principal = $1 AND key = $2",
                principal.id,
                idempotency_key,
                201 if created else 200,
                dumps(view).decode(),
            )
        return _created_response(view, created)

    # Without an idempotency record or a reporter to resolve, the insert is the only write:
    # it runs as its own transaction (no BEGIN/COMMIT round trips, the unit's lock released
    # with it).
    single = not idempotency_key and draft.reporter is None
    return await service.run_intake(db, placer, draft, work, single_statement=single)


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
