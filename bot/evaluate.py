"""Measuring Lantern on labelled messages: topic accuracy (`lantern evaluate`) and crisis
detection (`lantern evaluate --safety`). Pure functions over a `Lantern`; printing is the CLI's.

Intent files are YAML lists of `{text, intent}` (intent null = should fall back; a list of intents
means any of them is a right answer, the first counting for per-intent figures); safety files are
lists of `{text, category}` with category one of the crisis categories or `none`, and may give a
row the message sent just before it (`previous`).

A row may point at text instead of holding it: text written by people outside the project (the
measurement-only sets in `../shared/eval_external/`, whose licences forbid copying) is named by
`source` (the folder), `source_id` (the value of the table's id column, or the row number counting
from 1 for a table without one), `fields` (the columns, in order) and, for a cut, `chars`. The
loader rebuilds the text from that folder when it is there and leaves the row out, saying so,
when it is not (see `rebuild_text` for the recipe).
"""

from __future__ import annotations

import csv
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core import Lantern
from bot.crisis import CATEGORIES
from bot.errors import LanternError
from bot.yaml_lines import LineList, load_yaml

log = logging.getLogger(__name__)

FALLBACK = "(fallback)"
CLARIFY = "(clarify)"
CRISIS = "(crisis)"


@dataclass
class IntentReport:
    total: int = 0
    correct: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # correct / wrong / fallback / clarify / crisis
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)  # (expected, got)
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def rate(self, outcome: str) -> float:
        return self.outcomes[outcome] / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total, "accuracy": round(self.accuracy, 4),
            "fallback_rate": round(self.rate("fallback"), 4), "clarify_rate": round(self.rate("clarify"), 4),
            "wrong_rate": round(self.rate("wrong"), 4), "crisis_rate": round(self.rate("crisis"), 4),
            "per_intent": self.per_intent,
            "confused": [{"expected": e, "got": g, "count": n} for (e, g), n in self.confused()],
        }

    def confused(self, top: int = 10) -> list[tuple[tuple[str, str], int]]:
        return [(pair, n) for pair, n in self.pairs.most_common() if pair[0] != pair[1]][:top]


@dataclass
class SafetyReport:
    positives: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    exact: Counter[str] = field(default_factory=Counter)
    negatives: int = 0
    false_alarms: list[tuple[str, str]] = field(default_factory=list)  # (category given, text)
    misses: list[tuple[str, str]] = field(default_factory=list)  # (expected category, text)

    def recall(self, category: str) -> float:
        return self.caught[category] / self.positives[category] if self.positives[category] else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / self.negatives if self.negatives else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "recall": {c: round(self.recall(c), 4) for c in self.positives},
            "category_exact": {c: round(self.exact[c] / self.positives[c], 4) for c in self.positives},
            "positives": sum(self.positives.values()), "negatives": self.negatives,
            "false_alarm_rate": round(self.false_alarm_rate, 4),
            "misses": [{"expected": c, "text": t} for c, t in self.misses],
            "false_alarms": [{"got": c, "text": t} for c, t in self.false_alarms],
        }


Label = str | tuple[str, ...] | None


class Labelled(tuple):
    """One row, `(text, label)` as ever, plus `previous`: a message the same person sent just
    before (a row may be a conversation's second message), or None."""

    previous: str | None

    def __new__(cls, text: str, label: Label, previous: str | None = None) -> Labelled:
        row = super().__new__(cls, (text, label))
        row.previous = previous
        return row


class LabelledRows(list):
    """The rows of a labelled file; `skipped` counts rows whose outside text could not be read
    (their folder is absent) and `note` says so in words, or is None when every row is there."""

    skipped: int = 0
    note: str | None = None


