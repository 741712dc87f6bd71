"""Shared test helpers: calls a client makes the same way everywhere."""

from __future__ import annotations

from typing import Any

import httpx


async def current_version(client: httpx.AsyncClient, cid: str, headers: dict[str, str]) -> int:
    r = await client.get(f"/v1/complaints/{cid}", headers=headers)
    return r.json()["version"] if r.status_code == 200 else 1


async def transition(
    client: httpx.AsyncClient, cid: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    """POST a transition with the If-Match of the version the caller reads now (a client that
    read the complaint first, as every real client must)."""
    version = await current_version(client, cid, headers)
    return await client.post(
        f"/v1/complaints/{cid}/transitions", json=body, headers={**headers, "If-Match": f'"{version}"'}
    )


async def put_complaint(
    client: httpx.AsyncClient, cid: str, what: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    """PUT /v1/complaints/{cid}/{what} (assignment, ews) with the If-Match of the current version."""
    version = await current_version(client, cid, headers)
    return await client.put(
        f"/v1/complaints/{cid}/{what}", json=body, headers={**headers, "If-Match": f'"{version}"'}
    )


async def patch(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    """PATCH a unit, officer or reporter with the If-Match of the version GET answers now."""
    r = await client.get(path, headers=headers)
    version = r.json().get("version", 1) if r.status_code == 200 else 1
    return await client.patch(path, json=body, headers={**headers, "If-Match": f'"{version}"'})


def wait_ready(proc: Any, base: str, log: Any) -> None:
    """Wait until a started `aduan serve` (``proc``, logging to the file ``log``) answers /readyz."""
    import time

    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, "aduan serve exited:\n" + log.read_text(errors="replace")[-5000:]
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "service did not become ready:\n" + log.read_text()[-5000:]
        time.sleep(0.3)
