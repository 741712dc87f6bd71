"""From one told event to its messages (pure): who hears of it, on what, saying what.

For each outbox row (an event with the complaint as it is now, ``repository.outbox_rows``):

- the reporter, on their own channel (``addresses.reporter_route``), with the template of the
  event for that platform and visibility (``templates.render``); a public reply says only the
  ticket and the public status. No message when the template has nothing to say (an internal
  move), when the contact said BERHENTI/STOP (kept as ``skipped``), or for the officer pick made in
  the intake's own transaction (the acknowledgement already names the unit). For desk and media
  channels the message is an officer-facing ``record``;
- LAPOR!, for complaints that came from it: the status sync;
- every live partner subscription that asked for the event type and whose key may read the
  complaint (a partner or app key: what it submitted; an admin: everything, personal data only
  when the subscription asked for it): a Standard Webhooks delivery whose body is fixed now, so
  every retry sends the same bytes under the same ``webhook-id``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from app.complaints.service import complaint_view
from app.core.http import json_text
from app.core.pii import mask_pii
from app.outbound import addresses, templates

# Complaint event kind -> the contract's webhook type (contracts.md "Outbound").
WEBHOOK_TYPES = {
    "created": "complaint.created",
    "status_changed": "complaint.status_changed",
    "reopened": "complaint.status_changed",
    "merged": "complaint.status_changed",
    "assigned": "complaint.assigned",
    "comment": "complaint.commented",
}
EVENT_TYPES = tuple(sorted(set(WEBHOOK_TYPES.values())))
# Complaint event kind -> the template's event.
TEMPLATE_EVENTS = {
    "created": "created",
    "assigned": "assigned",
    "status_changed": "status_changed",
    "reopened": "status_changed",
    "merged": "status_changed",
    "comment": "commented",
    "ews_set": "ews_set",
}


def webhook_id(message_id: uuid.UUID) -> str:
    """The ``webhook-id`` of a partner delivery: ``msg_<hex>``, the same on every attempt."""
    return f"msg_{message_id.hex}"


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def facts(row: Any, public_base_url: str) -> templates.Facts | None:
    event = TEMPLATE_EVENTS.get(row["event_kind"])
    if event is None:
        return None
    ews = row["ews_at"]
    data = row["event_data"] or {}
    if event == "ews_set" and data.get("ews_at"):
        try:
            ews = datetime.fromisoformat(str(data["ews_at"]))
        except ValueError:
            pass
    language = "en" if (row["language"] or "").lower().startswith("en") else "id"
    metadata = row["metadata"] or {}
    return templates.Facts(
        event=event,
        ticket=row["ticket"],
        status=row["event_to"] or row["status"],
        language=language,
        track_url=f"{public_base_url.rstrip('/')}/track/{row['ticket']}",
        from_status=row["event_from"],
        unit_name=row["unit_name"],
        comment=row["event_note"] if event == "commented" and row["event_public"] else None,
        ews_at=ews.astimezone(UTC).date() if isinstance(ews, datetime) else None,
        subject=(row["title"] or metadata.get("subject")) if row["channel"] == "email" else None,
    )


def _window_extra(row: Any) -> dict[str, Any]:
    """When the citizen last wrote (WhatsApp's and Messenger's 24-hour window)."""
    last = row["last_follow_up_at"] or row["received_at"]
    return {"last_inbound_at": _iso(last)} if last else {}


def is_demo(row: Any) -> bool:
    """A complaint of ``aduan seed demo`` (``metadata.demo``): its ids name nobody, so nothing is
    sent to a platform about it."""
    return bool((row["metadata"] or {}).get("demo"))


def reporter_message(row: Any, f: templates.Facts, opted_out: set[tuple[str, str]]) -> dict[str, Any] | None:
    if is_demo(row):
        return None
    route = addresses.reporter_route(row)
    if route is None:
        return None
    if (
        row["event_kind"] == "assigned"
        and row["created_event_at"] is not None
        and row["event_at"] == row["created_event_at"]
    ):
        return None  # assigned by the intake itself: the acknowledgement says it all
    rendered = templates.render(f, route.platform, route.visibility)
    if rendered is None:
        return None
    message: dict[str, Any] = {
        "complaint_id": row["id"],
        "event_id": row["event_id"],
        "audience": "officer" if route.platform == "record" else "reporter",
        "platform": route.platform,
        "event_type": f"reporter.{f.event}",
        "recipient": route.to,
        "content": {
            "text": rendered.text,
            "subject": rendered.subject,
            "ticket": row["ticket"],
            "visibility": route.visibility,
            "extra": {"language": f.language, **_window_extra(row)},
        },
    }
    if route.platform == "record":
        message["status"] = "recorded"
    elif route.contact is not None and route.contact in opted_out:
        message["status"] = "skipped"
        message["last_error"] = "the contact asked to stop messages (BERHENTI/STOP)"
    return message


def lapor_message(row: Any, f: templates.Facts) -> dict[str, Any] | None:
    if is_demo(row):
        return None
    route = addresses.lapor_route(row)
    if route is None:
        return None
    rendered = templates.render(f, "lapor", "private")
    if rendered is None:
        return None
    return {
        "complaint_id": row["id"],
        "event_id": row["event_id"],
        "audience": "lapor",
        "platform": "lapor",
        "event_type": f"lapor.{f.event}",
        "recipient": route.to,
        "content": {"text": rendered.text, "ticket": row["ticket"], "extra": {"status": f.status}},
    }


# The officer view's fields (app.complaints.service.complaint_view) a webhook carries.
WEBHOOK_FIELDS = (
    "id", "ticket", "channel", "external_id", "title", "description", "category", "language", "location", "area",
    "privacy", "status", "status_label", "unit", "assignee", "due_at", "ews_at", "created_at", "received_at",
    "updated_at", "version",
)  # fmt: skip


def complaint_data(row: Any, *, personal: bool, owner: bool) -> dict[str, Any]:
    """The complaint as a webhook carries it: what the subscription's key reads of it.

    An owner (the partner or app key that submitted it) gets it as its own key reads it
    (``GET /v1/complaints/{id}``: the complaint without the reporter record or internal notes);
    an admin subscription gets it with personal data only when it asked (``personal``), else
    with free text masked and the channel's metadata left out."""
    view = complaint_view(row)
    data: dict[str, Any] = {key: view[key] for key in WEBHOOK_FIELDS}
    if data["location"] is not None:
        data["location"] = dict(data["location"])
    location = data["location"]
    if owner or personal:
        data["metadata"] = row["metadata"]
    if personal:
        data["reporter"] = {
            "name": row["reporter_name"],
            "phone": row["reporter_phone"],
            "email": row["reporter_email"],
        }
    elif not owner:
        for key in ("title", "description"):
            if data[key]:
                data[key] = mask_pii(data[key])
        if location and location["address"]:
            location["address"] = mask_pii(location["address"])
    return data


