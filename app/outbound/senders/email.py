"""Replies by mail over SMTP (``aiosmtplib``), threaded into the reporter's conversation.

Settings (contracts.md, "Outbound"):

- ``ADUAN_SMTP_URL``: ``smtp://[user:pass@]host[:port]`` connects in the clear and upgrades with
  STARTTLS when the server offers it (RFC 3207; aiosmtplib's ``start_tls=None``), default port
  25 (RFC 5321; write ``:587`` for a submission server, RFC 6409); ``smtps://`` is implicit TLS
  from the first byte (RFC 8314), default port 465. User and password are URL-decoded
  (``p%40ss`` is ``p@ss``) and used for SMTP AUTH. Unset: ``NotConfigured`` (no mail is sent).
- ``ADUAN_MAIL_FROM``: the From address, optionally with a display name (``Pemprov DKI
  <aduan@jakarta.go.id>``); its address is also the envelope sender (MAIL FROM).

The message (RFC 5322, plain text in UTF-8):

- ``From``, ``To`` (``Message.to["address"]`` with ``Message.to.get("name")``), ``Date``
  (``Message.now``), ``Subject``: ``Message.subject``, which the template gives the ticket as
  ``[K7M2-Q9XD]``; a subject without ``[<ticket>]`` gets it as a prefix (contracts.md);
- ``Message-ID: <{Message.id}@{domain of ADUAN_MAIL_FROM}>``: derived from the outbound
  message's id, so a resend after a crash carries the same id and the receiving side can
  recognise it (RFC 5322 3.6.4 asks for a unique id; the outbound id is unique);
- ``In-Reply-To: <Message.to["in_reply_to"]>`` and ``References: <id1> <id2> ...``
  (``Message.to["references"]``, oldest first, with ``in_reply_to`` last and no duplicates),
  as RFC 5322 3.6.4 describes for a reply: the parent's References followed by the parent's
  Message-ID. These three headers are written one msg-id per line and never encoded: the
  standard library's folder treats In-Reply-To and References as unstructured text and turns
  a long msg-id into an RFC 2047 encoded word (python/cpython gh-100991), which breaks
  threading;
- ``Auto-Submitted: auto-replied`` (RFC 3834 section 5: a message generated automatically as
  a response to another message), so that RFC 3834 responders (vacation notices) do not answer
  it and our own inbound adapter ignores it should it come back (``app.channels.adapters.email``).

The receipt: ``provider_id`` and ``thread_keys`` are the Message-ID without angle brackets, so
that the reporter's answer (``In-Reply-To: <that id>``) threads back to the complaint.

Errors: a refused connection, a timeout, a dropped connection and any 4xx reply (RFC 5321
4.2.1: transient) are retryable; a 5xx reply (a recipient the server says does not exist,
a message it rejects, failed authentication) is not.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

from app.core.config import secret_value
from app.outbound.senders.base import Message, NotConfigured, Receipt, SendContext, SendError

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
DEFAULT_TIMEOUT_S = 30.0
# Headers whose value is a list of msg-ids (RFC 5322 3.6.4): folded between ids, never encoded.
_ID_HEADERS = frozenset({"message-id", "in-reply-to", "references"})
_MSG_ID_RE = re.compile(r"<([^<>\s]+)>")
# RFC 5322 dot-atom-text characters; anything else in an outbound id becomes "-".
_ID_LEFT_UNSAFE = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]")


class _MailPolicy(EmailPolicy):
    """``email.policy.SMTP`` (CRLF, 78-character lines) with msg-id headers folded as RFC 5322
    asks: between ids, never as encoded words."""

    def _fold_ids(self, name: str, value: str) -> str:
        ids = _MSG_ID_RE.findall(str(value))
        return f"{name}: " + (self.linesep + " ").join(f"<{i}>" for i in ids) + self.linesep

    def fold(self, name: str, value: str) -> str:
        if name.lower() in _ID_HEADERS:
            return self._fold_ids(name, value)
        return str(super().fold(name, value))

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in _ID_HEADERS:
            return self._fold_ids(name, value).encode("ascii")
        return super().fold_binary(name, value)


POLICY = _MailPolicy(linesep="\r\n")


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpTarget:
    """``smtp://[user:pass@]host[:port]`` or ``smtps://...``; ``NotConfigured`` if malformed."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise NotConfigured("ADUAN_SMTP_URL is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise NotConfigured("ADUAN_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise NotConfigured("ADUAN_SMTP_URL has no host")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return SmtpTarget(
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        implicit_tls=scheme == "smtps",
        username=username,
        password=password,
    )


def _bare_id(value: object) -> str | None:
    """A msg-id without its angle brackets; None when empty or not a single token."""
    text = str(value or "").strip().strip("<>").strip()
    if not text or re.search(r"[\s<>]", text):
        return None
    return text


def _references(to: dict[str, object], own: str) -> tuple[str | None, list[str]]:
    in_reply_to = _bare_id(to.get("in_reply_to"))
    raw = to.get("references") or []
    items = raw.split() if isinstance(raw, str) else list(raw) if isinstance(raw, list | tuple) else []
    refs: list[str] = []
    for item in items:
        ref = _bare_id(item)
        if ref and ref != own and ref != in_reply_to and ref not in refs:
            refs.append(ref)
    if in_reply_to and in_reply_to != own:
        refs.append(in_reply_to)
    else:
        in_reply_to = None
    return in_reply_to, refs


