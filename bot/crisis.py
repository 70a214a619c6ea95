"""Crisis detection: runs first on every message and must neither miss nor cry wolf.

The lexicon (regular expressions per category) lives in `intents/crisis.yaml`; a small built-in
core (`BUILTIN_LEXICON`) is always added to it, so an operator's edit cannot remove the basics and
detection still works when the content cannot load at all. Patterns are matched against the
*crisis form* of a message, in which leetspeak, spaced letters, look-alike letters, stretched and
doubled letters and near-misspellings of key words are undone. Not for choosing what to say:
replies live in `responses/crisis.yaml` (and `BUILTIN_REPLY` here for when they cannot load).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

from bot.concepts import FULL, SOFT, ConceptLexicon, ConceptReader, Escalation, Whose, distinct_stem, squeeze
from bot.normalise import fold, words
from bot.regex_gate import PatternGate
from bot.regex_prefix import WordStarts, compile_word_start, matches_at

# Order is priority: an overdose happening now needs 911 before anything else. Patterns about
# someone else or about violence are narrower than first-person ones, so they are tried first and
# a first-person pattern that only re-reads the same words does not override them.
CATEGORIES = ("overdose", "overdose_self", "other_at_risk", "danger", "suicide", "elevated")
# Under a negation, "im not going to kill myself" still earns a gentle check-in (elevated), while
# "she never said anything about hurting herself" or "im not hopeless" reports no risk at all.
_NEGATED_BECOMES = {"suicide": "elevated", "other_at_risk": None, "elevated": None}

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
                       "!": "i", "|": "l"})
_LEET_CHARS = frozenset("013457@$!|")
# "3am", "10mg", "2nd", "5kms": numbers with units are not leetspeak.
_NUMBER_WITH_UNIT = re.compile(r"^\d+(?:[.,]\d+)?[a-z]{0,3}$")
# Three single letters in a row ("k i l l"), the only case `_join_spaced_letters` changes.
_SPACED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z] [a-z] [a-z](?![a-z0-9])")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
# A contraction whose apostrophe became a space ("don t", "i m", "it s": some keyboards and
# copy-pastes do this): joined back, so "i don t want to die" reads as the negation it is.
_SPLIT_CONTRACTION = re.compile(
    r"\b(don|can|won|didn|doesn|isn|wasn|aren|weren|couldn|wouldn|shouldn|haven|hasn|hadn|ain) (t)\b"
    r"|\b(i) (m|ve|ll|d)\b|\b(you|we|they) (re|ve|ll)\b|\b(it|that|he|she|what|there) (s)\b")
# The second halves above, as words: a form holding none of them has no split contraction, and is
# not searched for one (most messages, and a long one costs a search of every word).
_CONTRACTION_ENDS = frozenset({"t", "m", "ve", "ll", "d", "re", "s"})
# Long messages are read in windows of this many characters, half overlapping (see `hits`).
_WINDOW = 600
# Sentences longer than this many words are read in half-overlapping runs of it.
_SENTENCE_WORDS = 30
# Where a message is cut into sentences for the concept reading (before punctuation goes).
_SENTENCE_END = re.compile(r"[.!?;\u2026]+(?=\s|$)|\n+|\s+(?:but|then|and then|and now)\s+")
# Marks a sentence break through the crisis form (a word no message has, with no doubled letter).
_BREAK = "zqbreakzq"


def _mark_break(match: re.Match[str]) -> str:
    """A break before the joining word ("but", "then"), which the patterns still read."""
    return f" {_BREAK} {match.group(0).strip(' .!?;')} "
# A pattern starting with one of this many words or more ("{person} ...") is tried only where one
# of them starts a word; with fewer, `re` finds its first word faster by itself.
_MANY_LEADS = 6


@dataclass(frozen=True)
class CrisisLexicon:
    """What `intents/crisis.yaml` holds, before compiling. All patterns are regex source."""

    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    idioms: tuple[str, ...] = ()
    info_frames: tuple[str, ...] = ()
    hypotheticals: tuple[str, ...] = ()
    past_frames: tuple[str, ...] = ()
    urgency: tuple[str, ...] = ()
    negations: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()
    patterns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    soft_patterns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def merged(self, other: CrisisLexicon) -> CrisisLexicon:
        """This lexicon with `other` added (used to add the built-in core to the operator's)."""

        def join(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(a + b))

        def join_map(a: Mapping[str, tuple[str, ...]], b: Mapping[str, tuple[str, ...]]):
            return {k: join(tuple(a.get(k, ())), tuple(b.get(k, ()))) for k in dict.fromkeys([*a, *b])}

        return CrisisLexicon(
            groups=join_map(self.groups, other.groups),
            idioms=join(self.idioms, other.idioms),
            info_frames=join(self.info_frames, other.info_frames),
            hypotheticals=join(self.hypotheticals, other.hypotheticals),
            past_frames=join(self.past_frames, other.past_frames),
            urgency=join(self.urgency, other.urgency),
            negations=join(self.negations, other.negations),
            vocabulary=join(self.vocabulary, other.vocabulary),
            patterns=join_map(self.patterns, other.patterns),
            soft_patterns=join_map(self.soft_patterns, other.soft_patterns),
        )


@dataclass(frozen=True, slots=True)
class CrisisResult:
    """A detection. Holds no message text, so it can be counted and logged safely."""

    category: str
    # Further categories found in other words of the same message ("he hits me and i want to
    # die"): the reply adds a line for each.
    also: tuple[str, ...] = ()
    # FULL: the crisis reply takes over. SOFT: the answer goes out with this category's help line.
    level: int = FULL
    # "es" when the message is Spanish, so the reply and its help lines are Spanish too.
    lang: str = "en"

    @property
    def full(self) -> bool:
        return self.level >= FULL


class PatternError(ValueError):
    """A lexicon pattern that does not compile; `source` is the pattern as the operator wrote it."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"pattern does not compile: {reason}")
        self.source = source


@dataclass(frozen=True, slots=True)
class Hit:
    """One pattern match: which category, where in the crisis form, and which pattern (its source)."""

    category: str
    span: tuple[int, int]
    pattern: str


def _unleet(token: str) -> str:
    stripped = token.rstrip("!|")  # "blue!!!" is shouting, not "bluei"
    if not stripped:
        return token
    token = stripped
    if _LEET_CHARS.isdisjoint(token) or _NUMBER_WITH_UNIT.match(token) or not any(c.isalpha() for c in token):
        return token
    return token.translate(_LEET)


def _join_contraction(match: re.Match[str]) -> str:
    return "".join(part for part in match.groups() if part)


def _join_spaced_letters(tokens: list[str]) -> list[str]:
    """'k i l l myself' -> 'kill myself': three or more single letters in a row are one word."""
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        if len(run) >= 3:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if token:
            out.append(token)
    return out


# A run of letters in a pattern's source that is a whole word: after a space, a boundary, the start or
# a choice, and before one of those (not "less" in "hope?less", not "soon" in "soon\w*").
_LETTER_RUN = re.compile(r"(?:^|(?<=[ |(:)?])|(?<=\\b)|(?<=\\x20)|(?<=\\s))(?<![a-z]\?)"
                         r"[a-z]+(?=$|[ |)?]|\\b|\\x20|\\s)")


def _keep_distinct(match: re.Match[str]) -> str:
    """A word of `DISTINCT_SPELLINGS` in a pattern, its doubled letters written as `o{2}`: squeezing
    leaves it whole, as it leaves the word in a message."""
    word = match.group(0)
    stem = distinct_stem(word)
    if stem is None:
        return word
    return re.sub(r"([a-z])\1", r"\1{2}", stem) + word[len(stem):]


def _compile_source(source: str, groups: Mapping[str, str]) -> str:
    """Expand `{group}` references, squeeze letters and let a space also match no space."""
    def group(match: re.Match[str]) -> str:
        if match.group(1) not in groups:
            raise ValueError(f"unknown group {{{match.group(1)}}}")
        return groups[match.group(1)]

    expanded = _PLACEHOLDER.sub(group, source)
    expanded = _LETTER_RUN.sub(_keep_distinct, expanded)  # "noose" stays "noose" (see `squeeze`)
    expanded = re.sub(r"(?<!\\)([a-z])\1+", r"\1", expanded)  # never the letter of an escape like \b
    # A word written as `\w+ ` ends at a space or the end: with `\s*` it could also end inside a
    # word ("whit" as "w" + "hit"), which finds nothing real and makes the search very slow.
    expanded = expanded.replace("\\w+ ", "\\w+(?:\\s+|$)")
    # And a word written as ` \w+` starts after a space: "my \w+" is "my son", never "myself".
    expanded = expanded.replace(" \\w+", "\\s+\\w+")
    return re.sub(r"(?<!\\) ", r"\\s*", expanded)


def compile_pattern(source: str, groups: Mapping[str, tuple[str, ...]]) -> re.Pattern[str]:
    """One operator pattern compiled on its own, so a bad one can be named with its line."""
    return re.compile(_compile_source(source, _expand_groups(groups)))


def expand_patterns(sources: Iterable[str], groups: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """The regular expression each pattern runs as (groups expanded, letters squeezed, spaces
    widened), for `lantern validate` to check its shape; one that cannot expand is left out
    (loading reports it)."""
    expanded = _expand_groups(groups)
    expressions = {}
    for source in sources:
        with suppress(ValueError):
            expressions[source] = _compile_source(source, expanded)
    return expressions


def _expand_groups(groups: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    expanded: dict[str, str] = {}
    for name, alts in groups.items():  # a group may use the groups defined before it
        try:
            expanded[name] = "(?:" + "|".join(_compile_source(a, expanded) for a in alts) + ")"
        except ValueError as exc:
            raise PatternError(f"{{{name}}}", str(exc)) from exc
    return expanded


def _compiled(sources: tuple[str, ...], groups: Mapping[str, str]) -> list[tuple[str, str, re.Pattern[str]]]:
    """Each pattern compiled on its own: (source as written, regular expression, compiled)."""
    compiled = []
    for source in sources:
        try:
            expression = _compile_source(source, groups)
            compiled.append((source, expression, compile_word_start(expression)))
        except (re.error, ValueError) as exc:
            raise PatternError(source, str(exc)) from exc
    return compiled


def _alternation(sources: tuple[str, ...], groups: Mapping[str, str]) -> re.Pattern[str] | None:
    if not sources:
        return None
    try:
        return re.compile("|".join(f"(?:{_compile_source(s, groups)})" for s in sources))
    except (re.error, ValueError):
        _compiled(sources, groups)  # raises PatternError naming the faulty pattern
        raise


# Compiled sets of phrases kept per kind (messages combine the same few again and again).
_MAX_PHRASE_SETS = 256


class _Phrases:
    """Phrases that act together as one alternation (the leftmost match wins, then the next one
    after it), run with only the phrases whose words are in the text: some phrases are slow to
    fail on a long text. Each set of phrases is compiled once, on first use."""

    def __init__(self, sources: tuple[str, ...], groups: Mapping[str, str]) -> None:
        self._expressions = [expression for _, expression, _ in _compiled(sources, groups)]
        self._gate = PatternGate(self._expressions)
        self._alternations: dict[tuple[int, ...], re.Pattern[str]] = {}

    def blank(self, form: str, keep_length: bool) -> str:
        """Every match replaced by spaces (as many as it had characters, or one)."""
        numbers = tuple(self._gate.candidates(self._gate.present(form))) if self._expressions else ()
        if not numbers:
            return form
        if numbers not in self._alternations:
            if len(self._alternations) >= _MAX_PHRASE_SETS:  # crafted messages must not grow it without end
                self._alternations.clear()
            self._alternations[numbers] = re.compile("|".join(f"(?:{self._expressions[n]})" for n in numbers))
        if keep_length:
            return self._alternations[numbers].sub(lambda m: " " * len(m.group(0)), form)
        return self._alternations[numbers].sub(" ", form)


class CrisisDetector:
    """A compiled lexicon. Immutable (a cache of compiled phrase sets aside); safe to share between
    threads and swap on reload."""

    def __init__(self, lexicon: CrisisLexicon, concepts: ConceptReader | None = None) -> None:
        self._concepts = concepts or _BUILTIN_CONCEPTS
        groups = _expand_groups(lexicon.groups)
        self._idioms = _Phrases(lexicon.idioms, groups)
        self._hypotheticals = _Phrases(lexicon.hypotheticals, groups)
        self._negation = _alternation(lexicon.negations, groups)
        # Every pattern in the order tried: by category, each category's hard ones then soft ones.
        patterns = [(category, soft, compiled)
                    for category in CATEGORIES
                    for soft, table in ((False, lexicon.patterns), (True, lexicon.soft_patterns))
                    for compiled in _compiled(tuple(table.get(category, ())), groups)]
        self._patterns = tuple((category, soft, source, pattern) for category, soft, (source, _, pattern) in patterns)
        expressions = [expression for *_, (_, expression, _) in patterns]
        searched = [pattern for *_, pattern in self._patterns]
        # Frames only need a yes or no, so each phrase is gated and searched on its own, after them.
        frames = {"info": lexicon.info_frames, "urgent": lexicon.urgency, "past": lexicon.past_frames}
        self._frames: dict[str, range] = {}
        for kind, sources in frames.items():
            compiled = _compiled(tuple(sources), groups)
            self._frames[kind] = range(len(searched), len(searched) + len(compiled))
            expressions += [expression for _, expression, _ in compiled]
            searched += [pattern for _, _, pattern in compiled]
        self._searched = tuple(searched)
        self._gate = PatternGate(expressions)
        self._word_starts = WordStarts(expressions, min_leads=_MANY_LEADS)
        vocabulary = tuple(sorted({squeeze(w) for w in lexicon.vocabulary if len(w) >= 5}))
        self._correct = lru_cache(maxsize=20_000)(lambda token: _nearest(token, vocabulary))

    def form(self, text: str) -> str:
        """The crisis form of a message (see the module docstring)."""
        folded = fold(text)
        if not _LEET_CHARS.isdisjoint(folded):
            folded = " ".join(_unleet(t) for t in folded.split())
        joined = " ".join(words(folded))
        if _SPACED_LETTERS.search(joined):
            joined = " ".join(_join_spaced_letters(joined.split()))
        if not _CONTRACTION_ENDS.isdisjoint(joined.split()):  # after: "s u i c i d e" is one word
            joined = _SPLIT_CONTRACTION.sub(_join_contraction, joined)
        # Whole-string passes (a run of one letter never crosses a space); then each word once.
        form = " ".join(map(self._correct, squeeze(joined).split()))
        return self._idioms.blank(form, keep_length=False)

    def _forms(self, text: str) -> tuple[str, list[str], list[tuple[int, int, str]]]:
        """The message's crisis form, each sentence's for the concepts (long ones in runs of
        words), and where each sentence lies in the message's form: one pass, in which sentence
        breaks ride through the form as a marker word, then come out."""
        marked = self.form(_SENTENCE_END.sub(_mark_break, text))
        # Split on the marker itself: two breaks in a row ("?\n") leave it twice with one space.
        pieces = [" ".join(piece.split()) for piece in marked.split(_BREAK)]
        pieces = [piece for piece in pieces if piece]
        spans: list[tuple[int, int, str]] = []
        start = 0
        for piece in pieces:
            spans.append((start, start + len(piece), piece))
            start += len(piece) + 1
        forms: list[str] = []
        for piece in pieces:
            tokens = piece.split()
            if len(tokens) <= _SENTENCE_WORDS:
                forms.append(piece)
                continue
            step = _SENTENCE_WORDS // 2
            forms += [" ".join(tokens[i:i + _SENTENCE_WORDS]) for i in range(0, len(tokens) - step, step)]
        return " ".join(pieces), forms, spans

    def detect(self, text: str) -> CrisisResult | None:
        """The most urgent category the message signals, at the level it calls for, or None.

        Two readings: the pattern lexicon (known phrasings, full replies) and the concepts
        (escalate by default). The more urgent of the two leads; the other is added as `also`.
        """
        form, sentences, spans = self._forms(text)
        hits = self._hits_of(form)
        hard = self._pattern_result(hits)
        if hard is not None and self._cleared(hits, spans):
            hard = replace(hard, level=SOFT)
        reading = self._concepts.read(sentences)
        if hard is None and reading.level == 0:
            return None
        if hard is None or (not hard.full and reading.level >= FULL):
            category = self._who_overdosed(reading.category or "elevated", reading.concepts)
            return CrisisResult(category, level=reading.level)
        if not hard.full:
            return replace(hard, category=self._who_overdosed(hard.category, reading.concepts))
        categories = [hard.category, *hard.also]
        if reading.level >= FULL and reading.category and reading.category not in categories:
            categories.append(reading.category)
        categories = [self._who_overdosed(c, reading.concepts) for c in categories]
        # A known phrasing's category leads, unless the concepts name a graver one than violence or
        # despair ("my dad has a gun and says he will use it on himself": someone at risk, and danger).
        lead = categories[0] if categories[0] not in _YIELDING else None
        ranked = sorted(dict.fromkeys(categories), key=lambda c: (c != lead, CATEGORIES.index(c)))
        if len(ranked) > 1 and "elevated" in ranked:
            ranked.remove("elevated")
        return CrisisResult(ranked[0], also=tuple(ranked[1:]))

    def _who_overdosed(self, category: str, concepts: frozenset[str]) -> str:
        """An overdose told of oneself ("i took too much i cant breathe") gets the reply for the person
        themself; told of someone else, the bystander's steps. Who is who: `own_overdose` in the concepts."""
        return "overdose_self" if category == "overdose" and self._concepts.own_overdose(concepts) else category

    def _cleared(self, hits: list[Hit], spans: list[tuple[int, int, str]]) -> bool:
        """Whether every sentence a pattern matched in carries a clearance (a story told as past,
        a dream, a joke, news, or an outcome told in the sentence after it): the reply then drops one
        step, to the answer with the help line. A match across two sentences is never cleared."""
        matched: list[int] = []
        for hit in hits:
            inside = [n for n, (start, end, _) in enumerate(spans) if start <= hit.span[0] and hit.span[1] <= end]
            if not inside:
                return False
            matched.append(inside[0])
        return bool(matched) and all(
            self._concepts.clears(spans[n][2], spans[n + 1][2] if n + 1 < len(spans) else "")
            for n in dict.fromkeys(matched))

    def is_follow_up(self, text: str) -> bool:
        """A message that, right after a risky one, reports the risk went ahead ("ok i took them")."""
        return self._concepts.is_follow_up(self.form(text))

    @staticmethod
    def _pattern_result(hits: list[Hit]) -> CrisisResult | None:
        if not hits:
            return None
        chosen: list[str] = []
        taken: list[tuple[int, int]] = []
        for category in CATEGORIES:
            spans = [hit.span for hit in hits if hit.category == category]
            fresh = [sp for sp in spans if not any(sp[0] < t[1] and t[0] < sp[1] for t in taken)]
            if fresh and (not chosen or category != "elevated"):
                chosen.append(category)
            taken.extend(spans)
        return CrisisResult(chosen[0], also=tuple(chosen[1:]))

    def hits(self, text: str) -> list[Hit]:
        """Every pattern match found, negations applied (see `_NEGATED_BECOMES`).

        A long message is read in overlapping windows, so its cost grows with its length and no
        pattern ever runs over more than `_WINDOW` characters (patterns span far less).
        """
        return self._hits_of(self.form(text))

    def _hits_of(self, form: str) -> list[Hit]:
        if len(form) <= _WINDOW:
            return self._hits_in(form) if form else []
        found: dict[tuple[str, tuple[int, int]], Hit] = {}
        for start in range(0, len(form) - _WINDOW // 2, _WINDOW // 2):
            cut = form.rfind(" ", 0, start) + 1 if start else 0
            end = form.find(" ", cut + _WINDOW)
            window = form[cut:end if end > 0 else len(form)]
            for hit in self._hits_in(window):
                span = (hit.span[0] + cut, hit.span[1] + cut)
                found.setdefault((hit.category, span), Hit(hit.category, span, hit.pattern))
        return list(found.values())

    def _hits_in(self, form: str) -> list[Hit]:
        runnable, starts = self._runnable(form)
        informational = (self._frame_found("info", runnable, form, starts)
                         and not self._frame_found("urgent", runnable, form, starts))
        if informational:
            # "how do i know if someone is overdosing": the if-clause describes, it does not report.
            blanked = self._hypotheticals.blank(form, keep_length=True)
            if blanked != form:
                form = blanked
                runnable, starts = self._runnable(form)
        quiet = informational or self._frame_found("past", runnable, form, starts)
        found: list[Hit] = []
        for number in runnable:
            if number >= len(self._patterns):
                break  # the frames come last
            category, soft, source, _ = self._patterns[number]
            if soft and quiet:
                continue
            for match in self._matches(number, form, starts):
                if category in _NEGATED_BECOMES and self._negated(form, match.start(), category):
                    downgraded = _NEGATED_BECOMES[category]
                    if downgraded:
                        found.append(Hit(downgraded, match.span(), source))
                else:
                    found.append(Hit(category, match.span(), source))
        return found

    def _runnable(self, form: str) -> tuple[list[int], dict[int, list[int]]]:
        """The patterns (and frames) that could match `form`, and where those that start with one
        of many words could start."""
        runnable = self._gate.candidates(self._gate.present(form))
        return runnable, self._word_starts.of(form, runnable)

    def _frame_found(self, kind: str, runnable: list[int], form: str, starts: dict[int, list[int]]) -> bool:
        numbers = self._frames[kind]
        return any(next(self._matches(n, form, starts), None) for n in runnable if n in numbers)

    def _matches(self, number: int, form: str, starts: dict[int, list[int]]) -> Iterator[re.Match[str]]:
        """Pattern `number`'s matches: tried only where a word it can start with starts, if it
        starts with a word (see `WordStarts`)."""
        if self._word_starts.leads[number] is None:
            return self._searched[number].finditer(form)
        return matches_at(self._searched[number], form, starts.get(number, ()))

    def _negated(self, form: str, start: int, category: str) -> bool:
        """A negation just before a match (four words; two for elevated), not cut off by a 'but'.

        Elevated patterns often begin with a negation of their own ("dont see the point"), so only
        a negation right before them ("im not hopeless") counts.
        """
        before = form[:start].split()[-(2 if category == "elevated" else 4):]
        if "but" in before:
            before = before[len(before) - before[::-1].index("but"):]
        return bool(self._negation and before and self._negation.search(" ".join(before)))


def _nearest(token: str, vocabulary: tuple[str, ...]) -> str:
    """A near-miss of a key word ('suicde', 'overdoseing') becomes that word; others stay."""
    if len(token) < 5 or token in vocabulary:
        return token
    found = extractOne(token, vocabulary, scorer=OSA.distance, score_cutoff=1)
    # A typo keeps its first letter; a real word one letter away rarely does ("laughter", "daughter").
    return found[0] if found and found[0][0] == token[0] else token


# --- The built-in core: always part of detection, and all of it when content cannot load. ---

# Negations that, right before a verb of violence, deny it ("he has never hit us").
_VERB_NEGATIONS = ("not", "never", "wouldnt", "wont", "didnt", "doesnt", "dont", "hasnt", "havent", "hadnt",
                   "isnt", "wasnt", "cant", "couldnt", "aint", "never once", "not once", "never ever", "not ever",
                   "wouldnt ever", "wont ever")

BUILTIN_LEXICON = CrisisLexicon(
    groups={
        "self": ("myself", "meself", "my self"),
        "other": ("himself", "herself", "themselves", "themself"),
        "person": ("he", "she", "they", "hes", "shes", "theyre", "son", "daughter", "wife", "husband",
                   "brother", "sister", "mom", "mum", "dad", "boyfriend", "girlfriend", "bf", "gf",
                   "partner", "friend", "kid", "child", "someone", "somebody"),
        # Right before a verb of violence: "he would never hit me" is no report of being hit (a name of
        # its own: merged with the file's `unnegated`, two lists would make either one enough).
        "core_unnegated": ("".join(rf"(?<!\b{word}\x20)".replace(" ", r"\x20") for word in _VERB_NEGATIONS),),
    },
    vocabulary=("suicide", "suicidal", "overdose", "overdosing", "overdosed", "myself", "himself",
                "herself", "breathing", "unresponsive", "unconscious", "naloxone"),
    negations=(r"(?<!why\x20)\b(?:not|never|wont|wouldnt|dont|didnt)\b(?!\s(?:know|care|wanted|felt)\b)",),
    patterns={
        "overdose": (
            r"\b(?:not|isnt|stopped|barely|cant|not really) breathing\b",
            r"\b(?:lips|face|skin|fingers|nails)\b.{0,20}\b(?:blue|purple|gr[ae]y)\b"
            r"(?!.{0,25}\b(?:slushie|popsicle|candy|cold|ice|paint|dye|ink)\b)",
            r"\bturning blue\b",
            r"\b{person}\b.{0,40}\b(?:wont|cant|will not|can not|isnt|not) (?:wake|waking|respond)",
            r"\bcant (?:wake|get) (?:him|her|them) (?:up|to wake)",
            r"\b(?:is|im|i am|hes|shes) (?:overdosing|oding)\b",
            r"\b(?:i|he|she|they) (?:think i |just )?took (?:way )?too (?:much|many)\s*$",
        ),
        "suicide": (
            r"\bkill {self}\b",
            r"\b(?:want|wanna|going|gonna|ready|plan|planning|decided|about) (?:to )?"
            r"(?:die|end it|end my life|kill {self}|take my (?:own )?life)\b",
            r"\bend my life\b",
            r"\b(?:im|i am|i feel|feeling|ive been) (?:so |really |very )?suicidal\b",
            r"\bcommit(?:ing)? suicide\b",
            r"(?<![0-9]\x20)(?<![0-9])\bkms\b",
            r"\bunalive\b",
            r"\b(?:sleep|go to sleep) and (?:not|never) wake up\b",
        ),
        "other_at_risk": (
            r"\bkill {other}\b",
            r"\b{person}\b.{0,30}\b(?:is|s|seems|been|sounds|was) (?:so |really |very )?suicidal\b",
            r"\b{person}\b.{0,40}\b(?:wants|wanted|going|gonna|talks|talking|said|says|threatening|tried) "
            r".{0,20}\b(?:die|suicide|end (?:it|his life|her life|their life))\b",
        ),
        "danger": (
            r"\b(?:threaten|threatened|threatening|going|gonna|wants|said he would|said she would) "
            r"(?:to )?(?:kill|hurt) (?:me|us)\b",
            r"\b(?:{person}|someone|somebody)\b (?:\w+ ){0,3}?"
            r"{core_unnegated}(?:hits|hit|beats|beat|beating|choked|chokes|strangled) me\b",
        ),
        "elevated": (
            r"\bhopeless\b",
            r"\bwhats the point (?:anymore|of living|of life)\b",
            r"\bnot suicidal but\b",
        ),
    },
)

# Categories a known phrasing found that give way to a graver one the concepts found.
_YIELDING = frozenset({"danger", "elevated"})


# The built-in concepts: always there when the content cannot load (the content's own concepts
# replace them when it does). Kept small: who is spoken of, wishes to die, an overdose happening.
BUILTIN_CONCEPTS = ConceptLexicon(
    concepts={
        "first_person": ("i", "im", "me", "my", "myself", "ive", "id", "ill"),
        "other_person": ("he", "she", "hes", "shes", "him", "her", "himself", "herself", "they", "son", "daughter",
                         "husband", "wife", "brother", "sister", "mom", "dad", "friend", "boyfriend", "girlfriend",
                         "partner", "kid", "child"),
        "death_wish": ("suicide", "suicidal", "kill myself", "end my life", "want to die", "wanna die",
                       "not wake up", "take my life", "be dead"),
        "overdose_sign": ("not breathing", "cant breathe", "wont wake up", "unresponsive", "turning blue",
                          "lips are blue", "overdosing"),
    },
    soft={"death_wish": "suicide", "overdose_sign": "overdose"},
    escalations=(Escalation("suicide", ("first_person", "death_wish"), ("other_person",)),
                 Escalation("other_at_risk", ("other_person", "death_wish")),
                 Escalation("overdose", ("overdose_sign",))),
    negations=("not", "no", "never", "dont", "wont", "didnt"),
    own_overdose=Whose(all_of=("first_person",), none_of=("other_person",)),
)
_BUILTIN_CONCEPTS = ConceptReader(BUILTIN_CONCEPTS)

# What Lantern says to a crisis when its content cannot load: US lines, and the rest of the
# world told to use their local emergency number. Numbers: 988lifeline.org, crisistextline.org.
BUILTIN_REPLY = (
    "I'm really glad you told me. You deserve help right now, from a real person.\n\n"
    "• If anyone is in immediate danger or not breathing, call 911 (US) or your local emergency number.\n"
    "• Call or text 988 (988 Suicide & Crisis Lifeline, US), any time, free.\n"
    "• Text HOME to 741741 (Crisis Text Line, US).\n"
    "• For an overdose: call 911, give naloxone (Narcan) if you have it, and stay with them.\n\n"
    "You are not alone, and things can get better. I'm still here if you want to keep talking."
)

_BUILTIN = CrisisDetector(BUILTIN_LEXICON)


def builtin_detect(text: str) -> CrisisResult | None:
    """Detection with the built-in core only: the fallback when anything else has failed."""
    return _BUILTIN.detect(text)
