"""Names of kelurahan, kecamatan and kota found in free text.

A complaint without coordinates ("got mampet di Kel. Tjikini, Jakpus") can still be routed when
it names its area. The matcher works on *keys*: each word is folded (``fold_word``) and the
words of a name are joined without spaces, so the text and the area names meet in one spelling.

Spelling-variant rules (applied to the text and to the names alike):

- case, accents and punctuation are ignored (``Kel.Cikini``, ``CIKINI``, ``Cikini,``);
- old (pre-1972) spelling: ``oe`` -> ``u``, ``dj`` -> ``j``, ``sj`` -> ``sy``, and ``tj`` -> ``c``
  at the start of a word or after a consonant (``Tjikini``, ``Pantjoran``, ``Kramat Djati``;
  after a vowel ``tj`` is the seam of a compound, ``Kramatjati``); old ``j`` for modern ``y``
  is handled on the name side by also indexing names with ``y`` spelt ``j`` (``Kebajoran``,
  ``Tjipinang Melaju``);
- doubled letters collapse, also across the joined words (``Cikinii``, ``Pluitt``, ``Makassar``);
- spaces do not matter: ``Tanahabang`` = ``Tanah Abang``, ``Kramatjati`` = ``Kramat Jati``
  (up to ``_MAX_SPAN`` words are tried, longest first, so ``Cempaka Putih Timur`` wins over
  ``Cempaka Putih``);
- common abbreviations are expanded word by word: ``Pd``/``Pdk`` Pondok, ``Kb``/``Kbn``/``Kebun``
  Kebon, ``Tj``/``Tg`` Tanjung, ``Psr``/``Ps`` Pasar, ``Kp``/``Kmp`` Kampung, ``Jkt`` Jakarta,
  ``Utr``/``Slt``/``Sltn``/``Tmr``/``Brt`` for the compass words;
- kota: ``Jakpus``/``Jaksel``/``Jakbar``/``Jaktim``/``Jakut``, ``Jakarta Pusat`` (the
  ``Kota Administrasi`` / ``Kabupaten Administrasi`` part of the official name is optional) and
  ``Kepulauan Seribu``/``Pulau Seribu``/``Kep. Seribu``.

False positives: some kelurahan are called by ordinary words (Tengah, Baru, Gunung, Pulo, Jati,
Kramat, Tangki, Karet, ...). Such a name is found only right after an explicit prefix
(``Kel.``, ``Kelurahan``, ``Kec.``, ``Kecamatan``, ``Lurah``, ``Camat``). The rule: a name needs
a prefix when its key is one of ``COMMON_WORDS`` or shorter than ``_MIN_FREE_KEY`` (4) letters;
every other name matches on whole words only (never inside a longer word). Kota names never
need a prefix (they are long and unmistakable).

Ambiguity: a prefix restricts the level (``Kel.`` -> kelurahan, ``Kec.`` -> kecamatan). A
kelurahan named like the kecamatan that contains it (Menteng in Menteng) is reported as the
kecamatan when unprefixed, which is right either way. Otherwise, when a name fits several areas
(Jatinegara is a kecamatan and also a kelurahan of Cakung), the candidates whose kecamatan or
kota is also named in the text win; if that does not leave exactly one, all candidates are
returned with ``ambiguous=True``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

KOTA = "kota_kabupaten"
KECAMATAN = "kecamatan"
KELURAHAN = "kelurahan"

# Ordinary Indonesian (or Betawi) words that are also kelurahan names, folded.
COMMON_WORDS: frozenset[str] = frozenset(
    {
        "tengah", "baru", "gunung", "pulo", "jati", "kramat", "dukuh", "setu", "gedong", "karet",
        "kapuk", "kenari", "bungur", "rambutan", "kartini", "guntur", "bangka", "gelora", "serdang",
        "selong", "galur", "kamal", "tangki", "joglo", "susukan", "kalibaru", "pekayon", "munjul",
    }
)  # fmt: skip
_MIN_FREE_KEY = 4
_MAX_SPAN = 6

_KEL_PREFIXES = frozenset({"kel", "kelurahan", "lurah", "kelurhn", "klrhn"})
_KEC_PREFIXES = frozenset({"kec", "kecamatan", "camat", "kecamtan", "kcmtn"})

_WORD_ABBREVIATIONS = {
    "pd": "pondok", "pdk": "pondok", "kb": "kebon", "kbn": "kebon", "kebun": "kebon",
    "tj": "tanjung", "tg": "tanjung", "tgg": "tanjung", "psr": "pasar", "ps": "pasar",
    "kp": "kampung", "kmp": "kampung", "kpg": "kampung", "jkt": "jakarta",
    "utr": "utara", "slt": "selatan", "sltn": "selatan", "tmr": "timur", "brt": "barat",
    "kep": "kepulauan", "p": "pulau",
}  # fmt: skip

_KOTA_SHORTHANDS = {
    "pusat": "jakpus",
    "selatan": "jaksel",
    "barat": "jakbar",
    "timur": "jaktim",
    "utara": "jakut",
}
_KOTA_NAME_NOISE = (
    "kota administrasi ",
    "kabupaten administrasi ",
    "kota adm ",
    "kab adm ",
    "kota ",
    "kabupaten ",
)

_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_DOUBLES_RE = re.compile(r"(.)\1+")
_OLD_TJ_RE = re.compile(r"(?:^|(?<=[^aeiou]))tj")


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """One word in matching form: lower case, no accents, abbreviations expanded, old spelling undone.

    ``tj`` becomes ``c`` at the start of a word or after a consonant (``Tjikini``, ``Pantjoran``)
    but not after a vowel, where it is the seam of a compound (``Kramatjati`` = Kramat + Jati).
    """
    w = unicodedata.normalize("NFKD", word.lower())
    w = "".join(ch for ch in w if not unicodedata.combining(ch))
    w = _WORD_ABBREVIATIONS.get(w, w)
    w = w.replace("oe", "u").replace("dj", "j").replace("sj", "sy")
    return _OLD_TJ_RE.sub("c", w)


def _key(folded_words: Iterable[str]) -> str:
    # Doubled letters collapse after joining, so "Kebonnanas" and "Kebon Nanas" meet too.
    return _DOUBLES_RE.sub(r"\1", "".join(folded_words))


@lru_cache(maxsize=65536)
def _collapsed(folded_word: str) -> str:
    return _DOUBLES_RE.sub(r"\1", folded_word)


def _span_keys(
    collapsed: list[str], i: int, stop: int, prefixes: frozenset[str] | set[str] | None = None
) -> list[tuple[int, str]]:
    """``_key`` of words i..j for every j < stop, built incrementally: joining pieces that are
    collapsed already only needs the seam checked (a regex per span cost ~0.5 ms a text).
    With ``prefixes`` (every prefix of every known key), stop at the first span no name
    starts with: no longer span can be a name either."""
    out = []
    key = ""
    for j in range(i, stop):
        piece = collapsed[j]
        if key and piece and key[-1] == piece[0]:
            piece = piece[1:]
        key += piece
        if prefixes is not None and key not in prefixes:
            break
        out.append((j, key))
    return out


def name_key(name: str) -> str:
    return _key(fold_word(w) for w in _WORD_RE.findall(name))


class _AreaLike(Protocol):
    """Read-only fields, so frozen dataclasses (``AreaRow``, ``AreaBoundary``) fit."""

    @property
    def level(self) -> str: ...

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def parent_code(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class AreaMatch:
    code: str
    level: str
    name: str
    start: int
    end: int
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class _Entry:
    code: str
    level: str
    name: str
    needs_prefix: bool


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    candidates: list[_Entry]


class Gazetteer:
    def __init__(self, entries: dict[str, list[_Entry]], parents: dict[str, str | None]):
        self._entries = entries
        self._parents = parents
        # Every prefix of every key: most words of a complaint start no area name, and are
        # passed over with one set lookup.
        self._prefixes = frozenset(key[:k] for key in entries for k in range(1, len(key) + 1))

    @classmethod
    def from_areas(cls, rows: Iterable[_AreaLike]) -> Gazetteer:
        """Build from ``AreaRow`` (hierarchy) or ``AreaBoundary`` objects; provinsi rows are skipped."""
        entries: dict[str, list[_Entry]] = {}
        parents: dict[str, str | None] = {}
        seen: set[str] = set()

        def add(key: str, entry: _Entry) -> None:
            if not key:
                return
            bucket = entries.setdefault(key, [])
            if all(e.code != entry.code for e in bucket):
                bucket.append(entry)

        for row in rows:
            if row.level not in (KOTA, KECAMATAN, KELURAHAN) or row.code in seen:
                continue
            seen.add(row.code)
            parents[row.code] = row.parent_code
            names = [row.name]
            if row.level == KOTA:
                names = _kota_aliases(row.name)
            for name in names:
                key = name_key(name)
                needs_prefix = row.level != KOTA and (key in COMMON_WORDS or len(key) < _MIN_FREE_KEY)
                entry = _Entry(row.code, row.level, row.name, needs_prefix)
                add(key, entry)
                if "y" in name.lower():
                    add(name_key(name.lower().replace("y", "j")), entry)
        return cls(entries, parents)

    def ancestors(self, code: str) -> list[str]:
        out: list[str] = []
        parent = self._parents.get(code)
        while parent:
            out.append(parent)
            parent = self._parents.get(parent)
        return out

    def find(self, text: str) -> list[AreaMatch]:
        mentions = self._mentions(text)
        named: set[str] = {c.code for m in mentions if len(m.candidates) == 1 for c in m.candidates}
        # Codes named by ambiguous mentions can still confirm a parent (e.g. "Menteng, Jakpus").
        loosely_named: set[str] = {c.code for m in mentions for c in m.candidates}
        out: list[AreaMatch] = []
        for m in mentions:
            cands = m.candidates
            if len(cands) > 1:
                cands = _prefer_container(cands, self._parents)
            if len(cands) > 1:
                cands = self._prefer_context(cands, named, loosely_named, m)
            ambiguous = len(cands) > 1
            for c in sorted(cands, key=lambda e: e.code):
                out.append(AreaMatch(c.code, c.level, c.name, m.start, m.end, ambiguous))
        return out

    def _prefer_context(
        self, cands: list[_Entry], named: set[str], loosely: set[str], mention: _Mention
    ) -> list[_Entry]:
        others = {c.code for c in mention.candidates}

        def support(e: _Entry) -> tuple[int, int]:
            anc = self.ancestors(e.code)
            return (
                sum(1 for a in anc if a in named and a not in others),
                sum(1 for a in anc if a in loosely and a not in others),
            )

        scores = {e.code: support(e) for e in cands}
        best = max(scores.values())
        if best == (0, 0):
            return cands
        return [e for e in cands if scores[e.code] == best]

    def _mentions(self, text: str) -> list[_Mention]:
        words = [(m.start(), m.end(), fold_word(m.group())) for m in _WORD_RE.finditer(text)]
        collapsed = [_collapsed(w[2]) for w in words]
        mentions: list[_Mention] = []
        i = 0
        n = len(words)
        while i < n:
            prefix_level = None
            if i > 0 and words[i - 1][2] in _KEL_PREFIXES:
                prefix_level = KELURAHAN
            elif i > 0 and words[i - 1][2] in _KEC_PREFIXES:
                prefix_level = KECAMATAN
            found = None
            keys = _span_keys(collapsed, i, min(n, i + _MAX_SPAN), self._prefixes)
            for j, key in reversed(keys):
                cands = self._entries.get(key)
                if not cands:
                    continue
                usable = [
                    c
                    for c in cands
                    if (prefix_level is None or c.level == prefix_level)
                    and not (c.needs_prefix and prefix_level is None)
                ]
                if prefix_level is not None and not usable:
                    # "Kec. Menteng" names the kecamatan; a prefix of the wrong level is a typo,
                    # not a reason to drop a name that needs no prefix.
                    usable = [c for c in cands if not c.needs_prefix]
                if usable:
                    found = _Mention(words[i][0], words[j][1], usable)
                    i = j + 1
                    break
            if found is None:
                i += 1
            else:
                mentions.append(found)
        return mentions


def _prefer_container(cands: list[_Entry], parents: dict[str, str | None]) -> list[_Entry]:
    """Drop a kelurahan whose own kecamatan is the other candidate of the same name."""
    codes = {c.code for c in cands}
    kept = [c for c in cands if not (c.level == KELURAHAN and parents.get(c.code) in codes)]
    return kept or cands


def _kota_aliases(name: str) -> list[str]:
    lowered = name.lower().strip()
    base = lowered
    for noise in _KOTA_NAME_NOISE:
        if base.startswith(noise):
            base = base[len(noise) :]
            break
    aliases = [name, base]
    parts = base.split()
    if len(parts) == 2 and parts[0] == "jakarta" and parts[1] in _KOTA_SHORTHANDS:
        aliases.append(_KOTA_SHORTHANDS[parts[1]])
    if base == "kepulauan seribu":
        aliases += ["pulau seribu", "kep seribu"]
    return aliases
