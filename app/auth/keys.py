"""API keys: make, show, revoke, rotate. The rules and the audit of each change; the statements
are ``app.auth.repository``'s and who may do what is ``app.auth.policy``'s.

The key itself is in the answer of its creation once and never again: the table holds its
sha256 (``app.core.security.hash_key``) and its first 12 characters (``prefix``) to tell it by.
A revocation or rotation also drops the key from this process's authentication cache at once;
the other processes drop it within ``app.core.security.CACHE_SECONDS``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from app.auth import audit, policy, repository
from app.auth.schemas import ApiKeyIn
from app.core import security
from app.core.db import Database
from app.core.errors import Conflict, NotFound, Unprocessable
from app.core.security import Principal, hash_key, new_key


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
    """Insert a key; the answer (``ApiKeyCreated``'s fields) holds the key in clear, once.
    Also what ``aduan keys create`` and the officers' seed call."""
    key = new_key()
    try:
        key_id = await repository.insert_key(
            conn,
            name=name,
            role=role,
            key_hash=hash_key(key),
            prefix=key[:12],
            officer_id=officer_id,
            unit_code=unit_code,
            created_by=created_by,
            expires_at=expires_at,
            rotated_from=rotated_from,
        )
    except asyncpg.ForeignKeyViolationError:
        raise Unprocessable(
            f"unit: no unit {unit_code!r} (GET /v1/units)",
            errors=[{"field": "unit", "detail": "unknown unit"}],
        ) from None
    row = await repository.key(conn, key_id)
    if row is None:
        raise KeyNotFound(f"no API key {key_id}")
    return {**dict(row), "key": key}


async def visible_key(conn: asyncpg.Connection, principal: Principal, key_id: uuid.UUID) -> dict[str, Any]:
    """A key the caller may see; 404 for one they may not, exactly as for one that does not exist."""
    row = await repository.visible_key(conn, principal, key_id)
    if row is None:
        raise KeyNotFound(f"no API key {key_id}")
    return dict(row)


async def make(db: Database, principal: Principal, body: ApiKeyIn) -> dict[str, Any]:
    """``POST /v1/api-keys``: a key bound to an officer takes the officer's unit and must have
    their role; a supervisor's key without a unit is for the supervisor's own."""
    unit = body.unit
    async with db.transaction() as conn:
        if body.officer_id is not None:
            officer = await repository.officer_of_key(conn, body.officer_id)
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
    return out


async def revoke(db: Database, principal: Principal, key_id: uuid.UUID) -> None:
    """Revoke a key; revoking a revoked key changes nothing (and records nothing)."""
    async with db.transaction() as conn:
        key = await visible_key(conn, principal, key_id)
        policy.check_revoke_key(principal, key)
        if await repository.revoke(conn, key_id):
            await audit.record(
                conn,
                principal,
                "api_key.revoke",
                target_type="api_key",
                target_id=key_id,
                data={"name": key["name"], "role": key["role"]},
            )
    security.forget(str(key_id))


async def rotate(db: Database, principal: Principal, key_id: uuid.UUID, grace_seconds: int) -> dict[str, Any]:
    """A new key with the old one's name, role, officer, unit and expiry; the old one stops now,
    or after ``grace_seconds``. 409 for a key that no longer works."""
    async with db.transaction() as conn:
        key = await visible_key(conn, principal, key_id)
        policy.check_revoke_key(principal, key)
        current = await repository.lock_live_key(conn, key_id)
        if current is None:
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
        if grace_seconds:
            await repository.expire_by(conn, key_id, datetime.now(UTC) + timedelta(seconds=grace_seconds))
        else:
            await repository.revoke_now(conn, key_id)
        await audit.record(
            conn,
            principal,
            "api_key.rotate",
            target_type="api_key",
            target_id=key_id,
            data={"new_key_id": str(out["id"]), "grace_seconds": grace_seconds},
        )
    security.forget(str(key_id))
    return out
