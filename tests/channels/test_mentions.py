"""An Instagram mention is stored as needs_fetch, then completed through the fetch interface."""

from __future__ import annotations

import hashlib
import hmac
import json

from app.channels.graph import complete_mentions
from tests.conftest import CHANNEL_SECRETS

MENTION = {
    "object": "instagram",
    "entry": [
        {
            "id": "17841400000000000",
            "time": 1772334760,
            "changes": [
                {
                    "field": "mentions",
                    "value": {"media_id": "17887498072083520", "comment_id": "17865799348089039"},
                }
            ],
        }
    ],
}


class FakeGraph:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    async def fetch_mention(self, account_id, *, media_id, comment_id):  # type: ignore[no-untyped-def]
        self.calls.append((account_id, media_id, comment_id))
        return {
            "text": "@aniesbaswedan banjir lagi di Jl. Kemang Raya",
            "username": "warga_kemang",
            "timestamp": "2026-03-01T03:12:40+0000",
        }


async def test_mention_is_kept_then_completed_once(client, app, admin, db):
    body = json.dumps(MENTION).encode()
    sig = (
        "sha256="
        + hmac.new(CHANNEL_SECRETS["ADUAN_INSTAGRAM_APP_SECRET"].encode(), body, hashlib.sha256).hexdigest()
    )
    headers = {"content-type": "application/json", "x-hub-signature-256": sig}
    r = await client.post("/v1/channels/governor-social/webhook", content=body, headers=headers)
    assert r.status_code == 202 and r.json()["outcomes"][0]["action"] == "buffered"
    waiting = (await client.get("/v1/inbound", params={"status": "needs_fetch"}, headers=admin)).json()[
        "items"
    ]
    assert len(waiting) == 1
    graph = FakeGraph()
    results = await complete_mentions(app.state.pipeline, graph)
    assert [o["action"] for o in results] == ["created"]
    assert graph.calls == [("17841400000000000", "17887498072083520", "17865799348089039")]
    assert await complete_mentions(app.state.pipeline, graph) == []  # nothing left to fetch
    again = await client.post("/v1/channels/governor-social/webhook", content=body, headers=headers)
    assert again.status_code == 200 and again.json()["outcomes"][0]["action"] == "duplicate"
    assert again.json()["outcomes"][0]["ticket"] == results[0]["ticket"]
    assert await db.fetchval("SELECT count(*) FROM complaints") == 1
