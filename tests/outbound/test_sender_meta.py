"""The Meta senders (facebook, instagram, whatsapp) against Meta's documentation, through the
fake platform.

What the tests hold the recorded requests to:

- Facebook: ``POST /{version}/{comment-id}/comments`` with ``message`` (Graph ``/comments``
  edge); ``POST /{version}/{page-id}/messages`` with ``recipient``, ``messaging_type`` and
  ``message`` (Send API): ``RESPONSE`` within 24 hours of the person's last message,
  ``MESSAGE_TAG`` + ``ACCOUNT_UPDATE`` after; ``recipient: {"comment_id"}`` for a private reply;
  the Page token and, with the app secret, ``appsecret_proof`` = hex HMAC-SHA256(app secret,
  token) ("Securing Requests"); 2000 / 8000 characters.
- Instagram: ``POST /{version}/{ig-comment-id}/replies`` with ``message``;
  ``POST /{version}/{ig-id}/messages`` with ``recipient`` (IGSID or ``comment_id``) and
  ``message.text`` of at most 1000 UTF-8 bytes; 2200 characters for a comment.
- WhatsApp Cloud API: ``POST /{version}/{phone-number-id}/messages`` with the Bearer token; a
  text message (at most 4096 characters, ``context`` when answering) inside the 24-hour customer
  service window, the approved template with a body of two text parameters outside it.
"""

# Each test takes the imported fake_platform fixture by name, which ruff reads as a redefinition.
# ruff: noqa: F811
from __future__ import annotations

import hashlib
import hmac
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.outbound.senders.base import Message, NotConfigured, Receipt, SendContext, Sender, SendError
from app.outbound.senders.facebook import FacebookSender
from app.outbound.senders.instagram import InstagramSender
from app.outbound.senders.whatsapp import WhatsAppSender
from tests.outbound.fakes import Answer, FakePlatform, fake_platform  # noqa: F401

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
VERSION = "v21.0"
TEXT = "Laporan ADU-7Q2K: petugas Dinas PU sudah menambal jalan di Jl. Merdeka."
PAGE_TOKEN = "EAAG-page-token"
APP_SECRET = "facebook-app-secret"
IG_TOKEN = "IGQW-instagram-token"
WA_TOKEN = "EAAW-whatsapp-token"


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).isoformat()


def meta_settings(url: str, **values: str) -> Settings:
    """Settings pointing the Graph API at ``url``; every Meta credential empty unless given."""
    base = {
        "ADUAN_GRAPH_API_BASE": url,
        "ADUAN_GRAPH_API_VERSION": VERSION,
        "ADUAN_FACEBOOK_PAGE_ID": "",
        "ADUAN_FACEBOOK_PAGE_ACCESS_TOKEN": "",
        "ADUAN_FACEBOOK_APP_SECRET": "",
        "ADUAN_INSTAGRAM_ACCOUNT_ID": "",
        "ADUAN_INSTAGRAM_ACCESS_TOKEN": "",
        "ADUAN_WHATSAPP_ACCESS_TOKEN": "",
        "ADUAN_WHATSAPP_PHONE_NUMBER_ID": "",
        "ADUAN_WHATSAPP_TEMPLATE": "aduan_status_update",
    }
    return Settings(_env_file=None, **{**base, **values})


def fb_settings(url: str, **values: str) -> Settings:
    return meta_settings(
        url, ADUAN_FACEBOOK_PAGE_ID="104857600", ADUAN_FACEBOOK_PAGE_ACCESS_TOKEN=PAGE_TOKEN, **values
    )


def ig_settings(url: str, **values: str) -> Settings:
    return meta_settings(
        url, ADUAN_INSTAGRAM_ACCOUNT_ID="17841400000000001", ADUAN_INSTAGRAM_ACCESS_TOKEN=IG_TOKEN, **values
    )


def wa_settings(url: str, **values: str) -> Settings:
    return meta_settings(
        url, ADUAN_WHATSAPP_ACCESS_TOKEN=WA_TOKEN, ADUAN_WHATSAPP_PHONE_NUMBER_ID="106540352242922", **values
    )


def message(platform: str, to: dict[str, Any], text: str = TEXT, **extra: Any) -> Message:
    return Message(id="out-1", platform=platform, to=to, text=text, ticket="ADU-7Q2K", extra=extra, now=NOW)


