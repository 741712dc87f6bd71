"""How good the classifier is on a labelled set: ``aduan classifier eval FILE``.

The file is CSV with a header and the columns ``text`` and ``category``: a category code for a
complaint, and empty, ``none`` or ``-`` for a text that is not a complaint (thanks, news, a
question, a joke). The report gives what the product needs to know:

- on complaints: accuracy (the category given is the right one; no category counts as wrong),
  and per category precision, recall and support;
- the confusions: which true category went to which other (or to none), most frequent first;
- on non-complaints: the share given a *confident* category (confidence at or above the
  threshold) - what would land in an officer's queue;
- calibration: texts grouped by the confidence the classifier gave its best category (before the
  threshold), with how often that category was right in each group (when it says 0.9, is it
  right nine times in ten?). A non-complaint given any category counts as wrong.

Pure: it takes a function from text to ``(category or None, confidence)``.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

NOT_A_COMPLAINT = frozenset({"", "none", "-"})
BINS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0000001)

Predict = Callable[[str], tuple[str | None, float]]


class EvalFileError(ValueError):
    """The labelled file cannot be read: the message says where."""


def read_labelled(path: Path) -> list[tuple[str, str | None]]:
    """``(text, category or None)`` per row of a labelled CSV file."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or not {"text", "category"} <= set(reader.fieldnames):
                raise EvalFileError(f"{path}: needs a header with the columns text and category")
            rows = []
            for n, row in enumerate(reader, start=2):
                text = (row.get("text") or "").strip()
                if not text:
                    raise EvalFileError(f"{path}, line {n}: the text is empty")
                label = (row.get("category") or "").strip()
                rows.append((text, None if label.lower() in NOT_A_COMPLAINT else label))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EvalFileError(f"{path}: {exc}") from exc
    if not rows:
        raise EvalFileError(f"{path}: no rows")
    return rows


@dataclass
class CategoryScore:
    precision: float | None
    recall: float | None
    support: int


@dataclass
class CalibrationBin:
    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float


@dataclass
class Report:
    threshold: float
    complaints: int
    correct: int
    non_complaints: int
    non_complaints_confident: int
    categories: dict[str, CategoryScore] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)  # (true, given or "-", n)
    calibration: list[CalibrationBin] = field(default_factory=list)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.complaints if self.complaints else None

    @property
    def non_complaint_confident_rate(self) -> float | None:
        return self.non_complaints_confident / self.non_complaints if self.non_complaints else None


def evaluate(rows: Iterable[tuple[str, str | None]], predict: Predict, threshold: float) -> Report:
    given_by_label: list[tuple[str | None, str | None, float]] = []  # (true, given, confidence)
    raw: list[tuple[str | None, str | None, float]] = []  # (true, best, confidence) before the threshold
    for text, label in rows:
        category, confidence = predict(text)
        raw.append((label, category, confidence))
        given_by_label.append((label, category if confidence >= threshold else None, confidence))
    complaints = [(t, g) for t, g, _ in given_by_label if t is not None]
    others = [(g, c) for t, g, c in given_by_label if t is None]
    report = Report(
        threshold=threshold,
        complaints=len(complaints),
        correct=sum(1 for t, g in complaints if t == g),
        non_complaints=len(others),
        non_complaints_confident=sum(1 for g, _ in others if g is not None),
    )
    labels = sorted({t for t, _ in complaints} | {g for _, g in complaints if g is not None})
    for code in labels:
        tp = sum(1 for t, g in complaints if t == code and g == code)
        given = sum(1 for _, g, _ in given_by_label if g == code)
        support = sum(1 for t, _ in complaints if t == code)
        report.categories[code] = CategoryScore(
            precision=tp / given if given else None, recall=tp / support if support else None, support=support
        )
    wrong = Counter((t, g or "-") for t, g in complaints if t != g)
    report.confusions = [(t, g, n) for (t, g), n in sorted(wrong.items(), key=lambda kv: (-kv[1], kv[0]))]
    for low, high in zip(BINS, BINS[1:], strict=False):
        members = [(t, g, c) for t, g, c in raw if g is not None and low <= c < high]
        if members:
            report.calibration.append(
                CalibrationBin(
                    low=low,
                    high=min(high, 1.0),
                    count=len(members),
                    mean_confidence=sum(c for _, _, c in members) / len(members),
                    accuracy=sum(1 for t, g, _ in members if t == g) / len(members),
                )
            )
    return report


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def format_report(report: Report, *, source: str, top_confusions: int = 15) -> str:
    lines = [f"{source}: {report.complaints} complaints, {report.non_complaints} non-complaints"]
    lines.append(f"threshold {report.threshold:.2f}")
    lines.append(
        f"category accuracy on complaints: {_pct(report.accuracy)} ({report.correct}/{report.complaints})"
    )
    if report.non_complaints:
        lines.append(
            f"non-complaints given a confident category: {_pct(report.non_complaint_confident_rate)} "
            f"({report.non_complaints_confident}/{report.non_complaints})"
        )
    lines.append("")
    lines.append(f"{'category':<22} {'precision':>9} {'recall':>9} {'support':>8}")
    for code, score in report.categories.items():
        lines.append(f"{code:<22} {_pct(score.precision):>9} {_pct(score.recall):>9} {score.support:>8}")
    lines.append("")
    if report.confusions:
        lines.append("confusions (true -> given, '-' = none given):")
        for true, given, n in report.confusions[:top_confusions]:
            lines.append(f"  {true} -> {given}: {n}")
        if len(report.confusions) > top_confusions:
            lines.append(f"  ... and {len(report.confusions) - top_confusions} more pairs")
    else:
        lines.append("confusions: none")
    lines.append("")
    lines.append("calibration (each text's best category, by its confidence, before the threshold):")
    lines.append(f"  {'confidence':<12} {'texts':>6} {'mean':>7} {'right':>8}")
    for b in report.calibration:
        lines.append(
            f"  {b.low:.1f}-{b.high:.1f}     {b.count:>6} {b.mean_confidence:>7.2f} {_pct(b.accuracy):>8}"
        )
    return "\n".join(lines)
