"""Who sees outbound messages. ``GET /v1/complaints/{id}/messages``: staff who may read the
complaint (others 404, app and partner keys 403), the recipient's address only for those who may
see the reporter (an anonymous reporter's: admins only). ``GET /v1/outbound`` and retry: admins."""

from __future__ import annotations

import uuid

from tests.outbound.test_flow_sms_gateway import text_in
from tests.security.test_role_matrix import City, city  # noqa: F401

PHONE = "+6281311110000"


async def sms_complaint(client, db, dispatch, unit: str, privacy: str) -> str:  # type: ignore[no-untyped-def]
    r = await text_in(
        client, "MO-roles-1", "Jalan berlubang di Jl. Cikini Raya dekat halte, motor sering jatuh."
    )
    assert r.status_code == 201, r.text
    cid = str(r.json()["outcomes"][0]["complaint_id"])
    await dispatch()
    await db.execute(
        "UPDATE complaints SET unit_code = $1, privacy = $2 WHERE id = $3::uuid", unit, privacy, cid
    )
    return cid


async def test_complaint_messages_per_role(client, city: City, db, dispatch) -> None:  # noqa: F811
    cid = await sms_complaint(client, db, dispatch, "kel-a", "anonymous")
    url = f"/v1/complaints/{cid}/messages"
    r = await client.get(url, headers=city.keys["admin"])
    assert r.status_code == 200, r.text
    (ack,) = r.json()["items"]
    assert (
        ack["platform"] == "sms_gateway" and ack["status"] == "sent" and ack["recipient"] == {"phone": PHONE}
    )
    r = await client.get(url, headers=city.keys["officer_a"])
    assert r.status_code == 200 and r.json()["items"][0]["recipient"] is None  # anonymous: admins only
    assert PHONE not in r.text
    for who in ("officer_b", "sup_b"):
        assert (await client.get(url, headers=city.keys[who])).status_code == 404, who
    for who in ("app1", "app2", "partner"):
        assert (await client.get(url, headers=city.keys[who])).status_code == 403, who
    assert (await client.get(url)).status_code == 401
    await db.execute("UPDATE complaints SET privacy = 'public' WHERE id = $1::uuid", cid)
    r = await client.get(url, headers=city.keys["officer_a"])
    assert r.json()["items"][0]["recipient"] == {"phone": PHONE}


async def test_outbound_list_and_retry_are_admin_only(client, city: City, db, dispatch) -> None:  # noqa: F811
    await sms_complaint(client, db, dispatch, "kel-a", "public")
    r = await client.get("/v1/outbound", headers=city.keys["admin"])
    assert r.status_code == 200 and len(r.json()["items"]) == 1
    mid = r.json()["items"][0]["id"]
    for who in ("officer_a", "sup_p", "desk", "app1", "partner"):
        assert (await client.get("/v1/outbound", headers=city.keys[who])).status_code == 403, who
        assert (await client.get(f"/v1/outbound/{mid}", headers=city.keys[who])).status_code == 403, who
        assert (await client.post(f"/v1/outbound/{mid}/retry", headers=city.keys[who])).status_code == 403, (
            who
        )
    # a sent message is not retried
    assert (await client.post(f"/v1/outbound/{mid}/retry", headers=city.keys["admin"])).status_code == 409
    assert (await client.get(f"/v1/outbound/{uuid.uuid4()}", headers=city.keys["admin"])).status_code == 404
    r = await client.get("/v1/outbound", params={"cursor": "not-a-cursor"}, headers=city.keys["admin"])
    assert r.status_code == 422


async def test_outbound_list_pages_in_order(client, admin, officer, dispatch) -> None:
    for i in range(5):
        r = await client.post(
            "/v1/complaints", json={"description": f"Pohon tumbang nomor {i}"}, headers=officer
        )
        assert r.status_code == 201
    await dispatch()
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/outbound", params=params, headers=admin)).json()
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5
