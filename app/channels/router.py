"""``/v1/channels/...``: one endpoint per source, each accepting the source's native format.

Every endpoint does the same four things, in this order: check that the
channel is configured (503 otherwise), verify the caller (signature over the
raw bytes, or an API key), archive the raw delivery, and hand it to the
pipeline (``app.intake.deliveries``). Handshakes answer what the platform
expects.

Platform webhooks are signed over the exact bytes of the body, so they read the raw body
and verify it before anything parses it (an unsigned request is 401 whatever it holds);
their request bodies are documented with ``openapi_extra``. The JSON formats of our own
(office intake, media clippings) are typed body parameters; the JAKI endpoint takes JSON or
a multipart upload and reads the one it gets.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from pydantic import BaseModel, SecretStr, ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.responses import FileResponse, PlainTextResponse, Response

from app.channels import registry, repository
from app.channels.adapters import email as email_adapter
from app.channels.adapters import lapor, meta, sms_gateway, twilio, twitter
from app.channels.deps import StorageDep
from app.channels.schemas import (
    InboundDeliveryOut,
    InboundList,
    JakiReport,
    LaporEvent,
    MediaClipping,
    OfficeIntake,
    PhotoCountError,
    SmsGatewayMessage,
    jaki_form_to_payload,
    validate_photo_count,
)
from app.channels.storage import sniff_photo
from app.core import pagination
from app.core.config import Settings, secret_value
from app.core.db import Database
from app.core.deps import Conn, DbDep, SettingsDep, SignerDep
from app.core.errors import AppError, NotFound, UnsupportedMediaType, problem_response, problems
from app.core.http import RequestInvalid, is_json, json_response, parse_json_body
from app.core.media_links import is_public_file
from app.core.routes import JsonRoute
from app.core.security import Admin, Officer, Principal, Submitter, authorize
from app.intake.deliveries import Pipeline, archive, delivery_from_row, status_code_for
from app.intake.deps import PipelineDep
from app.intake.drafts import (
    AttachmentDraft,
    ChannelNotConfigured,
    Delivery,
    SignatureError,
    VerifyTokenError,
)

log = logging.getLogger("aduan.channels")

router = APIRouter(tags=["channels"], route_class=JsonRoute)
admin_router = APIRouter(prefix="/v1/inbound", tags=["inbound review"], route_class=JsonRoute)

# Bodies the raw-body endpoints document by reference (``openapi_extra``): no typed parameter
# makes FastAPI emit their schemas, so the application registers them (``app.main``).
RAW_BODY_MODELS: list[type[BaseModel]] = [JakiReport, SmsGatewayMessage, LaporEvent]

MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")

OUTCOMES_EXAMPLE = {
    "outcomes": [
        {
            "action": "created",
            "ticket": "K7M2-Q9XD",
            "complaint_id": "6f1c...",
            "external_id": "1590000000000000001",
        },
        {"action": "ignored", "reason": "retweet", "external_id": "1590000000000000002"},
    ]
}


class ChannelUnavailable(AppError):
    status, slug, title = 503, "channel-not-configured", "This channel is not configured"


def _responses(*codes: int, created: bool = True) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {
        200: {
            "description": "A follow-up, a redelivery, or events deliberately ignored",
            "content": {
                "application/json": {
                    "example": {"outcomes": [{"action": "duplicate", "ticket": "K7M2-Q9XD"}]}
                }
            },
        },
        202: {
            "description": "Stored, but kept for review (could not be mapped) or waiting for more parts",
            "content": {
                "application/json": {"example": {"outcomes": [{"action": "failed", "reason": "..."}]}}
            },
        },
    }
    if created:
        out[201] = {
            "description": "Created complaints",
            "content": {"application/json": {"example": OUTCOMES_EXAMPLE}},
        }
    out.update(problems(*codes))
    return out


def _configured(value: SecretStr | None) -> str:
    """A channel's secret, or 503 (``ChannelNotConfigured``): never accept unsigned input."""
    plain = secret_value(value)
    if not plain:
        raise ChannelNotConfigured()
    return plain


