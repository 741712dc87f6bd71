"""Every intake channel, end to end: a complaint arrives through the channel's real endpoint,
signed exactly as the platform signs it, and the reporter hears back ON THE SAME CHANNEL: the
acknowledgement, then each status change the citizen is told (in_progress and resolved;
pending_validation is internal), never an internal note.

- X: a mention gets public replies to the tweet (ticket, status and link only); a DM gets DMs.
- Facebook: a page comment gets comment replies; a Messenger conversation gets Messenger messages.
- Instagram (``governor_social``): a comment gets replies; a Direct message gets DMs.
- SMS (``sms``): a WhatsApp message gets WhatsApp messages to its wa_id; a Twilio SMS gets Twilio
  Messages to its sender (the SMS aggregator: tests/outbound/test_flow_sms_gateway.py).
- Email: threaded reply mails over SMTP, and the reporter's answer threads back to the complaint.
- LAPOR!: the status sync on the tracking id.
- JAKI: the app key's own webhook subscription (Standard Webhooks).
- pendopo, inspektorat, walikota, kecamatan, kelurahan, media (no return path): the officer-facing
  record of what to tell the citizen (platform ``record``, status ``recorded``).

The inbound deliveries are the golden samples of tests/channels/payloads, signed by the signers
of tests/channels (written from the platforms' documentation, independent of the verifiers).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session
from standardwebhooks.webhooks import Webhook

from app.outbound.dispatcher import Dispatcher
from tests.channels import signers_others, signers_platforms
from tests.conftest import CHANNEL_SECRETS
from tests.helpers import transition
from tests.outbound.conftest import outbound_settings
from tests.outbound.fakes import FakePlatform, Recorded

PAYLOADS = Path(__file__).resolve().parents[1] / "channels" / "payloads"
NOTE = "catatan internal 123"
GRAPH = "/v21.0"  # ADUAN_GRAPH_API_VERSION's default
TWILIO_SID = "AC" + "0" * 32  # outbound_settings
FB_PAGE_ID = "1111"  # outbound_settings
IG_ACCOUNT_ID = "2222"  # outbound_settings
ALL_EVENTS = ["complaint.assigned", "complaint.commented", "complaint.created", "complaint.status_changed"]

Signer = Callable[[dict[str, Any], dict[str, str]], dict[str, str]]


# --------------------------------------------------------------------------- helpers


def sample(path: str, step: int = 0) -> dict[str, Any]:
    """The request of a golden sample (a deep copy: tests may adjust it before signing)."""
    spec = json.loads((PAYLOADS / path).read_text(encoding="utf-8"))
    return copy.deepcopy(spec["steps"][step]["request"])


async def post_signed(client: httpx.AsyncClient, request: dict[str, Any], signer: Signer) -> httpx.Response:
    """POST a platform delivery as the platform does: the exact bytes, its signature header."""
    headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
    if "json" in request:
        headers.setdefault("content-type", "application/json")
    elif "form" in request:
        headers.setdefault("content-type", "application/x-www-form-urlencoded")
    headers.update({k.lower(): v for k, v in signer(request, CHANNEL_SECRETS).items()})
    raw = signers_others.body_bytes(request)
    return await client.request(
        request["method"], request["path"], params=request.get("query") or None, headers=headers, content=raw
    )


def created(r: httpx.Response) -> tuple[str, str]:
    """(ticket, complaint id) of a delivery that created one complaint."""
    assert r.status_code == 201, r.text
    outcomes = r.json()["outcomes"]
    assert len(outcomes) == 1 and outcomes[0]["action"] == "created", outcomes
    return outcomes[0]["ticket"], outcomes[0]["complaint_id"]


async def move_through_statuses(client: httpx.AsyncClient, cid: str, admin: dict[str, str]) -> None:
    for status in ("in_progress", "pending_validation", "resolved"):
        r = await transition(client, cid, {"status": status, "note": NOTE, "public": False}, admin)
        assert r.status_code == 200, r.text


def sent_to(fake: FakePlatform, path: str) -> list[Recorded]:
    return [r for r in fake.requests if r.path == path]


def no_leak(fake: FakePlatform, *words: str) -> None:
    """Nothing the platforms received holds the internal note (or any of ``words``)."""
    everything = b"".join(r.body for r in fake.requests).decode("utf-8", "replace")
    for word in (NOTE, *words):
        assert word not in everything, f"{word!r} leaked to a platform"


async def messages(client: httpx.AsyncClient, cid: str, admin: dict[str, str]) -> list[dict[str, Any]]:
    r = await client.get(f"/v1/complaints/{cid}/messages", headers=admin)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def form_text(rec: Recorded, name: str) -> str:
    values = rec.form()[name]
    assert len(values) == 1, values
    return values[0]


@pytest.fixture
def x_account(app, monkeypatch: pytest.MonkeyPatch) -> str:  # type: ignore[no-untyped-def]
    """The X account the samples were sent to (tests/channels/payloads/twitter: ``env``)."""
    monkeypatch.setattr(app.state.settings, "twitter_account_id", "3347108574")
    return "3347108574"


# --------------------------------------------------------------------------- X


async def test_twitter_mention_is_answered_by_public_replies(
    client, admin, dispatch, fake_platform: FakePlatform, x_account
) -> None:
    tweet_id = "1896012345678901234"
    r = await post_signed(
        client, sample("twitter/02_mention_photo_point.json"), signers_platforms.sign_twitter
    )
    ticket, cid = created(r)

    await dispatch()
    assert [(q.method, q.path) for q in fake_platform.requests] == [("POST", "/2/tweets")]
    ack = fake_platform.requests[0]
    assert ack.headers["authorization"] == "Bearer x-user-token"
    body = ack.json()
    assert body["reply"] == {"in_reply_to_tweet_id": tweet_id}
    assert ticket in body["text"]
    assert f"/track/{ticket}" in body["text"]
    for personal in ("Budi", "Santoso", "budi_jkt", "Cikini"):
        assert personal not in body["text"], body["text"]

    await move_through_statuses(client, cid, admin)
    await dispatch()
    replies = [q.json() for q in sent_to(fake_platform, "/2/tweets")]
    assert len(fake_platform.requests) == len(replies) == 3, [q.path for q in fake_platform.requests]
    assert all(p["reply"] == {"in_reply_to_tweet_id": tweet_id} for p in replies)
    assert all(ticket in p["text"] for p in replies)
    assert "selesai" in replies[2]["text"].lower()  # resolved
    assert "berstatus Proses" in replies[1]["text"]  # in_progress, its public label only
    no_leak(fake_platform, "Budi", "budi_jkt")


async def test_twitter_dm_is_answered_by_dm(
    client, admin, dispatch, fake_platform: FakePlatform, x_account
) -> None:
    sender = "1203344556677"
    r = await post_signed(
        client, sample("twitter/06_direct_message_secret.json"), signers_platforms.sign_twitter
    )
    ticket, cid = created(r)

    await dispatch()
    path = f"/2/dm_conversations/with/{sender}/messages"
    assert [(q.method, q.path) for q in fake_platform.requests] == [("POST", path)]
    ack = fake_platform.requests[0].json()
    assert set(ack) == {"text"}
    assert ticket in ack["text"]

    await move_through_statuses(client, cid, admin)
    await dispatch()
    dms = [q.json()["text"] for q in fake_platform.requests]
    assert [q.path for q in fake_platform.requests] == [path] * 3  # never a public tweet
    assert all(ticket in t for t in dms)
    assert "YA" in dms[2] and "TIDAK" in dms[2]  # resolved: asks to confirm
    no_leak(fake_platform)


# --------------------------------------------------------------------------- Facebook


async def test_facebook_comment_is_answered_by_comment_replies(
    client, admin, dispatch, fake_platform: FakePlatform
) -> None:
    comment_id = "1234567890126601_990003"
    r = await post_signed(
        client, sample("facebook/10_comment_on_page_post_creates.json"), signers_platforms.sign_facebook
    )
    ticket, cid = created(r)

    await dispatch()
    path = f"{GRAPH}/{comment_id}/comments"
    assert [(q.method, q.path) for q in fake_platform.requests] == [("POST", path)]
    ack = fake_platform.requests[0]
    assert ack.headers["authorization"] == "Bearer fb-page-token"
    text = form_text(ack, "message")
    assert ticket in text and f"/track/{ticket}" in text
    for personal in ("Budi", "Santoso", "bansos", "Galur"):
        assert personal not in text, text

    await move_through_statuses(client, cid, admin)
    await dispatch()
    assert [q.path for q in fake_platform.requests] == [path] * 3
    texts = [form_text(q, "message") for q in fake_platform.requests]
    assert all(ticket in t for t in texts)
    assert "selesai" in texts[2].lower()
    no_leak(fake_platform, "Budi")


async def test_facebook_messenger_is_answered_on_messenger(
    client, admin, dispatch, fake_platform: FakePlatform
) -> None:
    psid = "6543210987650007"
    request = sample("facebook/07_messenger_photo.json")
    now = int(time.time())
    request["json"]["entry"][0]["time"] = now
    request["json"]["entry"][0]["messaging"][0]["timestamp"] = now * 1000  # written just now
    r = await post_signed(client, request, signers_platforms.sign_facebook)
    ticket, cid = created(r)

    await dispatch()
    path = f"{GRAPH}/{FB_PAGE_ID}/messages"
    assert [(q.method, q.path) for q in fake_platform.requests] == [("POST", path)]
    ack = fake_platform.requests[0].json()
    assert ack["recipient"] == {"id": psid}
    assert ack["messaging_type"] == "RESPONSE"  # inside the 24-hour window
    assert ticket in ack["message"]["text"]

    await move_through_statuses(client, cid, admin)
    await dispatch()
    assert [q.path for q in fake_platform.requests] == [path] * 3
    bodies = [q.json() for q in fake_platform.requests]
    assert all(b["recipient"] == {"id": psid} for b in bodies)
    assert all(ticket in b["message"]["text"] for b in bodies)
    no_leak(fake_platform)


# --------------------------------------------------------------------------- Instagram (governor_social)


async def test_instagram_comment_is_answered_by_replies(
    client, admin, dispatch, fake_platform: FakePlatform
) -> None:
    comment_id = "17865799348089039"
    r = await post_signed(
        client, sample("governor_social/02_comment_created.json"), signers_platforms.sign_instagram
    )
    ticket, cid = created(r)

    await dispatch()
    path = f"{GRAPH}/{comment_id}/replies"
    assert [(q.method, q.path) for q in fake_platform.requests] == [("POST", path)]
    ack = fake_platform.requests[0]
    assert ack.headers["authorization"] == "Bearer ig-token"
    text = form_text(ack, "message")
    assert ticket in text and f"/track/{ticket}" in text
    for personal in ("dewi", "Ampera", "Kemang"):
        assert personal not in text, text

    await move_through_statuses(client, cid, admin)
    await dispatch()
    assert [q.path for q in fake_platform.requests] == [path] * 3
    texts = [form_text(q, "message") for q in fake_platform.requests]
    assert all(ticket in t for t in texts)
    assert "selesai" in texts[2].lower()
    no_leak(fake_platform, "dewi.kemang")


async def test_instagram_direct_is_answered_by_dm(
    client, admin, dispatch, fake_platform: FakePlatform
) -> None:
    igsid = "6912345678901234"
    request = sample("governor_social/05_direct_message_secret.json")
    now = int(time.time())
    request["json"]["entry"][0]["time"] = now
    request["json"]["entry"][0]["messaging"][0]["timestamp"] = now * 1000
    r = await post_signed(client, request, signers_platforms.sign_instagram)
    ticket, cid = created(r)

    await dispatch()
    path = f"{GRAPH}/{IG_ACCOUNT_ID}/messages"
    assert [(q.method, q.path) for q in fake_platform.requests] == [("POST", path)]
    ack = fake_platform.requests[0].json()
    assert ack["recipient"] == {"id": igsid}
    assert ticket in ack["message"]["text"]

    await move_through_statuses(client, cid, admin)
    await dispatch()
    assert [q.path for q in fake_platform.requests] == [path] * 3
    assert all(q.json()["recipient"] == {"id": igsid} for q in fake_platform.requests)
    assert all(ticket in q.json()["message"]["text"] for q in fake_platform.requests)
    no_leak(fake_platform)


# --------------------------------------------------------------------------- SMS: WhatsApp, Twilio


async def test_whatsapp_message_is_answered_on_whatsapp(
    client, admin, dispatch, fake_platform: FakePlatform
) -> None:
    wa_id = "6281311110000"
    phone_number_id = "106540352242922"  # the business number the citizen wrote to
    request = sample("whatsapp/02_text_created.json")
    request["json"]["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(int(time.time()))
    r = await post_signed(client, request, signers_platforms.sign_whatsapp)
    ticket, cid = created(r)

    await dispatch()
    path = f"{GRAPH}/{phone_number_id}/messages"
    assert [(q.method, q.path) for q in fake_platform.requests] == [("POST", path)]
    ack = fake_platform.requests[0]
    assert ack.headers["authorization"] == "Bearer wa-token"
    body = ack.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["to"] == wa_id
    assert body["type"] == "text"  # inside the customer service window
    assert ticket in body["text"]["body"]
    assert "BERHENTI" in body["text"]["body"]

    await move_through_statuses(client, cid, admin)
    await dispatch()
    assert [q.path for q in fake_platform.requests] == [path] * 3
    bodies = [q.json() for q in fake_platform.requests]
    assert all(b["to"] == wa_id for b in bodies)
    assert all(ticket in b["text"]["body"] for b in bodies)
    assert "YA" in bodies[2]["text"]["body"] and "TIDAK" in bodies[2]["text"]["body"]
    no_leak(fake_platform)


async def test_twilio_sms_is_answered_by_twilio_sms(
    client, admin, dispatch, fake_platform: FakePlatform
) -> None:
    r = await post_signed(client, sample("twilio/01_sms_creates.json"), signers_others.sign_twilio)
    ticket, cid = created(r)

    await dispatch()
    path = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert [(q.method, q.path) for q in fake_platform.requests] == [("POST", path)]
    ack = fake_platform.requests[0]
    assert ack.headers["authorization"].startswith("Basic ")
    form = ack.form()
    assert form["To"] == ["+6281311110000"]
    assert form["From"] == ["+628111272206"]  # answered from the number the citizen texted
    assert ticket in form["Body"][0]
    assert "BERHENTI" in form["Body"][0]

    await move_through_statuses(client, cid, admin)
    await dispatch()
    assert [q.path for q in fake_platform.requests] == [path] * 3
    bodies = [q.form() for q in fake_platform.requests]
    assert all(f["To"] == ["+6281311110000"] for f in bodies)
    assert all(ticket in f["Body"][0] for f in bodies)
    assert "YA" in bodies[2]["Body"][0] and "TIDAK" in bodies[2]["Body"][0]
    no_leak(fake_platform)


# --------------------------------------------------------------------------- email


@dataclass
class Mailbox:
    """An aiosmtpd handler keeping every message it receives."""

    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 2.0.0 Ok: queued"

    def mails(self) -> list[EmailMessage]:
        out = []
        for env in self.envelopes:
            parsed = message_from_bytes(env.original_content or b"", policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            out.append(parsed)
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ids(value: str | None) -> list[str]:
    return [v.strip("<>") for v in (value or "").split()]


def raw_mail(*, message_id: str, subject: str, body: str, in_reply_to: str | None = None) -> bytes:
    lines = [
        "Return-Path: <budi.santoso@example.co.id>",
        "From: Budi Santoso <budi.santoso@example.co.id>",
        "To: Aduan DKI Jakarta <dki@jakarta.go.id>",
        f"Subject: {subject}",
        "Date: Thu, 03 Dec 2026 10:12:40 +0700",
        f"Message-ID: <{message_id}>",
    ]
    if in_reply_to:
        lines += [f"In-Reply-To: <{in_reply_to}>", f"References: <{in_reply_to}>"]
    lines += ["MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"', "", body, ""]
    return "\r\n".join(lines).encode()


async def test_email_is_answered_by_threaded_mail_and_the_answer_threads_back(
    app, settings, client, admin, make_key, fake_platform: FakePlatform, db
) -> None:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    worker = Dispatcher(
        app.state.db,
        outbound_settings(
            settings,
            fake_platform.url,
            ADUAN_SMTP_URL=f"smtp://127.0.0.1:{port}",
            ADUAN_MAIL_FROM="Pemprov DKI <aduan@jakarta.go.id>",
        ),
        name="test-email",
    )
    relay = {**(await make_key("partner", "mail-relay")), "content-type": "message/rfc822"}
    original_id = "20261203101240.4F2A1@mail.example.co.id"
    try:
        r = await client.post(
            "/v1/channels/email/inbound",
            content=raw_mail(
                message_id=original_id,
                subject="Jalan berlubang di Jl. Cikini Raya",
                body="Jalan berlubang di Jl. Cikini Raya dekat halte, motor sering jatuh saat hujan.",
            ),
            headers=relay,
        )
        ticket, cid = created(r)

        await worker.drain()
        mails = mailbox.mails()
        assert len(mails) == 1
        ack = mails[0]
        assert [a for _, a in getaddresses([str(ack["To"])])] == ["budi.santoso@example.co.id"]
        assert mailbox.envelopes[0].rcpt_tos == ["budi.santoso@example.co.id"]
        assert parseaddr(str(ack["From"]))[1] == "aduan@jakarta.go.id"
        assert f"[{ticket}]" in str(ack["Subject"])
        assert ids(ack["In-Reply-To"]) == [original_id]
        assert original_id in ids(ack["References"])
        assert ack["Auto-Submitted"] == "auto-replied"
        body = ack.get_content()
        assert ticket in body
        our_id = ids(ack["Message-ID"])[0]
        assert our_id.endswith("@jakarta.go.id")

        await move_through_statuses(client, cid, admin)
        await worker.drain()
        mails = mailbox.mails()
        assert len(mails) == 3, [str(m["Subject"]) for m in mails]
        for m in mails:
            assert [a for _, a in getaddresses([str(m["To"])])] == ["budi.santoso@example.co.id"]
            assert f"[{ticket}]" in str(m["Subject"])
            assert original_id in ids(m["References"])
            assert NOTE not in m.get_content() and NOTE not in str(m["Subject"])
        assert "YA" in mails[2].get_content() and "TIDAK" in mails[2].get_content()

        # The reporter answers our reply: a subject without the ticket, only the thread matches.
        r = await client.post(
            "/v1/channels/email/inbound",
            content=raw_mail(
                message_id="20261204080000.9C3B7@mail.example.co.id",
                subject="Re: Laporan saya",
                body="Terima kasih, ada tambahan foto besok.",
                in_reply_to=our_id,
            ),
            headers=relay,
        )
        assert r.status_code == 200, r.text
        outcomes = r.json()["outcomes"]
        assert len(outcomes) == 1, outcomes
        assert outcomes[0]["action"] == "followed_up"
        assert outcomes[0]["ticket"] == ticket
        assert outcomes[0]["complaint_id"] == cid
        assert await db.fetchval("SELECT count(*) FROM complaints") == 1
        notes = await db.fetch("SELECT note FROM complaint_events WHERE complaint_id = $1", cid)
        assert any("tambahan foto besok" in (n["note"] or "") for n in notes)
    finally:
        await worker.aclose()
        controller.stop()


# --------------------------------------------------------------------------- LAPOR!


async def test_lapor_report_gets_status_sync_on_its_tracking_id(
    client, admin, dispatch, fake_platform: FakePlatform
) -> None:
    tracking_id = "6120034"
    r = await post_signed(client, sample("lapor/01_disposition_creates.json"), signers_others.sign_lapor)
    ticket, cid = created(r)

    await dispatch()
    path = f"/lapor/api/laporan/{tracking_id}/tindak-lanjut"
    assert [(q.method, q.path) for q in fake_platform.requests] == [("POST", path)]

    await move_through_statuses(client, cid, admin)
    await dispatch()
    assert [q.path for q in fake_platform.requests] == [path] * 3
    key = CHANNEL_SECRETS["ADUAN_LAPOR_SECRET"].encode()
    for q in fake_platform.requests:
        expected = "sha256=" + hmac.new(key, q.body, hashlib.sha256).hexdigest()
        assert q.headers["x-lapor-signature"] == expected
    syncs = [q.json() for q in fake_platform.requests]
    assert all(s["tracking_id"] == tracking_id and s["tiket"] == ticket for s in syncs)
    assert [s["status_aduan"] for s in syncs] == ["received", "in_progress", "resolved"]
    assert [s["status"] for s in syncs[1:]] == ["Ditindaklanjuti", "Selesai"]
    assert len({s["event_id"] for s in syncs}) == 3
    no_leak(fake_platform)
    listed = await messages(client, cid, admin)
    assert [(m["audience"], m["platform"], m["status"]) for m in listed] == [("lapor", "lapor", "sent")] * 3


# --------------------------------------------------------------------------- JAKI


async def test_jaki_app_hears_through_its_webhook(
    client, admin, make_key, dispatch, fake_platform: FakePlatform
) -> None:
    # The receiver listens on 127.0.0.1 (tests/conftest.py allows it: ADUAN_WEBHOOK_ALLOW_PRIVATE_URLS).
    jaki = await make_key("app", "jaki")
    r = await client.post(
        "/v1/webhooks", json={"url": fake_platform.url + "/hook", "events": ALL_EVENTS}, headers=jaki
    )
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]

    report = sample("offices/06_jaki_json_report.json")
    r = await client.post(report["path"], json=report["json"], headers=jaki)
    ticket, cid = created(r)

    await dispatch()
    hooks = sent_to(fake_platform, "/hook")
    assert len(fake_platform.requests) == len(hooks) == 1
    first = Webhook(secret).verify(hooks[0].body, hooks[0].headers)
    assert first["type"] == "complaint.created"
    assert first["data"]["complaint"]["id"] == cid
    assert first["data"]["complaint"]["ticket"] == ticket
    assert first["data"]["complaint"]["external_id"] == report["json"]["client_report_id"]

    await move_through_statuses(client, cid, admin)
    await dispatch()
    hooks = sent_to(fake_platform, "/hook")
    assert len(fake_platform.requests) == len(hooks)
    bodies = [Webhook(secret).verify(h.body, h.headers) for h in hooks]
    changes = [(b["type"], b["data"]["event"]["to_status"]) for b in bodies[1:]]
    assert changes == [
        ("complaint.status_changed", "in_progress"),
        ("complaint.status_changed", "pending_validation"),
        ("complaint.status_changed", "resolved"),
    ]
    assert all(b["data"]["complaint"]["id"] == cid for b in bodies)
    assert len({h.headers["webhook-id"] for h in hooks}) == 4
    no_leak(fake_platform)
    # no reporter message: the app tells its user itself
    assert await messages(client, cid, admin) == []


# --------------------------------------------------------------------------- desks, offices, media


DESKS = [
    ("pendopo", "offices/01_pendopo_walk_in.json", 0, "/v1/channels/pendopo/intake"),
    ("inspektorat", "offices/02_inspektorat_secret_by_default.json", 0, "/v1/channels/inspektorat/intake"),
    ("walikota", "offices/04_kelurahan_anonymous_and_walikota.json", 1, "/v1/channels/walikota/intake"),
    (
        "kecamatan",
        "offices/03_kecamatan_form_number_scoped_to_office.json",
        0,
        "/v1/channels/kecamatan/intake",
    ),
    ("kelurahan", "offices/04_kelurahan_anonymous_and_walikota.json", 0, "/v1/channels/kelurahan/intake"),
    ("media", "media/01_clipping_creates.json", 0, "/v1/channels/media/clippings"),
]


@pytest.mark.parametrize(("channel", "path", "step", "endpoint"), DESKS, ids=[d[0] for d in DESKS])
async def test_desk_channel_keeps_a_record_of_what_to_tell_the_citizen(
    channel: str, path: str, step: int, endpoint: str,
    client, admin, make_key, dispatch, fake_platform: FakePlatform, db,
) -> None:  # fmt: skip
    request = sample(path, step)
    assert request["path"] == endpoint
    desk = await make_key("officer", f"{channel}-desk")
    r = await client.post(endpoint, json=request["json"], headers=desk)
    ticket, cid = created(r)
    assert await db.fetchval("SELECT channel FROM complaints WHERE id = $1::uuid", cid) == channel

    await dispatch()
    listed = await messages(client, cid, admin)
    assert len(listed) == 1, listed
    ack = listed[0]
    assert (ack["audience"], ack["platform"], ack["status"]) == ("officer", "record", "recorded")
    assert ack["ticket"] == ticket
    assert ack["text"].startswith("Sampaikan kepada pelapor")
    assert ticket in ack["text"] and f"/track/{ticket}" in ack["text"]

    await move_through_statuses(client, cid, admin)
    await dispatch()
    listed = await messages(client, cid, admin)
    assert [(m["audience"], m["platform"], m["status"]) for m in listed] == [
        ("officer", "record", "recorded")
    ] * 3
    assert all(ticket in m["text"] and NOTE not in m["text"] for m in listed)
    # The acknowledgement, then one record for in_progress and one for resolved (pending_validation
    # is internal). Matched by content: the listing's order is checked on its own below.
    assert sum("sudah tercatat dengan nomor" in m["text"] for m in listed) == 1
    working = [m["text"] for m in listed if "sedang ditangani" in m["text"]]
    done = [m["text"] for m in listed if "sudah selesai ditangani" in m["text"]]
    assert len(working) == 1 and len(done) == 1, [m["text"] for m in listed]
    assert "YA/TIDAK" in done[0]  # the officer asks the citizen to confirm
    assert "YA/TIDAK" not in working[0]
    # nothing went to any platform: there is no return path
    assert fake_platform.requests == []


async def test_messages_of_a_complaint_are_listed_oldest_first(
    client, admin, make_key, dispatch, fake_platform: FakePlatform
) -> None:
    """``GET /v1/complaints/{id}/messages`` says "Oldest first": the records of events expanded
    in one dispatcher round must be listed in the order of their events."""
    request = sample("offices/01_pendopo_walk_in.json")
    desk = await make_key("officer", "pendopo-desk")
    ticket, cid = created(await client.post(request["path"], json=request["json"], headers=desk))
    await dispatch()
    r = await transition(client, cid, {"status": "in_progress", "note": NOTE, "public": False}, admin)
    assert r.status_code == 200, r.text
    replies = ["Petugas dijadwalkan Senin.", "Material sudah dipesan.", "Pengaspalan dimulai besok pagi."]
    for note in replies:
        r = await client.post(
            f"/v1/complaints/{cid}/comments", json={"note": note, "public": True}, headers=admin
        )
        assert r.status_code == 201, r.text
    for status in ("pending_validation", "resolved"):
        r = await transition(client, cid, {"status": status, "note": NOTE, "public": False}, admin)
        assert r.status_code == 200, r.text
    await dispatch()  # one round: five records from one expansion

    listed = [m["text"] for m in await messages(client, cid, admin)]
    assert len(listed) == 6, listed
    expected = ["sudah tercatat dengan nomor", "sedang ditangani", *replies, "sudah selesai ditangani"]
    assert [next((e for e in expected if e in t), t) for t in listed] == expected
