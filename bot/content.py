"""Loading `intents/` and `responses/` into a `Catalog`, with every problem as `file:line: message`.

Each YAML file may hold any of the known top-level keys of its folder (`IntentsFile`,
`ResponsesFile`); files are read in name order and merged. Every file is checked whole against its
model, so all of a file's errors are found at once, and a key written twice (in one mapping, or
one text defined in two files) is an error rather than a silent replacement. This module checks
the schema and the references a catalog cannot work without (an intent whose answer is missing, a
pattern that does not compile). Softer cross-checks, such as an example that fits another intent
better, are in `bot.validate`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot.catalog import Answer, Catalog, Example, Intent, Where
from bot.checkin.texts import checkin_texts_or_none
from bot.concepts import MAX_PHRASE_WORDS, ConceptLexicon, ConceptReader, Escalation, Whose
from bot.config import MatchingSettings
from bot.crisis import BUILTIN_LEXICON, CATEGORIES, CrisisDetector, CrisisLexicon, PatternError
from bot.hotlines import FIELDS, LOCALISED, Region
from bot.matcher import IntentPhrases, Matcher, Substances
from bot.normalise import Lexicon, Normaliser
from bot.replies import BUTTON_IDS
from bot.yaml_lines import FileProblems, LineDict, LineList, line_of, load_yaml, validated

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# Files in the content folders that other modules own and check (the check-in texts).
OWNED_ELSEWHERE = frozenset({"checkin.yaml"})
# Interface texts the code asks for (`Lantern.ui`): a file without one of them is refused.
REQUIRED_INTERFACE = (
    "welcome", "help", "privacy", "about", "fallback", "fallback_suggest", "clarify", "empty", "no_words",
    "non_text", "topics_header", "sources", "still_here", "content_unavailable", "store_unavailable",
    "unknown_command", "forget_confirm", "forget_yes", "forget_no", "forget_done", "forget_cancelled",
    "region_prompt", "region_set", "region_unknown", "group_hint", "sos_button", "topics_button",
    "choose_number", "goodbye_console", "spanish_notice",
)
# Crisis replies a content may leave out: the reply they refine serves instead.
OPTIONAL_CRISIS_REPLIES = {"overdose_self": "overdose"}
# Every kind of crisis needs a reply (or the one it refines, see OPTIONAL_CRISIS_REPLIES), and /sos.
REPLY_CATEGORIES = CATEGORIES
REQUIRED_CRISIS_REPLIES = (*REPLY_CATEGORIES, "sos")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntentModel(_Strict):
    id: Id
    answer: Id
    # "outside": what Lantern does not cover (homework, taxes, a recipe), said so honestly rather than
    # answered with the nearest topic; its answer lives with the small talk answers.
    kind: Literal["answer", "smalltalk", "outside"] = "answer"
    keywords: list[Text] = []
    # A message must hold one of these words or phrases for this intent to be the answer.
    needs_one_of: list[Text] = []
    # A message holding one of these words or phrases is never this intent's answer ("made it 7
    # days before relapsing" is no milestone to celebrate).
    never_with: list[Text] = []
    examples: list[Text] = Field(min_length=1)


AnswerText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=3500)]


class AnswerModel(_Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    text: AnswerText
    # Where the advice differs by reader: the text for a family member, and for the person in
    # recovery (bot.reader decides which a message calls for; `text` serves when it cannot tell).
    for_family: AnswerText | None = None
    for_self: AnswerText | None = None
    sources: list[Text] = []
    follow_ups: list[Id] = []


class RegionModel(_Strict):
    name: Text
    emergency: Text
    crisis: Text
    text: str = ""
    drugs: str = ""
    violence: str = ""
    violence_text: str = ""
    overdose_law: str = ""
    source: Text
    # Spanish wording of the region's name and lines (a Spanish service where one exists).
    es: dict[Literal[LOCALISED], Text] = {}  # type: ignore[valid-type]


class HotlinesModel(_Strict):
    default_region: Text
    regions: dict[Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")], RegionModel] = Field(min_length=1)


class CrisisModel(_Strict):
    groups: dict[Id, list[Text]] = {}
    vocabulary: list[Text] = []
    idioms: list[Text] = []
    info_frames: list[Text] = []
    hypotheticals: list[Text] = []
    past_frames: list[Text] = []
    urgency: list[Text] = []
    negations: list[Text] = []
    patterns: dict[Literal[REPLY_CATEGORIES], list[Text]]  # type: ignore[valid-type]
    soft_patterns: dict[Literal[REPLY_CATEGORIES], list[Text]] = {}  # type: ignore[valid-type]


class EscalationModel(_Strict):
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    all_of: list[Id] = Field(min_length=1)
    none_of: list[Id] = []
    firm: bool = False


class WhoseModel(_Strict):
    all_of: list[Id] = Field(min_length=1)
    none_of: list[Id] = []


class ConceptsModel(_Strict):
    """`crisis_concepts`: risk concepts, each word written once (see bot/concepts.py)."""

    concepts: dict[Id, list[Text]] = Field(min_length=1)
    excluded: dict[Id, list[Text]] = {}
    soft: dict[Id, Literal[CATEGORIES]] = {}  # type: ignore[valid-type]
    escalations: list[EscalationModel] = []
    clearances: list[Id] = []
    self_clearances: list[Id] = []
    negations: list[Text] = []
    follow_ups: list[Text] = []
    asked_about: dict[Id, list[Id]] = {}
    told_as_over: list[Id] = []
    present: list[Id] = []
    carried_back: list[Id] = []
    masked_by: dict[Id, list[Id]] = {}
    own_overdose: WhoseModel | None = None


class ReadersModel(_Strict):
    """`readers_es`: words that say who a Spanish message is about (bot.spanish.reader_es)."""

    family: list[Text] = []
    own_use: list[Text] = []


class IntentsFile(_Strict):
    """One file in intents/: any of these keys (what users say, and how it is read)."""

    intents: list[IntentModel] = []
    misspellings: dict[Text, Text] = {}
    synonyms: dict[Text, Text] = {}
    stopwords: list[Text] = []
    # What people take, as normalised words (synonyms map brand and street names onto them), and
    # the opioids among them: they decide which topics a message naming substances can get.
    substances: list[Text] = []
    opioids: list[Text] = []
    crisis: CrisisModel | None = None
    crisis_concepts: ConceptsModel | None = None
    # Spanish topics (intents/topics_es.yaml): matched only against a Spanish message, with a
    # lexicon of their own; each intent's answer must have a Spanish text (`answers_es`).
    intents_es: list[IntentModel] = []
    misspellings_es: dict[Text, Text] = {}
    synonyms_es: dict[Text, Text] = {}
    stopwords_es: list[Text] = []
    readers_es: ReadersModel | None = None


class ResponsesFile(_Strict):
    """One file in responses/: any of these keys (what Lantern says)."""

    answers: dict[Id, AnswerModel] = {}
    hotlines: HotlinesModel | None = None
    interface: dict[Text, Text] = {}
    crisis_replies: dict[Text, Text] = {}
    crisis_replies_es: dict[Text, Text] = {}
    starter_topics: list[Id] = []
    # Spanish texts of answers, keyed by the English answer's id (responses/answers_es.yaml), and
    # Spanish interface texts, keyed like `interface` (responses/interface_es.yaml).
    answers_es: dict[Id, AnswerModel] = {}
    interface_es: dict[Text, Text] = {}


ContentFile = IntentsFile | ResponsesFile
# What the content cannot do without, per folder, and what to say when no file defines it.
REQUIRED_SECTIONS = {
    IntentsFile: {"intents": "the topics users ask about"},
    ResponsesFile: {"hotlines": "help lines per region", "crisis_replies": "the crisis replies",
                    "interface": "Lantern's own words"},
}


class ContentProblem(FileProblems):
    """The content cannot be served; `problems` holds every `file:line: message` found."""


@dataclass
class _Parts:
    """What the files hold, gathered before the catalog is built."""

    intents: list[tuple[IntentModel, Where, list[int]]]
    answers: dict[str, tuple[AnswerModel, Where]]
    misspellings: dict[str, str]
    synonyms: dict[str, str]
    stopwords: set[str]
    crisis: list[tuple[CrisisModel, Path, LineDict]]
    concepts: list[tuple[ConceptsModel, Path, LineDict]]
    hotlines: tuple[HotlinesModel, Where] | None
    interface: dict[str, str]
    crisis_replies: dict[str, str]
    crisis_replies_es: dict[str, str]
    starter_topics: list[tuple[str, Where]]
    intents_es: list[tuple[IntentModel, Where, list[int]]] = field(default_factory=list)
    answers_es: dict[str, tuple[AnswerModel, Where]] = field(default_factory=dict)
    misspellings_es: dict[str, str] = field(default_factory=dict)
    synonyms_es: dict[str, str] = field(default_factory=dict)
    stopwords_es: set[str] = field(default_factory=set)
    # What people take (see `bot.matcher.Substances`); each opioid with where it is written.
    substances: set[str] = field(default_factory=set)
    opioids: dict[str, Where] = field(default_factory=dict)
    readers_es: dict[str, tuple[str, ...]] = field(default_factory=dict)
    interface_es: dict[str, str] = field(default_factory=dict)
    # Where each text is written: to name a Spanish reply that translates nothing, and a text
    # defined in two files (the later would silently replace the earlier).
    interface_where: dict[str, Where] = field(default_factory=dict)
    crisis_replies_where: dict[str, Where] = field(default_factory=dict)
    crisis_replies_es_where: dict[str, Where] = field(default_factory=dict)
    interface_es_where: dict[str, Where] = field(default_factory=dict)
    # Where each top-level key is first written, and each folder: a missing text is named there.
    sections: dict[str, Where] = field(default_factory=dict)
    folders: dict[type[BaseModel], Path] = field(default_factory=dict)

    def where(self, section: str, model: type[BaseModel]) -> str:
        """The file and line of `section`, else line 1 of the folder it belongs in."""
        found = self.sections.get(section)
        return str(found) if found else f"{self.folders.get(model, Path(model.__name__))}:1"


def yaml_files(folder: Path) -> list[Path]:
    """The content files of a folder, in a stable order."""
    if not folder.is_dir():
        raise ContentProblem([f"{folder}:1: content folder not found"])
    return sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.name not in OWNED_ELSEWHERE)


def load_catalog(intents_dir: Path, responses_dir: Path,
                 matching: MatchingSettings | None = None) -> Catalog:
    """Read, check and compile the content; raises `ContentProblem` listing every error found."""
    problems: list[str] = []
    parts = _Parts([], {}, {}, {}, set(), [], [], None, {}, {}, {}, [])
    for folder, model in ((intents_dir, IntentsFile), (responses_dir, ResponsesFile)):
        try:
            files = yaml_files(folder)
        except ContentProblem as exc:
            problems += exc.problems
            continue
        parts.folders[model] = folder
        empty = [path for path in files if not _read_file(path, model, parts, problems)]
        problems += [_empty_file_problem(path, folder, model, parts.sections) for path in empty]
    if problems:
        raise ContentProblem(problems)
    catalog = _build(parts, matching or MatchingSettings(), problems)
    if problems or catalog is None:
        raise ContentProblem(problems)
    catalog = replace(catalog, checkin=checkin_texts_or_none(responses_dir))  # swapped with the rest
    return catalog


def _read_file(path: Path, model: type[ContentFile], parts: _Parts, problems: list[str]) -> bool:
    """Check one file whole and add what it holds to `parts`; False when the file is empty."""
    try:
        data = load_yaml(path, problems)
    except FileProblems as exc:
        problems += exc.problems
        return True
    if data is None:
        return False
    if not isinstance(data, LineDict):
        problems.append(f"{path}:1: expected a mapping with keys such as {', '.join(model.model_fields)}")
        return True
    for key in data:
        parts.sections.setdefault(str(key), Where(path, data.lines[key]))
    try:
        content = validated(model, data, path)
    except FileProblems as exc:
        problems += exc.problems
        return True
    if isinstance(content, IntentsFile):
        _collect_intents(path, data, content, parts)
    else:
        _collect_responses(path, data, content, parts, problems)
    return True


def _empty_file_problem(path: Path, folder: Path, model: type[ContentFile], present: Mapping[str, Any]) -> str:
    """An empty file is a save cut short until shown otherwise: say what the content lacks without it."""
    lacks = [f"{key} ({what})" for key, what in REQUIRED_SECTIONS[model].items() if key not in present]
    if lacks:
        return (f"{path}:1: file is empty (a save cut short?), and no other file in {folder.name}/ defines "
                f"{', '.join(lacks)}: restore it")
    return (f"{path}:1: file is empty (a save cut short?); a file in {folder.name}/ holds some of "
            f"{', '.join(model.model_fields)}: restore it, or delete the file if it is meant to go")


def _collect_intents(path: Path, raw: LineDict, content: IntentsFile, parts: _Parts) -> None:
    for key, found in (("intents", parts.intents), ("intents_es", parts.intents_es)):
        items = raw.get(key)
        for index, intent in enumerate(getattr(content, key)):
            examples = items[index]["examples"]
            found.append((intent, Where(path, items.lines[index]), list(examples.lines)))
    parts.misspellings.update({k.lower(): v.lower() for k, v in content.misspellings.items()})
    parts.synonyms.update({k.lower(): v.lower() for k, v in content.synonyms.items()})
    parts.stopwords.update(w.lower() for w in content.stopwords)
    parts.substances.update(w.lower() for w in content.substances)
    parts.opioids.update({w.lower(): Where(path, line_of(raw, ("opioids", index)))
                          for index, w in enumerate(content.opioids)})
    parts.misspellings_es.update({k.lower(): v.lower() for k, v in content.misspellings_es.items()})
    parts.synonyms_es.update({k.lower(): v.lower() for k, v in content.synonyms_es.items()})
    parts.stopwords_es.update(w.lower() for w in content.stopwords_es)
    if content.readers_es is not None:
        parts.readers_es = {"family": tuple(content.readers_es.family), "self": tuple(content.readers_es.own_use)}
    if content.crisis is not None:
        parts.crisis.append((content.crisis, path, raw["crisis"]))
    if content.crisis_concepts is not None:
        parts.concepts.append((content.crisis_concepts, path, raw["crisis_concepts"]))


def _collect_responses(path: Path, raw: LineDict, content: ResponsesFile, parts: _Parts,
                       problems: list[str]) -> None:
    for key in ("answers", "answers_es"):
        collected: dict[str, tuple[AnswerModel, Where]] = getattr(parts, key)
        for answer_id, answer in getattr(content, key).items():
            where = Where(path, line_of(raw, (key, answer_id)))
            if answer_id in collected:
                problems.append(f"{where}: {key}.{answer_id} is already defined at {collected[answer_id][1]}"
                                if key == "answers_es" else
                                f"{where}: answer '{answer_id}' is already defined at {collected[answer_id][1]}")
                continue
            collected[answer_id] = (answer, where)
            problems += _answer_text_problems(path, answer_id, raw[key][answer_id], key)
    if content.hotlines is not None:
        where = Where(path, raw.lines["hotlines"])
        if parts.hotlines is not None:
            problems.append(f"{where}: hotlines are already defined at {parts.hotlines[1]}: keep one 'hotlines'")
        parts.hotlines = (content.hotlines, where)
    for key in ("interface", "interface_es", "crisis_replies", "crisis_replies_es"):
        texts: dict[str, str] = getattr(content, key)
        if not texts:
            continue
        written = getattr(parts, key + "_where")
        for name in texts:
            where = Where(path, line_of(raw, (key, name)))
            if name in written:
                problems.append(f"{where}: {key}.{name} is already defined at {written[name]}: keep one")
            written[name] = where
        getattr(parts, key).update(texts)
        problems += _placeholder_problems(path, raw[key], texts, key)
    parts.starter_topics += [(answer_id, Where(path, line_of(raw, ("starter_topics", index))))
                             for index, answer_id in enumerate(content.starter_topics)]


# What a `{name}` in a text may name: a region's help lines and its name (filled from hotlines.yaml
# for the user's region), plus the few values the code passes to interface texts (`Lantern.ui`).
# Anything else would reach a user as a raw "{emergncy}" and no region would ever fill it.
REGION_PLACEHOLDERS = frozenset({*FIELDS, "region"})
UI_PLACEHOLDERS = REGION_PLACEHOLDERS | {"regions"}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A source written as a file name ("seeds/000_ee65.txt") means nothing to a reader.
_FILE_EXTENSION = re.compile(r"\.(txt|md|pdf|html?|ya?ml|json|csv|docx?)$", re.IGNORECASE)


def _text_lines(node: LineDict, key: str, text: str) -> list[tuple[int, str]]:
    """Each line of a text with its line in the file: a block (`|`) starts on the line after its key."""
    first = node.lines.get(key, node.line)
    lines = text.splitlines() or [text]
    return [(first + (index + 1 if len(lines) > 1 else 0), line) for index, line in enumerate(lines)]


def _placeholder_problems(path: Path, node: LineDict, texts: dict[str, str], section: str) -> list[str]:
    """Placeholders no region fills, at their line: one typo would show every user '{emergncy}'."""
    allowed = UI_PLACEHOLDERS if section in ("interface", "interface_es") else REGION_PLACEHOLDERS
    found = []
    for key, text in texts.items():
        for line, words in _text_lines(node, key, text):
            for name in _PLACEHOLDER.findall(words):
                if name not in allowed:
                    found.append(f"{path}:{line}: {section}.{key}: placeholder '{{{name}}}' is not a region field "
                                 f"(use one of {', '.join(sorted('{' + a + '}' for a in allowed))})")
    return found


def _answer_text_problems(path: Path, answer_id: str, raw: LineDict, section: str = "answers") -> list[str]:
    """An answer's placeholders must be region fields, and its sources readable names, not files."""
    texts = {key: raw[key] for key in ("text", "for_family", "for_self") if isinstance(raw.get(key), str)}
    found = _placeholder_problems(path, raw, texts, f"{section}.{answer_id}")
    sources = raw.get("sources")
    for index, source in enumerate(sources if isinstance(sources, LineList) else []):
        if isinstance(source, str) and _looks_like_a_file(source.strip()):
            found.append(f"{path}:{sources.lines[index]}: {section}.{answer_id}: source '{source}' is a file name; "
                         "write the publisher and the title as people read them, e.g. "
                         "'NIDA: Drugs, Brains, and Behavior: The Science of Addiction'")
    return found


