"""Channel ``email``: dki@jakarta.go.id.

Three shapes reach ``POST /v1/channels/email/inbound``:

1. ``Content-Type: message/rfc822``: the raw RFC 5322 message in the body,
   posted by a partner relay with an API key.
2. A Mailgun route ``forward()`` in the *parsed* form: ``sender``, ``from``,
   ``recipient``, ``subject``, ``body-plain``, ``stripped-text``,
   ``stripped-signature``, ``body-html``, ``stripped-html``, ``message-headers``
   (a JSON list of ``[name, value]`` pairs, original order), the headers again
   as fields (``Message-Id``, ``In-Reply-To``, ``References``, ...),
   ``attachment-count``, ``attachment-N`` files (already stored by the endpoint
   and given to us in ``delivery.files``), ``content-id-map``, and the signature
   fields ``timestamp``, ``token``, ``signature``.
3. A Mailgun route to a URL ending in ``mime``: the same envelope fields plus
   ``body-mime``, the raw message.

Signature: ``verify_mailgun`` (the pipeline calls it before ``parse`` for the
two Mailgun shapes; the raw shape is authenticated by its API key).

Mapping:
- subject -> title (``Re:``/``Fwd:``/``Balas:`` prefixes dropped), body -> description,
  with quoted reply chains and ``-- `` signatures removed (``strip_reply``);
  HTML-only mail is turned into text (``html_to_text``);
- ``external_id`` = Message-ID without angle brackets, ``thread_keys`` = [Message-ID];
  a message without Message-ID gets ``sha256:<digest of from, date, subject, body>``
  so that a redelivery still deduplicates;
- reporter = From display name + lower-cased address;
- attachments: for raw MIME, ``AttachmentDraft(url="inbound-part:{n}")`` where
  ``n`` is the part's index in ``email.message_from_bytes(raw, policy=default).walk()``
  order (the pipeline archives the raw message, so it can extract part ``n``
  later); an attached ``message/rfc822`` counts as one attachment.  For the
  Mailgun parsed form, ``delivery.files`` as stored by the endpoint;
- a reply (``In-Reply-To``/``References``) or a message quoting a ticket code
  (``[K7M2-Q9XD]``, ``Tiket K7M2-Q9XD``, in the subject or anywhere in the body,
  quoted part included, since replies to our acknowledgement quote it) is a
  ``FollowUp`` whose ``fallback`` is the full draft: a reply to a thread we do
  not know still becomes a complaint;
- auto-replies are ``Ignored("auto_reply")`` (RFC 3834 ``Auto-Submitted`` other
  than ``no``, ``X-Autoreply``, ``X-Autorespond``, ``Precedence: auto_reply|bulk|junk``),
  delivery failures ``Ignored("bounce")`` (``multipart/report; report-type=delivery-status``,
  ``X-Failed-Recipients``, MAILER-DAEMON/postmaster senders, an empty envelope
  sender), read receipts ``Ignored("read_receipt")``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage, Message, MIMEPart
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl

from app.complaints.tickets import find_ticket
from app.intake.drafts import (
    AdapterError,
    AttachmentDraft,
    ComplaintDraft,
    Delivery,
    FollowUp,
    Ignored,
    Outcome,
    ReporterDraft,
    SignatureError,
)

CHANNEL = "email"
TITLE_MAX = 200

# --- signature -------------------------------------------------------------------------------------


def verify_mailgun(form: dict[str, str], signing_key: str, now: float, window_s: int = 300) -> str:
    """Check a Mailgun route POST; return its ``token`` (the caller refuses a token seen before).

    Mailgun signs ``hex(HMAC-SHA256(signing_key, timestamp + token))``.  A
    timestamp further than ``window_s`` from ``now`` is refused: together with
    the token replay check it bounds what a captured request is worth.
    """
    timestamp = (form.get("timestamp") or "").strip()
    token = (form.get("token") or "").strip()
    signature = (form.get("signature") or "").strip().lower()
    if not (timestamp and token and signature):
        raise SignatureError("missing Mailgun timestamp, token or signature")
    try:
        ts = int(timestamp)
    except ValueError as exc:
        raise SignatureError("Mailgun timestamp is not an integer") from exc
    if abs(now - ts) > window_s:
        raise SignatureError("Mailgun timestamp outside the accepted window")
    expected = hmac.new(signing_key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise SignatureError("Mailgun signature mismatch")
    return token


# --- text helpers (also used by the SMS adapters) --------------------------------------------------


def find_ticket_code(text: str | None) -> str | None:
    """The first ticket code quoted in ``text`` (see ``tickets.find_ticket``)."""
    return find_ticket(text or "")


class _HtmlText(HTMLParser):
    _SKIP = frozenset({"script", "style", "head", "title", "blockquote"})
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre"}
    )
    _VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "area", "base", "col", "source"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_depth:
            if tag not in self._VOID:
                self.skip_depth += 1
            return
        if tag in self._SKIP:
            # Quoted replies in HTML mail live in <blockquote>; dropping them
            # here is what strip_reply does with '>' lines in plain text.
            self.skip_depth = 1
            return
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skip_depth and tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skip_depth:
            if tag not in self._VOID:
                self.skip_depth -= 1
            return
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(re.sub(r"[ \t\r\n\f\u00a0]+", " ", data))


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_ATTRIBUTION_RE = re.compile(r"^(?:pada|on)\b.*\b(?:menulis|wrote)\s*:$", re.IGNORECASE)
_ORIGINAL_RE = re.compile(
    r"^-{2,}\s*(?:original message|pesan asli|forwarded by|pesan yang diteruskan)\s*-{2,}$", re.IGNORECASE
)
_HEADER_FROM_RE = re.compile(r"^\*?(?:from|dari)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_OTHER_RE = re.compile(
    r"^\*?(?:sent|dikirim|date|tanggal|to|kepada|subject|subjek|perihal|cc)\s*:", re.IGNORECASE
)
_MOBILE_SIG_RE = re.compile(r"^(?:sent from my |dikirim dari |get outlook for )", re.IGNORECASE)


def strip_reply(text: str) -> str:
    """The new part of a message: quoted replies and the signature removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        s = line.strip()
        if line.rstrip("\n") in ("-- ", "--") or _ORIGINAL_RE.match(s) or _MOBILE_SIG_RE.match(s):
            cut = i
            break
        if _HEADER_FROM_RE.match(s) and any(_HEADER_OTHER_RE.match(x.strip()) for x in lines[i + 1 : i + 5]):
            cut = i
            # Outlook draws a line of underscores just above the block.
            if i > 0 and re.fullmatch(r"_{8,}", lines[i - 1].strip()):
                cut = i - 1
            break
        if re.match(r"^(?:pada|on)\b", s, re.IGNORECASE):
            # Gmail wraps long attributions over two or three lines.
            joined = s
            for k in range(3):
                if k:
                    if i + k >= len(lines):
                        break
                    joined = f"{joined} {lines[i + k].strip()}"
                if _ATTRIBUTION_RE.match(joined):
                    cut = i
                    break
            if cut != len(lines):
                break
    kept = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


