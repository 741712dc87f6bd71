"""Request and response shapes of the complaint API (Pydantic v2)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from app.complaints.lifecycle import ComplaintStatus
from app.core.schemas import Timestamp

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
# The one status enum (app.complaints.lifecycle): a request names a status by its string.
StatusCode = ComplaintStatus
PrivacyCode = Literal["public", "anonymous", "secret"]


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NIK_RE = re.compile(r"^\d{16}$")

MAX_DESCRIPTION = 5000
MAX_TITLE = 200

# When a complaint can have been received: not before the service's oldest source (no
# channel predates 2000) and not more than a day ahead (clock skew of a phone or a desk
# PC). Anything else is a typo or a probe, and a year like 9999 also breaks the SLA
# arithmetic (deadlines are received_at plus hours).
EARLIEST_RECEIVED_AT = datetime(2000, 1, 1, tzinfo=UTC)
RECEIVED_AT_SKEW = timedelta(days=1)
RECEIVED_AT_RANGE = "from 2000-01-01 to one day after now"


def sane_received_at(value: datetime) -> bool:
    """Whether an aware ``value`` lies in ``RECEIVED_AT_RANGE``."""
    try:
        return EARLIEST_RECEIVED_AT <= value <= datetime.now(UTC) + RECEIVED_AT_SKEW
    except OverflowError:  # 0001-01-01 with a positive offset is before the first representable UTC
        return False


def check_received_at(value: datetime | None) -> datetime | None:
    """Validator: an aware ``received_at`` within ``RECEIVED_AT_RANGE``."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("must carry a UTC offset, e.g. 2026-03-01T10:12:40+07:00")
    if not sane_received_at(value):
        raise ValueError(f"out of range: a time {RECEIVED_AT_RANGE}")
    return value


def no_null(value: Any) -> Any:
    """``mode="before"`` validator of a PATCH field that cannot be emptied: an explicit
    ``null`` is an error naming the field, not a silent clear of a NOT NULL column."""
    if value is None:
        raise ValueError("may not be null; leave the field out to keep its value")
    return value


def drop_default(schema: dict[str, Any]) -> None:
    """``json_schema_extra`` of a PATCH field that is optional but never null: its
    ``default: null`` would tell clients null is a value to send."""
    schema.pop("default", None)


# --------------------------------------------------------------------------- response examples
# One complaint, seen through every endpoint that shows it: a JAKI report of a pothole in Cikini
# (31.71.06.1003), routed to the kelurahan office and auto-assigned, now being handled. The other
# modules' examples (queues, assignment, EWS) reuse these so ids and tickets agree everywhere.

EXAMPLE_COMPLAINT_ID = "3b9d6f2e-4c1a-4e8b-9a7d-2f5c8e1b0a64"
EXAMPLE_TICKET = "K7M2-Q9XD"
EXAMPLE_OFFICER_ID = "6f1c2a3e-8a57-4c41-9a0e-1f2b3c4d5e6f"
EXAMPLE_UNIT = "kel-31.71.06.1003"
EXAMPLE_CREATED_AT = "2026-03-02T03:12:40+00:00"  # 10:12:40 WIB
EXAMPLE_UPDATED_AT = "2026-03-02T04:05:18+00:00"
EXAMPLE_AREA = {
    "kelurahan": {"code": "31.71.06.1003", "name": "Cikini"},
    "kecamatan": {"code": "31.71.06", "name": "Menteng"},
    "kota": {"code": "31.71", "name": "Kota Administrasi Jakarta Pusat"},
    "source": "point",
}

