"""Time zones and reminder times as people type them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.timezones import (
    REGION_DEFAULT_TIME_ZONES,
    default_time_zone,
    effective_time_zone,
    night_of,
    parse_reminder_time,
    resolve_time_zone,
)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/London", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("London", "Europe/London"),
        ("new york", "America/New_York"),
        ("  Los_Angeles ", "America/Los_Angeles"),
        ("sydney", "Australia/Sydney"),
        ("Auckland", "Pacific/Auckland"),
    ],
)
def test_zone_names_and_cities_are_recognised(typed: str, zone: str):
    assert resolve_time_zone(typed) == zone


@pytest.mark.parametrize("typed", ["", "Atlantis", "Europe/Nowhere", "../../etc/passwd", "x" * 500, "🙂"])
def test_unknown_zones_are_none(typed: str):
    assert resolve_time_zone(typed) is None


def test_each_region_has_a_real_default_zone():
    for region, zone in REGION_DEFAULT_TIME_ZONES.items():
        assert ZoneInfo(zone) and default_time_zone(region) == zone
    assert default_time_zone(None) == default_time_zone("ZZ") == REGION_DEFAULT_TIME_ZONES["US"]
    assert effective_time_zone("Not/AZone", "UK") == ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("22:30", time(22, 30)), ("9:05", time(9, 5)), ("21h30", time(21, 30)), ("9pm", time(21)),
     ("9:30 PM", time(21, 30)), ("12am", time(0)), ("12pm", time(12)), ("0:00", time(0))],
)
def test_reminder_times(typed: str, expected: time):
    assert parse_reminder_time(typed) == expected


@pytest.mark.parametrize("typed", ["24:00", "22:60", "22", "13pm", "0am", "abc", "", "22:30:15", "-1:00"])
def test_impossible_reminder_times_are_none(typed: str):
    assert parse_reminder_time(typed) is None


def test_the_small_hours_belong_to_the_night_before():
    london = ZoneInfo("Europe/London")
    assert night_of(datetime(2026, 11, 21, 23, 50, tzinfo=london), london) == date(2026, 11, 21)
    assert night_of(datetime(2026, 11, 22, 1, 30, tzinfo=london), london) == date(2026, 11, 21)
    assert night_of(datetime(2026, 11, 22, 9, 0, tzinfo=london), london) == date(2026, 11, 22)
    # the same instant is a different night in Sydney
    instant = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert night_of(instant, london) == date(2026, 11, 21)
    assert night_of(instant, ZoneInfo("Australia/Sydney")) == date(2026, 11, 21)