_SUBJECT_PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|fw|fwd|bls|balas|tr|aw|wg|rv)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)


def clean_subject(subject: str) -> str:
    return _SUBJECT_PREFIX_RE.sub("", re.sub(r"\s+", " ", subject or "")).strip()


def _message_ids(value: str | None) -> list[str]:
    if not value:
        return []
    ids = re.findall(r"<([^<>\s]+)>", value)
    if not ids:
        ids = [v.strip("<>") for v in value.split() if v.strip("<>")]
    return ids


# --- the parsed message ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Mail:
    source: str
    headers: list[tuple[str, str]]
    subject: str = ""
    from_name: str | None = None
    from_addr: str | None = None
    envelope_sender: str | None = None
    recipient: str | None = None
    content_type: str = "text/plain"
    report_type: str | None = None
    text: str = ""  # the body as sent (quotes included)
    new_text: str = ""  # the body without quotes and signature
    attachments: list[AttachmentDraft] = field(default_factory=list)
    received_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None


def _part_text(part: MIMEPart) -> str:
    try:
        content: str | bytes = part.get_content()  # a text part: str (bytes if the charset lies)
        if isinstance(content, bytes):
            content = content.decode("utf-8", "replace")
    except (LookupError, UnicodeError, AttributeError, ValueError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
    if part.get_content_type() == "text/html":
        return html_to_text(content)
    return content


def _walk_attachments(msg: EmailMessage, body_parts: set[int]) -> list[AttachmentDraft]:
    index = {id(p): n for n, p in enumerate(msg.walk())}
    found: list[AttachmentDraft] = []

    def visit(part: MIMEPart) -> None:
        ctype = part.get_content_type()
        if ctype == "message/rfc822" and part is not msg:
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            size = len(first.as_bytes()) if isinstance(first, Message) else None
            found.append(
                AttachmentDraft(
                    url=f"inbound-part:{index[id(part)]}",
                    media_type=ctype,
                    size=size,
                    filename=part.get_filename() or "message.eml",
                )
            )
            return
        if part.is_multipart():
            for sub in part.iter_parts():
                visit(sub)
            return
        if id(part) in body_parts:
            return
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        if disposition != "attachment" and filename is None and ctype in ("text/plain", "text/html"):
            return  # an alternative rendering of the body, not a file
        payload = part.get_payload(decode=True)
        found.append(
            AttachmentDraft(
                url=f"inbound-part:{index[id(part)]}",
                media_type=ctype,
                size=len(payload) if isinstance(payload, bytes) else None,
                filename=filename,
            )
        )

    visit(msg)
    return found


def _report_type(msg: Message) -> str | None:
    value = msg.get_param("report-type")
    if isinstance(value, tuple):  # an RFC 2231 encoded parameter: (charset, language, text)
        return collapse_rfc2231_value(value)
    return value


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _from_mime(raw: bytes | str, source: str) -> _Mail:
    msg = (
        message_from_bytes(raw, policy=policy.default)
        if isinstance(raw, bytes)
        else message_from_string(raw, policy=policy.default)
    )
    if not isinstance(msg, EmailMessage) or not msg.keys():
        raise AdapterError("the body is not an RFC 5322 message (no headers)")
    headers = [(k, str(v)) for k, v in msg.items()]
    mail = _Mail(source=source, headers=headers)
    mail.subject = str(msg.get("subject", "") or "")
    try:
        addresses = list(msg["from"].addresses) if msg["from"] is not None else []
    except (AttributeError, TypeError, ValueError):
        addresses = []
    if addresses:
        mail.from_name = addresses[0].display_name or None
        mail.from_addr = addresses[0].addr_spec or None
    mail.content_type = msg.get_content_type()
    mail.report_type = _report_type(msg)
    mail.received_at = _parse_date(mail.header("date"))

    body_parts: set[int] = set()
    text = ""
    for kind in ("plain", "html"):
        part = msg.get_body(preferencelist=(kind,))
        if part is None:
            continue
        candidate = _part_text(part).strip()
        body_parts.add(id(part))
        if candidate and not text:
            text = candidate
    mail.text = text
    mail.new_text = strip_reply(text)
    mail.attachments = _walk_attachments(msg, body_parts)
    return mail


def _from_mailgun(delivery: Delivery, form: dict[str, str]) -> _Mail:
    headers: list[tuple[str, str]] = []
    raw_headers = form.get("message-headers")
    if raw_headers:
        try:
            pairs = json.loads(raw_headers)
            headers = [(str(k), str(v)) for k, v in pairs]
        except (ValueError, TypeError) as exc:
            raise AdapterError("message-headers is not a JSON list of [name, value] pairs") from exc
    # Mailgun also posts each header as its own field; use those when the
    # JSON list is absent.
    known = {k.lower() for k, _ in headers}
    for key, value in form.items():
        if key[:1].isupper() and key.lower() not in known:
            headers.append((key, value))

    mail = _Mail(source="mailgun", headers=headers)
    mail.subject = form.get("subject") or mail.header("subject") or ""
    from_value = form.get("from") or mail.header("from") or ""
    parsed = getaddresses([from_value])
    if parsed and parsed[0][1]:
        mail.from_name = parsed[0][0] or None
        mail.from_addr = parsed[0][1]
    ctype_header = mail.header("content-type") or "text/plain"
    ctype_msg = EmailMessage()
    ctype_msg["Content-Type"] = ctype_header
    mail.content_type = ctype_msg.get_content_type()
    mail.report_type = _report_type(ctype_msg)
    mail.received_at = _parse_date(mail.header("date"))
    if mail.received_at is None and (form.get("timestamp") or "").isdigit():
        mail.received_at = datetime.fromtimestamp(int(form["timestamp"]), UTC)

    body = form.get("body-plain") or ""
    if not body.strip() and form.get("body-html"):
        body = html_to_text(form["body-html"])
    mail.text = body.strip()
    stripped = form.get("stripped-text")
    if stripped is None or not stripped.strip():
        if form.get("stripped-html"):
            stripped = html_to_text(form["stripped-html"])
        else:
            stripped = body
    # Mailgun's own stripping misses Indonesian attributions ("Pada ... menulis:").
    mail.new_text = strip_reply(stripped)
    mail.attachments = list(delivery.files)
    if form.get("stripped-signature"):
        mail.extra["stripped_signature"] = form["stripped-signature"]
    return mail


# --- auto-replies and bounces ----------------------------------------------------------------------


def _ignore_reason(mail: _Mail) -> str | None:
    if mail.content_type == "multipart/report":
        report = (mail.report_type or "").lower()
        if report == "disposition-notification":
            return "read_receipt"
        return "bounce"
    if mail.header("x-failed-recipients"):
        return "bounce"
    for addr in (mail.from_addr, mail.envelope_sender):
        local = (addr or "").split("@")[0].lower()
        if local in ("mailer-daemon", "postmaster"):
            return "bounce"
    if mail.envelope_sender is not None and mail.envelope_sender.strip() in ("", "<>"):
        return "bounce"
    if (mail.header("return-path") or "").strip() == "<>":
        return "bounce"
    auto = mail.header("auto-submitted")
    if auto is not None and auto.split(";")[0].strip().lower() not in ("", "no"):
        return "auto_reply"
    for name in ("x-autoreply", "x-autorespond"):
        value = mail.header(name)
        if value is not None and value.strip().lower() not in ("no", "false", "0"):
            return "auto_reply"
    if (mail.header("precedence") or "").strip().lower() in ("auto_reply", "bulk", "junk"):
        return "auto_reply"
    return None


# --- the adapter -----------------------------------------------------------------------------------


def _to_outcomes(mail: _Mail) -> list[Outcome]:
    message_id = next(iter(_message_ids(mail.header("message-id"))), None)
    reason = _ignore_reason(mail)
    if reason:
        return [Ignored(reason=reason, external_id=message_id)]
    if not mail.from_addr:
        raise AdapterError("the email has no From address")

    title = clean_subject(mail.subject)[:TITLE_MAX] or None
    description = mail.new_text or mail.text or title or ""
    if not description and mail.attachments:
        description = "(lampiran tanpa teks)"
    if not description:
        raise AdapterError("the email has no subject, no text and no attachment")

    if message_id is None:
        digest = hashlib.sha256(
            "\x00".join([mail.from_addr, mail.header("date") or "", mail.subject, mail.text]).encode()
        ).hexdigest()
        message_id = f"sha256:{digest[:40]}"
        thread_keys: list[str] = []
    else:
        thread_keys = [message_id]

    refs: list[str] = []
    for ref in _message_ids(mail.header("in-reply-to")) + list(
        reversed(_message_ids(mail.header("references")))
    ):
        if ref not in refs and ref != message_id:
            refs.append(ref)

    reporter = ReporterDraft(name=mail.from_name, email=mail.from_addr.lower())
    metadata: dict[str, Any] = {
        "source": mail.source,
        "message_id": message_id,
        "from": mail.header("from") or mail.from_addr,
        "to": mail.header("to"),
        "cc": mail.header("cc"),
        "subject": mail.subject,
        "date": mail.header("date"),
        "in_reply_to": mail.header("in-reply-to"),
        "references": mail.header("references"),
    }
    if mail.recipient:
        metadata["recipient"] = mail.recipient
    if mail.envelope_sender:
        metadata["envelope_sender"] = mail.envelope_sender
    metadata.update(mail.extra)
    metadata = {k: v for k, v in metadata.items() if v is not None}

    draft = ComplaintDraft(
        channel=CHANNEL,
        external_id=message_id,
        description=description,
        title=title,
        attachments=list(mail.attachments),
        metadata=metadata,
        reporter=reporter,
        received_at=mail.received_at,
        thread_keys=list(thread_keys),
    )
    ticket = find_ticket_code(mail.subject) or find_ticket_code(mail.text)
    if ticket or refs:
        return [
            FollowUp(
                channel=CHANNEL,
                external_id=message_id,
                text=description,
                ticket=ticket,
                thread_refs=refs,
                reporter=reporter,
                attachments=list(mail.attachments),
                received_at=mail.received_at,
                metadata=dict(metadata),
                thread_keys=list(thread_keys),
                fallback=draft,
            )
        ]
    return [draft]


class EmailAdapter:
    code = CHANNEL

    def parse(self, delivery: Delivery) -> list[Outcome]:
        try:
            return _to_outcomes(self._read(delivery))
        except AdapterError:
            raise
        except Exception as exc:  # a malformed message must never escape as a 500
            raise AdapterError(f"unreadable email: {exc.__class__.__name__}: {exc}") from exc

    @staticmethod
    def _read(delivery: Delivery) -> _Mail:
        ctype = (delivery.content_type or "").split(";")[0].strip().lower()
        if ctype == "message/rfc822":
            if not delivery.body.strip():
                raise AdapterError("empty message/rfc822 body")
            return _from_mime(delivery.body, "mime")
        form = dict(delivery.form)
        if not form and ctype == "application/x-www-form-urlencoded" and delivery.body:
            form = dict(parse_qsl(delivery.body.decode("utf-8", "replace"), keep_blank_values=True))
        if not form:
            raise AdapterError(f"unsupported email delivery (content type {ctype or 'missing'})")
        if form.get("body-mime"):
            mail = _from_mime(form["body-mime"], "mailgun_mime")
        else:
            mail = _from_mailgun(delivery, form)
        mail.envelope_sender = form.get("sender")
        mail.recipient = form.get("recipient")
        return mail


ADAPTER = EmailAdapter()
