"""A real ``aduan serve`` on the test database, and two GeoReport clients nobody here wrote:
``georeport`` (PyPI, a test dependency) and the Python 2 era ``open311`` 1.1 (vendored, made to
import; see vendor/README.md). Both talk plain HTTP to the process, as they would to a city."""

from __future__ import annotations

import importlib
import sys
import tarfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.live import empty_tables, running_service

VENDOR = Path(__file__).parent / "vendor" / "open311-1.1.tar.gz"
ADMIN_KEY = "open311-clients-admin-key"
CIKINI = (-6.1915, 106.8412)

# (file inside the package, text as released, text that imports on Python 3): each must be found
# exactly once. Nothing else of the client changes.
PATCHES = [
    ("open311/__init__.py", "from open311 import Open311", "from .open311 import Open311"),
    ("open311/open311.py", "from api import API\n", "from .api import API\n"),
    (
        "open311/open311.py",
        "from api.api import urlopen, urlencode",
        "from .api.api import urlopen, urlencode",
    ),
    ("open311/open311.py", "urlopen(url_path, post_data)", "urlopen(url_path, post_data.encode())"),
    ("open311/api/__init__.py", "from api import API\n", "from .api import API\n"),
    ("open311/api/__init__.py", "from api import urlopen, urlencode", "from .api import urlopen, urlencode"),
    ("open311/api/api.py", "from xml2dict import xml2dict", "from .xml2dict import xml2dict"),
    (
        "open311/api/xml2dict/__init__.py",
        "from object_dict import object_dict",
        "from .object_dict import object_dict",
    ),
    (
        "open311/api/xml2dict/xml2dict.py",
        "from object_dict import object_dict",
        "from .object_dict import object_dict",
    ),
    ("open311/api/xml2dict/xml2dict.py", "node.getchildren()", "list(node)"),
]


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    """Replaces the root ``_clean``: the service and its data live for the whole folder."""
    yield


@dataclass
class Live:
    base: str  # http://127.0.0.1:port
    app_key: str
    admin: dict[str, str]

    @property
    def endpoint(self) -> str:
        return self.base + "/open311/v2"


@pytest.fixture(scope="package")
async def live(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Live]:
    await empty_tables(database_url)
    with running_service(database_url, tmp_path_factory.mktemp("serve"), ADMIN_KEY) as base:
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        r = httpx.post(base + "/v1/api-keys", json={"name": "civic app", "role": "app"}, headers=admin)
        assert r.status_code == 201, r.text
        yield Live(base=base, app_key=r.json()["key"], admin=admin)


@pytest.fixture(scope="package")
def legacy_open311(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The ``open311`` 1.1 package, unpacked from PyPI's archive and patched to import."""
    root = tmp_path_factory.mktemp("open311")
    with tarfile.open(VENDOR) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
            tar.extractall(root, filter="data")
        else:  # pragma: no cover - an archive checked by its digest (vendor/README.md)
            tar.extractall(root)  # noqa: S202
    src = root / "open311-1.1"
    for name, old, new in PATCHES:
        path = src / name
        text = path.read_text()
        assert text.count(old) == 1, f"{name}: {old!r} is not there exactly once"
        path.write_text(text.replace(old, new))
    sys.path.insert(0, str(src))
    try:
        yield importlib.import_module("open311")
    finally:
        sys.path.remove(str(src))
        for mod in [m for m in sys.modules if m == "open311" or m.startswith("open311.")]:
            del sys.modules[mod]


def post_json(live: Live, path: str, body: dict[str, Any], key: str) -> dict[str, Any]:
    r = httpx.post(live.base + path, json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code in (200, 201), r.text
    data: dict[str, Any] = r.json()
    return data
