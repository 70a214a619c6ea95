"""The /mood picture: the last 30 nights as a PNG a phone can read, with nights without a
check-in left empty (never drawn as if the mood had held), and the right nights at a day's edge."""

from __future__ import annotations

import io
import math
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

import bot.mood_picture as mood_picture_module
from bot.checkin import CheckinTexts, load_checkin_texts, mood_summary
from bot.config import ID_KEY_ENV, TOKEN_ENV, Settings
from bot.mood_chart import PictureTexts, short_date
from bot.mood_picture import (
    CAPTION_MAX_CHARS,
    PICTURE_DAYS,
    _child_environment,
    _short_date,
    build_figure,
    draw_off_loop,
    draw_png,
    last_per_night,
    mood_picture,
    night_series,
)
from bot.pseudonym import user_key
from bot.store import Store
from tests.conftest import CheckinPoint as Point

TONIGHT = date(2026, 12, 2)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ID_KEY = b"test-id-key-for-pseudonyms-0123456789"


@pytest.fixture(scope="module")
def texts() -> CheckinTexts:
    return load_checkin_texts(Settings().content.responses_dir)


@pytest.fixture(scope="module")
def words(texts: CheckinTexts) -> PictureTexts:
    assert texts.chart.picture is not None, "the shipped checkin.yaml has the picture's words"
    return texts.chart.picture


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "lantern.sqlite3")
    yield opened
    await opened.close()


@dataclass
class Drawn:
    """What `mood_picture` asked to be drawn, in place of a drawing process (tests of the nights)."""

    checkins: list[Point]
    tonight: date | None = None


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Drawn:
    seen = Drawn([])

    async def draw_here(texts: PictureTexts, checkins: list[Point], tonight: date, labels: object) -> bytes:
        seen.checkins, seen.tonight = list(checkins), tonight
        return draw_png(texts, checkins, tonight, labels)  # type: ignore[arg-type]

    monkeypatch.setattr(mood_picture_module, "draw_off_loop", draw_here)
    return seen


def nights_ago(*days: int, mood: int = 3, craving: int = 1) -> list[Point]:
    return sorted((Point(TONIGHT - timedelta(days=d), mood, craving) for d in days), key=lambda p: p.night)


