"""X (Twitter) Account Activity API webhooks for the city's account (channel ``twitter``).

X proves itself twice with the app's consumer secret: the CRC handshake
(``GET ?crc_token=`` answered with ``{"response_token": "sha256=<base64 HMAC>"}``)
and ``x-twitter-webhooks-signature`` on every POST.  A POST names the subscribed
account (``for_user_id``) and carries arrays of events; AAA only delivers tweets
that concern that account (mentions, replies, quotes, retweets, its own tweets),
so every tweet that is not a retweet or our own is a citizen talking to the city.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
from datetime import UTC, datetime
from typing import Any

from app.complaints.tickets import find_ticket
from app.intake.drafts import (
    AdapterError,
    AttachmentDraft,
    ChannelNotConfigured,
    ComplaintDraft,
    Delivery,
    FollowUp,
    Ignored,
    LocationDraft,
    Outcome,
    ReporterDraft,
    SignatureError,
    load_json,
)

CODE = "twitter"
SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def _hmac_b64(secret: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def crc_response(crc_token: str, consumer_secret: str) -> dict[str, str]:
    """The JSON body answering X's Challenge-Response Check."""
    if not consumer_secret:
        raise ChannelNotConfigured("the X consumer secret is not configured")
    if not crc_token:
        raise ValueError("crc_token is missing")
    return {"response_token": "sha256=" + _hmac_b64(consumer_secret, crc_token.encode())}


def verify(headers: dict[str, str], body: bytes, consumer_secret: str) -> None:
    """Check ``x-twitter-webhooks-signature`` over the raw body; raise ``SignatureError`` if it is not X's."""
    if not consumer_secret:
        # An empty key would let anyone compute a "valid" signature.
        raise ChannelNotConfigured("the X consumer secret is not configured")
    received = (headers.get(SIGNATURE_HEADER) or "").strip()
    if not received:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    expected = "sha256=" + _hmac_b64(consumer_secret, body)
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise SignatureError("signature does not match the body")


# --- parsing -----------------------------------------------------------------

# Event arrays that never carry a citizen's report.
_IGNORED_EVENTS = {
    "favorite_events": "favorite",
    "follow_events": "follow",
    "block_events": "block",
    "mute_events": "mute",
    "tweet_delete_events": "tweet_delete",
    "direct_message_indicate_typing_events": "typing_indicator",
    "direct_message_mark_read_events": "read_receipt",
}
_NOT_EVENTS = {"for_user_id", "user_has_blocked", "users", "apps"}


class TwitterAdapter:
    code = CODE

    def parse(self, delivery: Delivery) -> list[Outcome]:
        payload = load_json(delivery.body)
        if not isinstance(payload, dict):
            raise AdapterError("body must be a JSON object")
        account = payload.get("for_user_id") or delivery.context.get("twitter_account_id")
        if not isinstance(account, str | int) or isinstance(account, bool) or not str(account):
            raise AdapterError("for_user_id is required")
        account = str(account)

        outcomes: list[Outcome] = []
        seen_events = False
        for key, items in payload.items():
            if key in _NOT_EVENTS:
                continue
            if key == "user_event":
                # An app permission revoke: account housekeeping.
                seen_events = True
                outcomes.append(Ignored("user_event"))
                continue
            if not isinstance(items, list):
                if key.endswith("_events"):
                    raise AdapterError(f"{key} must be a list of events")
                continue  # a flag X may add beside the events (like user_has_blocked)
            seen_events = True
            if key == "tweet_create_events":
                for i, tweet in enumerate(items):
                    outcomes.append(_tweet(_obj(tweet, f"{key}[{i}]"), account, f"{key}[{i}]"))
            elif key == "direct_message_events":
                users = payload.get("users") or {}
                if not isinstance(users, dict):
                    raise AdapterError("users must be an object")
                for i, event in enumerate(items):
                    outcomes.append(
                        _direct_message(_obj(event, f"{key}[{i}]"), account, users, f"{key}[{i}]")
                    )
            else:
                reason = _IGNORED_EVENTS.get(key, "unsupported_event")
                outcomes.extend(Ignored(reason, external_id=_event_id(item)) for item in items)
        if not seen_events:
            raise AdapterError("the delivery carries no events")
        return outcomes


