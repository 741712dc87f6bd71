"""Signers for the golden cases of the email (Mailgun), Twilio, SMS-aggregator and LAPOR! channels.

Each signer follows the platform's documentation with plain ``hmac``/``hashlib``
and shares no code with the verifiers in ``app.channels.adapters``, so a wrong
verifier cannot agree with a wrong signer.

``sign(request, secret_env) -> headers`` returns the headers to add, except
Mailgun: Mailgun puts its signature in the form itself (fields ``timestamp``,
``token``, ``signature``), so ``sign_mailgun`` writes those three fields into
``request["form"]`` in place (timestamp = now, a fresh 50-character token per
call, as Mailgun does per POST) and returns no headers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlencode


def body_bytes(request: dict) -> bytes:
    """The exact bytes the harness sends for ``request`` (json / form without files / body)."""
    if "json" in request:
        return json.dumps(request["json"], ensure_ascii=False, separators=(",", ":")).encode()
    if "form" in request:
        if request.get("files"):
            raise ValueError("a multipart body is built by the HTTP client; it cannot be signed by its bytes")
        return urlencode(request["form"]).encode()
    if "body" in request:
        body = request["body"]
        return body.encode() if isinstance(body, str) else bytes(body)
    return b""


def _full_url(request: dict, secret_env: dict[str, str]) -> str:
    url = secret_env["ADUAN_PUBLIC_BASE_URL"].rstrip("/") + request["path"]
    if request.get("query"):
        url += "?" + urlencode(request["query"])
    return url


def sign_mailgun(request: dict, secret_env: dict[str, str]) -> dict[str, str]:
    """Mailgun routes: hex HMAC-SHA256(signing key, timestamp + token), posted as form fields."""
    form = request.get("form")
    if form is None:
        raise ValueError("Mailgun signs form posts only")
    timestamp = str(int(time.time()))
    token = secrets.token_hex(25)
    key = secret_env["ADUAN_MAILGUN_SIGNING_KEY"].encode()
    form["timestamp"] = timestamp
    form["token"] = token
    form["signature"] = hmac.new(key, f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {}


def sign_twilio(request: dict, secret_env: dict[str, str]) -> dict[str, str]:
    """Twilio: base64 HMAC-SHA1(auth token, URL + name1 + value1 + name2 + value2 ... sorted by name)."""
    data = _full_url(request, secret_env)
    for name in sorted(request.get("form", {})):
        data += name + str(request["form"][name])
    key = secret_env["ADUAN_TWILIO_AUTH_TOKEN"].encode()
    digest = hmac.new(key, data.encode("utf-8"), hashlib.sha1).digest()
    return {"X-Twilio-Signature": base64.b64encode(digest).decode("ascii")}


def sign_sms_gateway(request: dict, secret_env: dict[str, str]) -> dict[str, str]:
    key = secret_env["ADUAN_SMS_GATEWAY_SECRET"].encode()
    return {"X-Signature": "sha256=" + hmac.new(key, body_bytes(request), hashlib.sha256).hexdigest()}


def sign_lapor(request: dict, secret_env: dict[str, str]) -> dict[str, str]:
    key = secret_env["ADUAN_LAPOR_SECRET"].encode()
    return {"X-Lapor-Signature": "sha256=" + hmac.new(key, body_bytes(request), hashlib.sha256).hexdigest()}


# Keyed by the payload directory name under tests/channels/payloads/.
SIGNERS = {
    "email": sign_mailgun,
    "twilio": sign_twilio,
    "sms_gateway": sign_sms_gateway,
    "lapor": sign_lapor,
}