def _looks_like_a_file(source: str) -> bool:
    """A file path or file name: one word with a folder or a file extension (a full https link is fine)."""
    if not source or any(c.isspace() for c in source) or source.lower().startswith(("https://", "http://")):
        return False
    return "/" in source or "\\" in source or bool(_FILE_EXTENSION.search(source))


def _crisis_lexicon(parts: _Parts) -> tuple[CrisisLexicon, dict[str, Where]]:
    """The operator's crisis lexicon (all files merged) and where each pattern was written."""
    lexicon = CrisisLexicon()
    where: dict[str, Where] = {}
    for model, path, raw in parts.crisis:
        lexicon = lexicon.merged(CrisisLexicon(
            groups={k: tuple(v) for k, v in model.groups.items()},
            vocabulary=tuple(model.vocabulary), idioms=tuple(model.idioms),
            info_frames=tuple(model.info_frames), hypotheticals=tuple(model.hypotheticals),
            past_frames=tuple(model.past_frames),
            urgency=tuple(model.urgency), negations=tuple(model.negations),
            patterns={k: tuple(v) for k, v in model.patterns.items()},
            soft_patterns={k: tuple(v) for k, v in model.soft_patterns.items()},
        ))
        for section in ("idioms", "info_frames", "hypotheticals", "past_frames", "urgency", "negations"):
            for index, source in enumerate(getattr(model, section)):
                where.setdefault(source, Where(path, line_of(raw, (section, index))))
        for section in ("patterns", "soft_patterns"):
            for category, sources in getattr(model, section).items():
                for index, source in enumerate(sources):
                    where.setdefault(source, Where(path, line_of(raw, (section, category, index))))
        for name in model.groups:
            where.setdefault(f"{{{name}}}", Where(path, line_of(raw, ("groups", name))))
    return lexicon, where


