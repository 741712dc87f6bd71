"""SMS senders: Twilio's Messages resource and the local aggregator's send call (ours).

Twilio requests are checked against Twilio's "Messages resource" reference (Create a Message
resource: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded ``To``,
``Body``, ``From`` or ``MessagingServiceSid``, HTTP Basic AccountSid:AuthToken, ``Body`` at
most 1,600 characters, the answer's ``sid``). The aggregator's request is checked against
docs/outbound-formats.md and the inbound verifier of app/channels/adapters/sms_gateway.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from app.channels.adapters.sms_gateway import verify as verify_inbound
from app.core.config import Settings
from app.intake.drafts import SignatureError
from app.outbound.senders.base import Message, NotConfigured, SendContext, SendError
from app.outbound.senders.sms_gateway import SmsGatewaySender, e164, segments
from app.outbound.senders.twilio import TwilioSender
from tests.outbound.fakes import Answer, FakePlatform, fake_platform  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
SID = "AC" + "0" * 32
TOKEN = "twilio-auth-token-test"
GATEWAY_SECRET = "sms-gateway-secret-test"
NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


def twilio_settings(fake: FakePlatform, **extra: str) -> Settings:
    env = {
        "ADUAN_TWILIO_API_BASE": fake.url,
        "ADUAN_TWILIO_ACCOUNT_SID": SID,
        "ADUAN_TWILIO_AUTH_TOKEN": TOKEN,
        "ADUAN_TWILIO_FROM": "+14155550100",
        **extra,
    }
    return Settings(_env_file=None, **env)  # type: ignore[call-arg]


def gateway_settings(fake: FakePlatform, secret: str = GATEWAY_SECRET) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        ADUAN_SMS_GATEWAY_SEND_URL=f"{fake.url}/api/v1/sms/send",
        ADUAN_SMS_GATEWAY_SECRET=secret,
    )


def sms(platform: str, text: str = "Aduan K7M2-Q9XD sedang ditindaklanjuti.", **to: str) -> Message:
    return Message(
        id="0191f3c2-7a1b-7c3d-9e4f-5a6b7c8d9e0f",
        platform=platform,
        to={"phone": "+6281311110000", **to},
        text=text,
        ticket="K7M2-Q9XD",
        now=NOW,
    )


async def send(sender: TwilioSender | SmsGatewaySender, message: Message, settings: Settings):  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(timeout=5) as http:
        return await sender.send(message, SendContext(http=http, settings=settings))


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- segments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("GSM-7", 1)),
        ("a" * 160, ("GSM-7", 1)),
        ("a" * 161, ("GSM-7", 2)),
        ("a" * 306, ("GSM-7", 2)),
        ("a" * 307, ("GSM-7", 3)),
        ("a" * 459, ("GSM-7", 3)),
        ("a" * 460, ("GSM-7", 4)),
        # Basic-set accents and Greek capitals stay GSM-7 (one septet each).
        ("Laporan diterima: èéùìò ÄÖÑÜ ΔΦΓΛΩΠΨΣΘΞ @£$¥ §¿¡", ("GSM-7", 1)),
        # Extension-table characters take two septets: 80 x "€" = 160 septets, 81 = 162.
        ("€" * 80, ("GSM-7", 1)),
        ("€" * 81, ("GSM-7", 2)),
        ("a" * 159 + "{", ("GSM-7", 2)),
        ("a" * 158 + "{", ("GSM-7", 1)),
        ("[]{}|^~\\" + "a" * 144, ("GSM-7", 1)),
        # An escape sequence is never split: 152 + "€" does not fit the first part's last septet.
        ("a" * 152 + "€" + "a" * 152, ("GSM-7", 3)),
        # Outside GSM 03.38: UCS-2, counted in UTF-16 code units.
        ("ç" * 70, ("UCS-2", 1)),  # lower-case c cedilla is not in the basic set
        ("Jalan rusak 👍", ("UCS-2", 1)),
        ("😀" * 35, ("UCS-2", 1)),  # 70 code units
        ("😀" * 36, ("UCS-2", 2)),  # 72 code units
        ("a" * 71 + "’", ("UCS-2", 2)),  # a typographic apostrophe forces UCS-2
        ("あ" * 201, ("UCS-2", 3)),
        ("あ" * 202, ("UCS-2", 4)),
        # A surrogate pair is never split across parts: 66 + emoji does not fit 67.
        ("あ" * 66 + "😀" + "あ" * 133, ("UCS-2", 4)),
    ],
)
def test_segments(text: str, expected: tuple[str, int]) -> None:
    assert segments(text) == expected


def test_e164() -> None:
    assert e164("+6281311110000") == "+6281311110000"
    assert e164("081311110000") == "+6281311110000"
    assert e164("6281311110000") == "+6281311110000"
    assert e164("+1 415 555 0100") == "+14155550100"
    assert e164("not a phone") is None
    assert e164("") is None


# --- Twilio ------------------------------------------------------------------------------------


async def test_twilio_request_follows_the_messages_resource(fake_platform: FakePlatform) -> None:  # noqa: F811
    fake_platform.answers.append(
        Answer(status=201, body={"sid": "SM" + "a" * 32, "status": "queued", "body": "..."})
    )
    receipt = await send(TwilioSender(), sms("twilio"), twilio_settings(fake_platform))

    req = fake_platform.last()
    assert req.method == "POST"
    assert req.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert req.headers["content-type"].startswith("application/x-www-form-urlencoded")
    scheme, _, credentials = req.headers["authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(credentials).decode() == f"{SID}:{TOKEN}"
    assert req.form() == {
        "To": ["+6281311110000"],
        "From": ["+14155550100"],
        "Body": ["Aduan K7M2-Q9XD sedang ditindaklanjuti."],
    }
    assert receipt.provider_id == "SM" + "a" * 32
    assert receipt.status_code == 201


async def test_twilio_number_the_citizen_wrote_to_wins(fake_platform: FakePlatform) -> None:  # noqa: F811
    fake_platform.answers.append(Answer(status=201, body={"sid": "SM1"}))
    await send(TwilioSender(), sms("twilio", **{"from": "+6281100001111"}), twilio_settings(fake_platform))
    form = fake_platform.last().form()
    assert form["From"] == ["+6281100001111"]
    assert "MessagingServiceSid" not in form


async def test_twilio_messaging_service(fake_platform: FakePlatform) -> None:  # noqa: F811
    fake_platform.answers.append(Answer(status=201, body={"sid": "SM2", "status": "accepted"}))
    mg = "MG" + "1" * 32
    settings = twilio_settings(fake_platform, ADUAN_TWILIO_FROM=mg)
    receipt = await send(TwilioSender(), sms("twilio"), settings)
    form = fake_platform.last().form()
    assert form["MessagingServiceSid"] == [mg]
    assert "From" not in form
    assert receipt.provider_id == "SM2"


async def test_twilio_body_limit(fake_platform: FakePlatform) -> None:  # noqa: F811
    fake_platform.answers.append(Answer(status=201, body={"sid": "SM3"}))
    await send(TwilioSender(), sms("twilio", text="a" * 1600), twilio_settings(fake_platform))
    assert fake_platform.last().form()["Body"] == ["a" * 1600]

    fake_platform.requests.clear()
    with pytest.raises(SendError) as err:
        await send(TwilioSender(), sms("twilio", text="a" * 1601), twilio_settings(fake_platform))
    assert err.value.retryable is False
    assert fake_platform.requests == []  # nothing sent


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (400, False), (401, False), (404, False)]
)
async def test_twilio_error_mapping(fake_platform: FakePlatform, status: int, retryable: bool) -> None:  # noqa: F811
    fake_platform.answers.append(
        Answer(status=status, body={"code": 21211, "message": "Invalid 'To' Phone Number", "status": status})
    )
    with pytest.raises(SendError) as err:
        await send(TwilioSender(), sms("twilio"), twilio_settings(fake_platform))
    assert err.value.retryable is retryable
    assert err.value.status_code == status


async def test_twilio_closed_port_is_retryable() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        ADUAN_TWILIO_API_BASE=closed_port_url(),
        ADUAN_TWILIO_ACCOUNT_SID=SID,
        ADUAN_TWILIO_AUTH_TOKEN=TOKEN,
        ADUAN_TWILIO_FROM="+14155550100",
    )
    with pytest.raises(SendError) as err:
        await send(TwilioSender(), sms("twilio"), settings)
    assert err.value.retryable is True


@pytest.mark.parametrize(
    "missing", ["ADUAN_TWILIO_ACCOUNT_SID", "ADUAN_TWILIO_AUTH_TOKEN", "ADUAN_TWILIO_FROM"]
)
async def test_twilio_not_configured(fake_platform: FakePlatform, missing: str) -> None:  # noqa: F811
    env = {
        "ADUAN_TWILIO_API_BASE": fake_platform.url,
        "ADUAN_TWILIO_ACCOUNT_SID": SID,
        "ADUAN_TWILIO_AUTH_TOKEN": TOKEN,
        "ADUAN_TWILIO_FROM": "+14155550100",
    }
    del env[missing]
    with pytest.raises(NotConfigured) as err:
        await send(TwilioSender(), sms("twilio"), Settings(_env_file=None, **env))  # type: ignore[call-arg]
    assert err.value.retryable is False
    assert fake_platform.requests == []


async def test_twilio_bad_phone_is_final(fake_platform: FakePlatform) -> None:  # noqa: F811
    with pytest.raises(SendError) as err:
        await send(TwilioSender(), sms("twilio", phone="12"), twilio_settings(fake_platform))
    assert err.value.retryable is False
    assert fake_platform.requests == []


# --- SMS aggregator ------------------------------------------------------------------------------


async def test_gateway_request_is_signed_like_the_inbound_call(fake_platform: FakePlatform) -> None:  # noqa: F811
    fake_platform.answers.append(Answer(status=202, body={"id": "MT-20260303-0001"}))
    message = sms("sms_gateway", text="Aduan K7M2-Q9XD: jalan sudah ditambal. Terima kasih 🙏")
    receipt = await send(SmsGatewaySender(), message, gateway_settings(fake_platform))

    req = fake_platform.last()
    assert req.method == "POST"
    assert req.path == "/api/v1/sms/send"
    assert req.headers["content-type"] == "application/json"
    assert req.json() == {
        "id": "0191f3c2-7a1b-7c3d-9e4f-5a6b7c8d9e0f",
        "to": "+6281311110000",
        "text": "Aduan K7M2-Q9XD: jalan sudah ditambal. Terima kasih 🙏",
        "reference": "K7M2-Q9XD",
    }
    expected = hmac.new(GATEWAY_SECRET.encode(), req.body, hashlib.sha256).hexdigest()
    assert req.headers["x-signature"] == f"sha256={expected}"
    verify_inbound(req.headers, req.body, GATEWAY_SECRET)  # the inbound verifier accepts it
    with pytest.raises(SignatureError):
        verify_inbound(req.headers, req.body, "another-secret")
    assert receipt.provider_id == "MT-20260303-0001"
    assert receipt.status_code == 202


async def test_gateway_normalises_the_phone_and_accepts_an_empty_answer(fake_platform: FakePlatform) -> None:  # noqa: F811
    fake_platform.answers.append(Answer(status=200, body=b""))
    receipt = await send(
        SmsGatewaySender(), sms("sms_gateway", phone="0813-1111-0000"), gateway_settings(fake_platform)
    )
    assert fake_platform.last().json()["to"] == "+6281311110000"
    assert receipt.provider_id is None


async def test_gateway_same_message_same_body(fake_platform: FakePlatform) -> None:  # noqa: F811
    """A retry carries the same id and the same bytes: the gateway dedupes by the id."""
    settings = gateway_settings(fake_platform)
    fake_platform.answers.append(Answer(status=503, body={"error": "busy"}))
    with pytest.raises(SendError) as err:
        await send(SmsGatewaySender(), sms("sms_gateway"), settings)
    assert err.value.retryable is True
    await send(SmsGatewaySender(), sms("sms_gateway"), settings)
    first, second = fake_platform.requests
    assert first.body == second.body
    assert first.headers["x-signature"] == second.headers["x-signature"]


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (502, True), (429, True), (408, True), (400, False), (422, False)]
)
async def test_gateway_error_mapping(fake_platform: FakePlatform, status: int, retryable: bool) -> None:  # noqa: F811
    fake_platform.answers.append(Answer(status=status, body={"error": "x"}))
    with pytest.raises(SendError) as err:
        await send(SmsGatewaySender(), sms("sms_gateway"), gateway_settings(fake_platform))
    assert err.value.retryable is retryable
    assert err.value.status_code == status


async def test_gateway_closed_port_is_retryable() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        ADUAN_SMS_GATEWAY_SEND_URL=f"{closed_port_url()}/send",
        ADUAN_SMS_GATEWAY_SECRET=GATEWAY_SECRET,
    )
    with pytest.raises(SendError) as err:
        await send(SmsGatewaySender(), sms("sms_gateway"), settings)
    assert err.value.retryable is True


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("a" * 459, True),
        ("a" * 460, False),
        ("a" * 457 + "€", True),  # 459 septets
        ("a" * 458 + "€", False),  # 460 septets
        ("ã" * 201, True),  # UCS-2, 201 code units
        ("ã" * 202, False),
        ("😀" * 99 + "a", True),  # 199 code units: 33 pairs in each of three parts
        ("😀" * 100, False),  # 200 code units, but a pair is never split: four parts
    ],
)
async def test_gateway_three_segments_at_most(fake_platform: FakePlatform, text: str, sent: bool) -> None:  # noqa: F811
    if sent:
        await send(SmsGatewaySender(), sms("sms_gateway", text=text), gateway_settings(fake_platform))
        assert fake_platform.last().json()["text"] == text
        return
    with pytest.raises(SendError) as err:
        await send(SmsGatewaySender(), sms("sms_gateway", text=text), gateway_settings(fake_platform))
    assert err.value.retryable is False
    assert fake_platform.requests == []


async def test_gateway_not_configured(fake_platform: FakePlatform) -> None:  # noqa: F811
    for settings in (
        Settings(_env_file=None, ADUAN_SMS_GATEWAY_SECRET=GATEWAY_SECRET),  # type: ignore[call-arg]
        Settings(_env_file=None, ADUAN_SMS_GATEWAY_SEND_URL=fake_platform.url),  # type: ignore[call-arg]
    ):
        with pytest.raises(NotConfigured):
            await send(SmsGatewaySender(), sms("sms_gateway"), settings)
    assert fake_platform.requests == []


# --- the worked example of docs/outbound-formats.md ----------------------------------------------

DOC_BODY = (
    '{"id":"0191f3c2-7a1b-7c3d-9e4f-5a6b7c8d9e0f","to":"+6281311110000",'
    '"text":"Aduan K7M2-Q9XD: petugas Dinas Bina Marga sedang menambal jalan. Terima kasih.",'
    '"reference":"K7M2-Q9XD"}'
)


async def test_documented_example(fake_platform: FakePlatform) -> None:  # noqa: F811
    secret = "contoh-rahasia-sms"
    text = "Aduan K7M2-Q9XD: petugas Dinas Bina Marga sedang menambal jalan. Terima kasih."
    await send(SmsGatewaySender(), sms("sms_gateway", text=text), gateway_settings(fake_platform, secret))
    req = fake_platform.last()
    assert req.body == DOC_BODY.encode()
    signature = "sha256=" + hmac.new(secret.encode(), DOC_BODY.encode(), hashlib.sha256).hexdigest()
    assert req.headers["x-signature"] == signature

    doc = (ROOT / "docs" / "outbound-formats.md").read_text()
    assert f"\n{DOC_BODY}\n" in doc
    assert f"X-Signature: {signature}\n" in doc
    assert f"one line, {len(DOC_BODY.encode())} bytes" in doc
    assert json.loads(DOC_BODY)["to"] == "+6281311110000"


async def test_twilio_account_of_the_inbound_message_when_none_is_set(fake_platform: FakePlatform) -> None:  # noqa: F811
    fake_platform.answers.append(Answer(201, {"sid": "SM1"}))
    other = "AC" + "f" * 32
    settings = twilio_settings(fake_platform).model_copy(update={"twilio_account_sid": None})
    await send(TwilioSender(), sms("twilio", account_sid=other), settings)
    rec = fake_platform.last()
    assert rec.path == f"/2010-04-01/Accounts/{other}/Messages.json"
    assert rec.headers["authorization"] == "Basic " + base64.b64encode(f"{other}:{TOKEN}".encode()).decode()
