"""The SSRF guard for webhook URLs (app.outbound.ssrf).

Literal addresses in every notation go through the real ``getaddrinfo`` (numeric hosts and
``localhost`` never reach a DNS server); names are answered by ``fake_dns`` so that no test
depends on the internet.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable
from ipaddress import ip_address
from typing import Any

import pytest

from app.outbound.ssrf import DoesNotResolve, UnsafeUrl, check_url, check_url_syntax, resolve_url

# What the fake resolver answers for names; any other *.example or *.invalid does not resolve.
DNS: dict[str, list[str]] = {
    "partner.example": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "evil.example": ["10.0.0.5"],
    "mixed.example": ["93.184.215.14", "127.0.0.1"],  # one bad record is enough to refuse
    "metadata6.example": ["::ffff:169.254.169.254"],
}


def fake_dns(monkeypatch: pytest.MonkeyPatch, table: dict[str, list[str]] | None = None) -> None:
    """Answer the running loop's ``getaddrinfo`` for the names in ``table`` (default ``DNS``);
    refuse other ``.example``/``.invalid`` names; pass everything else (literals) through."""
    table = DNS if table is None else table
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in table:
            answers: list[Any] = []
            for text in table[name]:
                if ip_address(text).version == 6:
                    answers.append(
                        (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (text, port, 0, 0))
                    )
                else:
                    answers.append((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (text, port)))
            return answers
        if name.endswith((".example", ".invalid")):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return await real(host, port, *args, **kwargs)

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)


REFUSED: list[tuple[str, str]] = [
    ("http://127.0.0.1", "loopback"),
    ("http://127.0.0.1:8000/admin", "loopback"),
    ("http://localhost", "loopback"),
    ("http://LOCALHOST/", "loopback"),
    ("http://[::1]", "loopback"),
    ("http://10.0.0.1", "private"),
    ("http://192.168.1.1", "private"),
    ("http://172.16.0.1", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[::ffff:127.0.0.1]", "IPv4-mapped form of 127.0.0.1"),
    ("http://[::ffff:a9fe:a9fe]/latest/meta-data", "IPv4-mapped form of 169.254.169.254"),
    ("http://[::127.0.0.1]", "IPv4-compatible"),
    ("http://[2002:7f00:1::]", "6to4 form of 127.0.0.1"),
    ("http://[64:ff9b::a9fe:a9fe]", "NAT64 form of 169.254.169.254"),
    ("http://[2001::1]", "Teredo"),
    ("http://2130706433", "127.0.0.1"),  # decimal
    ("http://0x7f000001", "127.0.0.1"),  # hexadecimal
    ("http://0x7f.0.0.1", "127.0.0.1"),  # hexadecimal octet
    ("http://017700000001", "127.0.0.1"),  # octal
    ("http://0177.0.0.1", "not a valid URL"),  # octal octets: httpx refuses to parse it
    ("http://127.1", "127.0.0.1"),  # short form
    ("http://0.0.0.0", "this network"),
    ("http://0", "this network"),
    ("http://100.64.0.1", "carrier-grade NAT"),
    ("http://192.0.0.8", "IETF protocol assignments"),
    ("http://198.18.0.1", "benchmarking"),
    ("http://224.0.0.1", "multicast"),
    ("http://255.255.255.255", "broadcast"),
    ("http://[fc00::1]", "unique-local"),
    ("http://[fd12:3456::1]", "unique-local"),
    ("http://[fe80::1]", "link-local"),
    ("http://[fec0::1]", "site-local"),
    ("http://[ff02::1]", "multicast"),
    ("http://[::]", "unspecified"),
    ("ftp://example.com/x", "scheme"),
    ("file:///etc/passwd", "scheme"),
    ("gopher://127.0.0.1:6379/_FLUSHALL", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("http://", "host is required"),
    ("http:///path", "host is required"),
    ("https://user:pass@partner.example/hook", "credentials"),
    ("http://partner.example\\@127.0.0.1/", "credentials"),  # parser confusion: userinfo to httpx
    ("http://evil.example/hook", "evil.example resolves to 10.0.0.5"),
    ("http://mixed.example/hook", "mixed.example resolves to 127.0.0.1"),
    ("https://metadata6.example/", "IPv4-mapped form of 169.254.169.254"),
    ("http://[not-an-ip]/", "not a valid URL"),
]


@pytest.mark.parametrize(("url", "why"), REFUSED)
async def test_refused(monkeypatch: pytest.MonkeyPatch, url: str, why: str) -> None:
    fake_dns(monkeypatch)
    with pytest.raises(UnsafeUrl) as excinfo:
        await check_url(url, allow_private=False)
    assert why in str(excinfo.value)


ACCEPTED = [
    "http://93.184.215.14",
    "https://1.1.1.1/hooks?x=1",
    "https://[2606:4700:4700::1111]:8443/h",
    "http://[::ffff:8.8.8.8]/",  # the mapped form of a public address is that address
    "http://[64:ff9b::808:808]/",  # NAT64 of a public address
    "https://partner.example/hooks/aduan",
    "HTTPS://Partner.Example:443/hooks",
]


@pytest.mark.parametrize("url", ACCEPTED)
async def test_accepted(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    fake_dns(monkeypatch)
    await check_url(url, allow_private=False)


async def test_resolve_url_returns_every_approved_address(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch)
    addresses = await resolve_url("https://partner.example/h", allow_private=False)
    assert [str(a) for a in addresses] == DNS["partner.example"]


async def test_a_name_that_does_not_resolve_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch)
    for allow_private in (False, True):
        with pytest.raises(DoesNotResolve, match="does not resolve"):
            await check_url("https://nowhere.invalid/hook", allow_private=allow_private)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/h",
        "http://localhost/h",
        "http://[::1]/h",
        "http://2130706433/",
        "http://evil.example/",
    ],
)
async def test_allow_private_accepts_what_resolves(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    fake_dns(monkeypatch)
    await check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "gopher://127.0.0.1/", "http://u:p@127.0.0.1/", "http://", "http://0177.0.0.1/"],
)
async def test_allow_private_keeps_the_other_rules(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        await check_url(url, allow_private=True)


def test_check_url_syntax_needs_no_dns() -> None:
    for ok in ("https://partner.example/hook", "http://127.0.0.1:8000/h", "https://bücher.example/"):
        check_url_syntax(ok)  # where it leads is check_url's business
    bad: Iterable[str] = ("ftp://x.example/", "https://u:p@x.example/", "https://", "http://0177.0.0.1/", "x")
    for url in bad:
        with pytest.raises(UnsafeUrl):
            check_url_syntax(url)


def test_unsafe_url_is_a_value_error() -> None:
    # So that a Pydantic validator calling check_url_syntax turns it into a 422.
    assert issubclass(UnsafeUrl, ValueError)
    assert issubclass(DoesNotResolve, UnsafeUrl)
