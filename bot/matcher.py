"""Fuzzy intent matching: which topic a message is about, and how sure we are.

Every example phrasing is normalised once at load; a message is normalised the same way and
scored against all of them with one rapidfuzz pass. The best score per intent, plus a bonus for
the intent's keywords, decides: answer, ask which of two was meant (clarify), or admit we are
unsure (fallback). A wrong confident answer is worse than a fallback, so ties never answer.
Not for crisis detection, which runs before this and on its own lexicon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from bot.normalise import Normaliser

# Stage one keeps this many examples for the finer stage-two score: enough to see the best few
# distinct intents even when a message shares words with many examples.
_CANDIDATES = 60
# A keyword (a distinctive word or phrase an operator lists for an intent) adds this much.
KEYWORD_BONUS = 8.0
# A message needs at least this much overlap to be scored at all (saves work on noise).
_SCORE_FLOOR = 30.0

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


# The deciding scorer, for matching, validation and benchmarks alike. Token-set comparison forgives
# extra words around the question ("hi, sorry to bother you, but why cant my son just quit").
SCORER = fuzz.token_set_ratio
# Stage one: plain similarity of token-sorted strings (token_sort_ratio at the speed of `ratio`,
# because the examples are sorted once at load), over every example.
_PRESCORER = fuzz.ratio


def sorted_tokens(form: str) -> str:
    return " ".join(sorted(form.split()))


class Matcher:
    """Compiled examples of one catalog. Immutable after construction."""

    def __init__(self, intents: Sequence[IntentPhrases], normaliser: Normaliser, threshold: float,
                 clarify_margin: float) -> None:
        self._normaliser = normaliser
        self._threshold = threshold
        self._margin = clarify_margin
        self.intent_ids = tuple(i.id for i in intents)
        self.choices: list[str] = []
        self.sorted_choices: list[str] = []
        self._owner: list[int] = []
        self.positions: dict[tuple[str, int], int] = {}  # (intent id, example index) -> position
        self._keywords: dict[str, set[int]] = {}
        for index, intent in enumerate(intents):
            for number, example in enumerate(intent.examples):
                form = normaliser.match_form(normaliser.canonical(example))
                if form:
                    self.positions[(intent.id, number)] = len(self.choices)
                    self.choices.append(form)
                    self.sorted_choices.append(sorted_tokens(form))
                    self._owner.append(index)
            for keyword in intent.keywords:
                canonical = normaliser.canonical(keyword)
                if canonical:
                    self._keywords.setdefault(canonical, set()).add(index)
        self._keyword_words = max((len(k.split()) for k in self._keywords), default=0)

    def rank(self, text: str, exclude: int | None = None) -> tuple[str, list[Ranked]]:
        """The normalised message and every intent scored above the floor, best first.

        `exclude` leaves one example out (by position in `choices`), so validation can ask how an
        example fares against all the others.
        """
        canonical = self._normaliser.canonical(text)
        form = self._normaliser.match_form(canonical)
        if not form:
            return canonical, []
        best: dict[int, float] = {}
        candidates = process.extract(sorted_tokens(form), self.sorted_choices, scorer=_PRESCORER,
                                     processor=None, limit=_CANDIDATES)
        for _, _, position in candidates:
            if position == exclude:
                continue
            value = SCORER(form, self.choices[position], score_cutoff=_SCORE_FLOOR)
            owner = self._owner[position]
            if value > best.get(owner, -1.0):
                best[owner] = value
        for owner in self._keyword_hits(canonical):
            if owner in best:
                best[owner] = min(100.0, best[owner] + KEYWORD_BONUS)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return canonical, [Ranked(self.intent_ids[i], s) for i, s in ranked]

    def match(self, text: str) -> MatchResult:
        canonical, ranked = self.rank(text)
        top = tuple(ranked[:3])
        if not canonical.strip():
            return MatchResult("empty", top, canonical)
        if not top or top[0].score < self._threshold:
            return MatchResult("fallback", top, canonical)
        if len(top) > 1 and top[0].score - top[1].score < self._margin:
            return MatchResult("clarify", top, canonical)
        return MatchResult("answer", top, canonical)

    def _keyword_hits(self, canonical: str) -> set[int]:
        tokens = canonical.split()
        owners: set[int] = set()
        for size in range(1, self._keyword_words + 1):
            for start in range(len(tokens) - size + 1):
                owners |= self._keywords.get(" ".join(tokens[start:start + size]), set())
        return owners
