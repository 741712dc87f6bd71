"""API keys (create, list, revoke, rotate) and the audit log.

Who may: an admin manages every key; a supervisor makes and revokes officer, app and partner
keys of their unit and the units below it, and lists the keys of those units (app.auth.policy).
The key itself is in the answer of its creation once and never again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.auth import audit, policy
from app.auth.schemas import ApiKeyCreated, ApiKeyIn, ApiKeyList, ApiKeyOut, AuditList, KeyRole, RotateIn
from app.complaints.service import ListFilter, decode_cursor, encode_cursor
from app.core import pagination, security
from app.core.errors import NotFound, Unprocessable, problems
from app.core.http import json_body_schema, json_response, read_json
from app.core.security import Admin, Principal, Supervisor, hash_key, new_key

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])
audit_router = APIRouter(prefix="/v1/audit", tags=["audit"])

KEY_COLUMNS = (
    "k.id, k.name, k.role, k.prefix, COALESCE(o.unit_code, k.unit_code) AS unit, k.officer_id, k.created_at, "
    "k.created_by, k.last_used_at, k.expires_at, k.revoked_at, k.rotated_from"
)
KEY_FROM = "api_keys k LEFT JOIN officers o ON o.id = k.officer_id"


class KeyNotFound(NotFound):
    slug, title = "api-key-not-found", "API key not found"


async def create_key(
    conn: asyncpg.Connection,
    *,
    name: str,
    role: str,
    officer_id: uuid.UUID | None = None,
    unit_code: str | None = None,
    created_by: str | None = None,
    expires_at: datetime | None = None,
    rotated_from: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Insert a key; the answer holds the key in clear, once."""
    key = new_key()
    try:
        row = await conn.fetchrow(
            "INSERT INTO api_keys (name, role, key_hash, prefix, officer_id, unit_code, created_by, expires_at, "
            "rotated_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            name,
            role,
            hash_key(key),
            key[:12],
            officer_id,
            unit_code,
            created_by,
            expires_at,
            rotated_from,
        )
    except asyncpg.ForeignKeyViolationError:
        raise Unprocessable(
            f"unit: no unit {unit_code!r} (GET /v1/units)",
            errors=[{"field": "unit", "detail": "unknown unit"}],
        ) from None
    view = await _key_view(conn, row["id"])
    return {**view, "key": key}


async def _key_view(conn: asyncpg.Connection, key_id: uuid.UUID) -> dict[str, Any]:
    row = await conn.fetchrow(f"SELECT {KEY_COLUMNS} FROM {KEY_FROM} WHERE k.id = $1", key_id)
    if row is None:
        raise KeyNotFound(f"no API key {key_id}")
    return dict(row)


async def _visible_key(conn: asyncpg.Connection, principal: Principal, key_id: uuid.UUID) -> dict[str, Any]:
    flt = ListFilter()
    flt.add("k.id = {}", key_id)
    policy.key_clause(principal, flt.add)
    row = await conn.fetchrow(
        f"SELECT {KEY_COLUMNS} FROM {KEY_FROM} WHERE {' AND '.join(flt.clauses)}", *flt.params
    )
    if row is None:
        raise KeyNotFound(f"no API key {key_id}")
    return dict(row)


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
    response_model=ApiKeyCreated,
    responses=problems(400, 401, 403, 415, 422, 503),
    openapi_extra=json_body_schema(ApiKeyIn),
)
async def create_api_key(request: Request, principal: Supervisor) -> Response:
    body = await read_json(request, ApiKeyIn)
    unit = body.unit
    async with request.app.state.db.transaction() as conn:
        if body.officer_id is not None:
            officer = await conn.fetchrow(
                "SELECT unit_code, role FROM officers WHERE id = $1", body.officer_id
            )
            if officer is None:
                raise Unprocessable(
                    f"officer_id: no officer {body.officer_id}",
                    errors=[{"field": "officer_id", "detail": "unknown officer"}],
                )
            if body.role != officer["role"]:
                raise Unprocessable(
                    f"role: the officer's role is {officer['role']!r}; a key bound to them has that role",
                    errors=[{"field": "role", "detail": "must match the officer's role"}],
                )
            if unit is not None and unit != officer["unit_code"]:
                raise Unprocessable(
                    "unit: a key bound to an officer works for the officer's unit",
                    errors=[{"field": "unit", "detail": "differs from the officer's unit"}],
                )
            unit = officer["unit_code"]
        elif unit is None and principal.role == "supervisor":
            unit = principal.unit
        policy.check_make_key(principal, role=body.role, unit_code=unit)
        out = await create_key(
            conn,
            name=body.name,
            role=body.role,
            officer_id=body.officer_id,
            unit_code=None if body.officer_id else unit,
            created_by=principal.id,
            expires_at=body.expires_at,
        )
        await audit.record(
            conn,
            principal,
            "api_key.create",
            target_type="api_key",
            target_id=out["id"],
            data={"name": body.name, "role": body.role, "unit": unit, "officer_id": body.officer_id},
        )
    return json_response(out, 201, headers={"Location": f"/v1/api-keys/{out['id']}"})