def may_read(sub: Any, row: Any) -> bool:
    if sub["key_role"] == "admin":
        return True
    return row["created_by"] is not None and row["created_by"] == sub["key_id"]


def webhook_messages(row: Any, subscriptions: list[Any]) -> list[dict[str, Any]]:
    kind = row["event_kind"]
    event_type = WEBHOOK_TYPES.get(kind)
    if event_type is None or (kind == "comment" and not row["event_public"]):
        return []
    out = []
    for sub in subscriptions:
        if event_type not in sub["events"] or not may_read(sub, row):
            continue
        owner = sub["key_role"] != "admin"
        personal = bool(sub["include_personal_data"]) and not owner
        event: dict[str, Any] = {
            "id": row["event_id"],
            "kind": kind,
            "at": _iso(row["event_at"]),
            "from_status": row["event_from"],
            "to_status": row["event_to"],
        }
        if kind == "comment":
            event["note"] = row["event_note"] if personal else mask_pii(row["event_note"] or "")
        elif row["event_public"] and row["event_note"]:
            event["note"] = row["event_note"] if personal else mask_pii(row["event_note"])
        body = {
            "type": event_type,
            "timestamp": _iso(row["event_at"]),
            "data": {"complaint": complaint_data(row, personal=personal, owner=owner), "event": event},
        }
        out.append(
            {
                "complaint_id": row["id"],
                "event_id": row["event_id"],
                "audience": "partner",
                "platform": "webhook",
                "subscription_id": sub["id"],
                "event_type": event_type,
                "recipient": {"url": sub["url"]},
                "content": {"body": json_text(body)},
            }
        )
    return out


# The survivor's events its followers hear (not its creation, not its own merge into another).
FOLLOWED_KINDS = frozenset({"assigned", "status_changed", "reopened", "comment", "ews_set"})
_EVENT_KEYS = ("outbox_id", "event_kind", "event_id", "event_from", "event_to", "event_note", "event_public",
               "event_data", "event_at", "event_actor")  # fmt: skip


def follower_row(event_row: Any, follower: Any) -> dict[str, Any] | None:
    """The event of a surviving complaint as one merged into it hears it: on the follower's own
    return route (channel, thread, language), saying the survivor's ticket, status and dates.
    None when the follower does not hear this event; never for a secret survivor (its ticket is
    not to be named on anyone's public thread)."""
    if event_row["event_kind"] not in FOLLOWED_KINDS or event_row["privacy"] == "secret":
        return None
    row = dict(follower)
    row.update({k: event_row[k] for k in _EVENT_KEYS})
    row.update(
        ticket=event_row["ticket"], status=event_row["status"], ews_at=event_row["ews_at"],
        unit_name=event_row["unit_name"], created_event_at=None,
    )  # fmt: skip
    return row


def contact_of(row: Any) -> tuple[str, str] | None:
    route = addresses.reporter_route(row)
    return route.contact if route else None
