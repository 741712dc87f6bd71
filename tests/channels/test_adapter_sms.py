"""SMS adapters: Twilio Messaging webhooks and the local aggregator's JSON."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest

from app.channels.adapters import sms_gateway, twilio
from app.intake.drafts import (
    AdapterError,
    ComplaintDraft,
    Delivery,
    FollowUp,
    Fragment,
    Ignored,
    SignatureError,
    finish_joined,
)

TOKEN = "test-twilio-secret"
URL = "https://aduan.example.go.id/v1/channels/sms/twilio"
WIB = timezone(timedelta(hours=7))


def twilio_sig(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    data = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def twilio_form(**overrides: str) -> dict[str, str]:
    form = {
        "ToCountry": "ID",
        "ToState": "",
        "SmsMessageSid": "SM3f1a2b4c5d6e7f8091a2b3c4d5e6f708",
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": "SM3f1a2b4c5d6e7f8091a2b3c4d5e6f708",
        "FromState": "DKI Jakarta",
        "SmsStatus": "received",
        "FromCity": "Jakarta",
        "Body": "Lampu PJU di Jl. Cikini Raya mati sejak tiga hari.",
        "FromCountry": "ID",
        "To": "+628111272206",
        "MessagingServiceSid": "MG9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": "SM3f1a2b4c5d6e7f8091a2b3c4d5e6f708",
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": "+6281311110000",
        "ApiVersion": "2010-04-01",
    }
    form.update(overrides)
    return form


# --- Twilio signature ----------------------------------------------------------------------------


def test_twilio_verify_good() -> None:
    form = twilio_form()
    twilio.verify(URL, form, twilio_sig(URL, form), TOKEN)


def test_twilio_verify_accepts_url_signed_with_default_port() -> None:
    form = twilio_form()
    signed = "https://aduan.example.go.id:443/v1/channels/sms/twilio"
    twilio.verify(URL, form, twilio_sig(signed, form), TOKEN)


@pytest.mark.parametrize(
    ("url", "form", "signature"),
    [
        (URL, twilio_form(), twilio_sig(URL, twilio_form(), token="wrong")),
        (URL, twilio_form(Body="Diubah"), twilio_sig(URL, twilio_form())),
        (URL + "?x=1", twilio_form(), twilio_sig(URL, twilio_form())),
        (URL, twilio_form(), ""),
    ],
    ids=["forged", "tampered-body", "other-url", "missing"],
)
def test_twilio_verify_refuses(url: str, form: dict[str, str], signature: str) -> None:
    with pytest.raises(SignatureError):
        twilio.verify(url, form, signature, TOKEN)


# --- Twilio parse --------------------------------------------------------------------------------


def parse_twilio(form: dict[str, str]) -> list:
    return twilio.ADAPTER.parse(
        Delivery(body=b"", content_type="application/x-www-form-urlencoded", form=form)
    )


def test_twilio_message_becomes_complaint() -> None:
    [out] = parse_twilio(twilio_form())
    assert isinstance(out, ComplaintDraft)
    assert out.channel == "sms"
    assert out.external_id == "SM3f1a2b4c5d6e7f8091a2b3c4d5e6f708"
    assert out.description == "Lampu PJU di Jl. Cikini Raya mati sejak tiga hari."
    assert out.reporter is not None and out.reporter.phone == "+6281311110000"
    assert out.metadata["FromCity"] == "Jakarta"
    assert out.metadata["FromState"] == "DKI Jakarta"
    assert "ToCity" not in out.metadata  # empty fields are not kept
    assert out.attachments == []


def test_twilio_mms_media_become_attachments() -> None:
    form = twilio_form(
        NumMedia="2",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC01/Messages/MM01/Media/ME01",
        MediaContentType0="image/jpeg",
        MediaUrl1="https://api.twilio.com/2010-04-01/Accounts/AC01/Messages/MM01/Media/ME02",
        MediaContentType1="image/png",
        Body="",
    )
    [out] = parse_twilio(form)
    assert isinstance(out, ComplaintDraft)
    assert [(a.url[-4:], a.media_type) for a in out.attachments] == [
        ("ME01", "image/jpeg"),
        ("ME02", "image/png"),
    ]
    assert out.description  # never empty


def test_twilio_ticket_is_follow_up() -> None:
    [out] = parse_twilio(twilio_form(Body="Tiket K7M2-Q9XD belum ditangani"))
    assert isinstance(out, FollowUp)
    assert out.ticket == "K7M2-Q9XD"
    assert out.external_id == "SM3f1a2b4c5d6e7f8091a2b3c4d5e6f708"
    assert isinstance(out.fallback, ComplaintDraft)


def test_twilio_whatsapp_sender_prefix_is_dropped() -> None:
    [out] = parse_twilio(twilio_form(From="whatsapp:+6281311110000", ProfileName="Budi"))
    assert isinstance(out, ComplaintDraft)
    assert out.reporter is not None
    assert (out.reporter.phone, out.reporter.name) == ("+6281311110000", "Budi")


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        (
            {
                "MessageSid": "SM1",
                "MessageStatus": "delivered",
                "From": "+628111272206",
                "To": "+6281311110000",
            },
            "delivery_receipt",
        ),
        (twilio_form(Body="   "), "empty_message"),
    ],
)
def test_twilio_ignored(form: dict[str, str], reason: str) -> None:
    [out] = parse_twilio(form)
    assert isinstance(out, Ignored) and out.reason == reason


@pytest.mark.parametrize(
    "form",
    [
        {k: v for k, v in twilio_form().items() if k not in ("MessageSid", "SmsSid", "SmsMessageSid")},
        twilio_form(From=""),
        twilio_form(NumMedia="dua"),
        twilio_form(NumMedia="1"),
    ],
    ids=["no-sid", "no-from", "bad-num-media", "missing-media-url"],
)
def test_twilio_malformed(form: dict[str, str]) -> None:
    with pytest.raises(AdapterError):
        parse_twilio(form)


# --- aggregator signature ------------------------------------------------------------------------

SECRET = "test-sms-secret"


def gw_body(**overrides) -> bytes:
    msg = {
        "id": "MO-20260301-1012-01-0041",
        "msisdn": "6281311110000",
        "to": "08111272206",
        "operator": "TELKOMSEL",
        "text": "Jalan berlubang di Jl. Cikini Raya dekat halte, motor sering jatuh.",
        "encoding": "GSM7",
        "received_at": "2026-03-01 10:12:40",
    }
    msg.update(overrides)
    msg = {k: v for k, v in msg.items() if v is not None}
    return json.dumps(msg).encode()


def gw_sig(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_gateway_verify_good() -> None:
    body = gw_body()
    sms_gateway.verify({"x-signature": gw_sig(body)}, body, SECRET)
    sms_gateway.verify({"x-signature": gw_sig(body).upper().replace("SHA256=", "sha256=")}, body, SECRET)


@pytest.mark.parametrize(
    "headers",
    [
        {"x-signature": gw_sig(gw_body(), "wrong")},
        {"x-signature": gw_sig(gw_body(text="lain"))},
        {"x-signature": hmac.new(SECRET.encode(), gw_body(), hashlib.sha256).hexdigest()},
        {"x-signature": "sha1=" + hmac.new(SECRET.encode(), gw_body(), hashlib.sha1).hexdigest()},
        {},
    ],
    ids=["forged", "other-body", "no-scheme", "sha1", "missing"],
)
def test_gateway_verify_refuses(headers: dict[str, str]) -> None:
    with pytest.raises(SignatureError):
        sms_gateway.verify(headers, gw_body(), SECRET)


# --- aggregator parse ----------------------------------------------------------------------------


def parse_gw(body: bytes) -> list:
    return sms_gateway.ADAPTER.parse(Delivery(body=body, content_type="application/json"))


def test_gateway_single_sms() -> None:
    [out] = parse_gw(gw_body())
    assert isinstance(out, ComplaintDraft)
    assert out.channel == "sms"
    assert out.external_id == "MO-20260301-1012-01-0041"
    assert out.reporter is not None and out.reporter.phone == "6281311110000"
    assert out.received_at == datetime(2026, 3, 1, 10, 12, 40, tzinfo=WIB)
    assert out.received_at is not None and out.received_at.utcoffset() == timedelta(hours=7)
    assert out.metadata["operator"] == "TELKOMSEL"


def test_gateway_offset_in_received_at_is_kept() -> None:
    [out] = parse_gw(gw_body(received_at="2026-03-01T03:12:40Z"))
    assert isinstance(out, ComplaintDraft)
    assert out.received_at == datetime(2026, 3, 1, 10, 12, 40, tzinfo=WIB)


def test_gateway_ticket_is_follow_up() -> None:
    [out] = parse_gw(gw_body(text="tiket k7m2-q9xd: lampu masih mati"))
    assert isinstance(out, FollowUp)
    assert out.ticket == "K7M2-Q9XD"
    assert out.fallback is not None and out.fallback.external_id == "MO-20260301-1012-01-0041"


def test_gateway_concatenated_parts_are_fragments_in_any_order() -> None:
    second = parse_gw(
        gw_body(
            id="MO-20260301-1012-02-0043",
            text="tiga hari, mohon diperbaiki.",
            concat={"ref": 42, "total": 2, "seq": 2},
        )
    )
    first = parse_gw(
        gw_body(
            id="MO-20260301-1012-02-0042",
            text="Lampu PJU di Jl. Cikini Raya mati sejak",
            concat={"ref": 42, "total": 2, "seq": 1},
        )
    )
    [f2], [f1] = second, first
    assert isinstance(f1, Fragment) and isinstance(f2, Fragment)
    assert (f1.group_key, f1.seq, f1.total) == ("6281311110000:42", 1, 2)
    assert (f2.group_key, f2.seq, f2.total) == ("6281311110000:42", 2, 2)
    assert (f1.external_id, f2.external_id) == ("MO-20260301-1012-02-0042", "MO-20260301-1012-02-0043")
    # The gateway split at a word and dropped the space: joining with "" must read right.
    assert f1.text + f2.text == "Lampu PJU di Jl. Cikini Raya mati sejak tiga hari, mohon diperbaiki."
    assert f1.draft.external_id == f2.draft.external_id == "concat:6281311110000:42:2:20260301"
    assert f1.draft.reporter is not None and f1.draft.reporter.phone == "6281311110000"
    assert f1.draft.received_at is not None


def test_gateway_full_part_is_joined_verbatim() -> None:
    text = "x" * 153
    [f] = parse_gw(gw_body(text=text, concat={"ref": 7, "total": 3, "seq": 1}))
    assert isinstance(f, Fragment) and f.text == text


def test_gateway_total_one_is_a_single_sms() -> None:
    [out] = parse_gw(gw_body(concat={"ref": 1, "total": 1, "seq": 1}))
    assert isinstance(out, ComplaintDraft)


def test_finish_joined_with_ticket_is_follow_up() -> None:
    [f] = parse_gw(gw_body(text="Tiket K7M2-Q9XD: lampu ", concat={"ref": 3, "total": 2, "seq": 1}))
    assert isinstance(f, Fragment)
    joined = finish_joined(f.draft, "Tiket K7M2-Q9XD: lampu masih mati")
    assert isinstance(joined, FollowUp) and joined.ticket == "K7M2-Q9XD"
    assert joined.fallback is not None and joined.fallback.description == "Tiket K7M2-Q9XD: lampu masih mati"
    plain = finish_joined(f.draft, "lampu masih mati")
    assert isinstance(plain, ComplaintDraft) and plain.description == "lampu masih mati"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        gw_body(msisdn=None),
        gw_body(id=None),
        gw_body(text="   "),
        gw_body(received_at="kemarin"),
        gw_body(concat={"ref": 42, "total": 2, "seq": 3}),
        gw_body(concat={"ref": 42, "total": 0, "seq": 1}),
    ],
    ids=[
        "not-json",
        "array",
        "no-msisdn",
        "no-id",
        "empty-text",
        "bad-date",
        "seq-above-total",
        "total-zero",
    ],
)
def test_gateway_malformed(body: bytes) -> None:
    with pytest.raises(AdapterError):
        parse_gw(body)
