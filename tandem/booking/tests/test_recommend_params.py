"""Parsing recommendation parameters (pure: no database)."""

import pytest

from tandem.booking.recommend.params import parse_request
from tandem.booking.recommend.scoring import DAY_PARTS, TimeWindow
from tandem.core.errors import InvalidInput


def parse(**kwargs):
    return parse_request(**{"tz": None, "default_tz": "Europe/London", **kwargs})


def refused(**kwargs) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as info:
        parse(**kwargs)
    assert info.value.status == 400
    assert info.value.code == "invalid"
    return info.value.fields


def test_defaults() -> None:
    request = parse()
    assert request.limit == 5
    assert request.prefs.tz == "Europe/London"
    assert request.prefs.preferred_times == ()
    assert request.prefs.preferred_days == frozenset()
    assert request.prefs.urgency == "normal"
    assert parse(tz="  ", urgency="").prefs.tz == "Europe/London"
    assert parse(default_tz="Not/AZone").prefs.tz == "UTC"


def test_strings_as_a_query_string_sends_them() -> None:
    request = parse(
        tz="Asia/Calcutta",  # a legacy name: stored as its current spelling
        preferred_times=" Morning, 18:00-20:00 ,evening,morning,",
        preferred_days="mon, TUESDAY,4,6",
        urgency="HIGH",
        limit="12",
    )
    assert request.prefs.tz == "Asia/Kolkata"
    assert request.prefs.preferred_times == (
        DAY_PARTS["morning"],
        TimeWindow(18 * 60, 20 * 60),
        DAY_PARTS["evening"],
    )
    assert request.prefs.preferred_days == frozenset({0, 1, 4, 6})
    assert request.prefs.urgency == "high"
    assert request.limit == 12


def test_python_values_from_other_services() -> None:
    request = parse(preferred_times=["night", "22:00-00:00"], preferred_days=[0, "fri"], limit=1)
    assert request.prefs.preferred_times == (DAY_PARTS["night"], TimeWindow(22 * 60, 1440))
    assert request.prefs.preferred_days == frozenset({0, 4})
    assert request.limit == 1


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"tz": "Mars/Olympus"}, {"tz": ["unknown_zone"]}),
        ({"tz": "Europe/London\x00"}, {"tz": ["nul_character"]}),
        ({"tz": "x" * 10_000}, {"tz": ["too_long"]}),
        ({"preferred_times": "brunch"}, {"preferred_times": ["invalid"]}),
        ({"preferred_times": "9-12"}, {"preferred_times": ["invalid"]}),
        ({"preferred_times": "09:00-09:00"}, {"preferred_times": ["invalid"]}),
        ({"preferred_times": "24:00-02:00"}, {"preferred_times": ["invalid"]}),
        ({"preferred_times": "10:60-11:00"}, {"preferred_times": ["invalid"]}),
        ({"preferred_times": "10:00-24:30"}, {"preferred_times": ["invalid"]}),
        ({"preferred_times": "١٠:00-11:00"}, {"preferred_times": ["invalid"]}),
        (
            {"preferred_times": ",".join(f"{h:02d}:00-{h:02d}:30" for h in range(9))},
            {"preferred_times": ["too_many"]},
        ),
        ({"preferred_days": "mon,funday"}, {"preferred_days": ["invalid"]}),
        ({"preferred_days": "7"}, {"preferred_days": ["invalid"]}),
        ({"preferred_days": "-1"}, {"preferred_days": ["invalid"]}),
        ({"preferred_days": [9]}, {"preferred_days": ["invalid"]}),
        ({"preferred_days": "mon\x00"}, {"preferred_days": ["nul_character"]}),
        ({"urgency": "asap"}, {"urgency": ["invalid"]}),
        ({"urgency": "x" * 1_000_000}, {"urgency": ["too_long"]}),
        ({"limit": "0"}, {"limit": ["out_of_range"]}),
        ({"limit": "21"}, {"limit": ["out_of_range"]}),
        ({"limit": "-3"}, {"limit": ["out_of_range"]}),
        ({"limit": 99}, {"limit": ["out_of_range"]}),
        ({"limit": "9" * 50}, {"limit": ["invalid"]}),
        ({"limit": "five"}, {"limit": ["invalid"]}),
        ({"limit": "1_0"}, {"limit": ["invalid"]}),
        ({"limit": True}, {"limit": ["invalid"]}),
    ],
)
def test_refusals_name_the_field_and_a_code(kwargs: dict, fields: dict) -> None:
    assert refused(**kwargs) == fields


def test_every_problem_is_reported_at_once() -> None:
    assert refused(tz="Nowhere", preferred_days="someday", urgency="now", limit="0") == {
        "tz": ["unknown_zone"],
        "preferred_days": ["invalid"],
        "urgency": ["invalid"],
        "limit": ["out_of_range"],
    }