# The officer view (``complaint_view``): what lists, queues and the write endpoints answer.
COMPLAINT_EXAMPLE: dict[str, Any] = {
    "id": EXAMPLE_COMPLAINT_ID,
    "ticket": EXAMPLE_TICKET,
    "channel": "jaki",
    "external_id": "JAKI-20260302-000418",
    "title": "Jalan berlubang di Jl. Cikini Raya",
    "description": "Lubang besar di depan halte Cikini, sudah dua motor jatuh minggu ini.",
    "category": "roads",
    "attachments": [
        {
            "url": "/v1/media/c102349e712df15db780fdbed47f27d9153ef1e085763e090b057a6e63a99388.jpg",
            "media_type": "image/jpeg",
            "size": 412883,
            "filename": "IMG_20260302_100955.jpg",
        }
    ],
    "language": "id",
    "metadata": {},
    "location": {"lat": -6.1915, "lon": 106.8412, "accuracy_m": 8.0, "address": "Jl. Cikini Raya 45"},
    "area": EXAMPLE_AREA,
    "privacy": "public",
    "pii": [],
    "flags": [],
    "status": "in_progress",
    "status_label": "Proses",
    "status_colour": "yellow",
    "unit": EXAMPLE_UNIT,
    "assignee": EXAMPLE_OFFICER_ID,
    "due_at": "2026-03-09T03:12:40+00:00",
    "response_due_at": "2026-03-02T09:12:40+00:00",
    "ews_at": None,
    "sla_state": "on_track",
    "duplicate_of": None,
    "version": 2,
    "created_at": EXAMPLE_CREATED_AT,
    "received_at": EXAMPLE_CREATED_AT,
    "updated_at": EXAMPLE_UPDATED_AT,
    "allowed_transitions": ["coordination", "duplicate", "pending_validation", "rejected"],
}

# The same complaint as POST /v1/complaints answered it a moment after intake.
COMPLAINT_CREATED_EXAMPLE: dict[str, Any] = {
    **COMPLAINT_EXAMPLE,
    "status": "received",
    "status_label": "Menunggu",
    "status_colour": "red",
    "version": 1,
    "updated_at": EXAMPLE_CREATED_AT,
    "allowed_transitions": ["coordination", "dispatched", "duplicate", "in_progress", "rejected"],
}

COMMENT_EVENT_EXAMPLE: dict[str, Any] = {
    "id": 5,
    "kind": "comment",
    "actor": "officer:officer:Siti Rahmawati",
    "from_status": None,
    "to_status": None,
    "note": "Sudah dicek, menunggu alat berat dari Sudin Bina Marga.",
    "public": False,
    "data": {},
    "created_at": "2026-03-02T04:20:03+00:00",
}

EVENTS_EXAMPLE: list[dict[str, Any]] = [
    {
        "id": 1,
        "kind": "created",
        "actor": "app:jaki-app-prod",
        "from_status": None,
        "to_status": "received",
        "note": None,
        "public": True,
        "data": {"channel": "jaki"},
        "created_at": EXAMPLE_CREATED_AT,
    },
    {
        "id": 2,
        "kind": "routed",
        "actor": "system:routing",
        "from_status": None,
        "to_status": None,
        "note": "Diteruskan ke Kelurahan Cikini",
        "public": True,
        "data": {
            "rule": "kelurahan_office",
            "trigger": "created",
            "from_unit": None,
            "from_unit_name": None,
            "to_unit": EXAMPLE_UNIT,
            "to_unit_name": "Kelurahan Cikini",
            "previous_officer_id": None,
        },
        "created_at": EXAMPLE_CREATED_AT,
    },
    {
        "id": 3,
        "kind": "assigned",
        "actor": "system:routing",
        "from_status": None,
        "to_status": None,
        "note": None,
        "public": False,
        "data": {
            "officer_id": EXAMPLE_OFFICER_ID,
            "officer_name": "Siti Rahmawati",
            "unit": EXAMPLE_UNIT,
            "mode": "auto",
            "open_assignments": 4,
            "previous_officer_id": None,
        },
        "created_at": EXAMPLE_CREATED_AT,  # routed and assigned in the intake transaction
    },
    {
        "id": 4,
        "kind": "status_changed",
        "actor": "officer:officer:Siti Rahmawati",
        "from_status": "received",
        "to_status": "in_progress",
        "note": "Petugas menuju lokasi.",
        "public": True,
        "data": {},
        "created_at": EXAMPLE_UPDATED_AT,
    },
]