async def send(sender: Sender, msg: Message, settings: Settings) -> Receipt:
    async with httpx.AsyncClient(timeout=5) as http:
        return await sender.send(msg, SendContext(http=http, settings=settings))


def form(rec: Any) -> dict[str, str]:
    assert rec.headers["content-type"].startswith("application/x-www-form-urlencoded")
    return {k: v[0] for k, v in rec.form().items()}


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# ---------------------------------------------------------------------------------- facebook


async def test_facebook_comment_reply(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(200, {"id": "1234_5678"})
    receipt = await send(
        FacebookSender(),
        message("facebook", {"comment_id": "1234_999"}),
        fb_settings(fake_platform.url, ADUAN_FACEBOOK_APP_SECRET=APP_SECRET),
    )
    rec = fake_platform.last()
    assert rec.method == "POST"
    assert rec.path == f"/{VERSION}/1234_999/comments"
    assert rec.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert form(rec) == {"message": TEXT}
    proof = hmac.new(APP_SECRET.encode(), PAGE_TOKEN.encode(), hashlib.sha256).hexdigest()
    assert rec.query == {"appsecret_proof": [proof]}
    assert receipt.provider_id == "1234_5678"


async def test_facebook_without_app_secret_sends_no_proof(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(200, {"id": "1"})
    await send(
        FacebookSender(), message("facebook", {"comment_id": "1234_999"}), fb_settings(fake_platform.url)
    )
    assert "appsecret_proof" not in fake_platform.last().query


@pytest.mark.parametrize("last_inbound", [ago(hours=2), ago(hours=23, minutes=59), ago(minutes=1)])
async def test_messenger_inside_window_is_a_response(fake_platform: FakePlatform, last_inbound: str) -> None:
    fake_platform.respond = lambda _r: Answer(200, {"recipient_id": "2490001", "message_id": "m_AG5Hz2U"})
    receipt = await send(
        FacebookSender(),
        message("facebook", {"psid": "2490001"}, last_inbound_at=last_inbound),
        fb_settings(fake_platform.url, ADUAN_FACEBOOK_APP_SECRET=APP_SECRET),
    )
    rec = fake_platform.last()
    assert rec.method == "POST"
    assert rec.path == f"/{VERSION}/104857600/messages"
    assert rec.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert rec.headers["content-type"].startswith("application/json")
    assert rec.json() == {
        "recipient": {"id": "2490001"},
        "messaging_type": "RESPONSE",
        "message": {"text": TEXT},
    }
    proof = hmac.new(APP_SECRET.encode(), PAGE_TOKEN.encode(), hashlib.sha256).hexdigest()
    assert rec.query["appsecret_proof"] == [proof]
    assert receipt.provider_id == "m_AG5Hz2U"


@pytest.mark.parametrize(
    "extra",
    [
        {"last_inbound_at": ago(hours=24)},
        {"last_inbound_at": ago(hours=25)},
        {"last_inbound_at": ago(days=6)},
        {"last_inbound_at": "not a time"},
        {},
    ],
)
async def test_messenger_outside_window_is_tagged(fake_platform: FakePlatform, extra: dict[str, Any]) -> None:
    fake_platform.respond = lambda _r: Answer(200, {"recipient_id": "2490001", "message_id": "m_1"})
    await send(
        FacebookSender(), message("facebook", {"psid": "2490001"}, **extra), fb_settings(fake_platform.url)
    )
    assert fake_platform.last().json() == {
        "recipient": {"id": "2490001"},
        "messaging_type": "MESSAGE_TAG",
        "tag": "ACCOUNT_UPDATE",
        "message": {"text": TEXT},
    }


async def test_messenger_window_reads_zulu_and_offset_times(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(200, {"message_id": "m_1"})
    settings = fb_settings(fake_platform.url)
    await send(
        FacebookSender(), message("facebook", {"psid": "1"}, last_inbound_at="2025-03-01T02:00:00Z"), settings
    )
    # 2025-03-01T12:00+07:00 is 05:00 UTC: three hours before NOW.
    await send(
        FacebookSender(),
        message("facebook", {"psid": "1"}, last_inbound_at="2025-03-01T12:00:00+07:00"),
        settings,
    )
    assert [r.json()["messaging_type"] for r in fake_platform.requests] == ["RESPONSE", "RESPONSE"]


async def test_messenger_private_reply(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(200, {"recipient_id": "2490001", "message_id": "m_2"})
    receipt = await send(
        FacebookSender(),
        message("facebook", {"private_reply_comment_id": "1234_777"}),
        fb_settings(fake_platform.url),
    )
    rec = fake_platform.last()
    assert rec.path == f"/{VERSION}/104857600/messages"
    body = rec.json()
    assert body["recipient"] == {"comment_id": "1234_777"}
    assert body["message"] == {"text": TEXT}
    assert receipt.provider_id == "m_2"


@pytest.mark.parametrize(
    ("to", "limit"),
    [({"psid": "1"}, 2000), ({"private_reply_comment_id": "1_2"}, 2000), ({"comment_id": "1_2"}, 8000)],
)
async def test_facebook_limits(fake_platform: FakePlatform, to: dict[str, str], limit: int) -> None:
    fake_platform.respond = lambda _r: Answer(200, {"id": "1", "message_id": "m"})
    settings = fb_settings(fake_platform.url)
    await send(FacebookSender(), message("facebook", to, "a" * limit, last_inbound_at=ago(hours=1)), settings)
    assert len(fake_platform.requests) == 1
    with pytest.raises(SendError) as caught:
        await send(
            FacebookSender(),
            message("facebook", to, "a" * (limit + 1), last_inbound_at=ago(hours=1)),
            settings,
        )
    assert caught.value.retryable is False
    assert len(fake_platform.requests) == 1


@pytest.mark.parametrize(
    ("to", "values"),
    [
        ({"comment_id": "1_2"}, {"ADUAN_FACEBOOK_PAGE_ID": "104857600"}),  # no token
        ({"psid": "1"}, {"ADUAN_FACEBOOK_PAGE_ID": "104857600"}),
        ({"psid": "1"}, {"ADUAN_FACEBOOK_PAGE_ACCESS_TOKEN": PAGE_TOKEN}),  # no page id
    ],
)
async def test_facebook_not_configured(
    fake_platform: FakePlatform,
    to: dict[str, str],
    values: dict[str, str],
) -> None:
    with pytest.raises(NotConfigured):
        await send(FacebookSender(), message("facebook", to), meta_settings(fake_platform.url, **values))
    assert fake_platform.requests == []


# --------------------------------------------------------------------------------- instagram


async def test_instagram_comment_reply(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(200, {"id": "17873440459141021"})
    receipt = await send(
        InstagramSender(),
        message("instagram", {"comment_id": "17870913679156914"}),
        ig_settings(fake_platform.url),
    )
    rec = fake_platform.last()
    assert rec.method == "POST"
    assert rec.path == f"/{VERSION}/17870913679156914/replies"
    assert rec.headers["authorization"] == f"Bearer {IG_TOKEN}"
    assert form(rec) == {"message": TEXT}
    assert receipt.provider_id == "17873440459141021"


@pytest.mark.parametrize(
    ("to", "recipient"),
    [
        ({"igsid": "6543210987"}, {"id": "6543210987"}),
        ({"private_reply_comment_id": "17870913679156914"}, {"comment_id": "17870913679156914"}),
    ],
)
async def test_instagram_messages(
    fake_platform: FakePlatform, to: dict[str, str], recipient: dict[str, str]
) -> None:
    fake_platform.respond = lambda _r: Answer(200, {"recipient_id": "6543210987", "message_id": "aWdfZAG1"})
    receipt = await send(InstagramSender(), message("instagram", to), ig_settings(fake_platform.url))
    rec = fake_platform.last()
    assert rec.method == "POST"
    assert rec.path == f"/{VERSION}/17841400000000001/messages"
    assert rec.headers["authorization"] == f"Bearer {IG_TOKEN}"
    assert rec.json() == {"recipient": recipient, "message": {"text": TEXT}}
    assert receipt.provider_id == "aWdfZAG1"


@pytest.mark.parametrize(
    ("to", "fits", "too_long"),
    [
        ({"igsid": "1"}, "a" * 1000, "a" * 1001),
        ({"igsid": "1"}, "é" * 500, "é" * 501),  # 1000 bytes of UTF-8 is the limit, not characters
        ({"private_reply_comment_id": "1"}, "a" * 1000, "a" * 1001),
        ({"comment_id": "1"}, "a" * 2200, "a" * 2201),
    ],
)
async def test_instagram_limits(
    fake_platform: FakePlatform,
    to: dict[str, str],
    fits: str,
    too_long: str,
) -> None:
    fake_platform.respond = lambda _r: Answer(200, {"id": "1", "message_id": "m"})
    settings = ig_settings(fake_platform.url)
    await send(InstagramSender(), message("instagram", to, fits), settings)
    assert len(fake_platform.requests) == 1
    with pytest.raises(SendError) as caught:
        await send(InstagramSender(), message("instagram", to, too_long), settings)
    assert caught.value.retryable is False
    assert len(fake_platform.requests) == 1


@pytest.mark.parametrize(
    ("to", "values"),
    [
        ({"comment_id": "1"}, {"ADUAN_INSTAGRAM_ACCOUNT_ID": "17841400000000001"}),  # no token
        ({"igsid": "1"}, {"ADUAN_INSTAGRAM_ACCESS_TOKEN": IG_TOKEN}),  # no account id
    ],
)
async def test_instagram_not_configured(
    fake_platform: FakePlatform,
    to: dict[str, str],
    values: dict[str, str],
) -> None:
    with pytest.raises(NotConfigured):
        await send(InstagramSender(), message("instagram", to), meta_settings(fake_platform.url, **values))
    assert fake_platform.requests == []


# ---------------------------------------------------------------------------------- whatsapp

WA_ANSWER = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "6281234567890", "wa_id": "6281234567890"}],
    "messages": [{"id": "wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABEYEjdFQjY"}],
}


async def test_whatsapp_text_inside_window(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(200, WA_ANSWER)
    receipt = await send(
        WhatsAppSender(),
        message("whatsapp", {"wa_id": "6281234567890"}, last_inbound_at=ago(hours=3)),
        wa_settings(fake_platform.url),
    )
    rec = fake_platform.last()
    assert rec.method == "POST"
    assert rec.path == f"/{VERSION}/106540352242922/messages"
    assert rec.headers["authorization"] == f"Bearer {WA_TOKEN}"
    assert rec.headers["content-type"].startswith("application/json")
    assert rec.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281234567890",
        "type": "text",
        "text": {"preview_url": False, "body": TEXT},
    }
    assert receipt.provider_id == "wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABEYEjdFQjY"


async def test_whatsapp_text_answers_in_context_from_the_number_written_to(
    fake_platform: FakePlatform,
) -> None:
    fake_platform.respond = lambda _r: Answer(200, WA_ANSWER)
    to = {"wa_id": "6281234567890", "phone_number_id": "222333444", "context_message_id": "wamid.IN1"}
    await send(
        WhatsAppSender(),
        message("whatsapp", to, last_inbound_at=ago(hours=1)),
        wa_settings(fake_platform.url),
    )
    rec = fake_platform.last()
    assert rec.path == f"/{VERSION}/222333444/messages"
    body = rec.json()
    assert body["context"] == {"message_id": "wamid.IN1"}
    assert body["type"] == "text"


@pytest.mark.parametrize(
    ("extra", "language"),
    [
        ({"last_inbound_at": ago(hours=30)}, "id"),
        ({"last_inbound_at": ago(hours=24)}, "id"),
        ({}, "id"),
        ({"last_inbound_at": ago(days=3), "language": "en"}, "en"),
        ({"language": "id"}, "id"),
    ],
)
async def test_whatsapp_template_outside_window(
    fake_platform: FakePlatform,
    extra: dict[str, Any],
    language: str,
) -> None:
    fake_platform.respond = lambda _r: Answer(200, WA_ANSWER)
    to = {"wa_id": "6281234567890", "context_message_id": "wamid.IN1"}
    receipt = await send(WhatsAppSender(), message("whatsapp", to, **extra), wa_settings(fake_platform.url))
    rec = fake_platform.last()
    assert rec.path == f"/{VERSION}/106540352242922/messages"
    assert rec.headers["authorization"] == f"Bearer {WA_TOKEN}"
    assert rec.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281234567890",
        "type": "template",
        "template": {
            "name": "aduan_status_update",
            "language": {"code": language},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": "ADU-7Q2K"}, {"type": "text", "text": TEXT}],
                }
            ],
        },
    }
    assert receipt.provider_id == "wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABEYEjdFQjY"


