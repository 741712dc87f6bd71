"""GET /v1/media/{name}: public complaints' photos for anyone, the others only via a signed link."""

from __future__ import annotations

import json
import os
import struct
import time
import zlib

import pytest
from pydantic import SecretStr

from app.core.media_links import MediaSigner, load_key, signed_attachments


def _png() -> bytes:
    """A valid 1x1 PNG, different each call (files are content-addressed and outlive a test)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"tEXt", b"Comment\x00" + os.urandom(8).hex().encode())
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


async def _jaki(client, app_key, db, privacy: str, photo: bytes) -> str:
    form = {
        "description": "Jalan berlubang di Jl. Cikini Raya",
        "lat": "-6.1962",
        "lon": "106.8317",
        "privacy": privacy,
    }
    files = [("photos", ("lubang.png", photo, "image/png"))]
    r = await client.post("/v1/channels/jaki/reports", data=form, files=files, headers=app_key)
    assert r.status_code == 201, r.text
    complaint_id = r.json()["outcomes"][0]["complaint_id"]
    raw = await db.fetchval("SELECT attachments FROM complaints WHERE id = $1", complaint_id)
    attachments = json.loads(raw) if isinstance(raw, str) else raw
    assert len(attachments) == 1 and attachments[0]["url"].startswith("/v1/media/")
    return attachments[0]["url"]


async def test_a_public_complaints_photo_is_public_and_cached(client, app_key, db):
    photo = _png()
    url = await _jaki(client, app_key, db, "public", photo)
    r = await client.get(url)
    assert r.status_code == 200 and r.content == photo
    assert r.headers["content-type"] == "image/png"
    assert r.headers["cache-control"] == "public, max-age=86400, immutable"
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("privacy", ["anonymous", "secret"])
async def test_other_photos_only_through_a_fresh_signed_link(client, app, app_key, db, privacy):
    photo = _png()
    url = await _jaki(client, app_key, db, privacy, photo)
    signer: MediaSigner = app.state.media_signer

    unsigned = await client.get(url)
    missing = await client.get("/v1/media/" + "0" * 64 + ".png")
    assert unsigned.status_code == 404 and missing.status_code == 404
    assert unsigned.headers["content-type"].startswith("application/problem+json")
    assert unsigned.json()["title"] == missing.json()["title"]
    assert photo not in unsigned.content

    signed = await client.get(signer.sign(url))
    assert signed.status_code == 200 and signed.content == photo
    assert signed.headers["cache-control"] == "private, no-store"
    assert signed.headers["x-content-type-options"] == "nosniff"

    expired = signer.sign(url, time.time() - 1)
    assert (await client.get(expired)).status_code == 404
    good = signer.sign(url, time.time() + 300)
    path, _, query = good.partition("?")
    params = dict(p.split("=", 1) for p in query.split("&"))
    sig = params["sig"]
    tampered = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    later = str(int(params["expires"]) + 3600)
    for bad in (
        f"{path}?expires={params['expires']}&sig={tampered}",  # altered signature
        f"{path}?expires={later}&sig={sig}",  # lifetime stretched
        f"{path}?expires=abc&sig={sig}",
        f"{path}?sig={sig}",
        f"{path}?expires={params['expires']}&sig=",
        f"/v1/media/{'1' * 64}.png?expires={params['expires']}&sig={sig}",  # another file
    ):
        r = await client.get(bad)
        assert r.status_code == 404, bad
    # a link made with another key is worth nothing
    other = MediaSigner(b"another key", 900).sign(url)
    assert (await client.get(other)).status_code == 404


async def test_a_file_on_a_public_complaint_is_public_whatever_else_holds_it(client, app_key, db, officer):
    photo = _png()
    url = await _jaki(client, app_key, db, "secret", photo)
    assert (await client.get(url)).status_code == 404
    body = {
        "description": "Foto yang sama, laporan publik",
        "privacy": "public",
        "attachments": [{"url": url, "media_type": "image/png"}],
    }
    r = await client.post("/v1/complaints", json=body, headers=app_key)
    assert r.status_code == 201, r.text
    r = await client.get(url)
    assert r.status_code == 200 and r.headers["cache-control"].startswith("public")
    # junk query parameters do not take a public file away
    assert (await client.get(url + "?expires=1&sig=00")).status_code == 200


async def test_odd_names_are_404_not_500(client):
    for name in (
        "..%2F..%2Fetc%2Fpasswd",
        ".upload-x",
        "x" * 300,
        "a.png?expires=9999999999&sig=" + "0" * 64,
    ):
        r = await client.get(f"/v1/media/{name}")
        assert r.status_code == 404, name
    # a NUL is refused before routing (422); what matters here is that it is no 500
    assert (await client.get("/v1/media/%00")).status_code in (404, 422)


def test_signed_attachments_signs_only_stored_files_of_non_public_complaints() -> None:
    signer = MediaSigner(b"k" * 32, 900)
    attachments = [
        {"url": "/v1/media/" + "a" * 64 + ".jpg", "media_type": "image/jpeg"},
        {"url": "https://pbs.twimg.com/media/x.jpg", "media_type": "image/jpeg"},
    ]
    assert signed_attachments(attachments, signer, "public") == attachments
    for privacy in ("anonymous", "secret"):
        out = signed_attachments(attachments, signer, privacy)
        path, _, query = out[0]["url"].partition("?")
        assert path == attachments[0]["url"] and query.startswith("expires=") and "&sig=" in query
        assert out[0]["media_type"] == "image/jpeg"
        assert out[1] == attachments[1]
        params = dict(p.split("=", 1) for p in query.split("&"))
        assert signer.verify(path, params["expires"], params["sig"])
        assert 0 < int(params["expires"]) - time.time() <= 900
    assert attachments[0]["url"].endswith(".jpg")  # the input is left alone
    assert signed_attachments(attachments, None, "secret") == attachments


async def test_the_key_is_made_once_and_shared(db) -> None:
    first = await load_key(db, None)
    again = await load_key(db, None)
    assert first == again and len(first) == 32
    assert await db.fetchval("SELECT count(*) FROM service_secrets") == 1
    assert await load_key(db, SecretStr("configured")) == b"configured"
