"""X (Twitter): a public reply to the citizen's post, or a direct message.

Documentation followed:

- X API v2 "Create or Edit Post", ``POST /2/tweets`` (docs.x.com/x-api/posts/creation-of-a-post and
  the Manage Posts quickstart): JSON ``{"text": ..., "reply": {"in_reply_to_tweet_id": ...}}``;
  the answer is ``{"data": {"id": ..., "text": ...}}``.
- X API v2 ``POST /2/dm_conversations/with/:participant_id/messages``
  (developer.x.com/en/docs/x-api/direct-messages/manage/api-reference/
  post-dm_conversations-with-participant_id-messages): JSON ``{"text": ...}``; text messages
  support up to 10,000 characters; the answer is
  ``{"data": {"dm_conversation_id": ..., "dm_event_id": ...}}``.
- Authentication: OAuth 2.0 user context (``Authorization: Bearer <user access token>``), or
  OAuth 1.0a user context, both listed for these endpoints. OAuth 1.0a follows X's "Creating a
  signature" and "Authorizing a request" (docs.x.com/fundamentals/authentication/oauth-1-0a/)
  and RFC 5849 sections 3.4-3.6: parameters from the query and a form body (never a JSON body)
  plus the ``oauth_*`` ones, percent-encoded per RFC 3986, sorted, joined; the base string is
  ``METHOD&enc(base URL)&enc(parameter string)``; the key ``enc(consumer secret)&enc(token
  secret)``; the signature base64(HMAC-SHA1).
- "Counting characters" (docs.x.com/fundamentals/counting-characters) and twitter-text's
  ``config/v3.json``: a post weighs at most 280; code points in 0-4351, 8192-8205, 8208-8223
  and 8242-8247 weigh 1, any other 2; an emoji weighs 2 however many code points make it
  (``emojiParsingEnabled``); every URL weighs 23 (``transformedURLLength``); the text is counted
  after NFC normalization.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from app.core.config import secret_value
from app.outbound.senders.base import (
    Message,
    NotConfigured,
    Receipt,
    SendContext,
    SendError,
    check_response,
    post,
)

MAX_TWEET_WEIGHT = 280
MAX_DM_CHARS = 10_000
URL_WEIGHT = 23
DEFAULT_WEIGHT = 2
# twitter-text config v3 "ranges" (weight 100 of scale 100: one character).
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))

# ---------------------------------------------------------------------------- weighted length

# Every URL twitter-text would link weighs 23. Its extractor is larger than this; this takes
# what a rendered reply carries: http(s):// and www. links, and bare domains under the common
# generic TLDs and Indonesia's (``lapor.go.id``). An e-mail address is not a URL, and, as in
# twitter-text, neither is a bare one-label country-code domain without a path (``no.id``).
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]+"
    r"|(?<![@\w.\-/])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:com|net|org|info|biz|id|io|co|me|app|dev|gov|edu|ly)\b(?:/[^\s<>\"]*)?",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?'\")]}"

_ZWJ = 0x200D
_VS15, _VS16 = 0xFE0E, 0xFE0F
_KEYCAP = 0x20E3
_KEYCAP_BASES = frozenset(map(ord, "0123456789#*"))
_REGIONAL = (0x1F1E6, 0x1F1FF)
_SKIN_TONES = (0x1F3FB, 0x1F3FF)
_TAGS = (0xE0020, 0xE007F)
# Code points that begin an emoji (an approximation of Unicode's Extended_Pictographic).
_PICTOGRAPHIC = (
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x21AA),
    (0x231A, 0x23FF),
    (0x24C2, 0x24C2),
    (0x25AA, 0x25FE),
    (0x2600, 0x27BF),
    (0x2934, 0x2935),
    (0x2B05, 0x2B55),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3297),
    (0x3299, 0x3299),
    (0x1F000, 0x1FAFF),
)


def _within(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def _code_point_weight(cp: int) -> int:
    return 1 if _within(cp, _LIGHT_RANGES) else DEFAULT_WEIGHT


def _emoji_end(cps: list[int], i: int) -> int:
    """The end (exclusive) of the emoji sequence that starts at ``i``, or ``i`` if none does."""
    n = len(cps)
    cp = cps[i]
    # Keycap: digit, # or * (VS16 optional) and U+20E3.
    if cp in _KEYCAP_BASES:
        j = i + 1 + (i + 1 < n and cps[i + 1] == _VS16)
        return j + 1 if j < n and cps[j] == _KEYCAP else i
    # Flag: two regional indicators.
    if _REGIONAL[0] <= cp <= _REGIONAL[1]:
        return i + 2 if i + 1 < n and _REGIONAL[0] <= cps[i + 1] <= _REGIONAL[1] else i + 1
    # (c) and (R) are emoji only with the emoji presentation selector.
    if cp in (0xA9, 0xAE):
        return i + 2 if i + 1 < n and cps[i + 1] == _VS16 else i
    if not _within(cp, _PICTOGRAPHIC):
        return i
    j = i + 1
    while True:
        if j < n and cps[j] in (_VS15, _VS16):
            j += 1
        if j < n and _SKIN_TONES[0] <= cps[j] <= _SKIN_TONES[1]:
            j += 1
        while j < n and _TAGS[0] <= cps[j] <= _TAGS[1]:  # subdivision flags end with U+E007F
            j += 1
        if j + 1 < n and cps[j] == _ZWJ and _within(cps[j + 1], _PICTOGRAPHIC):
            j += 2
            continue
        return j


def _weigh_plain(text: str) -> int:
    cps = [ord(c) for c in text]
    total = 0
    i = 0
    while i < len(cps):
        end = _emoji_end(cps, i)
        if end > i:
            total += DEFAULT_WEIGHT
            i = end
        else:
            total += _code_point_weight(cps[i])
            i += 1
    return total


def _is_link(url: str) -> bool:
    lowered = url.lower()
    if lowered.startswith(("http://", "https://", "www.")):
        return lowered not in ("http://", "https://", "www.")
    host, slash, _path = url.partition("/")
    labels = host.split(".")
    return bool(slash) or not (len(labels) == 2 and len(labels[-1]) == 2)


def weighted_length(text: str) -> int:
    """A post's length as X counts it (twitter-text config v3): NFC, each URL 23, each emoji 2,
    code points in the light ranges 1, any other 2."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    pos = 0
    for match in _URL.finditer(text):
        url = match.group().rstrip(_URL_TRAILING)
        if not _is_link(url):
            continue
        total += _weigh_plain(text[pos : match.start()]) + URL_WEIGHT
        pos = match.start() + len(url)
    return total + _weigh_plain(text[pos:])


