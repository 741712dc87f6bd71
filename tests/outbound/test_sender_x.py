"""XSender (app.outbound.senders.x) against X's documentation, through the fake platform.

What each test holds the recorded request to:

- ``POST /2/tweets`` with ``{"text", "reply": {"in_reply_to_tweet_id"}}`` and
  ``POST /2/dm_conversations/with/:participant_id/messages`` with ``{"text"}`` (X API v2
  references); ids from ``data.id`` and ``data.dm_event_id``.
- OAuth 2.0 user context (``Authorization: Bearer``) or OAuth 1.0a, whose signature the test
  recomputes with its own implementation of X's "Creating a signature" (percent encoding byte by
  byte as X's "Percent encoding parameters" page describes), first checked against the page's
  worked example.
- The weighted length of twitter-text config v3 and the 280 / 10,000 limits.
"""

# Each test takes the imported fake_platform fixture by name, which ruff reads as a redefinition.
# ruff: noqa: F811
from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import string
import unicodedata
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from app.core.config import Settings
from app.outbound.senders.base import Message, NotConfigured, Receipt, SendContext, SendError
from app.outbound.senders.x import XSender, oauth1_header, oauth1_signature, weighted_length
from tests.outbound.fakes import Answer, FakePlatform, fake_platform  # noqa: F401

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
TEXT = "Laporan ADU-7Q2K sedang ditindaklanjuti oleh Dinas PU."

# X's "Creating a signature" worked example (docs.x.com/fundamentals/authentication/oauth-1-0a/
# creating-a-signature; the page shows the api.twitter.com URL in older copies).
EXAMPLE_PARAMS = {
    "status": "Hello Ladies + Gentlemen, a signed OAuth request!",
    "include_entities": "true",
    "oauth_consumer_key": "xvz1evFS4wEEPTGEFPHBog",
    "oauth_nonce": "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
    "oauth_signature_method": "HMAC-SHA1",
    "oauth_timestamp": "1318622958",
    "oauth_token": "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
    "oauth_version": "1.0",
}
EXAMPLE_CONSUMER_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
EXAMPLE_TOKEN_SECRET = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
EXAMPLE_SIGNATURES = {
    "https://api.x.com/1.1/statuses/update.json": "Ls93hJiZbQ3akF3HF3x1Bz8/zU4=",
    "https://api.twitter.com/1.1/statuses/update.json": "hCtSmYh+iHYCEqBWrE7C7hYmtUk=",
}

# Credentials with characters that must be percent-encoded, so the encoding is exercised.
CONSUMER_KEY = "ck-Aduan 01"
CONSUMER_SECRET = "cs+/=&é~secret"
ACCESS_TOKEN = "1234-abc DEF!*"
ACCESS_TOKEN_SECRET = "ts'()&secret"


# ------------------------------------------------------------------- the test's own OAuth 1.0a

_UNRESERVED = set((string.ascii_letters + string.digits + "-._~").encode())


def pct(value: str) -> str:
    """X's "Percent encoding parameters": every UTF-8 byte outside ``A-Z a-z 0-9 - . _ ~`` as
    ``%`` and two upper-case hex digits."""
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in value.encode())


def reference_signature(
    method: str, base_url: str, params: dict[str, str], consumer_secret: str, token_secret: str
) -> str:
    encoded = sorted((pct(k), pct(v)) for k, v in params.items())
    parameter_string = "&".join(f"{k}={v}" for k, v in encoded)
    base = f"{method.upper()}&{pct(base_url)}&{pct(parameter_string)}"
    key = f"{pct(consumer_secret)}&{pct(token_secret)}"
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()


def parse_oauth_header(value: str) -> dict[str, str]:
    assert value.startswith("OAuth "), value
    fields: dict[str, str] = {}
    for part in value[len("OAuth ") :].split(", "):
        key, _, quoted = part.partition("=")
        assert quoted.startswith('"') and quoted.endswith('"'), part
        fields[unquote(key)] = unquote(quoted[1:-1])
    return fields


# ------------------------------------------------------------------------------------ helpers


def x_settings(url: str, **values: str) -> Settings:
    """Settings pointing X at ``url``; every X credential empty unless given."""
    base = {
        "ADUAN_X_API_BASE": url,
        "ADUAN_X_USER_ACCESS_TOKEN": "",
        "ADUAN_TWITTER_CONSUMER_KEY": "",
        "ADUAN_TWITTER_CONSUMER_SECRET": "",
        "ADUAN_X_ACCESS_TOKEN": "",
        "ADUAN_X_ACCESS_TOKEN_SECRET": "",
    }
    return Settings(_env_file=None, **{**base, **values})