# The full view (``full_view``): GET /v1/complaints/{id} and the write endpoints add reporter and history.
COMPLAINT_FULL_EXAMPLE: dict[str, Any] = {
    **COMPLAINT_EXAMPLE,
    "reporter": {
        "id": "a1d4c7e2-5b8f-4a3c-9e6d-0f2b7c4e8a15",
        "name": "Budi Santoso",
        "phone": "+6281211110000",
        "email": None,
        "nik": None,
        "handles": {},
    },
    "events": EVENTS_EXAMPLE,
}


def no_nul(value: Any) -> Any:
    """``mode="before"`` validator: PostgreSQL text cannot hold U+0000. The JSON route
    (``app.core.routes.JsonRoute``) refuses it in any JSON body already; this names the field for
    input that arrives another way (forms, multipart, models built in code)."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain the NUL character (\\u0000)")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return no_nul(value)


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
    phone: str | None = Field(
        default=None, max_length=40, description="Any Indonesian form: 0812..., 62812..., +62 812..."
    )
    email: str | None = Field(default=None, max_length=320)
    nik: str | None = Field(default=None, description="16-digit national identity number (NIK)")
    handles: dict[str, str] = Field(
        default_factory=dict, max_length=20, description="platform -> handle, e.g. {'twitter': 'budi'}"
    )

    @field_validator("handles")
    @classmethod
    def _handles(cls, v: dict[str, str]) -> dict[str, str]:
        # stored as (kind, value) in reporter_identities: 40 and 320 characters
        for platform, handle in v.items():
            if not 1 <= len(platform) <= 40:
                raise ValueError("each platform name is 1 to 40 characters")
            if len(handle) > 320:
                raise ValueError(f"the {platform} handle is longer than 320 characters")
        return v

    @field_validator("email", "nik", "phone")
    @classmethod
    def _contact(cls, v: str | None, info: ValidationInfo) -> str | None:
        return check_contact(info.field_name or "", v)


def check_contact(field: str, v: str | None) -> str | None:
    """A reporter's email (lower-cased), NIK (16 digits) or phone (E.164); empty is None. One rule
    for a submission's reporter and an officer's correction (PATCH /v1/reporters/{id})."""
    if v is None or v == "":
        return None
    if field == "email":
        if not _EMAIL_RE.match(v):
            raise ValueError("not an email address")
        return v.lower()
    if field == "nik":
        if not _NIK_RE.match(v):
            raise ValueError("a NIK is 16 digits")
        return v
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
                    "location": {
                        "lat": -6.1915,
                        "lon": 106.8412,
                        "accuracy_m": 8,
                        "address": "Jl. Cikini Raya 45",
                    },
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
    external_id: str | None = Field(
        default=None, max_length=500, description="The source's own id; unique per channel"
    )
    title: str | None = Field(default=None, max_length=MAX_TITLE)
    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION)
    category: str | None = Field(default=None, max_length=40, description="A code from GET /v1/categories")
    location: LocationIn | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)
    language: str | None = Field(default="id", max_length=10)
    metadata: dict[str, Any] = Field(default_factory=dict)
    reporter: ReporterIn | None = None
    privacy: PrivacyCode = "public"
    received_at: datetime | None = Field(
        default=None,
        description=f"When the channel received it (default: now), with a UTC offset, {RECEIVED_AT_RANGE}",
    )

    @field_validator("received_at")
    @classmethod
    def _received(cls, v: datetime | None) -> datetime | None:
        return check_received_at(v)


class TransitionIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [{"status": "in_progress", "note": "Petugas menuju lokasi.", "public": True}]
        },
    )
    status: StatusCode
    note: str | None = Field(default=None, max_length=5000)
    public: bool = Field(default=False, description="Show this step and its note on the public tracking page")
    duplicate_of: uuid.UUID | None = Field(
        default=None, description="With status=duplicate (and only then): the complaint kept"
    )

    @field_validator("duplicate_of")
    @classmethod
    def _duplicate_only_with_duplicate(cls, v: uuid.UUID | None, info: ValidationInfo) -> uuid.UUID | None:
        # on another move it would be written anyway, pointing wherever it points
        if v is not None and info.data.get("status", "duplicate") != "duplicate":
            raise ValueError("only with status=duplicate")
        return v


class CommentIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"note": "Sudah dicek, menunggu alat berat.", "public": False}]},
    )
    note: str = Field(min_length=1, max_length=5000)
    public: bool = False


class ReporterPatch(BaseModel):
    """Fields to correct; `null` clears one. `reason` is kept in the audit log."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"name": "Budi Santoso", "reason": "nama salah ketik di loket, dikonfirmasi via telepon"}
            ]
        },
    )
    name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    nik: str | None = Field(default=None, pattern=r"^\d{16}$")
    reason: str = Field(min_length=3, max_length=500, description="Why: kept in the audit log")

    @field_validator("phone", "email", "nik")
    @classmethod
    def _contact(cls, v: str | None, info: ValidationInfo) -> str | None:
        return check_contact(info.field_name or "", v)


