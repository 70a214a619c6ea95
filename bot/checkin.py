"""The nightly check-in, for any front end: mood, cravings, an optional note, and a reply that fits.

Not for Telegram or the console themselves: they only show a `Prompt`'s text and buttons and pass
back what the user tapped or typed. Words live in `responses/checkin.yaml`.

How a front end drives it (this is all `lantern chat` needs)::

    texts = load_checkin_texts(settings.content.responses_dir)
    flow = CheckinFlow(texts)
    step = flow.start()                                   # Prompt: .text, .choices [(value, label)]
    while isinstance(step, Prompt):
        show(step.text, step.choices)                     # or print(step.as_text()) in a console
        step = flow.choose(value)                         # a button press, or
        step = flow.respond(lantern, user_key, typed, region=region)   # anything typed (a value or
                                                          # a label counts as choosing it)
    if isinstance(step, Interrupted):                     # crisis, or a question: the check-in ended
        show(step.reply)                                  # (count step.reply.crisis if it is set)
    else:                                                 # Done: save it, send the fitting reply
        await finish(step, lantern=lantern, store=store, user_key=user_key, texts=texts,
                     default_region=settings.region, send=async_show)

`finish` is async because the store is; a synchronous console keeps one event loop for its
session (e.g. `asyncio.Runner`) to open the store and run `finish` on. `/mood` is
`bot.mood_chart.render(texts.chart, rows, streak).as_text()`; `/export` is `export_csv`.

Safety rules this module keeps: anything typed is passed to `lantern.reply` first, so a crisis
message always gets the crisis reply, whatever step the check-in is at. A note is kept only if the
user typed one *and* then chose to keep it. A mood of 1 with hopeless words in the note goes to the
crisis reply instead of the coping one. Notes are never sent to the unmatched-questions list.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import LanternError
from bot.mood_chart import CHART_CHECKINS, ChartTexts, MoodChart, current_streak, render
from bot.replies import Reply, Suggestion
from bot.store import NOTE_MAX_CHARS, CheckinRow, Store, StoreError
from bot.timezones import effective_time_zone, night_of
from bot.yaml_lines import line_of, load_yaml, validated

log = logging.getLogger(__name__)

CHECKIN_FILE = "checkin.yaml"
MOODS = range(1, 6)
CRAVINGS = range(4)
LOW_MOOD_AT_MOST = 2
STRONG_CRAVING_AT_LEAST = 2
GOOD_MOOD_AT_LEAST = 4
HOPELESS_MOOD = 1
# Typed at a button step, this many words (or a '?') that the core can answer end the check-in.
QUESTION_MIN_WORDS = 3
# Answer ids in responses/answers.yaml that hold tonight's coping steps.
CRAVINGS_ANSWER = "night_cravings"
LOW_MOOD_ANSWER = "coping_low_mood"

Step = Literal["mood", "craving", "note", "keep"]


# ----- texts (responses/checkin.yaml) ---------------------------------------------------------


class _Texts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaleTexts(_Texts):
    prompt: str
    labels: dict[int, str]
    invalid: str


class NoteTexts(_Texts):
    offer: str
    skip: str
    keep_prompt: str
    keep: str
    discard: str
    keep_invalid: str
    empty: str
    too_long: str
    kept: str
    discarded: str


class ReplyTexts(_Texts):
    coping_craving: str
    coping_low: str
    low_night_button: str
    helplines: dict[str, str]
    steady: tuple[str, ...] = Field(min_length=1)
    good: tuple[str, ...] = Field(min_length=1)
    streak_first: str
    streak_restart: str
    streak: str
    streak_milestones: dict[int, str] = {}
    not_saved: str


class ExportTexts(_Texts):
    caption: str
    empty: str
    filename: str
    unavailable: str


class RemindTexts(_Texts):
    message: str
    button: str
    usage: str
    status_on: str
    set: str
    turned_off: str
    already_off: str
    bad_time: str
    failed: str


class TimeZoneTexts(_Texts):
    status: str
    set: str
    moved_reminder: str
    unknown: str
    failed: str


class CheckinTexts(_Texts):
    """Everything the check-in and its commands say, as loaded from responses/checkin.yaml."""

    mood: ScaleTexts
    craving: ScaleTexts
    note: NoteTexts
    summary: str
    private_only: str
    commands: dict[str, str]
    stopped: str
    expired: str
    hopeless_words: tuple[str, ...]
    reply: ReplyTexts
    chart: ChartTexts
    export: ExportTexts
    remind: RemindTexts
    timezone: TimeZoneTexts


def load_checkin_texts(responses_dir: Path) -> CheckinTexts:
    """Read and check responses/checkin.yaml; any problem is a LanternError naming file:line."""
    path = responses_dir / CHECKIN_FILE
    raw = load_yaml(path)
    texts = validated(CheckinTexts, raw, path)
    problems = _missing_labels(texts)
    if problems:
        raise LanternError(f"{path}:{line_of(raw, ('mood',))}: {problems}")
    return texts


def _missing_labels(texts: CheckinTexts) -> str | None:
    if set(texts.mood.labels) != set(MOODS):
        return "mood.labels must have exactly the keys 1 to 5"
    if set(texts.craving.labels) != set(CRAVINGS):
        return "craving.labels must have exactly the keys 0 to 3"
    if "default" not in texts.reply.helplines:
        return "reply.helplines needs a `default` entry"
    return None


# ----- the flow: immutable state, pure steps --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Prompt:
    """Ask the user something. `retry` is True when their last input was not understood."""

    step: Step
    text: str
    choices: tuple[Choice, ...]
    retry: bool = False

    def as_text(self) -> str:
        """For plain-text front ends (the console): the question, then the choices to type."""
        return f"{self.text}\n  " + "  ".join(f"[{choice.label}]" for choice in self.choices)


@dataclass(frozen=True, slots=True)
class CheckinResult:
    mood: int
    craving: int
    note: str | None = None  # only a note the user chose to keep
    hopeless: bool = False  # goes to the crisis reply


@dataclass(frozen=True, slots=True)
class Done:
    """The check-in is complete: save it with `finish`. `crisis_reply` is set if one was flagged."""

    result: CheckinResult
    crisis_reply: Reply | None = None


@dataclass(frozen=True, slots=True)
class Interrupted:
    """The check-in ended before it was complete, so this reply (crisis or an answer) could be given."""

    reply: Reply


@dataclass(frozen=True, slots=True)
class CheckinState:
    step: Step = "mood"
    mood: int | None = None
    craving: int | None = None
    note: str | None = None  # held in memory only until the user says keep or don't keep


def prompt_for(texts: CheckinTexts, state: CheckinState, *, retry: str | None = None) -> Prompt:
    """The question for the state's step; `retry` replaces it with a hint after bad input."""
    if state.step == "mood":
        text, choices = texts.mood.prompt, _scale_choices(texts.mood)
    elif state.step == "craving":
        text, choices = texts.craving.prompt, _scale_choices(texts.craving)
    elif state.step == "note":
        text, choices = texts.note.offer, (Choice("skip", texts.note.skip),)
    else:
        text = texts.note.keep_prompt
        choices = (Choice("keep", texts.note.keep), Choice("discard", texts.note.discard))
    return Prompt(state.step, retry or text, choices, retry=retry is not None)


