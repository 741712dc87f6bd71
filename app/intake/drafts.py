"""What a channel adapter receives and returns: the contract between ``app.channels`` and intake.

It lives in ``app.intake`` because dependencies point one way: the channels implement
this protocol and return these drafts; the intake never imports a channel.

An adapter is a pure function from a *verified* native delivery to a list of
outcomes.  Verification, the raw archive, idempotency and persistence happen
once, around every adapter, in ``app.intake.deliveries``; adapters never touch
the database, the clock (beyond parsing timestamps they are given) or the
network.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from app.complaints.tickets import find_ticket

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
    # Where, in words, when the source gives no point (an Open311 ``address_string``): stored as
    # the complaint's address and read for place names when the area is looked up.
    address: str | None = None
    # Kemendagri code of the area the source implies (an office's area, an Open311 ``address_id``),
    # and what implied it (the area's ``source``).
    area_code: str | None = None
    area_source: str = "office"
    reporter: ReporterDraft | None = None
    privacy: Privacy = "public"
    received_at: datetime | None = None
    # Other ids that identify this complaint's thread (e.g. an email's
    # Message-ID, the tweet id) so that later replies can find it.
    thread_keys: list[str] = field(default_factory=list)
    # The API key that submitted it (JAKI, desks, media, raw email): set by the pipeline from the
    # delivery, never by an adapter; that key may then read the complaint (app.auth.policy).
    submitted_by: str | None = None
    submitter_role: str | None = None


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


# --------------------------------------------------------------------------- hostile platform input
#
# A verified delivery is authentic, not well-formed: a tweet may carry U+0000, a mail 8-bit
# bytes in its headers, an SMS gateway a stray 0xff. PostgreSQL text takes neither NUL nor
# invalid UTF-8 (nor Python's lone surrogates), and the columns have lengths. Nothing of
# this is a reason to lose a citizen's complaint, so adapters decode leniently
# (``load_json``) and the pipeline cleans every outcome (``sanitize_outcome``) before it
# touches the database.

# Column lengths that platform values are fitted into (migrations).
KEY_MAX = 500  # complaints.external_id, inbound_events.event_id, complaint_threads.key
GROUP_KEY_MAX = 200  # message_fragments.group_key
TITLE_MAX = 300
ADDRESS_MAX = 500
NAME_MAX = 200
EMAIL_MAX = 320
NIK_MAX = 16
PHONE_MAX = 40  # before normalisation to E.164 (20)
HANDLE_KIND_MAX = 40
HANDLE_MAX = 320
LANGUAGE_MAX = 10
CATEGORY_MAX = 40
# A source timestamp outside this range is a platform's bug; the complaint keeps the time it
# reached us instead (and the original in metadata), rather than failing or breaking the SLA
# arithmetic.
EARLIEST_SOURCE_TIME = datetime(2000, 1, 1, tzinfo=UTC)
SOURCE_TIME_SKEW = timedelta(days=1)


def load_json(body: bytes) -> Any:
    """A platform's JSON body, tolerating invalid UTF-8 (replaced by U+FFFD).

    Raises ``AdapterError`` when it is not JSON, or nests absurdly deep.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise AdapterError(f"body is not JSON: {str(exc)[:200]}") from None


def clean_text(value: str) -> str:
    """``value`` as PostgreSQL text can hold it: no NUL, no lone surrogates."""
    if value.isascii():
        return value.replace("\x00", "") if "\x00" in value else value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        try:  # bytes smuggled in by surrogateescape (8-bit mail headers): decode them as UTF-8
            value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:  # other lone surrogates (a JSON "\\ud800"): replace them
            value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value.replace("\x00", "")


def clean_value(value: Any) -> Any:
    """``clean_text`` through dicts, lists and tuples (metadata, jsonb); non-finite floats,
    which JSON cannot carry, become None."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value


def fit_key(value: str | None, limit: int = KEY_MAX) -> str | None:
    """A source id or thread key as stored (``limit`` characters): a longer one becomes its
    digest, the same every time, so that redeliveries and replies still find it."""
    if value is None:
        return None
    value = clean_text(value)
    if len(value) <= limit:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def _fit(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = clean_text(value)
    return value[:limit] if len(value) > limit else value


def _fit_or_drop(value: str | None, limit: int) -> str | None:
    """An identity that cannot be cut without becoming someone else's: kept whole or dropped."""
    if value is None:
        return None
    value = clean_text(value)
    return value if len(value) <= limit else None


def _source_time(value: datetime | None, metadata: dict[str, Any]) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        sane = EARLIEST_SOURCE_TIME <= value <= datetime.now(UTC) + SOURCE_TIME_SKEW
    except OverflowError:
        sane = False
    if sane:
        return value
    metadata["source_time_ignored"] = value.isoformat()
    return None


