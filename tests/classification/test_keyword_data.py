"""The keyword table has one line of truth: ``app/classification/data/keywords.json``, read by the
classifier's defaults and by the seed of migration 0003 alike."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest

from app.classification.classifier import compile_keywords
from app.classification.keywords import DATA, DEFAULT_KEYWORDS, load_keywords
from app.cli import migrate
from app.complaints.catalogue import CATEGORY_CODES
from tests.conftest import _asyncpg_dsn, _create_database, _drop_database


def test_defaults_are_the_data_file():
    with DATA.open(encoding="utf-8") as fh:
        raw = json.load(fh)
    assert DEFAULT_KEYWORDS == raw
    assert list(DEFAULT_KEYWORDS) == list(raw)  # category order is the classifier's tie-break
    assert set(DEFAULT_KEYWORDS) == CATEGORY_CODES
    compile_keywords(DEFAULT_KEYWORDS)  # every entry parses and has words


def test_each_load_is_a_fresh_copy():
    first = load_keywords()
    first["noise"].append("ondel ondel:3")
    assert load_keywords() == DEFAULT_KEYWORDS and "ondel ondel:3" not in DEFAULT_KEYWORDS["noise"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"noise": ["bising:3"], "noise": ["berisik:2"]}', "'noise' appears twice"),
        ('["bising:3"]', "expected an object"),
        ('{"noise": "bising:3"}', "'noise' must be a list of strings"),
        ('{"noise": ["bising", 3]}', "'noise' must be a list of strings"),
        ('{"noise": ["bising",]}', "keywords.json"),
    ],
)
def test_malformed_files_are_refused(tmp_path, text, message):
    path = tmp_path / "keywords.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_keywords(path)


async def test_migration_seeds_exactly_the_loaded_table(pg_server):
    # Its own database, migrated only to 0003: the seed as that revision writes it, untouched by
    # later revisions or by other tests' keyword edits on the shared database.
    name = "aduan_keyword_seed"
    url = await _create_database(pg_server, name)
    try:
        await asyncio.to_thread(migrate, url, "0003")
        conn = await asyncpg.connect(_asyncpg_dsn(url))
        try:
            rows = await conn.fetch("SELECT code, keywords FROM categories ORDER BY code")
        finally:
            await conn.close()
    finally:
        await _drop_database(pg_server, name)
    seeded = {r["code"]: json.loads(r["keywords"]) for r in rows}
    assert seeded == load_keywords()