def choose(texts: CheckinTexts, state: CheckinState, value: str) -> tuple[CheckinState, Prompt | Done]:
    """A button press (or a typed value): the next state and what to show."""
    value = value.strip().casefold()
    if state.step == "mood":
        mood = _in_range(value, MOODS)
        if mood is None:
            return state, prompt_for(texts, state, retry=texts.mood.invalid)
        following = replace(state, step="craving", mood=mood)
        return following, prompt_for(texts, following)
    if state.step == "craving":
        craving = _in_range(value, CRAVINGS)
        if craving is None:
            return state, prompt_for(texts, state, retry=texts.craving.invalid)
        following = replace(state, step="note", craving=craving)
        return following, prompt_for(texts, following)
    if state.step == "note":
        if value == "skip":
            return state, Done(_result(state, note=None))
        return state, prompt_for(texts, state)
    if value in ("keep", "discard"):
        return state, Done(_result(state, note=state.note if value == "keep" else None))
    return state, prompt_for(texts, state, retry=texts.note.keep_invalid)


def write(
    texts: CheckinTexts,
    state: CheckinState,
    typed: str,
    *,
    detect: Callable[[str], object | None] | None = None,
) -> tuple[CheckinState, Prompt | Done]:
    """Typed text: a note at the note step, else read as the value of the current step.

    `detect` is the crisis detector (`bot.crisis.detect`); with a mood of 1 its hit, or a
    hopeless phrase from checkin.yaml, sends the check-in to the crisis reply.
    """
    if state.step != "note":
        matched = match_choice(prompt_for(texts, state).choices, typed, within=True)
        return choose(texts, state, matched if matched is not None else typed)
    note = clean_note(typed)
    if not note:
        return state, prompt_for(texts, state, retry=texts.note.empty)
    if len(note) > NOTE_MAX_CHARS:
        return state, prompt_for(texts, state, retry=texts.note.too_long.format(length=len(note), limit=NOTE_MAX_CHARS))
    flagged = detect is not None and detect(note) is not None
    if flagged or (state.mood == HOPELESS_MOOD and is_hopeless(texts, note)):
        return state, Done(_result(state, note=None, hopeless=True))
    following = replace(state, step="keep", note=note)
    return following, prompt_for(texts, following)


