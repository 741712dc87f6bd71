"""The public pages as HTML (no browser): what the server writes before any script runs."""

from __future__ import annotations

import re

from tests.helpers import transition


async def _new(client, app_key, **extra):
    body = {"description": "Jalan berlubang di depan sekolah", **extra}
    r = await client.post("/v1/complaints", json=body, headers=app_key)
    assert r.status_code == 201, r.text
    return r.json()


async def test_track_page_shows_status_photos_supports_and_expected_date(client, app_key):
    c = await _new(
        client,
        app_key,
        title="Jalan <b>berlubang</b> <script>alert(1)</script>",
        attachments=[
            {
                "url": "https://media.example.org/lubang.jpg",
                "media_type": "image/jpeg",
                "caption": "Lubang di depan gerbang",
            }
        ],
    )
    r = await client.get(f"/track/{c['ticket']}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "public, max-age=15"
    html = r.text
    assert 'class="badge badge-red"' in html and "Menunggu" in html
    # Autoescaped: a title is text, never markup.
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert '<img src="https://media.example.org/lubang.jpg" alt="Lubang di depan gerbang"' in html
    view = (await client.get(f"/v1/track/{c['ticket']}")).json()
    if "supports" in view:
        assert f"{view['supports']} warga mendukung" in html
    if view.get("expected_at"):
        assert 'id="expected"' in html
    # No script is needed to read it, and none is inline.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


async def test_a_secret_complaint_or_an_unknown_ticket_is_a_404_page(client, app_key):
    c = await _new(client, app_key, privacy="secret")
    for path in (f"/track/{c['ticket']}", "/track/ZZZZ-9999", "/track/not-a-ticket"):
        r = await client.get(path)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), path
        assert "Aduan tidak ditemukan" in r.text and 'action="/track"' in r.text


async def test_ticket_form_and_lower_case_codes_lead_to_the_one_address(client, app_key, officer):
    c = await _new(client, app_key)
    r = await client.get("/track", params={"ticket": c["ticket"].lower().replace("-", "")})
    assert r.status_code == 303 and r.headers["location"] == f"/track/{c['ticket']}"
    r = await client.get(f"/track/{c['ticket'].lower()}")
    assert r.status_code == 301 and r.headers["location"] == f"/track/{c['ticket']}"
    r = await client.get("/track", params={"ticket": ""})
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert (
        await transition(client, c["id"], {"status": "rejected", "note": "bukan wewenang"}, officer)
    ).status_code == 200
    r = await client.get(f"/track/{c['ticket']}")
    assert 'class="badge badge-grey"' in r.text and "Ditolak" in r.text


async def test_map_page_counts_without_script_and_has_no_tile_layer_by_default(client, app_key):
    await _new(client, app_key)
    r = await client.get("/")
    assert r.status_code == 200
    html = r.text
    assert "<noscript>" in html and 'href="/stats"' in html
    assert re.search(r"<strong>1</strong> aduan", html) and re.search(
        r"<strong>1</strong> belum selesai", html
    )
    assert 'data-tiles-url=""' in html
    # Every script and style comes from the service, addressed by its content.
    for src in re.findall(r'(?:src|href)="(/static/web/[^"]+)"', html):
        s = await client.get(src)
        assert s.status_code == 200, src
        assert s.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


async def test_stats_page_tables_read_without_script(client, app_key):
    await _new(client, app_key)
    r = await client.get("/stats")
    assert r.status_code == 200
    for table in ("tbl-channel", "tbl-status", "tbl-category", "tbl-kota", "tbl-weekly"):
        assert f'id="{table}"' in r.text
    assert re.search(r'<span class="value" id="total">1</span>', r.text)
    bad = await client.get("/stats", params={"since": "kemarin"})
    assert bad.status_code == 422 and "Tanggal tidak dapat dibaca" in bad.text
