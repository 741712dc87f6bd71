"""Outbound endpoints: messages (admin), a complaint's messages (staff), partner webhooks,
channel health. Who may see what: app.outbound.service."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from app.core.deps import Conn, DbDep, SettingsDep
from app.core.errors import problems
from app.core.routes import JsonRoute
from app.core.security import Admin, Officer, Principal, require
from app.outbound import service
from app.outbound.schemas import (
    ChannelHealthList,
    DeliveryList,
    MessageList,
    MessageOut,
    MessageStatus,
    Platform,
    WebhookCreated,
    WebhookIn,
    WebhookList,
    WebhookOut,
)

router = APIRouter(tags=["outbound"], route_class=JsonRoute)

Subscriber = Annotated[Principal, Depends(require("admin", "partner", "app"))]


@router.get(
    "/v1/outbound",
    operation_id="listOutboundMessages",
    summary="Outbound messages: replies to reporters, LAPOR! syncs, webhook deliveries (admin)",
    description=(
        "Newest first. `status=dead` is the dead-letter list: messages that failed "
        "`ADUAN_OUTBOX_MAX_ATTEMPTS` times or with an error that cannot succeed (retry them with "
        "`POST /v1/outbound/{id}/retry`)."
    ),
    responses=problems(401, 403, 422, 503),
)
async def list_outbound(
    principal: Admin,
    conn: Conn,
    status: MessageStatus | None = None,
    platform: Platform | None = None,
    complaint_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> MessageList:
    items, next_cursor = await service.list_messages(
        conn, status=status, platform=platform, complaint_id=complaint_id, limit=limit, cursor=cursor
    )
    return MessageList(items=[MessageOut.model_validate(i) for i in items], next_cursor=next_cursor)


@router.get(
    "/v1/outbound/{message_id}",
    operation_id="getOutboundMessage",
    summary="One outbound message with every attempt (admin)",
    responses=problems(401, 403, 404, 422, 503),
)
async def get_outbound(message_id: uuid.UUID, principal: Admin, conn: Conn) -> MessageOut:
    return MessageOut.model_validate(await service.get_message(conn, message_id))


@router.post(
    "/v1/outbound/{message_id}/retry",
    operation_id="retryOutboundMessage",
    summary="Send a dead (or skipped) message again, now, with a fresh attempt budget (admin)",
    description="409 for a message that is not dead or skipped (it is sent, or still being tried).",
    status_code=202,
    responses=problems(401, 403, 404, 409, 422, 503),
)
async def retry_outbound(message_id: uuid.UUID, principal: Admin, db: DbDep) -> MessageOut:
    async with db.transaction() as conn:
        return MessageOut.model_validate(await service.retry_message(conn, message_id))


@router.get(
    "/v1/complaints/{complaint_id}/messages",
    operation_id="listComplaintMessages",
    summary="What the reporter was told, on which channel, and how it went (staff)",
    description=(
        "Replies to the reporter, LAPOR! syncs and, for channels without a return path (walk-in desks, "
        "offices, media), the officer-facing `record` of what to tell the citizen. Oldest first. The "
        "recipient's address only for keys that may see the reporter."
    ),
    responses=problems(401, 403, 404, 422, 503),
)
async def complaint_messages(complaint_id: uuid.UUID, principal: Officer, conn: Conn) -> MessageList:
    items = await service.complaint_messages(conn, complaint_id, principal)
    return MessageList(items=[MessageOut.model_validate(i) for i in items])


@router.post(
    "/v1/webhooks",
    operation_id="createWebhook",
    summary="Subscribe to complaint events (admin, partner or app key); the secret is in the answer once",
    description=(
        "Deliveries follow the Standard Webhooks specification: headers `webhook-id`, `webhook-timestamp`, "
        "`webhook-signature` (`v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>`, the key being the "
        'base64 after `whsec_`), body `{"type", "timestamp", "data"}` with `data.complaint` and '
        "`data.event`. A subscription receives the events of the complaints its key may read: a partner or "
        "app key those it submitted, an admin all (personal data only with `include_personal_data`). A "
        "non-2xx answer or a timeout is retried with the same `webhook-id`, with backoff (first retry within "
        "a minute). URLs that resolve to loopback or private addresses are refused (422) unless "
        "`ADUAN_WEBHOOK_ALLOW_PRIVATE_URLS=true`."
    ),
    status_code=201,
    responses=problems(400, 401, 403, 409, 415, 422, 503),
)
async def create_webhook(
    body: WebhookIn, principal: Subscriber, db: DbDep, settings: SettingsDep, response: Response
) -> WebhookCreated:
    async with db.transaction() as conn:
        out = await service.create_webhook(conn, principal, body, settings)
    response.headers["Location"] = f"/v1/webhooks/{out['id']}"
    return WebhookCreated.model_validate(out)


@router.get(
    "/v1/webhooks",
    operation_id="listWebhooks",
    summary="Webhook subscriptions (admin: all; partner and app keys: their own), never the secret",
    responses=problems(401, 403, 503),
)
async def list_webhooks(principal: Subscriber, conn: Conn) -> WebhookList:
    return WebhookList(
        items=[WebhookOut.model_validate(r) for r in await service.list_webhooks(conn, principal)]
    )


@router.get(
    "/v1/webhooks/{webhook_id}",
    operation_id="getWebhook",
    summary="One webhook subscription (its key or an admin)",
    responses=problems(401, 403, 404, 422, 503),
)
async def get_webhook(webhook_id: uuid.UUID, principal: Subscriber, conn: Conn) -> WebhookOut:
    return WebhookOut.model_validate(dict(await service.visible_webhook(conn, principal, webhook_id)))


@router.delete(
    "/v1/webhooks/{webhook_id}",
    operation_id="deleteWebhook",
    summary="End a webhook subscription (its key or an admin); its delivery history stays",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404, 422, 503),
)
async def delete_webhook(webhook_id: uuid.UUID, principal: Subscriber, db: DbDep) -> None:
    async with db.transaction() as conn:
        await service.delete_webhook(conn, principal, webhook_id)


@router.get(
    "/v1/webhooks/{webhook_id}/deliveries",
    operation_id="listWebhookDeliveries",
    summary="A subscription's deliveries, each with its attempts (status code and time), newest first",
    responses=problems(401, 403, 404, 422, 503),
)
async def webhook_deliveries(
    webhook_id: uuid.UUID,
    principal: Subscriber,
    conn: Conn,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> DeliveryList:
    items, next_cursor = await service.deliveries(conn, principal, webhook_id, limit=limit, cursor=cursor)
    return DeliveryList.model_validate({"items": items, "next_cursor": next_cursor})


@router.get(
    "/v1/channels/health",
    operation_id="channelHealth",
    summary="Per channel: last inbound delivery, error rates, outbound state, and silence (staff)",
    description=(
        "`silent`: a channel that had at least 5 deliveries in the last 7 days and has heard nothing for more "
        "than `ADUAN_CHANNEL_SILENCE_FACTOR` (default 5) times its usual gap between them: a platform that "
        "stopped delivering (an expired token, a webhook switched off). `failing`: more than half of its "
        "inbound deliveries in 7 days, or of its sends in 24 hours, failed."
    ),
    responses=problems(401, 403, 503),
)
async def channel_health(principal: Officer, conn: Conn, settings: SettingsDep) -> ChannelHealthList:
    data: dict[str, Any] = await service.channel_health(conn, settings)
    return ChannelHealthList.model_validate(data)