def _ascii_address(address: str) -> str:
    """``address`` with an internationalised domain in its IDNA (punycode) form; ``SendError``
    (not retryable) for a malformed address or a non-ASCII local part (that needs SMTPUTF8,
    RFC 6531, which this sender does not use)."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or re.search(r"[\s<>,;]", address):
        raise SendError(f"email: no valid recipient address ({address or 'missing'})", retryable=False)
    if not local.isascii():
        raise SendError("email: a non-ASCII local part needs SMTPUTF8, not supported", retryable=False)
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise SendError(f"email: invalid domain in {address!r}", retryable=False) from None
    return f"{local}@{domain}"


def _subject(message: Message) -> str:
    subject = " ".join((message.subject or "").split())
    if message.ticket and f"[{message.ticket}]" not in subject:
        subject = f"[{message.ticket}] {subject}".strip()
    return subject


def message_id(message: Message, mail_from: str) -> str:
    """The Message-ID (without angle brackets) of ``message`` sent from ``mail_from``."""
    _, addr = parseaddr(mail_from)
    domain = addr.rpartition("@")[2].strip() or "localhost"
    left = _ID_LEFT_UNSAFE.sub("-", message.id).strip(".") or "aduan"
    return f"{left}@{domain}"


def build(message: Message, mail_from: str) -> tuple[EmailMessage, str, str, str]:
    """The mail for ``message``: (message, Message-ID without brackets, envelope sender,
    recipient). ``SendError`` (not retryable) for an address that cannot be written."""
    from_name, from_addr = parseaddr(mail_from)
    if "@" not in from_addr:
        raise NotConfigured(f"ADUAN_MAIL_FROM has no address: {mail_from!r}")
    address = _ascii_address(str(message.to.get("address") or "").strip())
    name = " ".join(str(message.to.get("name") or "").split())
    own_id = message_id(message, mail_from)
    in_reply_to, refs = _references(message.to, own_id)
    now = message.now if message.now.tzinfo is not None else message.now.replace(tzinfo=UTC)

    mail = EmailMessage(policy=POLICY)
    try:
        mail["From"] = Address(display_name=from_name, addr_spec=from_addr)
        mail["To"] = Address(display_name=name, addr_spec=address)
    except (ValueError, IndexError) as exc:
        raise SendError(f"email: an address cannot be written: {exc}", retryable=False) from None
    mail["Subject"] = _subject(message)
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = f"<{own_id}>"
    if in_reply_to:
        mail["In-Reply-To"] = f"<{in_reply_to}>"
    if refs:
        mail["References"] = " ".join(f"<{r}>" for r in refs)
    mail["Auto-Submitted"] = "auto-replied"
    text = message.text.replace("\r\n", "\n").replace("\r", "\n")
    seven_bit = text.isascii() and all(len(line) <= 998 for line in text.split("\n"))
    mail.set_content(text, subtype="plain", charset="utf-8", cte="7bit" if seven_bit else "quoted-printable")
    return mail, own_id, from_addr, address


def flatten(mail: EmailMessage) -> bytes:
    """The message as sent on the wire: CRLF line ends, 7-bit clean (RFC 2047 words, QP body)."""
    buffer = io.BytesIO()
    BytesGenerator(buffer, policy=POLICY).flatten(mail)
    return buffer.getvalue()


def _reply_error(code: int, text: str, what: str) -> SendError:
    # RFC 5321 4.2.1: 4yz is a transient failure, 5yz a permanent one.
    detail = f"SMTP {code} {what}: {' '.join(text.split())}"[:300]
    return SendError(detail, retryable=not 500 <= code < 600, status_code=code)


class EmailSender:
    platform = "email"

    async def send(self, message: Message, ctx: SendContext) -> Receipt:
        settings = ctx.settings
        url = secret_value(settings.smtp_url)
        if not url:
            raise NotConfigured("no mail is sent: ADUAN_SMTP_URL is not set")
        target = parse_smtp_url(url)
        mail, own_id, sender, recipient = build(message, str(settings.mail_from))
        try:
            raw = flatten(mail)
        except (ValueError, UnicodeError) as exc:
            raise SendError(f"email: the message cannot be written: {exc}"[:300], retryable=False) from None
        timeout = float(getattr(settings, "outbox_send_timeout_s", None) or DEFAULT_TIMEOUT_S)

        client = aiosmtplib.SMTP(
            hostname=target.host,
            port=target.port,
            username=target.username,
            password=target.password,
            use_tls=target.implicit_tls,
            start_tls=False if target.implicit_tls else None,
            timeout=timeout,
        )
        try:
            async with client:
                _errors, response = await client.sendmail(sender, [recipient], raw)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0] if exc.recipients else None
            if first is None:
                raise SendError("SMTP: recipient refused", retryable=False) from None
            raise _reply_error(first.code, first.message, "recipient refused") from None
        except aiosmtplib.SMTPResponseException as exc:
            raise _reply_error(exc.code, exc.message, type(exc).__name__) from None
        except aiosmtplib.SMTPNotSupported as exc:
            raise SendError(f"SMTP: {exc.message}"[:300], retryable=False) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Refused or dropped connection, timeout, TLS handshake failure.
            raise SendError(f"SMTP {type(exc).__name__}: {exc}"[:300], retryable=True) from None
        except ValueError as exc:  # an address aiosmtplib will not put in MAIL/RCPT
            raise SendError(f"SMTP: {exc}"[:300], retryable=False) from None
        return Receipt(
            provider_id=own_id,
            detail=" ".join(str(response).split())[:300] or None,
            thread_keys=[own_id],
        )