def _concept_reader(parts: _Parts, problems: list[str]) -> ConceptReader | None:
    """The content's risk concepts (all files merged), each name checked where it is used; None
    (the built-in concepts serve) when no file defines any."""
    if not parts.concepts:
        return None
    concepts: dict[str, list[str]] = {}
    excluded: dict[str, list[str]] = {}
    soft: dict[str, str] = {}
    escalations: list[Escalation] = []
    clearances: list[str] = []
    self_clearances: list[str] = []
    negations: list[str] = []
    follow_ups: list[str] = []
    asked_about: dict[str, list[str]] = {}
    told_as_over: list[str] = []
    present: list[str] = []
    carried_back: list[str] = []
    masked_by: dict[str, list[str]] = {}
    own_overdose: Whose | None = None
    for model, _, _ in parts.concepts:
        for name, words in model.concepts.items():
            concepts.setdefault(name, []).extend(words)
        for name, words in model.excluded.items():
            excluded.setdefault(name, []).extend(words)
        soft.update(model.soft)
        escalations += [Escalation(e.category, tuple(e.all_of), tuple(e.none_of), e.firm) for e in model.escalations]
        clearances += model.clearances
        self_clearances += model.self_clearances
        negations += model.negations
        follow_ups += model.follow_ups
        for name, askers in model.asked_about.items():
            asked_about.setdefault(name, []).extend(askers)
        told_as_over += model.told_as_over
        present += model.present
        carried_back += model.carried_back
        for name, maskers in model.masked_by.items():
            masked_by.setdefault(name, []).extend(maskers)
        if model.own_overdose is not None:
            own_overdose = Whose(tuple(model.own_overdose.all_of), tuple(model.own_overdose.none_of))
    for model, path, raw in parts.concepts:
        _check_concept_names(model, path, raw, set(concepts), problems)
    return ConceptReader(ConceptLexicon(
        concepts={k: tuple(v) for k, v in concepts.items()}, excluded={k: tuple(v) for k, v in excluded.items()},
        soft=soft, escalations=tuple(escalations), clearances=tuple(dict.fromkeys(clearances)),
        self_clearances=tuple(dict.fromkeys(self_clearances)),
        negations=tuple(negations), follow_ups=tuple(follow_ups),
        asked_about={k: tuple(v) for k, v in asked_about.items()}, own_overdose=own_overdose,
        told_as_over=tuple(dict.fromkeys(told_as_over)), present=tuple(dict.fromkeys(present)),
        carried_back=tuple(dict.fromkeys(carried_back)),
        masked_by={k: tuple(dict.fromkeys(v)) for k, v in masked_by.items()}))


