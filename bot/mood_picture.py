"""The /mood picture: a PNG chart of the last 30 nights, mood as a line, cravings as bars.

`night_series` (one slot per night, None where there was no check-in) and `draw_png` (rows and
tonight's date to PNG bytes) are pure. A night without a check-in stays empty: the mood line breaks
there and the night is shaded, so a gap never reads as a steady mood. Words come from
`chart.picture` in responses/checkin.yaml, the cravings scale from `craving.labels`.

matplotlib is imported inside `build_figure`, and the bot calls it only in a drawing process of
its own (`python -m bot.mood_picture`, see `draw_off_loop`), so the bot itself never loads it:
benchmarks/bench_e2e.py measures the bot's memory with pictures drawn. `mood_picture` gathers what
one user's picture needs from the store and has it drawn within a time limit, awaiting the process
without holding the event loop: a slow chart holds up no other chat and no crisis reply, and a
failed one means the text summary instead. Not for sending (bot/telegram) or for the text chart
(bot/mood_chart.py).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import sys
import tempfile
import weakref
from asyncio.subprocess import PIPE
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # the drawing process loads none of these (pydantic alone is 13 MB there)
    from matplotlib.figure import Figure

    from bot.checkin import CheckinTexts
    from bot.mood_chart import CheckinPoint, PictureTexts
    from bot.store import Store

log = logging.getLogger(__name__)

P = TypeVar("P", bound="CheckinPoint")

PICTURE_DAYS = 30
# Check-ins read for the picture: one a night is usual; a night with several keeps its last one.
ROWS_READ = PICTURE_DAYS * 4
# 800 x 500 px: wide enough for 30 nights, and large type stays readable on a phone.
WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 5.0, 100
TITLE_SIZE, LABEL_SIZE, TICK_SIZE = 20, 16, 15
DATE_TICK_EVERY = 7  # nights between dated ticks, counted back from tonight
# Okabe & Ito's palette, told apart with the common colour-vision deficiencies
# (https://jfly.uni-koeln.de/color/); the text is near-black on white.
MOOD_COLOUR, CRAVING_COLOUR, GAP_COLOUR, TEXT_COLOUR = "#0072B2", "#E69F00", "#EBEBEB", "#222222"
# Telegram's limit for a photo caption, after entity parsing (https://core.telegram.org/bots/api#sendphoto).
CAPTION_MAX_CHARS = 1024
# A picture not drawn by then is given up on, and the text summary sent instead. Each is drawn by
# a new process that imports matplotlib (one to two seconds; more if it builds its font cache).
DRAW_TIMEOUT_SECONDS = 20.0
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class NightSeries:
    """The nights a picture shows, oldest first, with None on nights without a check-in."""

    nights: tuple[date, ...]
    moods: tuple[int | None, ...]
    cravings: tuple[int | None, ...]

    @property
    def checked_in(self) -> int:
        return sum(mood is not None for mood in self.moods)


@dataclass(frozen=True, slots=True)
class MoodPicture:
    png: bytes
    caption: str
    filename: str


def last_per_night(checkins: Sequence[P], tonight: date, days: int = PICTURE_DAYS) -> list[P]:
    """The check-ins of the `days` nights ending tonight, the last one of each night, oldest first.

    A night checked in twice shows what the person said last. Nights after tonight (a clock
    moved back, a time zone changed) are left out rather than drawn off the chart.
    """
    first = tonight - timedelta(days=days - 1)
    by_night = {c.night: c for c in checkins if first <= c.night <= tonight}  # later rows win
    return [by_night[night] for night in sorted(by_night)]


def night_series(checkins: Sequence[CheckinPoint], tonight: date, days: int = PICTURE_DAYS) -> NightSeries:
    """One slot per night for the `days` nights ending tonight; None where nobody checked in."""
    by_night = {c.night: c for c in last_per_night(checkins, tonight, days)}
    nights = tuple(tonight - timedelta(days=days - 1 - i) for i in range(days))
    shown = [by_night.get(night) for night in nights]
    return NightSeries(
        nights,
        tuple(None if c is None else _clamp(c.mood, 1, 5) for c in shown),
        tuple(None if c is None else _clamp(c.craving, 0, 3) for c in shown),
    )


def draw_png(texts: PictureTexts, checkins: Sequence[CheckinPoint], tonight: date,
             craving_labels: Mapping[int, str]) -> bytes:
    """The picture of the last 30 nights as PNG bytes (800 x 500 px). Imports matplotlib."""
    figure = build_figure(texts, night_series(checkins, tonight), craving_labels)
    out = io.BytesIO()
    # No "Software" stamp: the file says nothing beyond the chart.
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def build_figure(texts: PictureTexts, series: NightSeries, craving_labels: Mapping[int, str]) -> Figure:
    """The chart as a matplotlib Figure (no pyplot: nothing global, safe off the main thread)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    mood_axes = figure.add_subplot()
    craving_axes = mood_axes.twinx()
    # Bars behind the line: the mood axes on top, with a see-through background.
    mood_axes.set_zorder(craving_axes.get_zorder() + 1)
    mood_axes.patch.set_visible(False)
    days = range(len(series.nights))
    for day in days:
        if series.moods[day] is None:
            craving_axes.axvspan(day - 0.5, day + 0.5, color=GAP_COLOUR, linewidth=0, zorder=0)
    checked = [day for day in days if series.cravings[day] is not None]
    craving_axes.bar(checked, [series.cravings[day] for day in checked], width=0.6, color=CRAVING_COLOUR, zorder=1)
    moods = [float("nan") if mood is None else mood for mood in series.moods]  # NaN: the line breaks
    mood_axes.plot(list(days), moods, color=MOOD_COLOUR, linewidth=3, marker="o", markersize=9,
                   markeredgecolor="white", markeredgewidth=1.5)
    _dress(texts, series, craving_labels, figure, mood_axes, craving_axes)
    figure.legend(
        handles=[
            mood_axes.lines[0],
            Patch(color=CRAVING_COLOUR, label=texts.craving_legend),
            Patch(color=GAP_COLOUR, label=texts.gap_legend),
        ],
        labels=[texts.mood_legend, texts.craving_legend, texts.gap_legend],
        loc="outside lower center", ncols=3, fontsize=TICK_SIZE, frameon=False, labelcolor=TEXT_COLOUR,
    )
    return figure


