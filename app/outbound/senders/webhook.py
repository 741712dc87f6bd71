"""Partner webhooks, delivered per the Standard Webhooks specification (version 1.0.0,
https://www.standardwebhooks.com/, ``spec/standard-webhooks.md``).

One delivery attempt is ``POST <url>`` with the exact JSON text the dispatcher built
(``{"type", "timestamp", "data"}``, the spec's recommended "Payload structure") and the
spec's three headers ("Webhook headers"):

- ``webhook-id``: ``Message.id``, the same on every retry of one event, so that the receiver
  can use it as an idempotency key. The spec warns that the id must not contain ``.`` (the
  signed content is dot-delimited), so such an id is refused.
- ``webhook-timestamp``: integer Unix seconds of this attempt (``Message.now``, the
  dispatcher's clock), which receivers compare with their own to refuse replays.
- ``webhook-signature``: ``v1,`` + base64 of HMAC-SHA256 over ``{id}.{timestamp}.{body}``
  ("Signature scheme", symmetric), keyed with the base64-decoded part of the ``whsec_``
  secret. The body signed is byte for byte the body sent.

The spec's "Delivery success and failure": a 2xx is success, anything else a failure, and
failures are retried with backoff (our contract: "A receiver answering non-2xx or timing out
gets the same webhook-id again"). So every non-2xx, timeout and transport error is a
``SendError(retryable=True)``, including:

- 3xx: not followed ("Following redirects causes unnecessary load ... it's therefore
  recommended to update the webhook URL instead"), and a redirect would lead to a URL the
  SSRF guard never saw. Counted as a failure and retried like any non-2xx, so a receiver that
  fixes its URL or stops redirecting gets the event; the ``Location`` is kept in the detail so
  the partner can see what to fix.
- 410 Gone and 429: retried too; disabling an endpoint that answers 410 (the spec's advice) is
  the subscription's business, not one attempt's. ``Retry-After`` is kept in the detail.

Non-retryable (``retryable=False``): a URL the SSRF guard refuses (``app.outbound.ssrf``,
unless ``ADUAN_WEBHOOK_ALLOW_PRIVATE_URLS``), and a message that can never be sent (no URL,
a malformed secret, no body, an id with a dot). A host that does not resolve is retryable:
DNS failures are often temporary, and every attempt re-checks the answer anyway.

Against DNS rebinding the sender connects to an address the guard approved at this very
attempt (the URL's host replaced by the IP, ``Host`` header and TLS SNI/certificate check
still on the name). An HTTPS request asks for ``Connection: close`` because the client's pool
keys connections by IP: a TLS connection negotiated for one partner's name must not be
reused for another partner behind the same IP. Only the first 1 KiB of the receiver's answer
is read (it goes to the attempt's record), with ``accept-encoding: identity``, so a hostile
receiver cannot make us download or inflate a large body.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import secrets
from datetime import UTC
from ipaddress import IPv6Address
from typing import Any

import httpx

from app.outbound.senders.base import Message, Receipt, SendContext, SendError
from app.outbound.ssrf import DoesNotResolve, UnsafeUrl, resolve_url

SECRET_PREFIX = "whsec_"
# The spec's "Signing secret" for HMAC-SHA256: "Random. At least 24 bytes (192 bits, 512
# maximum)". 32 bytes: SHA-256's output length, RFC 2104's recommended minimum for an HMAC key.
SECRET_BYTES = 32
_MIN_KEY_BYTES = 24
_MAX_KEY_BYTES = 64
_EXCERPT_BYTES = 1024


def new_secret() -> str:
    """A fresh signing secret, serialized as the spec says: ``whsec_`` + base64 (of 32 random
    bytes). Shown to the partner once, at subscription."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        # Unpadded base64 is accepted too (the reference libraries add the padding).
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is whsec_ followed by base64") from None
    if not _MIN_KEY_BYTES <= len(key) <= _MAX_KEY_BYTES:
        raise ValueError(f"a webhook secret's key is {_MIN_KEY_BYTES} to {_MAX_KEY_BYTES} bytes")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: str | bytes) -> str:
    """The ``webhook-signature`` value: ``v1,`` + base64(HMAC-SHA256(key, f"{msg_id}.{timestamp}.{body}"))
    where key is the base64-decoded part of ``secret`` after ``whsec_``.

    A str body is signed as its UTF-8 bytes, which must be the bytes sent. Raises
    ``ValueError`` for a malformed secret or an id that is not visible ASCII without ``.``.
    """
    # The spec: the id must not contain "." (the signed content is dot-delimited). It is also a
    # header value, so visible ASCII only.
    if not msg_id or "." in msg_id or not all("!" <= c <= "~" for c in msg_id):
        raise ValueError("a webhook id is visible ASCII without '.'")
    payload = body.encode("utf-8") if isinstance(body, str) else body
    to_sign = f"{msg_id}.{timestamp}.".encode() + payload
    digest = hmac.new(_key(secret), to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def _field(message: Message, value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise SendError(f"webhook message {message.id}: no {what}", retryable=False)
    return value


async def _excerpt(response: httpx.Response) -> str:
    data = b""
    if response.is_stream_consumed:  # a transport that reads eagerly (httpx.MockTransport)
        data = response.content
    else:
        async for chunk in response.aiter_raw():
            data += chunk
            if len(data) >= _EXCERPT_BYTES:
                break
    return data[:_EXCERPT_BYTES].decode("utf-8", errors="replace")[:300]


class WebhookSender:
    platform = "webhook"

    async def send(self, message: Message, ctx: SendContext) -> Receipt:
        url = _field(message, message.to.get("url"), "url")
        secret = _field(message, message.to.get("secret"), "secret")
        body = _field(message, message.extra.get("body"), "body").encode("utf-8")
        now = message.now if message.now.tzinfo is not None else message.now.replace(tzinfo=UTC)
        timestamp = math.floor(now.timestamp())
        try:
            signature = sign(secret, message.id, timestamp, body)
        except ValueError as exc:
            raise SendError(f"cannot sign: {exc}", retryable=False) from None

        allow_private = bool(getattr(ctx.settings, "webhook_allow_private_urls", False))
        try:
            addresses = await resolve_url(url, allow_private=allow_private)
        except DoesNotResolve as exc:
            raise SendError(str(exc), retryable=True) from None
        except UnsafeUrl as exc:
            raise SendError(f"refused URL: {exc}", retryable=False) from None

        parsed = httpx.URL(url)
        headers = {
            "content-type": "application/json",
            "accept-encoding": "identity",
            "webhook-id": message.id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature,
        }
        extensions: dict[str, Any] = {}
        target = parsed
        address = addresses[0]
        if not (isinstance(address, IPv6Address) and address.scope_id):  # a zone cannot be in a URL
            target = parsed.copy_with(host=str(address))
            headers["host"] = parsed.netloc.decode("ascii")
            if parsed.scheme == "https":
                extensions["sni_hostname"] = parsed.raw_host.decode("ascii")
                headers["connection"] = "close"

        request = ctx.http.build_request("POST", target, content=body, headers=headers, extensions=extensions)
        try:
            response = await ctx.http.send(request, stream=True, follow_redirects=False)
            try:
                text = await _excerpt(response)
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            raise SendError(f"timeout: {type(exc).__name__}", retryable=True) from None
        except httpx.HTTPError as exc:
            raise SendError(f"{type(exc).__name__}: {exc}"[:300], retryable=True) from None

        code = response.status_code
        if 200 <= code < 300:
            return Receipt(status_code=code, detail=text or None)
        notes = []
        if 300 <= code < 400:
            notes.append(f"redirect to {response.headers.get('location', '?')[:200]} not followed")
        if "retry-after" in response.headers:
            notes.append(f"retry-after {response.headers['retry-after'][:50]}")
        detail = "; ".join([f"HTTP {code}: {text}" if text else f"HTTP {code}", *notes])
        raise SendError(detail[:500], retryable=True, status_code=code)
