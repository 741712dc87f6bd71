"""Settings, read from the environment (names fixed by contracts.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Secrets are ``SecretStr``: never printed in a repr, a log line or a traceback; read one
    with ``secret_value(settings.admin_key)`` (typed: a misspelt setting is an error at once)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    data_dir: Path = Field(default=Path("./.aduan"), alias="ADUAN_DATA_DIR")
    admin_key: SecretStr | None = Field(default=None, alias="ADUAN_ADMIN_KEY")
    public_base_url: str = Field(default="http://127.0.0.1:8000", alias="ADUAN_PUBLIC_BASE_URL")

    twitter_consumer_secret: SecretStr | None = Field(default=None, alias="ADUAN_TWITTER_CONSUMER_SECRET")
    # The X account whose mentions are complaints; its own tweets are ignored.
    twitter_account_id: str | None = Field(default=None, alias="ADUAN_TWITTER_ACCOUNT_ID")
    facebook_app_secret: SecretStr | None = Field(default=None, alias="ADUAN_FACEBOOK_APP_SECRET")
    facebook_verify_token: SecretStr | None = Field(default=None, alias="ADUAN_FACEBOOK_VERIFY_TOKEN")
    instagram_app_secret: SecretStr | None = Field(default=None, alias="ADUAN_INSTAGRAM_APP_SECRET")
    instagram_verify_token: SecretStr | None = Field(default=None, alias="ADUAN_INSTAGRAM_VERIFY_TOKEN")
    # Graph API token used to fetch the text of Instagram mentions (`aduan mentions fetch`).
    instagram_access_token: SecretStr | None = Field(default=None, alias="ADUAN_INSTAGRAM_ACCESS_TOKEN")
    whatsapp_app_secret: SecretStr | None = Field(default=None, alias="ADUAN_WHATSAPP_APP_SECRET")
    whatsapp_verify_token: SecretStr | None = Field(default=None, alias="ADUAN_WHATSAPP_VERIFY_TOKEN")
    mailgun_signing_key: SecretStr | None = Field(default=None, alias="ADUAN_MAILGUN_SIGNING_KEY")
    twilio_auth_token: SecretStr | None = Field(default=None, alias="ADUAN_TWILIO_AUTH_TOKEN")
    sms_gateway_secret: SecretStr | None = Field(default=None, alias="ADUAN_SMS_GATEWAY_SECRET")
    lapor_secret: SecretStr | None = Field(default=None, alias="ADUAN_LAPOR_SECRET")

    # Where uploaded photos are kept (local-disk storage default).
    media_dir: Path | None = Field(default=None, alias="ADUAN_MEDIA_DIR")
    # Routing on intake (area, category, unit, auto-assignment); off keeps only SLA clocks.
    routing_enabled: bool = Field(default=True, alias="ADUAN_ROUTING_ENABLED")
    # On start, an empty areas table gets DKI Jakarta's shipped areas and boundaries (once).
    load_jakarta_areas: bool = Field(default=True, alias="ADUAN_LOAD_JAKARTA_AREAS")
    db_pool_size: int = Field(default=20, alias="ADUAN_DB_POOL_SIZE")
    max_body_bytes: int = Field(default=1024 * 1024, alias="ADUAN_MAX_BODY_BYTES")
    sla_sweep_interval_s: float = Field(default=60.0, alias="ADUAN_SLA_SWEEP_INTERVAL")
    log_level: str = Field(default="INFO", alias="ADUAN_LOG_LEVEL")
    # Signs short-lived links to the photos of secret and anonymous complaints; unset, a key
    # is generated once and kept in the database so that every process shares it.
    secret_key: SecretStr | None = Field(default=None, alias="ADUAN_SECRET_KEY")
    media_link_ttl_s: int = Field(default=900, gt=0, alias="ADUAN_MEDIA_LINK_TTL")

    # Limits for a service on the internet (README "Limits").
    # Seconds the service waits for the next chunk of a request body before answering 408.
    body_timeout_s: float = Field(default=30.0, alias="ADUAN_BODY_TIMEOUT")
    # Rate limits ("N/second|minute|hour"; empty turns that bucket off). memory:// counts per
    # process: several processes must share async+redis://host:6379 to share the counts.
    rate_limit_enabled: bool = Field(default=True, alias="ADUAN_RATE_LIMIT_ENABLED")
    rate_limit_storage: str = Field(default="memory://", alias="ADUAN_RATE_LIMIT_STORAGE")
    rate_limit_key_prefix: str = Field(default="aduan", alias="ADUAN_RATE_LIMIT_KEY_PREFIX")
    rate_limit_public: str = Field(default="300/minute", alias="ADUAN_RATE_LIMIT_PUBLIC")
    rate_limit_api_key: str = Field(default="6000/minute", alias="ADUAN_RATE_LIMIT_API_KEY")
    rate_limit_webhook: str = Field(default="12000/minute", alias="ADUAN_RATE_LIMIT_WEBHOOK")
    # Failed authentications per client address; used up, the address's keyed requests get 429.
    rate_limit_auth_failures: str = Field(default="600/minute", alias="ADUAN_RATE_LIMIT_AUTH_FAILURES")
    # Browser origins allowed to call the API (comma-separated); empty: no CORS headers at all.
    cors_origins: str = Field(default="", alias="ADUAN_CORS_ORIGINS")
    # uvicorn, for `aduan serve`.
    keep_alive_timeout_s: int = Field(default=5, alias="ADUAN_KEEP_ALIVE_TIMEOUT")
    limit_concurrency: int | None = Field(default=1000, alias="ADUAN_LIMIT_CONCURRENCY")
    graceful_shutdown_timeout_s: int = Field(default=20, alias="ADUAN_GRACEFUL_SHUTDOWN_TIMEOUT")
    # Unset: uvicorn's own default ($FORWARDED_ALLOW_IPS, else 127.0.0.1).
    forwarded_allow_ips: str | None = Field(default=None, alias="ADUAN_FORWARDED_ALLOW_IPS")

    # ------------------------------------------------------------------ outbound (issue 14)
    # The dispatcher (app.outbound.dispatcher): inside `aduan serve` unless turned off here, and
    # as `aduan worker`; any number of them share one database.
    outbox_in_serve: bool = Field(default=True, alias="ADUAN_OUTBOX_IN_SERVE")
    outbox_poll_interval_s: float = Field(default=1.0, gt=0, alias="ADUAN_OUTBOX_POLL_INTERVAL")
    outbox_batch: int = Field(default=20, gt=0, le=1000, alias="ADUAN_OUTBOX_BATCH")
    outbox_concurrency: int = Field(default=8, gt=0, le=256, alias="ADUAN_OUTBOX_CONCURRENCY")
    # A claimed message not finished within the lease (a worker killed mid-send) is sent again.
    outbox_lease_s: float = Field(default=60.0, gt=0, alias="ADUAN_OUTBOX_LEASE")
    outbox_send_timeout_s: float = Field(default=10.0, gt=0, alias="ADUAN_OUTBOX_SEND_TIMEOUT")
    outbox_max_attempts: int = Field(default=8, gt=0, le=100, alias="ADUAN_OUTBOX_MAX_ATTEMPTS")
    # Backoff: base * 2^(attempt-1), full jitter, capped.
    outbox_backoff_base_s: float = Field(default=20.0, gt=0, alias="ADUAN_OUTBOX_BACKOFF_BASE")
    outbox_backoff_cap_s: float = Field(default=6 * 3600.0, gt=0, alias="ADUAN_OUTBOX_BACKOFF_CAP")

    # Platform APIs the service calls: every base URL is a setting (contracts.md).
    x_api_base: str = Field(default="https://api.x.com", alias="ADUAN_X_API_BASE")
    # OAuth 2.0 user-context token of the account that answers (Bearer); else OAuth 1.0a with
    # the consumer key/secret and the account's access token/secret.
    x_user_access_token: SecretStr | None = Field(default=None, alias="ADUAN_X_USER_ACCESS_TOKEN")
    twitter_consumer_key: str | None = Field(default=None, alias="ADUAN_TWITTER_CONSUMER_KEY")
    x_access_token: str | None = Field(default=None, alias="ADUAN_X_ACCESS_TOKEN")
    x_access_token_secret: SecretStr | None = Field(default=None, alias="ADUAN_X_ACCESS_TOKEN_SECRET")
    graph_api_base: str = Field(default="https://graph.facebook.com", alias="ADUAN_GRAPH_API_BASE")
    graph_api_version: str = Field(default="v21.0", alias="ADUAN_GRAPH_API_VERSION")
    facebook_page_id: str | None = Field(default=None, alias="ADUAN_FACEBOOK_PAGE_ID")
    facebook_page_access_token: SecretStr | None = Field(
        default=None, alias="ADUAN_FACEBOOK_PAGE_ACCESS_TOKEN"
    )
    instagram_account_id: str | None = Field(default=None, alias="ADUAN_INSTAGRAM_ACCOUNT_ID")
    whatsapp_access_token: SecretStr | None = Field(default=None, alias="ADUAN_WHATSAPP_ACCESS_TOKEN")
    # Our business number's id; a complaint that came in on another number is answered from it.
    whatsapp_phone_number_id: str | None = Field(default=None, alias="ADUAN_WHATSAPP_PHONE_NUMBER_ID")
    # The approved template used outside the 24-hour customer service window; its body takes
    # two parameters: the ticket and the message.
    whatsapp_template: str = Field(default="aduan_status_update", alias="ADUAN_WHATSAPP_TEMPLATE")
    twilio_api_base: str = Field(default="https://api.twilio.com", alias="ADUAN_TWILIO_API_BASE")
    twilio_account_sid: str | None = Field(default=None, alias="ADUAN_TWILIO_ACCOUNT_SID")
    # Our number (E.164) or a Messaging Service SID (MG...); the number the citizen wrote to wins.
    twilio_from: str | None = Field(default=None, alias="ADUAN_TWILIO_FROM")
    sms_gateway_send_url: str | None = Field(default=None, alias="ADUAN_SMS_GATEWAY_SEND_URL")
    lapor_api_base: str | None = Field(default=None, alias="ADUAN_LAPOR_API_BASE")
    # smtp://user:pass@host:port (STARTTLS when offered), smtps:// (implicit TLS); unset: no mail.
    smtp_url: SecretStr | None = Field(default=None, alias="ADUAN_SMTP_URL")
    mail_from: str = Field(default="Aduan <aduan@localhost>", alias="ADUAN_MAIL_FROM")
    # Partner webhooks to loopback or private addresses: refused unless this is true.
    webhook_allow_private_urls: bool = Field(default=False, alias="ADUAN_WEBHOOK_ALLOW_PRIVATE_URLS")

    # Channel health (GET /v1/channels/health): a channel that usually hears from citizens is
    # flagged silent after this many times its usual gap without an inbound delivery.
    channel_silence_factor: float = Field(default=5.0, gt=1, alias="ADUAN_CHANNEL_SILENCE_FACTOR")

    # The public map's tiles (the pages `/`, `/track/...`): an `{z}/{x}/{y}` URL template and its
    # attribution. Empty: no tile layer, the kelurahan boundaries are the base map and the page
    # asks nothing of any other server.
    map_tiles_url: str = Field(default="", alias="ADUAN_MAP_TILES_URL")
    map_tiles_attribution: str = Field(default="", alias="ADUAN_MAP_TILES_ATTRIBUTION")

    # Open311 GeoReport v2 (/open311/v2/): the deployment's jurisdiction_id (the specification
    # suggests the jurisdiction's web domain), and the discovery document's contact and key texts.
    open311_jurisdiction: str = Field(default="jakarta.go.id", alias="ADUAN_OPEN311_JURISDICTION")
    open311_contact: str = Field(
        default="Aduan, Pemprov DKI Jakarta: tanyakan kepada pengelola layanan ini",
        alias="ADUAN_OPEN311_CONTACT",
    )
    open311_key_service: str = Field(
        default="API key (role app or partner) dari admin layanan ini: aduan keys create --role app",
        alias="ADUAN_OPEN311_KEY_SERVICE",
    )

    @property
    def media_path(self) -> Path:
        return self.media_dir or (self.data_dir / "media")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def secret_value(value: SecretStr | None) -> str | None:
    """The plain value of a secret setting: None when it is unset or empty."""
    if value is None:
        return None
    return value.get_secret_value() or None
