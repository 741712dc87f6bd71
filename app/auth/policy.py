"""Who may see and change what: role x unit x ownership x privacy. Decided here, nowhere else.

The model (README, "Who sees what"):

- ``admin``: everything, the identity of anonymous reporters included.
- ``supervisor`` and ``officer`` keys work for a unit: an officer's key for the officer's current
  unit, any other key for the unit it was made for (``api_keys.unit_code``). Their scope is that
  unit and every unit below it (``units.parent_code``). A staff key made without a unit works
  city-wide (a desk at City Hall), but never sees secret complaints it does not handle.
  - Complaints: those whose unit is in scope, those assigned to the key's officer and those the key
    submitted itself.
  - Secret complaints: only the assigned unit (its officers), the supervisors whose scope holds it,
    admins, the officer assigned and the key that submitted it.
  - Anonymous reporters' identities: nobody below admin.
  - Supervisors manage units, officers and keys inside their scope; only an admin makes admin or
    supervisor keys, or officers with the supervisor role.
- ``app`` and ``partner`` keys read only what they submitted themselves: the public history (no
  internal notes or events), no reporter record (it may hold what other channels told us about the
  person). Any other id is 404, exactly like an id that does not exist.

``can_read`` (Python, for one row) and ``read_clause`` (SQL, for lists and queues) say the same
thing; tests/security/test_role_matrix.py walks both through the API.
"""

from __future__ import annotations

from typing import Any, Protocol

from app.core.errors import Forbidden
from app.core.security import Principal

STAFF_ROLES = frozenset({"admin", "supervisor", "officer"})
OWNER_ROLES = frozenset({"app", "partner"})
# Which channels a key may name in POST /v1/complaints: platform channels (twitter, facebook,
# governor_social, email, sms, lapor) come only through their signed endpoints.
DESK_CHANNELS = frozenset({"pendopo", "inspektorat", "walikota", "kecamatan", "kelurahan", "media"})
CHANNELS_BY_ROLE: dict[str, frozenset[str]] = {
    "app": frozenset({"jaki"}),
    "officer": DESK_CHANNELS,
    "supervisor": DESK_CHANNELS,
    "admin": DESK_CHANNELS,
}
# The channel of a POST /v1/complaints that names none.
DEFAULT_CHANNEL = {"app": "jaki", "officer": "pendopo", "supervisor": "pendopo", "admin": "pendopo"}
# Key roles a supervisor may make (for units in their scope).
SUPERVISOR_MAKES = frozenset({"officer", "app", "partner"})


class AddClause(Protocol):
    """How a clause of this module reaches a statement: ``add("c.x = {}", value)``, one ``{}``
    placeholder per value (``app.auth.repository.Where.add`` and the complaint list's filter)."""

    def __call__(self, clause: str, /, *values: Any) -> None: ...


# --------------------------------------------------------------------------- complaints


def in_scope(principal: Principal, unit_code: str | None) -> bool:
    """True when the unit is the key's or below it; a key without a unit is city-wide."""
    if principal.role == "admin" or principal.unit is None:
        return True
    return unit_code is not None and unit_code in principal.units


def can_read(principal: Principal, row: Any) -> bool:
    """May this key see this complaint (a row with privacy, unit_code, assignee_id, created_by)?"""
    if principal.role == "admin":
        return True
    if row["created_by"] is not None and row["created_by"] == principal.id:
        return True
    if principal.role in OWNER_ROLES:
        return False
    if principal.officer_id is not None and row["assignee_id"] == principal.officer_id:
        return True
    unit = row["unit_code"]
    if row["privacy"] == "secret":
        if principal.unit is None:
            return False
        if unit == principal.unit:
            return True
        return principal.role == "supervisor" and unit in principal.units
    if principal.unit is None:
        return True
    return unit in principal.units