def _json_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` of an endpoint that verifies the raw JSON body before parsing it."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
        }
    }


def _key_context(principal: Principal, **extra: Any) -> dict[str, Any]:
    """A delivery made with an API key names the key: its intake belongs to it (app.auth.policy)."""
    return {
        **extra,
        "api_key_name": principal.name,
        "api_key_id": principal.id,
        "api_key_role": principal.role,
    }


def _lower_headers(request: Request) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


def _outcomes(results: list[dict[str, Any]]) -> Response:
    # Pre-rendered: a platform webhook is the measured hot path (bench/README.md, the signed
    # Meta webhook), and the outcomes are the pipeline's own dicts (contracts.md's shape);
    # the status says what happened (201 created, 200 follow-up or ignored, 202 kept).
    return json_response({"outcomes": results}, status_code_for(results))


async def _deliver(
    db: Database,
    pipeline: Pipeline,
    *,
    channel: str,
    endpoint: str,
    delivery: Delivery,
    token: str | None = None,
) -> Response:
    adapter = registry.ENDPOINTS[endpoint]
    async with db.raw() as conn:
        # Archived (committed) first; its outcomes then run on the same connection.
        delivery_id = await archive(conn, channel=channel, endpoint=endpoint, delivery=delivery, token=token)
        results = await pipeline.run(delivery_id, channel, adapter, delivery, conn=conn)
    return _outcomes(results)


def _delivery(request: Request, body: bytes, **kw: Any) -> Delivery:
    return Delivery(
        body=body,
        content_type=request.headers.get("content-type", ""),
        headers=_lower_headers(request),
        query=dict(request.query_params),
        url=str(request.url),
        **kw,
    )


# --------------------------------------------------------------------------- X / Twitter


@router.get(
    "/v1/channels/twitter/webhook",
    operation_id="twitterCrc",
    summary="X Account Activity API CRC check",
    description='X sends `crc_token`; the answer is `{"response_token": "sha256=<base64 HMAC-SHA256(consumer secret, crc_token)>"}`.',
    responses={
        200: {"content": {"application/json": {"example": {"response_token": "sha256=x2Z...="}}}},
        **problems(400, 503),
    },
)
async def twitter_crc(
    settings: SettingsDep, crc_token: Annotated[str, Query(min_length=1, max_length=500)]
) -> dict[str, str]:
    secret = _configured(settings.twitter_consumer_secret)
    return twitter.crc_response(crc_token, secret)


@router.post(
    "/v1/channels/twitter/webhook",
    operation_id="twitterWebhook",
    summary="X Account Activity API events (mentions, replies, DMs)",
    description=(
        "Signed with `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, body)>`. "
        "`tweet_create_events` mentioning the account become complaints (coordinates only from `coordinates`, "
        "never from a place box); replies in a thread follow up the complaint the thread started; retweets and "
        "the account's own tweets are ignored; `direct_message_events` become secret complaints."
    ),
    responses=_responses(401, 503),
    openapi_extra={
        "security": [],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "example": {
                        "for_user_id": "3347108574",
                        "tweet_create_events": [
                            {
                                "id_str": "1590000000000000001",
                                "created_at": "Sun Mar 01 03:12:40 +0000 2026",
                                "timestamp_ms": "1772334760000",
                                "text": "@DKIJakarta Jalan berlubang di Jl. Cikini Raya depan halte, motor sering jatuh",
                                "truncated": False,
                                "user": {"id_str": "998877", "name": "Budi", "screen_name": "budi_jkt"},
                                "coordinates": {"type": "Point", "coordinates": [106.8412, -6.1915]},
                                "entities": {
                                    "user_mentions": [{"screen_name": "DKIJakarta", "id_str": "3347108574"}]
                                },
                            }
                        ],
                    }
                }
            },
        },
    },
)
async def twitter_webhook(
    request: Request, settings: SettingsDep, db: DbDep, pipeline: PipelineDep
) -> Response:
    secret = _configured(settings.twitter_consumer_secret)
    body = await request.body()
    twitter.verify(_lower_headers(request), body, secret)
    context = {"twitter_account_id": settings.twitter_account_id}
    delivery = _delivery(request, body, context={k: v for k, v in context.items() if v})
    return await _deliver(db, pipeline, channel="twitter", endpoint="twitter", delivery=delivery)


# --------------------------------------------------------------------------- Meta: Facebook, Instagram, WhatsApp


# A Meta app's settings: (app secret, verify token).
MetaSecrets = Callable[[Settings], tuple[SecretStr | None, SecretStr | None]]


def _meta_routes(
    path: str, channel: str, endpoint: str, secrets: MetaSecrets, what: str, example: dict[str, Any]
) -> None:
    async def handshake(request: Request, settings: SettingsDep) -> Response:
        app_secret, verify_token = secrets(settings)
        token = _configured(verify_token)
        _configured(app_secret)
        try:
            challenge = meta.handshake(dict(request.query_params), token)
        except ValueError as exc:  # no challenge to answer
            raise AppError(f"hub.challenge: {exc}") from None
        return PlainTextResponse(challenge)

    async def webhook(request: Request, settings: SettingsDep, db: DbDep, pipeline: PipelineDep) -> Response:
        secret = _configured(secrets(settings)[0])
        body = await request.body()
        meta.verify_signature(_lower_headers(request), body, secret)
        delivery = _delivery(request, body)
        return await _deliver(db, pipeline, channel=channel, endpoint=endpoint, delivery=delivery)

    router.add_api_route(
        path,
        handshake,
        methods=["GET"],
        operation_id=f"{endpoint}Handshake",
        summary=f"Meta webhook verification ({what})",
        description="Answers `hub.challenge` as plain text when `hub.mode=subscribe` and `hub.verify_token` match.",
        responses={200: {"content": {"text/plain": {"example": "1158201444"}}}, **problems(400, 403, 503)},
    )
    router.add_api_route(
        path,
        webhook,
        methods=["POST"],
        operation_id=f"{endpoint}Webhook",
        summary=f"Meta webhook events ({what})",
        description=(
            "Signed with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>`. A batch of entries is "
            "handled event by event; the answer names every outcome."
        ),
        responses=_responses(401, 503),
        openapi_extra={
            "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"example": example}}},
        },
    )


