"""Where a complaint's reporter is answered: the channel it came from, the way it came (pure).

One rule per channel, from what intake stored (channel, external id, metadata, the reporter's
identities):

- ``twitter``: a mention is answered by a public reply to that tweet (ticket and public status
  only); a DM, or a secret complaint, by DM to the author (``twitter_id``).
- ``facebook``: a Messenger conversation by Messenger (``facebook_psid``); a page comment or post
  by a public comment reply, or for a secret complaint a private reply (Messenger, to the comment).
- ``governor_social`` (Instagram): an Instagram Direct conversation by DM (``instagram_id``); a
  comment by a public reply, or a private reply when secret.
- ``sms``: the way it came: Twilio (``metadata.provider == "twilio"``), WhatsApp Cloud API
  (``metadata.whatsapp_type``), else the SMS aggregator; always to the reporter's phone.
- ``email``: a reply mail to the reporter's address, threaded (In-Reply-To/References).
- ``lapor``: not the reporter (LAPOR! tells them): the status sync on the ``tracking_id``, as its
  own audience (``lapor_route``).
- ``jaki``: the app is told through its own webhook subscription (partner webhooks); no reporter
  message here.
- ``pendopo``, ``inspektorat``, ``walikota``, ``kecamatan``, ``kelurahan``, ``media``: no return path:
  an officer-facing record (platform ``record``) of what to tell the citizen.

``contact`` is the identity a BERHENTI/STOP from the citizen switches off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from app.auth.policy import DESK_CHANNELS

Visibility = Literal["public", "private"]


@dataclass(frozen=True, slots=True)
class Route:
    platform: str
    visibility: Visibility
    to: dict[str, Any] = field(default_factory=dict)
    contact: tuple[str, str] | None = None


def _ident(row: Any, kind: str) -> str | None:
    identities = row["identities"] or {}
    value = identities.get(kind)
    return str(value) if value else None


def _phone(row: Any) -> str | None:
    phone = row["reporter_phone"] or _ident(row, "phone")
    return str(phone) if phone else None


def reporter_route(row: Any) -> Route | None:
    """The reporter's return path for this complaint row (repository ``outbox_rows``), or None."""
    channel = row["channel"]
    metadata = row["metadata"] or {}
    secret = row["privacy"] == "secret"
    external_id = row["external_id"]
    if channel in DESK_CHANNELS:
        return Route("record", "private", {"channel": channel})
    if channel == "twitter":
        author = _ident(row, "twitter_id")
        contact = ("twitter_id", author) if author else None
        if metadata.get("event_type") == "message_create" or secret:
            return Route("x", "private", {"participant_id": author}, contact) if author else None
        return Route("x", "public", {"in_reply_to_tweet_id": external_id}, contact) if external_id else None
    if channel == "facebook":
        psid = _ident(row, "facebook_psid")
        if psid and "item" not in metadata:
            return Route("facebook", "private", {"psid": psid}, ("facebook_psid", psid))
        if not external_id:
            return None
        author = _ident(row, "facebook_id")
        contact = ("facebook_id", author) if author else None
        if secret:
            return Route("facebook", "private", {"private_reply_comment_id": external_id}, contact)
        return Route("facebook", "public", {"comment_id": external_id}, contact)
    if channel == "governor_social":
        igsid = _ident(row, "instagram_id")
        contact = ("instagram_id", igsid) if igsid else None
        if metadata.get("source") == "instagram_direct":
            return Route("instagram", "private", {"igsid": igsid}, contact) if igsid else None
        if not external_id:
            return None
        if secret:
            return Route("instagram", "private", {"private_reply_comment_id": external_id}, contact)
        return Route("instagram", "public", {"comment_id": external_id}, contact)
    if channel == "sms":
        phone = _phone(row)
        if not phone:
            return None
        contact = ("phone", phone)
        if metadata.get("provider") == "twilio":
            # Twilio's WhatsApp senders write "whatsapp:+62...": the answer goes the same way.
            came_from = str(metadata.get("from") or "")
            to: dict[str, Any] = {"phone": came_from if came_from.startswith("whatsapp:") else phone}
            if metadata.get("To"):
                to["from"] = metadata["To"]
            if metadata.get("AccountSid"):
                to["account_sid"] = metadata["AccountSid"]
            return Route("twilio", "private", to, contact)
        if metadata.get("whatsapp_type"):
            wa: dict[str, Any] = {"wa_id": phone.lstrip("+")}
            if metadata.get("phone_number_id"):
                wa["phone_number_id"] = metadata["phone_number_id"]
            return Route("whatsapp", "private", wa, contact)
        return Route("sms_gateway", "private", {"phone": phone}, contact)
    if channel == "email":
        address = row["reporter_email"] or _ident(row, "email")
        if not address:
            return None
        first = external_id
        last = row["last_follow_up_external_id"] or first
        references = [k for k in dict.fromkeys([first, last]) if k]
        to = {"address": address, "references": references}
        if row["reporter_name"]:
            to["name"] = row["reporter_name"]
        if last:
            to["in_reply_to"] = last
        return Route("email", "private", to, ("email", str(address).lower()))
    return None


def lapor_route(row: Any) -> Route | None:
    """LAPOR!'s status sync for a complaint that came from LAPOR! (its ``tracking_id``)."""
    if row["channel"] != "lapor" or not row["external_id"]:
        return None
    return Route("lapor", "private", {"tracking_id": row["external_id"]})
