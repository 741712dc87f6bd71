"""API keys: ``Authorization: Bearer <key>``; keys are stored as sha256 hashes.

Who a key is (``Principal``) is decided here; what it may see and change is decided in one
place, ``app.auth.policy``.

A key is valid while it is not revoked, not expired and, for a key bound to an officer, while
that officer is active. Its role and unit follow the officer (a supervisor demoted or moved
loses the old scope at once). A positive lookup is cached in the process for
``CACHE_SECONDS`` (half a second), so a revoked key, or the key of a deactivated officer,
answers 401 within one second on every process, while a busy client still costs at most two
lookups a second per process.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from app.core.config import Settings, secret_value
from app.core.db import Database
from app.core.deps import DbDep, SettingsDep
from app.core.errors import Forbidden, Unauthorized

log = logging.getLogger("aduan.security")

ROLES = ("admin", "supervisor", "officer", "app", "partner")
OFFICER_ROLES = ("admin", "supervisor", "officer")
CACHE_SECONDS = 0.5
# last_used_at is written at most this often per key (a write per request would cost intake).
LAST_USED_RESOLUTION_S = 60.0
BOOTSTRAP_ID = "bootstrap-admin"


@dataclass(frozen=True, slots=True)
class Principal:
    id: str  # api key id (or "bootstrap-admin")
    name: str
    role: str
    officer_id: uuid.UUID | None = None
    # The unit the key works for: the officer's unit, else the key's own; None: city-wide.
    unit: str | None = None
    # ``unit`` and every unit below it (units.parent_code); empty when ``unit`` is None.
    units: frozenset[str] = frozenset()

    @property
    def actor(self) -> str:
        """How this caller is named in a complaint's history."""
        return f"{self.role}:{self.name}"

    @property
    def is_staff(self) -> bool:
        return self.role in OFFICER_ROLES


def new_key() -> str:
    return "adn_" + secrets.token_urlsafe(30)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


_cache: dict[str, tuple[Principal, float]] = {}
_last_used_written: dict[str, float] = {}

# One round trip: the key, the officer it belongs to (active, current role and unit) and the
# unit's subtree. A key of an inactive officer, a revoked or an expired key finds no row.
_LOOKUP_SQL = """
WITH k AS (
  SELECT k.id, k.name, CASE WHEN o.id IS NULL THEN k.role ELSE o.role END AS role, k.officer_id,
         COALESCE(o.unit_code, k.unit_code) AS unit
  FROM api_keys k LEFT JOIN officers o ON o.id = k.officer_id
  WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
    AND (k.officer_id IS NULL OR o.active IS TRUE)
)
SELECT k.id, k.name, k.role, k.officer_id, k.unit,
       (WITH RECURSIVE tree(code, depth) AS (
          SELECT k.unit, 0 WHERE k.unit IS NOT NULL
          UNION
          SELECT u.code, tree.depth + 1 FROM units u JOIN tree ON u.parent_code = tree.code WHERE tree.depth < 20
        ) SELECT array_agg(DISTINCT code) FROM tree) AS units
FROM k
"""


def clear_cache() -> None:
    _cache.clear()
    _last_used_written.clear()


def forget(key_id: str | None = None) -> None:
    """Drop cached principals (all, or one key's) in this process: a revocation is seen here
    at once and by other processes within ``CACHE_SECONDS``."""
    if key_id is None:
        _cache.clear()
        return
    for digest, (principal, _) in list(_cache.items()):
        if principal.id == key_id:
            _cache.pop(digest, None)


_TOUCH_SQL = (
    "UPDATE api_keys SET last_used_at = now() WHERE id = $1 "
    "AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')"
)


async def _lookup(db: Database, digest: str) -> Principal | None:
    # The key store's read for authentication lives here, below app.auth (which owns the rest
    # of the keys' SQL in app.auth.repository): every layer authenticates through core.
    async with db.raw() as conn:
        row = await conn.fetchrow(_LOOKUP_SQL, digest)
        if row is None:
            return None
        key_id = str(row["id"])
        now = time.monotonic()
        if now - _last_used_written.get(key_id, -LAST_USED_RESOLUTION_S) >= LAST_USED_RESOLUTION_S:
            _last_used_written[key_id] = now
            await conn.execute(_TOUCH_SQL, row["id"])
    return Principal(
        id=key_id,
        name=row["name"],
        role=row["role"],
        officer_id=row["officer_id"],
        unit=row["unit"],
        units=frozenset(row["units"] or ()),
    )


async def authenticate(request: Request, db: Database, settings: Settings) -> Principal:
    """Who the request's key is: 401 without a key, or with one that is unknown, revoked or
    expired."""
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("Authorization: Bearer <api key> is required")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("use Authorization: Bearer <api key>")
    return await authenticate_key(token, db, settings)


async def authenticate_key(token: str, db: Database, settings: Settings) -> Principal:
    """The principal of an API key however it came (``authenticate``'s Bearer header, an Open311
    ``api_key`` parameter): 401 for a key that is unknown, revoked or expired."""
    admin_key = secret_value(settings.admin_key)
    if admin_key:
        if hmac.compare_digest(token.encode(), admin_key.encode()):
            return Principal(id=BOOTSTRAP_ID, name="bootstrap", role="admin")
    digest = hash_key(token)
    now = time.monotonic()
    hit = _cache.get(digest)
    if hit and hit[1] > now:
        return hit[0]
    principal = await _lookup(db, digest)
    if principal is None:
        _cache.pop(digest, None)
        raise Unauthorized("unknown, revoked or expired API key")
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[digest] = (principal, now + CACHE_SECONDS)
    return principal


async def authorize(request: Request, db: Database, settings: Settings, allowed: frozenset[str]) -> Principal:
    """Authenticate, then check the role: 401 first, then 403. For a handler that needs a key
    only for some of its requests (raw email takes a key, a Mailgun form its signature);
    every other handler names a principal type below in its signature."""
    principal = await authenticate(request, db, settings)
    if principal.role not in allowed:
        raise Forbidden(
            f"role {principal.role!r} may not do this; needs one of: {', '.join(sorted(allowed))}"
        )
    request.state.principal = principal
    return principal


def require(*roles: str) -> Callable[[Request, Database, Settings], Awaitable[Principal]]:
    """A dependency that authenticates and checks the role: 401 first, then 403."""
    allowed = frozenset(roles)

    async def dependency(request: Request, db: DbDep, settings: SettingsDep) -> Principal:
        return await authorize(request, db, settings, allowed)

    return dependency


AnyKey = Annotated[Principal, Depends(require(*ROLES))]
Admin = Annotated[Principal, Depends(require("admin"))]
Supervisor = Annotated[Principal, Depends(require("admin", "supervisor"))]
Officer = Annotated[Principal, Depends(require(*OFFICER_ROLES))]
Submitter = Annotated[Principal, Depends(require("admin", "supervisor", "officer", "app"))]
Partner = Annotated[Principal, Depends(require("admin", "partner"))]
