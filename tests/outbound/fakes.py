"""A local stand-in for a platform's API: an HTTP server on 127.0.0.1 that records every
request (method, path, query, headers, body) and answers what the test scripted.

Each platform test checks the recorded request against the platform's documentation, so the
fake does not validate anything itself: it only records and answers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True)


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=dict)  # dict/list -> JSON; bytes/str as is
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


Responder = Callable[[Recorded], Answer]


class FakePlatform:
    """``url`` is its base; ``requests`` what it received; ``respond`` decides the answer
    (default: 200 with ``{}``); ``answers`` is a queue of answers consumed first."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.answers: list[Answer] = []
        self.respond: Responder = lambda _r: Answer()
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                rec = Recorded(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with fake._lock:
                    fake.requests.append(rec)
                    answer = fake.answers.pop(0) if fake.answers else None
                if answer is None:
                    answer = fake.respond(rec)
                if answer.delay_s:
                    threading.Event().wait(answer.delay_s)
                payload = answer.body
                if isinstance(payload, dict | list):
                    data = json.dumps(payload).encode()
                    ctype = "application/json"
                else:
                    data = payload.encode() if isinstance(payload, str) else bytes(payload)
                    ctype = "text/plain"
                try:
                    self.send_response(answer.status)
                    self.send_header("content-type", answer.headers.get("content-type", ctype))
                    for k, v in answer.headers.items():
                        if k.lower() != "content-type":
                            self.send_header(k, v)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def last(self) -> Recorded:
        assert self.requests, "the fake platform received no request"
        return self.requests[-1]


@pytest.fixture
def fake_platform() -> Iterator[FakePlatform]:
    fake = FakePlatform()
    try:
        yield fake
    finally:
        fake.close()
