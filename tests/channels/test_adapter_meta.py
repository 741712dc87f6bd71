"""Meta webhooks: the shared signature and handshake, and parse() of Facebook, Instagram and WhatsApp.

The last tests replay every golden file of the four platform channels through a
tiny in-memory stand-in for the pipeline, so a golden expectation that the
adapters cannot meet fails here, long before the HTTP harness runs.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.channels.adapters import facebook, instagram, meta, twitter, whatsapp
from app.intake.drafts import (
    AdapterError,
    ChannelNotConfigured,
    ComplaintDraft,
    Deferred,
    Delivery,
    Edit,
    FollowUp,
    Ignored,
    SignatureError,
    VerifyTokenError,
)

try:
    from tests.channels.signers_platforms import SIGNERS, body_bytes
except ImportError:  # collected with tests/channels on sys.path (rootdir-less import)
    from signers_platforms import SIGNERS, body_bytes

SECRET = "test-facebook-secret"
PAGE = "108123456789012"
IGID = "17841400123456789"
T0 = 1772334760


def parse(adapter, payload) -> list:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return adapter.parse(Delivery(body=body, content_type="application/json"))


def one(adapter, payload):
    outcomes = parse(adapter, payload)
    assert len(outcomes) == 1, outcomes
    return outcomes[0]


# --- X-Hub-Signature-256 -----------------------------------------------------------

BODY = b'{"object":"page","entry":[{"id":"1","time":1,"changes":[]}]}'
GOOD = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "headers, ok",
    [
        ({"x-hub-signature-256": GOOD}, True),
        ({"x-hub-signature-256": GOOD.upper().replace("SHA256=", "sha256=")}, True),
        ({"x-hub-signature-256": "sha256=" + hmac.new(b"other", BODY, hashlib.sha256).hexdigest()}, False),
        (
            {
                "x-hub-signature-256": "sha256="
                + hmac.new(SECRET.encode(), BODY + b"\n", hashlib.sha256).hexdigest()
            },
            False,
        ),
        ({"x-hub-signature-256": "sha1=" + hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest()}, False),
        ({"x-hub-signature-256": GOOD[:-2]}, False),
        ({"x-hub-signature-256": ""}, False),
        # The legacy SHA-1 header alone is not enough.
        ({"x-hub-signature": "sha1=" + hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest()}, False),
        ({}, False),
    ],
    ids=[
        "good",
        "uppercase-hex",
        "forged",
        "body-changed",
        "sha1-scheme",
        "truncated",
        "empty",
        "legacy-only",
        "missing",
    ],
)
def test_verify_signature(headers, ok):
    if ok:
        meta.verify_signature(headers, BODY, SECRET)
    else:
        with pytest.raises(SignatureError):
            meta.verify_signature(headers, BODY, SECRET)


def test_verify_signature_refuses_an_empty_secret():
    empty = "sha256=" + hmac.new(b"", BODY, hashlib.sha256).hexdigest()
    with pytest.raises(ChannelNotConfigured):
        meta.verify_signature({"x-hub-signature-256": empty}, BODY, "")


# --- hub.challenge handshake ----------------------------------------------------------

VERIFY = "test-facebook-verify"


def test_handshake_returns_the_challenge():
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    assert meta.handshake(query, VERIFY) == "1158201444"


@pytest.mark.parametrize(
    "query, error",
    [
        ({"hub.mode": "subscribe", "hub.verify_token": "salah", "hub.challenge": "1"}, VerifyTokenError),
        ({"hub.mode": "subscribe", "hub.challenge": "1"}, VerifyTokenError),
        ({"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"}, VerifyTokenError),
        ({"hub.verify_token": VERIFY, "hub.challenge": "1"}, VerifyTokenError),
        ({"hub.mode": "subscribe", "hub.verify_token": VERIFY}, ValueError),
        ({"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": ""}, ValueError),
    ],
    ids=["wrong-token", "no-token", "wrong-mode", "no-mode", "no-challenge", "empty-challenge"],
)
def test_handshake_rejections(query, error):
    with pytest.raises(error):
        meta.handshake(query, VERIFY)


def test_handshake_never_matches_an_unconfigured_token():
    with pytest.raises(ChannelNotConfigured):
        meta.handshake({"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}, "")


# --- Facebook: feed ------------------------------------------------------------------

BUDI = {"id": "7012345678901234", "name": "Budi Santoso"}
POST_ID = f"{PAGE}_1234567890123401"


def page(*entries):
    return {"object": "page", "entry": list(entries)}


def feed(value, time=T0):
    return page({"id": PAGE, "time": time, "changes": [{"field": "feed", "value": value}]})


def feed_value(**extra):
    value = {
        "from": dict(BUDI),
        "message": "Tumpukan sampah di pinggir Kali Ciliwung dekat Jembatan Kampung Melayu belum diangkut",
        "post_id": POST_ID,
        "created_time": T0,
        "item": "status",
        "published": 1,
        "verb": "add",
    }
    value.update(extra)
    return value


def test_feed_post_is_a_public_complaint():
    draft = one(facebook.ADAPTER, feed(feed_value()))
    assert isinstance(draft, ComplaintDraft)
    assert draft.channel == "facebook" and draft.external_id == POST_ID and draft.privacy == "public"
    assert draft.description.startswith("Tumpukan sampah")
    assert draft.reporter.name == "Budi Santoso" and draft.reporter.handles == {"facebook_id": BUDI["id"]}
    assert draft.received_at == datetime.fromtimestamp(T0, UTC)
    assert draft.thread_keys == [POST_ID]
    assert "from" not in draft.metadata and "Budi" not in json.dumps(draft.metadata)


def test_feed_photo_post_keeps_the_photo():
    draft = one(
        facebook.ADAPTER,
        feed(feed_value(item="photo", link="https://scontent.xx.fbcdn.net/a.jpg", photo_id="9")),
    )
    assert [a.url for a in draft.attachments] == ["https://scontent.xx.fbcdn.net/a.jpg"]
    assert draft.metadata["photo_id"] == "9"


def test_status_with_several_photos():
    draft = one(facebook.ADAPTER, feed(feed_value(photos=["https://x/1.jpg", "https://x/2.jpg"])))
    assert len(draft.attachments) == 2


@pytest.mark.parametrize("parent", [POST_ID, "1234567890123401_777"], ids=["on-post", "reply-to-comment"])
def test_comment_threads_onto_its_post_with_a_fallback(parent):
    comment_id = "1234567890123401_888"
    value = feed_value(
        item="comment", comment_id=comment_id, parent_id=parent, message="Masih belum diangkut pagi ini"
    )
    outcome = one(facebook.ADAPTER, feed(value))
    assert isinstance(outcome, FollowUp)
    assert outcome.external_id == comment_id
    assert outcome.thread_refs == list(dict.fromkeys([POST_ID, parent]))
    assert isinstance(outcome.fallback, ComplaintDraft) and outcome.fallback.external_id == comment_id
    assert outcome.text == "Masih belum diangkut pagi ini"


def test_comment_photo_is_an_attachment():
    value = feed_value(
        item="comment", comment_id="1_2", parent_id=POST_ID, message="", photo="https://x/c.jpg"
    )
    outcome = one(facebook.ADAPTER, feed(value))
    assert [a.url for a in outcome.attachments] == ["https://x/c.jpg"]


def test_feed_post_quoting_a_ticket_is_a_follow_up():
    outcome = one(facebook.ADAPTER, feed(feed_value(message="Laporan K7M2-Q9XD belum selesai")))
    assert isinstance(outcome, FollowUp) and outcome.ticket == "K7M2-Q9XD" and outcome.fallback is not None


@pytest.mark.parametrize("item, id_key", [("status", "post_id"), ("comment", "comment_id")])
def test_edited_becomes_an_edit_of_what_made_the_complaint(item, id_key):
    value = feed_value(item=item, verb="edited", message="Sudah seminggu, baunya menyengat", comment_id="1_5")
    if item == "comment":
        value["parent_id"] = POST_ID
    outcome = one(facebook.ADAPTER, feed(value, time=T0 + 600))
    assert isinstance(outcome, Edit)
    assert outcome.target_external_id == value[id_key]
    assert outcome.description == "Sudah seminggu, baunya menyengat"
    assert outcome.external_id == f"{value[id_key]}#edit-{T0 + 600}"


@pytest.mark.parametrize(
    "value, reason",
    [
        (feed_value(item="reaction", reaction_type="like", parent_id=POST_ID), "reaction"),
        (feed_value(item="like"), "like"),
        (feed_value(verb="remove"), "removed"),
        (feed_value(item="comment", comment_id="1_2", verb="remove"), "removed"),
        (feed_value(**{"from": {"id": PAGE, "name": "Pemprov DKI Jakarta"}}), "own_post"),
        (
            feed_value(item="comment", comment_id="1_2", **{"from": {"id": PAGE, "name": "Pemprov"}}),
            "own_post",
        ),
        (feed_value(item="event"), "unsupported_item"),
        (feed_value(verb="hide"), "removed"),
        (feed_value(verb="block"), "unsupported_verb"),
        (feed_value(message=""), "empty_message"),
    ],
)
def test_feed_events_that_are_ignored(value, reason):
    outcome = one(facebook.ADAPTER, feed(value))
    assert isinstance(outcome, Ignored) and outcome.reason == reason


# --- Facebook: Messenger ---------------------------------------------------------------


def messenger(*events):
    return page({"id": PAGE, "time": T0, "messaging": list(events)})


def msg_event(message=None, sender="6543210987654321", **other):
    event = {"sender": {"id": sender}, "recipient": {"id": PAGE}, "timestamp": T0 * 1000 + 250}
    if message is not None:
        event["message"] = message
    event.update(other)
    return event


def test_messenger_message_with_image_is_a_secret_complaint():
    message = {
        "mid": "m_1",
        "text": "Galian kabel di Jl. Kemang Raya ditinggal terbuka",
        "attachments": [{"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/k.jpg"}}],
    }
    draft = one(facebook.ADAPTER, messenger(msg_event(message)))
    assert isinstance(draft, ComplaintDraft)
    assert draft.privacy == "secret" and draft.external_id == "m_1"
    assert draft.reporter.handles == {"facebook_psid": "6543210987654321"} and draft.reporter.name is None
    assert [a.url for a in draft.attachments] == ["https://scontent.xx.fbcdn.net/k.jpg"]
    assert draft.received_at == datetime.fromtimestamp(T0 + 0.25, UTC)


def test_messenger_photo_without_text_still_makes_a_complaint():
    message = {"mid": "m_2", "attachments": [{"type": "image", "payload": {"url": "https://x/y.jpg"}}]}
    draft = one(facebook.ADAPTER, messenger(msg_event(message)))
    assert isinstance(draft, ComplaintDraft) and draft.description == "Lampiran dikirim via Messenger"


def test_messenger_attachment_types_map_to_media_types():
    message = {
        "mid": "m_6",
        "text": "Videonya",
        "attachments": [
            {"type": "video", "payload": {"url": "https://x/v.mp4"}},
            {"type": "story_mention", "payload": {"url": "https://lookaside.fbsbx.com/story"}},
        ],
    }
    draft = one(facebook.ADAPTER, messenger(msg_event(message)))
    assert [a.media_type for a in draft.attachments] == ["video/*", None]
    assert draft.metadata["attachment_types"] == ["video", "story_mention"]


def test_messenger_location_attachment():
    message = {
        "mid": "m_3",
        "attachments": [{"type": "location", "payload": {"coordinates": {"lat": -6.2, "long": 106.8}}}],
    }
    draft = one(facebook.ADAPTER, messenger(msg_event(message)))
    assert (draft.location.lat, draft.location.lon) == (-6.2, 106.8)


def test_messenger_ticket_and_reply_are_follow_ups():
    outcome = one(
        facebook.ADAPTER, messenger(msg_event({"mid": "m_4", "text": "Bagaimana tiket k7m2-q9xd?"}))
    )
    assert isinstance(outcome, FollowUp) and outcome.ticket == "K7M2-Q9XD"
    reply = one(
        facebook.ADAPTER, messenger(msg_event({"mid": "m_5", "text": "Masih", "reply_to": {"mid": "m_1"}}))
    )
    assert isinstance(reply, FollowUp) and reply.thread_refs == ["m_1"] and reply.fallback.privacy == "secret"


@pytest.mark.parametrize(
    "event, reason",
    [
        (msg_event({"mid": "m_e", "is_echo": True, "text": "Terima kasih"}, sender=PAGE), "echo"),
        (msg_event({"mid": "m_p", "text": "dari inbox lain"}, sender=PAGE), "own_post"),
        (msg_event(delivery={"mids": ["m_9"], "watermark": 1}), "delivery_receipt"),
        (msg_event(read={"watermark": 1}), "read_receipt"),
        (msg_event(postback={"title": "Mulai", "payload": "GET_STARTED"}), "postback"),
        (msg_event(reaction={"mid": "m_1", "action": "react", "reaction": "like"}), "reaction"),
        (
            msg_event(
                {
                    "mid": "m_s",
                    "sticker_id": 369239263222822,
                    "attachments": [
                        {
                            "type": "image",
                            "payload": {"url": "https://x/sticker.png", "sticker_id": 369239263222822},
                        }
                    ],
                }
            ),
            "sticker",
        ),
        (msg_event({"mid": "m_empty"}), "empty_message"),
        (msg_event(), "unsupported_event"),
    ],
)
def test_messenger_events_that_are_ignored(event, reason):
    outcome = one(facebook.ADAPTER, messenger(event))
    assert isinstance(outcome, Ignored) and outcome.reason == reason


def test_messenger_message_edit_is_an_edit():
    outcome = one(
        facebook.ADAPTER,
        messenger(
            msg_event(message_edit={"mid": "m_1", "text": "Koreksi: Kemang Raya No. 5", "num_edit": 1})
        ),
    )
    assert outcome == Edit(
        "facebook", "m_1", "m_1#edit-1", "Koreksi: Kemang Raya No. 5", datetime.fromtimestamp(T0 + 0.25, UTC)
    )


def test_batch_of_entries_gives_one_outcome_per_event_in_order():
    payload = page(
        {
            "id": PAGE,
            "time": T0,
            "changes": [
                {"field": "feed", "value": feed_value(item="reaction")},
                {"field": "feed", "value": feed_value(post_id=f"{PAGE}_2")},
            ],
        },
        {
            "id": PAGE,
            "time": T0,
            "messaging": [
                msg_event({"mid": "m_a", "text": "Pohon tumbang"}),
                msg_event(read={"watermark": 1}),
            ],
        },
        {"id": PAGE, "time": T0, "changes": [{"field": "mention", "value": {"post_id": "x"}}]},
    )
    outcomes = parse(facebook.ADAPTER, payload)
    assert [type(o).__name__ for o in outcomes] == [
        "Ignored",
        "ComplaintDraft",
        "ComplaintDraft",
        "Ignored",
        "Ignored",
    ]
    assert [o.external_id for o in outcomes[1:3]] == [f"{PAGE}_2", "m_a"]
    assert outcomes[-1].reason == "unsupported_field"


# --- Instagram -------------------------------------------------------------------------


def ig_change(field, value, entry_id=IGID):
    return {
        "object": "instagram",
        "entry": [{"id": entry_id, "time": T0, "changes": [{"field": field, "value": value}]}],
    }


def comment_value(**extra):
    value = {
        "from": {"id": "17841405555555555", "username": "dewi.kemang"},
        "media": {"id": "18012345678901234", "media_product_type": "FEED"},
        "id": "17865799348089039",
        "text": "Jl. Ampera Raya banjir lagi tiap hujan deras",
    }
    value.update(extra)
    return value


def test_instagram_comment_is_a_public_complaint():
    draft = one(instagram.ADAPTER, ig_change("comments", comment_value()))
    assert isinstance(draft, ComplaintDraft)
    assert draft.channel == "governor_social" and draft.external_id == "17865799348089039"
    assert draft.reporter.handles == {"instagram": "dewi.kemang", "instagram_id": "17841405555555555"}
    assert draft.metadata["media_id"] == "18012345678901234" and draft.privacy == "public"
    assert draft.received_at == datetime.fromtimestamp(T0, UTC)
    assert "dewi" not in json.dumps(draft.metadata)


def test_instagram_reply_under_a_comment_threads_onto_it():
    outcome = one(
        instagram.ADAPTER, ig_change("comments", comment_value(id="2", parent_id="17865799348089039"))
    )
    assert isinstance(outcome, FollowUp) and outcome.thread_refs == ["17865799348089039"] and outcome.fallback


def test_instagram_own_reply_is_ignored():
    outcome = one(
        instagram.ADAPTER,
        ig_change("comments", comment_value(**{"from": {"id": IGID, "username": "gubernur"}})),
    )
    assert outcome == Ignored("own_post", external_id="17865799348089039")


@pytest.mark.parametrize(
    "value, external_id",
    [
        ({"media_id": "17887498072083520", "comment_id": "17887498072083599"}, "17887498072083599"),
        ({"media_id": "17887498072083520"}, "17887498072083520"),
    ],
    ids=["in-comment", "in-caption"],
)
def test_instagram_mention_is_deferred_for_a_fetch(value, external_id):
    outcome = one(instagram.ADAPTER, ig_change("mentions", value))
    assert isinstance(outcome, Deferred) and outcome.reason == "needs_fetch"
    assert outcome.external_id == external_id
    assert {k: outcome.metadata[k] for k in value} == value


def test_instagram_dm_is_secret_and_echo_is_ignored():
    dm = {
        "object": "instagram",
        "entry": [
            {
                "id": IGID,
                "time": T0,
                "messaging": [
                    {
                        "sender": {"id": "6912345678901234"},
                        "recipient": {"id": IGID},
                        "timestamp": T0 * 1000,
                        "message": {"mid": "aWdf1", "text": "Oknum parkir minta uang lebih di Pasar Santa"},
                    },
                    {
                        "sender": {"id": IGID},
                        "recipient": {"id": "6912345678901234"},
                        "timestamp": T0 * 1000,
                        "message": {"mid": "aWdf2", "text": "Terima kasih", "is_echo": True},
                    },
                ],
            }
        ],
    }
    draft, echo = parse(instagram.ADAPTER, dm)
    assert isinstance(draft, ComplaintDraft) and draft.privacy == "secret"
    assert draft.reporter.handles == {"instagram_id": "6912345678901234"}
    assert echo == Ignored("echo", external_id="aWdf2")


def test_instagram_dm_delivered_as_a_change():
    value = {
        "sender": {"id": "69"},
        "recipient": {"id": IGID},
        "timestamp": str(T0 * 1000),
        "message": {"mid": "aWdf3", "text": "Trotoar Jl. Sudirman rusak"},
    }
    draft = one(instagram.ADAPTER, ig_change("messages", value))
    assert isinstance(draft, ComplaintDraft) and draft.external_id == "aWdf3"


def test_instagram_unknown_field_is_ignored():
    assert (
        one(instagram.ADAPTER, ig_change("story_insights", {"media_id": "1", "reach": 3})).reason
        == "unsupported_field"
    )


# --- WhatsApp --------------------------------------------------------------------------

WA_FROM = "6281311110000"


def wa(messages=None, statuses=None, contacts=None, field="messages"):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "628111272206", "phone_number_id": "106540352242922"},
    }
    if contacts is not False:
        value["contacts"] = contacts or [{"profile": {"name": "Budi Santoso"}, "wa_id": WA_FROM}]
    if messages is not None:
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": field}]}],
    }


def wa_msg(kind="text", **extra):
    message = {"from": WA_FROM, "id": "wamid.A1", "timestamp": str(T0), "type": kind}
    if kind == "text":
        message["text"] = {"body": "Lampu PJU di Jl. Cikini Raya mati sejak kemarin"}
    message.update(extra)
    return message


def test_whatsapp_text_is_a_complaint_on_channel_sms():
    draft = one(whatsapp.ADAPTER, wa([wa_msg()]))
    assert isinstance(draft, ComplaintDraft)
    assert draft.channel == "sms" and draft.external_id == "wamid.A1"
    assert draft.reporter.phone == WA_FROM and draft.reporter.name == "Budi Santoso"
    assert draft.received_at == datetime.fromtimestamp(T0, UTC)
    assert draft.description == "Lampu PJU di Jl. Cikini Raya mati sejak kemarin"
    assert WA_FROM not in json.dumps(draft.metadata) and "Budi" not in json.dumps(draft.metadata)


def test_whatsapp_image_with_caption():
    image = {
        "caption": "Sampah menumpuk di TPS Tebet",
        "mime_type": "image/jpeg",
        "sha256": "abc=",
        "id": "1479537139650973",
    }
    draft = one(whatsapp.ADAPTER, wa([wa_msg("image", image=image)]))
    assert isinstance(draft, ComplaintDraft) and draft.description == "Sampah menumpuk di TPS Tebet"
    assert [(a.url, a.media_type) for a in draft.attachments] == [
        ("whatsapp-media:1479537139650973", "image/jpeg")
    ]
    assert draft.metadata["media_id"] == "1479537139650973"


def test_whatsapp_image_without_caption_completes_the_recent_complaint():
    outcome = one(whatsapp.ADAPTER, wa([wa_msg("image", image={"mime_type": "image/jpeg", "id": "55"})]))
    assert isinstance(outcome, FollowUp) and outcome.recent_from_reporter
    assert outcome.fallback.attachments[0].url == "whatsapp-media:55"


def test_whatsapp_location_completes_the_recent_complaint_with_a_fallback():
    loc = {
        "latitude": -6.2297465,
        "longitude": 106.8295049,
        "name": "Taman Menteng",
        "address": "Jl. HOS. Cokroaminoto",
    }
    outcome = one(whatsapp.ADAPTER, wa([wa_msg("location", location=loc)]))
    assert isinstance(outcome, FollowUp)
    assert outcome.recent_from_reporter and outcome.ticket is None and outcome.thread_refs == []
    assert (outcome.location.lat, outcome.location.lon) == (-6.2297465, 106.8295049)
    assert outcome.location.address == "Taman Menteng, Jl. HOS. Cokroaminoto"
    assert outcome.reporter.phone == WA_FROM
    fallback = outcome.fallback
    assert fallback.description == "Lokasi dikirim via WhatsApp" and fallback.location == outcome.location


def test_whatsapp_reply_with_context_and_ticket():
    reply = one(whatsapp.ADAPTER, wa([wa_msg(context={"from": WA_FROM, "id": "wamid.OLD"})]))
    assert (
        isinstance(reply, FollowUp) and reply.thread_refs == ["wamid.OLD"] and not reply.recent_from_reporter
    )
    ticket = one(whatsapp.ADAPTER, wa([wa_msg(text={"body": "Cek tiket K7M2-Q9XD ya"})]))
    assert isinstance(ticket, FollowUp) and ticket.ticket == "K7M2-Q9XD" and ticket.fallback is not None


def test_whatsapp_forwarded_context_without_id_is_not_a_reply():
    draft = one(whatsapp.ADAPTER, wa([wa_msg(context={"forwarded": True})]))
    assert isinstance(draft, ComplaintDraft) and draft.metadata["forwarded"] is True


@pytest.mark.parametrize(
    "message, reason",
    [
        (
            wa_msg("reaction", reaction={"message_id": "wamid.X", "emoji": "\U0001f44d"}),
            "unsupported_reaction",
        ),
        (wa_msg("sticker", sticker={"mime_type": "image/webp", "id": "1"}), "unsupported_sticker"),
        (
            wa_msg("unsupported", errors=[{"code": 131051, "title": "Message type unknown"}]),
            "unsupported_unsupported",
        ),
        (wa_msg(text={"body": "  "}), "empty_message"),
    ],
)
def test_whatsapp_messages_that_are_ignored(message, reason):
    outcome = one(whatsapp.ADAPTER, wa([message]))
    assert outcome == Ignored(reason, external_id="wamid.A1")


def test_whatsapp_statuses_are_delivery_receipts():
    statuses = [
        {"id": "wamid.S1", "status": "delivered", "timestamp": str(T0), "recipient_id": WA_FROM},
        {"id": "wamid.S1", "status": "read", "timestamp": str(T0 + 5), "recipient_id": WA_FROM},
    ]
    assert parse(whatsapp.ADAPTER, wa(statuses=statuses, contacts=False)) == [
        Ignored("delivery_receipt", external_id="wamid.S1"),
        Ignored("delivery_receipt", external_id="wamid.S1"),
    ]


def test_whatsapp_several_messages_in_one_value_keep_order():
    outcomes = parse(
        whatsapp.ADAPTER,
        wa(
            [wa_msg(id="wamid.1"), wa_msg("sticker", id="wamid.2", sticker={"id": "1"}), wa_msg(id="wamid.3")]
        ),
    )
    assert [o.external_id for o in outcomes] == ["wamid.1", "wamid.2", "wamid.3"]


def test_whatsapp_other_fields_are_ignored():
    payload = wa(field="message_template_status_update")
    assert one(whatsapp.ADAPTER, payload).reason == "unsupported_field"


# --- malformed deliveries ---------------------------------------------------------------


def _mutate(payload, fn):
    payload = copy.deepcopy(payload)
    fn(payload)
    return payload


MALFORMED = [
    (facebook.ADAPTER, b"<html>"),
    (facebook.ADAPTER, b"[1, 2]"),
    (facebook.ADAPTER, {"object": "instagram", "entry": []}),
    (facebook.ADAPTER, {"object": "page"}),
    (facebook.ADAPTER, {"object": "page", "entry": {"id": PAGE}}),
    (facebook.ADAPTER, {"object": "page", "entry": [{"time": T0, "changes": []}]}),
    (facebook.ADAPTER, {"object": "page", "entry": [{"id": PAGE, "time": T0}]}),
    (
        facebook.ADAPTER,
        {"object": "page", "entry": [{"id": PAGE, "changes": [{"field": "feed", "value": "x"}]}]},
    ),
    (facebook.ADAPTER, feed({"item": "status", "post_id": POST_ID})),
    (facebook.ADAPTER, feed(feed_value(post_id=None))),
    (facebook.ADAPTER, feed(feed_value(created_time="kemarin"))),
    (facebook.ADAPTER, feed(feed_value(photos="https://x/1.jpg"))),
    (facebook.ADAPTER, messenger(msg_event({"text": "tanpa mid"}))),
    (
        facebook.ADAPTER,
        messenger(msg_event({"mid": "m", "attachments": [{"type": "location", "payload": {}}]})),
    ),
    (instagram.ADAPTER, ig_change("comments", comment_value(**{"from": None}))),
    (instagram.ADAPTER, ig_change("comments", comment_value(id=None))),
    (instagram.ADAPTER, ig_change("mentions", {})),
    (whatsapp.ADAPTER, {"object": "page", "entry": []}),
    (whatsapp.ADAPTER, wa([wa_msg(id=None)])),
    (whatsapp.ADAPTER, wa([wa_msg(timestamp="nanti")])),
    (whatsapp.ADAPTER, wa([wa_msg("image")])),
    (whatsapp.ADAPTER, wa([wa_msg("location", location={"latitude": "-6.2", "longitude": 106.8})])),
    (whatsapp.ADAPTER, wa([wa_msg("location", location={"latitude": -96.2, "longitude": 106.8})])),
    (whatsapp.ADAPTER, wa(["not an object"])),
    (whatsapp.ADAPTER, wa(contacts=False)),
]


@pytest.mark.parametrize("adapter, payload", MALFORMED)
def test_malformed_deliveries_raise_adapter_error(adapter, payload):
    with pytest.raises(AdapterError):
        parse(adapter, payload)


# --- golden files: signer vs verifier, and a replay of every expectation ---------------

PAYLOADS = Path(__file__).parent / "payloads"
HARNESS_ENV = {
    "ADUAN_TWITTER_CONSUMER_SECRET": "test-twitter-secret",
    "ADUAN_FACEBOOK_APP_SECRET": "test-facebook-secret",
    "ADUAN_FACEBOOK_VERIFY_TOKEN": "test-facebook-verify",
    "ADUAN_INSTAGRAM_APP_SECRET": "test-instagram-secret",
    "ADUAN_INSTAGRAM_VERIFY_TOKEN": "test-instagram-verify",
    "ADUAN_WHATSAPP_APP_SECRET": "test-whatsapp-secret",
    "ADUAN_WHATSAPP_VERIFY_TOKEN": "test-whatsapp-verify",
    "ADUAN_PUBLIC_BASE_URL": "https://aduan.example.go.id",
}
CHANNELS = {
    # directory: (adapter, verifier, secret var, verify-token var)
    "twitter": (twitter.ADAPTER, twitter.verify, "ADUAN_TWITTER_CONSUMER_SECRET", None),
    "facebook": (
        facebook.ADAPTER,
        meta.verify_signature,
        "ADUAN_FACEBOOK_APP_SECRET",
        "ADUAN_FACEBOOK_VERIFY_TOKEN",
    ),
    "governor_social": (
        instagram.ADAPTER,
        meta.verify_signature,
        "ADUAN_INSTAGRAM_APP_SECRET",
        "ADUAN_INSTAGRAM_VERIFY_TOKEN",
    ),
    "whatsapp": (
        whatsapp.ADAPTER,
        meta.verify_signature,
        "ADUAN_WHATSAPP_APP_SECRET",
        "ADUAN_WHATSAPP_VERIFY_TOKEN",
    ),
}
GOLDEN = sorted((d, p) for d in CHANNELS for p in (PAYLOADS / d).glob("*.json"))


def test_every_platform_has_enough_golden_cases():
    for directory in CHANNELS:
        files = list((PAYLOADS / directory).glob("*.json"))
        assert len(files) >= 5, directory
        assert any(json.loads(f.read_text())["steps"][0]["request"]["method"] == "GET" for f in files), (
            directory
        )


class _Store:
    """Just enough of the pipeline's matching rules to check golden expectations offline."""

    def __init__(self):
        self.complaints: list[dict] = []

    def _create(self, draft: ComplaintDraft, step: int) -> tuple[str, dict]:
        c = {
            "step": step,
            "draft": draft,
            "keys": {draft.external_id, *draft.thread_keys},
            "events": [],
            "description": draft.description,
            "location": draft.location,
        }
        self.complaints.append(c)
        return "created", c

    def _find(self, outcome: FollowUp) -> dict | None:
        for c in self.complaints:
            if c["keys"] & set(outcome.thread_refs):
                return c
        if outcome.recent_from_reporter and outcome.reporter:
            for c in reversed(self.complaints):
                r = c["draft"].reporter
                if r and (
                    (r.phone and r.phone == outcome.reporter.phone)
                    or (r.handles and r.handles == outcome.reporter.handles)
                ):
                    return c
        return None

    def apply(self, outcome, step: int) -> tuple[dict, dict | None]:
        if isinstance(outcome, ComplaintDraft):
            action, c = self._create(outcome, step)
            return {"action": action, "external_id": outcome.external_id}, c
        if isinstance(outcome, FollowUp):
            c = self._find(outcome)
            if c is None:
                _, c = self._create(outcome.fallback, step)
                return {"action": "created", "external_id": outcome.external_id}, c
            c["events"].append(outcome.text)
            c["keys"] |= {outcome.external_id, *outcome.thread_keys}
            c["location"] = c["location"] or outcome.location
            return {
                "action": "followed_up",
                "external_id": outcome.external_id,
                "same_ticket_as_step": c["step"],
            }, c
        if isinstance(outcome, Edit):
            c = next(c for c in self.complaints if outcome.target_external_id in c["keys"])
            c["description"] = outcome.description
            return {"action": "updated", "external_id": outcome.external_id}, c
        if isinstance(outcome, Ignored):
            return {"action": "ignored", "reason": outcome.reason, "external_id": outcome.external_id}, None
        if isinstance(outcome, Deferred):
            return {"action": "buffered", "external_id": outcome.external_id}, None
        raise AssertionError(f"unexpected outcome {outcome!r}")


