"""Concatenated SMS: parts in any order, joined once; an incomplete set is not lost."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from tests.conftest import CHANNEL_SECRETS


def _part(seq: int, total: int, text: str, ref: int = 7) -> dict:
    return {
        "id": f"MO-20260301-{ref}-{seq}",
        "msisdn": "6281311110000",
        "to": "08111272206",
        "operator": "TELKOMSEL",
        "text": text,
        "encoding": "GSM7",
        "received_at": "2026-03-01 10:12:40",
        "concat": {"ref": ref, "total": total, "seq": seq},
    }


async def _send(client, payload: dict):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    sig = (
        "sha256="
        + hmac.new(CHANNEL_SECRETS["ADUAN_SMS_GATEWAY_SECRET"].encode(), body, hashlib.sha256).hexdigest()
    )
    return await client.post(
        "/v1/channels/sms/inbound",
        content=body,
        headers={"content-type": "application/json", "x-signature": sig},
    )


async def test_last_two_parts_arriving_together_join_once(client, db):
    parts = [
        _part(1, 3, "Lampu PJU di Jl. Cikini Raya"),
        _part(2, 3, "mati sejak tiga hari,"),
        _part(3, 3, "mohon segera diperbaiki."),
    ]
    first = await _send(client, parts[1])
    assert first.status_code == 202 and first.json()["outcomes"][0]["action"] == "buffered"
    answers = await asyncio.gather(_send(client, parts[2]), _send(client, parts[0]))
    # one of the two racing parts completes the set (201), the other was only kept (202)
    assert sorted(r.status_code for r in answers) == [201, 202]
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1
    text = await db.fetchval("SELECT description FROM complaints")
    assert text.startswith("Lampu PJU di Jl. Cikini Raya") and text.endswith("mohon segera diperbaiki.")
    assert "mati sejak tiga hari," in text


async def test_incomplete_set_becomes_a_complaint_after_the_timeout_and_a_late_part_is_added(client, app, db):
    assert (
        await _send(client, _part(1, 2, "Banjir setinggi lutut di Kampung Melayu", ref=9))
    ).status_code == 202
    assert await app.state.pipeline.flush_stale_fragments(datetime.now(UTC)) == []  # not yet
    flushed = await app.state.pipeline.flush_stale_fragments(datetime.now(UTC) + timedelta(minutes=11))
    assert [r["action"] for r in flushed] == ["created"]
    row = await db.fetchrow("SELECT id, description, metadata FROM complaints")
    assert "Kampung Melayu" in row["description"] and json.loads(row["metadata"])["incomplete"] is True
    late = await _send(client, _part(2, 2, "mohon pompa air dikirim", ref=9))
    assert late.status_code == 200 and late.json()["outcomes"][0]["action"] == "followed_up"
    note = await db.fetchval("SELECT note FROM complaint_events WHERE kind = 'follow_up'")
    assert note == "mohon pompa air dikirim"
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1