_meta_routes(
    "/v1/channels/facebook/webhook",
    "facebook",
    "facebook",
    lambda s: (s.facebook_app_secret, s.facebook_verify_token),
    "Pemprov DKI Facebook page: feed and Messenger",
    {
        "object": "page",
        "entry": [
            {
                "id": "104729418562390",
                "time": 1772334760,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "status",
                            "verb": "add",
                            "post_id": "104729418562390_771234567890123",
                            "message": "Sampah menumpuk di Jl. Kemang Raya sudah seminggu",
                            "from": {"id": "6234567890123456", "name": "Rina"},
                            "created_time": 1772334760,
                        },
                    }
                ],
            }
        ],
    },
)
_meta_routes(
    "/v1/channels/governor-social/webhook",
    "governor_social",
    "governor_social",
    lambda s: (s.instagram_app_secret, s.instagram_verify_token),
    "the Governor's Instagram: comments, mentions, DMs",
    {
        "object": "instagram",
        "entry": [
            {
                "id": "17841400000000000",
                "time": 1772334760,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "id": "17865799348089039",
                            "text": "Pak, lampu PJU di Jl. Pramuka mati sudah 3 hari",
                            "from": {"id": "17841405309211844", "username": "warga_matraman"},
                            "media": {"id": "17887498072083520", "media_product_type": "FEED"},
                        },
                    }
                ],
            }
        ],
    },
)
_meta_routes(
    "/v1/channels/whatsapp/webhook",
    "sms",
    "whatsapp",
    lambda s: (s.whatsapp_app_secret, s.whatsapp_verify_token),
    "WhatsApp Cloud API on the SMS/WA number",
    {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "628111272206",
                                "phone_number_id": "106540352242922",
                            },
                            "contacts": [{"profile": {"name": "Andi"}, "wa_id": "6281311110000"}],
                            "messages": [
                                {
                                    "from": "6281311110000",
                                    "id": "wamid.HBgNNjI4MTMxMTExMDAwMBUCABIYFjNFQjA=",
                                    "timestamp": "1772334760",
                                    "type": "text",
                                    "text": {
                                        "body": "Got mampet di Jl. Tebet Barat Dalam, air meluap ke jalan"
                                    },
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    },
)


# --------------------------------------------------------------------------- email


async def _stored_files(storage: StorageDep, form: FormData) -> tuple[dict[str, str], list[AttachmentDraft]]:
    fields: dict[str, str] = {}
    files = []
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            files.append(await storage.save(data, media_type=value.content_type, filename=value.filename))
        else:
            fields[key] = value
    return fields, files


@router.post(
    "/v1/channels/email/inbound",
    operation_id="emailInbound",
    summary="Inbound email: raw RFC 5322 (API key) or a Mailgun route forward (signed)",
    description=(
        "`Content-Type: message/rfc822` with a partner key: the raw message. Or a Mailgun route `forward()` "
        "(urlencoded or multipart with `attachment-N` files, or with `body-mime`), signed by Mailgun's "
        "`timestamp`, `token`, `signature` fields (hex HMAC-SHA256 of timestamp+token with the signing key); "
        "timestamps older than 5 minutes and reused tokens are refused. Replies (`In-Reply-To`/`References`, or "
        "a ticket in the subject) follow up the existing complaint; auto-replies and bounces are ignored."
    ),
    responses=_responses(401, 403, 413, 415, 503),
    openapi_extra={
        # a partner key for raw MIME; Mailgun forms are signed instead
        "security": [{"bearer": []}, {}],
        "requestBody": {
            "required": True,
            "content": {
                "message/rfc822": {
                    "schema": {"type": "string"},
                    "example": (
                        "From: Dewi <dewi@example.com>\r\nTo: dki@jakarta.go.id\r\nSubject: =?UTF-8?Q?Pohon_tumbang?=\r\n"
                        "Message-ID: <abc@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                        "Pohon tumbang di Jl. Teuku Umar menutup satu lajur.\r\n"
                    ),
                },
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "additionalProperties": {"type": "string"}},
                    "example": {
                        "sender": "dewi@example.com",
                        "from": "Dewi <dewi@example.com>",
                        "recipient": "dki@jakarta.go.id",
                        "subject": "Pohon tumbang",
                        "body-plain": "Pohon tumbang di Jl. Teuku Umar.",
                        "Message-Id": "<abc@example.com>",
                        "timestamp": "1772334760",
                        "token": "8d6f6b...",
                        "signature": "b1946ac9...",
                    },
                },
            },
        },
    },
)
async def email_inbound(
    request: Request, settings: SettingsDep, db: DbDep, pipeline: PipelineDep, storage: StorageDep
) -> Response:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "message/rfc822":
        # Only this shape takes a key (a Mailgun form is signed instead): authenticated here.
        principal = await authorize(request, db, settings, frozenset({"admin", "partner"}))
        body = await request.body()
        delivery = _delivery(request, body, context=_key_context(principal))
        return await _deliver(db, pipeline, channel="email", endpoint="email", delivery=delivery)
    if ctype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise UnsupportedMediaType("send message/rfc822 (with an API key) or a Mailgun form")
    key = _configured(settings.mailgun_signing_key)
    body = await request.body()
    form = await request.form(max_files=50, max_fields=2000, max_part_size=25 * 1024 * 1024)
    signed = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    token = email_adapter.verify_mailgun(signed, key, time.time())
    fields, files = await _stored_files(storage, form)
    delivery = _delivery(request, body, form=fields, files=files)
    return await _deliver(db, pipeline, channel="email", endpoint="email", delivery=delivery, token=token)


