"""Keyword classifier: complaint text -> category code, transparently.

How a text is scored:

1. ``normalise``: lower case, accents, URLs, @mentions and punctuation removed (``#banjir``
   keeps ``banjir``), SMS shorthand expanded (``_SLANG``), each word reduced to a rough stem
   (``stem``). Keyword phrases go through the same steps, so both sides meet in one form.
2. Phrases are matched over the stemmed words, longest first (then leftmost); every word counts
   toward at most one phrase occurrence, so "lampu lalu lintas" scores for traffic and not also
   "lampu" for street lights. A phrase found several times counts once; the same phrase listed
   under two categories counts for both.
3. A category's score is the sum of the weights of its phrases found. With ``top`` the best
   score and ``total`` the sum over all categories:
   ``confidence = (top / total) * (1 - exp(-top / 2))``, i.e. how dominant the winner is times
   how much evidence there is (one weight-1 word gives 0.39, one weight-3 phrase 0.78, two
   weight-3 phrases 0.95). Below ``threshold`` the category is None.

Ties are broken by the order of the keyword dict (the catalogue order), so the result is
deterministic. Compiled keyword sets are cached by content, so calling ``classify`` with the
same (even mutated-then-restored) dict does not recompile, and a mutated dict is recompiled.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

DEFAULT_THRESHOLD = 0.3
_EVIDENCE_SCALE = 2.0

_URL_RE = re.compile(r"https?://\S+|www\.\S+")
_MENTION_RE = re.compile(r"@\w+")
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_REPEAT_RE = re.compile(r"(.)\1{2,}")

# Shorthand as it appears in SMS and tweets; mapped before stemming.
_SLANG: dict[str, str] = {
    "jl": "jalan", "jln": "jalan", "jlan": "jalan", "bgt": "banget", "bngt": "banget",
    "gk": "tidak", "ga": "tidak", "gak": "tidak", "nggak": "tidak", "ngga": "tidak", "engga": "tidak",
    "enggak": "tidak", "tdk": "tidak", "tak": "tidak", "g": "tidak", "yg": "yang", "dgn": "dengan",
    "dg": "dengan", "sdh": "sudah", "udh": "sudah", "udah": "sudah", "dah": "sudah", "blm": "belum",
    "blom": "belum", "tlg": "tolong", "tolongin": "tolong", "mhn": "mohon", "krn": "karena",
    "karna": "karena", "dr": "dari", "utk": "untuk", "untk": "untuk", "sy": "saya", "sya": "saya",
    "gw": "saya", "gue": "saya", "aku": "saya", "org": "orang", "bnyk": "banyak", "byk": "banyak",
    "skrg": "sekarang", "lg": "lagi", "jg": "juga", "tp": "tapi", "sm": "sama", "bs": "bisa",
    "trs": "terus", "msh": "masih", "kmrn": "kemarin", "hr": "hari", "mlm": "malam", "rmh": "rumah",
    "sklh": "sekolah", "kpd": "kepada", "pd": "pada", "sgt": "sangat", "dpn": "depan",
    "blkg": "belakang", "dkt": "dekat", "pak": "bapak", "bu": "ibu", "lmp": "lampu",
    "smpah": "sampah", "sampa": "sampah", "bnjr": "banjir", "bnjir": "banjir",
    "prkr": "parkir", "parkr": "parkir", "mcet": "macet", "mct": "macet",
    "aprt": "aparat", "brisik": "berisik", "brsk": "berisik",
}  # fmt: skip

_MIN_STEM = 4


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A rough Indonesian stem: particles, then one suffix, then one prefix (with meN-/peN- rules).

    It is not a dictionary stemmer: it only has to map affixed forms of complaint words onto one
    form, identically for text and keywords ("berlubang" and "lubangnya" -> "lubang";
    "tergenang" and "genangan" -> "genang"; "menumpuk" -> "tumpuk"; "kebakaran" -> "bakar").
    Nothing is stripped when fewer than four letters would remain ("jalan" stays "jalan").
    """
    w = word
    for suffix in ("nya", "lah", "kah", "pun"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    had_an = False
    for suffix in ("kan", "an", "i"):
        if w.endswith(suffix) and len(w) - len(suffix) >= _MIN_STEM:
            w = w[: -len(suffix)]
            had_an = suffix == "an"
            break
    return _strip_prefix(w, had_an)


def _strip_prefix(w: str, had_an: bool) -> str:
    def ok(rest: str) -> bool:
        return len(rest) >= _MIN_STEM

    vowels = "aeiou"
    for pre in ("meny", "peny"):
        if w.startswith(pre) and len(w) > 4 and w[4] in vowels and ok("s" + w[4:]):
            return "s" + w[4:]
    for pre in ("meng", "peng"):
        if w.startswith(pre) and len(w) > 4 and (w[4] in vowels or w[4] in "gkh") and ok(w[4:]):
            return w[4:]
    for pre in ("mem", "pem"):
        if w.startswith(pre) and len(w) > 3:
            if w[3] in vowels and ok("p" + w[3:]):
                return "p" + w[3:]
            if w[3] in "bfpv" and ok(w[3:]):
                return w[3:]
    for pre in ("men", "pen"):
        if w.startswith(pre) and len(w) > 3:
            if w[3] in vowels and ok("t" + w[3:]):
                return "t" + w[3:]
            if w[3] in "cdjtsz" and ok(w[3:]):
                return w[3:]
    for pre in ("ber", "ter", "per"):
        if w.startswith(pre) and len(w) > 3 and ok(w[3:]):
            return w[3:]
    for pre in ("me", "pe"):
        if w.startswith(pre) and len(w) > 2 and w[2] in "lrwymn" and ok(w[2:]):
            return w[2:]
    if w.startswith("di") and ok(w[2:]):
        return w[2:]
    # ke- is only a prefix in the ke-...-an confix (kebakaran, kemacetan); "kena", "kebun" stay.
    if had_an and w.startswith("ke") and ok(w[2:]):
        return w[2:]
    return w


@lru_cache(maxsize=65536)
def _word_forms(raw: str) -> tuple[str, ...]:
    """One word as ``_WORD_RE`` found it -> its stemmed form(s); cached, since complaint
    vocabulary repeats (this is most of what classifying a text costs)."""
    # "bangettt", "sampahhh": three or more repeats are emphasis, not spelling.
    w = _REPEAT_RE.sub(r"\1", raw) if len(raw) > 2 else raw
    # Reduplication written with a digit ("mati2", "kali2"): keep the base word.
    if len(w) > 2 and w[-1] == "2" and w[:-1].isalpha():
        w = w[:-1]
    w = _SLANG.get(w, w)
    return tuple(stem(part) for part in w.split())


def normalise(text: str) -> list[str]:
    """Text -> list of stemmed words (the form keywords are matched in)."""
    t = text.lower()
    if not t.isascii():  # accents off ("cafe" for "café"); plain ASCII has none to remove
        t = unicodedata.normalize("NFKD", t)
        t = "".join(ch for ch in t if not unicodedata.combining(ch))
    if "http" in t or "www." in t:
        t = _URL_RE.sub(" ", t)
    if "@" in t:
        t = _MENTION_RE.sub(" ", t)
    return list(chain.from_iterable(map(_word_forms, _WORD_RE.findall(t))))


# --------------------------------------------------------------------------- compiled keywords


@dataclass(frozen=True, slots=True)
class _Phrase:
    words: tuple[str, ...]
    category: str
    weight: float
    source: str


@dataclass(frozen=True, slots=True)
class KeywordModel:
    """Keywords compiled for matching: a first-word index of phrases, longest first."""

    categories: tuple[str, ...]
    by_first: Mapping[str, tuple[_Phrase, ...]]
    max_len: int
    # The same phrases split for matching: one-word phrases by their word, longer ones by their
    # first two words (longest first), so a common word ("jalan") costs one lookup, not a scan.
    singles: Mapping[str, tuple[_Phrase, ...]] = field(default_factory=dict)
    by_pair: Mapping[tuple[str, str], tuple[_Phrase, ...]] = field(default_factory=dict)
    # category -> its position in ``categories`` (the tie-break order)
    order: Mapping[str, int] = field(default_factory=dict)
    # Every word a phrase starts with: the only positions worth a lookup.
    starts: frozenset[str] = frozenset()
    # Which keyword set this is (``kw-`` and 12 hex digits of its content's SHA-256): recorded with
    # every classification, so that a complaint says which model placed it.
    version: str = ""


def model_version(keywords: Mapping[str, Sequence[str | tuple[str, float]]]) -> str:
    """The version of a keyword set: equal sets (same categories, entries and order) share it."""
    canonical = [[category, [str(e) for e in entries]] for category, entries in keywords.items()]
    digest = hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode()).hexdigest()
    return "kw-" + digest[:12]


