"""SMS through Twilio Programmable Messaging: create a Message resource.

The request follows Twilio's "Messages resource" reference (Create a Message resource,
https://www.twilio.com/docs/messaging/api/message-resource) and "Our API: the basics"
(https://www.twilio.com/docs/iam/api):

- ``POST {ADUAN_TWILIO_API_BASE}/2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded
  (``application/x-www-form-urlencoded``), HTTP Basic authentication with the Account SID as
  user name and the Auth Token (``ADUAN_TWILIO_AUTH_TOKEN``) as password;
- ``To``: the recipient in E.164; ``Body``: the text, at most 1,600 characters (Twilio error
  21617, "The concatenated message body exceeds the 1600 character limit": a longer body is
  refused here, non-retryable, and nothing is sent);
- the sender: ``From`` (our number, E.164) or ``MessagingServiceSid`` (a Messaging Service,
  ``MG...``); Twilio needs one of the two (error 21603). The number the citizen wrote to
  (``Message.to["from"]``) wins over ``ADUAN_TWILIO_FROM``;
- the answer (``201 Created``) is the new Message resource, whose ``sid`` (``SM...``) is the
  receipt's ``provider_id``. Errors are JSON ``{"code", "message", "more_info", "status"}``
  mapped by ``check_response``: 429 and 5xx are retried, other 4xx are not.
"""

from __future__ import annotations

import httpx

from app.core.config import secret_value
from app.outbound.senders.base import (
    Message,
    NotConfigured,
    Receipt,
    SendContext,
    SendError,
    check_response,
    json_object,
    post,
)
from app.outbound.senders.sms_gateway import e164

# Twilio's documented maximum for ``Body`` on the Messages resource.
MAX_BODY = 1600


class TwilioSender:
    platform = "twilio"

    async def send(self, message: Message, ctx: SendContext) -> Receipt:
        settings = ctx.settings
        # The setting, else the account the citizen's message came to (its AccountSid).
        account_sid: str | None = settings.twilio_account_sid or message.to.get("account_sid")
        token = secret_value(settings.twilio_auth_token)
        base: str | None = settings.twilio_api_base
        if not account_sid or not token or not base:
            raise NotConfigured(
                "Twilio is not configured (ADUAN_TWILIO_ACCOUNT_SID, ADUAN_TWILIO_AUTH_TOKEN)"
            )
        sender = str(message.to.get("from") or settings.twilio_from or "").strip()
        if not sender:
            raise NotConfigured("Twilio has no sender: set ADUAN_TWILIO_FROM (a number or an MG... SID)")

        raw_phone = str(message.to.get("phone") or "").strip()
        phone = e164(raw_phone)
        if phone is None:
            raise SendError(f"Twilio: no valid recipient phone ({raw_phone or 'missing'})", retryable=False)
        body = message.text
        if not body.strip():
            raise SendError("Twilio: empty message body", retryable=False)
        if len(body) > MAX_BODY:
            raise SendError(
                f"Twilio: body of {len(body)} characters exceeds the {MAX_BODY}-character limit",
                retryable=False,
            )

        form = {"To": phone, "Body": body}
        if sender.startswith("MG"):
            form["MessagingServiceSid"] = sender
        else:
            form["From"] = sender
        url = f"{base.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        response = await post(ctx, url, data=form, auth=httpx.BasicAuth(account_sid, token))
        check_response(response)
        answer = json_object(response)
        sid = answer.get("sid")
        status = answer.get("status")
        return Receipt(
            provider_id=str(sid) if sid else None,
            status_code=response.status_code,
            detail=f"status={status}" if status else None,
        )
