"""Request and response shapes of units, officers and their queues (``app.org.router``).

The unit and area code patterns are here too: a unit code is what assignment names
(``app.assignment.schemas``), and unit and officer coverage lists Kemendagri area codes.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from app.complaints.schemas import (
    COMPLAINT_EXAMPLE,
    EXAMPLE_OFFICER_ID,
    EXAMPLE_UNIT,
    ComplaintOut,
    Strict,
    no_null,
)
from app.core.schemas import Timestamp

UnitKind = Literal["kelurahan", "kecamatan", "kota", "agency", "sudin", "triage"]
OfficerRole = Literal["officer", "supervisor"]

CODE_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,59}$"
AREA_CODE_PATTERN = r"^[0-9]+(\.[0-9]+){0,3}$"
# Area codes are stored in 20 characters (31.71.06.1003 is 13); category codes in 40.
AREA_CODE_MAX = 20
CATEGORY_CODE_MAX = 40


def never_null(schema: dict[str, Any]) -> None:
    """``json_schema_extra`` of a PATCH field that may be left out (None here: unchanged) but is
    never sent as null (a NOT NULL column; ``no_null`` rejects it): its schema is the value's
    alone, without the ``null`` variant or a ``default: null`` that would invite one."""
    schema.pop("default", None)
    variants = schema.pop("anyOf", None)
    if variants is not None:
        (value,) = [v for v in variants if v != {"type": "null"}]
        schema.update(value)


def _area_codes(values: list[str]) -> list[str]:
    for v in values:
        if len(v) > AREA_CODE_MAX or not re.match(AREA_CODE_PATTERN, v):
            raise ValueError(f"{v[:40]!r} is not a Kemendagri code like 31.71.06.1003")
    return list(dict.fromkeys(values))


def _category_codes(values: list[str]) -> list[str]:
    for v in values:
        if not 1 <= len(v) <= CATEGORY_CODE_MAX:
            raise ValueError(f"each category code is 1 to {CATEGORY_CODE_MAX} characters")
    return list(dict.fromkeys(values))


# --------------------------------------------------------------------------- units and officers


class UnitIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "code": "kel-31.71.06.1003",
                    "name": "Kelurahan Cikini",
                    "kind": "kelurahan",
                    "area_codes": ["31.71.06.1003"],
                },
                {
                    "code": "sudin-sda-31.71",
                    "name": "Suku Dinas Sumber Daya Air Jakarta Pusat",
                    "kind": "sudin",
                    "agency": "sda",
                    "kota_code": "31.71",
                    "categories": ["drainage_flood"],
                },
            ]
        },
    )
    code: str = Field(
        pattern=CODE_PATTERN, description="Stable code, lower case: kel-31.71.06.1003, sda, triage"
    )
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKind
    agency: str | None = Field(default=None, max_length=60, description="OPD code, for kind agency and sudin")
    kota_code: str | None = Field(default=None, max_length=AREA_CODE_MAX, pattern=AREA_CODE_PATTERN)
    area_codes: list[str] = Field(default_factory=list, max_length=500)
    categories: list[str] = Field(default_factory=list, max_length=100)
    active: bool = True
    parent: str | None = Field(
        default=None,
        pattern=CODE_PATTERN,
        description="The unit above this one (a sudin under its agency): its supervisors work here too",
    )

    @field_validator("area_codes")
    @classmethod
    def _areas(cls, v: list[str]) -> list[str]:
        return _area_codes(v)

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: list[str]) -> list[str]:
        return _category_codes(v)

    @model_validator(mode="after")
    def _kind_fields(self) -> UnitIn:
        if self.kind in ("agency", "sudin") and not self.agency:
            raise ValueError(f"agency: required for a unit of kind {self.kind}")
        if self.kind == "sudin" and not self.kota_code:
            raise ValueError("kota_code: required for a sudin (the kota it serves)")
        return self


class UnitPatch(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"name": "Kelurahan Cikini (Menteng)", "active": True}]},
    )
    # Left out: unchanged. ``null`` clears only what may be empty (agency, kota_code); the
    # other fields are NOT NULL columns, and a null for them is a 422 naming the field.
    name: str | None = Field(default=None, min_length=1, max_length=200, json_schema_extra=never_null)
    agency: str | None = Field(default=None, max_length=60)
    kota_code: str | None = Field(default=None, max_length=AREA_CODE_MAX, pattern=AREA_CODE_PATTERN)
    area_codes: list[str] | None = Field(default=None, max_length=500, json_schema_extra=never_null)
    categories: list[str] | None = Field(default=None, max_length=100, json_schema_extra=never_null)
    active: bool | None = Field(default=None, json_schema_extra=never_null)
    parent: str | None = Field(default=None, pattern=CODE_PATTERN, description="null: no unit above")

    @field_validator("name", "area_codes", "categories", "active", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        return no_null(v)

    @field_validator("area_codes")
    @classmethod
    def _areas(cls, v: list[str]) -> list[str]:
        return _area_codes(v)

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: list[str]) -> list[str]:
        return _category_codes(v)


_CIKINI_UNIT: dict[str, JsonValue] = {
    "code": EXAMPLE_UNIT,
    "name": "Kelurahan Cikini",
    "kind": "kelurahan",
    "agency": None,
    "kota_code": None,
    "area_codes": ["31.71.06.1003"],
    "categories": [],
    "active": True,
    "parent": None,
    "version": 1,
    "created_at": "2026-02-20T01:00:00+00:00",
    "updated_at": "2026-02-20T01:00:00+00:00",
}


class UnitOut(BaseModel):
    """``officers``, ``open_complaints`` and ``unassigned`` come with GET /v1/units/{code} only."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {**_CIKINI_UNIT, "officers": 3, "open_complaints": 12, "unassigned": 1},
                _CIKINI_UNIT,
            ]
        }
    )
    code: str
    name: str
    kind: str
    agency: str | None = None
    kota_code: str | None = None
    area_codes: list[str]
    categories: list[str]
    active: bool
    parent: str | None = None
    version: int = Field(default=1, description="Send it as If-Match to PATCH")
    officers: int | None = None
    open_complaints: int | None = None
    unassigned: int | None = None
    created_at: Timestamp
    updated_at: Timestamp


