"""Request and response shapes of the complaint API (Pydantic v2)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CHANNELS = (
    "pendopo",
    "jaki",
    "twitter",
    "facebook",
    "email",
    "governor_social",
    "sms",
    "inspektorat",
    "walikota",
    "kecamatan",
    "kelurahan",
    "media",
    "lapor",
)
ChannelCode = Literal[
    "pendopo",
    "jaki",
    "twitter",
    "facebook",
    "email",
    "governor_social",
    "sms",
    "inspektorat",
    "walikota",
    "kecamatan",
    "kelurahan",
    "media",
    "lapor",
]
StatusCode = Literal[
    "received", "coordination", "dispatched", "in_progress", "pending_validation", "resolved", "rejected", "duplicate"
]
PrivacyCode = Literal["public", "anonymous", "secret"]

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NIK_RE = re.compile(r"^\d{16}$")

MAX_DESCRIPTION = 5000
MAX_TITLE = 200


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LocationIn(Strict):
    lat: float = Field(ge=-90, le=90, description="WGS84 latitude", examples=[-6.1754])
    lon: float = Field(ge=-180, le=180, description="WGS84 longitude", examples=[106.8272])
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000, description="GPS accuracy in metres")
    address: str | None = Field(default=None, max_length=500)


class AttachmentIn(Strict):
    url: str = Field(min_length=1, max_length=2000, pattern=r"^(https?://|/)")
    media_type: str | None = Field(default=None, max_length=100)
    size: int | None = Field(default=None, ge=0)
    caption: str | None = Field(default=None, max_length=500)


class ReporterIn(Strict):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40, description="Any Indonesian form: 0812..., 62812..., +62 812...")
    email: str | None = Field(default=None, max_length=320)
    nik: str | None = Field(default=None, description="16-digit national identity number (NIK)")
    handles: dict[str, str] = Field(default_factory=dict, description="platform -> handle, e.g. {'twitter': 'budi'}")

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        if not _EMAIL_RE.match(v):
            raise ValueError("not an email address")
        return v.lower()

    @field_validator("nik")
    @classmethod
    def _nik(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        if not _NIK_RE.match(v):
            raise ValueError("a NIK is 16 digits")
        return v

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        from app.core.pii import normalise_phone

        e164 = normalise_phone(v)
        if e164 is None:
            raise ValueError("not a valid phone number")
        return e164


class ComplaintIn(Strict):
    """The canonical submission."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "title": "Jalan berlubang di Jl. Cikini Raya",
                    "description": "Lubang besar di depan halte Cikini, sudah dua motor jatuh minggu ini.",
                    "category": "roads",
                    "location": {"lat": -6.1915, "lon": 106.8412, "accuracy_m": 8, "address": "Jl. Cikini Raya 45"},
                    "reporter": {"name": "Budi Santoso", "phone": "0812-1111-0000"},
                    "privacy": "public",
                },
                {
                    "description": "Sampah menumpuk di pinggir kali dekat pasar, bau sekali.",
                    "privacy": "anonymous",
                    "reporter": {"email": "warga@example.com"},
                },
            ]
        },
    )

    channel: ChannelCode = Field(default="jaki", description="The channel it came through (default: jaki)")
    external_id: str | None = Field(default=None, max_length=500, description="The source's own id; unique per channel")
    title: str | None = Field(default=None, max_length=MAX_TITLE)
    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION)
    category: str | None = Field(default=None, max_length=40, description="A code from GET /v1/categories")
    location: LocationIn | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)
    language: str | None = Field(default="id", max_length=10)
    metadata: dict[str, Any] = Field(default_factory=dict)
    reporter: ReporterIn | None = None
    privacy: PrivacyCode = "public"
    received_at: datetime | None = Field(default=None, description="When the channel received it (default: now)")

    @field_validator("received_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("must carry a UTC offset, e.g. 2026-03-01T10:12:40+07:00")
        return v


class TransitionIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"status": "in_progress", "note": "Petugas menuju lokasi.", "public": True}]},
    )
    status: StatusCode
    note: str | None = Field(default=None, max_length=5000)
    public: bool = Field(default=False, description="Show this step and its note on the public tracking page")
    duplicate_of: uuid.UUID | None = Field(default=None, description="With status=duplicate: the complaint kept")


class CommentIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"note": "Sudah dicek, menunggu alat berat.", "public": False}]},
    )
    note: str = Field(min_length=1, max_length=5000)
    public: bool = False


class ApiKeyIn(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "jaki-app-prod", "role": "app"}]}
    )
    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "supervisor", "officer", "app", "partner"]
    officer_id: uuid.UUID | None = None


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    name: str
    role: str
    key: str = Field(description="Shown once; store it now")
    prefix: str
    created_at: datetime


class CategoryOut(BaseModel):
    code: str
    name: str
    name_en: str
    agency: str
    sla_hours: int
    response_hours: int


class CategoryList(BaseModel):
    items: list[CategoryOut]
    next_cursor: str | None = None


class LocationOut(BaseModel):
    lat: float
    lon: float
    accuracy_m: float | None = None
    address: str | None = None


class ReporterOut(BaseModel):
    id: uuid.UUID
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    nik: str | None = None
    handles: dict[str, str] = {}


class EventOut(BaseModel):
    id: int
    kind: str
    actor: str
    from_status: str | None = None
    to_status: str | None = None
    note: str | None = None
    public: bool
    data: dict[str, Any] = {}
    created_at: datetime


class ComplaintOut(BaseModel):
    id: uuid.UUID
    ticket: str
    channel: str
    external_id: str | None = None
    title: str | None = None
    description: str
    category: str | None = None
    attachments: list[dict[str, Any]] = []
    language: str | None = None
    metadata: dict[str, Any] = {}
    location: LocationOut | None = None
    area: dict[str, Any] | None = None
    privacy: str
    pii: list[str] = []
    flags: list[str] = []
    status: str
    status_label: str
    status_colour: str
    unit: str | None = None
    assignee: uuid.UUID | None = None
    due_at: datetime | None = None
    response_due_at: datetime | None = None
    sla_state: str | None = None
    duplicate_of: uuid.UUID | None = None
    version: int
    created_at: datetime
    received_at: datetime
    updated_at: datetime
    reporter: ReporterOut | None = None
    events: list[EventOut] | None = None
    allowed_transitions: list[str] = []


class ComplaintList(BaseModel):
    items: list[ComplaintOut]
    next_cursor: str | None = None


class TimelineEntry(BaseModel):
    at: datetime
    kind: str
    status: str | None = None
    status_label: str | None = None
    note: str | None = None


class TrackOut(BaseModel):
    ticket: str
    status: str
    status_label: str
    colour: str
    category: str | None = None
    category_name: str | None = None
    title: str | None = None
    description: str | None = None
    kelurahan: str | None = None
    kecamatan: str | None = None
    kota: str | None = None
    unit: str | None = None
    location: dict[str, float] | None = None
    address: str | None = None
    created_at: datetime
    updated_at: datetime
    timeline: list[TimelineEntry]
