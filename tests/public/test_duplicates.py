"""The intake flags probable duplicates for officers: an open complaint of the same category,
near in space and time, with similar words (or at the very same spot)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import transition


async def file(client: httpx.AsyncClient, key: dict[str, str], text: str, at: tuple[float, float],
               category: str = "roads") -> dict[str, Any]:  # fmt: skip
    body = {"description": text, "category": category, "location": {"lat": at[0], "lon": at[1]}}
    r = await client.post("/v1/complaints", json=body, headers=key)
    assert r.status_code == 201, r.text
    return r.json()


async def full(client: httpx.AsyncClient, cid: str, admin: dict[str, str]) -> dict[str, Any]:
    r = await client.get(f"/v1/complaints/{cid}", headers=admin)
    assert r.status_code == 200, r.text
    return r.json()


async def test_probable_duplicates_are_flagged(client, app_key, admin) -> None:
    first = await file(
        client,
        app_key,
        "Jalan berlubang besar di depan halte Cikini, motor sering jatuh",
        (-6.1915, 106.8412),
    )
    # ~80 m away, the same words in other forms: a probable duplicate.
    again = await file(
        client, app_key, "Ada lubang besar di jalan dekat halte Cikini, motor jatuh", (-6.1920, 106.8417)
    )
    view = await full(client, again["id"], admin)
    assert "probable_duplicate" in view["flags"]
    dups = view["metadata"]["probable_duplicates"]
    assert [d["ticket"] for d in dups] == [first["ticket"]] and dups[0]["id"] == first["id"]
    assert 50 < dups[0]["distance_m"] < 110 and dups[0]["similarity"] >= 0.3
    assert "probable_duplicate" not in (await full(client, first["id"], admin))["flags"]

    # Other words ~80 m away: not flagged; other words at the very same spot: flagged.
    other = await file(client, app_key, "Aspal mengelupas parah sepanjang trotoar", (-6.1910, 106.8407))
    assert "probable_duplicate" not in (await full(client, other["id"], admin))["flags"]
    spot = await file(client, app_key, "Aspal mengelupas parah sepanjang trotoar", (-6.19151, 106.84121))
    assert "probable_duplicate" in (await full(client, spot["id"], admin))["flags"]

    # Another category, or far away: not flagged.
    light = await file(
        client, app_key, "Jalan berlubang besar di depan halte Cikini", (-6.1915, 106.8412), "street_lights"
    )
    far = await file(client, app_key, "Jalan berlubang besar di depan halte Cikini", (-6.2100, 106.8412))
    for c in (light, far):
        assert "probable_duplicate" not in (await full(client, c["id"], admin))["flags"]


async def test_a_closed_complaint_is_no_duplicate_target(client, app_key, admin) -> None:
    done = await file(client, app_key, "Jalan berlubang di depan halte Cikini", (-6.1915, 106.8412))
    for s in ("in_progress", "pending_validation", "resolved"):
        assert (await transition(client, done["id"], {"status": s}, admin)).status_code == 200
    again = await file(client, app_key, "Jalan berlubang di depan halte Cikini", (-6.1915, 106.8412))
    assert "probable_duplicate" not in (await full(client, again["id"], admin))["flags"]