class UnitList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        _CIKINI_UNIT,
                        {
                            "code": "sudin-sda-31.71",
                            "name": "Suku Dinas Sumber Daya Air Jakarta Pusat",
                            "kind": "sudin",
                            "agency": "sda",
                            "kota_code": "31.71",
                            "area_codes": [],
                            "categories": ["drainage_flood"],
                            "active": True,
                            "created_at": "2026-02-20T01:05:00+00:00",
                            "updated_at": "2026-02-20T01:05:00+00:00",
                        },
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )
    items: list[UnitOut]
    next_cursor: str | None = None


class OfficerIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "Siti Rahmawati",
                    "unit": "kel-31.71.06.1003",
                    "role": "officer",
                    "capacity": 15,
                    "categories": [],
                    "area_codes": [],
                    "api_key": True,
                }
            ]
        },
    )
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(pattern=CODE_PATTERN, description="Code of the unit the officer belongs to")
    role: OfficerRole = "officer"
    area_codes: list[str] = Field(default_factory=list, max_length=500, description="Empty: the whole unit")
    categories: list[str] = Field(default_factory=list, max_length=100, description="Empty: every category")
    capacity: int = Field(default=20, ge=0, le=10_000, description="Most open complaints at once")
    active: bool = True
    api_key: bool = Field(default=False, description="Also create an API key for the officer (shown once)")

    @field_validator("area_codes")
    @classmethod
    def _areas(cls, v: list[str]) -> list[str]:
        return _area_codes(v)

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: list[str]) -> list[str]:
        return _category_codes(v)


class OfficerPatch(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"capacity": 10, "active": True}]},
    )
    # Left out: unchanged. Every field is a NOT NULL column: a null is a 422 naming it.
    name: str | None = Field(default=None, min_length=1, max_length=200, json_schema_extra=never_null)
    unit: str | None = Field(default=None, pattern=CODE_PATTERN, json_schema_extra=never_null)
    role: OfficerRole | None = Field(default=None, json_schema_extra=never_null)
    area_codes: list[str] | None = Field(default=None, max_length=500, json_schema_extra=never_null)
    categories: list[str] | None = Field(default=None, max_length=100, json_schema_extra=never_null)
    capacity: int | None = Field(default=None, ge=0, le=10_000, json_schema_extra=never_null)
    active: bool | None = Field(default=None, json_schema_extra=never_null)

    @field_validator("name", "unit", "role", "area_codes", "categories", "capacity", "active", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        return no_null(v)

    @field_validator("area_codes")
    @classmethod
    def _areas(cls, v: list[str]) -> list[str]:
        return _area_codes(v)

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: list[str]) -> list[str]:
        return _category_codes(v)


_SITI: dict[str, JsonValue] = {
    "id": EXAMPLE_OFFICER_ID,
    "name": "Siti Rahmawati",
    "unit": EXAMPLE_UNIT,
    "unit_name": "Kelurahan Cikini",
    "role": "officer",
    "area_codes": [],
    "categories": [],
    "capacity": 15,
    "active": True,
    "last_assigned_at": "2026-03-02T03:12:40+00:00",
    "created_at": "2026-02-20T01:10:00+00:00",
    "open_assignments": 4,
    "version": 1,
}


class OfficerOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _SITI,
                # POST /v1/officers with "api_key": true: the key is shown in this answer only
                {
                    **_SITI,
                    "last_assigned_at": None,
                    "open_assignments": 0,
                    "api_key": "adn_7Hs2KqPzW4nVb9xRt_1LmC6yEd3fGj8aUo5iTk0Q",
                },
            ]
        }
    )
    id: uuid.UUID
    name: str
    unit: str
    unit_name: str | None = None
    role: str
    area_codes: list[str]
    categories: list[str]
    capacity: int
    active: bool
    open_assignments: int
    last_assigned_at: Timestamp | None = None
    created_at: Timestamp
    version: int = Field(default=1, description="Send it as If-Match to PATCH")
    api_key: str | None = Field(default=None, description="Only in the answer that created it")


class OfficerList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        _SITI,
                        {
                            "id": "0d8e4b7a-2f63-4c19-8a5e-7b1c9d3f6a20",
                            "name": "Agus Prasetyo",
                            "unit": EXAMPLE_UNIT,
                            "unit_name": "Kelurahan Cikini",
                            "role": "supervisor",
                            "area_codes": [],
                            "categories": [],
                            "capacity": 5,
                            "active": True,
                            "last_assigned_at": None,
                            "created_at": "2026-02-20T01:12:00+00:00",
                            "open_assignments": 0,
                        },
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )
    items: list[OfficerOut]
    next_cursor: str | None = None


# --------------------------------------------------------------------------- queues


class QueueList(BaseModel):
    """Each item is the officer view of a complaint, as in GET /v1/complaints."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [COMPLAINT_EXAMPLE],
                    # (due_at, id) of the last item: the queue is ordered by deadline
                    "next_cursor": (
                        "MjAyNi0wMy0wOVQwMzoxMjo0MCswMDowMHwzYjlkNmYyZS00YzFhLTRlOGItOWE3ZC0yZjVjOGUxYjBhNjQ"
                    ),
                }
            ]
        }
    )
    items: list[ComplaintOut]
    next_cursor: str | None = None
