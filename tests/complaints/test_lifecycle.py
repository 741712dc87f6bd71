"""The status lifecycle: one table, 409 for forbidden moves, If-Match, history."""

from __future__ import annotations

import asyncio

import pytest

from app.complaints.lifecycle import STATUSES, TRANSITIONS
from tests.helpers import current_version


async def _new(client, headers, **extra):
    r = await client.post(
        "/v1/complaints", json={"description": "Saluran mampet di Jl. Tebet Raya", **extra}, headers=headers
    )
    assert r.status_code == 201
    return r.json()


async def _move(client, headers, cid, status, version=None, **extra):
    h = dict(headers)
    if version is None:  # a client that reads the complaint first
        version = await current_version(client, cid, headers)
    h["If-Match"] = f'"{version}"'
    return await client.post(f"/v1/complaints/{cid}/transitions", json={"status": status, **extra}, headers=h)


async def test_full_happy_path_with_history(client, app_key, officer):
    c = await _new(client, app_key)
    version = c["version"]
    for status in ("coordination", "dispatched", "in_progress", "pending_validation", "resolved"):
        r = await _move(client, officer, c["id"], status, version, note=f"ke {status}", public=True)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == status and r.json()["version"] == version + 1
        version = r.json()["version"]
    full = (await client.get(f"/v1/complaints/{c['id']}", headers=officer)).json()
    moves = [(e["from_status"], e["to_status"]) for e in full["events"] if e["kind"] == "status_changed"]
    assert moves == [
        ("received", "coordination"),
        ("coordination", "dispatched"),
        ("dispatched", "in_progress"),
        ("in_progress", "pending_validation"),
        ("pending_validation", "resolved"),
    ]
    assert all(e["actor"] == "officer:officer-key" for e in full["events"] if e["kind"] == "status_changed")
    assert full["status_label"] == "Selesai" and full["status_colour"] == "green"


async def test_rejected_follow_up_goes_back_to_in_progress(client, app_key, officer):
    c = await _new(client, app_key)
    for s in ("in_progress", "pending_validation", "in_progress"):
        r = await _move(client, officer, c["id"], s, note="TL ditolak: foto bukti tidak jelas")
        assert r.status_code == 200, r.text


@pytest.mark.parametrize("target", sorted(set(STATUSES) - set(TRANSITIONS["received"]) - {"received"}))
async def test_forbidden_moves_are_409_with_allowed_list(client, app_key, officer, target):
    c = await _new(client, app_key)
    r = await _move(client, officer, c["id"], target)
    assert r.status_code == 409
    p = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert p["allowed"] == sorted(TRANSITIONS["received"])
    assert p["current_status"] == "received"
    full = (await client.get(f"/v1/complaints/{c['id']}", headers=officer)).json()
    assert full["status"] == "received" and full["version"] == 1


async def test_terminal_statuses_allow_nothing(client, app_key, officer):
    c = await _new(client, app_key)
    assert (await _move(client, officer, c["id"], "rejected", note="bukan wewenang")).status_code == 200
    r = await _move(client, officer, c["id"], "in_progress")
    assert r.status_code == 409 and r.json()["allowed"] == []


async def test_stale_if_match_is_412(client, app_key, officer):
    c = await _new(client, app_key)
    assert (await _move(client, officer, c["id"], "coordination", 1)).status_code == 200
    r = await _move(client, officer, c["id"], "dispatched", 1)
    assert r.status_code == 412
    assert r.json()["current_version"] == 2


async def test_racing_transitions_never_both_succeed(client, app_key, officer, db):
    c = await _new(client, app_key)
    answers = await asyncio.gather(
        *(
            _move(client, officer, c["id"], s, 1)
            for s in ("coordination", "in_progress", "rejected", "dispatched")
        )
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 412, 412, 412]
    assert await db.fetchval("SELECT version FROM complaints WHERE id = $1::uuid", c["id"]) == 2
    assert await db.fetchval("SELECT count(*) FROM complaint_events WHERE kind = 'status_changed'") == 1


async def test_duplicate_needs_the_kept_complaint(client, app_key, officer):
    keep = await _new(client, app_key)
    dup = await _new(client, app_key)
    r = await _move(client, officer, dup["id"], "duplicate")
    assert r.status_code == 422 and "duplicate_of" in [e["field"] for e in r.json()["errors"]]
    r = await _move(client, officer, dup["id"], "duplicate", duplicate_of=keep["id"])
    assert r.status_code == 200 and r.json()["duplicate_of"] == keep["id"]
    assert r.json()["status_label"] == "Duplikat"


async def test_app_may_only_reopen_a_resolved_complaint(client, app_key, officer):
    c = await _new(client, app_key)
    assert (await _move(client, app_key, c["id"], "in_progress")).status_code == 409
    for s in ("in_progress", "pending_validation", "resolved"):
        assert (await _move(client, officer, c["id"], s)).status_code == 200
    r = await _move(client, app_key, c["id"], "in_progress", note="Masih rusak")
    assert r.status_code == 200, r.text
    kinds = [e["kind"] for e in r.json()["events"]]
    assert kinds[-1] == "reopened"


async def test_comments_are_events(client, app_key, officer):
    c = await _new(client, app_key)
    r = await client.post(
        f"/v1/complaints/{c['id']}/comments",
        json={"note": "Menunggu alat berat", "public": False},
        headers=officer,
    )
    assert r.status_code == 201 and r.json()["kind"] == "comment" and r.json()["public"] is False
    full = (await client.get(f"/v1/complaints/{c['id']}", headers=officer)).json()
    assert [e["kind"] for e in full["events"]] == ["created", "comment"]
    assert (
        await client.post(f"/v1/complaints/{c['id']}/comments", json={"note": ""}, headers=officer)
    ).status_code == 422


async def test_unknown_complaint_is_404(client, officer):
    r = await client.post(
        "/v1/complaints/00000000-0000-0000-0000-000000000000/transitions",
        json={"status": "in_progress"},
        headers={**officer, "If-Match": '"1"'},
    )
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    r = await client.get("/v1/complaints/not-a-uuid", headers=officer)
    assert r.status_code == 422
