"""Email adapter: raw MIME, Mailgun parsed forms, Mailgun raw-MIME forms, and the Mailgun signature."""

from __future__ import annotations

import hashlib
import hmac
import json
from email import message_from_bytes, policy

import pytest

from app.channels.adapters.email import ADAPTER, clean_subject, find_ticket_code, strip_reply, verify_mailgun
from app.intake.drafts import (
    AdapterError,
    AttachmentDraft,
    ComplaintDraft,
    Delivery,
    FollowUp,
    Ignored,
    SignatureError,
)

KEY = "test-mailgun-secret"
NOW = 1_772_340_000.0


def _signed(timestamp: str, token: str, key: str = KEY) -> dict[str, str]:
    sig = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": sig}


def mime(raw: str) -> Delivery:
    return Delivery(body=raw.replace("\n", "\r\n").encode(), content_type="message/rfc822")


# --- signature ---------------------------------------------------------------------------------


def test_verify_mailgun_good_returns_token() -> None:
    form = _signed(str(int(NOW)), "a" * 50)
    assert verify_mailgun(form, KEY, NOW) == "a" * 50


@pytest.mark.parametrize(
    ("form", "why"),
    [
        (_signed(str(int(NOW)), "b" * 50, key="wrong-key"), "forged"),
        ({**_signed(str(int(NOW)), "c" * 50), "token": "d" * 50}, "token swapped"),
        ({"timestamp": str(int(NOW)), "token": "e" * 50}, "signature missing"),
        ({}, "nothing"),
        (_signed(str(int(NOW) - 301), "f" * 50), "too old"),
        (_signed(str(int(NOW) + 301), "f" * 50), "from the future"),
        (_signed("yesterday", "g" * 50), "timestamp not a number"),
    ],
)
def test_verify_mailgun_refuses(form: dict[str, str], why: str) -> None:
    with pytest.raises(SignatureError):
        verify_mailgun(form, KEY, NOW)


def test_verify_mailgun_window_is_configurable() -> None:
    form = _signed(str(int(NOW) - 600), "h" * 50)
    assert verify_mailgun(form, KEY, NOW, window_s=900) == "h" * 50


# --- raw MIME ----------------------------------------------------------------------------------

MULTI = """\
From: =?UTF-8?Q?Budi_Santoso?= <Budi.Santoso@Example.CO.ID>
To: Aduan DKI <dki@jakarta.go.id>
Subject: =?UTF-8?Q?Jalan_berlubang_di_Jl=2E_Cikini_Raya?=
 =?ISO-8859-1?Q?_=2D_caf=E9?= =?UTF-8?B?IOKAlCBtb2hvbiBkaXRpbmRha2xhbmp1dGk=?=
Date: Sun, 01 Mar 2026 10:12:40 +0700
Message-ID: <CAB1234.5678@mail.example.co.id>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="==b1=="

--==b1==
Content-Type: multipart/alternative; boundary="==b2=="

--==b2==
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Jalan berlubang di Jl. Cikini Raya dekat halte =E2=80=94 motor sering jatuh=
 saat hujan.

Salam,
--=20
Budi Santoso
Menteng
--==b2==
Content-Type: text/html; charset="utf-8"

<p>Jalan berlubang di Jl. Cikini Raya dekat halte</p>
--==b2==--
--==b1==
Content-Type: image/jpeg
Content-Disposition: attachment; filename*=UTF-8''foto%20jalan%20berlubang%20%C3%A9.jpg
Content-Transfer-Encoding: base64

/9j/4AAQSkZJRgABAQ==
--==b1==
Content-Type: application/pdf; name="surat.pdf"
Content-Disposition: attachment; filename="surat.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--==b1==--
"""


