"""Instagram mentions carry only ids: their text is fetched from the Graph API later.

The fetch sits behind ``MentionSource`` so the pipeline never depends on the
network: ``GraphApiMentionSource`` is the real one (IG User ``mentioned_comment``
/ ``mentioned_media`` fields, with ``ADUAN_INSTAGRAM_ACCESS_TOKEN``); tests give
their own. ``complete_mentions`` turns every stored ``needs_fetch`` delivery into
complaints, exactly once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from app.channels import repository
from app.core.http import dumps
from app.intake.deliveries import Pipeline, delivery_from_row
from app.intake.drafts import ComplaintDraft, Deferred, ReporterDraft

GRAPH_URL = "https://graph.facebook.com/v21.0"


class MentionSource(Protocol):
    async def fetch_mention(
        self, account_id: str, *, media_id: str | None, comment_id: str | None
    ) -> dict[str, Any]:
        """``{"text", "username", "timestamp"}`` of the comment or caption that mentioned the account."""
        ...


class GraphApiMentionSource:
    def __init__(self, access_token: str, client: httpx.AsyncClient | None = None):
        self.token = access_token
        self.client = client or httpx.AsyncClient(timeout=10)

    async def fetch_mention(
        self, account_id: str, *, media_id: str | None, comment_id: str | None
    ) -> dict[str, Any]:
        if comment_id:
            fields = f"mentioned_comment.comment_id({comment_id}){{text,username,timestamp}}"
            key = "mentioned_comment"
        else:
            fields = f"mentioned_media.media_id({media_id}){{caption,username,timestamp,permalink}}"
            key = "mentioned_media"
        r = await self.client.get(
            f"{GRAPH_URL}/{account_id}", params={"fields": fields, "access_token": self.token}
        )
        r.raise_for_status()
        data = r.json().get(key) or {}
        return {"text": data.get("text") or data.get("caption") or "", **data}


async def complete_mentions(
    pipeline: Pipeline, source: MentionSource, *, limit: int = 100
) -> list[dict[str, Any]]:
    """Fetch the text of stored mentions and create their complaints."""
    from app.channels.registry import ENDPOINTS

    adapter = ENDPOINTS["governor_social"]
    async with pipeline.db.raw() as conn:
        rows = await repository.mentions_to_fetch(conn, limit)
    results: list[dict[str, Any]] = []
    for row in rows:
        outcomes: list[dict[str, Any]] = []
        errors: list[str] = []
        for outcome in adapter.parse(delivery_from_row(row)):
            if not isinstance(outcome, Deferred):
                continue  # the rest of the batch was applied when it arrived
            md = outcome.metadata
            try:
                found = await source.fetch_mention(
                    md["account_id"], media_id=md.get("media_id"), comment_id=md.get("comment_id")
                )
            except Exception as exc:  # stays needs_fetch; the next run tries again
                errors.append(f"{outcome.external_id}: {type(exc).__name__}")
                continue
            text = (found.get("text") or "").strip()
            if not text:
                outcomes.append(
                    {"action": "ignored", "reason": "empty_mention", "external_id": outcome.external_id}
                )
                continue
            ts = found.get("timestamp")
            draft = ComplaintDraft(
                channel="governor_social",
                external_id=outcome.external_id,
                description=text,
                reporter=ReporterDraft(handles={"instagram": found["username"]})
                if found.get("username")
                else None,
                metadata={**md, "fetched_at": datetime.now(UTC).isoformat()},
                received_at=_parse_ts(ts),
                thread_keys=[outcome.external_id] if outcome.external_id else [],
            )
            result = await pipeline.apply(draft, row["id"])
            outcomes.append(result)
            if result.get("complaint_id"):
                # a later redelivery of the mention names the complaint it became
                async with pipeline.db.raw() as conn:
                    await repository.name_event_complaint(
                        conn,
                        "governor_social",
                        f"deferred:{outcome.external_id}",
                        uuid.UUID(result["complaint_id"]),
                    )
        if not errors:
            async with pipeline.db.raw() as conn:
                await repository.mark_processed(conn, row["id"], dumps(outcomes).decode())
        results.extend(outcomes)
    return results


def _parse_ts(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("+0000", "+00:00"))
    except ValueError:
        return None
