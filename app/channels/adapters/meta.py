"""What the three Meta webhooks (Facebook Page, Instagram, WhatsApp Cloud API) share.

Meta signs every POST with ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app
secret, raw body)>`` and proves endpoint ownership with a GET handshake
(``hub.mode=subscribe``, ``hub.verify_token``, ``hub.challenge``).  A POST body is
``{"object": ..., "entry": [...]}``; each entry carries ``changes[]`` (Graph
field changes) and/or ``messaging[]`` (Messenger-style events), and one delivery
may batch many entries, so adapters walk them in order and return one outcome
per event.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.complaints.tickets import find_ticket
from app.intake.drafts import (
    AdapterError,
    AttachmentDraft,
    ChannelNotConfigured,
    ComplaintDraft,
    Edit,
    FollowUp,
    Ignored,
    LocationDraft,
    Outcome,
    ReporterDraft,
    SignatureError,
    VerifyTokenError,
    load_json,
)

SIGNATURE_HEADER = "x-hub-signature-256"
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


def verify_signature(headers: dict[str, str], body: bytes, app_secret: str) -> None:
    """Check ``X-Hub-Signature-256`` over the raw body; raise ``SignatureError`` if it is not Meta's."""
    if not app_secret:
        # An empty key would make every attacker's HMAC "valid".
        raise ChannelNotConfigured("the Meta app secret is not configured")
    header = (headers.get(SIGNATURE_HEADER) or "").strip()
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    scheme, _, received = header.partition("=")
    received = received.strip().lower()
    if scheme.strip().lower() != "sha256" or not _HEX_SHA256.fullmatch(received):
        raise SignatureError(f"malformed {SIGNATURE_HEADER} header")
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received):
        raise SignatureError("signature does not match the body")


def handshake(query: dict[str, str], verify_token: str) -> str:
    """Answer Meta's subscription check: return ``hub.challenge`` to echo as plain text.

    Raises ``VerifyTokenError`` (403) when the mode is not ``subscribe`` or the
    token is wrong, and ``ValueError`` when the token is right but there is no
    challenge to echo (a malformed request, answered 400).
    """
    if not verify_token:
        raise ChannelNotConfigured("the Meta verify token is not configured")
    if query.get("hub.mode") != "subscribe":
        raise VerifyTokenError("hub.mode must be 'subscribe'")
    token = query.get("hub.verify_token") or ""
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        raise VerifyTokenError("hub.verify_token does not match")
    challenge = query.get("hub.challenge")
    if not challenge:
        raise ValueError("hub.challenge is missing")
    return challenge


# --- payload walking -------------------------------------------------------


@dataclass(slots=True)
class Event:
    """One event of a Meta batch: a ``changes[]`` item or a ``messaging[]`` item."""

    entry_id: str
    entry_time: datetime | None
    kind: str  # "change" or "messaging" (or "standby" for handover-protocol copies)
    field: str  # the change's field; "" for messaging events
    value: dict[str, Any]


def load_payload(body: bytes, expected_object: str) -> dict[str, Any]:
    payload = load_json(body)
    if not isinstance(payload, dict):
        raise AdapterError("body must be a JSON object")
    obj = payload.get("object")
    if obj != expected_object:
        raise AdapterError(f"'object' must be {expected_object!r}, got {obj!r}")
    return payload


def iter_events(payload: dict[str, Any]) -> Iterator[Event]:
    """Every event of every entry, in delivery order."""
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise AdapterError("'entry' must be a list")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise AdapterError(f"entry[{i}] must be an object")
        entry_id = str_field(entry, "id", f"entry[{i}]")
        entry_time = (
            timestamp(entry.get("time"), f"entry[{i}].time") if entry.get("time") is not None else None
        )
        found = False
        for kind, key in (("change", "changes"), ("messaging", "messaging"), ("standby", "standby")):
            items = entry.get(key)
            if items is None:
                continue
            if not isinstance(items, list):
                raise AdapterError(f"entry[{i}].{key} must be a list")
            found = True
            for j, item in enumerate(items):
                where = f"entry[{i}].{key}[{j}]"
                if not isinstance(item, dict):
                    raise AdapterError(f"{where} must be an object")
                if kind == "change":
                    field = str_field(item, "field", where)
                    value = item.get("value")
                    if not isinstance(value, dict):
                        raise AdapterError(f"{where}.value must be an object")
                    yield Event(entry_id, entry_time, kind, field, value)
                else:
                    yield Event(entry_id, entry_time, kind, "", item)
        if not found:
            raise AdapterError(f"entry[{i}] has neither 'changes' nor 'messaging'")


