from app.complaints.tickets import ALPHABET, find_ticket, new_ticket, normalise_ticket


def test_new_tickets_use_the_alphabet_and_hold_a_digit():
    for _ in range(500):
        t = new_ticket()
        assert len(t) == 9 and t[4] == "-"
        assert set(t.replace("-", "")) <= set(ALPHABET)
        assert any(c.isdigit() for c in t)


def test_find_ticket_in_text():
    assert find_ticket("Tiket saya #k7m2-q9xd belum selesai") == "K7M2-Q9XD"
    assert find_ticket("[K7M2-Q9XD] Re: Jalan rusak") == "K7M2-Q9XD"
    assert find_ticket("terima kasih sama-sama, rata-rata begitu") is None
    assert find_ticket("K7M2Q9XD") is None  # bare: too often a word


def test_normalise_for_lookup():
    assert normalise_ticket(" k7m2q9xd ") == "K7M2-Q9XD"
    assert normalise_ticket("K7M2-Q9XO") is None  # O is not in the alphabet