@router.get(
    "",
    operation_id="listApiKeys",
    summary="List API keys (admin: every key; supervisor: the keys of their unit and those below)",
    description="Never the key nor its hash: `prefix` (the first 12 characters) identifies it. Newest first.",
    response_model=ApiKeyList,
    responses=problems(401, 403, 422, 503),
)
async def list_api_keys(
    request: Request,
    principal: Supervisor,
    role: KeyRole | None = None,
    unit: Annotated[str | None, Query(max_length=60)] = None,
    revoked: Annotated[
        bool | None, Query(description="true: only revoked keys; false: only live ones")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    flt = ListFilter()
    policy.key_clause(principal, flt.add)
    if role:
        flt.add("k.role = {}", role)
    if unit:
        flt.add("COALESCE(o.unit_code, k.unit_code) = {}", unit)
    if revoked is True:
        flt.clauses.append("k.revoked_at IS NOT NULL")
    elif revoked is False:
        flt.clauses.append("k.revoked_at IS NULL")
    if cursor:
        ts, kid = decode_cursor(cursor)
        flt.add("(k.created_at, k.id) < ({}, {})", ts, kid)
    where = (" WHERE " + " AND ".join(flt.clauses)) if flt.clauses else ""
    flt.params.append(limit + 1)
    async with request.app.state.db.raw() as conn:
        rows = await conn.fetch(
            f"SELECT {KEY_COLUMNS} FROM {KEY_FROM}{where} ORDER BY k.created_at DESC, k.id DESC "
            f"LIMIT ${len(flt.params)}",
            *flt.params,
        )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1]["created_at"], rows[-1]["id"])
    return json_response({"items": [dict(r) for r in rows], "next_cursor": next_cursor})


@router.get(
    "/{key_id}",
    operation_id="getApiKey",
    summary="One API key (admin; supervisor for their units), never the key itself",
    response_model=ApiKeyOut,
    responses=problems(401, 403, 404, 422, 503),
)
async def get_api_key(request: Request, key_id: uuid.UUID, principal: Supervisor) -> Response:
    async with request.app.state.db.raw() as conn:
        return json_response(await _visible_key(conn, principal, key_id))


@router.delete(
    "/{key_id}",
    operation_id="revokeApiKey",
    summary="Revoke an API key: it answers 401 within a second on every process (admin; supervisor)",
    description="Revoking a revoked key changes nothing and answers 204 again.",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404, 422, 503),
)
async def revoke_api_key(request: Request, key_id: uuid.UUID, principal: Supervisor) -> Response:
    async with request.app.state.db.transaction() as conn:
        key = await _visible_key(conn, principal, key_id)
        policy.check_revoke_key(principal, key)
        done = await conn.fetchval(
            "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id", key_id
        )
        if done is not None:
            await audit.record(
                conn,
                principal,
                "api_key.revoke",
                target_type="api_key",
                target_id=key_id,
                data={"name": key["name"], "role": key["role"]},
            )
    security.forget(str(key_id))
    return Response(status_code=204)


