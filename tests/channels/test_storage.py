"""Photo storage: content-addressed files, written off the event loop (a JAKI upload included)."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from app.channels.storage import LocalStorage

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _recording(storage: LocalStorage, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The threads ``storage``'s disk work ran on."""
    threads: list[int] = []
    save = storage._save

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.get_ident())
        return save(*args, **kwargs)

    monkeypatch.setattr(storage, "_save", spy)
    return threads


async def test_save_is_content_addressed_and_runs_in_a_worker_thread(tmp_path: Path, monkeypatch) -> None:
    storage = LocalStorage(tmp_path / "media")
    threads = _recording(storage, monkeypatch)
    first = await storage.save(JPEG, media_type="image/jpeg", filename="a.jpg")
    again = await storage.save(JPEG, media_type="image/jpeg", filename="b.jpg")
    name = hashlib.sha256(JPEG).hexdigest() + ".jpg"
    assert first.url == again.url == "/v1/media/" + name
    assert first.size == len(JPEG) and first.media_type == "image/jpeg"
    assert (tmp_path / "media" / name).read_bytes() == JPEG
    assert storage.path_of(name) == tmp_path / "media" / name
    assert [p.name for p in (tmp_path / "media").iterdir()] == [name]  # no temporary file left
    assert threads and threading.get_ident() not in threads


async def test_a_jaki_upload_with_a_photo_is_stored_off_the_event_loop(
    client, app, app_key, monkeypatch
) -> None:
    photo = JPEG + os.urandom(16)  # files outlive a test: a new one each run
    threads = _recording(app.state.storage, monkeypatch)
    form = {"description": "Pohon tumbang di Jl. Teuku Umar", "lat": "-6.1990", "lon": "106.8320"}
    r = await client.post(
        "/v1/channels/jaki/reports",
        data=form,
        files=[("photos", ("pohon.jpg", photo, "image/jpeg"))],
        headers=app_key,
    )
    assert r.status_code == 201, r.text
    assert threads and threading.get_ident() not in threads
    url = "/v1/media/" + hashlib.sha256(photo).hexdigest() + ".jpg"
    served = await client.get(url)
    assert served.status_code == 200 and served.content == photo