def parse_keyword(entry: str | tuple[str, float]) -> tuple[str, float]:
    """``"got mampet:3"`` or ``("got mampet", 3)`` -> ("got mampet", 3.0); bare phrase weighs 1."""
    if isinstance(entry, tuple):
        phrase, weight = entry
        return phrase, float(weight)
    phrase, sep, tail = entry.rpartition(":")
    if sep:
        try:
            return phrase, float(tail)
        except ValueError:
            pass
    return entry, 1.0


def compile_keywords(keywords: Mapping[str, Sequence[str | tuple[str, float]]]) -> KeywordModel:
    # Entries that normalise to the same words in one category ("banjir", "kebanjiran") are one
    # phrase with the highest weight listed, so listing affixed forms never double-counts.
    merged: dict[tuple[tuple[str, ...], str], _Phrase] = {}
    for category, entries in keywords.items():
        for entry in entries:
            phrase, weight = parse_keyword(entry)
            if not (weight > 0 and math.isfinite(weight)):
                raise ValueError(f"keyword {entry!r} of {category!r}: weight must be a positive number")
            words = tuple(normalise(phrase))
            if not words:
                raise ValueError(f"keyword {entry!r} of {category!r} has no words")
            current = merged.get((words, category))
            if current is None or weight > current.weight:
                merged[(words, category)] = _Phrase(words, category, weight, str(entry))
    by_first: dict[str, list[_Phrase]] = {}
    for p in merged.values():
        by_first.setdefault(p.words[0], []).append(p)
    max_len = max((len(p.words) for p in merged.values()), default=1)
    frozen = {first: tuple(sorted(items, key=lambda p: -len(p.words))) for first, items in by_first.items()}
    singles: dict[str, list[_Phrase]] = {}
    by_pair: dict[tuple[str, str], list[_Phrase]] = {}
    for first, items in frozen.items():
        for p in items:
            if len(p.words) == 1:
                singles.setdefault(first, []).append(p)
            else:
                by_pair.setdefault((p.words[0], p.words[1]), []).append(p)
    return KeywordModel(
        tuple(keywords),
        frozen,
        max_len,
        order={c: i for i, c in enumerate(keywords)},
        singles={w: tuple(ps) for w, ps in singles.items()},
        by_pair={w: tuple(ps) for w, ps in by_pair.items()},
        starts=frozenset(frozen),
        version=model_version(keywords),
    )


