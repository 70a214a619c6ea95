"""Cross-checks an operator runs before shipping content (`lantern validate`), also run on reload.

Schema errors and broken references are found while loading (`bot.content`); this adds the checks
that need the whole catalog: the same example under two intents, unused answers, examples that
match another intent better than their own, examples that trip the crisis detector, answers that
are too long, a crisis lexicon that no longer catches the built-in core phrases, crisis patterns
shaped so that they can backtrack without end (`bot.regex_safety`), and a crisis lexicon whose
recall on the archived safety sets falls below the floor recorded in `safety_floor.yaml`.
Each finding is `file:line: message`, as an error (blocks serving) or a warning.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, RootModel

from bot.catalog import Catalog, Example
from bot.concepts import ConceptLexicon, ConceptReader
from bot.config import MatchingSettings
from bot.content import ContentProblem, load_catalog
from bot.core import Lantern
from bot.crisis import BUILTIN_LEXICON, CATEGORIES, CrisisDetector, CrisisLexicon, expand_patterns
from bot.errors import LanternError
from bot.evaluate import evaluate_intents, evaluate_safety, load_labelled
from bot.normalise import Normaliser
from bot.paths import SAFETY_FLOOR, safety_dir_for
from bot.regex_safety import unsafe_shapes
from bot.yaml_lines import FileProblems, load_yaml, validated

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
# Where the built-in core's patterns are reported (they are written in the code, not a file).
BUILTIN_WHERE = "bot/crisis.py (built-in core)"
_LEXICON_SECTIONS = ("idioms", "info_frames", "hypotheticals", "past_frames", "urgency", "negations")


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
    findings = blocking_checks(catalog, safety_dir_for(intents_dir)) + _checkin_texts(responses_dir)
    # A lexicon with a pattern that can backtrack without end is not run on anything.
    runnable = not any(f.level == "error" and f.message.startswith(_SHAPE_PREFIX) for f in findings)
    findings += advisory_checks(catalog, run_detector=runnable) if advisory else []
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


def blocking_checks(catalog: Catalog, safety_dir: Path | None = None) -> list[Finding]:
    """Checks whose errors refuse a catalog: duplicates, unsourced answers, crisis pattern shapes,
    the crisis core, and the recall floor on the archived safety sets in `safety_dir` (None: no
    archive, so that check is skipped with a warning saying so).

    The checks that run the crisis detector come last and only when no pattern can backtrack
    without end: such a pattern could take minutes on one of their messages.
    """
    spanish = spanish_view(catalog)
    found = _duplicate_examples(catalog) + _unsourced_answers(catalog)
    found += _duplicate_examples(spanish) if spanish else []
    shapes = pattern_shapes(catalog)
    if shapes:
        return found + shapes
    return found + _core_phrases(catalog) + recall_floor(catalog, safety_dir) + accuracy_floor(catalog, safety_dir)


# Topic accuracy on the held-out set that the content must keep (the README's promise, and the
# suite's gate): an edit that answers fewer questions rightly is refused, as a fall in recall is.
ACCURACY_FLOOR = 0.90
INTENT_EVAL = "intent_eval.yaml"


def accuracy_floor(catalog: Catalog, safety_dir: Path | None) -> list[Finding]:
    """The content's topic accuracy on the archived held-out set, refused below the floor with
    the figures; nothing to check where the archive is not beside the content."""
    if safety_dir is None or not (safety_dir / INTENT_EVAL).is_file():
        return []
    rows = load_labelled(safety_dir / INTENT_EVAL, "intent")
    report = evaluate_intents(Lantern(catalog, catalog.default_region), rows)
    if report.accuracy >= ACCURACY_FLOOR:
        return []
    worst = ", ".join(f"{expected} -> {got} ({n})" for (expected, got), n in report.confused(3))
    return [Finding("intents/:1", "error", f"topic accuracy fell on {INTENT_EVAL}: {_pct(report.accuracy)} "
                                           f"(floor {_pct(ACCURACY_FLOOR)}); most confused: {worst}; "
                                           f"'lantern evaluate {safety_dir / INTENT_EVAL}' lists every row")]


def advisory_checks(catalog: Catalog, run_detector: bool = True) -> list[Finding]:
    """Warnings an operator should read, none of which stops the content from serving."""
    spanish = spanish_view(catalog)
    return (_unused_answers(catalog) + _example_counts(catalog) + _answer_lengths(catalog)
            + _confusable_examples(catalog) + (_crisis_examples(catalog) if run_detector else [])
            + _examples_missing_needs(catalog) + _untranslated_crisis_replies(catalog)
            + (_example_counts(spanish) + _confusable_examples(spanish) + _examples_missing_needs(spanish)
               if spanish else []))


def spanish_view(catalog: Catalog) -> Catalog | None:
    """The catalog as its Spanish topics see it (their intents, matcher and lexicon), so the checks on
    examples run on them unchanged; None when the content has no Spanish topics."""
    if catalog.matcher_es is None or catalog.lexicon_es is None:
        return None
    return replace(catalog, intents=catalog.intents_es, matcher=catalog.matcher_es,
                   normaliser=Normaliser(catalog.lexicon_es))


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
    own = CrisisDetector(catalog.crisis_lexicon, ConceptReader(ConceptLexicon()))  # the patterns alone
    where = next(iter(catalog.crisis_where.values()), None)
    found = []
    for category, phrases in CORE_PHRASES.items():
        for phrase in phrases:
            result = own.detect(phrase)
            if result is None or result.category.removesuffix("_self") != category or not result.full:
                got = result.category if result else "nothing"
                found.append(Finding(str(where) if where else "intents/crisis.yaml:1", "error",
                                     f"the crisis lexicon no longer catches core phrase '{phrase}' as {category} "
                                     f"(it finds {got}); restore the pattern that caught it"))
    return found


# --- crisis pattern shapes ---------------------------------------------------------------------

_SHAPE_PREFIX = "crisis pattern "


def pattern_shapes(catalog: Catalog) -> list[Finding]:
    """Every crisis pattern, phrase and group (the operator's and the built-in core's), as it runs
    after expansion, checked for shapes that can backtrack without end (see `bot.regex_safety`)."""
    lexicon = catalog.crisis_lexicon.merged(BUILTIN_LEXICON)
    # Groups first, so a pattern using a faulty group does not repeat the group's finding.
    sources = [*(f"{{{name}}}" for name in lexicon.groups), *_pattern_sources(lexicon)]
    found: list[Finding] = []
    in_groups: set[str] = set()
    for source, expression in expand_patterns(sources, lexicon.groups).items():
        where = str(catalog.crisis_where.get(source, BUILTIN_WHERE))
        for reason in unsafe_shapes(expression):
            if reason not in in_groups:
                found.append(Finding(where, "error", f"{_SHAPE_PREFIX}'{_shorten(source)}': {reason}"))
            if source.startswith("{") and source.endswith("}") and source[1:-1] in lexicon.groups:
                in_groups.add(reason)
    return found


def _pattern_sources(lexicon: CrisisLexicon) -> Iterator[str]:
    for section in _LEXICON_SECTIONS:
        yield from getattr(lexicon, section)
    for table in (lexicon.patterns, lexicon.soft_patterns):
        for category in table:
            yield from table[category]


def _shorten(source: str, width: int = 80) -> str:
    return source if len(source) <= width else source[:width] + "..."


# --- the recall floor --------------------------------------------------------------------------


@dataclass(frozen=True)
class Floor:
    """What the lexicon must still achieve on one archived safety set."""

    recall: dict[str, float]
    false_alarm_rate: float
    line: int


def recall_floor(catalog: Catalog, safety_dir: Path | None) -> list[Finding]:
    """The content's crisis recall per category and false-alarm rate on every set the floor file
    names, against the figures recorded there: any fall is an error with the figures."""
    where = _lexicon_where(catalog)
    if safety_dir is None:
        return [Finding(where, "warning", f"crisis recall floor not checked: no safety/{SAFETY_FLOOR} beside "
                                          "intents/ (copy the shipped one there to keep it; OPERATING.md section 5)")]
    key = _floor_key(catalog, where, safety_dir)
    if key not in _FLOOR_RESULTS:
        if len(_FLOOR_RESULTS) >= 8:
            _FLOOR_RESULTS.clear()
        _FLOOR_RESULTS[key] = _measure_floor(catalog, where, safety_dir)
    return list(_FLOOR_RESULTS[key])


# Results of the floor check by what decides them (see `_floor_key`): a reload that only edits
# topics keeps the same crisis lexicon, and is not made to measure it again (a few hundred ms).
_FLOOR_RESULTS: dict[str, tuple[Finding, ...]] = {}


def _floor_key(catalog: Catalog, where: str, safety_dir: Path) -> str:
    """The crisis lexicon, where it is reported, and the bytes of the floor file and its sets."""
    digest = hashlib.sha256(repr(catalog.crisis_lexicon).encode())
    digest.update(f"{where}\0{safety_dir.resolve()}\0".encode())
    for path in sorted(safety_dir.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _measure_floor(catalog: Catalog, where: str, safety_dir: Path) -> tuple[Finding, ...]:
    floor_path = safety_dir / SAFETY_FLOOR
    try:
        floors = load_floor(floor_path)
        sets = {name: load_labelled(safety_dir / name, "category") for name in floors}
    except LanternError as exc:
        return tuple(_split(line) for line in str(exc).splitlines())
    lantern = Lantern(catalog, catalog.default_region)
    found = []
    for name, floor in floors.items():
        try:
            report = evaluate_safety(lantern, sets[name])
        except LanternError as exc:
            return (Finding(f"{safety_dir / name}:1", "error", str(exc)),)
        fell = [f"{category} {_pct(minimum)} -> {_pct(report.recall(category))} (floor {_pct(minimum)}, "
                f"{report.caught[category]} of {report.positives[category]} caught)"
                for category, minimum in floor.recall.items() if report.recall(category) < minimum - 1e-9]
        if fell:
            found.append(Finding(where, "error", f"crisis recall fell on {name}: {'; '.join(fell)}; "
                                                 f"'lantern evaluate --safety {safety_dir / name}' lists the misses"))
        if report.false_alarm_rate > floor.false_alarm_rate + 1e-9:
            found.append(Finding(where, "error", (
                f"crisis false alarms rose on {name}: {_pct(floor.false_alarm_rate)} -> "
                f"{_pct(report.false_alarm_rate)} (ceiling {_pct(floor.false_alarm_rate)}, "
                f"{len(report.false_alarms)} of {report.negatives} ordinary messages); "
                f"'lantern evaluate --safety {safety_dir / name}' lists them")))
    return tuple(found)


Fraction = Annotated[float, Field(ge=0, le=1, strict=True)]


class FloorFigures(BaseModel):
    """One set's entry in the floor file."""

    model_config = ConfigDict(extra="forbid")
    recall: dict[Literal[CATEGORIES], Fraction]  # type: ignore[valid-type]
    false_alarm_rate: Fraction


