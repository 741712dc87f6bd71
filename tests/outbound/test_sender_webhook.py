"""Partner webhooks (app.outbound.senders.webhook) against the Standard Webhooks specification.

Every delivery the fake receiver records is verified the way a partner would verify it: with
the specification's reference library, ``standardwebhooks``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.core.config import Settings
from app.outbound.senders.base import Message, SendContext, SendError
from app.outbound.senders.webhook import WebhookSender, new_secret, sign
from tests.outbound.fakes import Answer, FakePlatform, fake_platform  # noqa: F401
from tests.outbound.test_ssrf import fake_dns

BODY = json.dumps(
    {
        "type": "complaint.status_changed",
        "timestamp": "2025-03-01T08:15:00Z",
        "data": {"ticket": "K7M2-Q9XD", "status": "in_progress", "kota": "Jakarta Selatan"},
    },
    separators=(",", ":"),
    ensure_ascii=False,
)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


def context(http: httpx.AsyncClient, *, allow_private: bool = True) -> SendContext:
    return SendContext(
        http=http, settings=Settings(_env_file=None, ADUAN_WEBHOOK_ALLOW_PRIVATE_URLS=allow_private)
    )


def webhook(url: str, secret: str, *, now: datetime | None = None) -> Message:
    message = Message(
        id="msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
        platform="webhook",
        to={"url": url, "secret": secret},
        text="",
        extra={"body": BODY, "type": "complaint.status_changed"},
    )
    if now is not None:
        message.now = now
    return message


def test_sign_reproduces_the_specifications_test_vector() -> None:
    # The published Standard Webhooks test vector (its secret is a 24-byte key, the minimum).
    assert (
        sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            '{"test": 2432232314}',
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_new_secret_is_whsec_and_32_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert new_secret() != secret
    Webhook(secret)  # the reference library takes it as is


@pytest.mark.parametrize(
    ("secret", "msg_id"),
    [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1"),  # no whsec_ prefix
        ("whsec_not base64!", "msg_1"),
        ("whsec_" + base64.b64encode(b"k" * 16).decode(), "msg_1"),  # under the spec's 24 bytes
        ("whsec_" + base64.b64encode(b"k" * 65).decode(), "msg_1"),  # over its 512 bits
        (new_secret(), "msg.1"),  # the spec: the id must not contain a full stop
        (new_secret(), "msg 1"),
        (new_secret(), ""),
    ],
)
def test_sign_refuses_what_the_spec_does_not_allow(secret: str, msg_id: str) -> None:
    with pytest.raises(ValueError):
        sign(secret, msg_id, 1614265330, "{}")


async def test_a_delivery_verifies_with_the_reference_library(
    fake_platform: FakePlatform,  # noqa: F811
    http: httpx.AsyncClient,
) -> None:
    secret = new_secret()
    message = webhook(fake_platform.url + "/hooks/aduan?tenant=7", secret)

    receipt = await WebhookSender().send(message, context(http))

    assert receipt.status_code == 200
    assert len(fake_platform.requests) == 1
    rec = fake_platform.last()
    assert rec.method == "POST"
    assert rec.path == "/hooks/aduan"
    assert rec.query == {"tenant": ["7"]}
    assert rec.headers["content-type"] == "application/json"
    assert rec.headers["webhook-id"] == message.id
    assert rec.headers["webhook-timestamp"] == str(int(message.now.timestamp()))
    assert rec.headers["webhook-signature"].startswith("v1,")
    assert rec.body == BODY.encode("utf-8")  # the dispatcher's exact text, not re-serialised

    assert Webhook(secret).verify(rec.body, rec.headers) == json.loads(BODY)

    tampered = rec.body.replace(b"in_progress", b"done")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, rec.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(rec.body, rec.headers)
    replayed = {**rec.headers, "webhook-timestamp": str(int(message.now.timestamp()) + 1)}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(rec.body, replayed)


async def test_a_resend_carries_the_same_webhook_id_and_a_new_timestamp(
    fake_platform: FakePlatform,  # noqa: F811
    http: httpx.AsyncClient,
) -> None:
    secret = new_secret()
    first_at = datetime.now(UTC) - timedelta(seconds=90)
    fake_platform.answers.append(Answer(status=503))

    with pytest.raises(SendError):
        await WebhookSender().send(webhook(fake_platform.url, secret, now=first_at), context(http))
    await WebhookSender().send(webhook(fake_platform.url, secret), context(http))

    first, second = fake_platform.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
    assert int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"]) >= 89
    assert first.headers["webhook-signature"] != second.headers["webhook-signature"]
    for rec in (first, second):
        Webhook(secret).verify(rec.body, rec.headers)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=500, body="boom"),
        Answer(status=503, headers={"retry-after": "120"}),
        Answer(status=429),
        Answer(status=400, body={"error": "bad"}),
        Answer(status=404),
        Answer(status=410),
    ],
    ids=lambda a: str(a.status),
)
async def test_every_non_2xx_is_a_retryable_failure(
    fake_platform: FakePlatform,  # noqa: F811
    http: httpx.AsyncClient,
    answer: Answer,
) -> None:
    fake_platform.answers.append(answer)
    with pytest.raises(SendError) as excinfo:
        await WebhookSender().send(webhook(fake_platform.url, new_secret()), context(http))
    assert excinfo.value.retryable is True
    assert excinfo.value.status_code == answer.status
    assert excinfo.value.detail.startswith(f"HTTP {answer.status}")
    if "retry-after" in answer.headers:
        assert "retry-after 120" in excinfo.value.detail


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    fake_platform: FakePlatform,  # noqa: F811
    http: httpx.AsyncClient,
    status: int,
) -> None:
    fake_platform.answers.append(
        Answer(status=status, headers={"location": fake_platform.url + "/elsewhere"})
    )
    async with httpx.AsyncClient(timeout=5, follow_redirects=True) as following:  # even so
        with pytest.raises(SendError) as excinfo:
            await WebhookSender().send(webhook(fake_platform.url + "/hook", new_secret()), context(following))
    assert excinfo.value.retryable is True
    assert excinfo.value.status_code == status
    assert "/elsewhere not followed" in excinfo.value.detail
    assert [r.path for r in fake_platform.requests] == ["/hook"]


async def test_a_timeout_is_retryable(fake_platform: FakePlatform) -> None:  # noqa: F811
    fake_platform.answers.append(Answer(delay_s=1.0))
    async with httpx.AsyncClient(timeout=0.2) as impatient:
        with pytest.raises(SendError) as excinfo:
            await WebhookSender().send(webhook(fake_platform.url, new_secret()), context(impatient))
    assert excinfo.value.retryable is True
    assert excinfo.value.detail.startswith("timeout")


async def test_a_refused_connection_is_retryable(http: httpx.AsyncClient) -> None:
    closed = FakePlatform()
    url = closed.url
    closed.close()
    with pytest.raises(SendError) as excinfo:
        await WebhookSender().send(webhook(url, new_secret()), context(http))
    assert excinfo.value.retryable is True


async def test_the_receipt_keeps_only_the_start_of_a_large_answer(
    fake_platform: FakePlatform,  # noqa: F811
    http: httpx.AsyncClient,
) -> None:
    fake_platform.answers.append(Answer(status=200, body="x" * 2_000_000, headers={"connection": "close"}))
    receipt = await WebhookSender().send(webhook(fake_platform.url, new_secret()), context(http))
    assert receipt.detail == "x" * 300


@pytest.mark.parametrize("path", ["", "/hook"])
async def test_a_private_url_is_refused_unless_allowed(
    fake_platform: FakePlatform,  # noqa: F811
    http: httpx.AsyncClient,
    path: str,
) -> None:
    with pytest.raises(SendError) as excinfo:
        await WebhookSender().send(
            webhook(fake_platform.url + path, new_secret()), context(http, allow_private=False)
        )
    assert excinfo.value.retryable is False
    assert "loopback" in excinfo.value.detail
    assert fake_platform.requests == []


async def test_a_name_resolving_inward_is_refused(
    monkeypatch: pytest.MonkeyPatch,
    fake_platform: FakePlatform,  # noqa: F811
    http: httpx.AsyncClient,
) -> None:
    fake_dns(monkeypatch, {"evil.example": ["127.0.0.1"]})
    port = fake_platform.url.rsplit(":", 1)[1]
    with pytest.raises(SendError) as excinfo:
        await WebhookSender().send(
            webhook(f"http://evil.example:{port}/", new_secret()), context(http, allow_private=False)
        )
    assert excinfo.value.retryable is False
    assert "evil.example resolves to 127.0.0.1" in excinfo.value.detail
    assert fake_platform.requests == []


async def test_the_connection_goes_to_the_address_that_was_checked(
    monkeypatch: pytest.MonkeyPatch,
    fake_platform: FakePlatform,  # noqa: F811
    http: httpx.AsyncClient,
) -> None:
    # The address approved at this attempt is the one connected to (no second lookup that a
    # rebinding DNS server could answer differently); the receiver still sees its own name.
    fake_dns(monkeypatch, {"partner.example": ["127.0.0.1"]})
    port = fake_platform.url.rsplit(":", 1)[1]
    secret = new_secret()
    await WebhookSender().send(webhook(f"http://partner.example:{port}/hook", secret), context(http))
    rec = fake_platform.last()
    assert rec.headers["host"] == f"partner.example:{port}"
    Webhook(secret).verify(rec.body, rec.headers)


@pytest.mark.parametrize(
    ("answers", "url_host"),
    [
        (["93.184.215.14"], "93.184.215.14"),
        (["2606:2800:21f:cb07::1", "93.184.215.14"], "[2606:2800:21f:cb07::1]"),
    ],
)
async def test_https_is_pinned_with_the_name_kept_for_host_and_tls(
    monkeypatch: pytest.MonkeyPatch, answers: list[str], url_host: str
) -> None:
    fake_dns(monkeypatch, {"partner.example": answers})
    seen: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202)

    async with httpx.AsyncClient(transport=httpx.MockTransport(receiver)) as mock:
        receipt = await WebhookSender().send(
            webhook("https://partner.example/hooks", new_secret()), context(mock, allow_private=False)
        )
    assert receipt.status_code == 202
    (request,) = seen
    assert str(request.url) == f"https://{url_host}/hooks"
    assert request.headers["host"] == "partner.example"
    assert request.extensions["sni_hostname"] == "partner.example"  # certificate checked for the name
    # The pool keys connections by IP: a TLS connection made for this name is not reused for
    # another partner's name on the same address.
    assert request.headers["connection"] == "close"


async def test_a_name_that_does_not_resolve_is_retried(
    monkeypatch: pytest.MonkeyPatch, http: httpx.AsyncClient
) -> None:
    fake_dns(monkeypatch, {})
    with pytest.raises(SendError) as excinfo:
        await WebhookSender().send(webhook("https://gone.example/hook", new_secret()), context(http))
    assert excinfo.value.retryable is True
    assert "does not resolve" in excinfo.value.detail


@pytest.mark.parametrize(
    ("to", "extra", "msg_id"),
    [
        ({"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, {"body": BODY}, "msg_1"),
        ({"url": "https://partner.example/"}, {"body": BODY}, "msg_1"),
        ({"url": "https://partner.example/", "secret": "not-a-secret"}, {"body": BODY}, "msg_1"),
        (
            {"url": "https://partner.example/", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
            {},
            "msg_1",
        ),
        (
            {"url": "https://partner.example/", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
            {"body": BODY},
            "a.b",
        ),
        (
            {"url": "ftp://partner.example/", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
            {"body": BODY},
            "m",
        ),
    ],
)
async def test_a_message_that_can_never_be_sent_is_not_retried(
    http: httpx.AsyncClient, to: dict[str, str], extra: dict[str, str], msg_id: str
) -> None:
    message = Message(id=msg_id, platform="webhook", to=to, text="", extra=extra)
    with pytest.raises(SendError) as excinfo:
        await WebhookSender().send(message, context(http, allow_private=False))
    assert excinfo.value.retryable is False
