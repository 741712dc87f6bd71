"""Issue 12's findings, each as the attack that worked before, and the key lifecycle and audit log.

Every test here failed on the code before this work (see the docstrings) and passes now.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from app.core import security
from app.main import create_app
from tests.conftest import ADMIN_KEY
from tests.helpers import patch, transition
from tests.org import helpers as h


async def _officer(client, admin, unit: str, name: str, role: str = "officer") -> tuple[str, dict[str, str]]:
    r = await client.post(
        "/v1/officers", json={"name": name, "unit": unit, "role": role, "api_key": True}, headers=admin
    )
    assert r.status_code == 201, r.text
    return r.json()["id"], {"Authorization": f"Bearer {r.json()['api_key']}"}


async def _unit(client, admin, code: str, **extra) -> None:
    body = {"code": code, "name": code.upper(), "kind": "kelurahan", **extra}
    assert (await client.post("/v1/units", json=body, headers=admin)).status_code == 201


# --------------------------------------------------------------------------- findings


async def test_a_foreign_external_id_is_409_with_nothing_of_the_complaint(client, make_key, db):
    """Before: a second app key posting the same (channel, external_id) got the officer view of the
    first one's complaint, secret or not, reporter included."""
    first, second = await make_key("app", "app-1"), await make_key("app", "app-2")
    body = {
        "channel": "jaki",
        "external_id": "JAKI-42",
        "description": "Laporan rahasia tentang pungli di kantor kelurahan",
        "privacy": "secret",
        "reporter": {"name": "Siti Pelapor", "phone": "0812 9999 0001"},
    }
    made = await client.post("/v1/complaints", json=body, headers=first)
    assert made.status_code == 201
    r = await client.post("/v1/complaints", json={**body, "description": "apa saja"}, headers=second)
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    for leaked in (made.json()["id"], made.json()["ticket"], "Siti", "pungli", "+6281299990001"):
        assert leaked not in r.text
    again = await client.post("/v1/complaints", json=body, headers=first)  # the owner's retry still works
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1


@pytest.mark.parametrize("channel", ["lapor", "twitter", "facebook", "governor_social", "email", "sms"])
async def test_platform_channels_cannot_be_claimed_or_pre_planted(client, app_key, officer, channel):
    """Before: an app key could create a `lapor` complaint with a LAPOR! tracking id, so the real
    signed delivery with that id was later swallowed as a duplicate."""
    body = {"channel": channel, "external_id": "6120034", "description": "Lampu jalan mati"}
    for key in (app_key, officer):
        r = await client.post("/v1/complaints", json=body, headers=key)
        assert r.status_code == 403, r.text
        assert "signed endpoint" in r.json()["detail"]


async def test_the_real_lapor_delivery_creates_after_a_planting_attempt(client, app_key, officer):
    planted = await client.post(
        "/v1/complaints",
        json={"channel": "lapor", "external_id": "6120777", "description": "x"},
        headers=app_key,
    )
    assert planted.status_code == 403
    real = await h.lapor_report(
        client,
        "Lampu jalan mati di Jl. Cikini",
        tracking_id="6120777",
        received_at="2026-03-01T11:30:00+07:00",
    )
    assert real["action"] == "created"


async def test_channel_defaults_and_allowances(client, app_key, officer):
    r = await client.post("/v1/complaints", json={"description": "Sampah"}, headers=app_key)
    assert r.json()["channel"] == "jaki"
    r = await client.post("/v1/complaints", json={"description": "Warga datang ke loket"}, headers=officer)
    assert r.json()["channel"] == "pendopo"
    r = await client.post(
        "/v1/complaints", json={"description": "x", "channel": "kelurahan"}, headers=app_key
    )
    assert r.status_code == 403 and r.json()["allowed"] == ["jaki"]
    r = await client.post("/v1/complaints", json={"description": "x", "channel": "jaki"}, headers=officer)
    assert r.status_code == 403