def match_choice(choices: Sequence[Choice], typed: str, *, within: bool = False) -> str | None:
    """The value of the choice the user typed (its value or its label, any case), if any.

    With `within`, a worded label inside a longer message counts too ("very strong tonight" is
    "Very strong": the longest label found wins, and two unrelated labels match nothing).
    Numbers must be typed exactly ("-1" or "1.5" are not 1). Never `within` for notes.
    """
    raw = " ".join(typed.split()).casefold()
    for choice in choices:
        label = _words(choice.label)
        if raw in (choice.value.casefold(), choice.label.casefold()) or (
            raw and not label.isdigit() and _words(typed) == label
        ):
            return choice.value
    if not within or any(ch.isdigit() for ch in raw):
        return None
    padded = f" {_words(typed)} "
    found = sorted(
        ((label, choice.value) for choice in choices if (label := _words(choice.label)) and not label.isdigit()
         and f" {label} " in padded),
        key=lambda hit: len(hit[0]),
        reverse=True,
    )
    if not found or any(label not in found[0][0] for label, _ in found[1:]):
        return None
    return found[0][1]


def _words(text: str) -> str:
    """Lower-case words only: '5 😊' -> '5', "Don't keep!" -> "don't keep"."""
    return " ".join(re.findall(r"[\w']+", text.casefold().replace("’", "'")))


def is_hopeless(texts: CheckinTexts, note: str) -> bool:
    folded = f" {_words(note)} "
    return any(f" {_words(phrase)} " in folded for phrase in texts.hopeless_words)


def clean_note(typed: str) -> str:
    """The note as it would be kept: NFC, no control characters, trimmed; '' if nothing is left.

    Emoji-only notes are real notes. Text of only invisible characters counts as empty.
    """
    text = unicodedata.normalize("NFC", typed)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    if all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text):
        return ""
    return re.sub(r"\n{3,}", "\n\n", text)


def _scale_choices(scale: ScaleTexts) -> tuple[Choice, ...]:
    return tuple(Choice(str(value), label) for value, label in sorted(scale.labels.items()))


def _in_range(value: str, allowed: range) -> int | None:
    if not (value.isascii() and value.isdigit() and len(value) <= 2):
        return None
    number = int(value)
    return number if number in allowed else None


def _result(state: CheckinState, *, note: str | None, hopeless: bool = False) -> CheckinResult:
    assert state.mood is not None and state.craving is not None
    return CheckinResult(mood=state.mood, craving=state.craving, note=note, hopeless=hopeless)


# ----- one check-in in progress, for front ends ------------------------------------------------


class CrisisFirstCore(Protocol):
    """The part of `bot.core.Lantern` the check-in uses."""

    def reply(self, user_key: str, text: str, *, region: str | None = None) -> Reply: ...
    def answer(self, answer_id: str, *, user_key: str | None = None, region: str | None = None) -> Reply: ...
    def sos(self, region: str | None = None) -> Reply: ...


