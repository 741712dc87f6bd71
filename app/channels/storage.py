"""Where uploaded files go: an interface with a local-disk default.

Files are content-addressed (sha256), so a retried upload stores nothing new
and yields the same URL. ``save`` is a coroutine: hashing up to 10 MiB and writing it
(with an fsync) would hold the event loop for milliseconds, so that work runs in a worker
thread. ``GET /v1/media/{name}`` serves them: to anyone when a
public complaint holds the file, else only through a signed link
(``app.core.media_links``), since a guessable or leaked URL must not open the
photo of a secret complaint.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

import anyio.to_thread

from app.intake.drafts import AttachmentDraft

# Magic numbers of the photo types the JAKI app may send.
PHOTO_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
    "image/heic": (b"\x00\x00\x00",),
}
# What ``save`` names a file: the sha256 digest and a short extension.
_NAME_RE = re.compile(r"[0-9a-f]{64}(?:\.[A-Za-z0-9]{1,8})?")
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic"}


def sniff_photo(data: bytes) -> str | None:
    """The photo type by content, not by what the client claimed."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    return None


class Storage(Protocol):
    async def save(self, data: bytes, *, media_type: str | None, filename: str | None) -> AttachmentDraft: ...

    def path_of(self, name: str) -> Path | None: ...

    def url_of(self, name: str) -> str: ...

    def is_name(self, name: str) -> bool: ...


class LocalStorage:
    def __init__(self, root: Path, url_prefix: str = "/v1/media/"):
        self.root = Path(root)
        self.url_prefix = url_prefix

    async def save(self, data: bytes, *, media_type: str | None, filename: str | None) -> AttachmentDraft:
        """Store ``data`` (off the event loop); what a complaint's attachment records of it."""
        return await anyio.to_thread.run_sync(self._save, data, media_type, filename)

    def _save(self, data: bytes, media_type: str | None, filename: str | None) -> AttachmentDraft:
        digest = hashlib.sha256(data).hexdigest()
        ext = EXTENSIONS.get(media_type or "") or (Path(filename).suffix.lower() if filename else "") or ""
        if not ext.isascii() or len(ext) > 8 or not ext[1:].isalnum():
            ext = mimetypes.guess_extension(media_type or "") or ".bin"
        name = digest + ext
        target = self.root / name
        if not target.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            # write then rename: a crash never leaves a half file under the final name
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        return AttachmentDraft(
            url=self.url_prefix + name, media_type=media_type, size=len(data), filename=filename
        )

    def url_of(self, name: str) -> str:
        """The URL complaints store for the file ``name`` (what links are signed over)."""
        return self.url_prefix + name

    def is_name(self, name: str) -> bool:
        """Whether ``name`` could be a file this storage made (a digest and an extension):
        anything else is answered without touching the disk or the database."""
        return _NAME_RE.fullmatch(name) is not None

    def path_of(self, name: str) -> Path | None:
        if "/" in name or name.startswith(".") or not name[:64].isalnum():
            return None
        p = self.root / name
        return p if p.is_file() else None
