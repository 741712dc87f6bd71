"""Request and response shapes of the routing API."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.complaints.schemas import (
    COMPLAINT_EXAMPLE,
    EXAMPLE_COMPLAINT_ID,
    EXAMPLE_OFFICER_ID,
    EXAMPLE_UNIT,
    Strict,
    drop_default,
    no_null,
)

UnitKind = Literal["kelurahan", "kecamatan", "kota", "agency", "sudin", "triage"]
OfficerRole = Literal["officer", "supervisor"]

CODE_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,59}$"
AREA_CODE_PATTERN = r"^[0-9]+(\.[0-9]+){0,3}$"
# Area codes are stored in 20 characters (31.71.06.1003 is 13); category codes in 40.
AREA_CODE_MAX = 20
CATEGORY_CODE_MAX = 40
# How far ahead an estimated completion (EWS) may be set: a public works job takes months,
# not decades, and a date like 9999-12-31 breaks the deadline arithmetic.
EWS_HORIZON = timedelta(days=5 * 366)


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
    name: str = Field(default=None, min_length=1, max_length=200, json_schema_extra=drop_default)
    agency: str | None = Field(default=None, max_length=60)
    kota_code: str | None = Field(default=None, max_length=AREA_CODE_MAX, pattern=AREA_CODE_PATTERN)
    area_codes: list[str] = Field(default=None, max_length=500, json_schema_extra=drop_default)
    categories: list[str] = Field(default=None, max_length=100, json_schema_extra=drop_default)
    active: bool = Field(default=None, json_schema_extra=drop_default)
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


_CIKINI_UNIT = {
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
    created_at: datetime
    updated_at: datetime


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
    name: str = Field(default=None, min_length=1, max_length=200, json_schema_extra=drop_default)
    unit: str = Field(default=None, pattern=CODE_PATTERN, json_schema_extra=drop_default)
    role: OfficerRole = Field(default=None, json_schema_extra=drop_default)
    area_codes: list[str] = Field(default=None, max_length=500, json_schema_extra=drop_default)
    categories: list[str] = Field(default=None, max_length=100, json_schema_extra=drop_default)
    capacity: int = Field(default=None, ge=0, le=10_000, json_schema_extra=drop_default)
    active: bool = Field(default=None, json_schema_extra=drop_default)

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


_SITI = {
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
    last_assigned_at: datetime | None = None
    created_at: datetime
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


# --------------------------------------------------------------------------- assignment, EWS


class AssignmentIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"officer_id": "6f1c2a3e-8a57-4c41-9a0e-1f2b3c4d5e6f", "note": "Dekat lokasi, langsung cek."},
                {"unit": "sudin-sda-31.71", "note": "Perlu alat berat dari Sudin SDA."},
            ]
        },
    )
    officer_id: uuid.UUID | None = Field(default=None, description="An officer of the responsible unit")
    unit: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="Hand over to this unit (auto-assigns there)"
    )
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _one(self) -> AssignmentIn:
        if (self.officer_id is None) == (self.unit is None):
            raise ValueError("give exactly one of officer_id or unit")
        return self


class EwsIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"ews_at": "2026-03-05T17:00:00+07:00", "note": "Menunggu alat berat dari Sudin SDA."}
            ]
        },
    )
    ews_at: datetime = Field(
        description="Estimated completion (EWS), with a UTC offset; at most five years ahead"
    )
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("ews_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("must carry a UTC offset, e.g. 2026-03-05T17:00:00+07:00")
        if v > datetime.now(UTC) + EWS_HORIZON:
            raise ValueError("out of range: at most five years ahead")
        return v


class QueueItem(BaseModel):
    id: uuid.UUID
    ticket: str
    status: str
    category: str | None = None
    unit: str | None = None
    assignee: uuid.UUID | None = None
    due_at: datetime | None = None
    response_due_at: datetime | None = None
    sla_state: str | None = None


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
    items: list[dict[str, Any]]
    next_cursor: str | None = None


class SweepOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "now": "2026-03-09T03:15:00+00:00",
                    "breached": [
                        {
                            "id": EXAMPLE_COMPLAINT_ID,
                            "clock": "resolution",
                            "unit": EXAMPLE_UNIT,
                            "escalated_to": {
                                "officer_id": "0d8e4b7a-2f63-4c19-8a5e-7b1c9d3f6a20",
                                "officer_name": "Agus Prasetyo",
                            },
                        },
                        {
                            "id": "9c4e2a71-5d3b-4f86-b0a2-6e8d1c7f3b59",
                            "clock": "first_response",
                            "unit": "kec-31.74.01",
                            "escalated_to": {"unit": "triage"},
                        },
                    ],
                    "at_risk": ["e27b5c90-1a4d-4b6e-8f3c-2d9a7e5b1c08"],
                    "on_track": [],
                }
            ]
        }
    )
    now: datetime
    breached: list[dict[str, Any]]
    at_risk: list[uuid.UUID]
    on_track: list[uuid.UUID]