class CheckinFlow:
    """One user's check-in in progress: an immutable `CheckinState` and whether it has ended."""

    def __init__(
        self,
        texts: CheckinTexts,
        *,
        detect: Callable[[str], object | None] | None = None,
        state: CheckinState | None = None,
    ) -> None:
        self.texts = texts
        self.state = state or CheckinState()
        self.finished = False
        self._detect = detect

    def start(self) -> Prompt:
        self.state, self.finished = CheckinState(), False
        return prompt_for(self.texts, self.state)

    def current(self) -> Prompt:
        return prompt_for(self.texts, self.state)

    def choose(self, value: str) -> Prompt | Done:
        """A button press."""
        self.state, step = choose(self.texts, self.state, value)
        return self._settle(step)

    def respond(
        self, core: CrisisFirstCore, user_key: str, typed: str, *, region: str | None = None
    ) -> Prompt | Done | Interrupted:
        """Something typed. The crisis check runs first and wins over the check-in."""
        reply = core.reply(user_key, typed, region=region)
        if reply.kind == "crisis":
            self.finished = True
            if self.state.step in ("note", "keep"):  # mood and cravings are known: keep them
                return Done(_result(self.state, note=None, hopeless=True), crisis_reply=reply)
            return Interrupted(reply)
        matched = match_choice(self.current().choices, typed, within=self.state.step != "note")
        if matched is not None:
            return self.choose(matched)
        if self.state.step != "note" and reply.kind == "answer" and _looks_like_a_question(typed):
            # A real question asked mid check-in: answer it rather than insist on a button.
            self.finished = True
            return Interrupted(replace(reply, text=f"{reply.text}\n\n{self.texts.stopped}"))
        self.state, step = write(self.texts, self.state, typed, detect=self._detect or _crisis_detector())
        return self._settle(step)

    def _settle(self, step: Prompt | Done) -> Prompt | Done:
        if isinstance(step, Done):
            self.finished = True
        return step


def _looks_like_a_question(typed: str) -> bool:
    """A short word at a button step is an attempt at an answer ('lots'), not a new question."""
    return "?" in typed or len(typed.split()) >= QUESTION_MIN_WORDS


def _crisis_detector() -> Callable[[str], object | None] | None:
    """`bot.crisis.detect` where this build has it: a second look at a note that `lantern.reply`
    (which always runs the full detector first) has already passed."""
    import bot.crisis

    return getattr(bot.crisis, "detect", None)


# ----- finishing: save, streak, the fitting reply ----------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckinOutcome:
    replies: tuple[Reply, ...]
    saved: bool
    checkin_id: int | None = None
    streak: int | None = None
    escalation: str | None = None  # crisis category counted, if the crisis reply was given


async def finish(
    done: Done,
    *,
    lantern: CrisisFirstCore,
    store: Store,
    user_key: str,
    texts: CheckinTexts,
    default_region: str,
    send: Callable[[Reply], Awaitable[object]],
    region: str | None = None,
    now: datetime | None = None,
) -> CheckinOutcome:
    """Save the check-in and `send` the reply that fits. A store failure never stops the reply.

    On the crisis path the crisis reply is sent before anything touches the database, so a
    locked or slow database cannot delay it. `region`, if the caller knows it, saves a read.
    """
    now = now or datetime.now(UTC)
    result = done.result
    if result.hopeless:
        crisis = done.crisis_reply or lantern.sos(region or default_region)
        await send(crisis)
        category = crisis.crisis or "elevated"
        await _count(store.count_escalation, category)
        _, zone, reachable = await _user_place(store, user_key, region, default_region)
        checkin_id = (await _save(store, user_key, result, zone, now))[0] if reachable else None
        return CheckinOutcome((crisis,), saved=checkin_id is not None, checkin_id=checkin_id, escalation=category)
    region, zone, reachable = await _user_place(store, user_key, region, default_region)
    # A store that cannot even be read (locked, damaged) is not made to time out a second time.
    checkin_id, nights = await _save(store, user_key, result, zone, now) if reachable else (None, [])
    streak = current_streak(nights, night_of(now, zone)) if checkin_id is not None else None
    reply = checkin_reply(
        texts,
        result,
        saved=checkin_id is not None,
        streak=streak,
        first_ever=len(nights) == 1,
        region=region,
        variant=checkin_id or 0,
        answer_text=lambda answer_id: _answer_text(lantern, answer_id, user_key, region),
    )
    await send(reply)
    return CheckinOutcome((reply,), saved=checkin_id is not None, checkin_id=checkin_id, streak=streak)


async def _user_place(
    store: Store, user_key: str, region: str | None, default_region: str
) -> tuple[str, ZoneInfo, bool]:
    """The user's region and time zone (the defaults if the store cannot say), and whether it could."""
    try:
        settings = await store.user_settings(user_key)
    except StoreError as exc:
        log.warning("check-in: user settings unavailable (%s)", exc.fault)
        chosen = region or default_region
        return chosen, effective_time_zone(None, chosen), False
    chosen = region or settings.region or default_region
    return chosen, effective_time_zone(settings.time_zone, chosen), True


