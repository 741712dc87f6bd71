"""Generated bodies against the write endpoints: never a 5xx, errors always problem+json."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import transition

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
complaint_like = st.fixed_dictionaries(
    {},
    optional={
        "description": st.one_of(st.text(max_size=60), json_values),
        "title": st.one_of(st.text(max_size=60), json_values),
        "category": st.one_of(st.sampled_from(["roads", "rubbish", "nope", ""]), json_values),
        "privacy": st.one_of(st.sampled_from(["public", "anonymous", "secret"]), st.text(max_size=8)),
        "channel": st.one_of(st.sampled_from(["jaki", "sms", "lapor"]), st.text(max_size=8)),
        "external_id": st.one_of(st.text(max_size=20), json_values),
        "location": st.one_of(
            st.fixed_dictionaries(
                {
                    "lat": st.floats(allow_nan=False, allow_infinity=False),
                    "lon": st.floats(allow_nan=False, allow_infinity=False),
                }
            ),
            json_values,
        ),
        "reporter": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "phone": st.text(max_size=20),
                    "email": st.text(max_size=20),
                    "nik": st.text(max_size=20),
                    "name": json_values,
                },
            ),
            json_values,
        ),
        "received_at": st.one_of(st.datetimes().map(lambda d: d.isoformat()), st.text(max_size=12)),
        "attachments": json_values,
        "metadata": json_values,
    },
)


def generated(strategy, n=60):
    """Draw ``n`` examples with Hypothesis' engine (the requests are sent by the async test itself,
    since a Hypothesis test cannot await inside pytest-asyncio's running loop)."""
    out = []

    @settings(max_examples=n, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(strategy)
    def collect(value):
        out.append(value)

    collect()
    return out


def _check(r):
    # The generated body goes into the message: examples are drawn afresh each run (no
    # Hypothesis database), so a failure must say what was sent to be reproducible.
    sent = f"{r.request.method} {r.request.url.path} {r.request.content[:2000]!r} -> {r.status_code}"
    assert r.status_code < 500, f"{sent} {r.text}"
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json"), f"{sent} {r.text}"


async def test_generated_complaints_never_5xx(client, app_key):
    for body in generated(st.one_of(complaint_like, json_values), 120):
        _check(await client.post("/v1/complaints", json=body, headers=app_key))


async def test_generated_transitions_and_comments_never_5xx(client, app_key, officer):
    cid = (
        await client.post("/v1/complaints", json={"description": "Trotoar rusak"}, headers=app_key)
    ).json()["id"]

    strategy = st.tuples(
        st.one_of(
            st.fixed_dictionaries(
                {"status": st.sampled_from(["in_progress", "resolved", "duplicate", "x"])},
                optional={
                    "note": json_values,
                    "public": json_values,
                    "duplicate_of": st.one_of(st.uuids().map(str), json_values),
                },
            ),
            json_values,
        ),
        st.one_of(st.none(), st.text(max_size=6).filter(lambda s: s.isprintable() and s.isascii())),
    )
    for body, if_match in generated(strategy, 80):
        h = dict(officer)
        if if_match is not None:
            h["If-Match"] = if_match
        _check(await transition(client, cid, body, h))
        _check(await client.post(f"/v1/complaints/{cid}/comments", json=body, headers=officer))
