"""Measuring Lantern on labelled messages: topic accuracy (`lantern evaluate`) and crisis
detection (`lantern evaluate --safety`). Pure functions over a `Lantern`; printing is the CLI's.

Intent files are YAML lists of `{text, intent}` (intent null = should fall back; a list of intents
means any of them is a right answer, the first counting for per-intent figures); safety files are
lists of `{text, category}` with category one of the crisis categories or `none`, and may give a
row the message sent just before it (`previous`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core import Lantern
from bot.crisis import CATEGORIES
from bot.errors import LanternError
from bot.yaml_lines import LineList, load_yaml

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


def load_labelled(path: Path, label: str) -> list[tuple[str, Label]]:
    """(text, label) pairs from a labelled YAML list, every malformed row named by line.

    Other keys a row carries (`lang`, `note`) are for the people who read the file and are
    ignored; `previous` (a string) is kept on the row as `Labelled.previous`.
    """
    data = load_yaml(path)
    if not isinstance(data, LineList):
        raise LanternError(f"{path}:1: expected a list of {{text, {label}}} entries")
    rows: list[tuple[str, Label]] = []
    for index, row in enumerate(data):
        line = data.lines[index]
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or label not in row:
            raise LanternError(f"{path}:{line}: each entry needs 'text' (a string) and '{label}'")
        value = row[label]
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            value = tuple(value)
        elif value is not None and not isinstance(value, str):
            raise LanternError(f"{path}:{line}: '{label}' must be a string, a list of strings, or null")
        previous = row.get("previous")
        if previous is not None and not isinstance(previous, str):
            raise LanternError(f"{path}:{line}: 'previous' must be a string (the message sent just before)")
        rows.append(Labelled(row["text"], value, previous))
    return rows


def evaluate_intents(lantern: Lantern, rows: list[tuple[str, Label]]) -> IntentReport:
    report = IntentReport()
    for text, label in rows:
        accepted = label if isinstance(label, tuple) else (label,)
        expected = accepted[0]
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