# --------------------------------------------------------------------------- SMS: Twilio and the aggregator


@router.post(
    "/v1/channels/sms/twilio",
    operation_id="smsTwilio",
    summary="Twilio Messaging webhook (SMS/MMS to 0811-1272-206)",
    description=(
        "Form-encoded, signed with `X-Twilio-Signature` (base64 HMAC-SHA1 of the public URL from "
        "`ADUAN_PUBLIC_BASE_URL` plus the sorted POST parameters, with the auth token). A message naming a "
        "ticket follows it up."
    ),
    responses=_responses(401, 415, 503),
    openapi_extra={
        "security": [],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "additionalProperties": {"type": "string"}},
                    "example": {
                        "MessageSid": "SM1f0e8a6b3c2d4e5f60718293a4b5c6d7",
                        "AccountSid": "AC00000000000000000000000000000000",
                        "From": "+6281311110000",
                        "To": "+628111272206",
                        "Body": "Lampu PJU di Jl. Cikini Raya mati sejak 3 hari",
                        "NumMedia": "0",
                    },
                }
            },
        },
    },
)
async def sms_twilio(request: Request, settings: SettingsDep, db: DbDep, pipeline: PipelineDep) -> Response:
    token = _configured(settings.twilio_auth_token)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType("Twilio posts application/x-www-form-urlencoded")
    body = await request.body()
    form = await request.form()
    params = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    base = settings.public_base_url.rstrip("/")
    url = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    twilio.verify(url, params, request.headers.get("x-twilio-signature", ""), token)
    delivery = _delivery(request, body, form=params)
    delivery.url = url
    return await _deliver(db, pipeline, channel="sms", endpoint="sms_twilio", delivery=delivery)


