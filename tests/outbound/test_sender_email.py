"""Mail over SMTP against a real SMTP server (aiosmtpd's ``Controller``) on 127.0.0.1.

Checked against contracts.md ("Outbound": ``ADUAN_SMTP_URL``, ``ADUAN_MAIL_FROM``, the ticket as
``[K7M2-Q9XD]`` in the subject, In-Reply-To/References of the message answered), RFC 5322 3.6.4
(Message-ID, In-Reply-To, References) and RFC 3834 (``Auto-Submitted: auto-replied``); and the
round trip: the reporter's answer threads back through app.channels.adapters.email.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from app.channels.adapters.email import ADAPTER as EMAIL_ADAPTER
from app.core.config import Settings
from app.intake.drafts import Delivery, FollowUp, Ignored
from app.outbound.senders.base import Message, NotConfigured, Receipt, SendContext, SendError
from app.outbound.senders.email import EmailSender, parse_smtp_url

TICKET = "K7M2-Q9XD"
MAIL_FROM = "Pemprov DKI Jakarta <aduan@jakarta.go.id>"
THEIR_ID = "CAF=xY7u-Q3p+9zk2LmN0qRsTuVwXyZaBcDeFgHiJkLmNoPqRsT_uVw@mail.gmail.com"
NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it receives and refuses what the test says."""

    messages: list[Envelope] = field(default_factory=list)
    rcpt_reply: str | None = None  # e.g. "550 5.1.1 no such user"
    data_reply: str | None = None

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.data_reply:
            return self.data_reply
        self.messages.append(envelope)
        return "250 2.0.0 Ok: queued as 4Zk9"

    def parsed(self) -> EmailMessage:
        assert self.messages, "the SMTP server received no message"
        raw = self.messages[-1].original_content or b""
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Logins:
    seen: list[tuple[str, str]] = field(default_factory=list)

    def __call__(
        self, server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.seen.append((login, password))
        # handled=False: aiosmtpd answers a failure with "535 5.7.8 Authentication credentials invalid".
        ok = (login, password) == ("aduan@jakarta.go.id", "p@ss:w/rd 1")
        return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_auth() -> Iterator[tuple[Recorder, Logins, int]]:
    recorder, logins = Recorder(), Logins()
    port = free_port()
    controller = Controller(
        recorder, hostname="127.0.0.1", port=port, authenticator=logins, auth_require_tls=False
    )
    controller.start()
    try:
        yield recorder, logins, port
    finally:
        controller.stop()


def settings_for(url: str | None, mail_from: str = MAIL_FROM) -> Settings:
    env: dict[str, Any] = {"ADUAN_MAIL_FROM": mail_from, "ADUAN_OUTBOX_SEND_TIMEOUT": 5}
    if url is not None:
        env["ADUAN_SMTP_URL"] = url
    return Settings(_env_file=None, **env)  # type: ignore[call-arg]


def reply(**to: Any) -> Message:
    return Message(
        id="0191f3c2-9c3d-7e5f-b061-7c8d9e0f1a2b",
        platform="email",
        to={
            "address": "dewi.lestari@gmail.com",
            "name": "Dewi Lestari",
            "in_reply_to": THEIR_ID,
            "references": ["older-1@mail.gmail.com", "older-2@jakarta.go.id"],
            **to,
        },
        text="Yth. Ibu Dewi,\n\nSaluran air di Jl. Kramat Sentiong sudah dibersihkan — terima kasih.\n",
        subject=f"Tanggapan aduan Anda [{TICKET}]",
        ticket=TICKET,
        now=NOW,
    )


async def send(message: Message, settings: Settings) -> Receipt:
    async with httpx.AsyncClient(timeout=5) as http:
        return await EmailSender().send(message, SendContext(http=http, settings=settings))


# --- the message ---------------------------------------------------------------------------------


async def test_reply_mail_headers_and_body(smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    receipt = await send(reply(), settings_for(f"smtp://127.0.0.1:{port}"))

    envelope = recorder.messages[-1]
    assert envelope.mail_from == "aduan@jakarta.go.id"
    assert envelope.rcpt_tos == ["dewi.lestari@gmail.com"]
    mail = recorder.parsed()
    assert mail["From"].addresses[0].addr_spec == "aduan@jakarta.go.id"
    assert mail["From"].addresses[0].display_name == "Pemprov DKI Jakarta"
    assert mail["To"].addresses[0].addr_spec == "dewi.lestari@gmail.com"
    assert mail["To"].addresses[0].display_name == "Dewi Lestari"
    assert f"[{TICKET}]" in mail["Subject"]
    assert mail["Subject"] == f"Tanggapan aduan Anda [{TICKET}]"
    our_id = "0191f3c2-9c3d-7e5f-b061-7c8d9e0f1a2b@jakarta.go.id"
    assert mail["Message-ID"] == f"<{our_id}>"
    assert mail["In-Reply-To"] == f"<{THEIR_ID}>"
    assert str(mail["References"]).split() == [
        "<older-1@mail.gmail.com>",
        "<older-2@jakarta.go.id>",
        f"<{THEIR_ID}>",
    ]
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["Date"].datetime == NOW
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    # Text travels in canonical form (RFC 2045 2.10: CRLF line breaks).
    assert mail.get_content().replace("\r\n", "\n") == (
        "Yth. Ibu Dewi,\n\nSaluran air di Jl. Kramat Sentiong sudah dibersihkan — terima kasih.\n"
    )
    assert receipt.provider_id == our_id
    assert receipt.thread_keys == [our_id]


async def test_long_message_ids_are_never_encoded(smtp: tuple[Recorder, int]) -> None:
    """The standard library would RFC 2047-encode a long In-Reply-To (python/cpython gh-100991)."""
    recorder, port = smtp
    long_id = "CAF=" + "b" * 120 + "@mail.gmail.com"
    await send(
        reply(in_reply_to=f"<{long_id}>", references=[long_id]), settings_for(f"smtp://127.0.0.1:{port}")
    )
    raw = recorder.messages[-1].original_content or b""
    assert f"In-Reply-To: <{long_id}>\r\n".encode() in raw
    assert f"References: <{long_id}>\r\n".encode() in raw
    assert b"=?" not in raw.split(b"\r\n\r\n")[0]
    mail = recorder.parsed()
    assert mail["In-Reply-To"] == f"<{long_id}>"


async def test_subject_gets_the_ticket_and_references_no_duplicates(smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    message = reply(references=f"<a@x.example> <{THEIR_ID}> <a@x.example>")
    message.subject = "Status aduan: sedang dikerjakan"
    await send(message, settings_for(f"smtp://127.0.0.1:{port}"))
    mail = recorder.parsed()
    assert mail["Subject"] == f"[{TICKET}] Status aduan: sedang dikerjakan"
    assert str(mail["References"]).split() == ["<a@x.example>", f"<{THEIR_ID}>"]


async def test_first_mail_has_no_thread_headers(smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    message = Message(
        id="first-1",
        platform="email",
        to={"address": "budi@example.com"},
        text="Aduan Anda diterima.",
        subject=None,
        ticket=TICKET,
        now=NOW,
    )
    await send(message, settings_for(f"smtp://127.0.0.1:{port}", mail_from="aduan@localhost"))
    mail = recorder.parsed()
    assert mail["Subject"] == f"[{TICKET}]"
    assert mail["To"] == "budi@example.com"
    assert mail["From"] == "aduan@localhost"
    assert mail["Message-ID"] == "<first-1@localhost>"
    assert mail["In-Reply-To"] is None and mail["References"] is None


async def test_a_resend_carries_the_same_message_id(smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    settings = settings_for(f"smtp://127.0.0.1:{port}")
    first = await send(reply(), settings)
    second = await send(reply(), settings)
    assert first.provider_id == second.provider_id
    ids = [
        message_from_bytes(e.original_content or b"", policy=policy.default)["Message-ID"]
        for e in recorder.messages
    ]
    assert ids[0] == ids[1]


async def test_login_with_url_decoded_credentials(smtp_auth: tuple[Recorder, Logins, int]) -> None:
    recorder, logins, port = smtp_auth
    url = f"smtp://aduan%40jakarta.go.id:p%40ss%3Aw%2Frd%201@127.0.0.1:{port}"
    await send(reply(), settings_for(url))
    assert logins.seen == [("aduan@jakarta.go.id", "p@ss:w/rd 1")]
    assert len(recorder.messages) == 1


async def test_wrong_password_is_final(smtp_auth: tuple[Recorder, Logins, int]) -> None:
    recorder, _logins, port = smtp_auth
    with pytest.raises(SendError) as err:
        await send(reply(), settings_for(f"smtp://aduan%40jakarta.go.id:wrong@127.0.0.1:{port}"))
    assert err.value.retryable is False
    assert err.value.status_code == 535
    assert recorder.messages == []


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rcpt", "data", "code", "retryable"),
    [
        ("550 5.1.1 <dewi.lestari@gmail.com>: no such user", None, 550, False),
        ("450 4.2.1 mailbox busy, try later", None, 450, True),
        ("452 4.3.1 insufficient system storage", None, 452, True),
        (None, "554 5.7.1 message rejected", 554, False),
        (None, "451 4.3.0 local error, try later", 451, True),
    ],
)
async def test_smtp_replies(
    smtp: tuple[Recorder, int], rcpt: str | None, data: str | None, code: int, retryable: bool
) -> None:
    recorder, port = smtp
    recorder.rcpt_reply, recorder.data_reply = rcpt, data
    with pytest.raises(SendError) as err:
        await send(reply(), settings_for(f"smtp://127.0.0.1:{port}"))
    assert err.value.status_code == code
    assert err.value.retryable is retryable


async def test_closed_port_is_retryable() -> None:
    with pytest.raises(SendError) as err:
        await send(reply(), settings_for(f"smtp://127.0.0.1:{free_port()}"))
    assert err.value.retryable is True


async def test_implicit_tls_to_a_plain_server_is_retryable(smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    with pytest.raises(SendError) as err:
        await send(reply(), settings_for(f"smtps://127.0.0.1:{port}"))
    assert err.value.retryable is True
    assert recorder.messages == []


async def test_unset_url_is_not_configured() -> None:
    with pytest.raises(NotConfigured) as err:
        await send(reply(), settings_for(None))
    assert err.value.retryable is False


@pytest.mark.parametrize(
    "to",
    [
        {"address": ""},
        {"address": "no-at-sign"},
        {"address": "a@b.c\r\nBcc: x@y.z"},
        {"address": "dèwi@gmail.com"},  # a non-ASCII local part needs SMTPUTF8
    ],
)
async def test_bad_recipient_is_final(smtp: tuple[Recorder, int], to: dict[str, str]) -> None:
    recorder, port = smtp
    with pytest.raises(SendError) as err:
        await send(reply(**to), settings_for(f"smtp://127.0.0.1:{port}"))
    assert err.value.retryable is False
    assert recorder.messages == []


async def test_internationalised_domain_is_sent_as_punycode(smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    await send(
        reply(address="dewi@bücher.example", name="Dewi Lestäri"), settings_for(f"smtp://127.0.0.1:{port}")
    )
    assert recorder.messages[-1].rcpt_tos == ["dewi@xn--bcher-kva.example"]
    to = recorder.parsed()["To"].addresses[0]
    assert (to.display_name, to.addr_spec) == ("Dewi Lestäri", "dewi@xn--bcher-kva.example")


def test_parse_smtp_url() -> None:
    plain = parse_smtp_url("smtp://mail.jakarta.go.id")
    assert (plain.host, plain.port, plain.implicit_tls, plain.username, plain.password) == (
        "mail.jakarta.go.id",
        25,
        False,
        None,
        None,
    )
    tls = parse_smtp_url("smtps://u%2B1:s%20e%3Acret@smtp.example.com")
    assert (tls.host, tls.port, tls.implicit_tls, tls.username, tls.password) == (
        "smtp.example.com",
        465,
        True,
        "u+1",
        "s e:cret",
    )
    assert "s e:cret" not in repr(tls)
    assert parse_smtp_url("smtp://u:p@[::1]:2525").port == 2525
    for bad in ("http://x", "smtp://", "smtp://host:notaport", "mail.example.com"):
        with pytest.raises(NotConfigured):
            parse_smtp_url(bad)


# --- the round trip: the reporter's answer threads back ---------------------------------------


async def test_reporter_answer_threads_back(smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    receipt = await send(reply(), settings_for(f"smtp://127.0.0.1:{port}"))
    ours = recorder.parsed()
    our_id = receipt.thread_keys[0]

    answer = (
        "From: Dewi Lestari <dewi.lestari@gmail.com>\r\n"
        "To: Pemprov DKI Jakarta <aduan@jakarta.go.id>\r\n"
        f"Subject: Re: {ours['Subject']}\r\n"
        "Date: Tue, 03 Mar 2026 10:15:00 +0700\r\n"
        "Message-ID: <CAF=answer-1@mail.gmail.com>\r\n"
        f"In-Reply-To: {ours['Message-ID']}\r\n"
        f"References: {' '.join(str(ours['References']).split())} {ours['Message-ID']}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Masih ada genangan di ujung jalan.\r\n"
    ).encode()
    [outcome] = EMAIL_ADAPTER.parse(Delivery(body=answer, content_type="message/rfc822"))
    assert isinstance(outcome, FollowUp)
    assert outcome.thread_refs[0] == our_id
    assert our_id in outcome.thread_refs
    assert outcome.ticket == TICKET
    assert outcome.text == "Masih ada genangan di ujung jalan."


async def test_our_own_mail_coming_back_is_ignored(smtp: tuple[Recorder, int]) -> None:
    """Auto-Submitted keeps a loop from starting: our mail, fed back to the inbound adapter."""
    recorder, port = smtp
    await send(reply(), settings_for(f"smtp://127.0.0.1:{port}"))
    raw = recorder.messages[-1].original_content or b""
    [outcome] = EMAIL_ADAPTER.parse(Delivery(body=raw, content_type="message/rfc822"))
    assert isinstance(outcome, Ignored)
    assert outcome.reason == "auto_reply"
