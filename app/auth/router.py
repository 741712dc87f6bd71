"""``POST /v1/api-keys``: admins create keys; the key is shown once."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.complaints.schemas import ApiKeyIn, ApiKeyOut
from app.core.errors import problems
from app.core.http import json_body_schema, json_response, read_json
from app.core.security import Admin, hash_key, new_key

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])


async def create_key(conn, *, name: str, role: str, officer_id=None) -> dict:  # type: ignore[no-untyped-def]
    key = new_key()
    row = await conn.fetchrow(
        "INSERT INTO api_keys (name, role, key_hash, prefix, officer_id) VALUES ($1, $2, $3, $4, $5) "
        "RETURNING id, name, role, prefix, created_at",
        name,
        role,
        hash_key(key),
        key[:12],
        officer_id,
    )
    return {**dict(row), "key": key}


@router.post(
    "",
    operation_id="createApiKey",
    summary="Create an API key (admin); the key is in the answer once and never again",
    status_code=201,
    response_model=ApiKeyOut,
    responses=problems(400, 401, 403, 415, 422, 503),
    openapi_extra=json_body_schema(ApiKeyIn),
)
async def create_api_key(request: Request, principal: Admin) -> Response:
    body = await read_json(request, ApiKeyIn)
    async with request.app.state.db.transaction() as conn:
        out = await create_key(conn, name=body.name, role=body.role, officer_id=body.officer_id)
    return json_response(out, 201)
