"""SMS through the aggregator, end to end: the citizen texts, gets the ticket back by SMS, hears
each status change, answers TIDAK (reopened) and BERHENTI (no more messages)."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from tests.conftest import CHANNEL_SECRETS
from tests.helpers import transition
from tests.outbound.fakes import FakePlatform

PHONE = "6281311110000"


async def text_in(client: httpx.AsyncClient, msg_id: str, text: str) -> httpx.Response:
    body = json.dumps({"id": msg_id, "msisdn": PHONE, "to": "08111272206", "text": text}).encode()
    sig = hmac.new(CHANNEL_SECRETS["ADUAN_SMS_GATEWAY_SECRET"].encode(), body, hashlib.sha256).hexdigest()
    return await client.post(
        "/v1/channels/sms/inbound",
        content=body,
        headers={"content-type": "application/json", "x-signature": f"sha256={sig}"},
    )


def sent(fake: FakePlatform) -> list[dict]:
    return [r.json() for r in fake.requests if r.path == "/sms/send"]


async def test_sms_reporter_hears_back_on_sms(
    client, admin, dispatch, fake_platform: FakePlatform, db
) -> None:
    r = await text_in(client, "MO-1", "Jalan berlubang di Jl. Cikini Raya dekat halte, motor sering jatuh.")
    assert r.status_code == 201, r.text
    ticket = r.json()["outcomes"][0]["ticket"]
    cid = await db.fetchval("SELECT id FROM complaints WHERE ticket = $1", ticket)
    await dispatch()
    acks = sent(fake_platform)
    assert len(acks) == 1
    assert acks[0]["to"] == "+" + PHONE
    assert ticket in acks[0]["text"]
    assert "BERHENTI" in acks[0]["text"]

    for status in ("in_progress", "pending_validation", "resolved"):
        r = await transition(client, str(cid), {"status": status, "note": "internal note xyz"}, admin)
        assert r.status_code == 200, r.text
    await dispatch()
    texts = [m["text"] for m in sent(fake_platform)]
    # in_progress and resolved are told, pending_validation is internal; no internal note leaks
    assert len(texts) == 3, texts
    assert all("internal note xyz" not in t for t in texts)
    assert "YA" in texts[-1] and "TIDAK" in texts[-1]
    # every message carries its own id, which the gateway deduplicates by
    assert len({m["id"] for m in sent(fake_platform)}) == 3

    # The citizen answers TIDAK: the complaint is reopened, with its history.
    r = await text_in(client, "MO-2", "tidak, lubangnya masih ada")
    assert r.status_code == 200, r.text
    status = await db.fetchval("SELECT status FROM complaints WHERE id = $1", cid)
    assert status == "in_progress"
    kinds = [
        k
        for (k,) in await db.fetch(
            "SELECT kind FROM complaint_events WHERE complaint_id = $1 ORDER BY id", cid
        )
    ]
    assert kinds[-2:] == ["feedback", "reopened"]
    await dispatch()
    assert len(sent(fake_platform)) == 4  # told that it is being worked on again

    # BERHENTI: nothing more is sent to that phone.
    r = await text_in(client, "MO-3", "BERHENTI")
    assert r.status_code == 200, r.text
    before = len(sent(fake_platform))
    for status in ("pending_validation", "resolved"):
        r = await transition(client, str(cid), {"status": status}, admin)
        assert r.status_code == 200, r.text
    await dispatch()
    assert len(sent(fake_platform)) == before
    skipped = await db.fetchval(
        "SELECT count(*) FROM outbound_messages WHERE complaint_id = $1 AND status = 'skipped'", cid
    )
    assert skipped >= 1


async def test_a_text_that_starts_like_an_answer_is_still_a_complaint(client, db) -> None:
    # Nobody waits for this reporter's answer: "Tidak ada ..." is a complaint, never dropped.
    r = await text_in(client, "MO-10", "Tidak ada lampu di gang kami sejak seminggu")
    assert r.status_code == 201, r.text
    assert r.json()["outcomes"][0]["action"] == "created"
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1


async def test_ya_confirms_once_and_a_redelivered_tidak_changes_nothing(client, admin, db) -> None:
    r = await text_in(client, "MO-20", "Sampah menumpuk di pasar Senen belum diangkut tiga hari")
    cid = r.json()["outcomes"][0]["complaint_id"]
    for status in ("in_progress", "pending_validation", "resolved"):
        assert (await transition(client, cid, {"status": status}, admin)).status_code == 200
    r = await text_in(client, "MO-21", "Ya, sudah beres")
    assert r.status_code == 200 and r.json()["outcomes"][0]["action"] == "confirmed", r.text
    row = await db.fetchrow("SELECT accepted, rating, source FROM complaint_feedback")
    assert (row["accepted"], row["rating"], row["source"]) == (True, None, "sms")
    # a second answer to the same resolution is kept as a follow-up, not a second verdict
    r = await text_in(client, "MO-22", "tidak")
    assert r.json()["outcomes"][0]["action"] == "followed_up", r.text
    assert await db.fetchval("SELECT status FROM complaints WHERE id = $1::uuid", cid) == "resolved"
    # resolved again after a reopen by an officer: TIDAK reopens; its redelivery does nothing more
    for status in ("in_progress", "pending_validation", "resolved"):
        assert (await transition(client, cid, {"status": status}, admin)).status_code == 200
    first = await text_in(client, "MO-23", "belum, masih bau")
    again = await text_in(client, "MO-23", "belum, masih bau")
    assert first.json()["outcomes"][0]["action"] == "reopened"
    assert again.json()["outcomes"][0]["action"] == "duplicate"
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1
    reopened = await db.fetch(
        "SELECT actor FROM complaint_events WHERE complaint_id = $1::uuid AND kind = 'reopened' ORDER BY id",
        cid,
    )
    # the officer's reopen, then the reporter's: one, not two
    assert [r["actor"] for r in reopened] == ["admin:bootstrap", "reporter:sms"]


async def test_stop_from_a_stranger_opts_out_without_a_complaint(client, db) -> None:
    r = await text_in(client, "MO-30", "STOP")
    assert r.status_code == 200 and r.json()["outcomes"][0]["action"] == "opted_out", r.text
    assert await db.fetchval("SELECT count(*) FROM complaints") == 0
    assert await db.fetchval("SELECT value FROM contact_optouts WHERE kind = 'phone'") == "+" + PHONE
    r = await text_in(client, "MO-31", "MULAI")
    assert r.json()["outcomes"][0]["action"] == "opted_in"
    assert await db.fetchval("SELECT count(*) FROM contact_optouts") == 0