def _check_complaint(store: _Store, expected: dict):
    c = next(c for c in store.complaints if expected["external_id"] in c["keys"])
    d: ComplaintDraft = c["draft"]
    for key, want in expected.items():
        if key == "channel":
            assert d.channel == want
        elif key == "privacy":
            assert d.privacy == want
        elif key == "description_contains":
            assert want in c["description"]
        elif key == "attachments_count":
            assert len(d.attachments) == want
        elif key == "location":
            got = c["location"]
            assert (None if got is None else {"lat": round(got.lat, 4), "lon": round(got.lon, 4)}) == want
        elif key == "reporter":
            r = d.reporter
            for rk, rv in want.items():
                if rk == "handle":
                    assert rv in r.handles.values()
                elif rk == "phone":
                    assert "+" + r.phone.lstrip("+") == rv
                else:
                    assert getattr(r, rk) == rv
        elif key != "external_id":
            raise AssertionError(f"golden key {key} not checked offline")


@pytest.mark.parametrize("directory, path", GOLDEN, ids=[f"{d}/{p.name}" for d, p in GOLDEN])
def test_golden_case_replays_offline(directory, path):
    adapter, verifier, secret_var, token_var = CHANNELS[directory]
    case = json.loads(path.read_text(encoding="utf-8"))
    assert case["description"] and case["steps"]
    env = {**HARNESS_ENV, **case.get("env", {})}
    store = _Store()
    for step_no, step in enumerate(case["steps"]):
        request, expect = step["request"], step["expect"]
        if request["method"] == "GET":
            if directory == "twitter":
                assert twitter.crc_response(request["query"]["crc_token"], env[secret_var]) == expect["json"]
            elif expect["status"] == 200:
                assert meta.handshake(request["query"], env[token_var]) == expect["text"]
            else:
                assert expect["status"] == 403
                with pytest.raises(VerifyTokenError):
                    meta.handshake(request["query"], env[token_var])
            continue
        body = body_bytes(request)
        headers = {k.lower(): v for k, v in request["headers"].items()}
        if step["sign"]:
            headers.update({k.lower(): v for k, v in SIGNERS[directory](request, env).items()})
        if expect["status"] == 401:
            with pytest.raises(SignatureError):
                verifier(headers, body, env[secret_var])
            continue
        verifier(headers, body, env[secret_var])
        outcomes = adapter.parse(Delivery(body=body, content_type="application/json", headers=headers))
        assert len(outcomes) == len(expect["outcomes"])
        results = [store.apply(o, step_no) for o in outcomes]
        for (got, _), want in zip(results, expect["outcomes"], strict=True):
            assert {k: got.get(k) for k in want} == want
        actions = {got["action"] for got, _ in results}
        status = 201 if "created" in actions else 202 if actions & {"buffered", "failed"} else 200
        assert status == expect["status"]
        for expected in expect.get("complaints", []):
            _check_complaint(store, expected)
        if "events_contains" in expect:
            ref = expect["events_contains"]
            touched = results[0][1]
            assert any(ref["text"] in e for e in touched["events"])
