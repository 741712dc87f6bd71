"""What the Meta senders (facebook, instagram, whatsapp) share: Graph URLs, the page token's
``appsecret_proof``, Graph's error answers and the 24-hour window.

Documentation followed:

- Graph API, "Securing Requests" (developers.facebook.com/docs/graph-api/guides/secure-requests):
  ``appsecret_proof`` is the hex HMAC-SHA256 of the access token keyed with the app secret, sent
  as a parameter of the call.
- Graph API, "Handling Errors" (developers.facebook.com/docs/graph-api/guides/error-handling):
  the answer's ``error.code``; 1 and 2 are temporary (downtime), 4, 17, 32, 341 and 613 are
  throttling ("wait and retry the operation"), whatever the HTTP status they come with.
- WhatsApp Cloud API error codes: 130429 (rate limit hit) and 131056 (pair rate limit) are
  throttling too.
- Messenger Platform policy ("Standard Messaging": a business has 24 hours to answer a person's
  message) and WhatsApp's customer service window (24 hours from the person's last message):
  ``in_customer_window``.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from app.outbound.senders.base import Message, Receipt, SendError, check_response

CUSTOMER_WINDOW = timedelta(hours=24)

# Graph error codes whose recovery is "wait and retry" (see the module docstring).
RETRYABLE_GRAPH_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 130429, 131056})


def graph_url(settings: Any, *segments: str) -> str:
    """``{graph_api_base}/{graph_api_version}/{segments...}``, each id percent-encoded as one
    path segment (an id can never reach another path)."""
    base = str(settings.graph_api_base).rstrip("/")
    version = str(settings.graph_api_version or "").strip("/")
    parts = [quote(str(s), safe="") for s in segments]
    return "/".join([base, *([version] if version else []), *parts])


def appsecret_proof(app_secret: str, access_token: str) -> str:
    """Hex HMAC-SHA256 of the access token, keyed with the app secret."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def auth(access_token: str, app_secret: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and query parameters of a Graph call: the token as ``Authorization: Bearer``
    (Graph reads it there as well as from ``access_token``; a header keeps it out of URLs and
    access logs) and, when the app secret is known, ``appsecret_proof``."""
    headers = {"Authorization": f"Bearer {access_token}"}
    params = {"appsecret_proof": appsecret_proof(app_secret, access_token)} if app_secret else {}
    return headers, params


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 instant (a ``datetime`` passes as is); naive means UTC. None if unreadable."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def in_customer_window(message: Message, window: timedelta = CUSTOMER_WINDOW) -> bool:
    """Whether the person's last message (``extra["last_inbound_at"]``) is less than ``window``
    before ``message.now``. Unknown or unreadable: outside (the safe side: a tag or a template
    is accepted either way, a free-form message outside the window is not)."""
    last = parse_time(message.extra.get("last_inbound_at"))
    if last is None:
        return False
    now = message.now if message.now.tzinfo else message.now.replace(tzinfo=UTC)
    return now - last < window


def check_graph_response(response: httpx.Response) -> None:
    """``check_response``, plus Graph's own word: an error whose code is throttling or
    downtime, or that says ``is_transient``, may succeed later even when it came as a 4xx."""
    try:
        check_response(response)
    except SendError as exc:
        if exc.retryable:
            raise
        error = _graph_error(response)
        code = error.get("code")
        if error.get("is_transient") is True or (isinstance(code, int) and code in RETRYABLE_GRAPH_CODES):
            raise SendError(exc.detail, retryable=True, status_code=exc.status_code) from None
        raise


def _graph_error(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def json_body(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or ``{}`` (an accepted call whose body is not JSON)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def receipt(response: httpx.Response, provider_id: Any) -> Receipt:
    """The receipt of an accepted call: the platform's id of what it created (or None) and its
    answer, shortened."""
    return Receipt(
        provider_id=str(provider_id) if provider_id not in (None, "") else None,
        status_code=response.status_code,
        detail=response.text[:300],
    )


def require_text(text: str, limit: int, what: str) -> None:
    """Refuse an empty text or one over ``limit`` characters before anything is sent."""
    if not text.strip():
        raise SendError(f"{what}: empty text", retryable=False)
    if len(text) > limit:
        raise SendError(f"{what}: {len(text)} characters, the limit is {limit}", retryable=False)