def _check_concept_names(model: ConceptsModel, path: Path, raw: LineDict, known: set[str],
                         problems: list[str]) -> None:
    """Every concept a rule names exists, and no phrase is longer than the reader looks."""
    def unknown(name: str, where: tuple[Any, ...]) -> None:
        if name not in known:
            problems.append(f"{path}:{line_of(raw, where)}: unknown concept '{name}' "
                            f"(defined: {', '.join(sorted(known))})")

    for name in model.soft:
        unknown(name, ("soft", name))
    for index, escalation in enumerate(model.escalations):
        for name in (*escalation.all_of, *escalation.none_of):
            unknown(name, ("escalations", index))
    for index, name in enumerate(model.clearances):
        unknown(name, ("clearances", index))
    for index, name in enumerate(model.self_clearances):
        unknown(name, ("self_clearances", index))
    for name, askers in model.asked_about.items():
        for asker in (name, *askers):
            unknown(asker, ("asked_about", name))
    for key in ("told_as_over", "present", "carried_back"):
        for index, name in enumerate(getattr(model, key)):
            unknown(name, (key, index))
    for name, maskers in model.masked_by.items():
        for masker in (name, *maskers):
            unknown(masker, ("masked_by", name))
    if model.own_overdose is not None:
        for name in (*model.own_overdose.all_of, *model.own_overdose.none_of):
            unknown(name, ("own_overdose",))
    for name, words in model.concepts.items():
        for index, phrase in enumerate(words):
            if len(phrase.lstrip("=").split()) > MAX_PHRASE_WORDS:
                problems.append(f"{path}:{line_of(raw, ('concepts', name, index))}: concept phrase '{phrase}' "
                                f"has more than {MAX_PHRASE_WORDS} words")