class ApiKeyIn(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "jaki-app-prod", "role": "app"}]}
    )
    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "supervisor", "officer", "app", "partner"]
    officer_id: uuid.UUID | None = None


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "527d4f25-f0ca-42d4-8a79-e2e77b5ff5e0",
                    "name": "jaki-app-prod",
                    "role": "app",
                    "prefix": "adn_Q3vT9kLm",
                    "created_at": "2026-03-01T02:00:00+00:00",
                    "key": "adn_Q3vT9kLmX2pR7wYc_4NbH8dJs1eKf6gUa0zVi5oT",
                }
            ]
        }
    )
    id: uuid.UUID
    name: str
    role: str
    key: str = Field(description="Shown once; store it now")
    prefix: str
    created_at: Timestamp


class CategoryOut(BaseModel):
    code: str
    name: str
    name_en: str
    agency: str
    sla_hours: int
    response_hours: int


class CategoryList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "code": "drainage_flood",
                            "name": "Saluran Air, Kali dan Banjir",
                            "name_en": "Drains, rivers and floods",
                            "agency": "sda",
                            "sla_hours": 72,
                            "response_hours": 6,
                        },
                        {
                            "code": "roads",
                            "name": "Jalan Rusak",
                            "name_en": "Damaged roads",
                            "agency": "bina-marga",
                            "sla_hours": 168,
                            "response_hours": 6,
                        },
                        {
                            "code": "rubbish",
                            "name": "Sampah",
                            "name_en": "Rubbish",
                            "agency": "lingkungan-hidup",
                            "sla_hours": 72,
                            "response_hours": 6,
                        },
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )
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
    version: int = Field(default=1, description="Send it as If-Match to PATCH /v1/reporters/{id}")


class ReporterRecord(BaseModel):
    """A reporter's record as ``PATCH /v1/reporters/{id}`` answers it (its ``version`` is the ETag)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "a1d4c7e2-5b8f-4a3c-9e6d-0f2b7c4e8a15",
                    "name": "Budi Santoso",
                    "phone": "+6281211110000",
                    "email": None,
                    "nik": None,
                    "version": 2,
                }
            ]
        }
    )
    id: uuid.UUID
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    nik: str | None = None
    version: int


class EventOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [COMMENT_EVENT_EXAMPLE]})
    id: int
    kind: str
    actor: str
    from_status: str | None = None
    to_status: str | None = None
    note: str | None = None
    public: bool
    data: dict[str, Any] = {}
    created_at: Timestamp


class ComplaintOut(BaseModel):
    """The officer view; the single-complaint reads and status changes add ``reporter`` and ``events``."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [COMPLAINT_FULL_EXAMPLE, COMPLAINT_CREATED_EXAMPLE]}
    )
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
    due_at: Timestamp | None = None
    response_due_at: Timestamp | None = None
    ews_at: Timestamp | None = Field(
        default=None, description="Estimated completion (EWS) set by the handler"
    )
    sla_state: str | None = None
    duplicate_of: uuid.UUID | None = None
    version: int
    created_at: Timestamp
    received_at: Timestamp
    updated_at: Timestamp
    reporter: ReporterOut | None = None
    events: list[EventOut] | None = None
    allowed_transitions: list[str] = []


