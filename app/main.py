"""``create_app()``: lifespan, middleware, error handlers, routers."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from app.assignment.router import router as assignment_router
from app.auth.router import audit_router
from app.auth.router import router as api_keys_router
from app.channels.router import RAW_BODY_MODELS, install_channel_errors
from app.channels.router import admin_router as inbound_router
from app.channels.router import router as channels_router
from app.channels.storage import LocalStorage
from app.classification.router import router as classification_router
from app.complaints.categories import router as categories_router
from app.complaints.reporters import router as reporters_router
from app.complaints.router import router as complaints_router
from app.complaints.tracking import router as track_router
from app.core.config import Settings, get_settings
from app.core.db import Database, create_engine, resolve_database_url
from app.core.deps import DbDep
from app.core.errors import PROBLEM_SCHEMA, install_error_handlers, problem_response, problems
from app.core.http import UPLOAD_TYPES, BodyLimitMiddleware, install_request_invalid_handler, json_response
from app.core.middleware import SecurityHeadersMiddleware, install_cors
from app.core.ratelimit import install_rate_limits
from app.feedback.router import router as feedback_router
from app.geo.repository import import_jakarta_if_empty
from app.geo.router import router as geo_router
from app.intake import repository as intake_repository
from app.intake.deliveries import Pipeline
from app.intake.placement import Placer
from app.intake.router import router as intake_router
from app.open311 import router as open311
from app.open311.formats import Open311Errors
from app.org.router import router as org_router
from app.outbound import dispatcher
from app.outbound.router import router as outbound_router
from app.public import repository as public_repository
from app.public.router import complaints_router as public_complaints_router
from app.public.router import router as public_router
from app.sla import sweeper
from app.sla.router import router as sla_router
from app.web.router import install as install_web_pages

log = logging.getLogger("aduan")

API_DESCRIPTION = """
Aduan takes citizens' complaints from 13 channels, maps each channel's native
format onto one complaint schema, routes it, tracks it through Jakarta CRM's
status lifecycle with a full history, and shows it to the public without
personal data.

