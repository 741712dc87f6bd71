"""``POST /v1/complaints``: the API is a channel too. The canonical body becomes a draft and goes
through the same pipeline (``app.intake.pipeline``) as every channel's delivery."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, cast

import asyncpg
from fastapi import APIRouter, Header, Request
from starlette.responses import Response

from app.auth import policy
from app.complaints import service
from app.complaints.schemas import ChannelCode, ComplaintIn, ComplaintOut
from app.core.deps import DbDep
from app.core.errors import Unprocessable, problems
from app.core.http import dumps, json_response
from app.core.routes import JsonRoute
from app.core.security import Submitter
from app.intake import pipeline, repository
from app.intake.deps import PlacerDep
from app.intake.drafts import AttachmentDraft, ComplaintDraft, LocationDraft, ReporterDraft
from app.intake.placement import Placement

router = APIRouter(prefix="/v1/complaints", tags=["complaints"], route_class=JsonRoute)


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


def _created_response(view: dict[str, Any], status_code: int, *, replayed: bool = False) -> Response:
    """The answer of a create: ``ComplaintOut`` (as ``service.complaint_view`` builds it, or as an
    idempotency record stored it), with ``Location`` and ``ETag``.

    Rendered here rather than through FastAPI's ``response_model``: this is the measured hot path
    of every submission (bench/README.md), and the view is already the model's shape, so a second
    validation and serialisation of each answer would buy nothing.
    tests/intake/test_intake.py validates the answers against ``ComplaintOut``."""
    headers = {"Location": f"/v1/complaints/{view['id']}", "ETag": f'"{view["version"]}"'}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(view, status_code, headers=headers)


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
)
async def create_complaint(
    request: Request,
    body: ComplaintIn,
    principal: Submitter,
    placer: PlacerDep,
    db: DbDep,
    idempotency_key: Annotated[
        str | None, Header(max_length=200, description="Makes a retried request safe: same key, same answer")
    ] = None,
) -> Response:
    if "channel" not in body.model_fields_set:
        body.channel = cast(ChannelCode, policy.DEFAULT_CHANNEL[principal.role])
    policy.check_channel(principal, body.channel)
    draft = draft_from_api(body)
    # The body as it came (Starlette keeps it once read): an idempotency key answers again only
    # for the same bytes.
    digest = hashlib.sha256(await request.body()).hexdigest() if idempotency_key else ""

    async def work(conn: asyncpg.Connection, placement: Placement | None) -> Response:
        if idempotency_key:
            if not await repository.claim_idempotency_key(conn, principal.id, idempotency_key, digest):
                prior = await repository.idempotent_answer(conn, principal.id, idempotency_key)
                if prior is None or prior["request_hash"] != digest:
                    raise Unprocessable(
                        "Idempotency-Key was already used with a different body",
                        errors=[{"field": "Idempotency-Key", "detail": "reused with another body"}],
                    )
                return _created_response(prior["response"], prior["status_code"], replayed=True)
        row, created = await pipeline.intake(
            conn, draft, placer=placer, actor=principal.actor, created_by=principal.id, placement=placement
        )
        if not created and row["created_by"] != principal.id:
            # Someone else's complaint: say nothing of it (and keep the id from being squatted:
            # platform channels, whose ids could be planted ahead of a real delivery, are not
            # open to this endpoint at all).
            raise pipeline.ExternalIdTaken(
                f"({draft.channel}, external_id) was already used by another key; choose another external_id"
            )
        view = service.complaint_view(row)
        status_code = 201 if created else 200
        if idempotency_key:
            await repository.store_idempotent_answer(
                conn, principal.id, idempotency_key, status_code, dumps(view).decode()
            )
        return _created_response(view, status_code)

    # Without an idempotency record or a reporter to resolve, the insert is the only write:
    # it runs as its own transaction (no BEGIN/COMMIT round trips, the unit's lock released
    # with it).
    single = not idempotency_key and draft.reporter is None
    return await pipeline.run_intake(db, placer, draft, work, single_statement=single)