@router.post(
    "/{key_id}/rotate",
    operation_id="rotateApiKey",
    summary="Rotate an API key: a new key with the same name, role and unit; the old one stops",
    description=(
        "The old key keeps working for `grace_seconds` (default 0: it stops now), so a deployment can switch "
        "without downtime. The new key is in the answer once; `rotated_from` names the old one."
    ),
    status_code=201,
    response_model=ApiKeyCreated,
    responses=problems(400, 401, 403, 404, 409, 415, 422, 503),
    openapi_extra=json_body_schema(RotateIn, required=False),
)
async def rotate_api_key(request: Request, key_id: uuid.UUID, principal: Supervisor) -> Response:
    raw = await request.body()
    body = await read_json(request, RotateIn, body=raw) if raw.strip() else RotateIn()
    async with request.app.state.db.transaction() as conn:
        key = await _visible_key(conn, principal, key_id)
        policy.check_revoke_key(principal, key)
        current = await conn.fetchrow(
            "SELECT name, role, officer_id, unit_code, expires_at FROM api_keys WHERE id = $1 "
            "AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) FOR UPDATE",
            key_id,
        )
        if current is None:
            from app.core.errors import Conflict

            raise Conflict("the key is revoked or expired: make a new one instead")
        out = await create_key(
            conn,
            name=current["name"],
            role=current["role"],
            officer_id=current["officer_id"],
            unit_code=current["unit_code"],
            created_by=principal.id,
            expires_at=current["expires_at"],
            rotated_from=key_id,
        )
        if body.grace_seconds:
            until = datetime.now(UTC) + timedelta(seconds=body.grace_seconds)
            await conn.execute(
                "UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, $2), $2) WHERE id = $1",
                key_id,
                until,
            )
        else:
            await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = $1", key_id)
        await audit.record(
            conn,
            principal,
            "api_key.rotate",
            target_type="api_key",
            target_id=key_id,
            data={"new_key_id": str(out["id"]), "grace_seconds": body.grace_seconds},
        )
    security.forget(str(key_id))
    return json_response(out, 201, headers={"Location": f"/v1/api-keys/{out['id']}"})


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
    response_model=AuditList,
    responses=problems(401, 403, 422, 503),
)
async def list_audit(
    request: Request,
    principal: Admin,
    actor: Annotated[str | None, Query(max_length=300, description="key id or actor name")] = None,
    complaint_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    since: Annotated[
        datetime | None, Query(description="entries at or after this time (with offset)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    flt = ListFilter()
    if actor:
        flt.add("(actor_key_id = {} OR actor = {})", actor, actor)
    if complaint_id:
        flt.add("complaint_id = {}", complaint_id)
    if action:
        flt.add("action = {}", action)
    if since is not None:
        if since.tzinfo is None:
            raise Unprocessable(
                "since: give a UTC offset", errors=[{"field": "since", "detail": "naive datetime"}]
            )
        flt.add("at >= {}", since)
    if cursor:
        flt.add("id < {}", pagination.decode_int(cursor))
    where = (" WHERE " + " AND ".join(flt.clauses)) if flt.clauses else ""
    flt.params.append(limit + 1)
    async with request.app.state.db.raw() as conn:
        rows = await conn.fetch(
            "SELECT id, at, actor, actor_key_id, actor_role, action, complaint_id, target_type, target_id, data "
            f"FROM audit_log{where} ORDER BY id DESC LIMIT ${len(flt.params)}",
            *flt.params,
        )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode_int(rows[-1]["id"])
    return json_response({"items": [dict(r) for r in rows], "next_cursor": next_cursor})
