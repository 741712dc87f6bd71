"""Bodies and answers of the outbound endpoints: messages, webhooks, channel health."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.complaints.schemas import Strict
from app.core.schemas import Timestamp
from app.outbound.expand import EVENT_TYPES
from app.outbound.ssrf import UnsafeUrl, check_url_syntax

MessageStatus = Literal["pending", "sending", "sent", "dead", "skipped", "recorded"]
Platform = Literal[
    "x", "facebook", "instagram", "whatsapp", "twilio", "sms_gateway", "email", "lapor", "webhook", "record"
]
EventType = Literal[
    "complaint.created", "complaint.status_changed", "complaint.assigned", "complaint.commented"
]
assert set(EventType.__args__) == set(EVENT_TYPES)  # type: ignore[attr-defined]


_MESSAGE_EXAMPLE: dict[str, Any] = {
    "id": "0b6f3c1e-2a44-4c43-9d59-6a1f0e0c2b11",
    "complaint_id": "5d0c7a56-1f0e-4a53-8a59-3b7d3c0f9e21",
    "ticket": "K7M2-Q9XD",
    "audience": "reporter",
    "platform": "twilio",
    "event_type": "reporter.status_changed",
    "status": "dead",
    "attempts": 8,
    "next_attempt_at": None,
    "last_error": "HTTP 503: Service Unavailable",
    "last_status_code": 503,
    "provider_id": None,
    "text": "Laporan K7M2-Q9XD sedang ditangani petugas (status: Proses).",
    "recipient": {"phone": "+6281311110000"},
    "created_at": "2026-03-02T03:12:40.125000+00:00",
    "updated_at": "2026-03-02T09:40:02.000000+00:00",
    "sent_at": None,
}
_ATTEMPT_EXAMPLE: dict[str, Any] = {
    "attempt": 1,
    "ok": False,
    "status_code": 503,
    "error": "HTTP 503: Service Unavailable",
    "duration_ms": 120,
    "at": "2026-03-02T03:12:41.000000+00:00",
}
_WEBHOOK_EXAMPLE: dict[str, Any] = {
    "id": "7c0d4a2e-9b1f-4e8e-8a2f-2f7b1c9d0e33",
    "url": "https://partner.example.id/aduan/events",
    "events": ["complaint.status_changed"],
    "description": None,
    "include_personal_data": False,
    "created_at": "2026-03-02T03:12:40.125000+00:00",
}


class AttemptOut(BaseModel):
    attempt: int
    ok: bool
    status_code: int | None = Field(
        description="The receiver's HTTP status (null: no answer, e.g. a timeout)"
    )
    error: str | None
    duration_ms: int | None
    at: Timestamp


class MessageOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [_MESSAGE_EXAMPLE | {"attempt_log": [_ATTEMPT_EXAMPLE]}]}
    )

    id: uuid.UUID
    complaint_id: uuid.UUID | None
    ticket: str | None
    audience: Literal["reporter", "partner", "lapor", "officer"]
    platform: Platform
    event_type: str
    status: MessageStatus
    attempts: int
    next_attempt_at: Timestamp | None
    last_error: str | None
    last_status_code: int | None
    provider_id: str | None
    text: str | None = Field(
        default=None, description="What the reporter is (or, for `record`, should be) told"
    )
    recipient: dict[str, Any] | None = Field(
        default=None, description="The address on the platform (admins; staff who may see the reporter)"
    )
    created_at: Timestamp
    updated_at: Timestamp
    sent_at: Timestamp | None
    attempt_log: list[AttemptOut] | None = None


class MessageList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_MESSAGE_EXAMPLE], "next_cursor": None}]}
    )

    items: list[MessageOut]
    next_cursor: str | None = None


class WebhookIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"url": "https://partner.example.id/aduan/events", "events": ["complaint.status_changed"]}
            ]
        },
    )
    url: str = Field(min_length=8, max_length=2000, description="http(s); not a loopback or private address")
    events: list[EventType] = Field(min_length=1, max_length=len(EVENT_TYPES))
    description: str | None = Field(default=None, max_length=500)
    include_personal_data: bool = Field(
        default=False, description="Admin subscriptions only: add the reporter and unmasked text"
    )

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        try:
            check_url_syntax(v)
        except UnsafeUrl as exc:
            raise ValueError(str(exc)) from None
        return v

    @field_validator("events")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return sorted(set(v))


class WebhookOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_WEBHOOK_EXAMPLE]})

    id: uuid.UUID
    url: str
    events: list[str]
    description: str | None
    include_personal_data: bool
    created_at: Timestamp


class WebhookCreated(WebhookOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [_WEBHOOK_EXAMPLE | {"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]
        }
    )

    secret: str = Field(description="`whsec_` + base64: verify deliveries with it. Shown once, never again.")


class WebhookList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_WEBHOOK_EXAMPLE]}]})

    items: list[WebhookOut]


class DeliveryOut(BaseModel):
    id: str = Field(description="The `webhook-id` the receiver saw (the same on every attempt)")
    event_type: str
    complaint_id: uuid.UUID | None
    ticket: str | None
    status: MessageStatus
    attempts: list[AttemptOut]
    created_at: Timestamp
    sent_at: Timestamp | None
    next_attempt_at: Timestamp | None


class DeliveryList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "id": "msg_0b6f3c1e2a444c439d596a1f0e0c2b11",
                            "event_type": "complaint.status_changed",
                            "complaint_id": "5d0c7a56-1f0e-4a53-8a59-3b7d3c0f9e21",
                            "ticket": "K7M2-Q9XD",
                            "status": "sent",
                            "attempts": [
                                _ATTEMPT_EXAMPLE,
                                _ATTEMPT_EXAMPLE
                                | {"attempt": 2, "ok": True, "status_code": 200, "error": None},
                            ],
                            "created_at": "2026-03-02T03:12:40.125000+00:00",
                            "sent_at": "2026-03-02T03:12:55.000000+00:00",
                            "next_attempt_at": None,
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    items: list[DeliveryOut]
    next_cursor: str | None = None


class PlatformHealth(BaseModel):
    platform: str
    last_sent_at: Timestamp | None
    queued: int
    dead: int
    attempts_24h: int
    failures_24h: int
    error_rate_24h: float | None


class ChannelHealth(BaseModel):
    channel: str
    status: Literal["ok", "silent", "failing", "quiet"] = Field(
        description="silent: usually hears from citizens but nothing for several times its usual gap; "
        "failing: most recent inbound deliveries or sends fail; quiet: too little traffic to judge"
    )
    last_inbound_at: Timestamp | None
    inbound_7d: int
    failed_7d: int
    inbound_error_rate_7d: float | None
    usual_gap_seconds: float | None
    silent_for_seconds: float | None
    outbound: list[PlatformHealth]


class ChannelHealthList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "generated_at": "2026-03-02T03:12:40.125000+00:00",
                    "silence_factor": 5.0,
                    "channels": [
                        {
                            "channel": "twitter",
                            "status": "silent",
                            "last_inbound_at": "2026-03-01T15:02:11.000000+00:00",
                            "inbound_7d": 412,
                            "failed_7d": 0,
                            "inbound_error_rate_7d": 0.0,
                            "usual_gap_seconds": 1468.0,
                            "silent_for_seconds": 43829.1,
                            "outbound": [
                                {
                                    "platform": "x",
                                    "last_sent_at": "2026-03-01T15:02:40.000000+00:00",
                                    "queued": 0,
                                    "dead": 0,
                                    "attempts_24h": 37,
                                    "failures_24h": 0,
                                    "error_rate_24h": 0.0,
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    )

    generated_at: Timestamp
    silence_factor: float
    channels: list[ChannelHealth]