def _dress(texts: PictureTexts, series: NightSeries, craving_labels: Mapping[int, str], figure: Any,
           mood_axes: Any, craving_axes: Any) -> None:
    """Title, axes, scales and dates."""
    last = len(series.nights) - 1
    figure.suptitle(
        texts.title.format(days=len(series.nights), first=_short_date(series.nights[0]),
                           last=_short_date(series.nights[-1])),
        fontsize=TITLE_SIZE, color=TEXT_COLOUR,
    )
    mood_axes.set_xlim(-0.6, last + 0.6)
    mood_axes.set_ylim(0.5, 5.5)
    mood_axes.set_yticks(range(1, 6))
    mood_axes.set_ylabel(texts.mood_axis, fontsize=LABEL_SIZE, color=MOOD_COLOUR)
    craving_axes.set_ylim(0, 3.6)  # the tallest bar stays below the top of the mood scale
    craving_axes.set_yticks(range(4), [craving_labels.get(n, str(n)) for n in range(4)])
    craving_axes.set_ylabel(texts.craving_axis, fontsize=LABEL_SIZE, color=TEXT_COLOUR)
    dated = list(range(last, -1, -DATE_TICK_EVERY))[::-1]
    mood_axes.set_xticks(dated, [_short_date(series.nights[day]) for day in dated])
    for axes in (mood_axes, craving_axes):
        axes.tick_params(labelsize=TICK_SIZE, colors=TEXT_COLOUR)
        axes.spines["top"].set_visible(False)
    mood_axes.grid(axis="y", color="#BBBBBB", linewidth=0.6)


# ----- one user's picture, drawn off the event loop ---------------------------------------------


async def mood_picture(store: Store, user_key: str, texts: CheckinTexts, default_region: str,
                       now: datetime | None = None) -> MoodPicture | None:
    """The user's /mood picture with its caption, or None when the text summary should go instead:
    no check-in in the last 30 nights, no `chart.picture` words, a caption too long for Telegram,
    or a chart that failed or took too long (logged). Raises StoreError, as `mood_summary` does."""
    from bot.mood_chart import current_streak, render
    from bot.timezones import effective_time_zone, night_of

    words = texts.chart.picture
    if words is None:
        return None
    rows = await store.recent_checkins(user_key, limit=ROWS_READ)
    nights = await store.checkin_nights(user_key)
    settings = await store.user_settings(user_key)
    zone = effective_time_zone(settings.time_zone, settings.region or default_region)
    tonight = night_of(now or datetime.now(UTC), zone)
    shown = last_per_night(rows, tonight)
    if not shown:
        return None
    caption = render(texts.chart, shown, current_streak(nights, tonight), limit=PICTURE_DAYS)
    caption_text = "\n".join(part for part in (caption.header, caption.summary) if part)
    if len(caption_text.encode("utf-16-le")) // 2 > CAPTION_MAX_CHARS:  # Telegram counts UTF-16 units
        log.warning("/mood picture: the caption is over %d characters (chart words in checkin.yaml); "
                    "sending the text instead", CAPTION_MAX_CHARS)
        return None
    png = await draw_off_loop(words, shown, tonight, texts.craving.labels)
    return None if png is None else MoodPicture(png, caption_text, words.filename)


