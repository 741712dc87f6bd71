"""The server-side request forgery guard for partner webhook URLs.

A partner chooses the URL our dispatcher will POST to, so without a guard anyone holding a
partner key could make the service call its own admin endpoints, the database's HTTP port or
the cloud metadata service at 169.254.169.254. The Standard Webhooks specification names the
risk ("Server side request forgery (SSRF)": webhook implementations "are especially
vulnerable ... as they let their consumers add any URLs they want") and the contract
(design/contracts.md, "Outbound") says: URLs that resolve to loopback or private addresses are
refused unless ``ADUAN_WEBHOOK_ALLOW_PRIVATE_URLS=true``.

What is checked, and why each rule is there:

- The URL is parsed with httpx's own parser, the one that will build the request, so the
  guard and the client cannot disagree about which host a URL names
  (``http://a.example\\@127.0.0.1/`` is 127.0.0.1 to both).
- Scheme ``http`` or ``https`` only (no ``file:``, ``gopher:``, ``ftp:``...); a host is
  required.
- No credentials in the URL (``user:pass@``). Receivers authenticate us by the signature, not
  by basic auth; credentials would be stored and shown wherever the URL is (the subscription,
  the delivery log); and a userinfo part is the usual vehicle of parser-confusion tricks.
- The host is resolved with the event loop's ``getaddrinfo`` (the resolver the HTTP client
  uses), so every spelling the system accepts is judged by the address it means: decimal
  ``2130706433``, hex ``0x7f000001``, short ``127.1``, ``localhost``, a name whose A or AAAA
  record points inward. Every address returned must be globally reachable, not just the
  first (a name with one public and one private record is refused).
- "Globally reachable" is ``ipaddress``'s ``is_global`` plus our own table of the IANA
  special-purpose registries, because ``is_global`` alone is too permissive on the Python we
  run (3.11: multicast ``224.0.0.0/4`` and ``ff00::/8``, ``192.0.0.0/24``, site-local
  ``fec0::/10`` and the IPv4-compatible ``::/96`` all count as global; python/cpython#113171).
  IPv6 addresses that carry an IPv4 address (IPv4-mapped ``::ffff:0:0/96``, 6to4
  ``2002::/16``, NAT64 ``64:ff9b::/96``) are judged by the IPv4 address they carry; Teredo
  ``2001::/32`` and the deprecated IPv4-compatible ``::/96`` are refused outright.
- A host that does not resolve is refused (``DoesNotResolve``): an address we cannot see is
  not one we can vouch for.

Residual risk, and what the webhook sender does about it: a check followed by a connection
that resolves the name again is open to DNS rebinding (a name with a zero TTL answers a public
address to the check and 127.0.0.1 to the connection). ``resolve_url`` therefore returns the
addresses it approved, and ``app.outbound.senders.webhook`` connects to one of those very
addresses (the URL's host replaced by the IP; ``Host`` header and TLS SNI/certificate check
still use the name), checks again at every delivery (a record may change between
subscription and delivery), and never follows redirects (a 3xx would lead to an unchecked
URL). What remains is outside this module: a proxy configured through the environment
(``HTTP_PROXY``, httpx's ``trust_env``) makes the proxy the one that connects, and the guard
does not constrain the ports of a global address. The specification's stronger advice, an
egress proxy such as smokescreen and a subnet with no route to internal services, is a
deployment matter and still worth doing.

``allow_private=True`` (development and tests, where the receiver is on 127.0.0.1) keeps the
scheme, host, credentials and resolution rules and skips only the address rule.
"""

from __future__ import annotations

import asyncio
import socket
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

import httpx

Address = IPv4Address | IPv6Address

__all__ = ["Address", "DoesNotResolve", "UnsafeUrl", "check_url", "check_url_syntax", "resolve_url"]


class UnsafeUrl(ValueError):
    """A webhook URL we refuse to call; ``str(exc)`` says why (safe to show to the partner)."""


class DoesNotResolve(UnsafeUrl):
    """The host has no address (yet): refused at subscription time, but at delivery time a
    DNS failure may be temporary, so the sender retries it."""


