"""Idempotency-Key and (channel, external_id): a retry creates nothing, even when racing."""

from __future__ import annotations

import asyncio


async def test_retry_with_same_key_returns_original(client, app_key, db):
    body = {"description": "Pohon tumbang menutup jalan di Jl. Kemang Raya"}
    h = {**app_key, "Idempotency-Key": "req-001"}
    first = await client.post("/v1/complaints", json=body, headers=h)
    again = await client.post("/v1/complaints", json=body, headers=h)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1


async def test_same_key_with_other_body_is_422(client, app_key, db):
    h = {**app_key, "Idempotency-Key": "req-002"}
    await client.post("/v1/complaints", json={"description": "satu"}, headers=h)
    r = await client.post("/v1/complaints", json={"description": "dua"}, headers=h)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1


async def test_keys_are_per_client(client, make_key, db):
    a, b = await make_key("app", "app-a"), await make_key("app", "app-b")
    body = {"description": "Banjir setinggi lutut di Kampung Melayu"}
    r1 = await client.post("/v1/complaints", json=body, headers={**a, "Idempotency-Key": "k"})
    r2 = await client.post("/v1/complaints", json=body, headers={**b, "Idempotency-Key": "k"})
    assert r1.json()["id"] != r2.json()["id"]


async def test_racing_retries_create_one_complaint(client, app_key, db):
    body = {"description": "Genangan air di underpass Kemayoran"}
    h = {**app_key, "Idempotency-Key": "race-1"}
    answers = await asyncio.gather(*(client.post("/v1/complaints", json=body, headers=h) for _ in range(12)))
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["id"] for r in answers}) == 1
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1
    assert await db.fetchval("SELECT count(*) FROM complaint_events") == 1


async def test_same_external_id_returns_existing_with_200(client, app_key, db):
    body = {"channel": "jaki", "external_id": "JAKI-6120034", "description": "Lampu jalan mati"}
    first = await client.post("/v1/complaints", json=body, headers=app_key)
    second = await client.post("/v1/complaints", json=body, headers=app_key)
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1


async def test_racing_external_ids_create_one_complaint(client, app_key, db):
    body = {"channel": "jaki", "external_id": "JAKI-1590000000000000001", "description": "Macet total"}
    answers = await asyncio.gather(
        *(client.post("/v1/complaints", json=body, headers=app_key) for _ in range(12))
    )
    assert sorted(r.status_code for r in answers) == [200] * 11 + [201]
    assert len({r.json()["id"] for r in answers}) == 1
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1


async def test_racing_new_reporters_converge_on_one(client, app_key, db):
    bodies = [{"description": f"Keluhan {i}", "reporter": {"phone": "0812 5555 0001"}} for i in range(8)]
    answers = await asyncio.gather(*(client.post("/v1/complaints", json=b, headers=app_key) for b in bodies))
    assert {r.status_code for r in answers} == {201}
    assert await db.fetchval("SELECT count(DISTINCT reporter_id) FROM complaints") == 1
    assert await db.fetchval("SELECT count(*) FROM reporters") == 1


async def test_a_ticket_collision_draws_again(client, app_key, monkeypatch):
    from app.complaints import tickets
    from app.intake import pipeline as service

    first = (await client.post("/v1/complaints", json={"description": "satu"}, headers=app_key)).json()
    draws = iter([first["ticket"], first["ticket"], "K7M2-Q9XD"])
    monkeypatch.setattr(service, "new_ticket", lambda: next(draws, tickets.new_ticket()))
    second = await client.post("/v1/complaints", json={"description": "dua"}, headers=app_key)
    assert second.status_code == 201 and second.json()["ticket"] == "K7M2-Q9XD"


async def test_idempotency_keys_expire_after_a_day(client, app, app_key, db):
    from app.main import housekeeping

    body = {"description": "Trotoar ambles"}
    h = {**app_key, "Idempotency-Key": "old-key"}
    first = await client.post("/v1/complaints", json=body, headers=h)
    await housekeeping(app)
    assert await db.fetchval("SELECT count(*) FROM idempotency_keys") == 1  # still fresh
    await db.execute("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
    await housekeeping(app)
    assert await db.fetchval("SELECT count(*) FROM idempotency_keys") == 0
    again = await client.post("/v1/complaints", json=body, headers=h)
    assert again.status_code == 201 and again.json()["id"] != first.json()["id"]
