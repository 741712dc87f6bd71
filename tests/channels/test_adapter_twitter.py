"""X Account Activity API adapter: CRC, signature, and parse() of every event kind."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from app.channels.adapters import twitter
from app.intake.drafts import (
    AdapterError,
    ChannelNotConfigured,
    ComplaintDraft,
    Delivery,
    FollowUp,
    Ignored,
    SignatureError,
)

ACCOUNT = "3347108574"
SECRET = "test-twitter-secret"
DKI_MENTION = {
    "screen_name": "DKIJakarta",
    "name": "Pemprov DKI Jakarta",
    "id": int(ACCOUNT),
    "id_str": ACCOUNT,
}
BUDI = {"id": 987654321, "id_str": "987654321", "name": "Budi Santoso", "screen_name": "budi_jkt"}
MENTENG = {
    "id": "0f3c2a1b5d6e7f80",
    "place_type": "city",
    "name": "Menteng",
    "full_name": "Menteng, Indonesia",
    "country_code": "ID",
    "bounding_box": {
        "type": "Polygon",
        "coordinates": [[[106.81, -6.21], [106.81, -6.17], [106.85, -6.17], [106.85, -6.21]]],
    },
}


def make_tweet(
    text: str = "@DKIJakarta Jalan berlubang di Jl. Cikini Raya dekat halte, motor sering jatuh", **extra
):
    tweet = {
        "created_at": "Sun Mar 01 03:12:40 +0000 2026",
        "id": 1896012345678901234,
        "id_str": "1896012345678901234",
        "text": text,
        "source": '<a href="http://twitter.com/download/android" rel="nofollow">Twitter for Android</a>',
        "truncated": False,
        "in_reply_to_status_id_str": None,
        "user": dict(BUDI),
        "coordinates": None,
        "place": None,
        "entities": {
            "hashtags": [],
            "urls": [],
            "symbols": [],
            "user_mentions": [{**DKI_MENTION, "indices": [0, 11]}],
        },
        "lang": "in",
        "timestamp_ms": "1772334760123",
    }
    tweet.update(extra)
    return tweet


def deliver(payload) -> list:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return twitter.ADAPTER.parse(Delivery(body=body, content_type="application/json"))


def tweets(*items) -> dict:
    return {"for_user_id": ACCOUNT, "tweet_create_events": list(items)}


def one(payload):
    outcomes = deliver(payload)
    assert len(outcomes) == 1
    return outcomes[0]


# --- CRC and signature ---------------------------------------------------------


def test_crc_response_is_base64_hmac_of_the_token():
    # Worked example from X's documentation gist (consumer secret and token are theirs).
    secret = "z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu"
    token = "9b4507b3-9040-4669-9ca3-6b94edb50553"
    digest = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    assert twitter.crc_response(token, secret) == {
        "response_token": "sha256=" + base64.b64encode(digest).decode()
    }


def test_crc_needs_a_secret_and_a_token():
    with pytest.raises(ChannelNotConfigured):
        twitter.crc_response("abc", "")
    with pytest.raises(ValueError):
        twitter.crc_response("", SECRET)


def _sig(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


BODY = json.dumps(tweets(make_tweet())).encode()


@pytest.mark.parametrize(
    "headers, ok",
    [
        ({"x-twitter-webhooks-signature": _sig(BODY)}, True),
        ({"x-twitter-webhooks-signature": "  " + _sig(BODY) + " "}, True),
        ({"x-twitter-webhooks-signature": _sig(BODY, "another-secret")}, False),
        ({"x-twitter-webhooks-signature": _sig(BODY + b" ")}, False),
        ({"x-twitter-webhooks-signature": _sig(BODY).replace("sha256=", "")}, False),
        # Meta's hex form is not X's base64 form.
        (
            {
                "x-twitter-webhooks-signature": "sha256="
                + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
            },
            False,
        ),
        ({"x-twitter-webhooks-signature": ""}, False),
        ({}, False),
    ],
    ids=["good", "whitespace", "wrong-secret", "body-changed", "no-prefix", "hex", "empty", "missing"],
)
def test_verify(headers, ok):
    if ok:
        twitter.verify(headers, BODY, SECRET)
    else:
        with pytest.raises(SignatureError):
            twitter.verify(headers, BODY, SECRET)


def test_verify_refuses_to_run_without_a_secret():
    with pytest.raises(ChannelNotConfigured):
        twitter.verify({"x-twitter-webhooks-signature": _sig(BODY, "")}, BODY, "")


# --- tweets ----------------------------------------------------------------------


def test_mention_with_point_photo_and_place():
    text = "@DKIJakarta Jalan berlubang di Jl. Cikini Raya &amp; trotoar rusak #JalanRusak https://t.co/Qw3rTy7uIo"
    media = {
        "id_str": "1896012340001112223",
        "media_url_https": "https://pbs.twimg.com/media/GabcXk3aQ.jpg",
        "url": "https://t.co/Qw3rTy7uIo",
        "type": "photo",
    }
    tweet = make_tweet(
        text,
        coordinates={"type": "Point", "coordinates": [106.84123, -6.19052]},
        geo={"type": "Point", "coordinates": [-6.19052, 106.84123]},
        place=MENTENG,
        extended_entities={"media": [media]},
    )
    tweet["entities"]["media"] = [media]
    tweet["entities"]["hashtags"] = [{"text": "JalanRusak", "indices": [70, 81]}]
    draft = one(tweets(tweet))
    assert isinstance(draft, ComplaintDraft)
    assert draft.channel == "twitter" and draft.external_id == "1896012345678901234"
    assert draft.description == "Jalan berlubang di Jl. Cikini Raya & trotoar rusak #JalanRusak"
    assert (draft.location.lat, draft.location.lon) == (-6.19052, 106.84123)
    assert draft.location.address == "Menteng, Indonesia"
    assert [(a.url, a.media_type) for a in draft.attachments] == [
        ("https://pbs.twimg.com/media/GabcXk3aQ.jpg", "image/jpeg")
    ]
    assert draft.reporter.name == "Budi Santoso"
    assert draft.reporter.handles == {"twitter": "budi_jkt", "twitter_id": "987654321"}
    assert draft.privacy == "public" and draft.language == "id"
    assert draft.received_at == datetime(2026, 3, 1, 3, 12, 40, 123000, tzinfo=UTC)
    assert draft.thread_keys == ["1896012345678901234"]
    assert draft.metadata["place"] == MENTENG and draft.metadata["lang"] == "in"
    assert draft.metadata["hashtags"] == ["JalanRusak"] and draft.metadata["media_ids"] == [
        "1896012340001112223"
    ]
    assert "user" not in draft.metadata and "budi_jkt" not in json.dumps(draft.metadata)


def test_place_without_coordinates_is_never_a_point():
    draft = one(tweets(make_tweet(place=MENTENG)))
    assert draft.location is None
    assert draft.metadata["place"]["full_name"] == "Menteng, Indonesia"


def test_truncated_tweet_uses_extended_full_text_and_its_media():
    full = (
        "@DKIJakarta "
        + "Saluran air di Jl. Kramat Raya tersumbat sampah, " * 5
        + "mohon dibersihkan https://t.co/Zz"
    )
    media = {
        "id_str": "77",
        "media_url_https": "https://pbs.twimg.com/media/Kramat.png",
        "url": "https://t.co/Zz",
        "type": "photo",
    }
    tweet = make_tweet(
        full[:140] + "\u2026 https://t.co/more",
        truncated=True,
        extended_tweet={
            "full_text": full,
            "entities": {"user_mentions": [{**DKI_MENTION, "indices": [0, 11]}], "media": [media]},
            "extended_entities": {"media": [media]},
        },
    )
    draft = one(tweets(tweet))
    assert draft.description.endswith("mohon dibersihkan")
    assert draft.attachments[0].media_type == "image/png"


def test_video_takes_the_best_mp4_variant():
    media = {
        "id_str": "88",
        "media_url_https": "https://pbs.twimg.com/ext_tw_video_thumb/88/pu/img/thumb.jpg",
        "url": "https://t.co/vid",
        "type": "video",
        "video_info": {
            "variants": [
                {"content_type": "application/x-mpegURL", "url": "https://video.twimg.com/88/pl/list.m3u8"},
                {
                    "bitrate": 832000,
                    "content_type": "video/mp4",
                    "url": "https://video.twimg.com/88/vid/640x360/a.mp4",
                },
                {
                    "bitrate": 2176000,
                    "content_type": "video/mp4",
                    "url": "https://video.twimg.com/88/vid/1280x720/b.mp4",
                },
            ]
        },
    }
    draft = one(
        tweets(
            make_tweet("@DKIJakarta Banjir di Kemang https://t.co/vid", extended_entities={"media": [media]})
        )
    )
    assert [(a.url, a.media_type) for a in draft.attachments] == [
        ("https://video.twimg.com/88/vid/1280x720/b.mp4", "video/mp4")
    ]


@pytest.mark.parametrize(
    "text, mentions, expected",
    [
        ("@DKIJakarta Pohon tumbang", [DKI_MENTION], "Pohon tumbang"),
        ("@dkijakarta @DKIJakarta Pohon tumbang", [DKI_MENTION], "Pohon tumbang"),
        # Another user addressed first stays; only the city's handle is addressing noise.
        ("@budi_jkt @DKIJakarta Pohon tumbang", [DKI_MENTION, BUDI], "@budi_jkt Pohon tumbang"),
        # A mention in the middle of a sentence is content.
        ("Tolong @DKIJakarta pohon tumbang", [DKI_MENTION], "Tolong @DKIJakarta pohon tumbang"),
        ("@DKIJakarta #Banjir di Kemang", [DKI_MENTION], "#Banjir di Kemang"),
    ],
)
def test_leading_mentions_of_the_account_are_stripped(text, mentions, expected):
    tweet = make_tweet(text)
    tweet["entities"]["user_mentions"] = [dict(m) for m in mentions]
    assert one(tweets(tweet)).description == expected


@pytest.mark.parametrize(
    "tweet, reason",
    [
        (make_tweet(retweeted_status=make_tweet()), "retweet"),
        (
            make_tweet(user={"id_str": ACCOUNT, "screen_name": "DKIJakarta", "name": "Pemprov DKI Jakarta"}),
            "own_post",
        ),
        (make_tweet("@DKIJakarta   "), "empty_message"),
    ],
    ids=["retweet", "own", "empty"],
)
def test_ignored_tweets(tweet, reason):
    outcome = one(tweets(tweet))
    assert outcome == Ignored(reason, external_id="1896012345678901234")


def test_reply_is_a_follow_up_with_a_fallback_complaint():
    outcome = one(
        tweets(
            make_tweet("@DKIJakarta Masih gelap malam ini", in_reply_to_status_id_str="1896040000000000001")
        )
    )
    assert isinstance(outcome, FollowUp)
    assert outcome.thread_refs == ["1896040000000000001"] and outcome.ticket is None
    assert outcome.text == "Masih gelap malam ini"
    assert isinstance(outcome.fallback, ComplaintDraft)
    assert outcome.fallback.external_id == outcome.external_id == "1896012345678901234"
    assert outcome.reporter.handles["twitter"] == "budi_jkt"


def test_ticket_code_makes_a_follow_up():
    outcome = one(tweets(make_tweet("@DKIJakarta Laporan #k7m2-q9xd belum ditangani")))
    assert isinstance(outcome, FollowUp)
    assert outcome.ticket == "K7M2-Q9XD" and outcome.thread_refs == []
    assert outcome.fallback is not None


def test_created_at_is_used_without_timestamp_ms():
    tweet = make_tweet()
    del tweet["timestamp_ms"]
    assert one(tweets(tweet)).received_at == datetime(2026, 3, 1, 3, 12, 40, tzinfo=UTC)


def test_a_batch_keeps_order():
    retweet = make_tweet(id_str="2", retweeted_status={})
    outcomes = deliver(tweets(make_tweet(id_str="1"), retweet, make_tweet(id_str="3")))
    assert [type(o).__name__ for o in outcomes] == ["ComplaintDraft", "Ignored", "ComplaintDraft"]
    assert [o.external_id for o in outcomes] == ["1", "2", "3"]


# --- direct messages and other events ------------------------------------------


def make_dm(sender="1203344556677", text="Ada pungli di loket kelurahan Kebon Kacang", attachment=None):
    data = {"text": text, "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []}}
    if attachment:
        data["attachment"] = attachment
    return {
        "for_user_id": ACCOUNT,
        "direct_message_events": [
            {
                "type": "message_create",
                "id": "1896050000000000123",
                "created_timestamp": "1772341960000",
                "message_create": {
                    "target": {"recipient_id": ACCOUNT},
                    "sender_id": sender,
                    "message_data": data,
                },
            }
        ],
        "users": {
            "1203344556677": {"id": "1203344556677", "name": "Siti Rahma", "screen_name": "sitirahma_"},
            ACCOUNT: {"id": ACCOUNT, "name": "Pemprov DKI Jakarta", "screen_name": "DKIJakarta"},
        },
    }


def test_direct_message_is_a_secret_complaint():
    draft = one(make_dm())
    assert isinstance(draft, ComplaintDraft)
    assert draft.privacy == "secret" and draft.external_id == "1896050000000000123"
    assert draft.reporter.handles == {"twitter": "sitirahma_", "twitter_id": "1203344556677"}
    assert draft.reporter.name == "Siti Rahma"
    assert draft.received_at == datetime(2026, 3, 1, 5, 12, 40, tzinfo=UTC)


def test_direct_message_with_photo_drops_its_tco_link():
    media = {
        "id_str": "99",
        "media_url_https": "https://ton.twitter.com/1.1/ton/data/dm/1/99/a.jpg",
        "url": "https://t.co/dmPhoto",
        "type": "photo",
    }
    draft = one(
        make_dm(text="Foto pungli https://t.co/dmPhoto", attachment={"type": "media", "media": media})
    )
    assert draft.description == "Foto pungli"
    assert draft.attachments[0].url.endswith("/a.jpg")


def test_own_direct_message_is_ignored():
    assert one(make_dm(sender=ACCOUNT)) == Ignored("own_post", external_id="1896050000000000123")


def test_direct_message_quoting_a_ticket_is_a_follow_up():
    outcome = one(make_dm(text="Tiket K7M2-Q9XD masih belum ada kabar"))
    assert isinstance(outcome, FollowUp) and outcome.ticket == "K7M2-Q9XD"
    assert outcome.fallback.privacy == "secret"


def test_direct_message_from_an_unknown_user_keeps_the_id():
    payload = make_dm(sender="5550001")
    assert one(payload).reporter.handles == {"twitter_id": "5550001"}


@pytest.mark.parametrize(
    "key, event, reason",
    [
        ("favorite_events", {"id": "a7ba59", "favorited_status": make_tweet(), "user": BUDI}, "favorite"),
        ("follow_events", {"type": "follow", "source": {"id": "1"}, "target": {"id": ACCOUNT}}, "follow"),
        (
            "tweet_delete_events",
            {"status": {"id": "42", "user_id": "1"}, "timestamp_ms": "1"},
            "tweet_delete",
        ),
        ("block_events", {"type": "block"}, "block"),
        ("direct_message_indicate_typing_events", {"sender_id": "1"}, "typing_indicator"),
        ("direct_message_mark_read_events", {"sender_id": "1"}, "read_receipt"),
        ("something_new_events", {"id": "x"}, "unsupported_event"),
    ],
)
def test_other_events_are_ignored(key, event, reason):
    outcome = one({"for_user_id": ACCOUNT, key: [event]})
    assert isinstance(outcome, Ignored) and outcome.reason == reason


def test_tweet_delete_names_the_deleted_tweet():
    outcome = one({"for_user_id": ACCOUNT, "tweet_delete_events": [{"status": {"id": "42", "user_id": "1"}}]})
    assert outcome.external_id == "42"


# --- malformed -------------------------------------------------------------------


def _without(d: dict, *path):
    d = copy.deepcopy(d)
    target = d
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return d


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        json.dumps({"tweet_create_events": [make_tweet()]}).encode(),
        json.dumps({"for_user_id": ACCOUNT}).encode(),
        json.dumps({"for_user_id": ACCOUNT, "tweet_create_events": {"id": 1}}).encode(),
        json.dumps({"for_user_id": ACCOUNT, "tweet_create_events": ["x"]}).encode(),
        json.dumps(tweets(_without(make_tweet(), "id_str"))).encode(),
        json.dumps(tweets(_without(make_tweet(), "user"))).encode(),
        json.dumps(tweets(make_tweet(text=None))).encode(),
        json.dumps(
            tweets(make_tweet(coordinates={"type": "Point", "coordinates": ["106.8", "-6.2"]}))
        ).encode(),
        json.dumps(tweets(make_tweet(coordinates={"type": "Point", "coordinates": [-6.2, 206.8]}))).encode(),
        json.dumps(tweets(make_tweet(timestamp_ms="kemarin"))).encode(),
        json.dumps(_without(make_dm(), "direct_message_events", 0, "message_create")).encode(),
    ],
)
def test_malformed_deliveries_raise_adapter_error(body):
    with pytest.raises(AdapterError):
        deliver(body)
