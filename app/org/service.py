"""The rules of units and officers: who may change what (``app.auth.policy``), what a change must
satisfy, the audit entry and the routing revision that go with it, the queues a key may read.

Functions take a connection (and, for writes, a transaction) the caller owns; the statements are
``app.org.repository``'s. After a change the caller reloads its routing cache
(``app.core.deps.reload_routing`` / ``refresh_routing``) once the transaction has committed.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from app.auth import audit, policy
from app.auth.keys import create_key
from app.classification.repository import check_categories
from app.complaints.catalogue import AGENCIES
from app.core.errors import Forbidden, UnknownReference, Unprocessable
from app.core.preconditions import check_version
from app.core.revision import bump_revision
from app.core.security import Principal
from app.org import repository
from app.org.schemas import OfficerIn, OfficerPatch, UnitIn, UnitPatch

# --------------------------------------------------------------------------- checks


def check_agency(agency: str | None) -> None:
    if agency is not None and agency not in AGENCIES:
        raise Unprocessable(
            f"agency: {agency!r} is not an agency code ({', '.join(sorted(AGENCIES))})",
            errors=[{"field": "agency", "detail": "unknown agency code"}],
        )


async def check_unit_exists(conn: asyncpg.Connection, code: str, field: str = "unit") -> None:
    """422 when a body names a unit that does not exist."""
    if not await repository.unit_exists(conn, code):
        raise UnknownReference(
            f"{field}: no unit {code!r} (GET /v1/units)", errors=[{"field": field, "detail": "unknown unit"}]
        )


# --------------------------------------------------------------------------- units


async def create_unit(conn: asyncpg.Connection, body: UnitIn, principal: Principal) -> dict[str, Any]:
    if principal.role == "supervisor" and principal.unit is not None:
        # A supervisor's new unit sits in their part of the tree.
        if body.parent is None:
            body.parent = principal.unit
        policy.check_unit(principal, body.parent, "parent")
    check_agency(body.agency)
    await check_categories(conn, body.categories)
    if body.parent is not None:
        await check_unit_exists(conn, body.parent, "parent")
    out = await repository.insert_unit(conn, body)
    await bump_revision(conn)
    await audit.record(
        conn, principal, "unit.create", target_type="unit", target_id=out["code"],
        data=body.model_dump(mode="json"),
    )  # fmt: skip
    return out


def check_update_unit(principal: Principal, code: str, patch: UnitPatch) -> None:
    """403 unless the key may make this change (before anything is read)."""
    policy.check_unit(principal, code)
    if "parent" in patch.model_fields_set:
        if principal.role != "admin" and code == principal.unit:
            raise Forbidden("only an admin moves a supervisor's own unit in the tree")
        policy.check_unit(principal, patch.parent, "parent")


async def _update_unit(
    conn: asyncpg.Connection, code: str, patch: UnitPatch, *, expected_version: int | None = None
) -> dict[str, Any]:
    """``expected_version``: the If-Match of a PATCH (412 when the unit changed meanwhile)."""
    fields = patch.model_dump(exclude_unset=True)
    if "agency" in fields:
        check_agency(fields["agency"])
    await check_categories(conn, fields.get("categories"))
    current = await repository.unit_for_update(conn, code)
    if expected_version is not None:
        check_version(expected_version, current["version"])
    if fields.get("parent") is not None:
        await check_unit_exists(conn, fields["parent"], "parent")
        if await repository.is_below(conn, code, fields["parent"]):
            raise Unprocessable(
                "parent: a unit cannot sit below itself", errors=[{"field": "parent", "detail": "a cycle"}]
            )
    merged = {**dict(current), **fields}
    if merged["kind"] in ("agency", "sudin") and not merged["agency"]:
        raise Unprocessable(
            "agency: required for this kind", errors=[{"field": "agency", "detail": "required"}]
        )
    if merged["kind"] == "sudin" and not merged["kota_code"]:
        raise Unprocessable(
            "kota_code: required for a sudin", errors=[{"field": "kota_code", "detail": "required"}]
        )
    out = await repository.update_unit(conn, code, merged)
    await bump_revision(conn)
    return out


async def update_unit(
    conn: asyncpg.Connection, code: str, patch: UnitPatch, principal: Principal, *, expected_version: int
) -> dict[str, Any]:
    """A PATCH (checked by ``check_update_unit`` first), audited."""
    out = await _update_unit(conn, code, patch, expected_version=expected_version)
    await audit.record(
        conn, principal, "unit.update", target_type="unit", target_id=code,
        data=patch.model_dump(mode="json", exclude_unset=True),
    )  # fmt: skip
    return out


async def deactivate_unit(conn: asyncpg.Connection, code: str, principal: Principal) -> dict[str, Any]:
    """Routing stops sending the unit work; its history stays."""
    policy.check_unit(principal, code)
    out = await _update_unit(conn, code, UnitPatch(active=False))
    await audit.record(conn, principal, "unit.deactivate", target_type="unit", target_id=code)
    return out


# --------------------------------------------------------------------------- officers


async def create_officer(conn: asyncpg.Connection, body: OfficerIn, principal: Principal) -> dict[str, Any]:
    """The officer, and with ``api_key`` a key of theirs (in this answer only)."""
    policy.check_manage_officer(principal, unit_code=body.unit, role=body.role)
    await check_unit_exists(conn, body.unit)
    await check_categories(conn, body.categories)
    officer_id = await repository.insert_officer(conn, body)
    view = await repository.get_officer(conn, officer_id)
    if body.api_key:
        key = await create_key(
            conn,
            name=f"officer:{body.name}"[:200],
            role=body.role,
            officer_id=officer_id,
            created_by=principal.id,
        )
        view["api_key"] = key["key"]
    await audit.record(
        conn, principal, "officer.create", target_type="officer", target_id=view["id"],
        data=body.model_dump(mode="json"),
    )  # fmt: skip
    return view


async def _update_officer(
    conn: asyncpg.Connection,
    officer_id: uuid.UUID,
    patch: OfficerPatch,
    principal: Principal,
    *,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Authorized on the row the update locks: the officer as they are, and as the patch would
    make them. ``expected_version``: the If-Match of a PATCH (412 when the officer changed)."""
    fields = patch.model_dump(exclude_unset=True)
    if "unit" in fields:
        await check_unit_exists(conn, fields["unit"])
    await check_categories(conn, fields.get("categories"))
    current = await repository.officer_for_update(conn, officer_id)
    policy.check_manage_officer(principal, unit_code=current["unit_code"], role=current["role"])
    policy.check_manage_officer(
        principal, unit_code=patch.unit or current["unit_code"], role=patch.role or current["role"]
    )
    if expected_version is not None:
        check_version(expected_version, current["version"])
    await repository.update_officer(conn, officer_id, fields)
    return await repository.get_officer(conn, officer_id)