_CACHE: OrderedDict[int, KeywordModel] = OrderedDict()
_CACHE_SIZE = 16


def _fingerprint(keywords: Mapping[str, Sequence[str | tuple[str, float]]]) -> int:
    return hash(tuple((k, tuple(v)) for k, v in keywords.items()))


def _model_for(keywords: Mapping[str, Sequence[str | tuple[str, float]]] | KeywordModel) -> KeywordModel:
    if isinstance(keywords, KeywordModel):
        return keywords
    key = _fingerprint(keywords)
    model = _CACHE.get(key)
    if model is None:
        model = compile_keywords(keywords)
        _CACHE[key] = model
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return model


# --------------------------------------------------------------------------- classify


@dataclass(frozen=True, slots=True)
class Classification:
    category: str | None
    confidence: float
    scores: dict[str, float]
    # category -> the keyword entries that matched, for explaining a decision to an officer.
    matched: dict[str, list[str]] = field(default_factory=dict)


def classify(
    text: str,
    keywords: Mapping[str, Sequence[str | tuple[str, float]]] | KeywordModel,
    threshold: float = DEFAULT_THRESHOLD,
) -> Classification:
    if not 0 <= threshold <= 1:
        raise ValueError("threshold must be within 0..1")
    model = _model_for(keywords)
    matched: dict[str, list[str]] = {}
    scores = _score(normalise(text), model, matched)
    if not scores:
        return Classification(None, 0.0, {}, {})
    best, confidence = _decide(scores, model)
    order = model.order
    ordered = dict(sorted(scores.items(), key=lambda kv: (-kv[1], order.get(kv[0], len(order)))))
    return Classification(best if confidence >= threshold else None, confidence, ordered, matched)