async def test_a_submitter_cannot_rename_a_known_reporter(client, app_key, admin, db):
    """Before: giving an existing reporter's phone number overwrote their name (and could set an
    email they never gave)."""
    victim = {"name": "Budi Santoso", "phone": "0813 1111 0000", "email": "budi@example.com"}
    r = await client.post(
        "/v1/complaints", json={"description": "Jalan rusak", "reporter": victim}, headers=app_key
    )
    rid = (await client.get(f"/v1/complaints/{r.json()['id']}", headers=admin)).json()["reporter"]["id"]
    attacker = await client.post(
        "/v1/complaints",
        json={
            "description": "x",
            "reporter": {"name": "Penipu", "phone": "081311110000", "email": "evil@example.com"},
        },
        headers=app_key,
    )
    assert attacker.status_code == 201
    row = await db.fetchrow("SELECT name, email FROM reporters WHERE id = $1::uuid", rid)
    assert (row["name"], row["email"]) == ("Budi Santoso", "budi@example.com")
    # the attacker's answer says nothing of Budi
    assert "Budi" not in attacker.text and "budi@" not in attacker.text


async def test_officers_correct_a_reporter_with_if_match_and_an_audit_entry(client, make_key, admin, db):
    app = await make_key("app")
    r = await client.post(
        "/v1/complaints",
        json={"description": "x", "reporter": {"name": "Budi Santso", "phone": "0813 1111 0001"}},
        headers=app,
    )
    cid = r.json()["id"]
    rep = (await client.get(f"/v1/complaints/{cid}", headers=admin)).json()["reporter"]
    url = f"/v1/reporters/{rep['id']}"
    fix = {"name": "Budi Santoso", "reason": "salah ketik, dikonfirmasi via telepon"}
    assert (await client.patch(url, json=fix, headers=admin)).status_code == 428
    assert (await client.patch(url, json=fix, headers={**admin, "If-Match": '"7"'})).status_code == 412
    assert (await client.patch(url, json=fix, headers={**app, "If-Match": '"1"'})).status_code == 403
    r = await client.patch(url, json=fix, headers={**admin, "If-Match": f'"{rep["version"]}"'})
    assert r.status_code == 200 and r.json()["name"] == "Budi Santoso" and r.headers["etag"] == '"2"'
    entry = (await client.get("/v1/audit", params={"action": "reporter.update"}, headers=admin)).json()[
        "items"
    ][0]
    assert entry["data"]["old"] == {"name": "Budi Santso"} and entry["data"]["reason"].startswith("salah")


async def test_an_anonymous_reporter_is_for_admins_only(client, make_key, admin):
    app, officer = await make_key("app"), await make_key("officer")
    r = await client.post(
        "/v1/complaints",
        json={
            "description": "Pungli",
            "privacy": "anonymous",
            "reporter": {"name": "Rahasia", "phone": "0813 1111 0002"},
        },
        headers=app,
    )
    cid = r.json()["id"]
    assert (await client.get(f"/v1/complaints/{cid}", headers=officer)).json()["reporter"] is None
    rep = (await client.get(f"/v1/complaints/{cid}", headers=admin)).json()["reporter"]
    assert rep["name"] == "Rahasia"
    r = await client.patch(
        f"/v1/reporters/{rep['id']}",
        json={"name": "x", "reason": "coba"},
        headers={**officer, "If-Match": '"1"'},
    )
    assert r.status_code == 404


