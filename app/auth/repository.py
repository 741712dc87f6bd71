"""The SQL of API keys and of the audit log: functions over an ``asyncpg.Connection``.

Who may see which key is ``app.auth.policy``'s decision (``key_clause``); the statements here
take it as a filter. Authentication's own lookup of a key by its hash stays in
``app.core.security``, below this package, so that every layer can authenticate.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from app.auth import policy
from app.core.http import json_text
from app.core.security import Principal

# A key as the API shows it: its effective unit is the officer's, when it is bound to one.
KEY_COLUMNS = (
    "k.id, k.name, k.role, k.prefix, COALESCE(o.unit_code, k.unit_code) AS unit, k.officer_id, k.created_at, "
    "k.created_by, k.last_used_at, k.expires_at, k.revoked_at, k.rotated_from"
)
KEY_FROM = "api_keys k LEFT JOIN officers o ON o.id = k.officer_id"
AUDIT_COLUMNS = "id, at, actor, actor_key_id, actor_role, action, complaint_id, target_type, target_id, data"


class Where:
    """A WHERE clause with numbered parameters: ``add("x = {}", value)``, one ``{}`` per value
    (the ``add`` that ``app.auth.policy``'s clauses take)."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, /, *values: Any) -> None:
        self.clauses.append(clause.format(*(self.param(v) for v in values)))

    def param(self, value: Any) -> str:
        """Bind one more value; its placeholder."""
        self.params.append(value)
        return f"${len(self.params)}"

    @property
    def sql(self) -> str:
        return (" WHERE " + " AND ".join(self.clauses)) if self.clauses else ""


# --------------------------------------------------------------------------- keys


async def insert_key(
    conn: asyncpg.Connection,
    *,
    name: str,
    role: str,
    key_hash: str,
    prefix: str,
    officer_id: uuid.UUID | None,
    unit_code: str | None,
    created_by: str | None,
    expires_at: datetime | None,
    rotated_from: uuid.UUID | None,
) -> uuid.UUID:
    """The new key's id (``asyncpg.ForeignKeyViolationError`` for a unit that does not exist)."""
    key_id: uuid.UUID = await conn.fetchval(
        "INSERT INTO api_keys (name, role, key_hash, prefix, officer_id, unit_code, created_by, expires_at, "
        "rotated_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        name,
        role,
        key_hash,
        prefix,
        officer_id,
        unit_code,
        created_by,
        expires_at,
        rotated_from,
    )
    return key_id


async def key(conn: asyncpg.Connection, key_id: uuid.UUID) -> asyncpg.Record | None:
    """A key as the API shows it (``KEY_COLUMNS``)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        f"SELECT {KEY_COLUMNS} FROM {KEY_FROM} WHERE k.id = $1", key_id
    )
    return row


async def visible_key(
    conn: asyncpg.Connection, principal: Principal, key_id: uuid.UUID
) -> asyncpg.Record | None:
    """A key as the API shows it, when the caller may see it (``policy.key_clause``)."""
    where = Where()
    where.add("k.id = {}", key_id)
    policy.key_clause(principal, where.add)
    row: asyncpg.Record | None = await conn.fetchrow(
        f"SELECT {KEY_COLUMNS} FROM {KEY_FROM}{where.sql}", *where.params
    )
    return row


async def list_keys(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    role: str | None,
    unit: str | None,
    revoked: bool | None,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """The keys the caller may see, newest first, at most ``limit``, after the cursor's
    ``(created_at, id)``."""
    where = Where()
    policy.key_clause(principal, where.add)
    if role:
        where.add("k.role = {}", role)
    if unit:
        where.add("COALESCE(o.unit_code, k.unit_code) = {}", unit)
    if revoked is True:
        where.add("k.revoked_at IS NOT NULL")
    elif revoked is False:
        where.add("k.revoked_at IS NULL")
    if before is not None:
        where.add("(k.created_at, k.id) < ({}, {})", *before)
    limit_param = where.param(limit)
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT {KEY_COLUMNS} FROM {KEY_FROM}{where.sql} ORDER BY k.created_at DESC, k.id DESC LIMIT {limit_param}",
        *where.params,
    )
    return rows


async def officer_of_key(conn: asyncpg.Connection, officer_id: uuid.UUID) -> asyncpg.Record | None:
    """The unit and role of the officer a new key is bound to (``unit_code``, ``role``)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT unit_code, role FROM officers WHERE id = $1", officer_id
    )
    return row


async def revoke(conn: asyncpg.Connection, key_id: uuid.UUID) -> bool:
    """Revoke a live key; False when it was revoked already."""
    done = await conn.fetchval(
        "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id", key_id
    )
    return done is not None


async def lock_live_key(conn: asyncpg.Connection, key_id: uuid.UUID) -> asyncpg.Record | None:
    """A key that still works, locked for a rotation: what the new key copies (``name``,
    ``role``, ``officer_id``, ``unit_code``, ``expires_at``); None when revoked or expired."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT name, role, officer_id, unit_code, expires_at FROM api_keys WHERE id = $1 "
        "AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) FOR UPDATE",
        key_id,
    )
    return row


async def expire_by(conn: asyncpg.Connection, key_id: uuid.UUID, until: datetime) -> None:
    """The key stops at ``until`` at the latest (an earlier expiry stands)."""
    await conn.execute(
        "UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, $2), $2) WHERE id = $1", key_id, until
    )


async def revoke_now(conn: asyncpg.Connection, key_id: uuid.UUID) -> None:
    await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = $1", key_id)


# --------------------------------------------------------------------------- audit log


async def insert_audit(
    conn: asyncpg.Connection,
    *,
    actor: str,
    actor_key_id: str,
    actor_role: str,
    action: str,
    complaint_id: uuid.UUID | None,
    target_type: str | None,
    target_id: str | None,
    data: dict[str, Any],
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (actor, actor_key_id, actor_role, action, complaint_id, target_type, target_id, "
        "data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
        actor,
        actor_key_id,
        actor_role,
        action,
        complaint_id,
        target_type,
        target_id,
        json_text(data),
    )


async def list_audit(
    conn: asyncpg.Connection,
    *,
    actor: str | None,
    complaint_id: uuid.UUID | None,
    action: str | None,
    since: datetime | None,
    before_id: int | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Audit entries newest first (filters combine with AND), at most ``limit``, below the
    cursor's ``before_id``."""
    where = Where()
    if actor:
        where.add("(actor_key_id = {} OR actor = {})", actor, actor)
    if complaint_id:
        where.add("complaint_id = {}", complaint_id)
    if action:
        where.add("action = {}", action)
    if since is not None:
        where.add("at >= {}", since)
    if before_id is not None:
        where.add("id < {}", before_id)
    limit_param = where.param(limit)
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT {AUDIT_COLUMNS} FROM audit_log{where.sql} ORDER BY id DESC LIMIT {limit_param}",
        *where.params,
    )
    return rows
