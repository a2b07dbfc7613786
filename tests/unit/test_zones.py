"""Time zones from what people type: the suggestion table, every IANA name, and what `timezone set` takes."""

from __future__ import annotations

from zoneinfo import available_timezones

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import CommandError
from bot.localtime import parse_zone
from bot.zones import ALIASES, COMMON, NOT_PLACES, find_zone, suggest_zones, zone_key

# typed → first suggestion, and whether `timezone set` takes it as it is (else it answers "Did you mean ...?")
TABLE = [
    ("Berlin", "Europe/Berlin", True),
    ("berlin", "Europe/Berlin", True),
    ("berln", "Europe/Berlin", False),
    ("berl", "Europe/Berlin", False),
    ("Europe/Berln", "Europe/Berlin", False),
    ("America/Berlin", "Europe/Berlin", False),
    ("new york", "America/New_York", True),
    ("New_York", "America/New_York", True),
    ("america/new york", "America/New_York", True),
    ("new yrok", "America/New_York", False),
    ("york", "America/New_York", False),
    ("NYC", "America/New_York", True),
    ("New York City", "America/New_York", True),
    ("sao paulo", "America/Sao_Paulo", True),
    ("São Paulo", "America/Sao_Paulo", True),
    ("sao paolo", "America/Sao_Paulo", False),
    ("Kolkata", "Asia/Kolkata", True),
    ("kolkatta", "Asia/Kolkata", False),
    ("Bangalore", "Asia/Kolkata", True),
    ("Bengaluru", "Asia/Kolkata", True),
    ("bangalor", "Asia/Kolkata", False),
    ("Mumbai", "Asia/Kolkata", True),
    ("Delhi", "Asia/Kolkata", True),
    ("new delhi", "Asia/Kolkata", True),
    ("Asia/Bangalore", "Asia/Kolkata", False),
    ("SF", "America/Los_Angeles", True),
    ("San Francisco", "America/Los_Angeles", True),
    ("LA", "America/Los_Angeles", True),
    ("los angeles", "America/Los_Angeles", True),
    ("Beijing", "Asia/Shanghai", True),
    ("shanghai", "Asia/Shanghai", True),
    ("tokio", "Asia/Tokyo", False),
    ("londn", "Europe/London", False),
    ("Zürich", "Europe/Zurich", True),
    ("hong kong", "Asia/Hong_Kong", True),
    ("port au prince", "America/Port-au-Prince", True),
    ("St. John's", "America/St_Johns", True),
    ("buenos aires", "America/Argentina/Buenos_Aires", True),
    ("Istanbul", "Europe/Istanbul", True),
    ("ho chi minh", "Asia/Ho_Chi_Minh", True),
    ("Saigon", "Asia/Ho_Chi_Minh", True),
    ("utc", "UTC", True),
    ("Victoria", "Australia/Victoria", False),  # British Columbia too: suggested, not taken
    ("pacific", "Canada/Pacific", False),
]


@pytest.mark.parametrize(("typed", "first", "taken"), TABLE)
def test_what_is_typed_gets_the_right_first_suggestion(typed: str, first: str, taken: bool) -> None:
    assert suggest_zones(typed)[0] == first
    assert find_zone(typed) == (first if taken else None)
    if taken:
        assert parse_zone(typed).key == first
    else:
        with pytest.raises(CommandError) as caught:
            parse_zone(typed)
        assert caught.value.code == "bad_timezone"
        assert caught.value.data["suggestions"][0] == first
        assert f"Did you mean {first}" in caught.value.message


def test_every_iana_name_typed_exactly_is_itself() -> None:
    for name in sorted(available_timezones()):
        assert find_zone(name) == name, name
        assert suggest_zones(name, limit=1) == [name], name
        assert parse_zone(name).key == name, name


@given(st.sampled_from(sorted(available_timezones())), st.data())
def test_an_iana_name_in_any_case_with_spaces_for_underscores_is_itself(name: str, data: st.DataObject) -> None:
    typed = "".join(char.upper() if data.draw(st.booleans()) else char.lower() for char in name)
    assert find_zone(typed.replace("_", " ")) == name


def test_the_alias_table_is_small_and_points_at_real_zones_and_never_hides_one() -> None:
    zones, names = available_timezones(), {zone_key(name) for name in available_timezones()}
    assert len(ALIASES) <= 60
    for alias, zone in ALIASES.items():
        assert zone in zones, alias
        assert zone_key(alias) not in names, alias  # an alias never shadows an IANA name
    assert set(COMMON) <= zones
    assert all(key == zone_key(key) for key in NOT_PLACES)


def test_nothing_typed_offers_the_common_zones_and_nonsense_nothing() -> None:
    assert suggest_zones("", limit=25) == list(COMMON)
    assert find_zone("") is None and find_zone("   ") is None
    assert suggest_zones("qqqqzzzzxxxx") == []
    with pytest.raises(CommandError) as caught:
        parse_zone("")
    assert caught.value.data["suggestions"] == []


@given(st.text(max_size=30))
def test_whatever_is_typed_the_answer_is_the_first_suggestion(typed: str) -> None:
    suggestions = suggest_zones(typed, limit=25)
    assert len(suggestions) == len(set(suggestions)) <= 25
    assert set(suggestions) <= available_timezones()
    found = find_zone(typed)
    assert found is None or (suggestions and suggestions[0] == found)