async def test_whatsapp_template_parameter_is_fitted(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(200, WA_ANSWER)
    long_text = ("Baris pertama laporan.\n\tBaris kedua     dengan spasi.\n" * 80).strip()
    await send(
        WhatsAppSender(), message("whatsapp", {"wa_id": "62812"}, long_text), wa_settings(fake_platform.url)
    )
    parameter = fake_platform.last().json()["template"]["components"][0]["parameters"][1]["text"]
    assert len(parameter) <= 1024
    assert parameter.endswith("…")
    assert "\n" not in parameter and "\t" not in parameter and "     " not in parameter
    assert parameter.startswith("Baris pertama laporan. Baris kedua dengan spasi.")


async def test_whatsapp_text_limit(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(200, WA_ANSWER)
    settings = wa_settings(fake_platform.url)
    inside = {"last_inbound_at": ago(hours=1)}
    await send(WhatsAppSender(), message("whatsapp", {"wa_id": "62812"}, "a" * 4096, **inside), settings)
    assert len(fake_platform.requests) == 1
    with pytest.raises(SendError) as caught:
        await send(WhatsAppSender(), message("whatsapp", {"wa_id": "62812"}, "a" * 4097, **inside), settings)
    assert caught.value.retryable is False
    assert len(fake_platform.requests) == 1


@pytest.mark.parametrize(
    ("to", "values"),
    [
        ({"wa_id": "62812"}, {"ADUAN_WHATSAPP_PHONE_NUMBER_ID": "106540352242922"}),  # no token
        ({"wa_id": "62812"}, {"ADUAN_WHATSAPP_ACCESS_TOKEN": WA_TOKEN}),  # no phone number id
    ],
)
async def test_whatsapp_not_configured(
    fake_platform: FakePlatform,
    to: dict[str, str],
    values: dict[str, str],
) -> None:
    with pytest.raises(NotConfigured):
        await send(WhatsAppSender(), message("whatsapp", to), meta_settings(fake_platform.url, **values))
    assert fake_platform.requests == []


async def test_whatsapp_without_wa_id_is_refused(fake_platform: FakePlatform) -> None:
    with pytest.raises(SendError) as caught:
        await send(WhatsAppSender(), message("whatsapp", {}), wa_settings(fake_platform.url))
    assert caught.value.retryable is False
    assert fake_platform.requests == []


# ------------------------------------------------------------------------ errors, all three

CASES: list[tuple[Callable[[], Sender], Callable[..., Settings], dict[str, Any]]] = [
    (FacebookSender, fb_settings, {"comment_id": "1_2"}),
    (FacebookSender, fb_settings, {"psid": "1"}),
    (InstagramSender, ig_settings, {"comment_id": "1"}),
    (InstagramSender, ig_settings, {"igsid": "1"}),
    (WhatsAppSender, wa_settings, {"wa_id": "62812"}),
]
GRAPH_ERROR = {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}}


@pytest.mark.parametrize(("make", "configure", "to"), CASES)
@pytest.mark.parametrize(
    ("status", "body", "retryable"),
    [
        (500, {"error": {"message": "An unknown error occurred", "code": 1}}, True),
        (503, "Service Unavailable", True),
        (429, {"error": {"message": "Too many calls", "code": 4}}, True),
        (400, GRAPH_ERROR, False),
        (403, {"error": {"message": "(#10) Permission denied", "code": 10}}, False),
        # Graph's throttling comes as a 400 or 403 too: its code says "wait and retry".
        (400, {"error": {"message": "(#4) Application request limit reached", "code": 4}}, True),
        (400, {"error": {"message": "(#130429) Rate limit hit", "code": 130429}}, True),
        (400, {"error": {"message": "Temporary", "code": 100, "is_transient": True}}, True),
    ],
)
async def test_error_mapping(
    fake_platform: FakePlatform,
    make: Callable[[], Sender],
    configure: Callable[..., Settings],
    to: dict[str, Any],
    status: int,
    body: Any,
    retryable: bool,
) -> None:
    fake_platform.respond = lambda _r: Answer(status, body)
    with pytest.raises(SendError) as caught:
        await send(make(), message(make().platform, to), configure(fake_platform.url))
    assert caught.value.retryable is retryable
    assert caught.value.status_code == status
    assert len(fake_platform.requests) == 1


@pytest.mark.parametrize(("make", "configure", "to"), CASES)
async def test_closed_port_is_retryable(
    make: Callable[[], Sender], configure: Callable[..., Settings], to: dict[str, Any]
) -> None:
    with pytest.raises(SendError) as caught:
        await send(make(), message(make().platform, to), configure(closed_port_url()))
    assert caught.value.retryable is True