class ComplaintList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [COMPLAINT_EXAMPLE],
                    # encode_cursor(created_at, id) of the last item: the next page starts after it
                    "next_cursor": (
                        "MjAyNi0wMy0wMlQwMzoxMjo0MCswMDowMHwzYjlkNmYyZS00YzFhLTRlOGItOWE3ZC0yZjVjOGUxYjBhNjQ"
                    ),
                }
            ]
        }
    )
    items: list[ComplaintOut]
    next_cursor: str | None = None


class TimelineEntry(BaseModel):
    at: Timestamp
    kind: str
    status: str | None = None
    status_label: str | None = None
    note: str | None = None


class Photo(BaseModel):
    url: str
    caption: str | None = None


class TrackOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ticket": EXAMPLE_TICKET,
                    "status": "in_progress",
                    "status_label": "Proses",
                    "colour": "yellow",
                    "category": "roads",
                    "category_name": "Jalan Rusak",
                    "title": "Jalan berlubang di Jl. Cikini Raya",
                    "description": "Lubang besar di depan halte Cikini, sudah dua motor jatuh minggu ini.",
                    "kelurahan": "Cikini",
                    "kecamatan": "Menteng",
                    "kota": "Kota Administrasi Jakarta Pusat",
                    "unit": "Kelurahan Cikini",
                    "location": {"lat": -6.1915, "lon": 106.8412},
                    "address": "Jl. Cikini Raya 45",
                    "created_at": EXAMPLE_CREATED_AT,
                    "updated_at": EXAMPLE_UPDATED_AT,
                    # public steps only: the assignment and internal comments stay off this page
                    "timeline": [
                        {
                            "at": EXAMPLE_CREATED_AT,
                            "kind": "created",
                            "status": "received",
                            "status_label": "Menunggu",
                            "note": None,
                        },
                        {
                            "at": EXAMPLE_CREATED_AT,
                            "kind": "routed",
                            "status": None,
                            "status_label": None,
                            "note": "Diteruskan ke Kelurahan Cikini",
                        },
                        {
                            "at": EXAMPLE_UPDATED_AT,
                            "kind": "status_changed",
                            "status": "in_progress",
                            "status_label": "Proses",
                            "note": "Petugas menuju lokasi.",
                        },
                    ],
                    "supports": 3,
                    "expected_at": "2026-03-05T10:00:00+00:00",
                    "resolved_at": None,
                    "photos": [
                        {
                            "url": "/v1/media/c102349e712df15db780fdbed47f27d9153ef1e085763e090b057a6e63a99388.jpg",
                            "caption": "Lubang di depan halte",
                        }
                    ],
                }
            ]
        }
    )
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
    created_at: Timestamp
    updated_at: Timestamp
    timeline: list[TimelineEntry]
    supports: int = Field(0, description="Citizens who support it (POST /v1/complaints/{id}/supports)")
    expected_at: Timestamp | None = Field(
        None, description="While open: the completion date the unit announced (EWS), else the SLA due date"
    )
    resolved_at: Timestamp | None = None
    photos: list[Photo] = Field(default_factory=list, description="Photos of a public complaint")


@dataclass(frozen=True, slots=True)
class ComplaintFilters:
    """The filters of ``GET /v1/complaints`` (AND-ed; a list is any of its values)."""

    status: list[StatusCode] | None = None
    channel: list[str] | None = None
    category: list[str] | None = None
    privacy: str | None = None
    external_id: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None
    area: str | None = None
    unit: str | None = None
    assignee: uuid.UUID | None = None
    sla_state: str | None = None
    unassigned: bool | None = None
