"""Merged complaints follow the surviving one: once an officer merges a complaint into another
(status ``duplicate`` with ``duplicate_of``), its reporter hears the survivor's news on their own
channel, each message under their own complaint, once."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from tests.conftest import CHANNEL_SECRETS
from tests.helpers import transition
from tests.outbound.fakes import FakePlatform


async def text_in(client: httpx.AsyncClient, phone: str, msg_id: str, text: str) -> str:
    body = json.dumps({"id": msg_id, "msisdn": phone, "to": "08111272206", "text": text}).encode()
    sig = hmac.new(CHANNEL_SECRETS["ADUAN_SMS_GATEWAY_SECRET"].encode(), body, hashlib.sha256).hexdigest()
    r = await client.post(
        "/v1/channels/sms/inbound",
        content=body,
        headers={"content-type": "application/json", "x-signature": f"sha256={sig}"},
    )
    assert r.status_code == 201, r.text
    ticket: str = r.json()["outcomes"][0]["ticket"]
    return ticket


def texts_to(fake: FakePlatform, phone: str) -> list[str]:
    return [
        r.json()["text"] for r in fake.requests if r.path == "/sms/send" and r.json()["to"] == "+" + phone
    ]


async def test_merged_reporters_hear_the_survivors_news(
    client, admin, dispatch, fake_platform: FakePlatform, db
):
    first, second, third = "6281311110001", "6281311110002", "6281311110003"
    survivor = await text_in(client, first, "MO-1", "Jalan berlubang besar di Jl. Cikini Raya depan halte.")
    merged = await text_in(client, second, "MO-2", "Lubang di jalan Cikini Raya dekat halte bus, bahaya.")
    other = await text_in(client, third, "MO-3", "Lampu jalan mati di Jl. Kenari.")
    ids = {
        t: await db.fetchval("SELECT id FROM complaints WHERE ticket = $1", t)
        for t in (survivor, merged, other)
    }
    await dispatch()
    assert [len(texts_to(fake_platform, p)) for p in (first, second, third)] == [1, 1, 1]  # the tickets

    r = await transition(
        client, str(ids[merged]), {"status": "duplicate", "duplicate_of": str(ids[survivor])}, admin
    )
    assert r.status_code == 200, r.text
    await dispatch()
    told_merge = texts_to(fake_platform, second)
    assert len(told_merge) == 2  # told that it was merged

    for status in ("in_progress", "pending_validation", "resolved"):
        r = await transition(
            client, str(ids[survivor]), {"status": status, "note": "catatan internal"}, admin
        )
        assert r.status_code == 200, r.text
    await dispatch()
    await dispatch()  # a second run sends nothing twice
    to_first, to_second = texts_to(fake_platform, first), texts_to(fake_platform, second)
    # Both hear in_progress and resolved (pending_validation is internal); the follower's name the
    # survivor's ticket; nobody else hears anything; no internal note anywhere.
    assert len(to_first) == 3 and len(to_second) == 4, (to_first, to_second)
    assert all(survivor in t for t in to_second[2:])
    assert texts_to(fake_platform, third) == texts_to(fake_platform, third)[:1]
    assert all("catatan internal" not in t for t in to_first + to_second)
    # The follower's messages are listed under the follower's own complaint.
    rows = await db.fetch(
        "SELECT complaint_id, event_id FROM outbound_messages WHERE recipient ->> 'phone' = $1 ORDER BY seq",
        "+" + second,
    )
    assert {r["complaint_id"] for r in rows} == {ids[merged]}
    survivor_events = {
        e for (e,) in await db.fetch("SELECT id FROM complaint_events WHERE complaint_id = $1", ids[survivor])
    }
    assert sum(1 for r in rows if r["event_id"] in survivor_events) == 2
