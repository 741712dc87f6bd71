"""GET /v1/complaints: filters and keyset pagination."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.helpers import transition


async def _seed(client, headers, n, **extra):
    out = []
    for i in range(n):
        r = await client.post(
            "/v1/complaints", json={"description": f"Keluhan nomor {i}", **extra}, headers=headers
        )
        out.append(r.json())
    return out


async def test_filters(client, app_key, officer):
    await _seed(client, app_key, 3, category="roads")
    await _seed(client, officer, 2, category="rubbish", channel="kelurahan")
    special = (
        await client.post(
            "/v1/complaints", json={"description": "Kabel menjuntai di Jl. Sabang"}, headers=app_key
        )
    ).json()
    await transition(client, special["id"], {"status": "in_progress"}, officer)

    async def ids(**params):
        r = await client.get("/v1/complaints", params=params, headers=officer)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert len(await ids(category="roads")) == 3
    assert len(await ids(channel="kelurahan")) == 2
    assert len(await ids(category=["roads", "rubbish"])) == 5
    assert await ids(status="in_progress") == [special["id"]]
    assert await ids(q="menjuntai") == [special["id"]]
    assert await ids(q="100%_") == []
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await ids(created_from=future) == []
    assert len(await ids(created_to=future)) == 6


async def test_bad_filters_are_422(client, officer):
    for params in (
        {"limit": 0},
        {"limit": 101},
        {"status": "open"},
        {"cursor": "!!"},
        {"created_from": "yesterday"},
    ):
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


async def test_list_items_equal_the_single_complaint_view(client, app_key, officer):
    """The list is rendered by PostgreSQL, the single view by Python: they must agree."""
    c = (
        await client.post(
            "/v1/complaints",
            json={
                "title": "Lampu mati",
                "description": "Lampu PJU mati, hubungi 0812-1111-2222",
                "category": "street_lights",
                "location": {
                    "lat": -6.1915,
                    "lon": 106.8412,
                    "accuracy_m": 8.5,
                    "address": "Jl. Cikini Raya",
                },
                "attachments": [{"url": "https://example.com/a.jpg", "media_type": "image/jpeg"}],
                "metadata": {"app_version": "4.2.1", "nested": {"x": [1, 2.5, None]}},
                "privacy": "anonymous",
            },
            headers=app_key,
        )
    ).json()
    plain = (
        await client.post("/v1/complaints", json={"description": "Trotoar rusak"}, headers=app_key)
    ).json()
    for status in ("in_progress", "pending_validation", "resolved"):
        await transition(client, c["id"], {"status": status}, officer)
    listed = {i["id"]: i for i in (await client.get("/v1/complaints", headers=officer)).json()["items"]}

    def same_instants(view: dict) -> dict:
        # RFC 3339 either way; PostgreSQL drops trailing zeros of the fraction
        for key in ("created_at", "received_at", "updated_at", "due_at", "response_due_at", "ews_at"):
            if view[key] is not None:
                view[key] = datetime.fromisoformat(view[key])
        return view

    for cid in (c["id"], plain["id"]):
        single = (await client.get(f"/v1/complaints/{cid}", headers=officer)).json()
        single.pop("reporter"), single.pop("events")
        assert same_instants(listed[cid]) == same_instants(single)
    assert listed[c["id"]]["allowed_transitions"] == ["in_progress"]


async def test_the_prerendered_list_is_a_valid_complaint_list(client, app_key, officer):
    """The page PostgreSQL renders is answered as it is: it must be what ComplaintList documents."""
    from app.complaints.schemas import ComplaintList

    c = (
        await client.post(
            "/v1/complaints",
            json={
                "title": "Pohon tumbang",
                "description": "Pohon tumbang menutup jalan",
                "category": "trees",
                "location": {"lat": -6.2, "lon": 106.8, "accuracy_m": 12, "address": "Jl. Sabang"},
                "attachments": [{"url": "https://example.com/p.jpg", "media_type": "image/jpeg"}],
                "metadata": {"app_version": "4.2.1"},
            },
            headers=app_key,
        )
    ).json()
    await _seed(client, app_key, 2)
    await transition(client, c["id"], {"status": "in_progress", "note": "OTW", "public": True}, officer)
    r = await client.get("/v1/complaints", params={"limit": 2}, headers=officer)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    page = ComplaintList.model_validate_json(r.content)
    assert len(page.items) == 2 and page.next_cursor
    rest = ComplaintList.model_validate_json(
        (await client.get("/v1/complaints", params={"cursor": page.next_cursor}, headers=officer)).content
    )
    assert rest.next_cursor is None
    [mine] = [i for i in page.items + rest.items if str(i.id) == c["id"]]
    assert mine.status == "in_progress" and mine.location is not None and mine.location.accuracy_m == 12


async def test_times_are_written_with_their_offset_as_before(client, app_key, officer):
    """Answers rendered through their models write times as ``isoformat`` does (``+00:00``), the
    way the API always wrote them, not pydantic's ``Z``."""
    c = (await client.post("/v1/complaints", json={"description": "Lampu mati"}, headers=app_key)).json()
    r = await transition(client, c["id"], {"status": "in_progress"}, officer)
    comment = await client.post(f"/v1/complaints/{c['id']}/comments", json={"note": "ok"}, headers=officer)
    single = (await client.get(f"/v1/complaints/{c['id']}", headers=officer)).json()
    for text in (
        r.json()["updated_at"],
        comment.json()["created_at"],
        single["created_at"],
        single["due_at"] or single["created_at"],
        single["events"][0]["created_at"],
    ):
        assert text == datetime.fromisoformat(text).isoformat() and not text.endswith("Z"), text
