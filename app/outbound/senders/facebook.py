"""Facebook: a public reply to the citizen's comment, a Messenger message, or a Messenger
private reply to a comment, all as the Page.

Documentation followed:

- Graph API reference ``/{object-id}/comments`` (developers.facebook.com/docs/graph-api/
  reference/object/comments): a comment object's ``/comments`` edge holds its replies;
  publishing takes ``message`` and answers ``{"id": ...}``. The parameter is sent form-encoded
  (Graph reads a parameter from the query string or a form body alike; the body keeps the text
  out of URLs and access logs).
- Messenger Platform Send API reference (developers.facebook.com/docs/messenger-platform/
  reference/send-api): ``POST /{PAGE-ID}/messages`` with ``recipient``, ``messaging_type`` and
  ``message``; the answer is ``{"recipient_id": ..., "message_id": ...}``; ``message.text`` is
  UTF-8 with a 2000-character limit. ``messaging_type`` is ``RESPONSE`` inside the standard
  messaging window (24 hours since the person's last message) and ``MESSAGE_TAG`` with a
  ``tag`` outside it.
- Messenger "Private Replies" (developers.facebook.com/docs/messenger-platform/discovery/
  private-replies): the same endpoint with ``recipient: {"comment_id": ...}``; one message per
  comment, within 7 days of it; every messaging type of the Send API is available.
- Graph API "Securing Requests": ``appsecret_proof`` when the app secret is set
  (app.outbound.senders.graph).

The tag: after March 4, 2020 Messenger accepts four tags, CONFIRMED_EVENT_UPDATE,
POST_PURCHASE_UPDATE, ACCOUNT_UPDATE and HUMAN_AGENT (Messenger Platform "Message Tags"). A
report's status change is ACCOUNT_UPDATE's case, "notify the user of a non-recurring change to
their application or account" (its allowed examples include "a change in application status");
the retired tags APPLICATION_UPDATE and ISSUE_RESOLUTION were folded into it. The others do not
fit: no event, no purchase, and HUMAN_AGENT is for a person's own answer, not an automated
update. A tagged message may carry no promotional content, and the rendered status texts have
none.
"""

from __future__ import annotations

from typing import Any

from app.core.config import secret_value
from app.outbound.senders.base import Message, NotConfigured, Receipt, SendContext, SendError, post
from app.outbound.senders.graph import (
    auth,
    check_graph_response,
    graph_url,
    in_customer_window,
    json_body,
    receipt,
    require_text,
)

MAX_MESSENGER_CHARS = 2000
MAX_COMMENT_CHARS = 8000
OUTSIDE_WINDOW_TAG = "ACCOUNT_UPDATE"


class FacebookSender:
    platform = "facebook"

    async def send(self, message: Message, ctx: SendContext) -> Receipt:
        settings = ctx.settings
        token = secret_value(settings.facebook_page_access_token)
        if not token:
            raise NotConfigured("facebook: ADUAN_FACEBOOK_PAGE_ACCESS_TOKEN is not set")
        headers, params = auth(token, secret_value(settings.facebook_app_secret))
        to = message.to

        if to.get("comment_id"):
            require_text(message.text, MAX_COMMENT_CHARS, "facebook comment")
            url = graph_url(settings, str(to["comment_id"]), "comments")
            response = await post(ctx, url, data={"message": message.text}, headers=headers, params=params)
            check_graph_response(response)
            return receipt(response, json_body(response).get("id"))

        payload: dict[str, Any]
        if to.get("private_reply_comment_id"):
            payload = {
                "recipient": {"comment_id": str(to["private_reply_comment_id"])},
                "messaging_type": "RESPONSE",
                "message": {"text": message.text},
            }
        elif to.get("psid"):
            payload = {"recipient": {"id": str(to["psid"])}}
            if in_customer_window(message):
                payload["messaging_type"] = "RESPONSE"
            else:
                payload["messaging_type"] = "MESSAGE_TAG"
                payload["tag"] = OUTSIDE_WINDOW_TAG
            payload["message"] = {"text": message.text}
        else:
            raise SendError(
                "facebook: no comment_id, psid or private_reply_comment_id to send to",
                retryable=False,
            )

        page_id = settings.facebook_page_id
        if not page_id:
            raise NotConfigured("facebook: ADUAN_FACEBOOK_PAGE_ID is not set")
        require_text(message.text, MAX_MESSENGER_CHARS, "messenger")
        url = graph_url(settings, str(page_id), "messages")
        response = await post(ctx, url, json=payload, headers=headers, params=params)
        check_graph_response(response)
        body = json_body(response)
        return receipt(response, body.get("message_id") or body.get("id"))
