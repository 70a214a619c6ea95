"""/mood reads at a glance: one column per check-in, the averages, the trend and the streak."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.checkin import load_checkin_texts
from bot.config import Settings
from bot.mood_chart import CHART_CHECKINS, CRAVING_BARS, MOOD_BARS, ChartTexts, current_streak, render
from tests.conftest import CheckinPoint as Point

TONIGHT = date(2026, 11, 21)


@pytest.fixture(scope="module")
def texts() -> ChartTexts:
    return load_checkin_texts(Settings().content.responses_dir).chart


def nightly(moods: list[int], cravings: list[int]) -> list[Point]:
    start = TONIGHT - timedelta(days=len(moods) - 1)
    return [Point(start + timedelta(days=i), m, c) for i, (m, c) in enumerate(zip(moods, cravings, strict=True))]


def test_no_check_ins_yet_says_how_to_start(texts: ChartTexts):
    chart = render(texts, [], streak=0)
    assert chart.as_text() == texts.empty and chart.chart == ""


def test_the_last_14_check_ins_are_drawn_one_column_each_oldest_first(texts: ChartTexts):
    moods = [1, 2, 3, 4, 5] * 4
    cravings = [3, 2, 1, 0] * 5
    chart = render(texts, nightly(moods, cravings), streak=20)
    mood_row, craving_row = chart.chart.splitlines()
    assert mood_row == texts.mood_row + "".join(MOOD_BARS[m - 1] for m in moods[-CHART_CHECKINS:])
    assert craving_row == texts.craving_row + "".join(CRAVING_BARS[c] for c in cravings[-CHART_CHECKINS:])
    assert str(CHART_CHECKINS) in chart.header


def test_the_chart_is_small_enough_to_read_at_a_glance(texts: ChartTexts):
    chart = render(texts, nightly([3] * 30, [1] * 30), streak=30)
    assert all(len(line) <= 24 for line in chart.chart.splitlines())
    assert len(chart.as_text()) < 600


def test_averages_are_of_the_check_ins_shown(texts: ChartTexts):
    moods, cravings = [2, 3, 4, 5, 4], [3, 2, 1, 0, 0]
    chart = render(texts, nightly(moods, cravings), streak=5)
    mood = f"{sum(moods) / len(moods):.1f}"
    craving = f"{sum(cravings) / len(cravings):.1f}"
    assert texts.averages.format(mood=mood, craving=craving) in chart.summary


def test_a_rising_mood_is_noticed_and_so_is_a_falling_one(texts: ChartTexts):
    up = render(texts, nightly([1, 2, 2, 4, 4, 5], [0] * 6), streak=6)
    down = render(texts, nightly([5, 4, 4, 2, 2, 1], [0] * 6), streak=6)
    flat = render(texts, nightly([3, 3, 3, 3, 3, 3], [0] * 6), streak=6)
    assert texts.trend_up.split("(")[0] in up.summary
    assert texts.trend_down.split("(")[0] in down.summary
    assert texts.trend_up.split("(")[0] not in flat.summary and texts.trend_down.split("(")[0] not in flat.summary


@pytest.mark.parametrize(("streak", "expected"), [(0, "streak_none"), (1, "streak_one"), (9, "streak")])
def test_the_streak_line(texts: ChartTexts, streak: int, expected: str):
    chart = render(texts, nightly([3], [0]), streak=streak)
    assert getattr(texts, expected).format(count=streak) in chart.summary


def nights(*days_ago: int) -> list[date]:
    return [TONIGHT - timedelta(days=d) for d in days_ago]


@pytest.mark.parametrize(
    ("checked_in", "streak"),
    [
        ((), 0),
        ((0,), 1),
        ((0, 1, 2, 3), 4),
        ((1, 2, 3), 3),  # not yet tonight: last night's streak still stands
        ((2, 3, 4), 0),  # a whole night missed
        ((0, 0, 1, 1, 2), 3),  # two check-ins on one night count once
        ((0, 1, 3, 4, 5), 2),
        ((-1, 0, 1), 2),  # a night from a clock in the future does not count
    ],
)
def test_current_streak(checked_in: tuple[int, ...], streak: int):
    assert current_streak(nights(*checked_in), TONIGHT) == streak