async def draw_off_loop(texts: PictureTexts, checkins: Sequence[CheckinPoint], tonight: date,
                        craving_labels: Mapping[int, str], *,
                        timeout: float = DRAW_TIMEOUT_SECONDS) -> bytes | None:
    """`draw_png` in a short-lived process of its own; None (logged, without data) if it fails or
    takes longer than `timeout` (then it is killed).

    Why a process, not a thread: matplotlib and its fonts take about 37 MB that a process never
    gives back (measured: 73 -> 110 MB after one chart, 125 MB after six), which would put the bot
    over its 150 MB target; a process also gives the time limit teeth, keeps the bot's secrets out
    of reach (they are not passed on) and lets a crash in a C extension cost a chart, not the bot.
    One drawing process at a time (per event loop), so a burst of /mood never piles up processes.
    """
    request = json.dumps({
        "texts": texts.model_dump(),
        "checkins": [[c.night.isoformat(), c.mood, c.craving] for c in checkins],
        "tonight": tonight.isoformat(),
        "craving_labels": {str(value): label for value, label in craving_labels.items()},
    }).encode()
    try:
        async with asyncio.timeout(timeout):
            async with _one_at_a_time():
                return await _run_child(request)
    except TimeoutError:
        log.warning("/mood picture took over %.0f s; sending the text instead", timeout)
    except (OSError, ValueError) as error:  # no process could be started
        log.error("/mood picture could not start its drawing process (%s); sending the text instead",
                  type(error).__name__)
    return None


async def _run_child(request: bytes) -> bytes | None:
    """-P: the working folder is not put on the import path (bot is found through PYTHONPATH)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-P", "-m", __name__, stdin=PIPE, stdout=PIPE, stderr=PIPE, env=_child_environment())
    try:
        png, error = await child.communicate(request)
    finally:
        if child.returncode is None:  # timed out or cancelled: no orphan keeps drawing
            child.kill()
            await child.wait()
    if child.returncode != 0 or not png.startswith(PNG_SIGNATURE):
        # The child writes only an error's class name (never data) to stderr.
        reason = error.decode("ascii", "replace").strip()[-200:] or f"exit status {child.returncode}"
        log.error("/mood picture failed (%s); sending the text instead", reason)
        return None
    return png


_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _one_at_a_time() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _gates:
        _gates[loop] = asyncio.Semaphore(1)
    return _gates[loop]


def _child_environment() -> dict[str, str]:
    """The bot's environment less its secrets, with this package importable and Agg chosen."""
    from bot.config import ID_KEY_ENV, TOKEN_ENV  # here, so the drawing process never loads the settings

    environment = {name: value for name, value in os.environ.items() if name not in (TOKEN_ENV, ID_KEY_ENV)}
    package_root = str(Path(__file__).resolve().parents[1])
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, environment.get("PYTHONPATH")]))
    environment["MPLBACKEND"] = "Agg"
    environment.setdefault("MPLCONFIGDIR", str(_matplotlib_cache()))
    return environment


def _matplotlib_cache() -> Path:
    """A font cache that outlives one drawing process. Where HOME cannot be written (a service
    account), matplotlib otherwise builds a new cache in a fresh temporary folder for every picture."""
    home = Path.home() / ".cache" / "lantern-matplotlib"
    for folder in (home, Path(tempfile.gettempdir()) / f"lantern-matplotlib-{os.getuid()}"):
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if folder.stat().st_uid == os.getuid() and os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    return Path(tempfile.mkdtemp(prefix="lantern-matplotlib-"))


def _child_main() -> int:
    """`python -m bot.mood_picture`: a drawing request (JSON) on stdin, the PNG on stdout."""
    try:
        request = json.load(sys.stdin)
        checkins = [_Night(date.fromisoformat(night), mood, craving) for night, mood, craving in request["checkins"]]
        words = SimpleNamespace(**request["texts"])  # PictureTexts' fields, already checked by the bot
        png = draw_png(words, checkins, date.fromisoformat(request["tonight"]),  # type: ignore[arg-type]
                       {int(value): label for value, label in request["craving_labels"].items()})
    except Exception as error:  # the class name only: a message could quote data
        print(type(error).__name__, file=sys.stderr)
        return 1
    sys.stdout.buffer.write(png)
    return 0


@dataclass(frozen=True, slots=True)
class _Night:
    night: date
    mood: int
    craving: int


def _short_date(night: date) -> str:
    """bot.mood_chart.short_date ("Nov 3"), written again so the drawing process needs no pydantic
    (tests/test_mood_picture.py checks the two agree)."""
    return f"{night:%b} {night.day}"


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


if __name__ == "__main__":
    sys.exit(_child_main())
