"""GET /v1/complaints?q=: full-text search in PostgreSQL's built-in `indonesian` configuration.

Through the HTTP API against the real database: word forms (Snowball's Indonesian stemmer),
ranking, the other filters, who may find what (app.auth.policy), odd input, keyset paging by rank,
and that the search uses its GIN index (``ix_complaints_search``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from app.complaints import repository
from app.complaints.schemas import ComplaintFilters
from tests.helpers import transition

Headers = dict[str, str]
MakeKey = Callable[..., Awaitable[Headers]]


async def _post(client: httpx.AsyncClient, headers: Headers, **body: Any) -> str:
    r = await client.post("/v1/complaints", json=body, headers=headers)
    assert r.status_code == 201, r.text
    cid: str = r.json()["id"]
    return cid


async def _search(client: httpx.AsyncClient, headers: Headers, **params: Any) -> list[str]:
    r = await client.get("/v1/complaints", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


async def test_what_the_indonesian_stemmer_does(db: asyncpg.Connection) -> None:
    """The facts the searches below rely on (PostgreSQL's `indonesian` Snowball stemmer)."""

    async def lexemes(text: str) -> str:
        value: str = await db.fetchval("SELECT to_tsvector('indonesian', $1)::text", text)
        return value

    # prefixes and suffixes are stripped: all four are one word
    assert await lexemes("diperbaiki perbaikan memperbaiki perbaiki") == "'baik':1,2,3,4"
    # the possessive -nya goes: "jalannya" is "jalan", "lubangnya" (and "berlubang") "lubang"
    assert await lexemes("jalannya berlubang lubangnya") == "'jalan':1 'lubang':2,3"
    # the configuration has no stop-word list: "yang" and "di" are words like any other
    assert await lexemes("yang di") == "'di':2 'yang':1"


async def test_indonesian_word_forms_find_each_other(client: httpx.AsyncClient, app_key: Headers) -> None:
    road = await _post(
        client, app_key, title="Jalannya berlubang", description="Dekat SDN 01, dua motor jatuh."
    )
    lamp = await _post(client, app_key, description="Lampu PJU perlu perbaikan segera.")
    await _post(client, app_key, description="Sampah menumpuk di pinggir kali.", category="rubbish")

    assert await _search(client, app_key, q="jalan berlubang") == [road]
    assert await _search(client, app_key, q="lubang") == [road]
    assert await _search(client, app_key, q="diperbaiki") == [lamp]
    assert await _search(client, app_key, q="memperbaiki lampu") == [lamp]
    # the address is searched too
    addressed = await _post(
        client,
        app_key,
        description="Pohon tumbang.",
        location={"lat": -6.1915, "lon": 106.8412, "address": "Jl. Cikini Raya 45"},
    )
    assert await _search(client, app_key, q="cikini") == [addressed]


async def test_more_mentions_rank_higher_than_newer(client: httpx.AsyncClient, app_key: Headers) -> None:
    twice = await _post(client, app_key, title="Banjir lagi", description="Banjir setinggi lutut di gang.")
    once = await _post(client, app_key, description="Genangan air setelah hujan, hampir banjir.")
    await _post(client, app_key, description="Kabel listrik menjuntai.")
    later_twice = await _post(client, app_key, title="Banjir", description="Banjir di depan pasar.")
    # best rank first (two mentions before one, although `once` is older than `later_twice`);
    # equal ranks: the newer first
    ranked = await _search(client, app_key, q="banjir")
    assert ranked[-1] == once
    assert set(ranked[:2]) == {twice, later_twice}
    # a phrase ranks the rows that hold it, and only those
    assert await _search(client, app_key, q='"banjir setinggi lutut"') == [twice]


async def test_search_combines_with_status_and_category(
    client: httpx.AsyncClient, app_key: Headers, officer: Headers
) -> None:
    roads_open = await _post(
        client, app_key, description="Jalan rusak parah di Cempaka Putih.", category="roads"
    )
    roads_done = await _post(client, app_key, description="Jalan rusak dekat halte.", category="roads")
    rubbish = await _post(client, app_key, description="Sampah di jalan rusak.", category="rubbish")
    await _post(client, app_key, description="Trotoar rusak.", category="roads")  # no "jalan"
    r = await transition(client, roads_done, {"status": "in_progress"}, officer)
    assert r.status_code == 200, r.text

    found = set(await _search(client, officer, q="jalan rusak"))
    assert found == {roads_open, roads_done, rubbish}
    assert set(await _search(client, officer, q="jalan rusak", category="roads")) == {roads_open, roads_done}
    assert await _search(client, officer, q="jalan rusak", category="roads", status="in_progress") == [
        roads_done
    ]
    assert await _search(client, officer, q="jalan rusak", status="received", category="rubbish") == [rubbish]
    assert await _search(client, officer, q="jalan -sampah", category="rubbish") == []


@dataclass
class City:
    keys: dict[str, Headers]
    ids: dict[str, str]


@pytest.fixture
async def city(client: httpx.AsyncClient, admin: Headers, make_key: MakeKey, db: asyncpg.Connection) -> City:
    """Two kelurahan offices, an officer of each, two app keys; the same words everywhere."""
    keys: dict[str, Headers] = {"admin": admin}
    for code in ("kel-a", "kel-b"):
        r = await client.post(
            "/v1/units", json={"code": code, "name": code, "kind": "kelurahan"}, headers=admin
        )
        assert r.status_code == 201, r.text
        r = await client.post(
            "/v1/officers",
            json={"name": f"petugas {code}", "unit": code, "role": "officer", "capacity": 0, "api_key": True},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        keys[f"officer_{code[-1]}"] = {"Authorization": f"Bearer {r.json()['api_key']}"}
    keys["app1"] = await make_key("app", "app-1")
    keys["app2"] = await make_key("app", "app-2")
    ids = {}
    for name, unit, submitter, privacy in (
        ("a1", "kel-a", "app1", "public"),
        ("a2", "kel-a", "app2", "anonymous"),
        ("b1", "kel-b", "app1", "public"),
        ("b2", "kel-b", "app2", "secret"),
    ):
        ids[name] = await _post(
            client, keys[submitter], description=f"Got mampet dan banjir ({name})", privacy=privacy
        )
        await db.execute(
            "UPDATE complaints SET unit_code = $1, assignee_id = NULL WHERE id = $2::uuid", unit, ids[name]
        )
    return City(keys, ids)


@pytest.mark.parametrize(
    ("who", "finds"),
    [
        ("admin", {"a1", "a2", "b1", "b2"}),
        ("app1", {"a1", "b1"}),  # what it submitted, whichever unit handles it
        ("app2", {"a2", "b2"}),
        ("officer_a", {"a1", "a2"}),  # the unit's work only
        ("officer_b", {"b1", "b2"}),
    ],
)
async def test_search_sees_only_what_the_key_may_read(
    client: httpx.AsyncClient, city: City, who: str, finds: set[str]
) -> None:
    found = await _search(client, city.keys[who], q="banjir mampet")
    assert set(found) == {city.ids[n] for n in finds}
    assert len(found) == len(set(found))


async def test_paging_by_rank_is_complete_and_in_order(client: httpx.AsyncClient, app_key: Headers) -> None:
    # ranks 1..4 mentions, several rows per rank (ties broken by created_at, id)
    for i in range(9):
        await _post(client, app_key, description=" ".join(["macet"] * (1 + i % 4)) + f" di simpang {i}")
    await _post(client, app_key, description="Lancar jaya.")
    whole = await _search(client, app_key, q="macet", limit=100)
    assert len(whole) == 9
    paged: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "macet", "limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/v1/complaints", params=params, headers=app_key)
        assert r.status_code == 200, r.text
        paged += [i["id"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert paged == whole
    # a cursor of the list without q is not one of the ranked list, and the other way round
    r = await client.get("/v1/complaints", params={"limit": 2}, headers=app_key)
    plain_cursor = r.json()["next_cursor"]
    r = await client.get("/v1/complaints", params={"q": "macet", "limit": 2}, headers=app_key)
    ranked_cursor = r.json()["next_cursor"]
    assert plain_cursor and ranked_cursor
    for params in ({"q": "macet", "cursor": plain_cursor}, {"cursor": ranked_cursor}):
        r = await client.get("/v1/complaints", params=params, headers=app_key)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "q",
    [
        '"jalan rusak',  # an unclosed quote
        '""',
        "jalan OR",
        "OR OR OR",
        "--",
        "- -",
        "--jalan",
        "jalan & | ! ( ) :* <->",
        "'; DROP TABLE complaints; --",
        "100%_",
        "banjir 🌊🌊",
        "🌊🌊",
        "...",
        "yang dan di",  # stop words elsewhere; ordinary words in `indonesian`
        "\\x",
        "a" * 200,
    ],
)
async def test_odd_input_never_fails(
    client: httpx.AsyncClient, officer: Headers, app_key: Headers, q: str
) -> None:
    await _post(client, app_key, description="Jalan rusak dan banjir di simpang.")
    r = await client.get("/v1/complaints", params={"q": q}, headers=officer)
    assert r.status_code == 200, (q, r.text)
    assert isinstance(r.json()["items"], list)


async def test_a_query_without_words_matches_nothing(
    client: httpx.AsyncClient, officer: Headers, app_key: Headers
) -> None:
    await _post(client, app_key, description="Jalan rusak! ... 🌊🌊")
    for q in ("🌊🌊", "...", "-- !!", '""'):
        assert await _search(client, officer, q=q) == [], q


@pytest.mark.parametrize(
    ("q", "field"),
    [("a" * 201, "q"), ("a" * 300, "q"), ("jalan " * 200, "q"), ("a", "q"), ("jalan\x00rusak", "q")],
)
async def test_too_long_or_nul_is_422(
    client: httpx.AsyncClient, officer: Headers, q: str, field: str
) -> None:
    r = await client.get("/v1/complaints", params={"q": q}, headers=officer)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"].endswith(field) for e in r.json()["errors"]), r.json()


async def test_the_search_uses_the_gin_index(db: asyncpg.Connection) -> None:
    """5000 complaints, ten of which mention a word: the plan of the list's statement reads
    ``ix_complaints_search`` (no planner switch turned off)."""
    await db.execute(
        "INSERT INTO complaints (ticket, channel, title, description, created_at) "
        "SELECT 'S' || lpad(i::text, 8, '0'), 'jaki', 'Keluhan ' || i, "
        "CASE WHEN i % 500 = 0 THEN 'Kebakaran gudang dekat rel' ELSE 'Sampah menumpuk di kali nomor ' || i END, "
        "now() - i * interval '1 minute' FROM generate_series(1, 5000) i"
    )
    # as autovacuum would after such an insert: the rows move from GIN's pending list (fastupdate)
    # into the index proper, and the planner gets statistics
    await db.execute("VACUUM ANALYZE complaints")
    flt = repository.complaint_filter(ComplaintFilters(q="kebakaran", category=None))
    sql, params = repository.list_statement(flt, limit=20, cursor=None)
    plan = "\n".join(r[0] for r in await db.fetch("EXPLAIN " + sql, *params))
    assert "ix_complaints_search" in plan, plan
    rows = await db.fetch(sql, *params)
    assert len(rows) == 10
