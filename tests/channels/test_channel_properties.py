"""Generated bodies against the staff and app intake endpoints: never a 5xx."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.complaints.test_properties import _check, generated, json_values

office_like = st.fixed_dictionaries(
    {},
    optional={
        "description": st.one_of(st.text(max_size=40), json_values),
        "title": st.one_of(st.text(max_size=40), json_values),
        "category": st.one_of(st.sampled_from(["roads", "nope"]), json_values),
        "privacy": st.one_of(st.sampled_from(["public", "secret", "x"]), json_values),
        "office_area_code": st.one_of(st.sampled_from(["31.71.06.1003", "31", "x"]), json_values),
        "external_id": st.one_of(st.text(max_size=10), json_values),
        "location": st.one_of(
            st.fixed_dictionaries({"lat": st.floats(-100, 100), "lon": st.floats(-200, 200)}), json_values
        ),
        "reporter": st.one_of(
            st.fixed_dictionaries({}, optional={"phone": st.text(max_size=15)}), json_values
        ),
        "received_at": st.one_of(st.text(max_size=25), json_values),
    },
)
clipping_like = st.fixed_dictionaries(
    {},
    optional={
        "outlet": st.one_of(st.text(max_size=20), json_values),
        "url": st.one_of(st.sampled_from(["https://news.example.id/a", "nope"]), json_values),
        "headline": st.one_of(st.text(max_size=30), json_values),
        "excerpt": st.one_of(st.text(max_size=30), json_values),
        "published_at": st.one_of(st.sampled_from(["2026-03-01T09:00:00+07:00", "kemarin"]), json_values),
    },
)


async def test_generated_office_media_and_jaki_bodies_never_5xx(client, officer, app_key):
    for body in generated(st.one_of(office_like, json_values), 60):
        _check(await client.post("/v1/channels/kecamatan/intake", json=body, headers=officer))
    for body in generated(st.one_of(clipping_like, json_values), 40):
        _check(await client.post("/v1/channels/media/clippings", json=body, headers=officer))
    for body in generated(st.one_of(office_like, json_values), 40):
        _check(await client.post("/v1/channels/jaki/reports", json=body, headers=app_key))