def load_labelled(path: Path, label: str, external: Path | None = None) -> LabelledRows:
    """(text, label) pairs from a labelled YAML list, every malformed row named by line.

    Other keys a row carries (`lang`, `note`) are for the people who read the file and are
    ignored; `previous` (a string) is kept on the row as `Labelled.previous`. A row that refers
    to outside text (`source`, see the module docstring) is rebuilt from `external` (by default
    `external_dir()`), or skipped with a note when that folder is absent.
    """
    data = load_yaml(path)
    if not isinstance(data, LineList):
        raise LanternError(f"{path}:1: expected a list of {{text, {label}}} entries")
    tables = ExternalTables(external_dir() if external is None else external)
    rows, skipped = LabelledRows(), 0
    for index, row in enumerate(data):
        where = f"{path}:{data.lines[index]}"
        text = _row_text(row, label, where, tables)
        if text is None:
            skipped += 1
            continue
        rows.append(Labelled(text, _row_label(row[label], label, where), _row_previous(row, where)))
    if skipped:
        rows.skipped = skipped
        rows.note = (f"{path.name}: {skipped} rows written by outsiders were left out: their text is read from "
                     f"{tables.root}, which is absent (set {EXTERNAL_ENV} to its folder)")
        log.warning("%s", rows.note)
    return rows


def _row_text(row: Any, label: str, where: str, tables: ExternalTables) -> str | None:
    if isinstance(row, dict) and label in row and "source" in row and "text" not in row:
        return tables.text(row, where)
    if not isinstance(row, dict) or not isinstance(row.get("text"), str) or label not in row:
        raise LanternError(f"{where}: each entry needs 'text' (a string) and '{label}'")
    return row["text"]


def _row_label(value: Any, label: str, where: str) -> Label:
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    if value is not None and not isinstance(value, str):
        raise LanternError(f"{where}: '{label}' must be a string, a list of strings, or null")
    return value


def _row_previous(row: dict[str, Any], where: str) -> str | None:
    previous = row.get("previous")
    if previous is not None and not isinstance(previous, str):
        raise LanternError(f"{where}: 'previous' must be a string (the message sent just before)")
    return previous


# --- text written by outsiders, read where it lives ------------------------------------------------

EXTERNAL_ENV = "LANTERN_EVAL_EXTERNAL"
# Each folder's table and its id column (None: rows are named by number, 1 = the first under the header).
EXTERNAL_TABLES: dict[str, tuple[str, str | None]] = {
    "counsel_chat": ("questions.csv", "questionID"),
    "opiates_recovery_reddit": ("opiatesrecovery_posts.csv", "id"),
    "medquad_addiction_mental_health": ("medquad_filtered.csv", "qid"),
    "opioid_time_perspective": ("posts2.csv", None),
    "suicidal_tweet_detection": ("Suicide_Ideation_Dataset_Twitter-based.csv", None),
    "twitter_suicidal_intention": ("short_le280.csv", None),
    "cssrs_reddit_500": ("posts_exploded.csv", None),
    "mental_health_intents_json": ("intents_patterns_flat.csv", None),
}
_LINK = re.compile(r"https?://\S+")
CUT_MARK = "..."