Authenticate with `Authorization: Bearer <api key>`. Errors are RFC 9457
`application/problem+json`.
"""


def _static_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def create_app(settings: Settings | None = None, *, database_url: str | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = database_url or resolve_database_url(settings.database_url, settings.data_dir)
        app.state.db = Database(create_engine(url, pool_size=settings.db_pool_size))
        app.state.placer = Placer(enabled=settings.routing_enabled)
        try:
            async with app.state.db.raw() as conn:
                # First start: a database without areas gets the shipped DKI Jakarta ones, so
                # complaints are placed out of the box. Here, not at the end of `aduan migrate`:
                # every deployment starts the service (`aduan serve`, the container, an ASGI server
                # given create_app), while migrations may come from `aduan serve`, `aduan migrate`
                # or Alembic itself. With areas in place it costs one cheap query.
                if settings.load_jakarta_areas:
                    try:
                        if imported := await import_jakarta_if_empty(conn):
                            log.info("first start: loaded DKI Jakarta's %d areas and boundaries", imported)
                    except Exception as exc:  # start anyway: `aduan areas import` can do it later
                        log.warning("could not load DKI Jakarta's areas at start-up: %s", type(exc).__name__)
                await app.state.placer.load(conn)
        except Exception as exc:  # the service starts even if the database is late
            log.warning("could not load the catalogue at start-up: %s", type(exc).__name__)
        app.state.pipeline = Pipeline(app.state.db, app.state.placer)
        from app.core import media_links

        try:
            async with app.state.db.raw() as conn:
                key = await media_links.load_key(conn, settings.secret_key)
            app.state.media_signer = media_links.MediaSigner(key, settings.media_link_ttl_s)
        except Exception as exc:  # as above: start anyway, with links valid on this process only
            log.warning("could not load the media link key: %s", type(exc).__name__)
            app.state.media_signer = media_links.process_local_signer(settings.media_link_ttl_s)
        background = [asyncio.create_task(_housekeeping_forever(app), name="housekeeping")]
        # The SLA sweeper (at risk, breaches, escalation); ADUAN_SLA_SWEEP_INTERVAL <= 0 turns it off.
        sla_task = sweeper.start(app.state.db, settings.sla_sweep_interval_s)
        if sla_task is not None:
            background.append(sla_task)
        # The outbound dispatcher (app.outbound.dispatcher); `aduan worker` runs more of them.
        outbound_stop = None
        if settings.outbox_in_serve:
            outbound_task, outbound_stop = dispatcher.start(app.state.db, settings)
            background.append(outbound_task)
        # Everything loaded at start-up (area index, keywords, modules) lives for the
        # process: freezing it keeps full collections from walking it again, which
        # measured as ~76 ms pauses on the listing path.
        gc.collect()
        gc.freeze()
        # A request allocates thousands of short-lived objects, nearly all freed by reference
        # counting: at the default 700 allocations per young collection a webhook paid ~55 us
        # of collector time; at 10,000 the young collections all but vanish.
        gc.set_threshold(10_000, *gc.get_threshold()[1:])
        yield
        if outbound_stop is not None:
            outbound_stop.set()  # let sends in flight finish (their lease covers them otherwise)
        for task in background:
            if task.get_name() != "outbound-dispatcher":
                task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await app.state.db.dispose()

    app = FastAPI(
        title="Aduan",
        version="0.1.0",
        summary="Citizen complaint hub: 13 channels, one schema, lifecycle, public tracking",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_tags=[
            {"name": "complaints", "description": "Canonical intake, reading, lifecycle, comments"},
            {"name": "public tracking", "description": "What anyone may see, by ticket"},
            {"name": "categories", "description": "The service catalogue"},
            {"name": "api keys", "description": "Keys and roles: create, list, revoke, rotate"},
            {"name": "reporters", "description": "Correcting a reporter's record (audited)"},
            {"name": "audit", "description": "The append-only log of officer and admin actions"},
            {"name": "channels", "description": "One endpoint per source, in the source's native format"},
            {"name": "inbound review", "description": "Stored deliveries that could not be mapped"},
            {"name": "areas", "description": "Administrative areas: import, list, point lookup"},
            {"name": "routing", "description": "Category and area suggestions from free text"},
            {"name": "units", "description": "Kelurahan offices, agencies, Suku Dinas, triage; queues"},
            {"name": "officers", "description": "Officers: areas, categories, capacity; queues"},
            {"name": "sla", "description": "SLA clocks: at risk, breaches, escalation"},
            {"name": "public", "description": "The public map, statistics, nearby complaints and support"},
            {"name": "open311", "description": "Open311 GeoReport v2: services and requests, JSON and XML"},
            {"name": "health", "description": "Liveness and readiness"},
        ],
    )
    app.state.settings = settings
    app.state.placer = None
    app.state.storage = LocalStorage(settings.media_path)
    install_error_handlers(app)
    install_request_invalid_handler(app)
    install_channel_errors(app)
    # Middleware, innermost first (each add wraps the ones before): body limits and timeout,
    # rate limits, CORS (so that a browser can read a 429), security headers on every answer.
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.max_body_bytes,
        limits={
            "/v1/channels/jaki": (30 * 1024 * 1024, UPLOAD_TYPES),
            "/v1/channels/email": (26 * 1024 * 1024, UPLOAD_TYPES),
            # GeoJSON boundaries of every kelurahan: the one JSON body allowed to be large.
            "/v1/areas/import": (32 * 1024 * 1024, None),
        },
        timeout=settings.body_timeout_s,
    )
    install_rate_limits(app, settings)
    # Under /open311/ every problem (the rate limiter's and the body limit's included) leaves in
    # GeoReport's error shape and format.
    app.add_middleware(Open311Errors)
    install_cors(app, settings.cors_origins)
    app.add_middleware(SecurityHeadersMiddleware)

    for r in (
        intake_router,
        public_complaints_router,  # /v1/complaints/nearby before /v1/complaints/{complaint_id}
        complaints_router,
        track_router,
        categories_router,
        api_keys_router,
        audit_router,
        reporters_router,
        channels_router,
        inbound_router,
    ):
        app.include_router(r)
    for r in (geo_router, classification_router, org_router, assignment_router, sla_router, feedback_router,
              outbound_router, public_router, open311.router):  # fmt: skip
        app.include_router(r)

    install_web_pages(app)  # the public HTML pages: /, /track/{ticket}, /stats
    _install_health(app)
    _install_docs(app)
    return app


async def housekeeping(app: FastAPI) -> None:
    """Incomplete concatenated SMS become complaints after their timeout (nothing waits
    forever); idempotency keys expire after 24 h; Mailgun tokens once their 5-minute
    window is long past; the statistics' deltas are folded into their rollup."""
    await app.state.pipeline.flush_stale_fragments()
    async with app.state.db.raw() as conn:
        await intake_repository.expire_idempotency_keys(conn)
        await intake_repository.expire_used_tokens(conn)
        # The statistics' deltas folded into the daily rollup (reads add what is not folded yet).
        await public_repository.compact_all(conn)