def _intents(found: list[tuple[IntentModel, Where, list[int]]], answers: Mapping[str, Answer], section: str,
             missing: str, problems: list[str]) -> list[Intent]:
    """The intents of one language, each id once and each pointing at an answer of that language."""
    intents: list[Intent] = []
    seen: dict[str, Where] = {}
    for model, where, lines in found:
        if model.id in seen:
            problems.append(f"{where}: {section} '{model.id}' is already defined at {seen[model.id]}")
            continue
        seen[model.id] = where
        if model.answer not in answers:
            problems.append(f"{where}: {section} '{model.id}' points at answer '{model.answer}', {missing}")
        examples = tuple(Example(t, Where(where.path, lines[i] if i < len(lines) else where.line))
                         for i, t in enumerate(model.examples))
        intents.append(Intent(model.id, model.answer, model.kind, examples, tuple(model.keywords), where,
                              tuple(model.needs_one_of), tuple(model.never_with)))
    return intents


def _answers(found: Mapping[str, tuple[AnswerModel, Where]],
             english: Mapping[str, Answer] | None = None) -> dict[str, Answer]:
    """Answers from their models; a Spanish answer that lists no sources cites its English one's."""
    def sources(answer_id: str, model: AnswerModel) -> tuple[str, ...]:
        if not model.sources and english is not None and answer_id in english:
            return english[answer_id].sources
        return tuple(model.sources)

    return {k: Answer(k, m.title, m.text, sources(k, m), tuple(m.follow_ups), w, m.for_family, m.for_self)
            for k, (m, w) in found.items()}


