"""The /mood view: the last check-ins as two sparkline rows, the averages, a trend and the streak.

Pure functions from rows to text, sized to read at a glance in one Telegram message (one column
per check-in, at most 14 columns). The chart block is meant for a monospace font: the console
prints it as is (Telegram sends the picture in bot/mood_picture.py, with this summary as its
caption, and this block only when there is no picture). Also the streak count, which the check-in
reply and /mood share. Not for fetching rows (the store) or for the words (responses/checkin.yaml).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict

# One bar height per value: mood 1..5, cravings 0..3 (none is a dot, so "none" never looks like "some").
MOOD_BARS = "▁▃▄▆█"
CRAVING_BARS = "·▃▆█"
CHART_CHECKINS = 14
# Trend needs enough check-ins on both sides to mean something, and a difference worth saying.
TREND_MIN_CHECKINS = 6
TREND_MIN_CHANGE = 0.5


class PictureTexts(BaseModel):
    """The `chart.picture:` section of responses/checkin.yaml: the words on the /mood picture."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    mood_axis: str
    craving_axis: str
    mood_legend: str
    craving_legend: str
    gap_legend: str
    filename: str


class ChartTexts(BaseModel):
    """The `chart:` section of responses/checkin.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    empty: str
    header: str
    mood_row: str
    craving_row: str
    scale: str
    averages: str
    trend_up: str
    trend_down: str
    streak: str
    streak_one: str
    streak_none: str
    unavailable: str
    # Optional, so a content folder from before the picture still loads: /mood then sends text only.
    picture: PictureTexts | None = None


class CheckinPoint(Protocol):
    """What a chart needs from a check-in (the store's CheckinRow has it)."""

    @property
    def night(self) -> date: ...
    @property
    def mood(self) -> int: ...
    @property
    def craving(self) -> int: ...


@dataclass(frozen=True, slots=True)
class MoodChart:
    header: str  # plain sentence above the chart
    chart: str  # monospace block; empty when there is nothing to draw
    summary: str  # plain sentences under it

    def as_text(self) -> str:
        return "\n".join(part for part in (self.header, self.chart, self.summary) if part)


def current_streak(nights_newest_first: Sequence[date], tonight: date) -> int:
    """Nights in a row with a check-in, ending tonight or, if tonight has none yet, last night.

    Not checking in *yet* tonight does not break a streak; missing a whole night does.
    """
    nights = sorted(set(nights_newest_first), reverse=True)
    if not nights or nights[0] > tonight:
        nights = [n for n in nights if n <= tonight]
    if not nights or nights[0] < tonight - timedelta(days=1):
        return 0
    count, expected = 0, nights[0]
    for night in nights:
        if night != expected:
            break
        count += 1
        expected = night - timedelta(days=1)
    return count


def render(texts: ChartTexts, checkins: Sequence[CheckinPoint], streak: int, *,
           limit: int = CHART_CHECKINS) -> MoodChart:
    """The /mood message for the last check-ins (oldest first; only the last `limit` are counted).

    The picture's caption passes its own limit, so its figures are those of the nights it shows.
    """
    shown = list(checkins)[-limit:]
    if not shown:
        return MoodChart(header=texts.empty, chart="", summary="")
    mood_row = texts.mood_row + "".join(MOOD_BARS[_clamp(c.mood, 1, 5) - 1] for c in shown)
    craving_row = texts.craving_row + "".join(CRAVING_BARS[_clamp(c.craving, 0, 3)] for c in shown)
    header = texts.header.format(count=len(shown), first=short_date(shown[0].night), last=short_date(shown[-1].night))
    lines = [
        texts.averages.format(
            mood=_one_decimal(_mean([c.mood for c in shown])),
            craving=_one_decimal(_mean([c.craving for c in shown])),
        )
    ]
    trend = _trend(texts, [c.mood for c in shown])
    if trend:
        lines.append(trend)
    lines.append(_streak_line(texts, streak))
    chart = f"{mood_row}\n{craving_row}"
    return MoodChart(header=header, chart=chart, summary="\n".join([texts.scale, *lines]))


def _trend(texts: ChartTexts, moods: list[int]) -> str | None:
    if len(moods) < TREND_MIN_CHECKINS:
        return None
    half = len(moods) // 2
    before, after = _mean(moods[:half]), _mean(moods[half:])
    if after - before >= TREND_MIN_CHANGE:
        return texts.trend_up.format(before=_one_decimal(before), after=_one_decimal(after))
    if before - after >= TREND_MIN_CHANGE:
        return texts.trend_down.format(before=_one_decimal(before), after=_one_decimal(after))
    return None


def _streak_line(texts: ChartTexts, streak: int) -> str:
    if streak >= 2:
        return texts.streak.format(count=streak)
    return texts.streak_one if streak == 1 else texts.streak_none


def _mean(values: list[int]) -> float:
    return sum(values) / len(values)


def _one_decimal(value: float) -> str:
    return f"{value:.1f}"


def short_date(night: date) -> str:
    """"Nov 3": the chart's header and the picture's dates."""
    return f"{night:%b} {night.day}"


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
