"""Reading citizens' answers to "selesai, mohon konfirmasi" and their requests to stop."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.outbound.words import CONFIRM_MAX_WORDS, answer_reason, read_answer


@pytest.mark.parametrize(
    "text",
    [
        "YA",
        "ya",
        "Ya.",
        "iya",
        "iyaa",
        "Iyaaa!!",
        "y",
        "yes",
        "Yes!",
        "ok sudah",
        "oke, sudah beres",
        "sudah",
        "udah",
        "sudah selesai",
        "ya sudah beres",
        "sip",
        "mantap terima kasih",
        "Mantap, terima kasih banyak pak 🙏",
        "done",
        "betul",
        "YA K7M2-Q9XD",
        "#k7m2-q9xd ya",
        "No. K7M2-Q9XD sudah beres",
        "Selamat pagi pak, sudah beres. Terima kasih 🙏",
        "Halo min, iyaaa sudah beres makasih banyak",
        "Alhamdulillah sudah diperbaiki",
        "ya sudah diperbaiki petugas tadi pagi",
        "👍 ya 👍",
        "sudah kok",
    ],
)
def test_confirm(text: str) -> None:
    assert read_answer(text) == "confirm"
    assert answer_reason(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "TIDAK",
        "tdk",
        "tidak",
        "Tidak.",
        "belum",
        "blm",
        "gak",
        "ga",
        "nggak",
        "enggak",
        "no",
        "NO K7M2-Q9XD",
        "not yet",
        "Nope",
        "belum selesai",
        "tidak, belum",
        "no, not yet",
        "maaf, belum pak",
        "Belum min 🙏",
    ],
)
def test_reject_without_reason(text: str) -> None:
    assert read_answer(text) == "reject"
    assert answer_reason(text) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("tidak, jalannya masih rusak", "jalannya masih rusak"),
        ("tidak jalannya masih rusak", "jalannya masih rusak"),
        ("TIDAK. Jalannya masih rusak!", "Jalannya masih rusak!"),
        ("belum pak, masih banjir 😡", "masih banjir 😡"),
        ("belum selesai, masih ada lubang di depan gang", "masih ada lubang di depan gang"),
        ("#k7m2-q9xd TIDAK belum diperbaiki", "belum diperbaiki"),
        ("tidak K7M2-Q9XD jalannya masih rusak", "jalannya masih rusak"),
        ("Not yet, the drain is still blocked.", "the drain is still blocked"),
        ("No, nobody came.", "nobody came"),
        ("Selamat sore. Belum, sampahnya belum diangkut sejak Senin", "sampahnya belum diangkut sejak Senin"),
        (
            "Tidak. Petugas memang datang tapi hanya menambal sebagian, lubang di sisi utara masih dalam "
            "dan berbahaya untuk pengendara motor terutama malam hari",
            "Petugas memang datang tapi hanya menambal sebagian, lubang di sisi utara masih dalam "
            "dan berbahaya untuk pengendara motor terutama malam hari",
        ),
    ],
)
def test_reject_with_reason(text: str, reason: str) -> None:
    assert read_answer(text) == "reject"
    assert answer_reason(text) == reason


@pytest.mark.parametrize(
    "text",
    [
        "BERHENTI",
        "berhenti",
        "STOP",
        "stop",
        "Stop.",
        "STOPALL",
        "unsubscribe",
        "jangan kirim lagi",
        "Jangan kirim pesan lagi ya",
        "tolong stop sms ini",
        "berhenti berlangganan",
        "don't send me messages",
        "STOP K7M2-Q9XD",
        "Halo, berhenti saja. Terima kasih",
    ],
)
def test_stop(text: str) -> None:
    assert read_answer(text) == "stop"


@pytest.mark.parametrize("text", ["MULAI", "mulai", "START", "start", "mulai lagi", "unstop"])
def test_start(text: str) -> None:
    assert read_answer(text) == "start"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "K7M2-Q9XD",
        "👍",
        "ok",
        "oke",
        "terima kasih",
        "halo",
        "sudah?",
        "Ya?",
        "sudah selesai belum?",
        "ya tapi masih bocor",
        "sudah, tapi belum rapi",
        "mantap jalannya tambah rusak",
        "tidak ada masalah",
        "nggak apa-apa",
        "no problem",
        "Stop pungli di kelurahan!",
        "mulai kapan diperbaiki?",
        "Saya mau melapor ya, jalan di depan rumah saya tidak bisa dilewati karena banjir sejak kemarin",
        "Mohon dicek lagi ya pak karena kemarin sudah ada yang datang tapi belum dikerjakan",
        "ya sudah diperbaiki tapi sekarang rusak lagi di sebelahnya",
        "Kapan selesai?",
        "sama-sama",
    ],
)
def test_none(text: str) -> None:
    assert read_answer(text) is None
    assert answer_reason(text) is None


def test_a_confirmation_is_short() -> None:
    words = ["ya", "sudah", "diperbaiki", "petugas", "tadi", "pagi", "sekitar", "jam"]
    assert read_answer(" ".join(words[:CONFIRM_MAX_WORDS])) == "confirm"
    assert read_answer(" ".join(words[: CONFIRM_MAX_WORDS + 1])) is None
    # greetings, thanks and the ticket do not count
    assert (
        read_answer("Selamat pagi pak, K7M2-Q9XD ya sudah diperbaiki petugas tadi pagi, terima kasih")
        == "confirm"
    )


# --------------------------------------------------------------------------- properties

fillers = st.lists(
    st.sampled_from(
        ["jalan", "rusak", "di", "depan", "rumah", "saya", "sejak", "kemarin", "mohon", "dicek", "RT", "05"]
    ),
    min_size=CONFIRM_MAX_WORDS + 1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(
    head=fillers, word=st.sampled_from(["ya", "YA", "iya", "tidak", "TIDAK", "sudah", "belum"]), tail=fillers
)
def test_a_long_text_that_merely_contains_an_answer_is_none(
    head: list[str], word: str, tail: list[str]
) -> None:
    assert read_answer(" ".join([*head, word, *tail])) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_never_fails(text: str) -> None:
    answer = read_answer(text)
    assert answer in (None, "confirm", "reject", "stop", "start")
    reason = answer_reason(text)
    assert reason is None or (answer == "reject" and reason == reason.strip() and reason)


@settings(max_examples=200, deadline=None)
@given(
    word=st.sampled_from(["ya", "tidak", "berhenti", "mulai", "sudah beres", "belum"]),
    upper=st.booleans(),
    punctuation=st.sampled_from(["", ".", "!", "!!", " 🙏", " 👍👍", ",", "..."]),
    ticket=st.sampled_from(["", "K7M2-Q9XD ", "#k7m2-q9xd ", "No. K7M2-Q9XD "]),
)
def test_case_punctuation_emoji_and_ticket_do_not_matter(
    word: str, upper: bool, punctuation: str, ticket: str
) -> None:
    text = ticket + (word.upper() if upper else word) + punctuation
    assert read_answer(text) == read_answer(word)
