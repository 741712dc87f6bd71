"""``/v1/complaints``: reading, the lifecycle, comments (the intake, ``POST /v1/complaints``, is
app.intake.router's)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from app.complaints import export, service
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
from app.core.errors import Unprocessable, problems
from app.core.preconditions import IfMatch, expected_version
from app.core.routes import JsonRoute
from app.core.security import AnyKey, Officer, Submitter

router = APIRouter(prefix="/v1/complaints", tags=["complaints"], route_class=JsonRoute)

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
# Longer than anyone types into a search box; longer is 422 (NUL anywhere in a URL is 422 too,
# app.core.http.NulGuardMiddleware).
MAX_Q = 200


@router.get(
    "",
    operation_id="listComplaints",
    summary="List, search or export complaints (staff: their units; app, partner: their own)",
    description=(
        "Filters combine with AND; repeat `status`, `channel` or `category` for several values. Pages are "
        "ordered by `(created_at, id)` descending and a cursor continues strictly after the last row, so "
        "complaints arriving while you page appear only at the head, never twice or shifted. Each key sees "
        "what app.auth.policy lets it read: staff their unit and the units below it (secret complaints only "
        "for the unit handling them and its supervisors), `app` and `partner` keys what they submitted.\n\n"
        "**Search** (`q`): full-text search of title, description and address in PostgreSQL's `indonesian` "
        "configuration, so word forms meet (`diperbaiki` finds `perbaikan`). Write it as in a search box: "
        '`"jalan rusak"` for a phrase, `banjir OR genangan`, `-sampah` to leave a word out. With `q` the '
        "best match comes first (then the newest), and the cursor carries the rank. A `q` with no word in it "
        "(only punctuation or emoji) matches nothing.\n\n"
        "**Export** (`Accept: text/csv`, staff keys only; `app` and `partner` keys get 403): the same "
        "query (filters, `q`, what the key may read, same order) as a CSV file, streamed: columns "
        f"`{', '.join(export.COLUMNS)}`; no reporter data; the text of anonymous complaints PII-masked "
        "below admin; cells that a spreadsheet would run as a formula start with `'`. Without `limit` it "
        f"holds every matching row, and more than {export.EXPORT_MAX_ROWS:,} is 422 `export-too-large` "
        f"(narrow the filters or give `limit`, at most {export.EXPORT_MAX_ROWS:,}). Every export is audited "
        "(`complaints.export`)."
    ),
    response_model=ComplaintList,
    responses={
        200: {
            "description": "A page of complaints (JSON), or with `Accept: text/csv` the export",
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": export.CSV_EXAMPLE},
            },
            "headers": {
                "Content-Disposition": {
                    "description": 'With text/csv: `attachment; filename="aduan-complaints-<UTC time>.csv"`',
                    "schema": {"type": "string"},
                }
            },
        },
        **problems(401, 403, 422, 503),
    },
)
async def list_complaints(
    request: Request,
    principal: AnyKey,
    conn: Conn,
    db: DbDep,
    status: Annotated[list[StatusCode] | None, Query()] = None,
    channel: Annotated[list[str] | None, Query()] = None,
    category: Annotated[list[str] | None, Query()] = None,
    privacy: PrivacyCode | None = None,
    external_id: Annotated[str | None, Query(max_length=500, description="the source's own id")] = None,
    created_from: Annotated[datetime | None, Query(description="created_at >= this")] = None,
    created_to: Annotated[datetime | None, Query(description="created_at < this")] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=2,
            max_length=MAX_Q,
            description=(
                "full-text search of title, description and address (Indonesian stemming; "
                '`"phrase"`, `OR`, `-word`); best match first'
            ),
        ),
    ] = None,
    area: Annotated[
        str | None, Query(description="Kemendagri code of a kelurahan, kecamatan or kota")
    ] = None,
    unit: str | None = None,
    assignee: uuid.UUID | None = None,
    sla_state: Annotated[str | None, Query(pattern="^(on_track|at_risk|breached)$")] = None,
    unassigned: bool | None = None,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=export.EXPORT_MAX_ROWS,
            description=(
                f"page size, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}); with `Accept: text/csv` the most "
                f"rows to export, 1 to {export.EXPORT_MAX_ROWS} (default: every matching row)"
            ),
        ),
    ] = None,
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
    if export.wants_csv(request.headers.get("accept")):
        # The audit record is written (and committed) here, before the first byte; the rows are
        # read on a connection of the stream's own once this handler has returned its own.
        flt, rows = await service.prepare_export(conn, principal, filters, limit=limit, cursor=cursor)
        return StreamingResponse(
            export.stream_csv(db, flt, principal, limit=rows, cursor=cursor),
            media_type=export.CSV_MEDIA_TYPE,
            headers={
                "Content-Disposition": f'attachment; filename="{export.filename()}"',
                "Cache-Control": "no-store",
            },
        )
    if limit is not None and limit > MAX_LIMIT:
        raise Unprocessable(
            f"limit: at most {MAX_LIMIT} a page (up to {export.EXPORT_MAX_ROWS} with Accept: text/csv)",
            errors=[{"field": "query.limit", "detail": f"Input should be less than or equal to {MAX_LIMIT}",
                     "type": "less_than_equal"}],
        )  # fmt: skip
    # A measured hot path: PostgreSQL renders the page (repository.VIEW_JSON_SQL), answered as it
    # is; tests/complaints/test_listing.py holds it valid against ComplaintList.
    body = await service.list_complaints(
        conn, principal, filters, limit=limit or DEFAULT_LIMIT, cursor=cursor
    )
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