def external_dir() -> Path:
    """Where the outsiders' sets live: `$LANTERN_EVAL_EXTERNAL`, else `shared/eval_external`
    beside the checkout (the layout of the team's machines and of CI)."""
    configured = os.environ.get(EXTERNAL_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "shared" / "eval_external"


def rebuild_text(record: dict[str, str], fields: list[str], chars: int | None = None) -> str:
    """A row's text from its source record: each field with web links removed and white space
    collapsed, empty fields dropped, joined by ". " after a letter or digit (a title run into its
    body) and by " " after punctuation; `chars` keeps that many characters and marks the cut."""
    text = ""
    for value in (" ".join(_LINK.sub("", record[name] or "").split()) for name in fields):
        if value and text:
            text += ". " if text[-1].isalnum() else " "
        text += value
    return text if chars is None else text[:chars] + CUT_MARK


class ExternalTables:
    """The outsiders' tables under one folder, each read once, by id."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tables: dict[str, dict[str, dict[str, str]]] = {}

    def text(self, row: dict[str, Any], where: str) -> str | None:
        """The row's rebuilt text; None when the folder is absent (the row is skipped)."""
        source, source_id, fields, chars = row.get("source"), row.get("source_id"), row.get("fields"), row.get("chars")
        if source not in EXTERNAL_TABLES:
            raise LanternError(f"{where}: 'source' must be one of {', '.join(EXTERNAL_TABLES)}")
        if not (isinstance(fields, list) and fields and all(isinstance(f, str) for f in fields)):
            raise LanternError(f"{where}: 'fields' must list the columns the text is made of")
        if chars is not None and (not isinstance(chars, int) or chars <= 0):
            raise LanternError(f"{where}: 'chars' must be a positive whole number (the length kept)")
        if not self.root.is_dir():
            return None
        record = self._table(source).get(str(source_id))
        if record is None:
            raise LanternError(f"{where}: no row {source_id!r} in {source}/{EXTERNAL_TABLES[source][0]}")
        missing = [name for name in fields if name not in record]
        if missing:
            raise LanternError(f"{where}: {source}/{EXTERNAL_TABLES[source][0]} has no column {missing[0]!r}")
        return rebuild_text(record, fields, chars)

    def _table(self, source: str) -> dict[str, dict[str, str]]:
        if source not in self._tables:
            name, id_column = EXTERNAL_TABLES[source]
            csv.field_size_limit(10_000_000)
            with (self.root / source / name).open(encoding="utf-8", errors="replace", newline="") as handle:
                records = list(csv.DictReader(handle))
            self._tables[source] = {(record[id_column] if id_column else str(number)): record
                                    for number, record in enumerate(records, 1)}
        return self._tables[source]


def evaluate_intents(lantern: Lantern, rows: list[tuple[str, Label]]) -> IntentReport:
    report = IntentReport()
    for row in rows:
        text, label = row
        accepted = label if isinstance(label, tuple) else (label,)
        expected = accepted[0]
        # A follow-up ("what about for her?") is read as its writer sent it: after the message before.
        previous = getattr(row, "previous", None)
        if previous is not None:
            lantern.reply("evaluate", previous)
        reply = lantern.reply("evaluate", text)
        lantern.forget("evaluate")
        got = reply.intent if reply.kind in ("answer", "smalltalk") else None
        want = expected or FALLBACK
        if reply.kind == "crisis":
            outcome, shown = "crisis", CRISIS
        elif got in accepted:
            outcome, shown = "correct", want
        elif reply.kind == "clarify":
            outcome, shown = "clarify", CLARIFY
        elif got is None:
            outcome, shown = "fallback", FALLBACK
        else:
            outcome, shown = "wrong", got
        report.total += 1
        report.correct += outcome == "correct"
        report.outcomes[outcome] += 1
        report.pairs[(want, shown)] += 1
    report.per_intent = _per_intent(report.pairs)
    return report


def _per_intent(pairs: Counter[tuple[str, str]]) -> dict[str, dict[str, float]]:
    labels = sorted({e for e, _ in pairs})
    table = {}
    for label in labels:
        tp = pairs[(label, label)]
        predicted = sum(n for (_, g), n in pairs.items() if g == label)
        actual = sum(n for (e, _), n in pairs.items() if e == label)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[label] = {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
                        "support": actual}
    return table


def evaluate_safety(lantern: Lantern, rows: list[tuple[str, Label]]) -> SafetyReport:
    """Crisis recall and false alarms. A row with a `previous` message is a short conversation:
    both are sent by the same person, and only the reply to the second is scored."""
    report = SafetyReport()
    for row in rows:
        text, expected = row
        if expected not in (*CATEGORIES, "none", None):
            raise LanternError(f"unknown safety category '{expected}' (use one of {', '.join(CATEGORIES)}, none)")
        previous = getattr(row, "previous", None)
        if previous is not None:
            lantern.reply("evaluate", previous)
        reply = lantern.reply("evaluate", text)
        lantern.forget("evaluate")
        got = reply.crisis
        if expected in (None, "none"):
            report.negatives += 1
            if got is not None:
                report.false_alarms.append((got, text))
            continue
        report.positives[expected] += 1
        if got is None:
            report.misses.append((expected, text))
        else:
            report.caught[expected] += 1
            # An overdose is one kind whoever tells it: "overdose_self" is its reply for the writer.
            report.exact[expected] += got.removesuffix("_self") == expected.removesuffix("_self")
    return report
