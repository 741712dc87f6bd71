"""Facebook Page webhooks (``object: page``): the Page ``feed`` and Messenger.

Feed changes (``item``/``verb``): citizens' posts and comments on the Pemprov DKI
page become complaints; ``verb=edited`` edits the complaint a post or comment made;
a comment threads onto the complaint its post (or parent comment) made, falling back
to a new complaint when that post made none (e.g. a comment under the page's own
announcement).  Messenger messages become secret complaints.  Everything else
(reactions, likes, removals, the page's own posts, echoes, receipts) is ignored
with a reason, one outcome per event, in delivery order.
"""

from __future__ import annotations

from typing import Any

from app.channels.adapters import meta
from app.complaints.tickets import find_ticket
from app.intake.drafts import (
    AdapterError,
    AttachmentDraft,
    ComplaintDraft,
    Delivery,
    Edit,
    Ignored,
    Outcome,
    ReporterDraft,
)

CODE = "facebook"

_POST_ITEMS = {"post", "status", "photo", "video", "share"}
_REMOVED_VERBS = {"remove", "delete", "hide"}
_EDIT_VERBS = {"edited", "edit"}


class FacebookAdapter:
    code = CODE

    def parse(self, delivery: Delivery) -> list[Outcome]:
        payload = meta.load_payload(delivery.body, "page")
        outcomes: list[Outcome] = []
        for event in meta.iter_events(payload):
            if event.kind == "standby":
                # Another app owns the conversation (handover protocol); it answers, not us.
                outcomes.append(Ignored("standby"))
            elif event.kind == "messaging":
                outcomes.append(
                    meta.messaging_outcome(event, channel=CODE, handle_key="facebook_psid", via="Messenger")
                )
            elif event.field == "feed":
                outcomes.append(_feed_outcome(event))
            else:
                outcomes.append(Ignored("unsupported_field"))
        return outcomes


def _feed_outcome(event: meta.Event) -> Outcome:
    value = event.value
    where = "changes.value"
    item = meta.opt_str(value, "item", where)
    verb = meta.opt_str(value, "verb", where)
    if not item or not verb:
        raise AdapterError("a feed change needs 'item' and 'verb'")
    post_id = meta.opt_str(value, "post_id", where)
    comment_id = meta.opt_str(value, "comment_id", where)
    own_id = comment_id if item == "comment" else post_id

    if item in ("reaction", "like"):
        return Ignored(item, external_id=own_id)
    if item != "comment" and item not in _POST_ITEMS:
        return Ignored("unsupported_item", external_id=own_id)
    if not own_id:
        raise AdapterError(f"a feed {item} needs {'comment_id' if item == 'comment' else 'post_id'}")

    sender = meta.opt_obj(value, "from", where)
    sender_id = meta.opt_str(sender, "id", f"{where}.from") if sender else None
    if sender_id is not None and sender_id == event.entry_id:
        return Ignored("own_post", external_id=own_id)
    if verb in _REMOVED_VERBS:
        return Ignored("removed", external_id=own_id)

    text = (meta.opt_str(value, "message", where) or "").strip()
    received = (
        meta.timestamp(value["created_time"], f"{where}.created_time")
        if value.get("created_time") is not None
        else event.entry_time
    )
    if verb in _EDIT_VERBS:
        if not text:
            return Ignored("edit_without_text", external_id=own_id)
        stamp = int(event.entry_time.timestamp()) if event.entry_time else "0"
        return Edit(
            CODE,
            target_external_id=own_id,
            # The same edit redelivered must be recognised; the entry time marks this edit.
            external_id=f"{own_id}#edit-{stamp}",
            description=text,
            received_at=event.entry_time or received,
        )
    if verb != "add":
        return Ignored("unsupported_verb", external_id=own_id)

    attachments = _feed_attachments(value, item, where)
    if not text and not attachments:
        return Ignored("empty_message", external_id=own_id)
    reporter = None
    if sender is not None:
        reporter = ReporterDraft(
            name=meta.opt_str(sender, "name", f"{where}.from"),
            handles={"facebook_id": sender_id} if sender_id else {},
        )
    draft = ComplaintDraft(
        channel=CODE,
        external_id=own_id,
        description=text or "Foto dikirim via Facebook",
        attachments=attachments,
        reporter=reporter,
        privacy="public",
        received_at=received,
        metadata=_feed_metadata(value, where),
        thread_keys=[own_id],
    )
    ticket = find_ticket(text)
    if item == "comment":
        parent_id = meta.opt_str(value, "parent_id", where)
        refs = [ref for ref in (post_id, parent_id) if ref]
        return meta.follow_up_from(draft, ticket=ticket, thread_refs=list(dict.fromkeys(refs)))
    if ticket:
        return meta.follow_up_from(draft, ticket=ticket)
    return draft


def _feed_attachments(value: dict[str, Any], item: str, where: str) -> list[AttachmentDraft]:
    out: list[AttachmentDraft] = []
    if item == "comment":
        photo = meta.opt_str(value, "photo", where)
        if photo:
            out.append(AttachmentDraft(url=photo, media_type="image/*"))
        video = meta.opt_str(value, "video", where)
        if video:
            out.append(AttachmentDraft(url=video, media_type="video/*"))
        return out
    if item == "photo":
        link = meta.opt_str(value, "link", where)
        if link:
            out.append(AttachmentDraft(url=link, media_type="image/*"))
    elif item == "video":
        link = meta.opt_str(value, "link", where)
        if link:
            out.append(AttachmentDraft(url=link, media_type="video/*"))
    for i, url in enumerate(meta.opt_list(value, "photos", where)):
        if not isinstance(url, str):
            raise AdapterError(f"{where}.photos[{i}] must be a URL string")
        if all(a.url != url for a in out):
            out.append(AttachmentDraft(url=url, media_type="image/*"))
    return out


# Channel extras worth keeping; the author's identity goes to the reporter only.
_FEED_EXTRAS = ("item", "verb", "post_id", "parent_id", "photo_id", "video_id", "published", "is_hidden")


def _feed_metadata(value: dict[str, Any], where: str) -> dict[str, Any]:
    metadata = {key: value[key] for key in _FEED_EXTRAS if value.get(key) is not None}
    if value.get("item") == "share" and isinstance(value.get("link"), str):
        metadata["link"] = value["link"]
    post = meta.opt_obj(value, "post", where)
    if post:
        for key in ("permalink_url", "status_type", "is_published"):
            if post.get(key) is not None:
                metadata[key] = post[key]
    return metadata


ADAPTER = FacebookAdapter()