def read_clause(principal: Principal, add: AddClause) -> None:
    """Add ``can_read`` as SQL over ``complaints c`` through ``add(clause, *values)`` (a
    ``ListFilter.add``: ``{}`` placeholders, one per value)."""
    if principal.role == "admin":
        return
    if principal.role in OWNER_ROLES:
        add("c.created_by = {}", principal.id)
        return
    mine = "c.created_by = {} OR c.assignee_id = {}::uuid"
    if principal.unit is None:
        add(f"(c.privacy <> 'secret' OR {mine})", principal.id, principal.officer_id)
    elif principal.role == "supervisor":
        add(f"(c.unit_code = ANY({{}}::text[]) OR {mine})", sorted(principal.units), principal.id,
            principal.officer_id)  # fmt: skip
    else:
        add(
            f"((c.unit_code = ANY({{}}::text[]) AND (c.privacy <> 'secret' OR c.unit_code = {{}})) OR {mine})",
            sorted(principal.units),
            principal.unit,
            principal.id,
            principal.officer_id,
        )


def sees_reporter(principal: Principal, row: Any) -> bool:
    """The reporter record: staff who may read the complaint, but an anonymous reporter's
    identity only for admins."""
    if principal.role not in STAFF_ROLES:
        return False
    return row["privacy"] != "anonymous" or principal.role == "admin"


def sees_internal(principal: Principal) -> bool:
    """Internal notes and events: staff only."""
    return principal.role in STAFF_ROLES


def check_channel(principal: Principal, channel: str) -> None:
    allowed = CHANNELS_BY_ROLE.get(principal.role, frozenset())
    if channel not in allowed:
        raise Forbidden(
            f"a {principal.role} key may not submit to channel {channel!r}"
            + (f"; allowed: {', '.join(sorted(allowed))}" if allowed else "")
            + (
                ""
                if channel in DESK_CHANNELS or channel == "jaki"
                else "; platform channels come only through their signed endpoints"
            ),
            allowed=sorted(allowed),
        )


# --------------------------------------------------------------------------- units, officers, keys


def check_unit(principal: Principal, unit_code: str | None, what: str = "unit") -> None:
    """403 unless the unit is in the key's scope (admins and city-wide keys: any)."""
    if not in_scope(principal, unit_code):
        raise Forbidden(
            f"{what} {unit_code!r} is outside your unit ({principal.unit}) and the units below it"
        )


def check_manage_officer(principal: Principal, *, unit_code: str, role: str) -> None:
    """Supervisors manage the officers of their scope; only admins make or keep supervisors."""
    if principal.role == "admin":
        return
    if principal.role != "supervisor":
        raise Forbidden("only admins and supervisors manage officers")
    if role != "officer":
        raise Forbidden("only an admin makes an officer a supervisor or changes a supervisor")
    check_unit(principal, unit_code)


def check_make_key(principal: Principal, *, role: str, unit_code: str | None) -> None:
    if principal.role == "admin":
        return
    if principal.role != "supervisor":
        raise Forbidden("only admins and supervisors make API keys")
    if role not in SUPERVISOR_MAKES:
        raise Forbidden(f"only an admin makes {role} keys; a supervisor makes officer, app and partner keys")
    if principal.unit is not None and unit_code is None:
        raise Forbidden("a supervisor makes keys for their own unit only")
    check_unit(principal, unit_code)


def key_clause(principal: Principal, add: AddClause) -> None:
    """Which keys a caller may list (over ``api_keys k`` joined to ``officers o``)."""
    if principal.role == "admin":
        return
    if principal.unit is None:
        add("k.created_by = {}", principal.id)
        return
    add("COALESCE(o.unit_code, k.unit_code) = ANY({}::text[])", sorted(principal.units))


def check_revoke_key(principal: Principal, key: Any) -> None:
    """``key``: a row with role, created_by and the effective unit."""
    if principal.role == "admin":
        return
    if key["role"] not in SUPERVISOR_MAKES:
        raise Forbidden(f"only an admin revokes {key['role']} keys")
    if principal.unit is None:
        if key["created_by"] != principal.id:
            raise Forbidden("a supervisor without a unit revokes only the keys they made")
        return
    check_unit(principal, key["unit"], "the key's unit")
