"""Short-lived signed links to the attachments of secret and anonymous complaints.

A photo of a secret complaint (misconduct, a reporter's house) must not be
fetchable by anyone who learns its URL, yet officers' browsers load it with a
plain ``<img src>`` that carries no API key.  Such views therefore hand out
``/v1/media/<name>?expires=<unix>&sig=<hex>``: an HMAC-SHA256 over the path and
the expiry, valid for ``ADUAN_MEDIA_LINK_TTL`` seconds (900 by default).  A
file attached to at least one public complaint needs no signature.

The key: ``ADUAN_SECRET_KEY`` when set; otherwise one random key is made on the
first start and kept in ``service_secrets``, so every process of the service
signs and verifies alike and links survive a restart.  Links are bound to the
path only (not to a user): whoever holds a fresh link may use it until it
expires, like any capability URL, which is why the lifetime is short.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from typing import Any

from pydantic import SecretStr

log = logging.getLogger("aduan.media")

MEDIA_PREFIX = "/v1/media/"
SECRET_NAME = "media_links"
# Domain separation: the configured key may serve other purposes too.
_PURPOSE = b"aduan/media-links/v1"


class MediaSigner:
    def __init__(self, key: bytes, ttl_s: int = 900):
        if not key:
            raise ValueError("empty media link key")
        self._key = hmac.new(key, _PURPOSE, hashlib.sha256).digest()
        self.ttl_s = ttl_s

    def _mac(self, url_path: str, expires: int) -> str:
        return hmac.new(self._key, f"{url_path}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def sign(self, url_path: str, expires_at: int | float | None = None) -> str:
        """``url_path`` with ``?expires=<unix>&sig=<hex>``; ``expires_at`` defaults to now + TTL."""
        expires = int(expires_at if expires_at is not None else time.time() + self.ttl_s)
        return f"{url_path}?expires={expires}&sig={self._mac(url_path, expires)}"

    def verify(
        self, url_path: str, expires: str | None, sig: str | None, *, now: float | None = None
    ) -> bool:
        """True for a link this service signed that has not expired; never raises."""
        if not expires or not sig or len(expires) > 12 or not expires.isdigit() or len(sig) != 64:
            return False
        expected = self._mac(url_path, int(expires))
        if not hmac.compare_digest(expected, sig.lower()):
            return False
        return int(expires) >= (time.time() if now is None else now)


def signed_attachments(
    attachments: list[dict[str, Any]], signer: MediaSigner | None, privacy: str
) -> list[dict[str, Any]]:
    """``attachments`` with every stored file's url signed, unless the complaint is public.

    Only this service's own files (``/v1/media/...``) are signed; links to
    elsewhere are left as they are.  The input is not modified.  Without a
    signer the list comes back unchanged: the files then answer 404, which fails
    closed.
    """
    if privacy == "public" or signer is None or not attachments:
        return attachments
    expires = int(time.time()) + signer.ttl_s
    out: list[dict[str, Any]] = []
    for a in attachments:
        url = a.get("url") if isinstance(a, dict) else None
        if isinstance(url, str) and url.startswith(MEDIA_PREFIX) and "?" not in url:
            a = {**a, "url": signer.sign(url, expires)}
        out.append(a)
    return out


async def load_key(conn: Any, configured: SecretStr | None) -> bytes:
    """The configured key, else the one stored in the database (made on the first start).

    ``INSERT ... ON CONFLICT DO NOTHING`` then a read: processes starting
    together all end up with the key of whichever inserted first.
    """
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value().encode()
    await conn.execute(
        "INSERT INTO service_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        SECRET_NAME,
        secrets.token_bytes(32),
    )
    value = await conn.fetchval("SELECT value FROM service_secrets WHERE name = $1", SECRET_NAME)
    return bytes(value)


def process_local_signer(ttl_s: int) -> MediaSigner:
    """A signer whose links only this process accepts: the fallback when the database is late."""
    log.warning("media links: no shared key (database unavailable at start); links work on this process only")
    return MediaSigner(secrets.token_bytes(32), ttl_s)


# A partial GIN index (revision 0009) answers this without a scan; both predicates of the
# index are repeated so that the planner may use it.
_PUBLIC_SQL = """
SELECT EXISTS (
  SELECT 1 FROM complaints
   WHERE privacy = 'public' AND attachments <> '[]'::jsonb AND attachments @> $1::jsonb)
"""


async def is_public_file(conn: Any, url_path: str) -> bool:
    """True when a public complaint holds the file at ``url_path`` among its attachments."""
    return bool(await conn.fetchval(_PUBLIC_SQL, json.dumps([{"url": url_path}])))