@router.post(
    "/v1/channels/sms/inbound",
    operation_id="smsInbound",
    summary="The SMS aggregator's JSON (one physical SMS per call; long messages in parts)",
    description=(
        "Signed with `X-Signature: sha256=<hex HMAC-SHA256(secret, body)>`. Parts of a concatenated SMS arrive "
        "in any order; each part is kept (202 `buffered`) and the message becomes one complaint when the last part "
        "arrives (201), or after a 10-minute timeout with the parts that came."
    ),
    responses=_responses(401, 503),
    openapi_extra={**_json_body(SmsGatewayMessage), "security": []},
)
async def sms_inbound(request: Request, settings: SettingsDep, db: DbDep, pipeline: PipelineDep) -> Response:
    secret = _configured(settings.sms_gateway_secret)
    body = await request.body()
    sms_gateway.verify(_lower_headers(request), body, secret)
    delivery = _delivery(request, body)
    return await _deliver(db, pipeline, channel="sms", endpoint="sms_gateway", delivery=delivery)


# --------------------------------------------------------------------------- LAPOR!


@router.post(
    "/v1/channels/lapor/webhook",
    operation_id="laporWebhook",
    summary="LAPOR! (SP4N-LAPOR!) events: a report disposed to the province, a reporter's response",
    description=(
        "Signed with `X-Lapor-Signature: sha256=<hex HMAC-SHA256(secret, body)>`. `laporan.didisposisikan` "
        "creates; `laporan.tanggapan_pelapor` follows up the complaint of the same `tracking_id`. `anonim` stores "
        "no identity; `rahasia` makes the complaint secret."
    ),
    responses=_responses(401, 503),
    openapi_extra={**_json_body(LaporEvent), "security": []},
)
async def lapor_webhook(
    request: Request, settings: SettingsDep, db: DbDep, pipeline: PipelineDep
) -> Response:
    secret = _configured(settings.lapor_secret)
    body = await request.body()
    lapor.verify(_lower_headers(request), body, secret)
    delivery = _delivery(request, body)
    return await _deliver(db, pipeline, channel="lapor", endpoint="lapor", delivery=delivery)


# --------------------------------------------------------------------------- staff intake: media, offices


def _payload(body: BaseModel) -> dict[str, Any]:
    """What the adapter gets of a validated body (``delivery.context["payload"]``): the fields
    the client sent, so that defaults the adapter decides (an inspektorat complaint is secret
    unless ``privacy`` says otherwise) stay the adapter's."""
    return body.model_dump(mode="json", exclude_unset=True)


@router.post(
    "/v1/channels/media/clippings",
    operation_id="mediaClipping",
    summary="Log a public aspiration found in mass media (officer roles)",
    responses=_responses(400, 401, 403, 415, 422, 503),
)
async def media_clipping(
    request: Request, body: MediaClipping, principal: Officer, db: DbDep, pipeline: PipelineDep
) -> Response:
    # The archive keeps the bytes as they came (JsonRoute read them; this is its cached copy).
    delivery = _delivery(
        request, await request.body(), context=_key_context(principal, payload=_payload(body))
    )
    return await _deliver(db, pipeline, channel="media", endpoint="media", delivery=delivery)


