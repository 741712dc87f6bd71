"""Default keywords per category code (``app.complaints.catalogue``), in Indonesian as Jakarta
citizens write: formal LAPOR! wording, tweets and SMS shorthand.

The table is ``data/keywords.json`` beside this module, shipped with the package: one key per
category code, each a list of entries. It is the only copy: the classifier's defaults
(``DEFAULT_KEYWORDS``) and the seed of ``categories.keywords`` in migration 0003 both read it
through ``load_keywords``. Once seeded, a database's keywords are its own (edited with
``PUT /v1/categories/{code}/keywords``); editing the file changes what a new database gets.

Format: each entry is ``"phrase"`` or ``"phrase:weight"`` (weight a positive number, default 1).
Guide to weights: 3 = the phrase alone settles the category ("got mampet", "parkir liar");
2 = a strong hint ("banjir", "sampah"); 1 = supporting evidence that is too generic alone
("bau", "macet" in a text about something else).

Phrases are normalised exactly like complaint text (``app.classification.classifier.normalise``):
lower case, punctuation dropped, SMS shorthand expanded ("jln" -> "jalan", "gk" -> "tidak") and
each word reduced to a rough Indonesian stem ("berlubang" -> "lubang", "tergenang" and
"genangan" -> "genang", "menumpuk" -> "tumpuk"), so one form of a word covers its affixed forms.
Slang that the stemmer cannot relate ("numpuk", "mampet") is listed as written.

Words that appear in almost every complaint as part of an address ("jalan", "jl", "gang", "RT")
are deliberately not keywords on their own.

The order of the categories in the file matters: it is the classifier's tie-break order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "keywords.json"


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.load keeps the last of two equal keys without a word; a category listed twice in the
    # file would silently lose its first list, so that is an error instead.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"category {key!r} appears twice")
        out[key] = value
    return out


def load_keywords(path: Path = DATA) -> dict[str, list[str]]:
    """The keyword table as the file has it: category code -> entries, both in file order.

    A new dict on every call, so a caller (a migration, a test) may change it freely. Only the
    shape is checked here; whether each entry compiles is ``classifier.compile_keywords``'s job.
    """
    with path.open(encoding="utf-8") as fh:
        try:
            data = json.load(fh, object_pairs_hook=_object)
        except ValueError as exc:  # bad JSON or a repeated category: say which file
            raise ValueError(f"{path.name}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: expected an object of category code -> list of entries")
    for code, entries in data.items():
        if not (isinstance(entries, list) and all(isinstance(e, str) for e in entries)):
            raise ValueError(f"{path.name}: keywords of {code!r} must be a list of strings")
    return data


DEFAULT_KEYWORDS: dict[str, list[str]] = load_keywords()