async def _housekeeping_forever(app: FastAPI, interval_s: float = 60.0) -> None:
    while True:
        await asyncio.sleep(interval_s)
        try:
            await housekeeping(app)
        except Exception:  # keep the loop alive; the next round retries
            log.exception("housekeeping failed")


def _install_health(app: FastAPI) -> None:
    @app.get(
        "/healthz",
        tags=["health"],
        operation_id="healthz",
        summary="Liveness: the process answers (no database call)",
        responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}},
    )
    async def healthz() -> Response:
        return json_response({"status": "ok"})

    @app.get(
        "/readyz",
        tags=["health"],
        operation_id="readyz",
        summary="Readiness: the database answers",
        responses={
            200: {"content": {"application/json": {"example": {"status": "ready"}}}},
            **problems(503),
        },
    )
    async def readyz(db: DbDep) -> Response:
        try:
            async with asyncio.timeout(3):
                await db.ping()
        except Exception as exc:  # any failure means not ready
            return problem_response(
                503, "Not ready", f"database: {type(exc).__name__}", slug="not-ready", instance="/readyz"
            )
        return json_response({"status": "ready"})


def _install_docs(app: FastAPI) -> None:
    """Docs served from the package, not a CDN: they work without internet access."""
    app.mount("/static/docs", StaticFiles(directory=_static_dir()), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Aduan API",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/docs/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title="Aduan API",
            redoc_js_url="/static/docs/redoc.standalone.js",
            redoc_favicon_url="/static/docs/favicon.png",
            with_google_fonts=False,
        )

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas["Problem"] = PROBLEM_SCHEMA
        # The webhook bodies that are read raw (their signature covers the exact bytes) and
        # documented by $ref; every other body is a typed parameter and documents itself.
        for model in RAW_BODY_MODELS:
            js = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in js.pop("$defs", {}).items():
                schemas.setdefault(name, sub)
            schemas[model.__name__] = js
        components["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key from `aduan keys create`",
            }
        }
        for ops in schema.get("paths", {}).values():
            for op in ops.values():
                if not isinstance(op, dict):
                    continue
                responses = op.get("responses", {})
                # Every operation but the health checks is rate limited (app.core.ratelimit).
                if op.get("operationId") not in ("healthz", "readyz"):
                    responses.setdefault("429", problems(429)[429])
                if "401" in responses and "security" not in op:
                    op["security"] = [{"bearer": []}]
                # FastAPI's own 422 says application/json; ours is a problem.
                if "422" in responses and "application/problem+json" not in responses["422"].get(
                    "content", {}
                ):
                    responses["422"] = problems(422)[422]
        open311.document(schema)
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