def categorise(
    text: str, model: KeywordModel, threshold: float = DEFAULT_THRESHOLD
) -> tuple[str | None, float]:
    """``classify``'s category and confidence alone (what intake records), without the
    explanation it builds for people."""
    scores = _score(normalise(text), model, None)
    if not scores:
        return None, 0.0
    best, confidence = _decide(scores, model)
    return (best if confidence >= threshold else None), confidence


def _score(words: list[str], model: KeywordModel, matched: dict[str, list[str]] | None) -> dict[str, float]:
    """Category -> score; ``matched`` (when given) gets the keyword entries that counted."""
    # All phrase occurrences, then the longest first claim their words: "motor parkir di trotoar"
    # is read as "parkir di trotoar" rather than "motor parkir" + "trotoar". Each occurrence is
    # (-length, position, sequence, phrase): a plain sort orders them longest first, then by
    # position, then as found (the sequence is unique, so phrases are never compared).
    found: list[tuple[int, int, int, _Phrase]] = []
    singles, by_pair, starts = model.singles, model.by_pair, model.starts
    last = len(words) - 1
    for i, word in enumerate(words):
        if word not in starts:
            continue
        if i < last:
            pairs = by_pair.get((word, words[i + 1]))
            if pairs:
                for phrase in pairs:
                    k = len(phrase.words)
                    if k == 2 or tuple(words[i : i + k]) == phrase.words:
                        found.append((-k, i, len(found), phrase))
        ones = singles.get(word)
        if ones:
            for phrase in ones:
                found.append((-1, i, len(found), phrase))
    scores: dict[str, float] = {}
    if not found:
        return scores
    found.sort()
    used: set[int] = set()  # word positions claimed
    claimed: set[tuple[int, int]] = set()  # (position, -length) of the spans that claimed words
    seen: set[int] = set()  # id() of phrases counted (hashing the dataclass costs more)
    for neg_k, i, _, phrase in found:
        span = (i, neg_k)
        if span not in claimed:
            if neg_k == -1:
                if i in used:
                    continue
                used.add(i)
            else:
                positions = range(i, i - neg_k)
                if not used.isdisjoint(positions):
                    continue
                used.update(positions)
            claimed.add(span)
        # Words claimed by a span count for every category listing that same phrase there.
        if id(phrase) in seen:
            continue
        seen.add(id(phrase))
        scores[phrase.category] = scores.get(phrase.category, 0.0) + phrase.weight
        if matched is not None:
            matched.setdefault(phrase.category, []).append(phrase.source)
    return scores


def _decide(scores: dict[str, float], model: KeywordModel) -> tuple[str, float]:
    """The best category (ties: catalogue order) and the confidence in it."""
    order = model.order
    last = len(order)
    best, top, rank, total = "", -1.0, last, 0.0
    for category, score in scores.items():
        total += score
        if score >= top:
            r = order.get(category, last)
            if score > top or r < rank:
                best, top, rank = category, score, r
    return best, round((top / total) * (1 - math.exp(-top / _EVIDENCE_SCALE)), 4)
