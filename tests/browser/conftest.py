"""The public pages in a real browser: ``aduan serve`` as a subprocess on the test database,
complaints created through the HTTP API as a client would, and Debian's Chromium driven by
Playwright (its own browser download is not used; ``python -m tests.browser.install`` finds or
installs Chromium).

The tests of this folder share one data set, made once: the root ``_clean`` (which empties the
tables before every test) is replaced here by one cleaning before the service starts, so that the
service loads DKI Jakarta's areas into the empty database and every test reads the same complaints.

Every page of every test goes through ``Watch``: console errors, page errors and any request that
would leave 127.0.0.1 (aborted, so that a test never waits on the internet) are recorded, and a
test fails on any of them. Screenshots go to ``$ADUAN_TEST_ARTIFACTS`` (default
``.artifacts/browser/``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Playwright, Request, Route, async_playwright

from tests.browser.install import find_chromium
from tests.conftest import REPO
from tests.live import empty_tables, running_service

ADMIN_KEY = f"browser-admin-key-{os.getpid()}"
ARTIFACTS = Path(os.environ.get("ADUAN_TEST_ARTIFACTS") or REPO / ".artifacts" / "browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# (description, lat, lon): the keyword classifier gives each its category; two of them are roads,
# close to each other (a cluster when zoomed out), the others far apart, all in different kelurahan.
COMPLAINTS = [
    ("Lampu PJU mati di Jl. Cikini Raya, gelap sekali malam hari", -6.1900, 106.8400),
    ("Jalan berlubang besar di depan halte Kuningan", -6.2297, 106.8295),
    ("Jalan rusak dan berlubang dekat pasar Mampang", -6.2400, 106.8230),
    ("Saluran air mampet, banjir setiap hujan di Pinangsia", -6.1385, 106.8133),
    ("Sampah menumpuk di pinggir jalan Cawang", -6.2500, 106.8700),
    ("Pohon tumbang menutup jalan di Cilandak", -6.3000, 106.8000),
]


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    """Replaces the root ``_clean``: the data set is made once for the whole folder (``site``)."""
    yield


@dataclass
class Site:
    base: str
    tickets: dict[str, str]  # ticket -> category
    resolved: str  # the ticket of the complaint that is done
    open_ticket: str

    def url(self, path: str) -> str:
        return self.base + path


async def _move(http: httpx.AsyncClient, cid: str, status: str, note: str) -> None:
    version = (await http.get(f"/v1/complaints/{cid}")).json()["version"]
    r = await http.post(
        f"/v1/complaints/{cid}/transitions",
        json={"status": status, "note": note, "public": True},
        headers={"If-Match": f'"{version}"'},
    )
    assert r.status_code == 200, r.text


@pytest.fixture(scope="package")
async def site(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    await empty_tables(database_url)
    workdir = tmp_path_factory.mktemp("serve")
    with running_service(database_url, workdir, ADMIN_KEY, ADUAN_MAP_TILES_URL="") as base:
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        async with httpx.AsyncClient(base_url=base, timeout=10, headers=admin) as http:
            r = await http.post("/v1/api-keys", json={"name": "jaki", "role": "app"})
            assert r.status_code == 201, r.text
            app_key = {"Authorization": f"Bearer {r.json()['key']}"}
            tickets: dict[str, str] = {}
            ids: list[str] = []
            for text, lat, lon in COMPLAINTS:
                r = await http.post(
                    "/v1/complaints",
                    json={"description": text, "location": {"lat": lat, "lon": lon}},
                    headers=app_key,
                )
                assert r.status_code == 201, r.text
                tickets[r.json()["ticket"]] = r.json()["category"]
                ids.append(r.json()["id"])
            assert list(tickets.values()).count("roads") == 2, tickets
            # The first one is done: through the lifecycle, as an officer would move it.
            for status in ("in_progress", "pending_validation", "resolved"):
                await _move(http, ids[0], status, "Lampu sudah diganti petugas")
            first, second = list(tickets)[:2]
        yield Site(base=base, tickets=tickets, resolved=first, open_ticket=second)


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.fail("no Chromium: run `python -m tests.browser.install` (or set ADUAN_CHROMIUM)")
    async with async_playwright() as pw:
        b = await _launch(pw, executable)
        try:
            yield b
        finally:
            await b.close()


async def _launch(pw: Playwright, executable: str) -> Browser:
    return await pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, timeout=30_000)


@dataclass
class Watch:
    """What went wrong on a page: console errors, uncaught errors, requests leaving 127.0.0.1."""

    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)  # console texts a test expects (the 404 itself)

    def on_console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error" and not any(a in msg.text for a in self.allowed):
            self.errors.append(f"console: {msg.text} ({msg.location.get('url', '')})")

    def on_page_error(self, exc: Any) -> None:
        self.errors.append(f"pageerror: {exc}")

    def assert_clean(self) -> None:
        assert self.external == [], f"requests left 127.0.0.1: {self.external}"
        assert self.errors == [], "\n".join(self.errors)


async def open_page(browser: Browser, viewport: dict[str, int] = DESKTOP) -> tuple[Page, Watch]:
    watch = Watch()
    context = await browser.new_context(viewport=viewport, locale="id-ID", timezone_id="Asia/Jakarta")  # type: ignore[arg-type]
    context.set_default_timeout(10_000)

    async def only_local(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname in ("127.0.0.1",) or request.url.startswith(("data:", "blob:")):
            await route.continue_()
        else:
            watch.external.append(request.url)
            await route.abort()

    await context.route("**/*", only_local)
    page = await context.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    return page, watch


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[tuple[Page, Watch]]:
    p, watch = await open_page(browser)
    try:
        yield p, watch
    finally:
        await p.context.close()


async def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def map_ready(page: Page, loads: int = 1) -> dict[str, str]:
    """Wait until the map has drawn the answer of its ``loads``-th request; its data attributes."""
    await page.wait_for_function(
        "n => { const m = document.querySelector('#map'); return m && m.dataset.state === 'ready'"
        " && Number(m.dataset.loads || 0) >= n && m.dataset.areasDrawn; }",
        arg=loads,
    )
    data: dict[str, str] = await page.eval_on_selector("#map", "m => Object.assign({}, m.dataset)")
    return data
