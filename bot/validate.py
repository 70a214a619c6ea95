"""Cross-checks an operator runs before shipping content (`lantern validate`), also run on reload.

Schema errors and broken references are found while loading (`bot.content`); this adds the checks
that need the whole catalog: the same example under two intents, unused answers, examples that
match another intent better than their own, examples that trip the crisis detector, answers that
are too long, and a crisis lexicon that no longer catches the built-in core phrases.
Each finding is `file:line: message`, as an error (blocks serving) or a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.catalog import Catalog, Example
from bot.config import MatchingSettings
from bot.content import ContentProblem, load_catalog
from bot.crisis import CrisisDetector
from bot.errors import LanternError

# Phrases the operator's crisis lexicon (without the built-in core) must still catch, per
# category. Removing what catches them is refused: see OPERATING.md.
CORE_PHRASES: dict[str, tuple[str, ...]] = {
    "suicide": ("i want to kill myself", "i want to die", "im going to end my life", "kms"),
    "overdose": ("he is not breathing", "her lips are turning blue", "my son wont wake up",
                 "i think i took too much"),
    "other_at_risk": ("my son said he wants to kill himself", "my wife is suicidal"),
    "danger": ("he threatened to kill me", "my husband hits me"),
    "elevated": ("i feel hopeless", "whats the point anymore"),
}
MIN_EXAMPLES = 10
MAX_ANSWER_CHARS = 900


@dataclass(frozen=True)
class Finding:
    where: str
    level: Literal["error", "warning"]
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.level}: {self.message}"

    def __lt__(self, other: Finding) -> bool:
        return self._key() < other._key()

    def _key(self) -> tuple[str, int, str]:
        """File, then line as a number (line 18 before line 108), then the message."""
        path, _, line = self.where.rpartition(":")
        return (path, int(line), self.message) if line.isdigit() else (self.where, 0, self.message)


def validate_dirs(intents_dir: Path, responses_dir: Path, matching: MatchingSettings | None = None,
                  advisory: bool = True) -> tuple[Catalog | None, list[Finding]]:
    """Load and check; the catalog is None when anything is an error (it must not be served).

    `advisory=False` runs only the checks that can refuse a catalog (a live reload swaps on those
    and computes the warnings afterwards with `advisory_checks`).
    """
    try:
        catalog = load_catalog(intents_dir, responses_dir, matching)
    except ContentProblem as exc:
        return None, [_split(p) for p in exc.problems] + _checkin_texts(responses_dir)
    findings = blocking_checks(catalog) + _checkin_texts(responses_dir)
    findings += advisory_checks(catalog) if advisory else []
    if any(f.level == "error" for f in findings):
        return None, sorted(findings)
    return catalog, sorted(findings)


def _checkin_texts(responses_dir: Path) -> list[Finding]:
    """The check-in texts live beside the answers and are edited the same way: check them too."""
    from bot.checkin import load_checkin_texts

    try:
        load_checkin_texts(responses_dir)
    except LanternError as exc:
        return [_split(line) for line in str(exc).splitlines() if line.strip()]
    return []


def _split(problem: str) -> Finding:
    where, _, message = problem.partition(": ")
    return Finding(where, "error", message)


def blocking_checks(catalog: Catalog) -> list[Finding]:
    """Checks whose errors refuse a catalog: duplicates, unsourced answers, the crisis core."""
    return _duplicate_examples(catalog) + _unsourced_answers(catalog) + _core_phrases(catalog)


def advisory_checks(catalog: Catalog) -> list[Finding]:
    """Warnings an operator should read, none of which stops the content from serving."""
    return (_unused_answers(catalog) + _example_counts(catalog) + _answer_lengths(catalog)
            + _confusable_examples(catalog) + _crisis_examples(catalog) + _examples_missing_needs(catalog)
            + _untranslated_crisis_replies(catalog))


def _untranslated_crisis_replies(catalog: Catalog) -> list[Finding]:
    """A crisis reply with no Spanish version is sent in English to someone who wrote in Spanish:
    it still works, but it is the moment a person most needs their own language."""
    return [Finding("responses/crisis_es.yaml:1", "warning",
                    f"crisis_replies_es has no Spanish reply for '{key}': Spanish messages get the English one")
            for key in catalog.crisis_replies if key not in catalog.crisis_replies_es]


def _duplicate_examples(catalog: Catalog) -> list[Finding]:
    # The matcher already holds each example's matching form: normalising ~1,000 examples again
    # was a third of a live reload's blocking time.
    forms, positions = catalog.matcher.choices, catalog.matcher.positions
    first: dict[str, tuple[str, str]] = {}
    found = []
    for intent in catalog.intents:
        for number, example in enumerate(intent.examples):
            position = positions.get((intent.id, number))
            form = (forms[position] if position is not None  # None: a form with no words, not kept
                    else catalog.normaliser.match_form(catalog.normaliser.canonical(example.text)))
            if form in first:
                found.append(_repeated(example, intent.id, *first[form]))
            first.setdefault(form, (intent.id, str(example.where)))
    return found


def _repeated(example: Example, intent_id: str, first_intent: str, first_where: str) -> Finding:
    """Under two intents an example teaches the matcher nonsense (an error); twice under one it
    teaches nothing, since an intent scores by its best example (a slip worth a warning)."""
    if first_intent != intent_id:
        return Finding(str(example.where), "error",
                       f"example '{example.text}' is also under intent '{first_intent}' ({first_where})")
    return Finding(str(example.where), "warning",
                   f"example '{example.text}' reads the same as {first_where} once normalised, so it adds nothing")


def _unused_answers(catalog: Catalog) -> list[Finding]:
    used = {i.answer for i in catalog.intents}
    used |= {f for a in catalog.answers.values() for f in a.follow_ups}
    return [Finding(str(a.where), "warning", f"answer '{a.id}' is not used by any intent or follow-up")
            for a in catalog.answers.values() if a.id not in used]


def _example_counts(catalog: Catalog) -> list[Finding]:
    return [Finding(str(i.where), "warning", f"intent '{i.id}' has {len(i.examples)} examples; "
                    f"{MIN_EXAMPLES} or more varied ones match real messages far better")
            for i in catalog.intents if len(i.examples) < MIN_EXAMPLES]


def _answer_lengths(catalog: Catalog) -> list[Finding]:
    return [Finding(str(a.where), "warning",
                    f"answer '{a.id}' is {len(a.text)} characters; keep it under about {MAX_ANSWER_CHARS}")
            for a in catalog.answers.values() if len(a.text) > MAX_ANSWER_CHARS]


def _unsourced_answers(catalog: Catalog) -> list[Finding]:
    topics = {i.answer for i in catalog.intents if i.kind == "answer"}
    return [Finding(str(a.where), "error", f"answer '{a.id}' names no sources")
            for a in catalog.answers.values() if a.id in topics and not a.sources]


def _confusable_examples(catalog: Catalog) -> list[Finding]:
    """An example the matcher would send to another intent teaches the matcher the wrong thing."""
    found = []
    for intent in catalog.intents:
        for number, example in enumerate(intent.examples):
            position = catalog.matcher.positions.get((intent.id, number))
            _, ranked = catalog.matcher.rank(example.text, exclude=position)
            own = next((r.score for r in ranked if r.intent == intent.id), 0.0)
            better = next((r for r in ranked if r.intent != intent.id and r.score > own), None)
            if better is not None:
                found.append(Finding(str(example.where), "warning",
                                     f"example '{example.text}' matches intent '{better.intent}' "
                                     f"({better.score:.0f}) better than its own '{intent.id}' ({own:.0f})"))
    return found


def _examples_missing_needs(catalog: Catalog) -> list[Finding]:
    """An example without any of its intent's needed words describes a message that intent will
    never answer: either the example or the word list is wrong."""
    return [Finding(str(example.where), "warning",
                    f"example '{example.text}' has none of intent '{intent.id}'s needs_one_of words, "
                    "so a message like it never gets this answer")
            for intent in catalog.intents if intent.needs_one_of
            for example in intent.examples if catalog.matcher.lacks_needed_words(intent.id, example.text)]


def _crisis_examples(catalog: Catalog) -> list[Finding]:
    found = []
    for intent in catalog.intents:
        for example in intent.examples:
            hits = catalog.detector.hits(example.text)
            if hits:
                where = catalog.crisis_where.get(hits[0].pattern, "the built-in core")
                found.append(Finding(str(example.where), "warning",
                                     f"example '{example.text}' trips the crisis detector ({hits[0].category}, "
                                     f"pattern at {where}): users typing it get a crisis reply, not this intent"))
    return found


def _core_phrases(catalog: Catalog) -> list[Finding]:
    """The operator's lexicon on its own must still catch the core phrases: edits cannot remove them."""
    own = CrisisDetector(catalog.crisis_lexicon)
    where = next(iter(catalog.crisis_where.values()), None)
    found = []
    for category, phrases in CORE_PHRASES.items():
        for phrase in phrases:
            result = own.detect(phrase)
            if result is None or result.category != category:
                got = result.category if result else "nothing"
                found.append(Finding(str(where) if where else "intents/crisis.yaml:1", "error",
                                     f"the crisis lexicon no longer catches core phrase '{phrase}' as {category} "
                                     f"(it finds {got}); restore the pattern that caught it"))
    return found
