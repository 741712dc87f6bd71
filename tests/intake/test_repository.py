"""The intake's insert, assembled from named parts: every shape binds exactly the names it
documents, by name; no part depends on another's parameter numbers."""

from __future__ import annotations

import re

import pytest

from app.assignment import repository as assignment
from app.intake import repository as r

SHAPES = [(routed, reporter) for routed in (None, "routed", "pick") for reporter in (False, True)]


@pytest.mark.parametrize(("routed", "reporter"), SHAPES)
def test_each_shape_binds_the_names_it_documents(routed, reporter):  # type: ignore[no-untyped-def]
    statement = r.insert_statement(routed=routed, reporter=reporter)
    expected = {
        *r.ROW_PARAMETERS,
        *(r.ROUTED_PARAMETERS if routed else ()),
        *(assignment.PICK_PARAMETERS if routed == "pick" else ()),
        *(r.REPORTER_PARAMETERS if reporter else ()),
    }
    assert set(statement.names) == expected
    # $1..$n, each used, none left named
    numbers = {int(n) for n in re.findall(r"\$(\d+)", statement.text)}
    assert numbers == set(range(1, len(statement.names) + 1))
    assert not re.search(r"(?<![:\w]):[a-z_]", statement.text)
    assert ("aduan_pick_officer" in statement.text) == (routed == "pick")
    # compiled once per shape
    assert r.insert_statement(routed=routed, reporter=reporter) is statement


def test_values_are_bound_by_name_and_a_missing_one_fails_at_once():
    statement = r.insert_statement(routed="pick", reporter=False)
    values = {name: f"<{name}>" for name in statement.names}
    args = statement.args(values)
    for name in ("unit_code", "category", "area_codes", "lock_key"):
        # the pick's $n is the one its name was given: the value lands where the name stands
        n = statement.names.index(name) + 1
        assert args[n - 1] == f"<{name}>"
        assert f"${n}" in statement.text
    with pytest.raises(KeyError, match="lock_key"):
        statement.args({k: v for k, v in values.items() if k != "lock_key"})
    with pytest.raises(KeyError, match="stray"):
        statement.args(values, stray=1)


def test_the_delivery_cte_comes_with_names_of_its_own():
    statement = r.insert_statement(routed="routed", reporter=True, also=r.RECORD_CREATED_CTE)
    own = set(r.insert_statement(routed="routed", reporter=True).names)
    assert set(statement.names) - own == {
        "delivery_id",
        "delivery_status",
        "earlier_outcomes",
        "delivery_error",
    }


def test_an_extra_cte_may_not_reuse_a_name_of_the_insert():
    with pytest.raises(ValueError, match="unit_code"):
        r.insert_statement(routed=None, reporter=False, also="x AS (SELECT :unit_code::text FROM c)")


def test_the_hand_over_statement_is_named_too():
    assert set(assignment.ROUTE.names) == {
        "complaint_id",
        "unit_code",
        "lock_key",
        "routed_data",
        "note",
        "actor",
        "bump_version",
    }