def _tweet(tweet: dict[str, Any], account: str, where: str) -> Outcome:
    tweet_id = _id(tweet, "id_str", where)
    user = _obj(tweet.get("user"), f"{where}.user")
    user_id = _id(user, "id_str", f"{where}.user")
    if tweet.get("retweeted_status") is not None:
        return Ignored("retweet", external_id=tweet_id)
    if user_id == account:
        return Ignored("own_post", external_id=tweet_id)

    # Long tweets arrive cut at 140 characters with the whole text in extended_tweet.
    source = tweet
    if tweet.get("truncated") is True and tweet.get("extended_tweet") is not None:
        source = _obj(tweet["extended_tweet"], f"{where}.extended_tweet")
    raw_text = (
        source.get("full_text") if source is not tweet else (tweet.get("full_text") or tweet.get("text"))
    )
    if not isinstance(raw_text, str):
        raise AdapterError(f"{where}.text is required and must be a string")
    entities = source.get("entities") or {}
    if not isinstance(entities, dict):
        raise AdapterError(f"{where}.entities must be an object")
    media = _media(source.get("extended_entities") or entities, where)

    text = _clean_text(raw_text, entities, media, account)
    attachments = [att for _, att in media]
    place = tweet.get("place")
    location = _point(tweet.get("coordinates"), place, where)
    if not text and not attachments:
        return Ignored("empty_message", external_id=tweet_id)

    metadata: dict[str, Any] = {"permalink": f"https://x.com/i/web/status/{tweet_id}"}
    for key in (
        "lang",
        "source",
        "place",
        "possibly_sensitive",
        "quoted_status_id_str",
        "in_reply_to_status_id_str",
    ):
        if tweet.get(key) is not None:
            metadata[key] = tweet[key]
    hashtags = [
        h.get("text") for h in entities.get("hashtags") or [] if isinstance(h, dict) and h.get("text")
    ]
    if hashtags:
        metadata["hashtags"] = hashtags
    if media:
        metadata["media_ids"] = [media_id for media_id, _ in media if media_id]

    draft = ComplaintDraft(
        channel=CODE,
        external_id=tweet_id,
        description=text or "Foto dikirim via X",
        attachments=attachments,
        language=_language(tweet.get("lang")),
        metadata=metadata,
        location=location,
        reporter=_reporter(user, user_id),
        privacy="public",
        received_at=_tweet_time(tweet, where),
        thread_keys=[tweet_id],
    )
    ticket = find_ticket(text)
    reply_to = tweet.get("in_reply_to_status_id_str")
    refs = [str(reply_to)] if reply_to else []
    if ticket or refs:
        return _follow_up(draft, ticket, refs)
    return draft


