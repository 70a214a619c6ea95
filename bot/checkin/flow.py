"""The nightly check-in flow: mood, cravings, an optional note. Pure: no store, no clock, no network.

Not for Telegram or the console themselves: they only show a `Prompt`'s text and choices and pass
back what the user tapped or typed (the conversation layer, `bot.conversation`, does that for
both). Saving and the fitting reply are `bot.checkin.finish`.

Safety rules this module keeps: anything typed is passed to the core's `reply` first, so a crisis
message always gets the crisis reply, whatever step the check-in is at. A note is kept only if the
user typed one *and* then chose to keep it. A mood of 1 with hopeless words in the note goes to the
crisis reply instead of the coping one. Notes are never sent to the unmatched-questions list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from bot.checkin.texts import CRAVINGS, MOODS, CheckinTexts, ScaleTexts
from bot.replies import Reply
from bot.storage import NOTE_MAX_CHARS

LOW_MOOD_AT_MOST = 2
STRONG_CRAVING_AT_LEAST = 2
GOOD_MOOD_AT_LEAST = 4
HOPELESS_MOOD = 1
# Typed at a button step, this many words (or a '?') that the core can answer end the check-in.
QUESTION_MIN_WORDS = 3

Step = Literal["mood", "craving", "note", "keep"]



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
        self.state, step = write(self.texts, self.state, typed, detect=self._detect)
        return self._settle(step)

    def _settle(self, step: Prompt | Done) -> Prompt | Done:
        if isinstance(step, Done):
            self.finished = True
        return step


def _looks_like_a_question(typed: str) -> bool:
    """A short word at a button step is an attempt at an answer ('lots'), not a new question."""
    return "?" in typed or len(typed.split()) >= QUESTION_MIN_WORDS