def test_raw_mime_complaint() -> None:
    [out] = ADAPTER.parse(mime(MULTI))
    assert isinstance(out, ComplaintDraft)
    assert out.channel == "email"
    assert out.title == "Jalan berlubang di Jl. Cikini Raya - café — mohon ditindaklanjuti"
    assert out.description == (
        "Jalan berlubang di Jl. Cikini Raya dekat halte — motor sering jatuh saat hujan.\n\nSalam,"
    )
    assert out.external_id == "CAB1234.5678@mail.example.co.id"
    assert out.thread_keys == ["CAB1234.5678@mail.example.co.id"]
    assert out.reporter is not None
    assert (out.reporter.name, out.reporter.email) == ("Budi Santoso", "budi.santoso@example.co.id")
    assert out.received_at is not None and out.received_at.isoformat() == "2026-03-01T10:12:40+07:00"
    assert [(a.url, a.media_type, a.size, a.filename) for a in out.attachments] == [
        ("inbound-part:4", "image/jpeg", 13, "foto jalan berlubang é.jpg"),
        ("inbound-part:5", "application/pdf", 9, "surat.pdf"),
    ]
    assert out.metadata["source"] == "mime"
    # The pipeline finds part n again in the archived raw message by walk() order.
    parts = list(message_from_bytes(mime(MULTI).body, policy=policy.default).walk())
    assert parts[4].get_filename() == "foto jalan berlubang é.jpg"
    assert parts[5].get_content_type() == "application/pdf"


BASE64_HTML_ONLY = """\
From: "Siti" <siti@example.com>
Subject: Sampah menumpuk
Message-ID: <html-only-1@example.com>
MIME-Version: 1.0
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: base64

PGh0bWw+PGhlYWQ+PHN0eWxlPnB7Y29sb3I6cmVkfTwvc3R5bGU+PC9oZWFkPjxib2R5PjxwPlNh
bXBhaCBtZW51bXB1ayBkaSBKbC4gS3JhbWF0IFJheWEmbmJzcDtzZWphayBTZW5pbi48L3A+PGRp
dj5Nb2hvbiBkaWFuZ2t1dCw8YnI+dGVyaW1hIGthc2loLjwvZGl2PjxibG9ja3F1b3RlPnBlc2Fu
IGxhbWE8L2Jsb2NrcXVvdGU+PC9ib2R5PjwvaHRtbD4=
"""


def test_html_only_base64_body_becomes_text() -> None:
    [out] = ADAPTER.parse(mime(BASE64_HTML_ONLY))
    assert isinstance(out, ComplaintDraft)
    assert (
        out.description == "Sampah menumpuk di Jl. Kramat Raya sejak Senin.\n\nMohon diangkut,\nterima kasih."
    )
    assert out.attachments == []


REPLY = """\
From: Budi Santoso <budi@example.co.id>
To: dki@jakarta.go.id
Subject: Re: Laporan Anda diterima
Message-ID: <reply-2@example.co.id>
In-Reply-To: <ack-1@jakarta.go.id>
References: <orig-0@example.co.id> <ack-1@jakarta.go.id>
Content-Type: text/plain; charset=utf-8

Sampai hari ini belum diperbaiki.

Pada Sen, 2 Mar 2026 pukul 10.12 Aduan DKI Jakarta <
dki@jakarta.go.id> menulis:
> Laporan Anda sudah kami terima.
"""


def test_reply_is_follow_up_with_thread_refs_and_fallback() -> None:
    [out] = ADAPTER.parse(mime(REPLY))
    assert isinstance(out, FollowUp)
    assert out.thread_refs == ["ack-1@jakarta.go.id", "orig-0@example.co.id"]
    assert out.ticket is None
    assert out.text == "Sampai hari ini belum diperbaiki."
    assert out.external_id == "reply-2@example.co.id"
    assert isinstance(out.fallback, ComplaintDraft)
    assert out.fallback.title == "Laporan Anda diterima"
    assert out.fallback.external_id == "reply-2@example.co.id"