# ---------------------------------------------------------------------------------- OAuth 1.0a


def percent_encode(value: str) -> str:
    """RFC 3986 section 2.1 as RFC 5849 section 3.6 wants it: UTF-8, every byte but the
    unreserved ``A-Z a-z 0-9 - . _ ~`` as ``%XX`` (upper-case hex)."""
    return quote(value, safe="-._~")


def _base_string_uri(url: httpx.URL) -> str:
    """RFC 5849 section 3.4.1.2: scheme and host lower-case, the port only when not the
    scheme's default, the path, no query or fragment."""
    host = url.host.lower()
    netloc = f"{host}:{url.port}" if url.port is not None else host
    return f"{url.scheme.lower()}://{netloc}{url.path or '/'}"


def oauth1_signature(
    method: str,
    url: str,
    params: Mapping[str, str],
    consumer_secret: str,
    token_secret: str,
) -> str:
    """The HMAC-SHA1 signature of a request (X's "Creating a signature"). ``params`` are the
    ``oauth_*`` parameters (without ``oauth_signature``) and any form-body parameters; the query
    string of ``url`` is collected here."""
    parsed = httpx.URL(url)
    pairs = [(percent_encode(k), percent_encode(v)) for k, v in params.items()]
    pairs += [(percent_encode(k), percent_encode(v)) for k, v in parsed.params.multi_items()]
    parameter_string = "&".join(f"{k}={v}" for k, v in sorted(pairs))
    base = "&".join(
        (method.upper(), percent_encode(_base_string_uri(parsed)), percent_encode(parameter_string))
    )
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def oauth1_header(
    method: str,
    url: str,
    *,
    consumer_key: str,
    consumer_secret: str,
    token: str,
    token_secret: str,
    timestamp: int,
    nonce: str,
) -> str:
    """The ``Authorization: OAuth ...`` value for a request whose body is JSON (so no body
    parameter is signed), as X's "Authorizing a request" builds it."""
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce,
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(timestamp),
        "oauth_token": token,
        "oauth_version": "1.0",
    }
    oauth["oauth_signature"] = oauth1_signature(method, url, oauth, consumer_secret, token_secret)
    return "OAuth " + ", ".join(
        f'{percent_encode(k)}="{percent_encode(v)}"' for k, v in sorted(oauth.items())
    )


