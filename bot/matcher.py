"""Fuzzy intent matching: which topic a message is about, and how sure we are.

Every example phrasing is normalised once at load. A message is normalised the same way, its
unknown words are corrected to the nearest word the catalog knows, and then:

1. stage one scores it against *every* example with rapidfuzz (`ratio` over token-sorted strings,
   sorted once at load, i.e. token_sort_ratio at the speed of plain `ratio`) and keeps the best;
2. stage two rescores those with `token_set_ratio`, scaled by how much of the informative words
   (weighted by how few intents use them) the example and the message explain of each other;
3. each intent's best is blended with how much of the message its whole vocabulary explains, and
   its keywords add a bonus.

Then: answer, ask which of two close intents was meant (clarify), or admit we are unsure
(fallback). A wrong confident answer is worse than a fallback, so near-ties never answer.
Deterministic: no randomness, ties broken by the order intents are written in.
Not for crisis detection, which runs before this on its own lexicon.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process

from bot.normalise import Normaliser

# Stage one keeps this many examples for stage two: enough to see the best few distinct intents.
_CANDIDATES = 60
# Weight of informative-word coverage on an example's score (0 = plain token_set_ratio).
COVERAGE_WEIGHT = 0.3
# Weight of the intent's whole vocabulary explaining the message (helps long, rambling messages).
VOCABULARY_WEIGHT = 0.4
# A keyword (a distinctive word or phrase an operator lists for an intent) adds this much.
KEYWORD_BONUS = 8.0
# An unknown word at least this similar to a catalog word is read as that word ("withdrawl").
_SPELLING_CUTOFF = 82.0
_SPELLING_MIN_LENGTH = 4

# Long messages often give context first and ask last: their closing sentences are scored too.
_LONG_MESSAGE_WORDS = 14
_TAIL_SENTENCES = 2
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+|\n+")

# The deciding scorer for an example. Token-set comparison forgives extra words around the
# question ("hi, sorry to bother you, but why cant my son just quit").
SCORER = fuzz.token_set_ratio
_PRESCORER = fuzz.ratio

MatchKind = Literal["answer", "clarify", "fallback", "empty"]


@dataclass(frozen=True, slots=True)
class Ranked:
    intent: str
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    kind: MatchKind
    ranked: tuple[Ranked, ...]  # distinct intents, best first (at most three)
    canonical: str  # the normalised message, for the operators' unmatched list

    @property
    def best(self) -> Ranked | None:
        return self.ranked[0] if self.ranked else None


@dataclass(frozen=True, slots=True)
class IntentPhrases:
    """What the matcher needs of an intent: its id, example phrasings and keywords."""

    id: str
    examples: Sequence[str]
    keywords: Sequence[str]


def sorted_tokens(form: str) -> str:
    return " ".join(sorted(form.split()))


class Matcher:
    """Compiled examples of one catalog. Immutable after construction (the spelling cache aside)."""

    def __init__(self, intents: Sequence[IntentPhrases], normaliser: Normaliser, threshold: float,
                 clarify_margin: float) -> None:
        self._normaliser = normaliser
        self._threshold = threshold
        self._margin = clarify_margin
        self.intent_ids = tuple(i.id for i in intents)
        self.choices: list[str] = []
        self.sorted_choices: list[str] = []
        self._owner: list[int] = []
        self._token_sets: list[frozenset[str]] = []
        self.positions: dict[tuple[str, int], int] = {}  # (intent id, example index) -> position
        self._keywords: dict[str, set[int]] = {}
        vocabularies: list[set[str]] = [set() for _ in intents]
        for index, intent in enumerate(intents):
            for number, example in enumerate(intent.examples):
                form = normaliser.match_form(normaliser.canonical(example))
                if form:
                    self.positions[(intent.id, number)] = len(self.choices)
                    self.choices.append(form)
                    self.sorted_choices.append(sorted_tokens(form))
                    self._owner.append(index)
                    self._token_sets.append(frozenset(form.split()))
                    vocabularies[index] |= self._token_sets[-1]
            for keyword in intent.keywords:
                canonical = normaliser.canonical(keyword)
                if canonical:
                    self._keywords.setdefault(canonical, set()).add(index)
        self._vocabularies = tuple(frozenset(v) for v in vocabularies)
        self._keyword_words = max((len(k.split()) for k in self._keywords), default=0)
        self._weights, self._unknown_weight = _informativeness(self._vocabularies)
        self._example_weights = [sum(self._weights[t] for t in tokens) for tokens in self._token_sets]
        self._known = tuple(sorted(self._weights))
        self._correct = lru_cache(maxsize=50_000)(self._nearest_known)

    # --- scoring -------------------------------------------------------------------------------

    def rank(self, text: str, exclude: int | None = None) -> tuple[str, list[Ranked]]:
        """The normalised message and every intent scored, best first.

        `exclude` leaves one example out (by position in `choices`), so validation can ask how an
        example fares against all the others.
        """
        canonical = self._normaliser.canonical(text)
        best = self._scores(canonical, exclude)
        tail = _closing_sentences(text) if not self._confident(best) else None
        if tail is not None:
            for owner, value in self._scores(self._normaliser.canonical(tail), exclude).items():
                best[owner] = max(value, best.get(owner, 0.0))
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return canonical, [Ranked(self.intent_ids[i], s) for i, s in ranked]

    def _scores(self, canonical: str, exclude: int | None) -> dict[int, float]:
        """Each intent's score for one normalised text (see the module docstring)."""
        form = " ".join(self._correct(t) for t in self._normaliser.match_form(canonical).split())
        if not form:
            return {}
        weights = self._weights
        unknown = self._unknown_weight
        query = {t: weights.get(t, unknown) for t in form.split()}  # each word's informativeness
        query_weight = sum(query.values())
        query_words = query.keys()
        best: dict[int, float] = {}
        candidates = process.extract(sorted_tokens(form), self.sorted_choices, scorer=_PRESCORER,
                                     processor=None, limit=_CANDIDATES)
        for _, _, position in candidates:
            if position == exclude:
                continue
            # Coverage: 1 when example and message explain each other's informative words.
            shared = sum(query[t] for t in query_words & self._token_sets[position])
            both = (shared / self._example_weights[position] + shared / query_weight) / 2
            value = SCORER(form, self.choices[position]) * (1 - COVERAGE_WEIGHT + COVERAGE_WEIGHT * both)
            owner = self._owner[position]
            if value > best.get(owner, -1.0):
                best[owner] = value
        keyword_owners = self._keyword_hits(canonical)
        for owner, value in best.items():
            explained = sum(query[t] for t in query_words & self._vocabularies[owner]) / query_weight
            value = value * (1 - VOCABULARY_WEIGHT) + 100.0 * VOCABULARY_WEIGHT * explained
            if owner in keyword_owners:
                value += KEYWORD_BONUS
            best[owner] = min(100.0, value)
        return best

    def _verdict(self, best_first: list[float]) -> MatchKind:
        """Answer, clarify or fallback for scores sorted best first: the one place that decides."""
        if not best_first or best_first[0] < self._threshold:
            return "fallback"
        if len(best_first) > 1 and best_first[0] - best_first[1] < self._margin:
            return "clarify"
        return "answer"

    def _confident(self, scores: dict[int, float]) -> bool:
        """Whether these scores already give an answer: then a long message's closing sentences,
        scored to rescue it, would only repeat the work."""
        return self._verdict(sorted(scores.values(), reverse=True)[:2]) == "answer"

    def match(self, text: str) -> MatchResult:
        canonical, ranked = self.rank(text)
        top = tuple(ranked[:3])
        if not canonical.strip():
            return MatchResult("empty", top, canonical)
        return MatchResult(self._verdict([r.score for r in top]), top, canonical)

    def _nearest_known(self, token: str) -> str:
        if token in self._weights or len(token) < _SPELLING_MIN_LENGTH:
            return token
        found = process.extractOne(token, self._known, scorer=fuzz.ratio, score_cutoff=_SPELLING_CUTOFF)
        return found[0] if found else token

    def _keyword_hits(self, canonical: str) -> set[int]:
        tokens = canonical.split()
        owners: set[int] = set()
        for size in range(1, self._keyword_words + 1):
            for start in range(len(tokens) - size + 1):
                owners |= self._keywords.get(" ".join(tokens[start:start + size]), set())
        return owners


def _closing_sentences(text: str) -> str | None:
    """The last sentences of a long, multi-sentence message; None for short ones."""
    if len(text.split()) < _LONG_MESSAGE_WORDS:
        return None
    sentences = [s for s in _SENTENCE_END.split(text[:4000]) if s.strip()]
    if len(sentences) <= _TAIL_SENTENCES:
        return None
    return " ".join(sentences[-_TAIL_SENTENCES:])


def _informativeness(vocabularies: Sequence[frozenset[str]]) -> tuple[dict[str, float], float]:
    """Inverse intent frequency: a word few intents use says more about which one is meant."""
    count = len(vocabularies)
    used_by = Counter(t for vocabulary in vocabularies for t in vocabulary)
    weights = {t: math.log((count + 1) / (n + 1)) + 1 for t, n in used_by.items()}
    return weights, math.log(count + 1) + 1
