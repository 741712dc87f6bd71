"""The 13 channels and the adapter behind every endpoint, in one explicit table.

A channel (product.md's 13 codes) may have several endpoints (``sms``: Twilio,
the aggregator, WhatsApp); each endpoint has exactly one adapter.
"""

from __future__ import annotations

from app.channels.adapters import (
    email,
    facebook,
    instagram,
    jaki,
    lapor,
    media,
    offices,
    open311,
    sms_gateway,
    twilio,
    twitter,
    whatsapp,
)
from app.intake.drafts import Adapter

OFFICES = offices.OFFICES

# endpoint key -> adapter; the archive stores the key so a retry finds the adapter again
ENDPOINTS: dict[str, Adapter] = {}


def _register(key: str, adapter: Adapter) -> None:
    if key in ENDPOINTS:
        raise ValueError(f"endpoint {key!r} registered twice")
    ENDPOINTS[key] = adapter


_register("jaki", jaki.ADAPTER)
_register("open311", open311.ADAPTER)  # GeoReport v2 clients (app.open311): channel jaki
_register("twitter", twitter.ADAPTER)
_register("facebook", facebook.ADAPTER)
_register("governor_social", instagram.ADAPTER)
_register("email", email.ADAPTER)
_register("sms_twilio", twilio.ADAPTER)
_register("sms_gateway", sms_gateway.ADAPTER)
_register("whatsapp", whatsapp.ADAPTER)
_register("lapor", lapor.ADAPTER)
_register("media", media.ADAPTER)
for _code, _office in offices.ADAPTERS.items():
    _register(_code, _office)

# channel code -> its endpoints
CHANNELS: dict[str, tuple[str, ...]] = {}
for _key, _adapter in ENDPOINTS.items():
    CHANNELS.setdefault(_adapter.code, ())
    CHANNELS[_adapter.code] += (_key,)
