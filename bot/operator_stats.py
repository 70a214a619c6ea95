"""The operators' figures: one source for `/stats`, `/unmatched`, `lantern stats` and `lantern unmatched`.

One async read (`gather_stats`) turns the store's counters into an immutable `OperatorStats`;
everything else here is pure: formatting the figures, putting the nearest intent beside each
unmatched question, and writing one up as a YAML example to paste. Only counts leave the store,
plus the normalised text of questions nothing answered (which carries no user key by design).
Not for deciding who may see them: the Telegram front end checks `operators`, and the CLI runs
on the operator's own machine.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from bot.catalog import Catalog
    from bot.store import Store, UnmatchedQuestion

# "This week" is the last seven UTC days, today included: a rolling week, no weekday to agree on.
WEEK_DAYS = 7
TOP_INTENTS = 5
# Reply kinds that count as answered (small talk is an answer too); the others are named as they are.
ANSWERED_KINDS = ("answer", "smalltalk")
# Counted in usage_daily but not a message the core replied to: reported on its own line.
CHECKIN_KIND = "checkin"
# usage_daily kinds "undelivered:<kind>": messages given up on (bot.store.UNDELIVERED_PREFIX).
UNDELIVERED_PREFIX = "undelivered:"


@dataclass(frozen=True)
class PeriodStats:
    """Figures for one span of UTC days."""

    label: str
    since: date
    active_users: int
    replies: Mapping[str, int]  # reply kind -> count (answer, smalltalk, fallback, clarify, crisis)
    checkins: int
    escalations: Mapping[str, int]  # crisis category -> count
    top_intents: tuple[tuple[str, int], ...]
    # crisis / reply / reminder / picture (a /mood picture refused: its text chart went instead) -> count
    undelivered: Mapping[str, int] = field(default_factory=dict)

    @property
    def messages(self) -> int:
        return sum(self.replies.values())

    def rate(self, *kinds: str) -> float:
        """The share of messages answered with one of `kinds`, 0-1 (0 when there were none)."""
        return sum(self.replies.get(k, 0) for k in kinds) / self.messages if self.messages else 0.0


@dataclass(frozen=True)
class OperatorStats:
    at: datetime
    today: PeriodStats
    week: PeriodStats


async def gather_stats(store: Store, now: datetime) -> OperatorStats:
    """Read everything the figures need from the store in a handful of queries (StoreError passes)."""
    now = now.astimezone(UTC)
    today = now.date()
    week_start = today - timedelta(days=WEEK_DAYS - 1)
    usage = await store.usage_counts(since=week_start)
    escalations = await store.escalation_counts(since=week_start)
    intents = await store.intent_counts(since=week_start)
    periods = []
    for label, since in (("Today", today), (f"Last {WEEK_DAYS} days", week_start)):
        start = _midnight(since)
        periods.append(PeriodStats(
            label=label,
            since=since,
            active_users=await store.active_users(start),
            replies=_sum_by([row for row in usage if not row[1].startswith(UNDELIVERED_PREFIX)], since,
                            skip=CHECKIN_KIND),
            undelivered=_sum_by([(day, kind.removeprefix(UNDELIVERED_PREFIX), n) for day, kind, n in usage
                                 if kind.startswith(UNDELIVERED_PREFIX)], since),
            checkins=await store.checkin_count(start),
            escalations=_sum_by([(hour[:10], category, n) for hour, category, n in escalations], since),
            top_intents=tuple(_sum_by(intents, since).most_common(TOP_INTENTS)),
        ))
    return OperatorStats(now, periods[0], periods[1])


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def _sum_by(rows: Iterable[tuple[str, str, int]], since: date, skip: str | None = None) -> Counter[str]:
    """Totals per name over the rows (day, name, count) from `since` on."""
    first = since.isoformat()
    totals: Counter[str] = Counter()
    for day, name, count in rows:
        if day >= first and name != skip:
            totals[name] += count
    return totals


def format_stats(stats: OperatorStats) -> str:
    """Plain text for a terminal or a Telegram message (the sender escapes it)."""
    lines = [f"Lantern figures at {stats.at:%Y-%m-%d %H:%M} UTC"]
    for period in (stats.today, stats.week):
        lines += ["", f"{period.label} (since {period.since.isoformat()}, UTC)",
                  f"  users active: {period.active_users}",
                  f"  messages: {period.messages}" + _rates(period),
                  f"  check-ins: {period.checkins}",
                  f"  escalations: {_named_counts(period.escalations.items()) or 'none'}",
                  f"  top intents: {_named_counts(period.top_intents) or 'none yet'}",
                  f"  not delivered: {_named_counts(period.undelivered.items()) or 'none'}"]
    return "\n".join(lines)


def _rates(period: PeriodStats) -> str:
    if not period.messages:
        return ""
    parts = [f"answered {_percent(period.rate(*ANSWERED_KINDS))}", f"fallback {_percent(period.rate('fallback'))}",
             f"clarify {_percent(period.rate('clarify'))}"]
    if period.replies.get("crisis"):
        parts.append(f"crisis {_percent(period.rate('crisis'))}")
    return f" ({', '.join(parts)})"


def _percent(share: float) -> str:
    return f"{math.floor(share * 100 + 0.5)}%"


def _named_counts(counts: Iterable[tuple[str, int]]) -> str:
    ordered = sorted(counts, key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{name} {count}" for name, count in ordered)


# --- unmatched questions beside the content -------------------------------------------------


@dataclass(frozen=True)
class ReviewedQuestion:
    """An unmatched question, with the intent the current content finds nearest."""

    text: str
    count: int
    first_seen: datetime
    last_seen: datetime
    nearest_intent: str | None
    score: float
    now_answered: bool  # the current content answers it (someone already added an example)


def review_unmatched(catalog: Catalog | None, questions: Sequence[UnmatchedQuestion]) -> list[ReviewedQuestion]:
    """Each question ranked against the current catalog; no catalog gives no nearest intent."""
    reviewed = []
    for question in questions:
        nearest, score, answered = None, 0.0, False
        if catalog is not None:
            _, ranked = catalog.matcher.rank(question.text)
            if ranked:
                nearest, score = ranked[0].intent, ranked[0].score
            answered = catalog.matcher.match(question.text).kind == "answer"
        reviewed.append(ReviewedQuestion(question.text, question.count, question.first_seen, question.last_seen,
                                         nearest, score, answered))
    return reviewed


def format_unmatched(reviewed: Sequence[ReviewedQuestion], *, heading: str) -> str:
    """Most frequent first, one line each: count, the question, its nearest intent and score."""
    if not reviewed:
        return f"{heading}: none"
    lines = [f"{heading} (most frequent first):"]
    for question in reviewed:
        nearest = f"nearest {question.nearest_intent} {question.score:.0f}" if question.nearest_intent else "no nearest"
        if question.now_answered:
            nearest += ", answered now"
        lines.append(f"{question.count:>5}  {question.text}  ({nearest})")
    return "\n".join(lines)


# --- suggestions to paste into intents/ -------------------------------------------------------


def content_path(path: Path | str, folders: Iterable[Path]) -> str:
    """A content file as an editor knows it: '/srv/lantern/intents/topics.yaml' -> 'intents/topics.yaml'.

    `folders` are the content folders (intents, responses); a path under neither is shown whole.
    """
    resolved = Path(path).resolve()
    for folder in folders:
        with contextlib.suppress(ValueError):
            return resolved.relative_to(Path(folder).resolve().parent).as_posix()
    return str(path)


def suggestion(question: ReviewedQuestion, shown_path: str, indent: str = "      ") -> str:
    """A YAML snippet to paste under the intent's `examples:`; `indent` is the list's own."""
    return (f"# under intent '{question.nearest_intent}' in {shown_path} (nearest, score {question.score:.0f})\n"
            f"{indent}- {yaml_scalar(question.text)}")


def yaml_scalar(text: str) -> str:
    """`text` as a YAML list item reads it back: plain when it round-trips, else double-quoted."""
    try:
        plain = yaml.safe_load(f"- {text}") == [text]
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)
