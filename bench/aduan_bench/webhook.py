"""Signed Meta webhook bodies: one pre-signed Page ``feed`` delivery per request."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from pathlib import Path
from typing import Any

from .mix import EXTRA, FIRST_NAMES, LAST_NAMES, NEAR, PHRASES, PLACES

# The signed Meta webhook: one pre-signed body per request (a repeated body is a redelivery).
FACEBOOK_PAGE_ID = "104729418562390"
FACEBOOK_MAX_RPS = 1200  # bodies are generated for this rate over the whole scenario
FACEBOOK_SENDERS = 3000  # distinct citizens posting (people post more than once)


class SignedBodies:
    """Page ``feed`` webhooks signed in Python (wrk's Lua has no HMAC), one per request.

    One line per delivery in a file: ``<hex sha256> <hex sha1> <body>``. Every wrk run takes
    the lines from ``offset`` on, thread k of T every T-th line from k; after the run the
    offset moves past the furthest line any thread reached, so no body is ever sent twice
    (a repeated body is a redelivery, answered 200). A thread that runs out wraps around and
    counts it: those requests are redeliveries and show as errors.
    """

    def __init__(self, path: Path, count: int):
        self.path, self.count = path, count
        self.offset = 0
        self.sent = 0
        self.wrapped = 0
        self.exhausted = False

    def args(self, threads: int) -> list[str]:
        if self.offset >= self.count:
            self.exhausted = True
        return [str(self.path), str(self.offset % self.count), str(threads)]

    def consumed(self, run: dict[str, Any], threads: int) -> None:
        self.offset += threads * run["sent_max"]
        self.sent += run["sent_total"]
        self.wrapped += run["wrapped"]
        if run["wrapped"]:
            self.exhausted = True


def feed_message(rng: random.Random, kelurahan: list[str]) -> str:
    cat = rng.choice([c for c in PHRASES if c is not None])
    where = f"{rng.choice(PLACES)} {rng.choice(NEAR)}"
    if kelurahan and rng.random() < 0.5:
        where += f", Kelurahan {rng.choice(kelurahan)}"
    return f"{rng.choice(PHRASES[cat])} di {where}. {rng.choice(EXTRA)}"


def feed_body(post_no: int, sender: int, message: str, when: int) -> bytes:
    """A Page feed webhook as Meta sends it: one entry, one ``feed`` change, a visitor's status post."""
    first, last = (
        FIRST_NAMES[sender % len(FIRST_NAMES)],
        LAST_NAMES[sender // len(FIRST_NAMES) % len(LAST_NAMES)],
    )
    payload = {
        "entry": [
            {
                "id": FACEBOOK_PAGE_ID,
                "time": when,
                "changes": [
                    {
                        "value": {
                            "from": {
                                "id": str(6_100_000_000_000_000 + sender * 7919),
                                "name": f"{first} {last}",
                            },
                            "message": message,
                            "post_id": f"{FACEBOOK_PAGE_ID}_{post_no}",
                            "created_time": when,
                            "item": "status",
                            "published": 1,
                            "verb": "add",
                        },
                        "field": "feed",
                    }
                ],
            }
        ],
        "object": "page",
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: str, body: bytes) -> tuple[str, str]:
    key = secret.encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest(), hmac.new(key, body, hashlib.sha1).hexdigest()


def write_signed_bodies(path: Path, count: int, secret: str, kelurahan: list[str]) -> SignedBodies:
    rng = random.Random()
    # Post ids are unique within the run by construction and across runs by the random base.
    base = rng.randrange(10**14, 9 * 10**14)
    when = int(time.time())
    with path.open("wb") as f:
        for i in range(count):
            body = feed_body(base + i, rng.randrange(FACEBOOK_SENDERS), feed_message(rng, kelurahan), when)
            s256, s1 = sign(secret, body)
            f.write(f"{s256} {s1} ".encode() + body + b"\n")
    return SignedBodies(path, count)