def _office(
    office: Annotated[str, Path(description="pendopo | inspektorat | walikota | kecamatan | kelurahan")],
) -> str:
    """The office of the path: 404 for any other (after the key is checked, before the body)."""
    if office not in registry.OFFICES:
        raise NotFound(f"no office channel {office!r}; one of: {', '.join(registry.OFFICES)}")
    return office


@router.post(
    "/v1/channels/{office}/intake",
    operation_id="officeIntake",
    summary="Desk intake at an office: pendopo, inspektorat, walikota, kecamatan, kelurahan (officer roles)",
    description=(
        "A desk officer enters a walk-in citizen's complaint. The area defaults to the office's area "
        "(`office_area_code`) at walikota, kecamatan and kelurahan offices; inspektorat complaints are secret "
        "unless `privacy` says otherwise."
    ),
    responses=_responses(400, 401, 403, 404, 415, 422, 503),
)
async def office_intake(
    request: Request,
    principal: Officer,
    office: Annotated[str, Depends(_office)],
    body: OfficeIntake,
    db: DbDep,
    pipeline: PipelineDep,
) -> Response:
    # The archive keeps the bytes as they came (JsonRoute read them; this is its cached copy).
    delivery = _delivery(
        request, await request.body(), context=_key_context(principal, payload=_payload(body))
    )
    return await _deliver(db, pipeline, channel=office, endpoint=office, delivery=delivery)


# --------------------------------------------------------------------------- JAKI


def _idempotent_report_id(principal: Principal, key: str) -> str:
    return "idem:" + hashlib.sha256(f"{principal.id}:{key}".encode()).hexdigest()[:40]


@router.post(
    "/v1/channels/jaki/reports",
    operation_id="jakiReport",
    summary="A report from the JAKI app: multipart with 1-5 photos and a GPS fix, or JSON (app key)",
    description=(
        "Multipart: the `JakiReport` fields as form fields (`lat`, `lon`, `accuracy_m`, `address`, "
        "`reporter_name`, `reporter_phone`, ... or `location`/`reporter` as JSON strings) plus 1-5 `photos` "
        "(JPEG, PNG, WebP or HEIC by content, 10 MiB each). The GPS fix is required. `client_report_id` (or, "
        "without it, `Idempotency-Key`) makes a retried upload return the original ticket."
    ),
    responses=_responses(400, 401, 403, 413, 415, 422, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/JakiReport"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "description": {"type": "string"},
                            "category": {"type": "string"},
                            "lat": {"type": "number"},
                            "lon": {"type": "number"},
                            "accuracy_m": {"type": "number"},
                            "client_report_id": {"type": "string"},
                            "photos": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        },
                        "required": ["description", "lat", "lon", "photos"],
                    }
                },
            },
        }
    },
)
async def jaki_report(
    request: Request, principal: Submitter, db: DbDep, pipeline: PipelineDep, storage: StorageDep
) -> Response:
    # Two shapes on one operation (JSON, or multipart with photos), so no typed body parameter:
    # the handler reads the one it gets.
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    idem = request.headers.get("idempotency-key")
    if is_json(ctype):
        body = await request.body()
        try:
            report = JakiReport.model_validate(parse_json_body(body))  # 400, 422 as JsonRoute's
        except ValidationError as exc:
            raise RequestInvalid(list(exc.errors(include_url=False))) from None
        payload = _payload(report)
        if idem and not payload.get("client_report_id"):
            payload["client_report_id"] = _idempotent_report_id(principal, idem)
        delivery = _delivery(request, body, context=_key_context(principal, payload=payload))
        return await _deliver(db, pipeline, channel="jaki", endpoint="jaki", delivery=delivery)
    if ctype != "multipart/form-data":
        raise UnsupportedMediaType("send multipart/form-data with photos, or application/json")
    body = await request.body()
    form = await request.form(max_files=10, max_fields=100, max_part_size=MAX_PHOTO_BYTES)
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    if idem and not fields.get("client_report_id"):
        # a retried upload without the app's own id is still one report
        fields["client_report_id"] = _idempotent_report_id(principal, idem)
    uploads = [v for k, v in form.multi_items() if isinstance(v, UploadFile) and k in ("photos", "photos[]")]
    try:
        payload = JakiReport.model_validate(jaki_form_to_payload(fields)).model_dump(
            mode="json", exclude_unset=True
        )
        validate_photo_count(len(uploads), multipart=True)
    except ValidationError as exc:
        raise RequestInvalid(list(exc.errors(include_url=False))) from None
    except (PhotoCountError, ValueError) as exc:
        field = "photos" if isinstance(exc, PhotoCountError) else "body"
        raise RequestInvalid([{"loc": (field,), "msg": str(exc), "type": "value_error"}]) from None
    photos = []
    for i, up in enumerate(uploads):
        data = await up.read()
        kind = sniff_photo(data)
        if kind is None:
            raise RequestInvalid(
                [{"loc": ("photos", i), "msg": "not a JPEG, PNG, WebP or HEIC image", "type": "value_error"}]
            )
        if len(data) > MAX_PHOTO_BYTES:
            raise RequestInvalid([{"loc": ("photos", i), "msg": "over 10 MiB", "type": "value_error"}])
        photos.append((data, kind, up.filename))
    files = [await storage.save(d, media_type=k, filename=n) for d, k, n in photos]
    delivery = _delivery(
        request,
        body,
        form=fields,
        files=files,
        context=_key_context(principal, payload=payload),
    )
    return await _deliver(db, pipeline, channel="jaki", endpoint="jaki", delivery=delivery)


