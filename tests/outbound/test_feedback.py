"""``POST /v1/complaints/{id}/feedback``: the app key that submitted a complaint rates its
resolution once; ``accepted: false`` reopens it. Per role: the submitting app key may; another
app key gets 404 (as for an id that does not exist); staff get 403; no key 401."""

from __future__ import annotations

import uuid
from typing import Any

from tests.helpers import transition


async def resolved_complaint(client, app_key, admin) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post(
        "/v1/complaints", json={"description": "Lubang di Jl. Kramat Raya"}, headers=app_key
    )
    assert r.status_code == 201, r.text
    c = r.json()
    for status in ("in_progress", "pending_validation", "resolved"):
        assert (await transition(client, c["id"], {"status": status}, admin)).status_code == 200
    return c


async def test_accept_then_second_answer_refused(client, app_key, admin, db) -> None:
    c = await resolved_complaint(client, app_key, admin)
    r = await client.post(
        f"/v1/complaints/{c['id']}/feedback",
        json={"rating": 5, "comment": "Mantap", "accepted": True},
        headers=app_key,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["rating"] == 5 and body["accepted"] is True and body["status"] == "resolved"
    r = await client.post(f"/v1/complaints/{c['id']}/feedback", json={"rating": 4}, headers=app_key)
    assert r.status_code == 409 and r.json()["type"].endswith("feedback-given")
    assert await db.fetchval("SELECT count(*) FROM complaint_feedback") == 1


async def test_reject_reopens_with_history(client, app_key, admin, db) -> None:
    c = await resolved_complaint(client, app_key, admin)
    r = await client.post(
        f"/v1/complaints/{c['id']}/feedback",
        json={"rating": 1, "comment": "Lubangnya masih ada", "accepted": False},
        headers=app_key,
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "in_progress"
    assert r.headers["etag"] == f'"{r.json()["version"]}"'
    view = (await client.get(f"/v1/complaints/{c['id']}", headers=app_key)).json()
    assert view["status"] == "in_progress"
    reopened = [e for e in view["events"] if e["kind"] == "reopened"]
    assert len(reopened) == 1 and reopened[0]["note"] == "Lubangnya masih ada"
    # the internal feedback event is not in the app's (public) history
    assert not [e for e in view["events"] if e["kind"] == "feedback"]
    # the move is told (outbox) like any status change
    kinds = [
        k for (k,) in await db.fetch("SELECT kind FROM outbox WHERE complaint_id = $1 ORDER BY id", c["id"])
    ]
    assert kinds[-1] == "reopened"


async def test_not_resolved_and_late_rejection(client, app_key, admin, db) -> None:
    r = await client.post("/v1/complaints", json={"description": "Pohon tumbang"}, headers=app_key)
    cid = r.json()["id"]
    r = await client.post(f"/v1/complaints/{cid}/feedback", json={"rating": 3}, headers=app_key)
    assert r.status_code == 409 and r.json()["type"].endswith("complaint-not-done")
    c = await resolved_complaint(client, app_key, admin)
    await db.execute("UPDATE complaints SET resolved_at = now() - interval '8 days' WHERE id = $1", c["id"])
    r = await client.post(
        f"/v1/complaints/{c['id']}/feedback", json={"rating": 1, "accepted": False}, headers=app_key
    )
    assert r.status_code == 409, r.text
    assert await db.fetchval("SELECT count(*) FROM complaint_feedback") == 0
    assert await db.fetchval("SELECT status FROM complaints WHERE id = $1", c["id"]) == "resolved"
    # accepting late is fine: only a reopen has a window
    r = await client.post(
        f"/v1/complaints/{c['id']}/feedback", json={"rating": 4, "accepted": True}, headers=app_key
    )
    assert r.status_code == 201


async def test_roles_and_bad_input(client, app_key, make_key, admin, officer, db) -> None:
    c = await resolved_complaint(client, app_key, admin)
    url = f"/v1/complaints/{c['id']}/feedback"
    other = await make_key("app", "another-app")
    assert (await client.post(url, json={"rating": 5}, headers=other)).status_code == 404
    assert (
        await client.post(f"/v1/complaints/{uuid.uuid4()}/feedback", json={"rating": 5}, headers=app_key)
    ).status_code == 404
    assert (await client.post(url, json={"rating": 5}, headers=officer)).status_code == 403
    assert (await client.post(url, json={"rating": 5}, headers=admin)).status_code == 403
    assert (await client.post(url, json={"rating": 5})).status_code == 401
    for body in (
        {"rating": 0},
        {"rating": 6},
        {"rating": "5x"},
        {},
        {"rating": 5, "extra": 1},
        {"rating": 5, "comment": "x" * 2001},
    ):
        r = await client.post(url, json=body, headers=app_key)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    r = await client.post(url, json={"rating": 5}, headers={**app_key, "If-Match": '"1"'})
    assert r.status_code == 412
    assert await db.fetchval("SELECT count(*) FROM complaint_feedback") == 0