def decoded(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


# ----- the series: one slot a night, None for a night without a check-in -----------------------


def test_thirty_nights_with_gaps_keep_their_gaps():
    missing = {0, 3, 4, 5, 17, 29}
    series = night_series(nights_ago(*(d for d in range(PICTURE_DAYS) if d not in missing)), TONIGHT)
    assert series.nights[0] == TONIGHT - timedelta(days=29) and series.nights[-1] == TONIGHT
    assert len(series.nights) == len(series.moods) == len(series.cravings) == PICTURE_DAYS
    empty = {(TONIGHT - series.nights[i]).days for i, mood in enumerate(series.moods) if mood is None}
    assert empty == missing
    assert all((m is None) == (c is None) for m, c in zip(series.moods, series.cravings, strict=True))
    assert series.checked_in == PICTURE_DAYS - len(missing)


def test_the_line_drawn_breaks_at_every_gap_and_is_never_filled_in(words: PictureTexts, texts: CheckinTexts):
    rows = [Point(TONIGHT - timedelta(days=d), 1 + d % 5, d % 4) for d in range(PICTURE_DAYS) if d not in (2, 3, 10)]
    series = night_series(rows, TONIGHT)
    figure = build_figure(words, series, texts.craving.labels)
    (line,) = [line for axes in figure.axes for line in axes.get_lines()]
    plotted = list(line.get_ydata())
    for night, mood, drawn in zip(series.nights, series.moods, plotted, strict=True):
        if mood is None:
            assert math.isnan(drawn), f"{night} had no check-in but the line has a value there"
        else:
            assert drawn == mood
    (bars,) = [container for axes in figure.axes for container in axes.containers]
    drawn_bars = {round(bar.get_x() + bar.get_width() / 2): bar.get_height() for bar in bars}
    assert drawn_bars == {i: c for i, c in enumerate(series.cravings) if c is not None}


def test_a_night_checked_in_twice_shows_the_last_check_in():
    rows = [Point(TONIGHT, 2, 3), Point(TONIGHT, 4, 0)]  # oldest first, as the store gives them
    assert last_per_night(rows, TONIGHT) == [Point(TONIGHT, 4, 0)]
    series = night_series(rows, TONIGHT)
    assert (series.moods[-1], series.cravings[-1]) == (4, 0)


def test_only_the_thirty_nights_ending_tonight_are_shown():
    rows = [*nights_ago(30, 29, 0), Point(TONIGHT + timedelta(days=1), 5, 0)]  # one too old, one ahead
    shown = last_per_night(rows, TONIGHT)
    assert [p.night for p in shown] == [TONIGHT - timedelta(days=29), TONIGHT]


def test_dates_read_as_in_the_text_chart():
    for night in (date(2026, 1, 1), date(2026, 11, 30), TONIGHT):
        assert _short_date(night) == short_date(night)


# ----- the PNG ----------------------------------------------------------------------------------


def test_thirty_days_with_gaps_make_a_png_a_phone_can_read(words: PictureTexts, texts: CheckinTexts):
    png = draw_png(words, nights_ago(*range(0, PICTURE_DAYS, 2)), TONIGHT, texts.craving.labels)
    image = decoded(png)
    assert image.format == "PNG" and image.size == (800, 500)
    assert 5_000 < len(png) < 1_000_000
    # The PNG header says the same (width, height as big-endian integers after the IHDR tag).
    assert struct.unpack(">II", png[16:24]) == (800, 500)


def test_no_check_ins_still_draws_an_empty_chart(words: PictureTexts, texts: CheckinTexts):
    series = night_series([], TONIGHT)
    assert series.checked_in == 0 and set(series.moods) == {None}
    assert decoded(draw_png(words, [], TONIGHT, texts.craving.labels)).size == (800, 500)


def test_one_check_in_is_a_point_with_no_line_to_nowhere(words: PictureTexts, texts: CheckinTexts):
    rows = nights_ago(0, mood=5, craving=2)
    (line,) = [line for axes in build_figure(words, night_series(rows, TONIGHT), texts.craving.labels).axes
               for line in axes.get_lines()]
    drawn = [y for y in line.get_ydata() if not math.isnan(y)]
    assert drawn == [5] and line.get_marker() == "o"
    assert decoded(draw_png(words, rows, TONIGHT, texts.craving.labels)).size == (800, 500)


def test_the_words_on_the_chart_come_from_checkin_yaml(words: PictureTexts, texts: CheckinTexts):
    figure = build_figure(words, night_series(nights_ago(0, 1), TONIGHT), texts.craving.labels)
    shown = {text.get_text() for text in figure.findobj(lambda artist: hasattr(artist, "get_text"))}
    assert words.mood_axis in shown and words.craving_axis in shown
    assert {words.mood_legend, words.craving_legend, words.gap_legend} <= shown
    assert words.title.format(days=30, first="Nov 3", last="Dec 2") in shown
    assert set(texts.craving.labels.values()) <= shown


async def test_the_drawing_process_returns_the_same_png(words: PictureTexts, texts: CheckinTexts):
    rows = nights_ago(*range(0, PICTURE_DAYS, 3))
    png = await draw_off_loop(words, rows, TONIGHT, texts.craving.labels)
    assert png == draw_png(words, rows, TONIGHT, texts.craving.labels)


async def test_a_chart_that_fails_gives_none_and_logs_no_data(words: PictureTexts, texts: CheckinTexts,
                                                               caplog: pytest.LogCaptureFixture):
    broken = words.model_copy(update={"title": "{no_such_field} private words"})
    assert await draw_off_loop(broken, nights_ago(0), TONIGHT, texts.craving.labels) is None
    assert "KeyError" in caplog.text and "private words" not in caplog.text and "no_such_field" not in caplog.text


async def test_a_chart_that_takes_too_long_is_given_up(words: PictureTexts, texts: CheckinTexts):
    assert await draw_off_loop(words, nights_ago(0), TONIGHT, texts.craving.labels, timeout=0.001) is None


def test_the_drawing_process_gets_no_secrets(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(TOKEN_ENV, "123:secret-token")
    monkeypatch.setenv(ID_KEY_ENV, "secret-id-key")
    environment = _child_environment()
    assert TOKEN_ENV not in environment and ID_KEY_ENV not in environment
    assert not {"123:secret-token", "secret-id-key"} & set(environment.values())


def test_the_drawing_process_keeps_its_font_cache_where_home_cannot_be_written(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    locked = tmp_path / "home"
    locked.write_text("a file where a folder should be: nothing can be made under it, even by root")
    monkeypatch.setenv("HOME", str(locked))
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    monkeypatch.setattr(mood_picture_module.tempfile, "tempdir", str(tmp_path))
    first, second = _child_environment()["MPLCONFIGDIR"], _child_environment()["MPLCONFIGDIR"]
    assert first == second, "every picture would rebuild the font cache"
    assert Path(first).is_dir() and not Path(first).is_relative_to(locked)


def test_an_operators_own_matplotlib_folder_is_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path))
    assert _child_environment()["MPLCONFIGDIR"] == str(tmp_path)


# ----- one user's picture, from the store -------------------------------------------------------


async def test_no_check_ins_means_no_picture(store: Store, texts: CheckinTexts):
    assert await mood_picture(store, user_key(ID_KEY, 1), texts, "US") is None


async def test_check_ins_only_older_than_thirty_nights_mean_no_picture(store: Store, texts: CheckinTexts):
    key = user_key(ID_KEY, 1)
    await store.save_checkin(key, mood=3, craving=1, night=TONIGHT - timedelta(days=40))
    now = datetime(2026, 12, 2, 23, 0, tzinfo=UTC)
    assert await mood_picture(store, key, texts, "UK", now=now) is None


async def test_the_caption_is_the_summary_and_streak_of_the_nights_shown(store: Store, texts: CheckinTexts,
                                                                         drawn: Drawn):
    key = user_key(ID_KEY, 1)
    for days_ago, mood in ((40, 1), (2, 2), (1, 4), (0, 5)):
        await store.save_checkin(key, mood=mood, craving=1, night=TONIGHT - timedelta(days=days_ago))
    picture = await mood_picture(store, key, texts, "UK", now=datetime(2026, 12, 2, 23, 0, tzinfo=UTC))
    assert picture is not None and decoded(picture.png).size == (800, 500)
    assert [(p.night, p.mood) for p in drawn.checkins] == [(TONIGHT - timedelta(days=d), m) for d, m in
                                                             ((2, 2), (1, 4), (0, 5))]
    assert picture.caption.startswith(texts.chart.header.format(count=3, first="Nov 30", last="Dec 2"))
    assert texts.chart.averages.format(mood="3.7", craving="1.0") in picture.caption
    assert texts.chart.streak.format(count=3) in picture.caption
    assert len(picture.caption) <= CAPTION_MAX_CHARS
    assert picture.filename == texts.chart.picture.filename
    text = await mood_summary(store, key, texts, "UK", now=datetime(2026, 12, 2, 23, 0, tzinfo=UTC))
    assert text.chart and text.chart not in picture.caption  # the sparkline stays out of the caption


@pytest.mark.parametrize(
    ("zone", "now", "tonight"),
    [
        # 05:30 in Chicago is still last night (a night runs until 06:00); 06:30 is tonight.
        ("America/Chicago", datetime(2026, 12, 2, 11, 30, tzinfo=UTC), date(2026, 12, 1)),
        ("America/Chicago", datetime(2026, 12, 2, 12, 30, tzinfo=UTC), date(2026, 12, 2)),
        # The same moment is already the evening of the 3rd in Auckland.
        ("Pacific/Auckland", datetime(2026, 12, 3, 6, 30, tzinfo=UTC), date(2026, 12, 3)),
        ("Pacific/Auckland", datetime(2026, 12, 2, 16, 30, tzinfo=UTC), date(2026, 12, 2)),
    ],
)
async def test_the_last_night_shown_is_tonight_in_the_users_time_zone(
    store: Store, texts: CheckinTexts, drawn: Drawn, zone: str, now: datetime, tonight: date
):
    key = user_key(ID_KEY, 7)
    await store.set_time_zone(key, zone)
    await store.save_checkin(key, mood=2, craving=3, night=tonight - timedelta(days=PICTURE_DAYS))  # one too old
    await store.save_checkin(key, mood=4, craving=0, night=tonight)
    picture = await mood_picture(store, key, texts, "US", now=now)
    assert picture is not None and drawn.tonight == tonight
    assert [(p.night, p.mood) for p in drawn.checkins] == [(tonight, 4)]
    assert f"{tonight:%b} {tonight.day}" in picture.caption
    assert texts.chart.streak_one in picture.caption  # checked in tonight, in their zone


async def test_content_without_picture_words_sends_the_text(store: Store, texts: CheckinTexts):
    key = user_key(ID_KEY, 1)
    await store.save_checkin(key, mood=3, craving=1, night=TONIGHT)
    older = texts.model_copy(update={"chart": texts.chart.model_copy(update={"picture": None})})
    assert await mood_picture(store, key, older, "US", now=datetime(2026, 12, 2, 23, 0, tzinfo=UTC)) is None


async def test_a_caption_over_telegrams_limit_sends_the_text(store: Store, texts: CheckinTexts):
    key = user_key(ID_KEY, 1)
    await store.save_checkin(key, mood=3, craving=1, night=TONIGHT)
    wordy = texts.model_copy(update={"chart": texts.chart.model_copy(update={"scale": "x" * CAPTION_MAX_CHARS})})
    assert await mood_picture(store, key, wordy, "US", now=datetime(2026, 12, 2, 23, 0, tzinfo=UTC)) is None