async def test_if_match_is_required_on_every_state_changing_call(client, app_key, officer, admin):
    """Before: If-Match was optional, so blind overwrites went through."""
    await h.setup_routing(client, admin)
    c = (await client.post("/v1/complaints", json={"description": "Got mampet"}, headers=app_key)).json()
    calls = [
        ("POST", f"/v1/complaints/{c['id']}/transitions", {"status": "in_progress"}),
        ("PUT", f"/v1/complaints/{c['id']}/assignment", {"unit": "sda"}),
        ("PUT", f"/v1/complaints/{c['id']}/ews", {"ews_at": "2030-01-01T00:00:00+07:00"}),
        ("PATCH", "/v1/units/sda", {"name": "Dinas SDA"}),
    ]
    for method, url, body in calls:
        for header in ({}, {"If-Match": "*"}):
            r = await client.request(
                method,
                url,
                json=body,
                headers={**officer, **header} if method != "PATCH" else {**admin, **header},
            )
            assert r.status_code == 428, (method, url, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        r = await client.request(
            method, url, json=body, headers={**(admin if method == "PATCH" else officer), "If-Match": '"99"'}
        )
        assert r.status_code == 412, (method, url, r.text)
    unchanged = (await client.get(f"/v1/complaints/{c['id']}", headers=officer)).json()
    assert unchanged["version"] == c["version"] and unchanged["status"] == "received"
    unit = await client.get("/v1/units/sda", headers=officer)
    assert unit.headers["etag"] == f'"{unit.json()["version"]}"'
    r = await patch(client, "/v1/units/sda", {"name": "Dinas Sumber Daya Air"}, admin)
    assert r.status_code == 200 and r.headers["etag"] == f'"{unit.json()["version"] + 1}"'


# --------------------------------------------------------------------------- key lifecycle


async def test_keys_are_listed_without_secrets_and_revoked_at_once(client, admin, db):
    r = await client.post("/v1/api-keys", json={"name": "jaki-prod", "role": "app"}, headers=admin)
    key, kid = r.json()["key"], r.json()["id"]
    app = {"Authorization": f"Bearer {key}"}
    assert (await client.post("/v1/complaints", json={"description": "x"}, headers=app)).status_code == 201
    listed = await client.get("/v1/api-keys", headers=admin)
    assert listed.status_code == 200
    mine = next(i for i in listed.json()["items"] if i["id"] == kid)
    assert mine["prefix"] == key[:12] and mine["last_used_at"] is not None and mine["revoked_at"] is None
    stored_hash = await db.fetchval("SELECT key_hash FROM api_keys WHERE id = $1::uuid", kid)
    assert key not in listed.text and stored_hash not in listed.text
    assert (await client.delete(f"/v1/api-keys/{kid}", headers=admin)).status_code == 204
    assert (await client.delete(f"/v1/api-keys/{kid}", headers=admin)).status_code == 204  # idempotent
    r = await client.post("/v1/complaints", json={"description": "x"}, headers=app)
    assert r.status_code == 401
    got = await client.get(f"/v1/api-keys/{kid}", headers=admin)
    assert got.json()["revoked_at"] is not None
    assert [
        i["id"]
        for i in (await client.get("/v1/api-keys", params={"revoked": "true"}, headers=admin)).json()["items"]
    ] == [kid]


async def test_a_revocation_reaches_another_process_within_a_second(
    app, client, admin, database_url, settings
):
    """Two app instances on one database stand for two processes: each keeps its own cache."""
    r = await client.post("/v1/api-keys", json={"name": "partner-x", "role": "partner"}, headers=admin)
    partner = {"Authorization": f"Bearer {r.json()['key']}"}
    other = create_app(settings, database_url=database_url)
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://other") as c2:
            assert (await c2.get("/v1/complaints", headers=partner)).status_code == 200  # cached there now
            assert (await client.delete(f"/v1/api-keys/{r.json()['id']}", headers=admin)).status_code == 204
            await asyncio.sleep(1.0)
            assert (await c2.get("/v1/complaints", headers=partner)).status_code == 401


async def test_a_deactivated_officers_key_stops(client, admin):
    """Before: a deactivated officer's key kept working."""
    await _unit(client, admin, "kel-x")
    oid, key = await _officer(client, admin, "kel-x", "Petugas Lama")
    assert (await client.get("/v1/complaints", headers=key)).status_code == 200
    assert (await client.delete(f"/v1/officers/{oid}", headers=admin)).status_code == 200
    security.clear_cache()  # this process: at once; others within CACHE_SECONDS (test above)
    r = await client.get("/v1/complaints", headers=key)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")


async def test_keys_expire(client, admin, db):
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    r = await client.post(
        "/v1/api-keys", json={"name": "temp", "role": "partner", "expires_at": soon}, headers=admin
    )
    assert r.status_code == 201 and r.json()["expires_at"] is not None
    key = {"Authorization": f"Bearer {r.json()['key']}"}
    assert (await client.get("/v1/complaints", headers=key)).status_code == 200
    await db.execute(
        "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1::uuid", r.json()["id"]
    )
    security.clear_cache()
    assert (await client.get("/v1/complaints", headers=key)).status_code == 401
    for bad in ("2020-01-01T00:00:00+07:00", "2099-01-01T00:00:00", "3000-01-01T00:00:00+00:00"):
        r = await client.post(
            "/v1/api-keys", json={"name": "t", "role": "app", "expires_at": bad}, headers=admin
        )
        assert r.status_code == 422, bad


async def test_rotation_gives_a_new_key_and_retires_the_old(client, admin):
    r = await client.post("/v1/api-keys", json={"name": "dashboard", "role": "partner"}, headers=admin)
    old = {"Authorization": f"Bearer {r.json()['key']}"}
    rotated = await client.post(
        f"/v1/api-keys/{r.json()['id']}/rotate", json={"grace_seconds": 3600}, headers=admin
    )
    assert rotated.status_code == 201 and rotated.json()["rotated_from"] == r.json()["id"]
    new = {"Authorization": f"Bearer {rotated.json()['key']}"}
    assert rotated.json()["name"] == "dashboard" and rotated.json()["role"] == "partner"
    assert (await client.get("/v1/complaints", headers=new)).status_code == 200
    assert (await client.get("/v1/complaints", headers=old)).status_code == 200  # the grace period
    again = await client.post(f"/v1/api-keys/{rotated.json()['id']}/rotate", headers=admin)  # no body: now
    assert again.status_code == 201
    security.clear_cache()
    assert (await client.get("/v1/complaints", headers=new)).status_code == 401
    assert (
        await client.get("/v1/complaints", headers={"Authorization": f"Bearer {again.json()['key']}"})
    ).status_code == 200


async def test_who_makes_and_revokes_which_keys(client, admin):
    """Before: a supervisor could mint supervisor keys; keys could be neither listed nor revoked."""
    await _unit(client, admin, "kec-y", kind="kecamatan")
    await _unit(client, admin, "kel-y", parent="kec-y")
    await _unit(client, admin, "kel-z")
    _, sup = await _officer(client, admin, "kec-y", "Camat", role="supervisor")
    _, officer_z = await _officer(client, admin, "kel-z", "Petugas Z")
    for role in ("admin", "supervisor"):
        r = await client.post("/v1/api-keys", json={"name": "x", "role": role}, headers=sup)
        assert r.status_code == 403, role
    r = await client.post("/v1/api-keys", json={"name": "x", "role": "officer", "unit": "kel-z"}, headers=sup)
    assert r.status_code == 403
    mine = await client.post(
        "/v1/api-keys", json={"name": "desk-y", "role": "officer", "unit": "kel-y"}, headers=sup
    )
    assert mine.status_code == 201 and mine.json()["unit"] == "kel-y"
    also = await client.post(
        "/v1/api-keys", json={"name": "desk-y2", "role": "app", "unit_code": "kel-y"}, headers=sup
    )
    assert also.status_code == 201 and also.json()["unit"] == "kel-y"  # `unit_code` is accepted as `unit`
    own = await client.post("/v1/api-keys", json={"name": "app-kec", "role": "app"}, headers=sup)
    assert own.status_code == 201 and own.json()["unit"] == "kec-y"  # their own unit by default
    listed = {i["name"] for i in (await client.get("/v1/api-keys", headers=sup)).json()["items"]}
    assert {"desk-y", "app-kec", "officer:Camat"} <= listed and "officer:Petugas Z" not in listed
    z_key = next(
        i["id"]
        for i in (await client.get("/v1/api-keys", headers=admin)).json()["items"]
        if i["name"] == "officer:Petugas Z"
    )
    assert (await client.delete(f"/v1/api-keys/{z_key}", headers=sup)).status_code == 404
    assert (await client.get("/v1/complaints", headers=officer_z)).status_code == 200
    assert (await client.delete(f"/v1/api-keys/{mine.json()['id']}", headers=sup)).status_code == 204
    for role in ("officer", "app", "partner"):
        r = await client.get(
            "/v1/api-keys",
            headers={
                "Authorization": f"Bearer {(await client.post('/v1/api-keys', json={'name': role, 'role': role}, headers=admin)).json()['key']}"
            },
        )
        assert r.status_code == 403, role


async def test_secrets_are_never_printed(settings):
    assert ADMIN_KEY not in repr(settings) and ADMIN_KEY not in str(settings.model_dump())
    assert "test-lapor-secret" not in repr(settings)


# --------------------------------------------------------------------------- audit log


async def test_the_audit_log_records_actions_and_cannot_be_changed(client, admin, app_key, officer, db):
    c = (await client.post("/v1/complaints", json={"description": "Pohon tumbang"}, headers=app_key)).json()
    await transition(client, c["id"], {"status": "in_progress"}, officer)
    await client.post(f"/v1/complaints/{c['id']}/comments", json={"note": "dicek"}, headers=officer)
    await client.get(f"/v1/complaints/{c['id']}", headers=officer)  # a read of the reporter? none given
    r = await client.get("/v1/audit", params={"complaint_id": c["id"]}, headers=admin)
    assert r.status_code == 200
    actions = [e["action"] for e in r.json()["items"]]
    assert actions == ["complaint.comment", "complaint.transition"]  # newest first
    assert (
        r.json()["items"][1]["data"]["from"] == "received" and r.json()["items"][1]["actor_role"] == "officer"
    )
    for who in (app_key, officer):
        assert (await client.get("/v1/audit", headers=who)).status_code == 403
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
        await db.execute("UPDATE audit_log SET action = 'nothing'")
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
        await db.execute("DELETE FROM audit_log")
    # app keys' own moves are theirs, not an officer's: an app reopen is audited too
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE complaint_id = $1::uuid", c["id"]) == 2


async def test_reads_of_personal_data_and_key_changes_are_audited(client, admin, app_key, officer):
    c = (
        await client.post(
            "/v1/complaints",
            json={"description": "x", "reporter": {"name": "Dewi", "phone": "0813 1111 0003"}},
            headers=app_key,
        )
    ).json()
    await client.get(f"/v1/complaints/{c['id']}", headers=officer)
    reads = (await client.get("/v1/audit", params={"action": "reporter.read"}, headers=admin)).json()["items"]
    assert [e["complaint_id"] for e in reads] == [c["id"]]
    made = (await client.get("/v1/audit", params={"action": "api_key.create"}, headers=admin)).json()["items"]
    assert len(made) >= 2  # the app key and the officer key of the fixtures
    since = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert (await client.get("/v1/audit", params={"since": since}, headers=admin)).json()["items"] == []
    page = await client.get("/v1/audit", params={"limit": 1}, headers=admin)
    nxt = await client.get(
        "/v1/audit", params={"limit": 1, "cursor": page.json()["next_cursor"]}, headers=admin
    )
    assert nxt.json()["items"][0]["id"] < page.json()["items"][0]["id"]
    assert (await client.get("/v1/audit", params={"cursor": "nonsense!"}, headers=admin)).status_code == 422


@pytest.mark.parametrize("privacy", ["secret", "anonymous"])
async def test_photos_of_non_public_complaints_reach_staff_only_as_signed_links(
    client, app_key, admin, privacy
):
    """Before: photos of secret complaints were public URLs."""
    from tests.channels.test_media_links import _png

    photo = _png()
    r = await client.post(
        "/v1/channels/jaki/reports",
        data={"description": "Pungli di loket", "lat": "-6.1962", "lon": "106.8317", "privacy": privacy},
        files=[("photos", ("bukti.png", photo, "image/png"))],
        headers=app_key,
    )
    assert r.status_code == 201, r.text
    cid = r.json()["outcomes"][0]["complaint_id"]
    view = (await client.get(f"/v1/complaints/{cid}", headers=admin)).json()
    link = view["attachments"][0]["url"]
    assert "sig=" in link and "expires=" in link
    plain = link.split("?", 1)[0]
    assert (await client.get(plain)).status_code == 404
    got = await client.get(link)
    assert got.status_code == 200 and got.content == photo and "no-store" in got.headers["cache-control"]
    listed = (await client.get("/v1/complaints", headers=admin)).json()["items"][0]
    assert (
        await client.get(listed["attachments"][0]["url"])
    ).status_code == 404  # a list links nothing public


async def test_an_app_reads_its_own_jaki_reports_and_nothing_of_anothers(client, make_key):
    """A JAKI report belongs to the key that sent it (before: to the channel, so the app could not
    read it, and another app reusing its client_report_id was told its ticket)."""
    first, second = await make_key("app", "jaki-1"), await make_key("app", "jaki-2")
    report = {
        "description": "Pohon tumbang menutup jalan",
        "location": {"lat": -6.1962, "lon": 106.8317},
        "client_report_id": "r-0001",
    }
    r = await client.post("/v1/channels/jaki/reports", json=report, headers=first)
    assert r.status_code == 201, r.text
    made = r.json()["outcomes"][0]
    assert (await client.get(f"/v1/complaints/{made['complaint_id']}", headers=first)).status_code == 200
    assert (await client.get(f"/v1/complaints/{made['complaint_id']}", headers=second)).status_code == 404
    again = await client.post("/v1/channels/jaki/reports", json=report, headers=first)
    assert again.json()["outcomes"][0]["ticket"] == made["ticket"]  # the owner's retry: its ticket
    stolen = await client.post("/v1/channels/jaki/reports", json=report, headers=second)
    assert stolen.json()["outcomes"][0]["action"] == "failed"
    assert made["ticket"] not in stolen.text and made["complaint_id"] not in stolen.text


async def test_key_revocation_rotation_and_reporter_fixes_per_role(client, admin, make_key):
    """Who may not call the new key and reporter endpoints, or may not see their target."""
    await _unit(client, admin, "kel-p")
    await _unit(client, admin, "kel-q")
    _, sup_q = await _officer(client, admin, "kel-q", "Lurah Q", role="supervisor")
    _, officer_q = await _officer(client, admin, "kel-q", "Petugas Q")
    target = await client.post(
        "/v1/api-keys", json={"name": "desk-p", "role": "officer", "unit": "kel-p"}, headers=admin
    )
    kid = target.json()["id"]
    for role in ("officer", "app", "partner"):
        key = await make_key(role, f"{role}-x")
        assert (await client.delete(f"/v1/api-keys/{kid}", headers=key)).status_code == 403, role
        assert (await client.post(f"/v1/api-keys/{kid}/rotate", headers=key)).status_code == 403, role
    # another unit's supervisor: the key is not theirs to see
    assert (await client.get(f"/v1/api-keys/{kid}", headers=sup_q)).status_code == 404
    assert (await client.post(f"/v1/api-keys/{kid}/rotate", headers=sup_q)).status_code == 404
    assert (await client.delete(f"/v1/api-keys/{kid}", headers=sup_q)).status_code == 404
    # a reporter of a complaint only kel-p handles: kel-q's staff cannot correct (or find) them
    desk_p = {"Authorization": f"Bearer {target.json()['key']}"}
    c = await client.post(
        "/v1/complaints",
        json={"description": "x", "reporter": {"name": "Warga P", "phone": "0813 1111 0009"}},
        headers=desk_p,
    )
    rep = (await client.get(f"/v1/complaints/{c.json()['id']}", headers=admin)).json()["reporter"]
    for key in (sup_q, officer_q):
        r = await client.patch(
            f"/v1/reporters/{rep['id']}",
            json={"name": "X", "reason": "coba"},
            headers={**key, "If-Match": '"1"'},
        )
        assert r.status_code == 404, r.text
    r = await client.patch(
        f"/v1/reporters/{rep['id']}",
        json={"name": "Warga P.", "reason": "ejaan"},
        headers={**desk_p, "If-Match": '"1"'},
    )
    assert r.status_code == 200  # the desk that took it in may