async def update_officer(
    conn: asyncpg.Connection,
    officer_id: uuid.UUID,
    patch: OfficerPatch,
    principal: Principal,
    *,
    expected_version: int,
) -> dict[str, Any]:
    out = await _update_officer(conn, officer_id, patch, principal, expected_version=expected_version)
    await audit.record(
        conn, principal, "officer.update", target_type="officer", target_id=officer_id,
        data=patch.model_dump(mode="json", exclude_unset=True),
    )  # fmt: skip
    return out


async def deactivate_officer(
    conn: asyncpg.Connection, officer_id: uuid.UUID, principal: Principal
) -> dict[str, Any]:
    """No new assignments; open ones stay until reassigned."""
    out = await _update_officer(conn, officer_id, OfficerPatch(active=False), principal)
    await audit.record(conn, principal, "officer.deactivate", target_type="officer", target_id=officer_id)
    return out


# --------------------------------------------------------------------------- queues


async def unit_queue(
    conn: asyncpg.Connection,
    code: str,
    principal: Principal,
    *,
    unassigned: bool | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    policy.check_unit(principal, code)
    return await repository.queue(
        conn, principal=principal, unit=code, unassigned=unassigned, limit=limit, cursor=cursor
    )


async def officer_queue(
    conn: asyncpg.Connection, officer_id: uuid.UUID, principal: Principal, *, limit: int, cursor: str | None
) -> dict[str, Any]:
    """An officer reads their own queue; others, the queues of officers in their scope."""
    if principal.officer_id != officer_id:
        policy.check_unit(principal, await repository.officer_unit(conn, officer_id), "the officer's unit")
    return await repository.queue(
        conn, principal=principal, officer_id=officer_id, limit=limit, cursor=cursor
    )
