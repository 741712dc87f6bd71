"""Request and response shapes of API keys and the audit log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from app.core.schemas import Timestamp

KeyRole = Literal["admin", "supervisor", "officer", "app", "partner"]
UNIT_CODE_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,59}$"
MAX_KEY_LIFETIME = timedelta(days=3650)


_KEY_EXAMPLE: dict[str, Any] = {
    "id": "527d4f25-f0ca-42d4-8a79-e2e77b5ff5e0",
    "name": "jaki-app-prod",
    "role": "app",
    "prefix": "adn_Q3vT9kLm",
    "unit": None,
    "officer_id": None,
    "created_at": "2026-03-01T02:00:00+00:00",
    "created_by": "bootstrap-admin",
    "last_used_at": "2026-03-02T03:12:40+00:00",
    "expires_at": None,
    "revoked_at": None,
    "rotated_from": None,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ApiKeyIn(_Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"name": "jaki-app-prod", "role": "app"},
                {"name": "desk-cikini-2", "role": "officer", "unit": "kel-31.71.06.1003"},
                {"name": "dashboard-bappeda", "role": "partner", "expires_at": "2027-03-01T00:00:00+07:00"},
            ]
        },
    )
    name: str = Field(min_length=1, max_length=200)
    role: KeyRole
    unit: str | None = Field(
        default=None,
        validation_alias=AliasChoices("unit", "unit_code"),
        pattern=UNIT_CODE_PATTERN,
        description="The unit the key works for; a supervisor's keys must name their unit or one below it",
    )
    officer_id: uuid.UUID | None = Field(
        default=None, description="Bind the key to an officer: it follows the officer's unit and role"
    )
    expires_at: datetime | None = Field(default=None, description="After this the key answers 401")

    @field_validator("expires_at")
    @classmethod
    def _expiry(cls, v: datetime | None) -> datetime | None:
        if v is None:
            return None
        if v.tzinfo is None:
            raise ValueError("must carry a UTC offset")
        now = datetime.now(UTC)
        if v <= now:
            raise ValueError("must be in the future")
        if v > now + MAX_KEY_LIFETIME:
            raise ValueError("at most ten years ahead")
        return v


class RotateIn(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"grace_seconds": 3600}]})
    grace_seconds: int = Field(
        default=0,
        ge=0,
        le=7 * 24 * 3600,
        description="How long the old key keeps working (0: it stops now); at most 7 days",
    )


class ApiKeyOut(BaseModel):
    """A key as listed: never the key itself nor its hash."""

    model_config = ConfigDict(json_schema_extra={"examples": [_KEY_EXAMPLE]})
    id: uuid.UUID
    name: str
    role: str
    prefix: str
    unit: str | None = None
    officer_id: uuid.UUID | None = None
    created_at: Timestamp
    created_by: str | None = None
    last_used_at: Timestamp | None = None
    expires_at: Timestamp | None = None
    revoked_at: Timestamp | None = None
    rotated_from: uuid.UUID | None = None


class ApiKeyCreated(ApiKeyOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {**_KEY_EXAMPLE, "last_used_at": None, "key": "adn_Q3vT9kLmX2pR7wYc_4NbH8dJs1eKf6gUa0zVi5oT"}
            ]
        }
    )
    key: str = Field(description="Shown once; store it now")


class ApiKeyList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_KEY_EXAMPLE], "next_cursor": None}]}
    )
    items: list[ApiKeyOut]
    next_cursor: str | None = None


_AUDIT_EXAMPLE: dict[str, Any] = {
    "id": 1042,
    "at": "2026-03-02T04:05:18+00:00",
    "actor": "officer:officer:Siti Rahmawati",
    "actor_key_id": "8b0a3c52-2f0e-4d8e-a3a4-6c1c3f6f7d10",
    "actor_role": "officer",
    "action": "complaint.transition",
    "complaint_id": "3b9d6f2e-4c1a-4e8b-9a7d-2f5c8e1b0a64",
    "target_type": "complaint",
    "target_id": "3b9d6f2e-4c1a-4e8b-9a7d-2f5c8e1b0a64",
    "data": {"from": "received", "to": "in_progress", "version": 2},
}


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_AUDIT_EXAMPLE]})
    id: int
    at: Timestamp
    actor: str
    actor_key_id: str
    actor_role: str
    action: str
    complaint_id: uuid.UUID | None = None
    target_type: str | None = None
    target_id: str | None = None
    data: dict[str, Any]


class AuditList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_AUDIT_EXAMPLE], "next_cursor": None}]}
    )
    items: list[AuditEntryOut]
    next_cursor: str | None = None