def oauth1_settings(url: str) -> Settings:
    return x_settings(
        url,
        ADUAN_TWITTER_CONSUMER_KEY=CONSUMER_KEY,
        ADUAN_TWITTER_CONSUMER_SECRET=CONSUMER_SECRET,
        ADUAN_X_ACCESS_TOKEN=ACCESS_TOKEN,
        ADUAN_X_ACCESS_TOKEN_SECRET=ACCESS_TOKEN_SECRET,
    )


def reply(text: str = TEXT, tweet_id: str = "1790000000000000001") -> Message:
    return Message(
        id="out-1", platform="x", to={"in_reply_to_tweet_id": tweet_id}, text=text, ticket="ADU-7Q2K", now=NOW
    )


def dm(text: str = TEXT, participant: str = "2244994945") -> Message:
    return Message(id="out-2", platform="x", to={"participant_id": participant}, text=text, now=NOW)


async def send(message: Message, settings: Settings) -> Receipt:
    async with httpx.AsyncClient(timeout=5) as http:
        return await XSender().send(message, SendContext(http=http, settings=settings))


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# ---------------------------------------------------------------------------- weighted length


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("", 0),
        ("a" * 280, 280),
        ("Laporan diterima.", 17),
        ("你好", 4),  # CJK: 2 each
        ("—‘’“”", 5),  # general punctuation 8208-8223: 1 each
        ("…", 2),  # U+2026 is outside every light range
        ("😀", 2),
        ("🙋🏽", 2),  # emoji + skin tone modifier
        ("👨\u200d🎤", 2),  # ZWJ sequence
        ("👨\u200d👩\u200d👧\u200d👦", 2),  # family: 4 emoji and 3 ZWJ
        ("🇮🇩", 2),  # flag: two regional indicators
        ("1\ufe0f\u20e3", 2),  # keycap
        ("❤️", 2),  # U+2764 with VS16
        ("©", 1),  # (c) without VS16 is text
        (unicodedata.normalize("NFD", "café"), 4),  # counted after NFC
        ("https://lapor.go.id/status/ADU-7Q2K?lang=id", 23),
        ("Cek https://example.com/a/very/long/path/that/is/long.", 4 + 23 + 1),
        ("Lihat lapor.go.id.", 6 + 23 + 1),
        ("www.example.org", 23),
        ("tulis ke admin@pemkot.id", 24),  # an e-mail address is not a URL
        ("No.ID 123", 9),  # nor a one-label country-code domain without a path
        ("pemkot.id/lapor", 23),  # with a path it is
        ("pemkot.go.id", 23),
        ("example.com", 23),
    ],
)
def test_weighted_length(text: str, weight: int) -> None:
    assert weighted_length(text) == weight


# ------------------------------------------------------------------------------- the requests


