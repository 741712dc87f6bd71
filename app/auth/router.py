"""API keys (create, list, revoke, rotate) and the audit log.

Who may: an admin manages every key; a supervisor makes and revokes officer, app and partner
keys of their unit and the units below it, and lists the keys of those units (app.auth.policy).
The key itself is in the answer of its creation once and never again. The rules of each change
are in ``app.auth.keys``, the statements in ``app.auth.repository``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from fastapi.openapi.models import Example

from app.auth import keys, repository
from app.auth.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyList,
    ApiKeyOut,
    AuditEntryOut,
    AuditList,
    KeyRole,
    RotateIn,
)
from app.core import pagination
from app.core.deps import Conn, DbDep
from app.core.errors import Unprocessable, problems
from app.core.routes import JsonRoute
from app.core.security import Admin, Supervisor

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"], route_class=JsonRoute)
audit_router = APIRouter(prefix="/v1/audit", tags=["audit"], route_class=JsonRoute)

# The body of a rotation is optional (none: the old key stops now).
ROTATE_EXAMPLES: dict[str, Example] = {
    "grace": {"summary": "The old key keeps working for an hour", "value": {"grace_seconds": 3600}},
    "now": {"summary": "The old key stops now (as with no body)", "value": {"grace_seconds": 0}},
}


@router.post(
    "",
    operation_id="createApiKey",
    summary="Create an API key (admin; supervisor for their unit); the key is in the answer once",
    description=(
        "An admin makes keys of every role. A supervisor makes `officer`, `app` and `partner` keys for their "
        "own unit or a unit below it (`unit`, default their own); anything else is 403. `officer_id` binds "
        "the key to an officer: it then works for the officer's current unit and role, and stops when the "
        "officer is deactivated. `expires_at`: after it the key answers 401."
    ),
    status_code=201,
    responses=problems(400, 401, 403, 415, 422, 503),
)
async def create_api_key(
    body: ApiKeyIn, principal: Supervisor, db: DbDep, response: Response
) -> ApiKeyCreated:
    out = await keys.make(db, principal, body)
    response.headers["Location"] = f"/v1/api-keys/{out['id']}"
    return ApiKeyCreated.model_validate(out)


@router.get(
    "",
    operation_id="listApiKeys",
    summary="List API keys (admin: every key; supervisor: the keys of their unit and those below)",
    description="Never the key nor its hash: `prefix` (the first 12 characters) identifies it. Newest first.",
    responses=problems(401, 403, 422, 503),
)
async def list_api_keys(
    principal: Supervisor,
    conn: Conn,
    role: KeyRole | None = None,
    unit: Annotated[str | None, Query(max_length=60)] = None,
    revoked: Annotated[
        bool | None, Query(description="true: only revoked keys; false: only live ones")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ApiKeyList:
    before = pagination.decode_time_id(cursor) if cursor else None
    rows = await repository.list_keys(
        conn, principal, role=role, unit=unit, revoked=revoked, before=before, limit=limit + 1
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode_time_id(rows[-1]["created_at"], rows[-1]["id"])
    return ApiKeyList(items=[ApiKeyOut.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)


@router.get(
    "/{key_id}",
    operation_id="getApiKey",
    summary="One API key (admin; supervisor for their units), never the key itself",
    responses=problems(401, 403, 404, 422, 503),
)
async def get_api_key(key_id: uuid.UUID, principal: Supervisor, conn: Conn) -> ApiKeyOut:
    return ApiKeyOut.model_validate(await keys.visible_key(conn, principal, key_id))


@router.delete(
    "/{key_id}",
    operation_id="revokeApiKey",
    summary="Revoke an API key: it answers 401 within a second on every process (admin; supervisor)",
    description="Revoking a revoked key changes nothing and answers 204 again.",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404, 422, 503),
)
async def revoke_api_key(key_id: uuid.UUID, principal: Supervisor, db: DbDep) -> None:
    await keys.revoke(db, principal, key_id)


@router.post(
    "/{key_id}/rotate",
    operation_id="rotateApiKey",
    summary="Rotate an API key: a new key with the same name, role and unit; the old one stops",
    description=(
        "The old key keeps working for `grace_seconds` (default 0: it stops now), so a deployment can switch "
        "without downtime. The new key is in the answer once; `rotated_from` names the old one."
    ),
    status_code=201,
    responses=problems(400, 401, 403, 404, 409, 415, 422, 503),
)
async def rotate_api_key(
    key_id: uuid.UUID,
    principal: Supervisor,
    db: DbDep,
    response: Response,
    body: Annotated[RotateIn | None, Body(openapi_examples=ROTATE_EXAMPLES)] = None,
) -> ApiKeyCreated:
    grace_seconds = body.grace_seconds if body is not None else 0
    out = await keys.rotate(db, principal, key_id, grace_seconds)
    response.headers["Location"] = f"/v1/api-keys/{out['id']}"
    return ApiKeyCreated.model_validate(out)


# --------------------------------------------------------------------------- audit log


@audit_router.get(
    "",
    operation_id="listAudit",
    summary="The append-only audit log of officer and admin actions, newest first (admin)",
    description=(
        "Every status change, assignment, EWS, comment, read of a reporter's personal data, export, and "
        "change of keys, units, officers and keywords, with who did it and when. Entries cannot be changed "
        "or deleted. Filters combine with AND: `actor` (a key id, or the actor name as in a complaint's "
        "history), `complaint_id`, `action`, `since`."
    ),
    responses=problems(401, 403, 422, 503),
)
async def list_audit(
    principal: Admin,
    conn: Conn,
    actor: Annotated[str | None, Query(max_length=300, description="key id or actor name")] = None,
    complaint_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    since: Annotated[
        datetime | None, Query(description="entries at or after this time (with offset)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> AuditList:
    if since is not None and since.tzinfo is None:
        raise Unprocessable(
            "since: give a UTC offset", errors=[{"field": "since", "detail": "naive datetime"}]
        )
    rows = await repository.list_audit(
        conn,
        actor=actor,
        complaint_id=complaint_id,
        action=action,
        since=since,
        before_id=pagination.decode_int(cursor) if cursor else None,
        limit=limit + 1,
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode_int(rows[-1]["id"])
    return AuditList(items=[AuditEntryOut.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)