class FloorFile(RootModel[dict[str, FloorFigures]]):
    """The floor file: a safety set's file name (in the same folder) -> its figures."""


def load_floor(path: Path) -> dict[str, Floor]:
    """The floor file: for each set (a file name in the same folder), recall per category and the
    false-alarm rate. Every malformed entry is named by line, all at once."""
    problems: list[str] = []
    data = load_yaml(path, problems)
    if not isinstance(data, dict) or not data:
        raise FileProblems([*problems, f"{path}:1: expected a mapping of safety set file names to their floors"])
    try:
        figures = validated(FloorFile, data, path).root
    except FileProblems as exc:
        problems += exc.problems
        figures = {}
    for name in data:
        if not isinstance(name, str) or "/" in name or not (path.parent / name).is_file():
            problems.append(f"{path}:{data.lines[name]}: '{name}' is not a safety set in {path.parent}")
    if problems:
        raise FileProblems(sorted(problems, key=lambda p: int(p.removeprefix(f"{path}:").split(":")[0])))
    return {name: Floor(dict(f.recall), f.false_alarm_rate, data.lines[name]) for name, f in figures.items()}


def write_floor(lantern: Lantern, set_path: Path) -> list[str]:
    """Records what `lantern` achieves on `set_path` as that set's floor, in the floor file beside
    it (created if missing); returns a line per figure that changed, for the operator to read."""
    report = evaluate_safety(lantern, load_labelled(set_path, "category"))
    floor_path = set_path.parent / SAFETY_FLOOR
    old = load_floor(floor_path) if floor_path.is_file() else {}
    recall = {c: math.floor(report.recall(c) * 10_000) / 10_000 for c in CATEGORIES if report.positives[c]}
    rate = math.ceil(report.false_alarm_rate * 10_000) / 10_000
    before = old.get(set_path.name)
    changes = [f"{set_path.name}: {c} recall {_pct(before.recall[c]) if before and c in before.recall else 'new'}"
               f" -> {_pct(v)}" for c, v in recall.items() if not before or before.recall.get(c) != v]
    if not before or before.false_alarm_rate != rate:
        changes.append(f"{set_path.name}: false alarms {_pct(before.false_alarm_rate) if before else 'new'} "
                       f"-> {_pct(rate)}")
    entries = {name: {"recall": f.recall, "false_alarm_rate": f.false_alarm_rate} for name, f in old.items()}
    entries[set_path.name] = {"recall": recall, "false_alarm_rate": rate}
    floor_path.write_text(_FLOOR_HEADER + yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    return changes


_FLOOR_HEADER = """\
# The recall floor: for each archived safety set in this folder, the crisis recall per category
# and the false-alarm rate the lexicon achieved when it was recorded. `lantern validate` (and a
# live reload) refuses a lexicon edit that falls below any of them. After improving the lexicon,
# raise it with: lantern evaluate --safety tests/data/safety_eval.yaml --write-floor
"""


def _fraction(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _lexicon_where(catalog: Catalog) -> str:
    """Where the operator's crisis lexicon starts (its first pattern's file), for whole-lexicon findings."""
    first = next(iter(catalog.crisis_where.values()), None)
    return f"{first.path}:1" if first is not None else "intents/crisis.yaml:1"