# --------------------------------------------------------------------------- media files


@router.get(
    "/v1/media/{name}",
    operation_id="getMedia",
    summary="A stored attachment (photos from the JAKI app, email attachments)",
    # Documents the file body instead of an application/json one; the handler returns its own FileResponse.
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file; Content-Type follows its extension (photos are sniffed on upload)",
            "content": {
                "image/jpeg": {
                    "schema": {"type": "string", "format": "binary"},
                    "example": "(JPEG, 412883 bytes: foto jalan berlubang di Jl. Cikini Raya)",
                },
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/webp": {"schema": {"type": "string", "format": "binary"}},
                "image/heic": {"schema": {"type": "string", "format": "binary"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problems(404),
    },
    description=(
        "A file attached to a public complaint is served to anyone and cached for a day. The "
        "attachments of secret and anonymous complaints only through the signed, short-lived link "
        "that an authorised view hands out (`?expires=&sig=`, `ADUAN_MEDIA_LINK_TTL` seconds). "
        "Without one, or with an expired or altered one, the answer is 404, exactly as for a file "
        "that does not exist."
    ),
)
async def get_media(
    name: str,
    db: DbDep,
    storage: StorageDep,
    signer: SignerDep,
    expires: Annotated[str | None, Query(description="Signed links: the Unix time the link expires")] = None,
    sig: Annotated[str | None, Query(description="Signed links: HMAC-SHA256 of path and expiry, hex")] = None,
) -> Response:
    if not storage.is_name(name):
        raise NotFound(f"no file {name}")
    url_path = storage.url_of(name)
    # A bad signature is not an error of its own: the file may still be public, and a
    # distinct answer would confirm that a private file exists.
    if signer is not None and sig is not None and signer.verify(url_path, expires, sig):
        cache = "private, no-store"
    else:
        # Asked before looking at the disk, so a private file answers like a missing one in
        # time too.
        # (a connection only here: a signed link never touches the database)
        async with db.raw() as conn:
            public = await is_public_file(conn, url_path)
        if not public:
            raise NotFound(f"no file {name}")
        cache = "public, max-age=86400, immutable"
    path = storage.path_of(name)
    if path is None:
        raise NotFound(f"no file {name}")
    # X-Content-Type-Options: nosniff comes from the security-headers middleware, on every answer.
    return FileResponse(path, headers={"Cache-Control": cache})


# --------------------------------------------------------------------------- inbound review (admin)


@admin_router.get(
    "",
    operation_id="listInbound",
    summary="Inbound deliveries by status (admin): `failed` ones wait here for review",
    responses={
        200: {
            "description": "Stored deliveries, newest first; `body_preview`: the first 500 bytes of the body",
            "content": {
                "application/json": {
                    "example": {
                        "items": [
                            {
                                "id": "4793ca13-ee59-4292-93be-503921c0d6fb",
                                "channel": "facebook",
                                "endpoint": "facebook",
                                "status": "failed",
                                "error": "entry[0] has neither 'changes' nor 'messaging'",
                                "content_type": "application/json",
                                "size": 70,
                                "body_preview": (
                                    '{"object":"page","entry":[{"id":"104729418562390","time":1772334760}]}'
                                ),
                                "outcomes": [],
                                "deliveries": 1,
                                "attempts": 1,
                                "received_at": "2026-03-02T03:20:11+00:00",
                                "processed_at": "2026-03-02T03:20:11+00:00",
                            }
                        ],
                        "next_cursor": None,
                    }
                }
            },
        },
        **problems(401, 403, 422, 503),
    },
)
async def list_inbound(
    principal: Admin,
    conn: Conn,
    status: Annotated[str, Query(pattern="^(received|processed|failed|needs_fetch|buffered)$")] = "failed",
    channel: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
) -> InboundList:
    before = pagination.decode_time_id(cursor) if cursor else None
    rows = await repository.list_deliveries(
        conn, status=status, channel=channel, before=before, limit=limit + 1
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode_time_id(rows[-1]["received_at"], rows[-1]["id"])
    items = []
    for r in rows:
        item = dict(r)
        # The raw body is whatever bytes the platform sent (0xff, NUL, a cut UTF-8 sequence at
        # byte 500): decoded here, leniently, never by the database, which refuses such text.
        item["body_preview"] = bytes(item.pop("head") or b"").decode("utf-8", "replace")
        items.append(InboundDeliveryOut.model_validate(item))
    return InboundList(items=items, next_cursor=next_cursor)


@admin_router.post(
    "/{delivery_id}/retry",
    operation_id="retryInbound",
    summary="Run a stored delivery through its adapter again (after a fix); redeliveries stay exactly-once",
    responses={**_responses(401, 403, 404, 503)},
)
async def retry_inbound(
    delivery_id: uuid.UUID, principal: Admin, db: DbDep, pipeline: PipelineDep
) -> Response:
    async with db.raw() as conn:
        row = await repository.delivery(conn, delivery_id)
    if row is None:
        raise NotFound(f"no inbound delivery {delivery_id}")
    adapter = registry.ENDPOINTS[row["endpoint"]]
    results = await pipeline.run(row["id"], row["channel"], adapter, delivery_from_row(row))
    return _outcomes(results)


# --------------------------------------------------------------------------- errors of the channel layer


def install_channel_errors(app: FastAPI) -> None:
    async def signature(request: Request, exc: SignatureError) -> Response:
        # a forged request leaves no trace but this line
        log.warning("rejected %s %s: %s", request.method, request.url.path, exc)
        return problem_response(
            401,
            "Invalid signature",
            "the request's signature does not verify",
            slug="invalid-signature",
            instance=request.url.path,
        )

    async def verify_token(request: Request, exc: VerifyTokenError) -> Response:
        log.warning("wrong verify token on %s", request.url.path)
        return problem_response(
            403,
            "Wrong verify token",
            "hub.verify_token does not match",
            slug="wrong-verify-token",
            instance=request.url.path,
        )

    async def not_configured(request: Request, exc: ChannelNotConfigured) -> Response:
        return problem_response(
            503,
            ChannelUnavailable.title,
            "this channel's secret is not configured on the server; it accepts nothing until it is",
            slug=ChannelUnavailable.slug,
            instance=request.url.path,
        )

    app.add_exception_handler(SignatureError, signature)  # type: ignore[arg-type]
    app.add_exception_handler(VerifyTokenError, verify_token)  # type: ignore[arg-type]
    app.add_exception_handler(ChannelNotConfigured, not_configured)  # type: ignore[arg-type]
