"""What a channel adapter receives and returns.

An adapter is a pure function from a *verified* native delivery to a list of
outcomes.  Verification, the raw archive, idempotency and persistence happen
once, around every adapter, in ``app.channels.inbound``; adapters never touch
the database, the clock (beyond parsing timestamps they are given) or the
network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

Privacy = Literal["public", "anonymous", "secret"]


class AdapterError(Exception):
    """The delivery is verified but its content cannot be mapped.

    The pipeline keeps the raw delivery as ``failed`` (visible at
    ``GET /v1/inbound?status=failed``) and answers 202.
    """


class SignatureError(Exception):
    """A signature is missing or wrong: 401, nothing stored."""


class VerifyTokenError(Exception):
    """A platform handshake carried the wrong verify token: 403."""


class ChannelNotConfigured(Exception):
    """The channel's secret is not configured: 503, nothing accepted."""


@dataclass(slots=True)
class Delivery:
    """One HTTP request as a platform sent it (after signature verification)."""

    body: bytes
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    query: dict[str, str] = field(default_factory=dict)
    # For form posts: the decoded fields (repeated fields keep the last value).
    form: dict[str, str] = field(default_factory=dict)
    # Files of a multipart post, already saved through the storage interface.
    files: list[AttachmentDraft] = field(default_factory=list)
    url: str = ""
    # Context the endpoint adds (e.g. the office for office intake, the API key name).
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class LocationDraft:
    lat: float
    lon: float
    accuracy_m: float | None = None
    address: str | None = None


@dataclass(slots=True)
class AttachmentDraft:
    url: str
    media_type: str | None = None
    size: int | None = None
    caption: str | None = None
    filename: str | None = None


@dataclass(slots=True)
class ReporterDraft:
    name: str | None = None
    phone: str | None = None  # as given; the service normalises to E.164
    email: str | None = None
    nik: str | None = None
    # platform -> handle or platform-scoped id, e.g. {"twitter": "budi_s",
    # "twitter_id": "123", "facebook_psid": "456", "instagram": "budi"}
    handles: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ComplaintDraft:
    """A new complaint in the canonical schema."""

    channel: str
    external_id: str | None
    description: str
    title: str | None = None
    category: str | None = None
    attachments: list[AttachmentDraft] = field(default_factory=list)
    language: str | None = "id"
    metadata: dict[str, Any] = field(default_factory=dict)
    location: LocationDraft | None = None
    # Kemendagri code of the area the source implies (an office's area).
    area_code: str | None = None
    reporter: ReporterDraft | None = None
    privacy: Privacy = "public"
    received_at: datetime | None = None
    # Other ids that identify this complaint's thread (e.g. an email's
    # Message-ID, the tweet id) so that later replies can find it.
    thread_keys: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FollowUp:
    """Something that belongs to an existing complaint.

    The pipeline finds the complaint by, in order: ``ticket`` (a code quoted in
    the text), ``thread_refs`` (ids of the messages this one answers, matched
    against the thread keys and external ids of earlier complaints of the same
    channel), or ``recent_from_reporter`` (the same sender's most recent open
    complaint of this channel within a short window).  When none matches and
    ``fallback`` is given, the fallback draft is created instead.
    """

    channel: str
    external_id: str | None
    text: str
    ticket: str | None = None
    thread_refs: list[str] = field(default_factory=list)
    recent_from_reporter: bool = False
    reporter: ReporterDraft | None = None
    attachments: list[AttachmentDraft] = field(default_factory=list)
    location: LocationDraft | None = None
    received_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    thread_keys: list[str] = field(default_factory=list)
    fallback: ComplaintDraft | None = None


@dataclass(slots=True)
class Edit:
    """The source edited the content that made a complaint (Facebook verb=edited)."""

    channel: str
    target_external_id: str
    external_id: str | None
    description: str
    received_at: datetime | None = None


@dataclass(slots=True)
class Ignored:
    reason: str  # short snake_case, e.g. "retweet", "own_post", "delivery_receipt"
    external_id: str | None = None


@dataclass(slots=True)
class Fragment:
    """One part of a multi-part message (concatenated SMS).

    The pipeline keeps parts under ``group_key`` until ``total`` distinct
    ``seq`` values have arrived (or a timeout passes), then joins their text in
    ``seq`` order and creates ``draft`` with that text as description.
    """

    group_key: str
    seq: int
    total: int
    text: str
    draft: ComplaintDraft
    external_id: str | None = None


@dataclass(slots=True)
class Deferred:
    """Verified and stored, but it needs more before it can be mapped.

    (An Instagram mention carries only ids; its text must be fetched through
    the Graph API.)  The delivery is kept with ``status='needs_fetch'``.
    """

    reason: str
    external_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


Outcome = ComplaintDraft | FollowUp | Edit | Ignored | Fragment | Deferred


class Adapter(Protocol):
    """One per channel code.  ``parse`` must be pure."""

    code: str

    def parse(self, delivery: Delivery) -> list[Outcome]: ...