async def _save(
    store: Store, user_key: str, result: CheckinResult, zone: ZoneInfo, now: datetime
) -> tuple[int | None, list[date]]:
    try:
        checkin_id = await store.save_checkin(
            user_key, mood=result.mood, craving=result.craving, note=result.note, night=night_of(now, zone)
        )
    except StoreError as exc:
        log.warning("check-in not saved: %s", exc)
        return None, []
    await _count(store.count_usage, "checkin")
    try:
        nights = await store.checkin_nights(user_key)
    except StoreError as exc:
        log.warning("check-in saved but streak unavailable: %s", exc)
        nights = [night_of(now, zone)]
    return checkin_id, nights


async def _count(counter: Callable[[str], object], name: str) -> None:
    try:
        await counter(name)  # type: ignore[misc]
    except StoreError as exc:
        log.warning("counter %s not recorded: %s", name, exc)


def _answer_text(lantern: CrisisFirstCore, answer_id: str, user_key: str, region: str) -> str | None:
    reply = lantern.answer(answer_id, user_key=user_key, region=region)
    return reply.text if reply.kind == "answer" else None


def checkin_reply(
    texts: CheckinTexts,
    result: CheckinResult,
    *,
    saved: bool,
    streak: int | None,
    first_ever: bool,
    region: str,
    variant: int,
    answer_text: Callable[[str], str | None],
) -> Reply:
    """The reply that fits the answers (not for the crisis path, which is the crisis reply).

    Low mood or strong cravings: tonight's coping steps and the help lines. A good night:
    encouragement and the streak. Anything between: a steady word and the streak.
    """
    words = texts.reply
    parts: list[str] = []
    suggestions: tuple[Suggestion, ...] = ()
    strong_craving = result.craving >= STRONG_CRAVING_AT_LEAST
    low_mood = result.mood <= LOW_MOOD_AT_MOST
    if strong_craving or low_mood:
        tone = "coping"
        answer_id = CRAVINGS_ANSWER if strong_craving else LOW_MOOD_ANSWER
        parts.append(words.coping_craving if strong_craving else words.coping_low)
        steps = answer_text(answer_id)
        if steps:
            parts.append(steps.strip())
        parts.append(words.helplines.get(region.upper(), words.helplines["default"]).strip())
        if strong_craving and low_mood and answer_text(LOW_MOOD_ANSWER):
            suggestions = (Suggestion(LOW_MOOD_ANSWER, words.low_night_button),)
    elif result.mood >= GOOD_MOOD_AT_LEAST:
        tone = "good"
        parts.append(words.good[variant % len(words.good)])
    else:
        tone = "steady"
        parts.append(words.steady[variant % len(words.steady)])
    tail = [_streak_text(texts, streak, first_ever)] if saved and streak else []
    if saved and result.note:
        tail.append(texts.note.kept)
    if not saved:
        tail.append(words.not_saved)
    if tail:
        parts.append(" ".join(tail))
    return Reply(kind="answer", text="\n\n".join(parts), intent=f"checkin_{tone}", suggestions=suggestions)


def _streak_text(texts: CheckinTexts, streak: int, first_ever: bool) -> str:
    words = texts.reply
    if streak <= 1:
        return words.streak_first if first_ever else words.streak_restart
    return words.streak_milestones.get(streak) or words.streak.format(count=streak)


# ----- export ----------------------------------------------------------------------------------

EXPORT_COLUMNS = ("night", "saved_at", "mood_1_to_5", "cravings_0_to_3", "note")


async def mood_summary(store: Store, user_key: str, texts: CheckinTexts, default_region: str,
                       now: datetime | None = None) -> MoodChart:
    """The /mood chart for a user (last check-ins, streak in their time zone); raises StoreError."""
    rows = await store.recent_checkins(user_key, limit=CHART_CHECKINS)
    nights = await store.checkin_nights(user_key)
    settings = await store.user_settings(user_key)
    zone = effective_time_zone(settings.time_zone, settings.region or default_region)
    return render(texts.chart, rows, current_streak(nights, night_of(now or datetime.now(UTC), zone)))


def export_csv(checkins: Sequence[CheckinRow], zone: ZoneInfo) -> bytes:
    """The user's check-ins as CSV (UTF-8 with a BOM so spreadsheet apps read emoji correctly).

    Notes that start like a formula are prefixed with ' so a spreadsheet shows, not runs, them.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in checkins:
        note = row.note or ""
        if note[:1] in ("=", "+", "-", "@", "\t", "\r"):
            note = "'" + note
        saved_at = row.at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
        writer.writerow((row.night.isoformat(), saved_at, row.mood, row.craving, note))
    return out.getvalue().encode("utf-8-sig")
