"""GET /v1/complaints: filters and keyset pagination."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


async def _seed(client, headers, n, **extra):
    out = []
    for i in range(n):
        r = await client.post("/v1/complaints", json={"description": f"Keluhan nomor {i}", **extra}, headers=headers)
        out.append(r.json())
    return out


async def test_filters(client, app_key, officer):
    await _seed(client, app_key, 3, category="roads")
    await _seed(client, app_key, 2, category="rubbish", channel="sms")
    special = (await client.post("/v1/complaints", json={"description": "Kabel menjuntai di Jl. Sabang"}, headers=app_key)).json()
    await client.post(f"/v1/complaints/{special['id']}/transitions", json={"status": "in_progress"}, headers=officer)

    async def ids(**params):
        r = await client.get("/v1/complaints", params=params, headers=officer)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert len(await ids(category="roads")) == 3
    assert len(await ids(channel="sms")) == 2
    assert len(await ids(category=["roads", "rubbish"])) == 5
    assert await ids(status="in_progress") == [special["id"]]
    assert await ids(q="menjuntai") == [special["id"]]
    assert await ids(q="100%_") == []
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await ids(created_from=future) == []
    assert len(await ids(created_to=future)) == 6


async def test_bad_filters_are_422(client, officer):
    for params in ({"limit": 0}, {"limit": 101}, {"status": "open"}, {"cursor": "!!"}, {"created_from": "yesterday"}):
        r = await client.get("/v1/complaints", params=params, headers=officer)
        assert r.status_code == 422, params
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_cursor_pages_are_complete_and_stable_under_concurrent_inserts(client, app_key, officer):
    created = await _seed(client, app_key, 25)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page_req = client.get("/v1/complaints", params=params, headers=officer)
        # new complaints arrive while we page: they must not shift or repeat what we read
        insert = client.post("/v1/complaints", json={"description": f"baru {pages}"}, headers=app_key)
        page, _ = await asyncio.gather(page_req, insert)
        body = page.json()
        seen.extend(i["id"] for i in body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    original = {c["id"] for c in created}
    assert original <= set(seen)
    assert len(seen) == len(set(seen)), "a complaint appeared on two pages"
    assert pages >= 4
