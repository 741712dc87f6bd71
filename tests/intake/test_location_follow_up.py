"""A WhatsApp location completing an earlier message places the complaint and hands it on."""

from __future__ import annotations

import copy

from tests.channels.test_cross_channel import _post_json, _whatsapp
from tests.org.helpers import IN_SUKAMAJU, SUKAMAJU, full, setup_routing


def _location(wamid: str, point: dict) -> dict:
    payload = _whatsapp(wamid, "x")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message.pop("text")
    message.update({"type": "location", "location": {"latitude": point["lat"], "longitude": point["lon"]}})
    return copy.deepcopy(payload)


async def test_location_places_and_routes_the_open_complaint(client, admin, officer):
    await setup_routing(client, admin)
    wa = ("/v1/channels/whatsapp/webhook", "x-hub-signature-256", "ADUAN_WHATSAPP_APP_SECRET")
    first = await _post_json(client, wa[0], _whatsapp("wamid.T1", "Got mampet, air meluap ke jalan"), *wa[1:])
    assert first.status_code == 201, first.text
    cid = first.json()["outcomes"][0]["complaint_id"]
    before = await full(client, officer, cid)
    assert before["area"] is None and before["location"] is None

    loc = await _post_json(client, wa[0], _location("wamid.T2", IN_SUKAMAJU), *wa[1:])
    assert loc.status_code == 200 and loc.json()["outcomes"][0]["action"] == "followed_up", loc.text
    after = await full(client, officer, cid)
    assert after["location"]["lat"] == IN_SUKAMAJU["lat"]
    assert after["area"]["kelurahan"]["code"] == SUKAMAJU and after["area"]["source"] == "point"
    assert after["unit"] == "kel-31.99.01.1001"
    routed = [e for e in after["events"] if e["kind"] == "routed"]
    assert (
        routed[-1]["data"]["trigger"] == "location" and routed[-1]["data"]["to_unit"] == "kel-31.99.01.1001"
    )
