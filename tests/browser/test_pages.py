"""The public pages (``/``, ``/track/{ticket}``, ``/stats``) as a citizen's browser shows them."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import DESKTOP, PHONE, Site, Watch, map_ready, open_page, screenshot

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
GREEN = (27, 122, 58)  # --green of app/web/static/site.css


def _rgb(css: str) -> tuple[int, int, int]:
    parts = css[css.index("(") + 1 : css.index(")")].split(",")
    r, g, b = (int(float(p)) for p in parts[:3])
    return r, g, b


async def _wait_page(page: Page, path: str) -> None:
    if path == "/":
        await map_ready(page)
    elif path == "/stats":
        await page.wait_for_selector("body[data-charts]", state="attached")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("which", ["map", "track", "stats"])
async def test_page_loads_clean_and_is_screenshotted(
    site: Site, browser: Browser, which: str, viewport
) -> None:
    """No console error, no uncaught error, nothing asked of any server but the service."""
    path = {"map": "/", "track": f"/track/{site.resolved}", "stats": "/stats"}[which]
    page, watch = await open_page(browser, viewport)
    try:
        response = await page.goto(site.url(path))
        assert response is not None and response.status == 200
        await _wait_page(page, path)
        kind = "desktop" if viewport is DESKTOP else "phone"
        shot = await screenshot(page, f"{which}-{kind}")
        assert shot.stat().st_size > 5000
        # A phone must not scroll sideways: nothing wider than the screen.
        overflow = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the {kind} screen"
        watch.assert_clean()
    finally:
        await page.context.close()


async def test_map_shows_the_features_the_api_returns(site: Site, page: tuple[Page, Watch]) -> None:
    p, watch = page
    await p.goto(site.url("/"))
    data = await map_ready(p)
    query = dict(parse_qsl(data["query"]))
    assert query["bbox"] == data["bbox"]
    async with httpx.AsyncClient(base_url=site.base) as http:
        fc = (await http.get("/v1/public/complaints.geojson", params=query)).json()
    assert len(fc["features"]) == len(site.tickets) == int(data["features"])
    # What is drawn: every point once, alone or counted in a cluster.
    drawn = await p.evaluate(
        "() => [...document.querySelectorAll('.leaflet-marker-pane .pin')].length +"
        " [...document.querySelectorAll('.leaflet-marker-pane .cluster span')]"
        "   .reduce((n, s) => n + Number(s.textContent), 0)"
    )
    assert drawn == len(fc["features"])
    # The counts read as text, without the map.
    counts = await p.inner_text("#counts")
    assert f"{len(site.tickets)} aduan" in counts and "1 selesai" in counts
    watch.assert_clean()


async def test_a_filter_changes_the_points(site: Site, page: tuple[Page, Watch]) -> None:
    p, watch = page
    await p.goto(site.url("/"))
    await map_ready(p)
    await p.select_option("#f-category", "roads")
    data = await map_ready(p, loads=2)
    roads = sum(1 for c in site.tickets.values() if c == "roads")
    assert int(data["features"]) == roads == 2
    assert "category=roads" in data["query"] and "category=roads" in p.url
    async with httpx.AsyncClient(base_url=site.base) as http:
        fc = (await http.get("/v1/public/complaints.geojson", params=dict(parse_qsl(data["query"])))).json()
    assert {f["properties"]["category"] for f in fc["features"]} == {"roads"} and len(fc["features"]) == roads
    # Status on top: no road complaint is done.
    await p.select_option("#f-status", "resolved")
    data = await map_ready(p, loads=3)
    assert int(data["features"]) == 0
    assert "Tidak ada aduan" in await p.inner_text("#map-status")
    # Every category, done ones: the one that was resolved.
    await p.select_option("#f-category", "")
    data = await map_ready(p, loads=4)
    assert int(data["features"]) == 1
    # The filters live in the address: a reload keeps them.
    await p.reload()
    data = await map_ready(p)
    assert int(data["features"]) == 1 and await p.input_value("#f-status") == "resolved"
    watch.assert_clean()


async def test_clicking_a_complaint_opens_its_tracking_page(site: Site, page: tuple[Page, Watch]) -> None:
    p, watch = page
    await p.goto(site.url("/"))
    await map_ready(p)
    pins = p.locator(".leaflet-marker-pane .pin")
    for _ in range(6):  # zoom into clusters (as a person would, by clicking them) until a point shows
        if await pins.count():
            break
        await p.locator(".leaflet-marker-pane .cluster").first.click()
        await p.wait_for_timeout(600)
    pin = pins.first
    title = await pin.get_attribute("title")
    assert title
    ticket = title.split(":")[0]
    assert ticket in site.tickets
    await pin.click()
    link = p.locator(".leaflet-popup a.popup-link")
    await link.wait_for()
    await link.click()
    await p.wait_for_url(site.url(f"/track/{ticket}"))
    assert ticket in await p.inner_text(".ticket")
    watch.assert_clean()


async def test_a_done_complaint_is_green(site: Site, page: tuple[Page, Watch]) -> None:
    p, watch = page
    r = await p.goto(site.url(f"/track/{site.resolved.lower().replace('-', '')}"))  # as typed by a person
    assert r is not None and r.status == 200 and p.url == site.url(f"/track/{site.resolved}")
    assert r.headers.get("cache-control") == "public, max-age=15"
    badge = p.locator("#status")
    assert (await badge.inner_text()).strip() == "Selesai"
    bg = _rgb(await badge.evaluate("e => getComputedStyle(e).backgroundColor"))
    assert bg == GREEN and bg[1] > bg[0] + 50 and bg[1] > bg[2] + 50
    timeline = await p.inner_text(".timeline")
    assert "Lampu sudah diganti petugas" in timeline and "Menunggu" in timeline
    assert "Kel. Cikini" in await p.inner_text(".facts")
    # An open one is not green.
    await p.goto(site.url(f"/track/{site.open_ticket}"))
    bg = _rgb(await p.locator("#status").evaluate("e => getComputedStyle(e).backgroundColor"))
    assert bg != GREEN and bg[0] > bg[1]
    watch.assert_clean()


async def test_unknown_ticket_is_a_404_page_with_a_form(site: Site, page: tuple[Page, Watch]) -> None:
    p, watch = page
    watch.allowed.append("404")  # the browser reports the page's own status
    r = await p.goto(site.url("/track/ZZZZ-9999"))
    assert r is not None and r.status == 404 and r.headers["content-type"].startswith("text/html")
    assert "Aduan tidak ditemukan" in await p.inner_text("h1")
    await p.fill("#ticket-404", site.resolved.lower())
    await p.click(".ticket-form button")
    await p.wait_for_url(site.url(f"/track/{site.resolved}"))
    assert (await p.inner_text("#status")).strip() == "Selesai"
    watch.assert_clean()


@pytest.mark.parametrize("which", ["map", "track", "stats", "missing"])
async def test_axe_finds_no_accessibility_violation(site: Site, browser: Browser, which: str) -> None:
    path = {
        "map": "/",
        "track": f"/track/{site.resolved}",
        "stats": "/stats",
        "missing": "/track/ZZZZ-9999",
    }[which]
    for viewport in (DESKTOP, PHONE):
        p, watch = await open_page(browser, viewport)
        watch.allowed.append("404")
        try:
            await p.goto(site.url(path))
            await _wait_page(p, path)
            # Served as if from the service (the pages' CSP allows their own origin's scripts only;
            # the test keeps that policy on rather than bypassing it).
            await p.route(
                "**/__test__/axe.min.js",
                lambda route: route.fulfill(body=AXE.read_bytes(), content_type="text/javascript"),
            )
            await p.add_script_tag(url=site.url("/__test__/axe.min.js"))
            result = await p.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            problems = [
                f"{v['id']} ({v['impact']}): {v['help']}: "
                + "; ".join(n["target"][0] + " " + n.get("failureSummary", "") for n in v["nodes"][:3])
                for v in result["violations"]
            ]
            assert problems == [], f"{path} at {viewport['width']}px:\n" + "\n".join(problems)
            watch.assert_clean()
        finally:
            await p.context.close()


async def test_stats_draws_charts_and_its_tables_match_the_api(site: Site, page: tuple[Page, Watch]) -> None:
    p, watch = page
    await p.goto(site.url("/stats"))
    await p.wait_for_selector("body[data-charts]", state="attached")
    canvases = p.locator("canvas[data-chart]")
    n = await canvases.count()
    assert n == 5 and await p.get_attribute("body", "data-charts") == "5"
    for i in range(n):
        painted = await canvases.nth(i).evaluate(
            "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            " let k = 0; for (let j = 3; j < d.length; j += 4) if (d[j]) k++; return [c.width, c.height, k]; }"
        )
        width, height, opaque = painted
        assert width > 100 and height > 100 and opaque > 500, painted
    async with httpx.AsyncClient(base_url=site.base) as http:
        for group_by in ("channel", "status", "category", "kota"):
            api = (await http.get("/v1/stats", params={"group_by": group_by})).json()
            rows = await p.eval_on_selector_all(
                f"#tbl-{group_by} tbody tr[data-key]",
                "trs => trs.map(tr => [tr.dataset.key, ...['total', 'open', 'done'].map("
                "c => Number(tr.querySelector(`[data-col=${c}]`).dataset.value))])",
            )
            expected = [[g["key"] or "", g["total"], g["open"], g["done"]] for g in api["groups"]]
            assert rows == expected, group_by
            # What a person reads, not only the data attributes.
            texts = await p.eval_on_selector_all(
                f"#tbl-{group_by} tbody tr[data-key] td[data-col=total]", "tds => tds.map(t => t.textContent)"
            )
            assert texts == [str(g["total"]) for g in api["groups"]]
        assert api["total"] == len(site.tickets)
        assert (await p.inner_text("#total")).strip() == str(api["total"])
        assert (await p.inner_text("#done")).strip() == str(api["done"]) == "1"
    watch.assert_clean()