def _location(loc: LocationDraft | None) -> LocationDraft | None:
    if loc is None:
        return None
    finite = all(isinstance(v, int | float) and v == v and abs(v) != float("inf") for v in (loc.lat, loc.lon))
    if not finite or not (-90 <= loc.lat <= 90 and -180 <= loc.lon <= 180):
        return None  # a point that is nowhere is no point
    accuracy = loc.accuracy_m
    if accuracy is not None and not (isinstance(accuracy, int | float) and 0 <= accuracy <= 1e7):
        accuracy = None
    return dataclasses.replace(loc, accuracy_m=accuracy, address=_fit(loc.address, ADDRESS_MAX))


def _reporter(rep: ReporterDraft | None) -> ReporterDraft | None:
    if rep is None:
        return None
    handles = {}
    for raw_kind, raw_handle in (rep.handles or {}).items():
        kind, handle = clean_text(str(raw_kind)), _fit_or_drop(str(raw_handle), HANDLE_MAX)
        if handle and 0 < len(kind) <= HANDLE_KIND_MAX:
            handles[kind] = handle
    return ReporterDraft(
        name=_fit(rep.name, NAME_MAX),
        phone=_fit_or_drop(rep.phone, PHONE_MAX),
        email=_fit_or_drop(rep.email, EMAIL_MAX),
        nik=_fit_or_drop(rep.nik, NIK_MAX),
        handles=handles,
    )


def _attachments(items: list[AttachmentDraft]) -> list[AttachmentDraft]:
    out = []
    for a in items:
        size = a.size if isinstance(a.size, int) and 0 <= a.size < 2**53 else None
        out.append(
            AttachmentDraft(
                url=clean_text(a.url),
                media_type=_fit(a.media_type, 200),
                size=size,
                caption=_fit(a.caption, 2000),
                filename=_fit(a.filename, 500),
            )
        )
    return out


def _draft(d: ComplaintDraft) -> ComplaintDraft:
    metadata = clean_value(d.metadata or {})
    return dataclasses.replace(
        d,
        external_id=fit_key(d.external_id),
        description=clean_text(d.description),
        title=_fit(d.title, TITLE_MAX),
        category=_fit_or_drop(d.category, CATEGORY_MAX),
        attachments=_attachments(d.attachments),
        language=_fit_or_drop(d.language, LANGUAGE_MAX),
        location=_location(d.location),
        area_code=_fit_or_drop(d.area_code, 20),
        reporter=_reporter(d.reporter),
        received_at=_source_time(d.received_at, metadata),
        metadata=metadata,
        thread_keys=[k for k in (fit_key(k) for k in d.thread_keys) if k],
    )


def sanitize_outcome(outcome: Outcome) -> Outcome:
    """The outcome with every value fitted to what the database stores (see above).
    Pure; a clean outcome comes back equal."""
    if isinstance(outcome, ComplaintDraft):
        return _draft(outcome)
    if isinstance(outcome, FollowUp):
        metadata = clean_value(outcome.metadata or {})
        return dataclasses.replace(
            outcome,
            external_id=fit_key(outcome.external_id),
            text=clean_text(outcome.text),
            ticket=_fit(outcome.ticket, 40),
            thread_refs=[k for k in (fit_key(k) for k in outcome.thread_refs) if k],
            reporter=_reporter(outcome.reporter),
            attachments=_attachments(outcome.attachments),
            location=_location(outcome.location),
            received_at=_source_time(outcome.received_at, metadata),
            metadata=metadata,
            thread_keys=[k for k in (fit_key(k) for k in outcome.thread_keys) if k],
            fallback=_draft(outcome.fallback) if outcome.fallback is not None else None,
        )
    if isinstance(outcome, Edit):
        return dataclasses.replace(
            outcome,
            target_external_id=fit_key(outcome.target_external_id) or "",
            external_id=fit_key(outcome.external_id),
            description=clean_text(outcome.description),
            received_at=_source_time(outcome.received_at, {}),
        )
    if isinstance(outcome, Fragment):
        return dataclasses.replace(
            outcome,
            group_key=fit_key(outcome.group_key, GROUP_KEY_MAX) or "",
            text=clean_text(outcome.text),
            draft=_draft(outcome.draft),
            external_id=fit_key(outcome.external_id),
        )
    if isinstance(outcome, Ignored):
        return Ignored(reason=_fit(outcome.reason, 200) or "", external_id=fit_key(outcome.external_id))
    if isinstance(outcome, Deferred):
        return dataclasses.replace(
            outcome,
            reason=_fit(outcome.reason, 200) or "",
            external_id=fit_key(outcome.external_id),
            metadata=clean_value(outcome.metadata or {}),
        )
    return outcome


def finish_joined(draft: ComplaintDraft, text: str) -> ComplaintDraft | FollowUp:
    """The outcome of a concatenated SMS once all its parts are joined into ``text``."""
    complete = dataclasses.replace(draft, description=text, metadata=dict(draft.metadata))
    ticket = find_ticket(text)
    if not ticket:
        return complete
    return FollowUp(
        channel=draft.channel,
        external_id=draft.external_id,
        text=text,
        ticket=ticket,
        reporter=draft.reporter,
        received_at=draft.received_at,
        metadata=dict(draft.metadata),
        fallback=complete,
    )
