"""The Governor's Instagram (channel ``governor_social``, ``object: instagram``).

``comments`` (and ``live_comments``) on the Governor's media become public
complaints; ``messages`` (Instagram Direct) become secret complaints; a
``mentions`` change carries only ids, so it is stored as ``Deferred`` until the
text is fetched from the Graph API (behind the pipeline's fetch interface: the
adapter never calls the network).  The account's own replies and DM echoes are
ignored.
"""

from __future__ import annotations

from typing import Any

from app.channels.adapters import meta
from app.complaints.tickets import find_ticket
from app.intake.drafts import (
    AdapterError,
    ComplaintDraft,
    Deferred,
    Delivery,
    Ignored,
    Outcome,
    ReporterDraft,
)

CODE = "governor_social"


class InstagramAdapter:
    code = CODE

    def parse(self, delivery: Delivery) -> list[Outcome]:
        payload = meta.load_payload(delivery.body, "instagram")
        outcomes: list[Outcome] = []
        for event in meta.iter_events(payload):
            if event.kind == "standby":
                outcomes.append(Ignored("standby"))
            elif event.kind == "messaging":
                outcomes.append(_message(event))
            elif event.field in ("comments", "live_comments"):
                outcomes.append(_comment(event))
            elif event.field == "mentions":
                outcomes.append(_mention(event))
            elif event.field == "messages":
                # Instagram-Login apps (and the dashboard's test button) deliver DMs as a change.
                outcomes.append(_message(event))
            else:
                outcomes.append(Ignored("unsupported_field"))
        return outcomes


def _message(event: meta.Event) -> Outcome:
    return meta.messaging_outcome(
        event,
        channel=CODE,
        handle_key="instagram_id",
        via="Instagram",
        extra_metadata={"source": "instagram_direct"},
    )


def _comment(event: meta.Event) -> Outcome:
    value = event.value
    where = "changes.value"
    comment_id = meta.str_field(value, "id", where)
    sender = meta.opt_obj(value, "from", where)
    if sender is None:
        raise AdapterError(f"{where}.from is required for a comment")
    sender_id = meta.str_field(sender, "id", f"{where}.from")
    if sender_id == event.entry_id:
        # The Governor's team replying under the post.
        return Ignored("own_post", external_id=comment_id)
    text = (meta.opt_str(value, "text", where) or "").strip()
    if not text:
        return Ignored("empty_message", external_id=comment_id)
    username = meta.opt_str(sender, "username", f"{where}.from")
    handles = {"instagram_id": sender_id}
    if username:
        handles["instagram"] = username
    metadata: dict[str, Any] = {"field": event.field}
    media = meta.opt_obj(value, "media", where)
    if media:
        for key in ("id", "media_product_type", "original_media_id", "ad_id"):
            if media.get(key) is not None:
                metadata["media_id" if key == "id" else key] = media[key]
    parent_id = meta.opt_str(value, "parent_id", where)
    if parent_id:
        metadata["parent_id"] = parent_id
    draft = ComplaintDraft(
        channel=CODE,
        external_id=comment_id,
        description=text,
        reporter=ReporterDraft(handles=handles),
        privacy="public",
        received_at=event.entry_time,
        metadata=metadata,
        thread_keys=[comment_id],
    )
    ticket = find_ticket(text)
    if ticket or parent_id:
        # A reply under a comment that made a complaint belongs to that complaint.
        return meta.follow_up_from(draft, ticket=ticket, thread_refs=[parent_id] if parent_id else [])
    return draft


def _mention(event: meta.Event) -> Outcome:
    value = event.value
    where = "changes.value"
    media_id = meta.opt_str(value, "media_id", where)
    comment_id = meta.opt_str(value, "comment_id", where)
    if not media_id and not comment_id:
        raise AdapterError("a mention needs media_id or comment_id")
    metadata: dict[str, Any] = {"field": "mentions", "account_id": event.entry_id}
    if media_id:
        metadata["media_id"] = media_id
    if comment_id:
        metadata["comment_id"] = comment_id
    # A mention in a comment is identified by the comment; one in a caption by the media.
    return Deferred(reason="needs_fetch", external_id=comment_id or media_id, metadata=metadata)


ADAPTER = InstagramAdapter()