# Not globally reachable, per the IANA IPv4 and IPv6 Special-Purpose Address Registries
# (plus multicast and the deprecated ranges), whatever the running Python's ``is_global`` says.
_IPV4_REFUSED: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(net), name)
    for net, name in (
        ("0.0.0.0/8", "this network"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local, incl. cloud metadata"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("255.255.255.255/32", "broadcast"),
        ("240.0.0.0/4", "reserved"),
    )
)

_IPV6_REFUSED: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(net), name)
    for net, name in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/96", "IPv4-compatible (deprecated)"),
        ("64:ff9b:1::/48", "local-use IPv4/IPv6 translation"),
        ("100::/64", "discard-only"),
        ("100:0:0:1::/64", "dummy prefix"),
        ("2001::/32", "Teredo"),
        ("2001::/23", "IETF protocol assignments"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "segment routing"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local (deprecated)"),
        ("ff00::/8", "multicast"),
    )
)

_NAT64 = IPv6Network("64:ff9b::/96")


def _why_refused(address: Address) -> str | None:
    """Why ``address`` is not a safe destination, or None if it is globally reachable."""
    if isinstance(address, IPv6Address):
        embedded: IPv4Address | None = None
        kind = ""
        if address.ipv4_mapped is not None:
            embedded, kind = address.ipv4_mapped, "IPv4-mapped"
        elif address.sixtofour is not None:
            embedded, kind = address.sixtofour, "6to4"
        elif address in _NAT64:
            embedded, kind = IPv4Address(int(address) & 0xFFFFFFFF), "NAT64"
        if embedded is not None:
            reason = _why_refused(embedded)
            if reason is not None:
                return f"{kind} form of {embedded}: {reason}"
            if address.ipv4_mapped is not None:
                return None  # it is the IPv4 address, and that one is fine
        for net6, name in _IPV6_REFUSED:
            if address in net6:
                return name
    else:
        for net4, name in _IPV4_REFUSED:
            if address in net4:
                return name
    if address.is_multicast:
        return "multicast"
    if not address.is_global:
        return "not globally reachable"
    return None


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeUrl(f"not a valid URL: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise UnsafeUrl("the scheme must be http or https")
    if not parsed.raw_host:
        raise UnsafeUrl("a host is required")
    if parsed.userinfo:
        raise UnsafeUrl("credentials in the URL (user:password@) are not allowed")
    return parsed


def _literal(host: str) -> Address | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


def check_url_syntax(url: str) -> None:
    """The checks that need no DNS (scheme, host, no credentials), for request validation.

    Not sufficient on its own: ``check_url`` (or ``resolve_url``) decides where the URL leads.
    """
    _parse(url)


async def resolve_url(url: str, *, allow_private: bool) -> list[Address]:
    """Check ``url`` and return the addresses its host resolves to, all of them approved.

    Raises ``UnsafeUrl`` (``DoesNotResolve`` when the host has no address). With
    ``allow_private`` any address is accepted; the other rules still apply.
    """
    parsed = _parse(url)
    host = parsed.raw_host.decode("ascii")  # IDNA-encoded by httpx; IPv6 without brackets
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):  # socket.gaierror is an OSError
        raise DoesNotResolve(f"{host} does not resolve") from None
    addresses: list[Address] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        try:
            address = ip_address(str(sockaddr[0]))
        except ValueError:  # not an IP family (cannot happen for SOCK_STREAM over inet)
            continue
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise DoesNotResolve(f"{host} does not resolve")
    if not allow_private:
        literal = _literal(host)
        for address in addresses:
            reason = _why_refused(address)
            if reason is not None:
                where = host if literal is not None else f"{host} resolves to {address}"
                raise UnsafeUrl(f"{where}: not allowed ({reason})")
    return addresses


async def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse (``UnsafeUrl``) a webhook URL that is not http(s), has no host, carries
    credentials, does not resolve, or resolves to any address that is not globally reachable
    (unless ``allow_private``)."""
    await resolve_url(url, allow_private=allow_private)