def _spanish_problems(parts: _Parts, answers: Mapping[str, Answer], answers_es: Mapping[str, Answer]) -> list[str]:
    """A Spanish text translates an English one: its id, its follow-ups and its interface key exist."""
    problems = []
    for answer in answers_es.values():
        if answer.id not in answers:
            problems.append(f"{answer.where}: answers_es has '{answer.id}', which no English answer has: "
                            "a Spanish answer translates an answer of answers.yaml (same id)")
        for follow_up in answer.follow_ups:
            if follow_up not in answers_es:
                problems.append(f"{answer.where}: answers_es.{answer.id} offers follow-up '{follow_up}', "
                                "which has no Spanish text in answers_es")
    for key, where in parts.interface_es_where.items():
        if key not in parts.interface:
            problems.append(f"{where}: interface_es has '{key}', which interface does not: "
                            "a Spanish text translates an English one")
    return problems


def _spanish_matcher(parts: _Parts, intents_es: list[Intent],
                     matching: MatchingSettings) -> tuple[Lexicon, Matcher | None]:
    """The Spanish intents' own matcher, built the same way as the English one; None without any."""
    lexicon = Lexicon(parts.misspellings_es, parts.synonyms_es, frozenset(parts.stopwords_es))
    if not intents_es:
        return lexicon, None
    return lexicon, _matcher(intents_es, Normaliser(lexicon), matching, _substances(parts))