# -------------------------------------------------------------------------------------- sender


class XSender:
    platform = "x"

    async def send(self, message: Message, ctx: SendContext) -> Receipt:
        settings = ctx.settings
        base = str(settings.x_api_base).rstrip("/")
        reply_to = message.to.get("in_reply_to_tweet_id")
        participant = message.to.get("participant_id")
        if (reply_to or participant) and not message.text.strip():
            raise SendError("x: empty text", retryable=False)
        if reply_to:
            weight = weighted_length(message.text)
            if weight > MAX_TWEET_WEIGHT:
                raise SendError(f"x post: weighs {weight}, the limit is {MAX_TWEET_WEIGHT}", retryable=False)
            url = f"{base}/2/tweets"
            payload: dict[str, Any] = {
                "text": message.text,
                "reply": {"in_reply_to_tweet_id": str(reply_to)},
            }
        elif participant:
            if len(message.text) > MAX_DM_CHARS:
                raise SendError(
                    f"x DM: {len(message.text)} characters, the limit is {MAX_DM_CHARS}",
                    retryable=False,
                )
            url = f"{base}/2/dm_conversations/with/{quote(str(participant), safe='')}/messages"
            payload = {"text": message.text}
        else:
            raise SendError("x: no in_reply_to_tweet_id or participant_id to send to", retryable=False)

        headers = {"Authorization": self._authorization(message, settings, url)}
        response = await post(ctx, url, json=payload, headers=headers)
        check_response(response)
        data = _data(response)
        if reply_to:
            tweet_id = _str_or_none(data.get("id"))
            return Receipt(
                provider_id=tweet_id,
                status_code=response.status_code,
                detail=response.text[:300],
                thread_keys=[tweet_id] if tweet_id else [],
            )
        return Receipt(
            provider_id=_str_or_none(data.get("dm_event_id")),
            status_code=response.status_code,
            detail=response.text[:300],
        )

    @staticmethod
    def _authorization(message: Message, settings: Any, url: str) -> str:
        bearer = secret_value(settings.x_user_access_token)
        if bearer:
            return f"Bearer {bearer}"
        consumer_key = settings.twitter_consumer_key
        consumer_secret = secret_value(settings.twitter_consumer_secret)
        token = settings.x_access_token
        token_secret = secret_value(settings.x_access_token_secret)
        if not (consumer_key and consumer_secret and token and token_secret):
            if token and not token_secret and not consumer_key:
                # An access token alone (no OAuth 1.0a half) is an OAuth 2.0 user-context token
                # under the other name.
                return f"Bearer {token}"
            raise NotConfigured(
                "x: set ADUAN_X_USER_ACCESS_TOKEN, or ADUAN_TWITTER_CONSUMER_KEY, "
                "ADUAN_TWITTER_CONSUMER_SECRET, ADUAN_X_ACCESS_TOKEN and ADUAN_X_ACCESS_TOKEN_SECRET"
            )
        return oauth1_header(
            "POST",
            url,
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            token=token,
            token_secret=token_secret,
            timestamp=int(message.now.timestamp()),
            nonce=secrets.token_hex(16),
        )


def _data(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else {}


def _str_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