@pytest.mark.parametrize(
    ("subject", "body", "ticket"),
    [
        ("Re: [K7M2-Q9XD] Laporan diterima", "Belum ada tindak lanjut.", "K7M2-Q9XD"),
        ("Lampu jalan", "Menanyakan Tiket k7m2-q9xd, sudah seminggu.", "K7M2-Q9XD"),
        ("Lampu jalan", "Belum.\n\nOn Mon, Mar 2 wrote:\n> Tiket Anda: K7M2-Q9XD", "K7M2-Q9XD"),
        ("Terima kasih", "Sama-sama, rata-rata begitu.", None),
    ],
)
def test_ticket_in_subject_or_body(subject: str, body: str, ticket: str | None) -> None:
    raw = f"From: a@example.com\nSubject: {subject}\nMessage-ID: <t1@example.com>\n\n{body}\n"
    [out] = ADAPTER.parse(mime(raw))
    if ticket is None:
        assert isinstance(out, ComplaintDraft)
    else:
        assert isinstance(out, FollowUp)
        assert out.ticket == ticket
        assert out.fallback is not None


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-replied", "auto_reply"),
        ("Auto-Submitted: auto-generated; owner-email=x@example.com", "auto_reply"),
        ("X-Autoreply: yes", "auto_reply"),
        ("X-Autorespond: Sedang cuti", "auto_reply"),
        ("Precedence: auto_reply", "auto_reply"),
        ("Precedence: bulk", "auto_reply"),
        ("Precedence: junk", "auto_reply"),
        ("X-Failed-Recipients: x@example.com", "bounce"),
        ("Return-Path: <>", "bounce"),
    ],
)
def test_auto_replies_and_bounces_are_ignored(headers: str, reason: str) -> None:
    raw = f"From: Budi <budi@example.com>\nSubject: Out of office\nMessage-ID: <ar@example.com>\n{headers}\n\nSaya sedang cuti.\n"
    assert ADAPTER.parse(mime(raw)) == [Ignored(reason=reason, external_id="ar@example.com")]


def test_auto_submitted_no_is_a_person() -> None:
    raw = "From: budi@example.com\nSubject: Banjir\nAuto-Submitted: no\n\nBanjir di Kampung Melayu.\n"
    [out] = ADAPTER.parse(mime(raw))
    assert isinstance(out, ComplaintDraft)
    assert out.external_id is not None and out.external_id.startswith("sha256:")
    assert out.thread_keys == []


DSN = """\
From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>
To: dki@jakarta.go.id
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-1@mx.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="R"

--R
Content-Type: text/plain

The mail could not be delivered.
--R
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com
Final-Recipient: rfc822; nobody@example.com
Action: failed
Status: 5.1.1
--R--
"""


def test_dsn_is_a_bounce() -> None:
    assert ADAPTER.parse(mime(DSN)) == [Ignored(reason="bounce", external_id="dsn-1@mx.example.com")]


def test_mailer_daemon_without_report_is_a_bounce() -> None:
    raw = "From: MAILER-DAEMON@example.com\nSubject: failure\nMessage-ID: <m@x>\n\nfailed\n"
    assert ADAPTER.parse(mime(raw)) == [Ignored(reason="bounce", external_id="m@x")]


@pytest.mark.parametrize(
    "delivery",
    [
        Delivery(body=b"", content_type="message/rfc822"),
        Delivery(body=b"just some text without headers\n", content_type="message/rfc822"),
        Delivery(body=b"Subject: no sender\n\nBody\n", content_type="message/rfc822"),
        Delivery(body=b"From: a@example.com\n\n", content_type="message/rfc822"),
        Delivery(body=b"{}", content_type="application/json"),
        Delivery(
            body=b"", content_type="multipart/form-data", form={"from": "a@b.c", "message-headers": "[1"}
        ),
    ],
)
def test_malformed_raises_adapter_error(delivery: Delivery) -> None:
    with pytest.raises(AdapterError):
        ADAPTER.parse(delivery)


# --- Mailgun parsed form -----------------------------------------------------------------------


