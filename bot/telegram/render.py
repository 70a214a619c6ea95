"""How a core `Reply` looks on Telegram: escaped HTML, inline buttons, messages within limits.

Pure functions over plain data, no network: the handlers decide *when* to send, this module
decides *what* goes over the wire. Everything the core or a user wrote is escaped; the only
markup added here is ours (the italic sources line). Not for deciding what to say: that is
the core's job.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from bot.checkin import Prompt
from bot.mood_chart import MoodChart
from bot.replies import Reply, Suggestion

logger = logging.getLogger(__name__)

# https://core.telegram.org/bots/api#sendmessage: 1-4096 characters after entity parsing.
MAX_MESSAGE_LENGTH: int = MessageLimit.MAX_TEXT_LENGTH
# https://core.telegram.org/bots/api#inlinekeyboardbutton: callback_data is 1-64 bytes.
MAX_CALLBACK_DATA_BYTES: int = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA

# Callback data is "<prefix>:<value>". Short, stable prefixes so a button sent last week
# still means the same thing after a restart (no server-side state behind a button).
ANSWER_PREFIX = "a"
REGION_PREFIX = "r"
FORGET_PREFIX = "forget"
FORGET_YES = "forget:yes"
FORGET_NO = "forget:no"
# A check-in's buttons: "ci:<session token>:<value>"; a reminder's "check in now" is "ci:start".
CHECKIN_PREFIX = "ci"
CHECKIN_START = "ci:start"

# Coarsest boundary first: paragraphs, then lines, then sentences, then words.
_BOUNDARIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\n[ \t]*\n\s*"), "\n\n"),
    (re.compile(r"\n"), "\n"),
    (re.compile(r"(?<=[.!?…])\s+"), " "),
    (re.compile(r"\s+"), " "),
)


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One Telegram message: `html` for parse_mode=HTML, `plain` if Telegram refuses the HTML."""

    html: str
    plain: str
    keyboard: InlineKeyboardMarkup | None = None


def utf16_length(text: str) -> int:
    """Telegram counts UTF-16 code units; counting them (not code points) is never too lenient."""
    return len(text.encode("utf-16-le")) // 2


def callback_data(prefix: str, value: str) -> str:
    """`prefix:value`, refused here rather than by Telegram if it would not fit in 64 bytes."""
    data = f"{prefix}:{value}"
    if not value or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
        raise ValueError(f"callback data {data!r} is empty or over {MAX_CALLBACK_DATA_BYTES} bytes")
    return data


def parse_callback(data: str | None) -> tuple[str, str]:
    """Split callback data into (prefix, value); unknown shapes give ("", "")."""
    prefix, _, value = (data or "").partition(":")
    return (prefix, value) if value else ("", "")


def suggestion_keyboard(suggestions: Iterable[Suggestion]) -> InlineKeyboardMarkup | None:
    """One button per row (labels are phrases, not single words); a bad id drops only its button."""
    return _suggestion_keyboard(tuple(suggestions))


