"""``PATCH /v1/reporters/{id}``: an officer corrects a reporter's record, audited.

Intake never rewrites a person (a submitter is not verified: see ``_REPORTER_CTES`` in
``service``); this is the one way a name, phone, email or NIK changes. It is staff only, for a
reporter of a complaint the officer may read (app.auth.policy), never an anonymous reporter below
admin, with ``If-Match`` (the reporter's ``version``), and it writes a ``reporter.update`` audit
entry with the old and new values.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from starlette.responses import Response

from app.auth import audit, policy
from app.complaints.schemas import check_contact
from app.complaints.service import ListFilter
from app.core.errors import Conflict, NotFound, Unprocessable, problems
from app.core.http import json_body_schema, json_response, read_json
from app.core.preconditions import IfMatch, check_version, expected_version
from app.core.security import Officer

router = APIRouter(prefix="/v1/reporters", tags=["reporters"])


class ReporterNotFound(NotFound):
    slug, title = "reporter-not-found", "Reporter not found"


class ReporterPatch(BaseModel):
    """Fields to correct; `null` clears one. `reason` is kept in the audit log."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"name": "Budi Santoso", "reason": "nama salah ketik di loket, dikonfirmasi via telepon"}
            ]
        },
    )
    name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    nik: str | None = Field(default=None, pattern=r"^\d{16}$")
    reason: str = Field(min_length=3, max_length=500, description="Why: kept in the audit log")

    @field_validator("phone", "email", "nik")
    @classmethod
    def _contact(cls, v: str | None, info: ValidationInfo) -> str | None:
        return check_contact(info.field_name or "", v)


class ReporterOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "a1d4c7e2-5b8f-4a3c-9e6d-0f2b7c4e8a15",
                    "name": "Budi Santoso",
                    "phone": "+6281211110000",
                    "email": None,
                    "nik": None,
                    "version": 2,
                }
            ]
        }
    )
    id: uuid.UUID
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    nik: str | None = None
    version: int


async def _readable_reporter(
    conn: asyncpg.Connection, reporter_id: uuid.UUID, principal: Any
) -> asyncpg.Record:
    """The reporter, when the caller may read one of their complaints and see who reported it."""
    flt = ListFilter()
    flt.add("c.reporter_id = {}", reporter_id)
    policy.read_clause(principal, flt.add)
    if principal.role != "admin":
        flt.clauses.append("c.privacy <> 'anonymous'")
    visible = await conn.fetchval(
        f"SELECT 1 FROM complaints c WHERE {' AND '.join(flt.clauses)} LIMIT 1", *flt.params
    )
    row = await conn.fetchrow(
        "SELECT id, name, phone, email, nik, version FROM reporters WHERE id = $1 FOR UPDATE", reporter_id
    )
    if row is None or (not visible and principal.role != "admin"):
        raise ReporterNotFound(f"no reporter {reporter_id}")
    return row


@router.patch(
    "/{reporter_id}",
    operation_id="updateReporter",
    summary="Correct a reporter's name, phone, email or NIK (staff, audited; If-Match required)",
    description=(
        "Intake never rewrites a person; officers correct one here. Staff may correct the reporter of a "
        "complaint they may read (an anonymous reporter: admins only). `If-Match` with the reporter's "
        "`version` is required (428 without, 412 stale). A phone or email another reporter already has is "
        "409. The old and new values and the `reason` go to the audit log."
    ),
    response_model=ReporterOut,
    responses=problems(400, 401, 403, 404, 409, 412, 415, 422, 428, 503),
    openapi_extra=json_body_schema(ReporterPatch),
)
async def update_reporter(
    request: Request, reporter_id: uuid.UUID, principal: Officer, if_match: IfMatch = None
) -> Response:
    body = await read_json(request, ReporterPatch)
    expected = expected_version(if_match)
    fields = {k: v for k, v in body.model_dump(exclude_unset=True).items() if k != "reason"}
    if not fields:
        raise Unprocessable(
            "name those fields to correct", errors=[{"field": "body", "detail": "nothing to change"}]
        )
    async with request.app.state.db.transaction() as conn:
        current = await _readable_reporter(conn, reporter_id, principal)
        check_version(expected, current["version"])
        for kind in ("phone", "email", "nik"):
            if kind not in fields or fields[kind] == current[kind]:
                continue
            if current[kind] is not None:
                await conn.execute(
                    "DELETE FROM reporter_identities WHERE kind = $1 AND value = $2 AND reporter_id = $3",
                    kind,
                    current[kind],
                    reporter_id,
                )
            if fields[kind] is not None:
                claimed = await conn.fetchval(
                    "INSERT INTO reporter_identities (kind, value, reporter_id) VALUES ($1, $2, $3) "
                    "ON CONFLICT (kind, value) DO NOTHING RETURNING 1",
                    kind,
                    fields[kind],
                    reporter_id,
                )
                if not claimed:
                    raise Conflict(f"{kind}: another reporter has it; merge them instead of copying it")
        sets = ", ".join(f"{k} = ${i + 2}" for i, k in enumerate(fields))
        row = await conn.fetchrow(
            f"UPDATE reporters SET {sets}, version = version + 1, updated_at = now() WHERE id = $1 "
            "RETURNING id, name, phone, email, nik, version",
            reporter_id,
            *fields.values(),
        )
        await audit.record(
            conn,
            principal,
            "reporter.update",
            target_type="reporter",
            target_id=reporter_id,
            data={
                "reason": body.reason,
                "old": {k: current[k] for k in fields},
                "new": fields,
            },
        )
    return json_response(dict(row), headers={"ETag": f'"{row["version"]}"'})
