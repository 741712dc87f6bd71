"""Instagram: a public reply to the citizen's comment, a direct message, or a private reply
(a direct message) to a comment, as the professional account.

Documentation followed:

- Instagram Platform reference "IG Comment Replies" (developers.facebook.com/docs/
  instagram-platform/instagram-graph-api/reference/ig-comment/replies):
  ``POST /{ig-comment-id}/replies`` with ``message`` (required), answering ``{"id": ...}``; only
  top-level comments take replies (a reply to a reply lands on the top-level comment). The
  parameter is sent form-encoded: Graph reads a parameter from the query string or the body
  alike, and the body keeps the text out of URLs and access logs.
- Instagram messaging "Send a Message" (developers.facebook.com/docs/messenger-platform/
  instagram/features/send-message; Instagram API with Instagram Login "Send Messages"):
  ``POST /{ig-id}/messages`` with ``recipient: {"id": IGSID}`` and ``message: {"text": ...}``,
  answering ``{"recipient_id": ..., "message_id": ...}``; "Message text must be UTF-8 and be
  1000 bytes or less".
- Instagram "Private Replies" (developers.facebook.com/docs/instagram-platform/private-replies):
  the same endpoint with ``recipient: {"comment_id": ...}``; one message per comment, within 7
  days of it.
- Comment length: Instagram caps a caption at 2,200 characters; the reply edge documents no
  smaller cap, so a reply is held to the same.
"""

from __future__ import annotations

from typing import Any

from app.core.config import secret_value
from app.outbound.senders.base import Message, NotConfigured, Receipt, SendContext, SendError, post
from app.outbound.senders.graph import (
    auth,
    check_graph_response,
    graph_url,
    json_body,
    receipt,
    require_text,
)

MAX_DM_BYTES = 1000
MAX_COMMENT_CHARS = 2200


class InstagramSender:
    platform = "instagram"

    async def send(self, message: Message, ctx: SendContext) -> Receipt:
        settings = ctx.settings
        token = secret_value(settings.instagram_access_token)
        if not token:
            raise NotConfigured("instagram: ADUAN_INSTAGRAM_ACCESS_TOKEN is not set")
        headers, params = auth(token, None)
        to = message.to

        if to.get("comment_id"):
            require_text(message.text, MAX_COMMENT_CHARS, "instagram comment")
            url = graph_url(settings, str(to["comment_id"]), "replies")
            response = await post(ctx, url, data={"message": message.text}, headers=headers, params=params)
            check_graph_response(response)
            return receipt(response, json_body(response).get("id"))

        recipient: dict[str, Any]
        if to.get("private_reply_comment_id"):
            recipient = {"comment_id": str(to["private_reply_comment_id"])}
        elif to.get("igsid"):
            recipient = {"id": str(to["igsid"])}
        else:
            raise SendError(
                "instagram: no comment_id, igsid or private_reply_comment_id to send to",
                retryable=False,
            )
        account_id = settings.instagram_account_id
        if not account_id:
            raise NotConfigured("instagram: ADUAN_INSTAGRAM_ACCOUNT_ID is not set")
        require_text(message.text, MAX_DM_BYTES, "instagram DM")
        size = len(message.text.encode("utf-8"))
        if size > MAX_DM_BYTES:
            raise SendError(
                f"instagram DM: {size} bytes of UTF-8, the limit is {MAX_DM_BYTES}", retryable=False
            )
        url = graph_url(settings, str(account_id), "messages")
        payload = {"recipient": recipient, "message": {"text": message.text}}
        response = await post(ctx, url, json=payload, headers=headers, params=params)
        check_graph_response(response)
        body = json_body(response)
        return receipt(response, body.get("message_id") or body.get("id"))