def mailgun_form(**overrides: str) -> dict[str, str]:
    headers = [
        ["Received", "from mail-yw1.google.com by mxa.mailgun.org with ESMTP"],
        ["Date", "Mon, 02 Mar 2026 08:01:02 +0700"],
        ["From", "Dewi Lestari <Dewi.Lestari@gmail.com>"],
        ["To", "dki@jakarta.go.id"],
        ["Subject", "Saluran air tersumbat"],
        ["Message-Id", "<CAF=abc123@mail.gmail.com>"],
        ["Mime-Version", "1.0"],
        ["Content-Type", 'multipart/mixed; boundary="000000000000abcd"'],
    ]
    form = {
        "recipient": "dki@jakarta.go.id",
        "sender": "dewi.lestari@gmail.com",
        "from": "Dewi Lestari <Dewi.Lestari@gmail.com>",
        "subject": "Saluran air tersumbat",
        "body-plain": "Saluran air di Jl. Kramat Sentiong tersumbat.\r\n\r\n-- \r\nDewi\r\n",
        "stripped-text": "Saluran air di Jl. Kramat Sentiong tersumbat.",
        "stripped-signature": "Dewi",
        "body-html": "<div>Saluran air di Jl. Kramat Sentiong tersumbat.</div>",
        "stripped-html": "<div>Saluran air di Jl. Kramat Sentiong tersumbat.</div>",
        "attachment-count": "1",
        "message-headers": json.dumps(headers),
        "Message-Id": "<CAF=abc123@mail.gmail.com>",
        "Date": "Mon, 02 Mar 2026 08:01:02 +0700",
        "timestamp": "1772413262",
        "token": "x" * 50,
        "signature": "0" * 64,
    }
    form.update(overrides)
    return form


def test_mailgun_parsed_form() -> None:
    files = [
        AttachmentDraft(url="media://inbound/1.jpg", media_type="image/jpeg", size=2048, filename="got.jpg")
    ]
    delivery = Delivery(body=b"", content_type="multipart/form-data", form=mailgun_form(), files=files)
    [out] = ADAPTER.parse(delivery)
    assert isinstance(out, ComplaintDraft)
    assert out.external_id == "CAF=abc123@mail.gmail.com"
    assert out.title == "Saluran air tersumbat"
    assert out.description == "Saluran air di Jl. Kramat Sentiong tersumbat."
    assert out.attachments == files
    assert out.reporter is not None and out.reporter.email == "dewi.lestari@gmail.com"
    assert out.reporter.name == "Dewi Lestari"
    assert out.metadata["source"] == "mailgun"
    assert out.metadata["stripped_signature"] == "Dewi"
    assert out.received_at is not None and out.received_at.isoformat() == "2026-03-02T08:01:02+07:00"


def test_mailgun_stripping_is_completed_for_indonesian_attribution() -> None:
    body = "Masih tersumbat.\r\n\r\nPada tanggal Sen, 2 Mar 2026, Aduan DKI <dki@jakarta.go.id> menulis:\r\n> diterima\r\n"
    form = mailgun_form(**{"body-plain": body, "stripped-text": "", "stripped-html": ""})
    [out] = ADAPTER.parse(Delivery(body=b"", form=form))
    assert isinstance(out, ComplaintDraft)
    assert out.description == "Masih tersumbat."


def test_mailgun_html_only_falls_back_to_body_html() -> None:
    form = mailgun_form(
        **{
            "body-plain": "",
            "stripped-text": "",
            "stripped-html": "",
            "body-html": "<p>Pohon&nbsp;tumbang</p>",
        }
    )
    [out] = ADAPTER.parse(Delivery(body=b"", form=form))
    assert isinstance(out, ComplaintDraft)
    assert out.description == "Pohon tumbang"


def test_mailgun_reply_headers_as_fields_without_message_headers() -> None:
    form = mailgun_form(**{"In-Reply-To": "<ack-1@jakarta.go.id>", "References": "<ack-1@jakarta.go.id>"})
    del form["message-headers"]
    [out] = ADAPTER.parse(Delivery(body=b"", form=form))
    assert isinstance(out, FollowUp)
    assert out.thread_refs == ["ack-1@jakarta.go.id"]
    assert out.external_id == "CAF=abc123@mail.gmail.com"


