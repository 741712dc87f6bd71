"""WhatsApp (Cloud API): a text message inside the customer service window, the approved
template outside it.

Documentation followed:

- WhatsApp Cloud API "Messages" and "Text messages" (developers.facebook.com/docs/whatsapp/
  cloud-api/reference/messages, .../messages/text-messages):
  ``POST /{phone-number-id}/messages`` with ``Authorization: Bearer <access token>``, JSON
  ``{"messaging_product": "whatsapp", "recipient_type": "individual", "to": ...,
  "type": "text", "text": {"preview_url": false, "body": ...}}``; the body is at most 4096
  characters; ``context: {"message_id": ...}`` marks the message answered. The answer is
  ``{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid..."}]}``.
- Customer service window: free-form messages only within 24 hours of the person's last
  message; outside it (or before any) only a template message.
- "Template messages" and the template components reference: ``"type": "template"``,
  ``template: {"name", "language": {"code"}, "components": [{"type": "body", "parameters":
  [{"type": "text", "text": ...}]}]}``. A template body holds at most 1,024 characters, and a
  body text parameter is held to 1,024 characters whenever the template has any component
  besides its body, so the message parameter is fitted to 1,024. A parameter may not hold
  new-line or tab characters or more than four consecutive spaces: the text is flattened to
  one line first.
"""

from __future__ import annotations

import re
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

MAX_TEXT_CHARS = 4096
MAX_TEMPLATE_PARAM_CHARS = 1024
ELLIPSIS = "…"
_WHITESPACE = re.compile(r"\s+")


def template_parameter(text: str, limit: int = MAX_TEMPLATE_PARAM_CHARS) -> str:
    """``text`` as a template text parameter: one line (every run of white space one space)
    and at most ``limit`` characters, cut at a word where one is near the end and marked with
    an ellipsis. Never empty (WhatsApp refuses an empty parameter)."""
    flat = _WHITESPACE.sub(" ", text).strip()
    if len(flat) > limit:
        cut = flat[: limit - len(ELLIPSIS)]
        space = cut.rfind(" ")
        if space >= len(cut) * 4 // 5:
            cut = cut[:space]
        flat = cut.rstrip() + ELLIPSIS
    return flat or "-"


def template_language(value: Any) -> str:
    """The template's language code: ``en`` for English, ``id`` (Indonesian) otherwise."""
    return "en" if isinstance(value, str) and value.strip().lower().startswith("en") else "id"


class WhatsAppSender:
    platform = "whatsapp"

    async def send(self, message: Message, ctx: SendContext) -> Receipt:
        settings = ctx.settings
        token = secret_value(settings.whatsapp_access_token)
        if not token:
            raise NotConfigured("whatsapp: ADUAN_WHATSAPP_ACCESS_TOKEN is not set")
        phone_number_id = message.to.get("phone_number_id") or settings.whatsapp_phone_number_id
        if not phone_number_id:
            raise NotConfigured("whatsapp: no phone_number_id and ADUAN_WHATSAPP_PHONE_NUMBER_ID is not set")
        wa_id = message.to.get("wa_id")
        if not wa_id:
            raise SendError("whatsapp: no wa_id to send to", retryable=False)

        payload: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": str(wa_id),
        }
        if in_customer_window(message):
            require_text(message.text, MAX_TEXT_CHARS, "whatsapp text")
            if message.to.get("context_message_id"):
                payload["context"] = {"message_id": str(message.to["context_message_id"])}
            payload["type"] = "text"
            payload["text"] = {"preview_url": False, "body": message.text}
        else:
            if not message.text.strip():
                raise SendError("whatsapp template: empty text", retryable=False)
            language = message.extra.get("language")
            if language is None and isinstance(message.extra.get("template"), dict):
                language = message.extra["template"].get("language")
            payload["type"] = "template"
            payload["template"] = {
                "name": settings.whatsapp_template,
                "language": {"code": template_language(language)},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": template_parameter(message.ticket or "")},
                            {"type": "text", "text": template_parameter(message.text)},
                        ],
                    }
                ],
            }

        headers, params = auth(token, None)
        url = graph_url(settings, str(phone_number_id), "messages")
        response = await post(ctx, url, json=payload, headers=headers, params=params)
        check_graph_response(response)
        messages = json_body(response).get("messages")
        first = messages[0] if isinstance(messages, list) and messages else None
        return receipt(response, first.get("id") if isinstance(first, dict) else None)
