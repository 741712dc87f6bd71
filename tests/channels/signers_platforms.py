"""Signers for the golden cases of X, Facebook, Instagram and WhatsApp.

Written from the platforms' documentation with plain ``hmac``/``hashlib``, and
deliberately without importing the adapters, so a wrong verifier cannot pass
against a signer that shares its mistake.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse


def body_bytes(request: dict) -> bytes:
    """The exact bytes the harness sends for a golden ``request``."""
    if "json" in request:
        return json.dumps(request["json"], ensure_ascii=False, separators=(",", ":")).encode()
    if "body" in request:
        body = request["body"]
        return body.encode() if isinstance(body, str) else bytes(body)
    if "form" in request:
        return urllib.parse.urlencode(request["form"]).encode()
    return b""


def sign_twitter(request: dict, secret_env: dict[str, str]) -> dict[str, str]:
    # X: "sha256=" + base64(HMAC-SHA256(consumer secret, raw body)).
    key = secret_env["ADUAN_TWITTER_CONSUMER_SECRET"].encode()
    digest = hmac.new(key, body_bytes(request), hashlib.sha256).digest()
    return {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()}


def _meta_signer(secret_var: str):
    def sign(request: dict, secret_env: dict[str, str]) -> dict[str, str]:
        # Meta: "sha256=" + hex(HMAC-SHA256(app secret, raw body)).
        key = secret_env[secret_var].encode()
        return {
            "x-hub-signature-256": "sha256=" + hmac.new(key, body_bytes(request), hashlib.sha256).hexdigest()
        }

    sign.__name__ = f"sign_{secret_var.lower()}"
    return sign


sign_facebook = _meta_signer("ADUAN_FACEBOOK_APP_SECRET")
sign_instagram = _meta_signer("ADUAN_INSTAGRAM_APP_SECRET")
sign_whatsapp = _meta_signer("ADUAN_WHATSAPP_APP_SECRET")

SIGNERS = {
    "twitter": sign_twitter,
    "facebook": sign_facebook,
    "governor_social": sign_instagram,
    "whatsapp": sign_whatsapp,
}