def _substances(parts: _Parts) -> Substances:
    return Substances(frozenset(parts.substances), frozenset(parts.opioids))


def _matcher(intents: list[Intent], normaliser: Normaliser, matching: MatchingSettings,
             substances: Substances) -> Matcher:
    return Matcher([IntentPhrases(i.id, [e.text for e in i.examples], i.keywords, i.kind == "smalltalk",
                                  i.needs_one_of, i.never_with) for i in intents],
                   normaliser, matching.threshold, matching.clarify_margin, substances)


def _build(parts: _Parts, matching: MatchingSettings, problems: list[str]) -> Catalog | None:
    answers = _answers(parts.answers)
    answers_es = _answers(parts.answers_es, answers)
    intents = _intents(parts.intents, answers, "intent", "which no file in responses/ defines", problems)
    intents_es = _intents(parts.intents_es, answers_es, "intents_es",
                          "which has no Spanish text in answers_es (responses/answers_es.yaml)", problems)
    problems += _spanish_problems(parts, answers, answers_es)
    for answer in answers.values():
        if answer.id in BUTTON_IDS:
            problems.append(f"{answer.where}: answer id '{answer.id}' is reserved for a button "
                            f"({', '.join(sorted(BUTTON_IDS))}): choose another")
        for follow_up in answer.follow_ups:
            if follow_up not in answers:
                problems.append(f"{answer.where}: answer '{answer.id}' offers follow-up '{follow_up}', "
                                "which is not an answer")
    topics = {intent.answer for intent in intents if intent.kind == "answer"}
    for answer_id, where in parts.starter_topics:
        if answer_id not in topics:
            problems.append(f"{where}: starter topic '{answer_id}' is not the answer of any topic intent")
    if not intents:
        problems.append(f"{parts.where('intents', IntentsFile)}: no intents defined")
    crisis_lexicon, crisis_where = _crisis_lexicon(parts)
    concept_reader = _concept_reader(parts, problems)
    try:
        detector = CrisisDetector(crisis_lexicon.merged(BUILTIN_LEXICON), concept_reader)
    except PatternError as exc:
        where = crisis_where.get(exc.source) or parts.where("crisis", IntentsFile)
        problems.append(f"{where}: crisis pattern '{exc.source}': {exc}")
    if parts.hotlines is None:
        problems.append(f"{parts.where('hotlines', ResponsesFile)}: no file defines 'hotlines' (help lines per region)")
        return None
    hotlines, hotlines_where = parts.hotlines
    if hotlines.default_region not in hotlines.regions:
        problems.append(f"{hotlines_where}: default_region '{hotlines.default_region}' is not one of the regions")
    for key in REQUIRED_CRISIS_REPLIES:
        if key not in parts.crisis_replies and key not in OPTIONAL_CRISIS_REPLIES:
            problems.append(f"{parts.where('crisis_replies', ResponsesFile)}: crisis_replies has no reply for '{key}'")
    for key, where in parts.crisis_replies_es_where.items():
        if key not in parts.crisis_replies and key not in OPTIONAL_CRISIS_REPLIES:
            problems.append(f"{where}: crisis_replies_es has '{key}', which crisis_replies does not: "
                            "a Spanish reply translates an English one")
    problems += [f"{where}: opioid '{word}' is not among the substances: list it there too"
                 for word, where in parts.opioids.items() if word not in parts.substances]
    for key in REQUIRED_INTERFACE:
        if key not in parts.interface:
            problems.append(f"{parts.where('interface', ResponsesFile)}: interface has no text for '{key}'")
    if problems:
        return None
    lexicon = Lexicon(parts.misspellings, parts.synonyms, frozenset(parts.stopwords))
    normaliser = Normaliser(lexicon)
    matcher = _matcher(intents, normaliser, matching, _substances(parts))
    lexicon_es, matcher_es = _spanish_matcher(parts, intents_es, matching)
    regions = {code: Region(code, **r.model_dump()) for code, r in hotlines.regions.items()}
    return Catalog(
        intents=tuple(intents), answers=answers, lexicon=lexicon, crisis_lexicon=crisis_lexicon,
        crisis_where=crisis_where, regions=regions, default_region=hotlines.default_region,
        interface=dict(parts.interface), crisis_replies=dict(parts.crisis_replies),
        crisis_replies_es=dict(parts.crisis_replies_es),
        normaliser=normaliser, matcher=matcher,
        detector=detector,
        threshold=matching.threshold, clarify_margin=matching.clarify_margin,
        starter_topics=tuple(dict.fromkeys(answer_id for answer_id, _ in parts.starter_topics)),
        intents_es=tuple(intents_es), answers_es=answers_es, lexicon_es=lexicon_es, matcher_es=matcher_es,
        interface_es=dict(parts.interface_es), readers_es=dict(parts.readers_es),
    )