async def test_public_reply_with_oauth2_bearer(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(201, {"data": {"id": "1790000000000000099", "text": TEXT}})
    receipt = await send(reply(), x_settings(fake_platform.url, ADUAN_X_USER_ACCESS_TOKEN="user-token-1"))

    rec = fake_platform.last()
    assert rec.method == "POST"
    assert rec.path == "/2/tweets"
    assert rec.headers["authorization"] == "Bearer user-token-1"
    assert rec.headers["content-type"].startswith("application/json")
    assert rec.json() == {"text": TEXT, "reply": {"in_reply_to_tweet_id": "1790000000000000001"}}
    assert receipt.provider_id == "1790000000000000099"
    assert receipt.status_code == 201
    assert receipt.thread_keys == ["1790000000000000099"]


async def test_direct_message_with_oauth2_bearer(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(
        201, {"data": {"dm_conversation_id": "1-2244994945", "dm_event_id": "1582838499983564806"}}
    )
    receipt = await send(dm(), x_settings(fake_platform.url, ADUAN_X_USER_ACCESS_TOKEN="user-token-1"))

    rec = fake_platform.last()
    assert rec.method == "POST"
    assert rec.path == "/2/dm_conversations/with/2244994945/messages"
    assert rec.headers["authorization"] == "Bearer user-token-1"
    assert rec.json() == {"text": TEXT}
    assert receipt.provider_id == "1582838499983564806"


def test_reference_signer_reproduces_the_worked_example() -> None:
    for url, signature in EXAMPLE_SIGNATURES.items():
        assert (
            reference_signature("POST", url, EXAMPLE_PARAMS, EXAMPLE_CONSUMER_SECRET, EXAMPLE_TOKEN_SECRET)
            == signature
        )


def test_oauth1_signature_matches_the_worked_example() -> None:
    # The query parameter (include_entities) is collected from the URL; the form-body one
    # (status) is passed in, as the example request carries it in its body.
    params = {k: v for k, v in EXAMPLE_PARAMS.items() if k != "include_entities"}
    for url, signature in EXAMPLE_SIGNATURES.items():
        got = oauth1_signature(
            "POST", f"{url}?include_entities=true", params, EXAMPLE_CONSUMER_SECRET, EXAMPLE_TOKEN_SECRET
        )
        assert got == signature


def test_oauth1_header_format() -> None:
    header = oauth1_header(
        "POST",
        "https://api.x.com/2/tweets",
        consumer_key=CONSUMER_KEY,
        consumer_secret=CONSUMER_SECRET,
        token=ACCESS_TOKEN,
        token_secret=ACCESS_TOKEN_SECRET,
        timestamp=1318622958,
        nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
    )
    # X's "Authorizing a request": 'OAuth ', then key="value" pairs, encoded, comma-space apart.
    assert header.startswith('OAuth oauth_consumer_key="ck-Aduan%2001", oauth_nonce="')
    fields = parse_oauth_header(header)
    assert fields["oauth_token"] == ACCESS_TOKEN
    assert fields["oauth_signature"] == reference_signature(
        "POST",
        "https://api.x.com/2/tweets",
        {k: v for k, v in fields.items() if k != "oauth_signature"},
        CONSUMER_SECRET,
        ACCESS_TOKEN_SECRET,
    )


@pytest.mark.parametrize("kind", ["reply", "dm"])
async def test_oauth1_user_context_signature(fake_platform: FakePlatform, kind: str) -> None:
    fake_platform.respond = lambda _r: Answer(201, {"data": {"id": "1", "dm_event_id": "2"}})
    message = reply() if kind == "reply" else dm()
    await send(message, oauth1_settings(fake_platform.url))

    rec = fake_platform.last()
    fields = parse_oauth_header(rec.headers["authorization"])
    assert set(fields) == {
        "oauth_consumer_key",
        "oauth_nonce",
        "oauth_signature",
        "oauth_signature_method",
        "oauth_timestamp",
        "oauth_token",
        "oauth_version",
    }
    assert fields["oauth_consumer_key"] == CONSUMER_KEY
    assert fields["oauth_token"] == ACCESS_TOKEN
    assert fields["oauth_signature_method"] == "HMAC-SHA1"
    assert fields["oauth_version"] == "1.0"
    assert fields["oauth_timestamp"] == str(int(NOW.timestamp()))
    assert len(fields["oauth_nonce"]) >= 16 and fields["oauth_nonce"].isalnum()
    # The JSON body is not part of the signature base string: only the oauth_* parameters
    # (the request has no query string).
    assert rec.query == {}
    signed = {k: v for k, v in fields.items() if k != "oauth_signature"}
    expected = reference_signature(
        "POST", f"{fake_platform.url}{rec.path}", signed, CONSUMER_SECRET, ACCESS_TOKEN_SECRET
    )
    assert fields["oauth_signature"] == expected


async def test_oauth1_nonce_differs_per_request(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(201, {"data": {"id": "1"}})
    settings = oauth1_settings(fake_platform.url)
    await send(reply(), settings)
    await send(reply(), settings)
    first, second = (parse_oauth_header(r.headers["authorization"]) for r in fake_platform.requests)
    assert first["oauth_nonce"] != second["oauth_nonce"]


async def test_bearer_wins_over_oauth1(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(201, {"data": {"id": "1"}})
    settings = x_settings(
        fake_platform.url,
        ADUAN_X_USER_ACCESS_TOKEN="user-token-2",
        ADUAN_TWITTER_CONSUMER_KEY=CONSUMER_KEY,
        ADUAN_TWITTER_CONSUMER_SECRET=CONSUMER_SECRET,
        ADUAN_X_ACCESS_TOKEN=ACCESS_TOKEN,
        ADUAN_X_ACCESS_TOKEN_SECRET=ACCESS_TOKEN_SECRET,
    )
    await send(reply(), settings)
    assert fake_platform.last().headers["authorization"] == "Bearer user-token-2"


# ------------------------------------------------------------------------------------- limits


async def test_post_at_the_limit_is_sent(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(201, {"data": {"id": "1"}})
    settings = x_settings(fake_platform.url, ADUAN_X_USER_ACCESS_TOKEN="t")
    await send(reply("你" * 140), settings)  # weighs 280
    await send(reply("a" * 256 + " https://lapor.go.id/" + "x" * 100), settings)  # 257 + 23
    assert len(fake_platform.requests) == 2


@pytest.mark.parametrize(
    "text",
    [
        "a" * 281,
        "你" * 141,  # 141 characters, but weighs 282
        "a" * 257 + " https://lapor.go.id/t",  # 258 + 23
        "😀" * 141,
        "   ",
    ],
)
async def test_post_over_the_limit_is_refused_unsent(fake_platform: FakePlatform, text: str) -> None:
    with pytest.raises(SendError) as caught:
        await send(reply(text), x_settings(fake_platform.url, ADUAN_X_USER_ACCESS_TOKEN="t"))
    assert caught.value.retryable is False
    assert fake_platform.requests == []


async def test_dm_limit_is_10000_characters(fake_platform: FakePlatform) -> None:
    fake_platform.respond = lambda _r: Answer(201, {"data": {"dm_event_id": "1"}})
    settings = x_settings(fake_platform.url, ADUAN_X_USER_ACCESS_TOKEN="t")
    await send(dm("a" * 10_000), settings)
    assert len(fake_platform.requests) == 1
    with pytest.raises(SendError) as caught:
        await send(dm("a" * 10_001), settings)
    assert caught.value.retryable is False
    assert len(fake_platform.requests) == 1


# ------------------------------------------------------------------ configuration and errors


@pytest.mark.parametrize(
    "values",
    [
        {},
        # OAuth 1.0a needs all four.
        {
            "ADUAN_TWITTER_CONSUMER_KEY": CONSUMER_KEY,
            "ADUAN_TWITTER_CONSUMER_SECRET": CONSUMER_SECRET,
            "ADUAN_X_ACCESS_TOKEN": ACCESS_TOKEN,
        },
    ],
)
async def test_not_configured(fake_platform: FakePlatform, values: dict[str, str]) -> None:
    with pytest.raises(NotConfigured) as caught:
        await send(reply(), x_settings(fake_platform.url, **values))
    assert caught.value.retryable is False
    assert fake_platform.requests == []


async def test_no_recipient_is_refused(fake_platform: FakePlatform) -> None:
    message = Message(id="out-3", platform="x", to={}, text=TEXT, now=NOW)
    with pytest.raises(SendError) as caught:
        await send(message, x_settings(fake_platform.url, ADUAN_X_USER_ACCESS_TOKEN="t"))
    assert caught.value.retryable is False
    assert fake_platform.requests == []


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (503, True), (429, True), (400, False), (401, False), (403, False)],
)
async def test_error_mapping(fake_platform: FakePlatform, status: int, retryable: bool) -> None:
    body: dict[str, Any] = {"title": "Error", "detail": "scripted", "status": status}
    fake_platform.respond = lambda _r: Answer(status, body)
    with pytest.raises(SendError) as caught:
        await send(reply(), x_settings(fake_platform.url, ADUAN_X_USER_ACCESS_TOKEN="t"))
    assert caught.value.retryable is retryable
    assert caught.value.status_code == status
    assert len(fake_platform.requests) == 1


async def test_closed_port_is_retryable() -> None:
    with pytest.raises(SendError) as caught:
        await send(reply(), x_settings(closed_port_url(), ADUAN_X_USER_ACCESS_TOKEN="t"))
    assert caught.value.retryable is True


async def test_an_access_token_alone_is_used_as_a_bearer_token(fake_platform: FakePlatform) -> None:
    fake_platform.answers.append(Answer(201, {"data": {"id": "1"}}))
    await send(reply(), x_settings(fake_platform.url, ADUAN_X_ACCESS_TOKEN="oauth2-user-token"))
    assert fake_platform.last().headers["authorization"] == "Bearer oauth2-user-token"