def _direct_message(event: dict[str, Any], account: str, users: dict[str, Any], where: str) -> Outcome:
    event_id = _id(event, "id", where)
    if event.get("type") != "message_create":
        return Ignored("unsupported_event", external_id=event_id)
    create = _obj(event.get("message_create"), f"{where}.message_create")
    sender_id = _id(create, "sender_id", f"{where}.message_create")
    if sender_id == account:
        return Ignored("own_post", external_id=event_id)
    data = _obj(create.get("message_data"), f"{where}.message_create.message_data")
    raw_text = data.get("text") or ""
    if not isinstance(raw_text, str):
        raise AdapterError(f"{where}.message_create.message_data.text must be a string")
    entities = data.get("entities") or {}
    if not isinstance(entities, dict):
        raise AdapterError(f"{where}.message_data.entities must be an object")

    media: list[tuple[str | None, AttachmentDraft]] = []
    location: LocationDraft | None = None
    attachment = data.get("attachment")
    if attachment is not None:
        attachment = _obj(attachment, f"{where}.message_data.attachment")
        if attachment.get("type") == "media":
            media = _media({"media": [attachment.get("media")]}, f"{where}.message_data.attachment")
        elif attachment.get("type") == "location":
            loc = _obj(attachment.get("location"), f"{where}.message_data.attachment.location")
            shared = loc.get("shared_coordinate") or {}
            location = _point(shared.get("coordinates") if isinstance(shared, dict) else None, None, where)
    if media and attachment is not None and isinstance(attachment.get("media"), dict):
        # The photo's t.co link sits in the text like a tweet's media link.
        entities = {**entities, "media": [attachment["media"]]}
    text = _clean_text(raw_text, entities, media, account)
    attachments = [att for _, att in media]
    if not text and not attachments and location is None:
        return Ignored("empty_message", external_id=event_id)

    user = users.get(sender_id)
    reporter = (
        _reporter(user, sender_id)
        if isinstance(user, dict)
        else ReporterDraft(handles={"twitter_id": sender_id})
    )
    metadata: dict[str, Any] = {"event_type": "message_create"}
    if media:
        metadata["media_ids"] = [media_id for media_id, _ in media if media_id]
    if create.get("source_app_id") is not None:
        metadata["source_app_id"] = create["source_app_id"]
    received = None
    if event.get("created_timestamp") is not None:
        received = _from_millis(event["created_timestamp"], f"{where}.created_timestamp")
    draft = ComplaintDraft(
        channel=CODE,
        external_id=event_id,
        description=text
        or ("Lokasi dikirim via X" if location and not attachments else "Foto dikirim via X"),
        attachments=attachments,
        metadata=metadata,
        location=location,
        reporter=reporter,
        # A direct message is a private conversation.
        privacy="secret",
        received_at=received,
        thread_keys=[event_id],
    )
    ticket = find_ticket(text)
    if ticket:
        return _follow_up(draft, ticket, [])
    return draft


def _follow_up(draft: ComplaintDraft, ticket: str | None, refs: list[str]) -> FollowUp:
    # The fallback makes a reply to a tweet we never saw (or a mistyped code) a complaint of its own.
    return FollowUp(
        channel=CODE,
        external_id=draft.external_id,
        text=draft.description,
        ticket=ticket,
        thread_refs=refs,
        reporter=draft.reporter,
        attachments=list(draft.attachments),
        location=draft.location,
        received_at=draft.received_at,
        metadata=dict(draft.metadata),
        thread_keys=list(draft.thread_keys),
        fallback=draft,
    )


def _clean_text(
    raw: str, entities: dict[str, Any], media: list[tuple[str | None, AttachmentDraft]], account: str
) -> str:
    # X escapes &, < and > in tweet text as HTML entities.
    text = html.unescape(raw)
    own_names = {
        str(m.get("screen_name", "")).lower()
        for m in entities.get("user_mentions") or []
        if isinstance(m, dict) and str(m.get("id_str") or m.get("id") or "") == account
    }
    # Leading mentions are addressing, not content; drop ours, keep the others.
    kept: list[str] = []
    rest = text
    while True:
        m = re.match(r"\s*@(\w{1,15})\b", rest)
        if not m:
            break
        if m.group(1).lower() not in own_names:
            kept.append("@" + m.group(1))
        rest = rest[m.end() :]
    text = " ".join([*kept, rest.strip()]) if kept else rest
    # The t.co link of attached media is just a pointer to the photo we keep as an attachment.
    for raw_media in entities.get("media") or []:
        if isinstance(raw_media, dict) and isinstance(raw_media.get("url"), str):
            text = text.replace(raw_media["url"], "")
    return re.sub(r"[ \t]+", " ", text).strip()


