"""Channel ``sms`` through Twilio Programmable Messaging (``POST /v1/channels/sms/twilio``).

Twilio posts an ``application/x-www-form-urlencoded`` form per inbound
message: ``MessageSid`` (also ``SmsSid``/``SmsMessageSid``), ``AccountSid``,
``MessagingServiceSid``, ``From``, ``To``, ``Body``, ``NumMedia``,
``NumSegments``, ``MediaUrlN``/``MediaContentTypeN``, the geographic guesses
``FromCity``, ``FromState``, ``FromZip``, ``FromCountry`` (and ``To...``),
``SmsStatus`` and ``ApiVersion``.

Signature (``X-Twilio-Signature``): base64(HMAC-SHA1(auth token, full URL +
every POST parameter name and value concatenated in parameter-name order)).
The URL is the one Twilio was configured with, i.e. ``ADUAN_PUBLIC_BASE_URL``
+ path + query string, not the URL the app sees behind a proxy.

Mapping: ``MessageSid`` is the external id (Twilio rarely retries, but the
pipeline deduplicates on it anyway), ``From`` the reporter's phone, ``Body``
the description, media as attachments (Twilio-hosted URLs), the rest of the
form in metadata.  A body naming a ticket code is a ``FollowUp`` (with the
draft as fallback, so a mistyped code still makes a complaint).  Status
callbacks (``MessageStatus``) are ``Ignored("delivery_receipt")``; an empty
message without media is ``Ignored("empty_message")``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import urlsplit, urlunsplit

from app.channels.adapters.email import find_ticket_code
from app.intake.drafts import (
    AdapterError,
    AttachmentDraft,
    ComplaintDraft,
    Delivery,
    FollowUp,
    Ignored,
    Outcome,
    ReporterDraft,
    SignatureError,
)

CHANNEL = "sms"
_STATUS_CALLBACK_STATES = {
    "queued",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "read",
    "accepted",
}
_METADATA_FIELDS = (
    "AccountSid",
    "MessagingServiceSid",
    "To",
    "NumSegments",
    "NumMedia",
    "SmsStatus",
    "ApiVersion",
    "FromCity",
    "FromState",
    "FromZip",
    "FromCountry",
    "ToCity",
    "ToState",
    "ToZip",
    "ToCountry",
    "ProfileName",
    "WaId",
)


def _signature(url: str, params: dict[str, str], auth_token: str) -> str:
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _port_variants(url: str) -> list[str]:
    """The URL as given, without its default port, and with it.

    Twilio's own validators try both: depending on the proxy, the port is in
    the URL Twilio signed or not.
    """
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    variants = [url]
    if parts.hostname is None or default is None:
        return variants
    host = parts.hostname
    if parts.port is not None:
        variants.append(urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)))
    else:
        variants.append(
            urlunsplit((parts.scheme, f"{host}:{default}", parts.path, parts.query, parts.fragment))
        )
    return variants


def verify(url: str, params: dict[str, str], signature: str, auth_token: str) -> None:
    """Raise ``SignatureError`` unless ``signature`` is Twilio's for this URL and form."""
    if not signature:
        raise SignatureError("missing X-Twilio-Signature")
    given = signature.strip().encode()
    for candidate in _port_variants(url):
        if hmac.compare_digest(_signature(candidate, params, auth_token).encode(), given):
            return
    raise SignatureError("X-Twilio-Signature mismatch")


def _phone(value: str) -> str:
    # WhatsApp through Twilio prefixes the address: "whatsapp:+62811...".
    return re.sub(r"^(?:whatsapp|sms|tel):", "", value.strip(), flags=re.IGNORECASE)


class TwilioAdapter:
    code = CHANNEL

    def parse(self, delivery: Delivery) -> list[Outcome]:
        form = delivery.form
        sid = form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid")
        if "MessageStatus" in form or (
            form.get("SmsStatus", "").lower() in _STATUS_CALLBACK_STATES and "Body" not in form
        ):
            return [Ignored(reason="delivery_receipt", external_id=sid)]
        if not sid:
            raise AdapterError("Twilio form without MessageSid")
        sender = _phone(form.get("From") or "")
        if not sender:
            raise AdapterError("Twilio form without From")
        text = (form.get("Body") or "").strip()

        try:
            num_media = int(form.get("NumMedia") or "0")
        except ValueError as exc:
            raise AdapterError(f"NumMedia is not a number: {form.get('NumMedia')!r}") from exc
        attachments: list[AttachmentDraft] = []
        for n in range(max(num_media, 0)):
            url = form.get(f"MediaUrl{n}")
            if not url:
                raise AdapterError(f"NumMedia is {num_media} but MediaUrl{n} is missing")
            attachments.append(AttachmentDraft(url=url, media_type=form.get(f"MediaContentType{n}")))
        if not text and not attachments:
            return [Ignored(reason="empty_message", external_id=sid)]

        metadata = {"provider": "twilio", "message_sid": sid, "from": form.get("From")}
        metadata.update({name: form[name] for name in _METADATA_FIELDS if form.get(name)})
        reporter = ReporterDraft(phone=sender, name=form.get("ProfileName") or None)
        draft = ComplaintDraft(
            channel=CHANNEL,
            external_id=sid,
            description=text or "(foto tanpa teks)",
            attachments=attachments,
            metadata=metadata,
            reporter=reporter,
        )
        ticket = find_ticket_code(text)
        if ticket:
            return [
                FollowUp(
                    channel=CHANNEL,
                    external_id=sid,
                    text=draft.description,
                    ticket=ticket,
                    reporter=reporter,
                    attachments=list(attachments),
                    metadata=dict(metadata),
                    fallback=draft,
                )
            ]
        return [draft]


ADAPTER = TwilioAdapter()
