"""``GET /v1/channels/health``: staff see, per channel, the last inbound delivery, error rates,
outbound state and whether a usually busy channel has gone silent. Partner and app keys: 403."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


async def deliveries(db, channel: str, times: list[datetime], status: str = "processed") -> None:  # type: ignore[no-untyped-def]
    for i, t in enumerate(times):
        await db.execute(
            "INSERT INTO inbound_deliveries (channel, endpoint, body, body_sha256, status, received_at) "
            "VALUES ($1, 'test', $2, $3, $4, $5)",
            channel, f"{channel}{i}{status}".encode(), f"{channel}-{i}-{status}".ljust(64, "0")[:64], status, t,
        )  # fmt: skip


async def test_silent_failing_ok_and_quiet(client, officer, db) -> None:
    now = datetime.now(UTC)
    # twitter: hourly for two days, then nothing for 12 hours (the usual gap is about an hour)
    await deliveries(db, "twitter", [now - timedelta(hours=60) + timedelta(hours=h) for h in range(48)])
    # sms: every 10 minutes until now
    await deliveries(db, "sms", [now - timedelta(minutes=10 * k) for k in range(30)])
    # lapor: busy, but most deliveries fail
    await deliveries(db, "lapor", [now - timedelta(minutes=5 * k) for k in range(10)], status="failed")
    r = await client.get("/v1/channels/health", headers=officer)
    assert r.status_code == 200, r.text
    by = {c["channel"]: c for c in r.json()["channels"]}
    assert len(by) == 13
    assert by["twitter"]["status"] == "silent"
    assert by["twitter"]["inbound_7d"] == 48 and by["twitter"]["silent_for_seconds"] > 11 * 3600
    assert by["sms"]["status"] == "ok"
    assert {p["platform"] for p in by["sms"]["outbound"]} == {"twilio", "whatsapp", "sms_gateway"}
    assert by["lapor"]["status"] == "failing" and by["lapor"]["inbound_error_rate_7d"] == 1.0
    assert by["media"]["status"] == "quiet" and by["media"]["last_inbound_at"] is None


async def test_outbound_side_counts_sends(
    client, admin, officer, app_key, dispatch, fake_platform, db
) -> None:
    from tests.outbound.fakes import Answer

    await client.post(
        "/v1/webhooks",
        json={"url": f"{fake_platform.url}/h", "events": ["complaint.created"]},
        headers=app_key,
    )
    fake_platform.respond = lambda _r: Answer(status=500)
    await client.post("/v1/complaints", json={"description": "Banjir di Kemang"}, headers=app_key)
    await dispatch()
    r = await client.get("/v1/channels/health", headers=admin)
    jaki = {c["channel"]: c for c in r.json()["channels"]}["jaki"]
    hook = jaki["outbound"][0]
    assert hook["platform"] == "webhook" and hook["attempts_24h"] >= 1 and hook["failures_24h"] >= 1


async def test_roles(client, app_key, make_key) -> None:
    assert (await client.get("/v1/channels/health")).status_code == 401
    assert (await client.get("/v1/channels/health", headers=app_key)).status_code == 403
    assert (await client.get("/v1/channels/health", headers=await make_key("partner"))).status_code == 403
