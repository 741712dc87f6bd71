"""Partner webhooks through the API, verified with ``standardwebhooks`` as a receiver would.

Who may: admin, partner and app keys subscribe (staff below admin: 403); each sees, reads and
deletes only its own subscriptions (another's id is 404); a subscription receives only the
complaints its key may read; personal data only for an admin subscription that asks for it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.helpers import transition
from tests.outbound.fakes import Answer, FakePlatform

ALL = ["complaint.created", "complaint.status_changed", "complaint.assigned", "complaint.commented"]
NIK = "3171234567890123"


async def subscribe(client, headers, url: str, events=ALL, **extra) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post("/v1/webhooks", json={"url": url, "events": events, **extra}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def deliveries(fake: FakePlatform, path: str = "/hook") -> list[Any]:
    return [r for r in fake.requests if r.path == path]


def verified(sub: dict[str, Any], rec: Any) -> dict[str, Any]:
    out = Webhook(sub["secret"]).verify(rec.body, rec.headers)
    assert isinstance(out, dict)
    return out


async def submit(
    client, headers, description: str = "Lampu jalan mati di Jl. Sabang", **extra
) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post("/v1/complaints", json={"description": description, **extra}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_partner_receives_signed_events_of_its_own_complaints_only(
    client, make_key, admin, dispatch, fake_platform: FakePlatform
) -> None:
    app_a = await make_key("app", "jaki-a")
    app_b = await make_key("app", "jaki-b")
    sub = await subscribe(client, app_a, f"{fake_platform.url}/hook")
    assert sub["secret"].startswith("whsec_")
    mine = await submit(client, app_a, f"Sampah menumpuk, hubungi saya {NIK}")
    await submit(client, app_b, "Bukan urusan A")
    r = await transition(client, mine["id"], {"status": "in_progress", "note": "internal 42"}, admin)
    assert r.status_code == 200
    r = await client.post(
        f"/v1/complaints/{mine['id']}/comments",
        json={"note": "Petugas dijadwalkan besok", "public": True},
        headers=admin,
    )
    assert r.status_code == 201
    r = await client.post(
        f"/v1/complaints/{mine['id']}/comments",
        json={"note": "rahasia internal", "public": False},
        headers=admin,
    )
    assert r.status_code == 201
    await dispatch()
    got = deliveries(fake_platform)
    bodies = [verified(sub, rec) for rec in got]
    types = [b["type"] for b in bodies]
    assert types == ["complaint.created", "complaint.status_changed", "complaint.commented"]
    assert {b["data"]["complaint"]["id"] for b in bodies} == {mine["id"]}
    assert bodies[1]["data"]["event"]["to_status"] == "in_progress"
    raw = b"".join(rec.body for rec in got).decode()
    assert "internal 42" not in raw and "rahasia internal" not in raw
    assert "reporter" not in bodies[0]["data"]["complaint"]
    # headers per the Standard Webhooks specification
    h = got[0].headers
    assert h["webhook-id"].startswith("msg_") and h["webhook-timestamp"].isdigit()
    assert h["webhook-signature"].startswith("v1,")
    assert set(bodies[0]) == {"type", "timestamp", "data"}
    # tampered: the receiver's verification fails
    with pytest.raises(WebhookVerificationError):
        Webhook(sub["secret"]).verify(got[0].body.replace(b"complaint", b"c0mplaint"), got[0].headers)

    # delivery history: every attempt with status code and time, for its owner only
    r = await client.get(f"/v1/webhooks/{sub['id']}/deliveries", headers=app_a)
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 3 and all(i["status"] == "sent" for i in items)
    assert {i["id"] for i in items} == {rec.headers["webhook-id"] for rec in got}
    assert all(i["attempts"][0]["status_code"] == 200 and i["attempts"][0]["at"] for i in items)
    assert (await client.get(f"/v1/webhooks/{sub['id']}/deliveries", headers=app_b)).status_code == 404
    assert (await client.get(f"/v1/webhooks/{sub['id']}", headers=app_b)).status_code == 404
    assert (await client.delete(f"/v1/webhooks/{sub['id']}", headers=app_b)).status_code == 404
    listed = (await client.get("/v1/webhooks", headers=app_b)).json()["items"]
    assert listed == []
    listed = (await client.get("/v1/webhooks", headers=app_a)).json()["items"]
    assert [s["id"] for s in listed] == [sub["id"]] and "secret" not in listed[0]


async def test_event_filter(client, make_key, admin, dispatch, fake_platform: FakePlatform) -> None:
    partner = await make_key("app", "jaki")
    sub = await subscribe(client, partner, f"{fake_platform.url}/hook", events=["complaint.status_changed"])
    c = await submit(client, partner)
    await transition(client, c["id"], {"status": "in_progress"}, admin)
    await dispatch()
    assert [verified(sub, r)["type"] for r in deliveries(fake_platform)] == ["complaint.status_changed"]


async def test_admin_subscription_masks_personal_data_unless_asked(
    client, admin, officer, dispatch, fake_platform: FakePlatform
) -> None:
    plain = await subscribe(client, admin, f"{fake_platform.url}/plain", events=["complaint.created"])
    full = await subscribe(
        client, admin, f"{fake_platform.url}/full", events=["complaint.created"], include_personal_data=True
    )
    await submit(
        client, officer, f"Jalan rusak, NIK saya {NIK}, telp 081311110000",
        reporter={"name": "Budi Santoso", "phone": "081311110000"},
    )  # fmt: skip
    await dispatch()
    p = verified(plain, deliveries(fake_platform, "/plain")[0])["data"]["complaint"]
    f = verified(full, deliveries(fake_platform, "/full")[0])["data"]["complaint"]
    assert NIK not in json.dumps(p) and "081311110000" not in json.dumps(p) and "reporter" not in p
    assert NIK in f["description"] and f["reporter"]["name"] == "Budi Santoso"


async def test_only_admin_may_ask_for_personal_data_and_staff_may_not_subscribe(
    client, make_key, officer, fake_platform: FakePlatform
) -> None:
    partner = await make_key("partner")
    r = await client.post(
        "/v1/webhooks", json={"url": f"{fake_platform.url}/h", "events": ALL, "include_personal_data": True},
        headers=partner,
    )  # fmt: skip
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    r = await client.post(
        "/v1/webhooks", json={"url": f"{fake_platform.url}/h", "events": ALL}, headers=officer
    )
    assert r.status_code == 403
    assert (await client.post("/v1/webhooks", json={"url": "http://x", "events": ALL})).status_code == 401
    assert (await client.get("/v1/webhooks", headers=officer)).status_code == 403


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.0.0.5/hook", "http://169.254.169.254/latest",
     "http://[::1]/hook", "ftp://example.com/hook", "http://user:pw@93.184.215.14/"],
)  # fmt: skip
async def test_private_and_odd_urls_refused_unless_allowed(client, admin, app, url: str, db) -> None:
    app.state.settings = app.state.settings.model_copy(update={"webhook_allow_private_urls": False})
    try:
        r = await client.post("/v1/webhooks", json={"url": url, "events": ALL}, headers=admin)
    finally:
        app.state.settings = app.state.settings.model_copy(update={"webhook_allow_private_urls": True})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert await db.fetchval("SELECT count(*) FROM webhook_subscriptions") == 0


async def test_bad_bodies_change_nothing(client, admin, db) -> None:
    for body in ({"url": "https://partner.example/h", "events": []}, {"url": "https://p.example/h", "events": ["nope"]},
                 {"events": ALL}, {"url": 5, "events": ALL}, {"url": "https://p.example/h", "events": ALL, "x": 1}):  # fmt: skip
        r = await client.post("/v1/webhooks", json=body, headers=admin)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert await db.fetchval("SELECT count(*) FROM webhook_subscriptions") == 0


async def test_retry_same_webhook_id_then_dead_then_admin_retry(
    client, admin, make_key, app, settings, fake_platform: FakePlatform, db
) -> None:
    from app.outbound.dispatcher import Dispatcher
    from tests.outbound.conftest import outbound_settings

    partner = await make_key("app", "jaki")
    sub = await subscribe(client, partner, f"{fake_platform.url}/hook", events=["complaint.created"])
    await submit(client, partner)
    fake_platform.respond = lambda _r: Answer(status=503)
    worker = Dispatcher(
        app.state.db, outbound_settings(settings, fake_platform.url, ADUAN_OUTBOX_MAX_ATTEMPTS=3,
                                        ADUAN_OUTBOX_BACKOFF_BASE=0.01), name="t",
    )  # fmt: skip
    try:
        for _ in range(50):
            await worker.drain()
            if await db.fetchval("SELECT status FROM outbound_messages WHERE platform = 'webhook'") == "dead":
                break
            import asyncio

            await asyncio.sleep(0.02)
        got = deliveries(fake_platform)
        assert len(got) == 3
        assert len({r.headers["webhook-id"] for r in got}) == 1  # the same id on every attempt
        assert len({r.body for r in got}) == 1
        r = await client.get("/v1/outbound", params={"status": "dead"}, headers=admin)
        assert r.status_code == 200
        dead = r.json()["items"]
        assert len(dead) == 1 and dead[0]["attempts"] == 3 and dead[0]["last_status_code"] == 503
        assert (await client.get("/v1/outbound", headers=partner)).status_code == 403
        one = (await client.get(f"/v1/outbound/{dead[0]['id']}", headers=admin)).json()
        assert [a["status_code"] for a in one["attempt_log"]] == [503, 503, 503]
        # the receiver is fixed; the admin retries the dead message
        fake_platform.respond = lambda _r: Answer(status=204)
        r = await client.post(f"/v1/outbound/{dead[0]['id']}/retry", headers=admin)
        assert r.status_code == 202 and r.json()["status"] == "pending"
        assert (await client.post(f"/v1/outbound/{dead[0]['id']}/retry", headers=admin)).status_code == 409
        await worker.drain()
        assert await db.fetchval("SELECT status FROM outbound_messages WHERE platform = 'webhook'") == "sent"
        got = deliveries(fake_platform)
        assert len(got) == 4 and len({r.headers["webhook-id"] for r in got}) == 1
        verified(sub, got[-1])
    finally:
        await worker.aclose()


async def test_deleted_subscription_gets_nothing_more(
    client, make_key, dispatch, fake_platform: FakePlatform
) -> None:
    partner = await make_key("app", "jaki")
    sub = await subscribe(client, partner, f"{fake_platform.url}/hook")
    assert (await client.delete(f"/v1/webhooks/{sub['id']}", headers=partner)).status_code == 204
    await submit(client, partner)
    await dispatch()
    assert deliveries(fake_platform) == []
    assert (await client.get(f"/v1/webhooks/{sub['id']}", headers=partner)).status_code == 404


async def test_revoked_key_subscription_stops(client, admin, dispatch, fake_platform: FakePlatform) -> None:
    r = await client.post("/v1/api-keys", json={"name": "p", "role": "app"}, headers=admin)
    key = r.json()
    headers = {"Authorization": f"Bearer {key['key']}"}
    await subscribe(client, headers, f"{fake_platform.url}/hook")
    await submit(client, headers)
    assert (await client.delete(f"/v1/api-keys/{key['id']}", headers=admin)).status_code == 204
    await dispatch()
    assert deliveries(fake_platform) == []
