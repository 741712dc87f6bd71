"""Security headers on every answer, and the CORS allow-list.

Pure ASGI (not ``BaseHTTPMiddleware``): it only edits the headers of the response start, so a
request pays a header scan and a list copy, not a task and a stream.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# no-referrer rather than strict-origin-when-cross-origin: the public pages carry a ticket in
# their URL (/track/K7M2-Q9XD), and no link out of them needs to tell where it came from.
COMMON_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")
# JSON, images, CSV: nothing in them may run or load anything if a browser opens them.
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# HTML pages that do not set their own policy: their own scripts, styles and data only
# (images also from https:, for map tiles). A page that needs more sets Content-Security-Policy
# itself, and the middleware keeps it.
PAGE_CSP = (
    b"default-src 'self'; img-src 'self' data: https:; object-src 'none'; base-uri 'none'; "
    b"form-action 'self'; frame-ancestors 'none'"
)
# The API docs are the package's own Swagger UI and ReDoc: an inline script (Swagger's set-up,
# allowed by its hash, computed from the page as served), CSS with data: images, the OpenAPI
# document fetched from here. ReDoc also injects its styles at run time, runs its search in a
# worker made from a blob:, and its bundled JSON-schema validator compiles with Function();
# these pages show nothing but our own OpenAPI document, so that is all they are allowed.
DOCS_CSP = {
    "/docs": (
        "default-src 'none'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "/redoc": (
        "default-src 'none'; script-src 'self' 'unsafe-eval' {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
}
NO_STORE = (b"cache-control", b"no-store")
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def inline_script_hashes(html: bytes) -> str:
    """CSP source expressions for every inline <script> of a page."""
    return " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
        for body in _INLINE_SCRIPT.findall(html)
    )


class SecurityHeadersMiddleware:
    """``nosniff``, ``no-referrer``, no framing and a Content-Security-Policy on every answer;
    HSTS over HTTPS; ``Cache-Control: no-store`` on every answer to a request that carried
    ``Authorization``, so that no proxy keeps what a key may read (public answers keep theirs)."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self._docs_csp: dict[str, bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authorized = any(name == b"authorization" for name, _ in scope["headers"])
        https = scope.get("scheme") == "https"
        path = scope["path"]
        docs = path in DOCS_CSP and path not in self._docs_csp and scope["method"] == "GET"
        held: Message | None = None
        body: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                message["headers"] = self._headers(message.get("headers", ()), authorized, https, path)
                if docs and _is_html(message["headers"]):
                    held = message  # until the page is in and its inline scripts are hashed
                    return
            elif held is not None and message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                page = b"".join(body)
                csp = DOCS_CSP[path].format(scripts=inline_script_hashes(page)).replace(" ;", ";").encode()
                self._docs_csp[path] = csp
                start, held = held, None
                start["headers"] = [
                    (n, csp if n == b"content-security-policy" else v) for n, v in start["headers"]
                ]
                await send(start)
                await send({"type": "http.response.body", "body": page})
                return
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _headers(
        self, raw: Iterable[tuple[bytes, bytes]], authorized: bool, https: bool, path: str
    ) -> list[tuple[bytes, bytes]]:
        headers: list[tuple[bytes, bytes]] = []
        html = has_csp = False
        for name, value in raw:
            lname = name.lower()
            if lname == b"cache-control" and authorized:
                continue
            if lname == b"content-type" and value.startswith(b"text/html"):
                html = True
            elif lname == b"content-security-policy":
                has_csp = True
            headers.append((name, value))
        headers.extend(COMMON_HEADERS)
        if not has_csp:
            if html:
                csp = self._docs_csp.get(path, b"") if path in DOCS_CSP else PAGE_CSP
                headers.append((b"content-security-policy", csp or PAGE_CSP))
            else:
                headers.append((b"content-security-policy", API_CSP))
        if authorized:
            headers.append(NO_STORE)
        if https:
            headers.append(HSTS)
        return headers


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(n.lower() == b"content-type" and v.startswith(b"text/html") for n, v in headers)


def cors_origins(setting: str) -> list[str]:
    return [o.strip().rstrip("/") for o in setting.split(",") if o.strip()]


def install_cors(app: Starlette, setting: str) -> None:
    """Starlette's CORS for the listed origins; with none, no CORS header is ever sent (browsers
    then refuse cross-origin reads, which is right for a service without a browser client)."""
    origins = cors_origins(setting)
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        # Keys travel in a header, never in cookies: no credentials mode.
        allow_credentials=False,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "Accept"],
        expose_headers=[
            "ETag",
            "Location",
            "Retry-After",
            "RateLimit",
            "RateLimit-Policy",
            "Idempotent-Replayed",
        ],
        max_age=600,
    )
