"""LAPOR! status sync (our format, docs/outbound-formats.md), signed as the inbound webhook is."""

from __future__ import annotations

import hashlib
import hmac
import socket
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from app.channels.adapters.lapor import verify as verify_inbound
from app.complaints.lifecycle import ComplaintStatus
from app.core.config import Settings
from app.intake.drafts import SignatureError
from app.outbound.senders.base import Message, NotConfigured, Receipt, SendContext, SendError
from app.outbound.senders.lapor import LaporSender, lapor_status
from tests.outbound.fakes import Answer, FakePlatform, fake_platform  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
SECRET = "lapor-secret-test"
NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 09:00 in Jakarta


def settings_for(base: str, secret: str = SECRET) -> Settings:
    return Settings(_env_file=None, ADUAN_LAPOR_API_BASE=base, ADUAN_LAPOR_SECRET=secret)  # type: ignore[call-arg]


def sync(
    text: str = "Lampu PJU di Jl. Cikini Raya sedang diperbaiki oleh Dinas Bina Marga.",
    tracking_id: str = "6120034",
    **extra: str,
) -> Message:
    return Message(
        id="0191f3c2-8b2c-7d4e-af50-6b7c8d9e0f1a",
        platform="lapor",
        to={"tracking_id": tracking_id},
        text=text,
        ticket="K7M2-Q9XD",
        extra=extra or {"status": "in_progress", "lapor_status": "Ditindaklanjuti"},
        now=NOW,
    )


async def send(message: Message, settings: Settings) -> Receipt:
    async with httpx.AsyncClient(timeout=5) as http:
        return await LaporSender().send(message, SendContext(http=http, settings=settings))


async def test_request_format_and_signature(fake_platform: FakePlatform) -> None:  # noqa: F811
    fake_platform.answers.append(Answer(status=201, body={"id": "TL-88120"}))
    receipt = await send(sync(), settings_for(fake_platform.url + "/api/v1"))

    req = fake_platform.last()
    assert req.method == "POST"
    assert req.path == "/api/v1/laporan/6120034/tindak-lanjut"
    assert req.headers["content-type"] == "application/json"
    assert req.json() == {
        "event_id": "0191f3c2-8b2c-7d4e-af50-6b7c8d9e0f1a",
        "tracking_id": "6120034",
        "status": "Ditindaklanjuti",
        "status_aduan": "in_progress",
        "tindak_lanjut": "Lampu PJU di Jl. Cikini Raya sedang diperbaiki oleh Dinas Bina Marga.",
        "waktu": "2026-03-03T09:00:00+07:00",
        "tiket": "K7M2-Q9XD",
    }
    expected = hmac.new(SECRET.encode(), req.body, hashlib.sha256).hexdigest()
    assert req.headers["x-lapor-signature"] == f"sha256={expected}"
    verify_inbound(req.headers, req.body, SECRET)  # the inbound verifier accepts the same scheme
    with pytest.raises(SignatureError):
        verify_inbound(req.headers, req.body + b" ", SECRET)
    assert receipt.provider_id == "TL-88120"
    assert receipt.status_code == 201


async def test_status_word_from_our_status_when_not_given(fake_platform: FakePlatform) -> None:  # noqa: F811
    await send(sync(status="resolved"), settings_for(fake_platform.url))
    body = fake_platform.last().json()
    assert body["status"] == "Selesai"
    assert body["status_aduan"] == "resolved"


async def test_tracking_id_is_one_path_segment(fake_platform: FakePlatform) -> None:  # noqa: F811
    await send(sync(tracking_id="61/20 034"), settings_for(fake_platform.url))
    req = fake_platform.last()
    assert req.path == "/laporan/61%2F20%20034/tindak-lanjut"
    assert req.json()["tracking_id"] == "61/20 034"


async def test_non_ascii_text_is_sent_as_utf8(fake_platform: FakePlatform) -> None:  # noqa: F811
    text = "Sudah diperbaiki — terima kasih 🙏"
    await send(sync(text=text), settings_for(fake_platform.url))
    req = fake_platform.last()
    assert text.encode() in req.body
    verify_inbound(req.headers, req.body, SECRET)


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (400, False), (404, False), (409, False)]
)
async def test_error_mapping(fake_platform: FakePlatform, status: int, retryable: bool) -> None:  # noqa: F811
    fake_platform.answers.append(Answer(status=status, body={"message": "x"}))
    with pytest.raises(SendError) as err:
        await send(sync(), settings_for(fake_platform.url))
    assert err.value.retryable is retryable
    assert err.value.status_code == status


async def test_closed_port_is_retryable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SendError) as err:
        await send(sync(), settings_for(f"http://127.0.0.1:{port}"))
    assert err.value.retryable is True


async def test_not_configured_and_bad_messages(fake_platform: FakePlatform) -> None:  # noqa: F811
    for settings in (
        Settings(_env_file=None, ADUAN_LAPOR_SECRET=SECRET),  # type: ignore[call-arg]
        Settings(_env_file=None, ADUAN_LAPOR_API_BASE=fake_platform.url),  # type: ignore[call-arg]
    ):
        with pytest.raises(NotConfigured):
            await send(sync(), settings)
    for message in (sync(tracking_id=""), sync(text="  "), sync(status="no_such_status")):
        with pytest.raises(SendError) as err:
            await send(message, settings_for(fake_platform.url))
        assert err.value.retryable is False
    assert fake_platform.requests == []


def test_every_status_has_a_lapor_word() -> None:
    assert {s.value: lapor_status(s.value) for s in ComplaintStatus} == {
        "received": "Didisposisikan",
        "coordination": "Didisposisikan",
        "dispatched": "Didisposisikan",
        "in_progress": "Ditindaklanjuti",
        "pending_validation": "Ditindaklanjuti",
        "resolved": "Selesai",
        "rejected": "Ditolak",
        "duplicate": "Diarsipkan",
    }
    with pytest.raises(ValueError):
        lapor_status("closed")


# --- the worked example of docs/outbound-formats.md ----------------------------------------------

DOC_BODY = (
    '{"event_id":"0191f3c2-8b2c-7d4e-af50-6b7c8d9e0f1a","tracking_id":"6120034",'
    '"status":"Ditindaklanjuti","status_aduan":"in_progress",'
    '"tindak_lanjut":"Lampu PJU di Jl. Cikini Raya sedang diperbaiki oleh Dinas Bina Marga.",'
    '"waktu":"2026-03-03T09:00:00+07:00","tiket":"K7M2-Q9XD"}'
)


async def test_documented_example(fake_platform: FakePlatform) -> None:  # noqa: F811
    secret = "contoh-rahasia-lapor"
    await send(sync(), settings_for(fake_platform.url, secret))
    req = fake_platform.last()
    assert req.path == "/laporan/6120034/tindak-lanjut"
    assert req.body == DOC_BODY.encode()
    signature = "sha256=" + hmac.new(secret.encode(), DOC_BODY.encode(), hashlib.sha256).hexdigest()
    assert req.headers["x-lapor-signature"] == signature

    doc = (ROOT / "docs" / "outbound-formats.md").read_text()
    assert f"\n{DOC_BODY}\n" in doc
    assert f"X-Lapor-Signature: {signature}\n" in doc
    assert f"one line, {len(DOC_BODY.encode())} bytes" in doc