def test_mailgun_auto_reply_in_message_headers() -> None:
    headers = [["From", "budi@example.com"], ["Auto-Submitted", "auto-replied"], ["Message-Id", "<oo@x>"]]
    form = mailgun_form(**{"message-headers": json.dumps(headers)})
    assert ADAPTER.parse(Delivery(body=b"", form=form)) == [Ignored(reason="auto_reply", external_id="oo@x")]


def test_mailgun_empty_envelope_sender_is_a_bounce() -> None:
    form = mailgun_form(sender="")
    [out] = ADAPTER.parse(Delivery(body=b"", form=form))
    assert isinstance(out, Ignored) and out.reason == "bounce"


def test_mailgun_body_mime_variant() -> None:
    form = {
        "recipient": "dki@jakarta.go.id",
        "sender": "budi.santoso@example.co.id",
        "from": "Budi Santoso <budi.santoso@example.co.id>",
        "subject": "Jalan berlubang",
        "body-mime": MULTI,
        "timestamp": "1772413262",
        "token": "y" * 50,
        "signature": "0" * 64,
    }
    [out] = ADAPTER.parse(Delivery(body=b"", content_type="multipart/form-data", form=form))
    assert isinstance(out, ComplaintDraft)
    assert out.external_id == "CAB1234.5678@mail.example.co.id"
    assert len(out.attachments) == 2
    assert out.metadata["source"] == "mailgun_mime"
    assert out.metadata["recipient"] == "dki@jakarta.go.id"


# --- text helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Lampu mati.\n\nOn Mon, Mar 2, 2026 at 10:12 AM Aduan <dki@jakarta.go.id> wrote:\n> x",
            "Lampu mati.",
        ),
        ("Lampu mati.\n-----Original Message-----\nFrom: x\nSent: y", "Lampu mati."),
        ("Lampu mati.\n-----Pesan Asli-----\nDari: x", "Lampu mati."),
        (
            "Lampu mati.\n\n________________________________\nFrom: Aduan DKI\nSent: Monday\nTo: Budi\nSubject: x",
            "Lampu mati.",
        ),
        ("Lampu mati.\nDari: Aduan DKI\nDikirim: Senin\nKepada: Budi\nPerihal: x", "Lampu mati."),
        ("Lampu mati.\n> kutipan\nmasih mati", "Lampu mati.\nmasih mati"),
        ("Lampu mati.\n-- \nBudi\n0812-1111-7890", "Lampu mati."),
        ("Lampu mati.\n\nDikirim dari iPhone saya", "Lampu mati."),
        (
            "Dari: Kelurahan Gambir kami belum mendapat jawaban.",
            "Dari: Kelurahan Gambir kami belum mendapat jawaban.",
        ),
        ("Pada hari Senin lampu mati.", "Pada hari Senin lampu mati."),
    ],
)
def test_strip_reply(text: str, expected: str) -> None:
    assert strip_reply(text) == expected


@pytest.mark.parametrize(
    ("subject", "clean"),
    [
        ("Re: RE: Fwd: Jalan rusak", "Jalan rusak"),
        ("Bls: Balas: Banjir", "Banjir"),
        ("Reklame roboh", "Reklame roboh"),
    ],
)
def test_clean_subject(subject: str, clean: str) -> None:
    assert clean_subject(subject) == clean


@pytest.mark.parametrize(
    ("text", "ticket"),
    [
        ("#K7M2-Q9XD", "K7M2-Q9XD"),
        ("[k7m2-q9xd]", "K7M2-Q9XD"),
        ("K7M2Q9XD", None),
        ("mata-mata", None),
        ("", None),
    ],
)
def test_find_ticket_code(text: str, ticket: str | None) -> None:
    assert find_ticket_code(text) == ticket
