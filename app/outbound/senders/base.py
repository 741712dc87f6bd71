"""The one interface every platform sender implements.

A sender turns one rendered ``Message`` into the platform's documented request and reads the
platform's answer. It is pure apart from the I/O its ``send`` is handed: it never touches the
database, the outbox or the clock (``Message.now`` is the dispatcher's time). The dispatcher
(app.outbound.dispatcher) decides what to send, records every attempt and retries; a sender
only says how one attempt went:

- returns a ``Receipt`` (the platform accepted it; ``provider_id`` is the platform's own id of
  what it created: a tweet id, a Graph message id, a Twilio SID, an SMTP Message-ID);
- raises ``SendError(retryable=True)`` for what may succeed later (a timeout, a refused
  connection, 5xx, 429);
- raises ``SendError(retryable=False)`` for what never will (4xx other than 408/429, a
  recipient the platform says does not exist, a sender that is not configured).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx


@dataclass(slots=True)
class Message:
    """One message to one recipient, already rendered (app.outbound.templates).

    ``to`` holds the platform's address of the recipient, by key:

    - x: ``in_reply_to_tweet_id`` (public reply) or ``participant_id`` (DM)
    - facebook: ``comment_id`` (public comment reply), ``psid`` (Messenger), or
      ``private_reply_comment_id`` (Messenger private reply to a comment)
    - instagram: ``comment_id`` (public reply), ``igsid`` (DM) or ``private_reply_comment_id``
    - whatsapp: ``wa_id`` (the phone, digits), ``phone_number_id`` (our business number), and
      ``context_message_id`` (the message answered, optional)
    - twilio: ``phone`` (E.164), ``from`` (our number, optional: the setting's otherwise)
    - sms_gateway: ``phone`` (E.164)
    - email: ``address``, ``name`` (optional), ``in_reply_to`` (a Message-ID without angle
      brackets), ``references`` (list of Message-IDs, oldest first)
    - lapor: ``tracking_id``
    - webhook: ``url``, ``secret`` (``whsec_...``)
    """

    id: str  # the outbound message's id: the idempotency key a platform or receiver may dedupe by
    platform: str
    to: dict[str, Any]
    text: str
    subject: str | None = None  # email
    ticket: str | None = None
    # Platform specifics the dispatcher knows: WhatsApp's ``last_inbound_at`` (ISO 8601) and
    # ``template`` {name, language, parameters}; Messenger's ``last_inbound_at``; LAPOR!'s
    # ``status`` / ``tindak_lanjut`` payload; a webhook's ``body`` (bytes as str) and ``type``.
    extra: dict[str, Any] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(slots=True)
class Receipt:
    provider_id: str | None = None
    status_code: int | None = None
    # What the platform answered, shortened, for the attempt's record (never a secret).
    detail: str | None = None
    # Ids the dispatcher should remember for this complaint (an email's Message-ID, so that
    # the reporter's answer threads back; a tweet id).
    thread_keys: list[str] = field(default_factory=list)


class SendError(Exception):
    def __init__(self, detail: str, *, retryable: bool, status_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retryable = retryable
        self.status_code = status_code


class NotConfigured(SendError):
    """The platform's credentials or base URL are not set: dead at once, not retried."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, retryable=False)


@dataclass(slots=True)
class SendContext:
    """What a sender is handed: an HTTP client (timeouts set by the dispatcher) and the
    settings (``app.core.config.Settings``; typed ``Any`` to keep senders free of the app)."""

    http: httpx.AsyncClient
    settings: Any


class Sender(Protocol):
    platform: str

    async def send(self, message: Message, ctx: SendContext) -> Receipt: ...


def retryable_status(code: int) -> bool:
    """408, 425, 429 and 5xx may succeed later; other 4xx will not."""
    return code in (408, 425, 429) or code >= 500


def check_response(response: httpx.Response) -> None:
    """Raise ``SendError`` for a non-2xx answer (the body, shortened, as detail)."""
    if 200 <= response.status_code < 300:
        return
    raise SendError(
        f"HTTP {response.status_code}: {response.text[:300]}",
        retryable=retryable_status(response.status_code),
        status_code=response.status_code,
    )


async def post(ctx: SendContext, url: str, **kwargs: Any) -> httpx.Response:
    """``ctx.http.post`` with transport failures as retryable ``SendError``s."""
    try:
        return await ctx.http.post(url, **kwargs)
    except httpx.TimeoutException as exc:
        raise SendError(f"timeout: {type(exc).__name__}", retryable=True) from None
    except httpx.HTTPError as exc:
        raise SendError(f"{type(exc).__name__}: {exc}"[:300], retryable=True) from None


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or ``{}`` when it is none (a platform's id is optional)."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def sha256_signature(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256(secret, body)>``: how the SMS aggregator and LAPOR! sign, both
    ways (their inbound verifiers in app/channels/adapters check the same)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
