"""``aduan classifier eval FILE``: the figures it prints are the ones the labels give."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import cli
from app.classification import evaluation
from app.classification.classifier import DEFAULT_THRESHOLD, classify, model_version
from app.classification.keywords import load_keywords

LABELLED = Path(__file__).with_name("labelled_complaints.csv")


def test_evaluate_counts_exactly() -> None:
    answers = {
        "a": ("roads", 0.95),  # right, confident
        "b": ("roads", 0.35),  # wrong (true rubbish), confident
        "c": ("rubbish", 0.2),  # right category but below the threshold: none given
        "d": (None, 0.0),  # no category at all
        "e": ("trees", 0.8),  # a non-complaint given a confident category
        "f": ("trees", 0.1),  # a non-complaint, not confident
    }
    rows = [("a", "roads"), ("b", "rubbish"), ("c", "rubbish"), ("d", "trees"), ("e", None), ("f", None)]
    r = evaluation.evaluate(rows, lambda t: answers[t], threshold=0.3)
    assert (r.complaints, r.correct, r.accuracy) == (4, 1, 0.25)
    assert (r.non_complaints, r.non_complaints_confident, r.non_complaint_confident_rate) == (2, 1, 0.5)
    assert r.categories["roads"] == evaluation.CategoryScore(precision=0.5, recall=1.0, support=1)
    assert r.categories["rubbish"] == evaluation.CategoryScore(precision=None, recall=0.0, support=2)
    assert r.categories["trees"] == evaluation.CategoryScore(precision=0.0, recall=0.0, support=1)
    assert r.confusions == [("rubbish", "-", 1), ("rubbish", "roads", 1), ("trees", "-", 1)]
    # calibration reads the best category before the threshold: c (0.2, right) and f (0.1, wrong)
    bins = {(b.low, round(b.high, 1)): (b.count, b.accuracy) for b in r.calibration}
    assert bins == {(0.0, 0.3): (2, 0.5), (0.3, 0.5): (1, 0.0), (0.8, 0.9): (1, 0.0), (0.9, 1.0): (1, 1.0)}


def test_the_command_prints_what_the_classifier_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keywords = load_keywords()
    rows = evaluation.read_labelled(LABELLED)
    correct = sum(
        1
        for text, label in rows
        if label is not None and classify(text, keywords, DEFAULT_THRESHOLD).category == label
    )
    complaints = sum(1 for _, label in rows if label is not None)
    assert cli.main(["classifier", "eval", str(LABELLED)]) == 0
    out = capsys.readouterr().out
    assert (
        f"category accuracy on complaints: {100 * correct / complaints:.1f} % ({correct}/{complaints})" in out
    )
    assert "calibration" in out and "roads " in out
    assert f"model {model_version(keywords)} (the shipped keywords)" in out
    # a stricter threshold gives fewer categories; a thank-you that names a road counts against it
    extra = tmp_path / "more.csv"
    extra.write_text(
        "text,category\n"
        '"Terima kasih Dinas Bina Marga, jalan berlubang di depan rumah sudah ditambal",none\n'
        '"Jalan berlubang besar di Jl. Cikini Raya",roads\n',
        encoding="utf-8",
    )
    assert cli.main(["classifier", "eval", str(extra), "--threshold", "0.3"]) == 0
    out = capsys.readouterr().out
    assert "non-complaints given a confident category: 100.0 % (1/1)" in out
    assert "category accuracy on complaints: 100.0 % (1/1)" in out


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("words,label\nx,roads\n", "columns text and category"),
        ("text,category\n", "no rows"),
        ('text,category\n"",roads\n', "line 2"),
    ],
)
def test_a_bad_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, words: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    assert cli.main(["classifier", "eval", str(bad)]) == 2
    assert words in capsys.readouterr().err
    assert cli.main(["classifier", "eval", str(tmp_path / "missing.csv")]) == 2
    assert cli.main(["classifier", "eval", str(LABELLED), "--threshold", "2"]) == 2