# PTB keyboards are immutable, and most replies offer one of a few hundred button sets: building
# them once saves a third of a millisecond per reply. Bounded, and a content reload with new
# labels simply makes new entries.
@functools.lru_cache(maxsize=1024)
def _suggestion_keyboard(suggestions: tuple[Suggestion, ...]) -> InlineKeyboardMarkup | None:
    rows = []
    for suggestion in suggestions:
        try:
            data = callback_data(ANSWER_PREFIX, suggestion.answer_id)
        except ValueError:
            logger.warning("skipped a button: answer id of %d bytes does not fit callback_data",
                           len(suggestion.answer_id.encode("utf-8")))
            continue
        rows.append([InlineKeyboardButton(suggestion.label, callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


def region_keyboard(regions: Mapping[str, str]) -> InlineKeyboardMarkup:
    """Two regions per row: names are short and the list can be long."""
    return _region_keyboard(tuple(regions.items()))


@functools.lru_cache(maxsize=16)
def _region_keyboard(regions: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(name, callback_data=callback_data(REGION_PREFIX, code))
               for code, name in regions]
    return InlineKeyboardMarkup([buttons[i:i + 2] for i in range(0, len(buttons), 2)])


# Serialising a keyboard is PTB's generic to_dict over every button: about 0.4 ms for the 33 topic
# buttons that /start, /topics and every fallback carry, on each send. A keyboard never changes
# once built, so its wire form is made once (as PTB would make it) and sent as it is. Keyed by
# the keyboard (hashed by its buttons), so an equal keyboard built anew finds the same entry.
@functools.lru_cache(maxsize=1024)
def keyboard_json(keyboard: InlineKeyboardMarkup) -> str:
    """The reply_markup parameter exactly as PTB sends it: `json.dumps(keyboard.to_dict())`."""
    return json.dumps(keyboard.to_dict())


def confirm_keyboard(yes_label: str, no_label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(yes_label, callback_data=FORGET_YES),
                                  InlineKeyboardButton(no_label, callback_data=FORGET_NO)]])


def question_keyboard(prompt: Prompt, token: str) -> InlineKeyboardMarkup:
    """A check-in question's choices: mood on one row of five (short labels), the rest two to a row."""
    buttons = [InlineKeyboardButton(choice.label, callback_data=f"{CHECKIN_PREFIX}:{token}:{choice.value}")
               for choice in prompt.choices]
    per_row = len(buttons) if prompt.step == "mood" else 2
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


def start_checkin_keyboard(label: str) -> InlineKeyboardMarkup:
    """A reminder's one button: start the check-in now."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=CHECKIN_START)]])


def render_chart(chart: MoodChart) -> list[OutgoingMessage]:
    """/mood: the sentence, the two-row chart in monospace, the summary under it."""
    parts_html = [html.escape(chart.header, quote=False)]
    if chart.chart:
        parts_html.append(f"<pre>{html.escape(chart.chart, quote=False)}</pre>")
    if chart.summary:
        parts_html.append(html.escape(chart.summary, quote=False))
    return [OutgoingMessage("\n".join(parts_html), chart.as_text())]


def well_formed(text: str) -> str:
    """`text` with any lone surrogate (from a malformed update's JSON, "\\ud800") replaced by U+FFFD:
    it cannot be encoded, so a reply quoting it would fail to send, and the user would get nothing."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def render_reply(reply: Reply, *, sources_label: str = "Sources") -> list[OutgoingMessage]:
    """The messages for `reply`: text split to fit, sources last, buttons on the last message."""
    sources = f"{sources_label}: " + "; ".join(reply.sources) if reply.sources else ""
    return render_text(reply.text, suggestion_keyboard(reply.suggestions), footnote=sources)


def render_text(text: str, keyboard: InlineKeyboardMarkup | None = None, *,
                footnote: str = "") -> list[OutgoingMessage]:
    """Escape `text` for HTML and split it at paragraph boundaries into messages Telegram accepts.

    A `footnote` is set small (italic) under the text, in the last message if it fits there.
    """
    text, footnote = well_formed(text), well_formed(footnote)
    chunks = split_text(text) or [" "]
    messages = [OutgoingMessage(html.escape(chunk, quote=False), chunk) for chunk in chunks]
    if footnote:
        last = chunks[-1]
        joined = f"{last}\n\n{footnote}"
        footnote_html = f"<i>{html.escape(footnote, quote=False)}</i>"
        if utf16_length(joined) <= MAX_MESSAGE_LENGTH:
            messages[-1] = OutgoingMessage(f"{messages[-1].html}\n\n{footnote_html}", joined)
        else:
            messages.append(OutgoingMessage(footnote_html, footnote))
    if keyboard is not None:
        final = messages[-1]
        messages[-1] = OutgoingMessage(final.html, final.plain, keyboard)
    return messages


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split `text` into pieces of at most `limit` UTF-16 units, at the coarsest boundary that works.

    Paragraphs stay whole when they fit; a paragraph too long on its own is split at lines, then
    sentences, then words, and only a single word longer than a message is cut mid-word.
    """
    text = text.strip()
    if not text:
        return []
    return _split(text, limit, 0)


def _split(text: str, limit: int, level: int) -> list[str]:
    if utf16_length(text) <= limit:
        return [text]
    if level == len(_BOUNDARIES):
        return _cut(text, limit)
    boundary, joiner = _BOUNDARIES[level]
    pieces: list[str] = []
    current = ""
    for part in (p.rstrip() for p in boundary.split(text) if p.strip()):
        candidate = f"{current}{joiner}{part}" if current else part
        if utf16_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if utf16_length(part) <= limit:
            current = part
        else:
            *whole, current = _split(part, limit, level + 1)
            pieces.extend(whole)
    if current:
        pieces.append(current)
    return pieces


def _cut(text: str, limit: int) -> list[str]:
    """Last resort for a 'word' longer than a message: cut by code point, never inside one."""
    pieces, current, size = [], [], 0
    for char in text:
        width = utf16_length(char)
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return pieces
