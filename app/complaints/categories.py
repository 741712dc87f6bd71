"""``GET /v1/categories``: the public service catalogue."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.complaints.schemas import CategoryList
from app.core.errors import problems
from app.core.http import json_response

router = APIRouter(prefix="/v1/categories", tags=["categories"])


async def load_categories(conn) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = await conn.fetch(
        "SELECT code, name, name_en, agency, sla_hours, response_hours FROM categories WHERE active ORDER BY code"
    )
    return [dict(r) for r in rows]


@router.get(
    "",
    operation_id="listCategories",
    summary="The service catalogue: codes, Indonesian names, owning agency, SLA hours (public)",
    response_model=CategoryList,
    responses=problems(503),
)
async def list_categories(request: Request) -> Response:
    async with request.app.state.db.raw() as conn:
        items = await load_categories(conn)
    return json_response({"items": items, "next_cursor": None})
