"""Everything the check-in and its commands say, read from responses/checkin.yaml.

Loaded with the rest of the content into the immutable catalog (`Catalog.checkin`), so a reload
swaps the check-in texts with everything else; nothing changes them in place. Not for what the
check-in does with them: that is `bot.checkin.flow` and `bot.checkin.finish`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import LanternError
from bot.mood_chart import ChartTexts
from bot.yaml_lines import line_of, load_yaml, validated

CHECKIN_FILE = "checkin.yaml"
MOODS = range(1, 6)
CRAVINGS = range(4)



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


def checkin_texts_or_none(responses_dir: Path) -> CheckinTexts | None:
    """For the content loader: the texts, or None (check-ins off) when the file is missing or wrong.

    `lantern validate` and a live reload report the problem with file and line; at start-up the
    bot serves everything else without check-ins, as before.
    """
    try:
        return load_checkin_texts(responses_dir)
    except LanternError:
        return None
