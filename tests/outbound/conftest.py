"""Fixtures of the outbound tests: a fake platform, settings pointing every platform at it, and a
dispatcher on the test app's database that a test drives (``await dispatch()``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from app.core.config import Settings
from app.outbound.dispatcher import Dispatcher
from tests.outbound.fakes import FakePlatform, fake_platform  # noqa: F401

Dispatch = Callable[[], Awaitable[None]]


def outbound_settings(base: Settings, url: str, **extra: object) -> Settings:
    """The suite's settings with every platform's API at ``url`` and credentials set."""
    values = {
        "ADUAN_X_API_BASE": url,
        "ADUAN_X_USER_ACCESS_TOKEN": "x-user-token",
        "ADUAN_GRAPH_API_BASE": url,
        "ADUAN_FACEBOOK_PAGE_ID": "1111",
        "ADUAN_FACEBOOK_PAGE_ACCESS_TOKEN": "fb-page-token",
        "ADUAN_INSTAGRAM_ACCOUNT_ID": "2222",
        "ADUAN_INSTAGRAM_ACCESS_TOKEN": "ig-token",
        "ADUAN_WHATSAPP_ACCESS_TOKEN": "wa-token",
        "ADUAN_WHATSAPP_PHONE_NUMBER_ID": "3333",
        "ADUAN_TWILIO_API_BASE": url,
        "ADUAN_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "ADUAN_TWILIO_FROM": "+15005550006",
        "ADUAN_SMS_GATEWAY_SEND_URL": f"{url}/sms/send",
        "ADUAN_LAPOR_API_BASE": f"{url}/lapor/api",
        "ADUAN_WEBHOOK_ALLOW_PRIVATE_URLS": True,
        "ADUAN_OUTBOX_BACKOFF_BASE": 0.05,
        "ADUAN_OUTBOX_SEND_TIMEOUT": 5,
        **extra,
    }
    return base.model_copy(
        update={name: Settings(_env_file=None, **values).__dict__[name] for name in _fields(values)}
    )  # type: ignore[call-arg]


def _fields(values: dict[str, object]) -> list[str]:
    by_alias = {f.alias: n for n, f in Settings.model_fields.items()}
    return [by_alias[a] for a in values]


@pytest.fixture
async def dispatch(app, settings: Settings, fake_platform: FakePlatform) -> AsyncIterator[Dispatch]:  # type: ignore[no-untyped-def]  # noqa: F811
    worker = Dispatcher(app.state.db, outbound_settings(settings, fake_platform.url), name="test")

    async def run() -> None:
        await worker.drain()

    yield run
    await worker.aclose()