# --- small typed accessors (every wrong type is an AdapterError) ----------


def str_field(obj: dict[str, Any], key: str, where: str) -> str:
    """A required id-like field; Meta sends ids as strings but some payloads use numbers."""
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise AdapterError(f"{where}.{key} is required and must be a string")
    text = str(value)
    if not text:
        raise AdapterError(f"{where}.{key} must not be empty")
    return text


def opt_str(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise AdapterError(f"{where}.{key} must be a string")
    return str(value)


def opt_obj(obj: dict[str, Any], key: str, where: str) -> dict[str, Any] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise AdapterError(f"{where}.{key} must be an object")
    return value


def opt_list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise AdapterError(f"{where}.{key} must be a list")
    return value


def timestamp(value: Any, where: str) -> datetime:
    """A Unix time in seconds or milliseconds (Messenger uses ms, Graph changes use s)."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AdapterError(f"{where} must be a Unix timestamp")
    seconds = value / 1000 if abs(value) >= 100_000_000_000 else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise AdapterError(f"{where} is out of range") from None


def coordinates(lat: Any, lon: Any, where: str, address: str | None = None) -> LocationDraft:
    if (
        isinstance(lat, bool)
        or isinstance(lon, bool)
        or not isinstance(lat, int | float)
        or not isinstance(lon, int | float)
    ):
        raise AdapterError(f"{where} must carry numeric latitude and longitude")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise AdapterError(f"{where} is outside the valid latitude/longitude range")
    return LocationDraft(lat=float(lat), lon=float(lon), address=address or None)


# --- Messenger-style messages (Facebook Messenger, Instagram Direct) ---------


def messenger_attachments(
    message: dict[str, Any], where: str
) -> tuple[list[AttachmentDraft], LocationDraft | None, list[str]]:
    """Media, a shared location and the attachment types of a Messenger/IG message."""
    media: list[AttachmentDraft] = []
    location: LocationDraft | None = None
    types: list[str] = []
    for k, att in enumerate(opt_list(message, "attachments", where)):
        at = f"{where}.attachments[{k}]"
        if not isinstance(att, dict):
            raise AdapterError(f"{at} must be an object")
        kind = opt_str(att, "type", at) or "unknown"
        types.append(kind)
        payload = opt_obj(att, "payload", at) or {}
        if kind == "location":
            coords = opt_obj(payload, "coordinates", f"{at}.payload") or {}
            location = coordinates(coords.get("lat"), coords.get("long"), f"{at}.payload.coordinates")
            continue
        url = opt_str(payload, "url", f"{at}.payload")
        if url:
            # Shares, story mentions and reels carry a URL of unknown media type.
            media.append(AttachmentDraft(url=url, media_type=_MESSENGER_MEDIA.get(kind)))
    return media, location, types


# Messenger names a category, not a MIME type; keep the category as a coarse type.
_MESSENGER_MEDIA = {
    "image": "image/*",
    "video": "video/*",
    "audio": "audio/*",
    "file": "application/octet-stream",
}


def messaging_outcome(
    event: Event,
    *,
    channel: str,
    handle_key: str,
    via: str,
    extra_metadata: dict[str, Any] | None = None,
) -> Outcome:
    """Map one Messenger-style ``messaging[]`` event (Facebook Messenger or Instagram Direct).

    Direct messages are private conversations, so the complaint is ``secret``.
    """
    item = event.value
    where = "messaging"
    sender = opt_obj(item, "sender", where) or {}
    sender_id = opt_str(sender, "id", f"{where}.sender")
    received = (
        timestamp(item["timestamp"], f"{where}.timestamp") if item.get("timestamp") is not None else None
    )
    received = received or event.entry_time

    if "message" not in item:
        edit = opt_obj(item, "message_edit", where)
        if edit is not None:
            mid = str_field(edit, "mid", f"{where}.message_edit")
            text = opt_str(edit, "text", f"{where}.message_edit")
            if not text:
                return Ignored("edit_without_text", external_id=mid)
            num = opt_str(edit, "num_edit", f"{where}.message_edit") or "1"
            return Edit(
                channel,
                target_external_id=mid,
                external_id=f"{mid}#edit-{num}",
                description=text,
                received_at=received,
            )
        for key, reason in _MESSAGING_IGNORED.items():
            if key in item:
                return Ignored(reason, external_id=_event_mid(item.get(key)))
        return Ignored("unsupported_event")

    message = opt_obj(item, "message", where)
    if message is None:
        raise AdapterError(f"{where}.message must be an object")
    where = f"{where}.message"
    mid = str_field(message, "mid", where)
    if message.get("is_echo") is True:
        return Ignored("echo", external_id=mid)
    if sender_id is None:
        raise AdapterError("messaging.sender.id is required")
    if sender_id == event.entry_id:
        # The page/account writing in its own inbox from another tool; not a citizen.
        return Ignored("own_post", external_id=mid)
    if message.get("is_deleted") is True:
        return Ignored("removed", external_id=mid)
    if message.get("is_unsupported") is True:
        return Ignored("unsupported_message", external_id=mid)

    text = (opt_str(message, "text", where) or "").strip()
    attachments, location, types = messenger_attachments(message, where)
    if message.get("sticker_id") is not None and not text:
        return Ignored("sticker", external_id=mid)
    if not text and not attachments and location is None:
        return Ignored("empty_message", external_id=mid)

    metadata: dict[str, Any] = dict(extra_metadata or {})
    if types:
        metadata["attachment_types"] = types
    thread_refs: list[str] = []
    reply_to = opt_obj(message, "reply_to", where)
    if reply_to is not None:
        reply_mid = opt_str(reply_to, "mid", f"{where}.reply_to")
        if reply_mid:
            thread_refs.append(reply_mid)
            metadata["reply_to_mid"] = reply_mid
        story = opt_obj(reply_to, "story", f"{where}.reply_to")
        if story and opt_str(story, "id", f"{where}.reply_to.story"):
            metadata["reply_to_story_id"] = str(story["id"])
    quick = opt_obj(message, "quick_reply", where)
    if quick and opt_str(quick, "payload", f"{where}.quick_reply"):
        metadata["quick_reply_payload"] = str(quick["payload"])

    if not text:
        text = (
            f"Lokasi dikirim via {via}"
            if location is not None and not attachments
            else f"Lampiran dikirim via {via}"
        )
    reporter = ReporterDraft(handles={handle_key: sender_id})
    draft = ComplaintDraft(
        channel=channel,
        external_id=mid,
        description=text,
        attachments=attachments,
        location=location,
        reporter=reporter,
        privacy="secret",
        received_at=received,
        metadata=metadata,
        thread_keys=[mid],
    )
    ticket = find_ticket(text)
    if ticket or thread_refs:
        return follow_up_from(draft, ticket=ticket, thread_refs=thread_refs)
    return draft


def follow_up_from(
    draft: ComplaintDraft,
    *,
    ticket: str | None = None,
    thread_refs: list[str] | None = None,
    recent_from_reporter: bool = False,
) -> FollowUp:
    """A follow-up carrying the same content, with the draft as fallback so nothing is lost."""
    return FollowUp(
        channel=draft.channel,
        external_id=draft.external_id,
        text=draft.description,
        ticket=ticket,
        thread_refs=list(thread_refs or []),
        recent_from_reporter=recent_from_reporter,
        reporter=draft.reporter,
        attachments=list(draft.attachments),
        location=draft.location,
        received_at=draft.received_at,
        metadata=dict(draft.metadata),
        thread_keys=list(draft.thread_keys),
        fallback=draft,
    )


def _event_mid(value: Any) -> str | None:
    """The message id an ignored event refers to, when it names exactly one."""
    if isinstance(value, dict):
        mid = value.get("mid")
        if isinstance(mid, str):
            return mid
        mids = value.get("mids")
        if isinstance(mids, list) and len(mids) == 1 and isinstance(mids[0], str):
            return mids[0]
    return None


_MESSAGING_IGNORED = {
    "delivery": "delivery_receipt",
    "read": "read_receipt",
    "reaction": "reaction",
    "postback": "postback",
    "optin": "optin",
    "referral": "referral",
    "account_linking": "account_linking",
    "pass_thread_control": "handover",
    "take_thread_control": "handover",
    "request_thread_control": "handover",
}
