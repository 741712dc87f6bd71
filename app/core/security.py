"""API keys: ``Authorization: Bearer <key>``; keys are stored as sha256 hashes.

A positive lookup is cached in the process for ``CACHE_SECONDS`` so that the hot
paths do not pay a database round trip per request; a revoked key therefore
stops working within that many seconds on every process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from app.core.errors import Forbidden, Unauthorized

ROLES = ("admin", "supervisor", "officer", "app", "partner")
OFFICER_ROLES = ("admin", "supervisor", "officer")
CACHE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Principal:
    id: str  # api key id (or "bootstrap-admin")
    name: str
    role: str
    officer_id: uuid.UUID | None = None

    @property
    def actor(self) -> str:
        """How this caller is named in a complaint's history."""
        return f"{self.role}:{self.name}"


def new_key() -> str:
    return "adn_" + secrets.token_urlsafe(30)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


_cache: dict[str, tuple[Principal, float]] = {}


def clear_cache() -> None:
    _cache.clear()


async def authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("Authorization: Bearer <api key> is required")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("use Authorization: Bearer <api key>")
    settings = request.app.state.settings
    if settings.admin_key and hmac.compare_digest(token.encode(), settings.admin_key.encode()):
        return Principal(id="bootstrap-admin", name="bootstrap", role="admin")
    digest = hash_key(token)
    now = time.monotonic()
    hit = _cache.get(digest)
    if hit and hit[1] > now:
        return hit[0]
    async with request.app.state.db.raw() as conn:
        row = await conn.fetchrow(
            "SELECT id, name, role, officer_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
            digest,
        )
    if row is None:
        _cache.pop(digest, None)
        raise Unauthorized("unknown or revoked API key")
    principal = Principal(id=str(row["id"]), name=row["name"], role=row["role"], officer_id=row["officer_id"])
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[digest] = (principal, now + CACHE_SECONDS)
    return principal


def require(*roles: str):
    """A dependency that authenticates and checks the role: 401 first, then 403."""
    allowed = frozenset(roles)

    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        if principal.role not in allowed:
            raise Forbidden(
                f"role {principal.role!r} may not do this; needs one of: {', '.join(sorted(allowed))}"
            )
        request.state.principal = principal
        return principal

    return dependency


AnyKey = Annotated[Principal, Depends(require(*ROLES))]
Admin = Annotated[Principal, Depends(require("admin"))]
Supervisor = Annotated[Principal, Depends(require("admin", "supervisor"))]
Officer = Annotated[Principal, Depends(require(*OFFICER_ROLES))]
Submitter = Annotated[Principal, Depends(require("admin", "supervisor", "officer", "app"))]
Partner = Annotated[Principal, Depends(require("admin", "partner"))]
