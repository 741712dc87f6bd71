"""Per signed channel: forged, redelivered, concurrently redelivered, malformed-but-signed, unconfigured."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest

from app.channels import registry
from app.complaints.schemas import CHANNELS
from tests.channels.test_golden import PAYLOADS, _send

# signed endpoint dir -> (golden file whose first step creates, settings field of its secret)
SIGNED = {
    "twitter": ("twitter/02_mention_photo_point.json", "twitter_consumer_secret"),
    "facebook": ("facebook/03_feed_photo_post.json", "facebook_app_secret"),
    "governor_social": ("governor_social/02_comment_created.json", "instagram_app_secret"),
    "whatsapp": ("whatsapp/02_text_created.json", "whatsapp_app_secret"),
    "email": ("email/01_mailgun_form_creates.json", "mailgun_signing_key"),
    "twilio": ("twilio/01_sms_creates.json", "twilio_auth_token"),
    "sms_gateway": ("sms_gateway/01_single_sms_creates.json", "sms_gateway_secret"),
    "lapor": ("lapor/01_disposition_creates.json", "lapor_secret"),
}


def _creating_step(name: str) -> dict:
    path, _ = SIGNED[name]
    spec = json.loads((PAYLOADS / path).read_text(encoding="utf-8"))
    step = next(s for s in spec["steps"] if s["expect"]["status"] == 201)
    return {**step, "_dir": name, "env": spec.get("env", {})}


def _malformed(step: dict) -> dict:
    bad = copy.deepcopy(step)
    req = bad["request"]
    if "json" in req:
        req.pop("json")
        req["body"] = '{"object": "page", "entry": [ {"id": '  # signed, but not JSON
        req["headers"] = {**(req.get("headers") or {}), "content-type": "application/json"}
    else:  # a signed form without the fields every message has
        req["form"] = {"foo": "bar"}
    return bad


def test_every_channel_of_the_product_has_an_adapter():
    assert set(registry.CHANNELS) == set(CHANNELS)
    assert len(CHANNELS) == 13


def test_every_signed_sample_exists():
    for name, (path, _) in SIGNED.items():
        assert (PAYLOADS / path).exists(), name


@pytest.fixture
def with_env(app):  # type: ignore[no-untyped-def]
    from tests.channels.test_golden import ALIASES

    saved = {}

    def apply(env: dict) -> None:
        for var, value in env.items():
            field = ALIASES[var]
            saved.setdefault(field, getattr(app.state.settings, field))
            setattr(app.state.settings, field, value)

    yield apply
    for field, value in saved.items():
        setattr(app.state.settings, field, value)


async def _counts(db) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return (
        await db.fetchval("SELECT count(*) FROM complaints"),
        await db.fetchval("SELECT count(*) FROM inbound_deliveries"),
    )


@pytest.mark.parametrize("name", sorted(SIGNED))
async def test_forged_signature_is_401_and_stores_nothing(name, client, make_key, db, with_env):
    step = _creating_step(name)
    with_env(step["env"])
    forged = copy.deepcopy(step)
    forged["sign"] = False
    r = await _send(client, make_key, forged)
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    # a signature made with the wrong secret
    from tests.channels.test_golden import SIGNERS
    from tests.conftest import CHANNEL_SECRETS

    wrong = {
        k: v + "-wrong" if k.startswith("ADUAN_") and k != "ADUAN_PUBLIC_BASE_URL" else v
        for k, v in CHANNEL_SECRETS.items()
    }
    request = copy.deepcopy(step["request"])
    headers = SIGNERS[name](request, wrong)
    forged2 = {
        **step,
        "request": {**request, "headers": {**(request.get("headers") or {}), **headers}},
        "sign": False,
    }
    r = await _send(client, make_key, forged2)
    assert r.status_code == 401, r.text
    assert await _counts(db) == (0, 0)


@pytest.mark.parametrize("name", sorted(SIGNED))
async def test_redelivery_returns_the_original_ticket(name, client, make_key, db, with_env):
    step = _creating_step(name)
    with_env(step["env"])
    first = await _send(client, make_key, step)
    assert first.status_code == 201, first.text
    ticket = first.json()["outcomes"][0]["ticket"]
    # the delivery records exactly what was answered (written with the complaint's insert)
    stored = await db.fetchrow("SELECT status, outcomes, attempts, processed_at FROM inbound_deliveries")
    assert stored["status"] == "processed" and stored["attempts"] == 1 and stored["processed_at"] is not None
    assert json.loads(stored["outcomes"]) == first.json()["outcomes"]
    again = await _send(client, make_key, step)
    assert again.status_code == 200, again.text
    outcome = again.json()["outcomes"][0]
    assert outcome["action"] == "duplicate" and outcome["ticket"] == ticket
    assert (await _counts(db))[0] == 1


@pytest.mark.parametrize("name", sorted(SIGNED))
async def test_concurrent_redelivery_creates_one(name, client, make_key, db, with_env):
    step = _creating_step(name)
    with_env(step["env"])
    answers = await asyncio.gather(*(_send(client, make_key, step) for _ in range(6)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] * 5 + [201], [r.text for r in answers]
    assert len({r.json()["outcomes"][0]["ticket"] for r in answers}) == 1
    assert (await _counts(db))[0] == 1


@pytest.mark.parametrize("name", sorted(SIGNED))
async def test_malformed_but_signed_is_kept_for_review(name, client, make_key, admin, db, with_env):
    step = _malformed(_creating_step(name))
    with_env(step["env"])
    r = await _send(client, make_key, step)
    assert r.status_code == 202, r.text
    assert r.json()["outcomes"][0]["action"] == "failed"
    assert (await _counts(db)) == (0, 1)
    listed = (await client.get("/v1/inbound", params={"status": "failed"}, headers=admin)).json()["items"]
    assert len(listed) == 1 and listed[0]["error"]
    retried = await client.post(f"/v1/inbound/{listed[0]['id']}/retry", headers=admin)
    assert retried.status_code == 202 and retried.json()["outcomes"][0]["action"] == "failed"
    assert (await db.fetchval("SELECT attempts FROM inbound_deliveries")) == 2


@pytest.mark.parametrize("name", sorted(SIGNED))
async def test_unconfigured_channel_is_503(name, client, make_key, db, with_env, app):
    step = _creating_step(name)
    field = SIGNED[name][1]
    saved = getattr(app.state.settings, field)
    setattr(app.state.settings, field, None)
    try:
        r = await _send(client, make_key, step)
    finally:
        setattr(app.state.settings, field, saved)
    assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json")
    assert await _counts(db) == (0, 0)


def _mailgun_form(token: str, timestamp: int) -> dict:
    sig = hmac.new(b"test-mailgun-secret", f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "sender": "andi@example.com",
        "from": "Andi <andi@example.com>",
        "recipient": "dki@jakarta.go.id",
        "subject": "Trotoar rusak",
        "body-plain": "Trotoar di Jl. Sudirman rusak parah.",
        "Message-Id": f"<{token}@example.com>",
        "timestamp": str(timestamp),
        "token": token,
        "signature": sig,
    }


async def test_mailgun_token_is_never_accepted_twice(client, db):
    form = _mailgun_form("a" * 50, int(time.time()))
    assert (await client.post("/v1/channels/email/inbound", data=form)).status_code == 201
    replay = await client.post("/v1/channels/email/inbound", data=form)
    assert replay.status_code == 401
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1


async def test_mailgun_stale_timestamp_is_refused(client, db):
    form = _mailgun_form("b" * 50, int(time.time()) - 600)
    assert (await client.post("/v1/channels/email/inbound", data=form)).status_code == 401
    assert await _counts(db) == (0, 0)


async def test_raw_mime_needs_a_partner_key(client, make_key):
    raw = (
        b"From: a@example.com\r\nMessage-ID: <x1@example.com>\r\nSubject: Banjir\r\n\r\nBanjir di Cawang.\r\n"
    )
    h = {"content-type": "message/rfc822"}
    assert (await client.post("/v1/channels/email/inbound", content=raw, headers=h)).status_code == 401
    app_key = await make_key("app")
    assert (
        await client.post("/v1/channels/email/inbound", content=raw, headers={**h, **app_key})
    ).status_code == 403
    partner = await make_key("partner")
    r = await client.post("/v1/channels/email/inbound", content=raw, headers={**h, **partner})
    assert r.status_code == 201 and r.json()["outcomes"][0]["action"] == "created"


async def test_inbound_review_is_admin_only(client, officer):
    assert (await client.get("/v1/inbound", headers=officer)).status_code == 403
    assert (await client.get("/v1/inbound")).status_code == 401


def test_payload_dirs_are_known():
    assert {p.name for p in Path(PAYLOADS).iterdir()} <= set(SIGNED) | {"offices", "media"}


async def test_jaki_retry_with_idempotency_key_is_one_report(client, app_key, db):
    body = {"description": "Pohon tumbang di Jl. Kemang Raya", "location": {"lat": -6.26, "lon": 106.81}}
    h = {**app_key, "Idempotency-Key": "jaki-retry-" + "x" * 150}
    first = await client.post("/v1/channels/jaki/reports", json=body, headers=h)
    again = await client.post("/v1/channels/jaki/reports", json=body, headers=h)
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.json()["outcomes"][0]["ticket"] == first.json()["outcomes"][0]["ticket"]
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1


async def test_jaki_rejects_a_photo_that_is_not_an_image(client, app_key, db):
    form = {"description": "Jalan rusak", "lat": "-6.2", "lon": "106.8"}
    files = [("photos", ("x.jpg", b"MZ\x90\x00 not an image", "image/jpeg"))]
    r = await client.post("/v1/channels/jaki/reports", data=form, files=files, headers=app_key)
    assert r.status_code == 422 and "photos.0" in [e["field"] for e in r.json()["errors"]]
    no_photo = [("notes", ("a.txt", b"catatan", "text/plain"))]
    r = await client.post("/v1/channels/jaki/reports", data=form, files=no_photo, headers=app_key)
    assert r.status_code == 422 and "photos" in [e["field"] for e in r.json()["errors"]]
    r = await client.post("/v1/channels/jaki/reports", data=form, headers=app_key)  # urlencoded
    assert r.status_code == 415
    assert await db.fetchval("SELECT count(*) FROM complaints") == 0


async def test_follow_up_on_an_unknown_report_is_kept_and_applies_on_retry(client, admin, db):
    from tests.channels.test_cross_channel import _lapor, _post_json

    follow = {
        "event_id": "evt-9",
        "event": "laporan.tanggapan_pelapor",
        "tracking_id": "777001",
        "status": "Ditindaklanjuti",
        "tanggapan": {
            "oleh": "pelapor",
            "isi": "Masih mati sampai sekarang.",
            "waktu": "2026-03-03T08:00:00+07:00",
        },
    }
    r = await _post_json(
        client, "/v1/channels/lapor/webhook", follow, "x-lapor-signature", "ADUAN_LAPOR_SECRET"
    )
    assert r.status_code == 202 and r.json()["outcomes"][0]["action"] == "failed"
    assert "no known complaint" in r.json()["outcomes"][0]["reason"]
    created = await _post_json(
        client,
        "/v1/channels/lapor/webhook",
        _lapor("evt-8", "777001", "Lampu jalan mati"),
        "x-lapor-signature",
        "ADUAN_LAPOR_SECRET",
    )
    assert created.status_code == 201
    failed = (await client.get("/v1/inbound", params={"status": "failed"}, headers=admin)).json()["items"]
    retried = await client.post(f"/v1/inbound/{failed[0]['id']}/retry", headers=admin)
    assert retried.status_code == 200 and retried.json()["outcomes"][0]["action"] == "followed_up"
    assert retried.json()["outcomes"][0]["ticket"] == created.json()["outcomes"][0]["ticket"]
    assert await db.fetchval("SELECT count(*) FROM complaint_events WHERE kind = 'follow_up'") == 1