def _media(container: dict[str, Any], where: str) -> list[tuple[str | None, AttachmentDraft]]:
    items = container.get("media") or []
    if not isinstance(items, list):
        raise AdapterError(f"{where}.media must be a list")
    out: list[tuple[str | None, AttachmentDraft]] = []
    for i, item in enumerate(items):
        item = _obj(item, f"{where}.media[{i}]")
        kind = item.get("type")
        url = item.get("media_url_https") or item.get("media_url")
        media_type = _guess_image_type(url) if kind == "photo" else None
        if kind in ("video", "animated_gif"):
            best = _best_video(item.get("video_info"))
            if best:
                url, media_type = best
        if not isinstance(url, str) or not url:
            raise AdapterError(f"{where}.media[{i}] has no media_url_https")
        media_id = item.get("id_str") or (str(item["id"]) if item.get("id") is not None else None)
        out.append((media_id, AttachmentDraft(url=url, media_type=media_type)))
    return out


def _best_video(info: Any) -> tuple[str, str] | None:
    if not isinstance(info, dict):
        return None
    variants = [
        v
        for v in info.get("variants") or []
        if isinstance(v, dict) and v.get("content_type") == "video/mp4" and isinstance(v.get("url"), str)
    ]
    if not variants:
        return None
    best = max(variants, key=lambda v: v.get("bitrate") or 0)
    return best["url"], "video/mp4"


def _guess_image_type(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    ext = url.rsplit(".", 1)[-1].lower()
    return {
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "png": "image/png",
        "gif": "image/gif",
        "webp": "image/webp",
    }.get(ext, "image/jpeg")


def _point(coordinates: Any, place: Any, where: str) -> LocationDraft | None:
    """The exact point of a tweet, from GeoJSON ``[lon, lat]``; a place's bounding box is never a point."""
    if coordinates is None:
        return None
    if not isinstance(coordinates, dict) or not isinstance(coordinates.get("coordinates"), list):
        raise AdapterError(f"{where}.coordinates must be a GeoJSON Point")
    pair = coordinates["coordinates"]
    if len(pair) != 2 or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair):
        raise AdapterError(f"{where}.coordinates must be [longitude, latitude]")
    lon, lat = pair
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise AdapterError(f"{where}.coordinates is outside the valid range")
    address = place.get("full_name") if isinstance(place, dict) else None
    return LocationDraft(
        lat=float(lat), lon=float(lon), address=address if isinstance(address, str) else None
    )


def _reporter(user: dict[str, Any], user_id: str) -> ReporterDraft:
    handles = {"twitter_id": user_id}
    if isinstance(user.get("screen_name"), str) and user["screen_name"]:
        handles = {"twitter": user["screen_name"], "twitter_id": user_id}
    name = user.get("name")
    return ReporterDraft(name=name if isinstance(name, str) and name else None, handles=handles)


def _tweet_time(tweet: dict[str, Any], where: str) -> datetime | None:
    if tweet.get("timestamp_ms") is not None:
        return _from_millis(tweet["timestamp_ms"], f"{where}.timestamp_ms")
    created = tweet.get("created_at")
    if created is None:
        return None
    try:
        # e.g. "Wed Oct 10 20:19:24 +0000 2018"
        return datetime.strptime(str(created), "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
    except ValueError:
        raise AdapterError(f"{where}.created_at is not an X timestamp") from None


def _from_millis(value: Any, where: str) -> datetime:
    try:
        millis = int(value)
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise AdapterError(f"{where} must be milliseconds since the epoch") from None


def _language(lang: Any) -> str | None:
    # X tags Indonesian as "in" (the retired ISO 639 code) and unknown as "und".
    if not isinstance(lang, str) or len(lang) != 2:
        return "id"
    return "id" if lang == "in" else lang


def _id(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise AdapterError(f"{where}.{key} is required")
    return str(value)


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise AdapterError(f"{where} must be an object")
    return value


def _event_id(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    event_id = item.get("id")
    if isinstance(event_id, str):
        return event_id
    status = item.get("status")
    if isinstance(status, dict) and status.get("id") is not None:
        return str(status["id"])
    return None


ADAPTER = TwitterAdapter()
