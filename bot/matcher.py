"""Fuzzy intent matching: which topic a message is about, and how sure we are.

Every example phrasing is normalised once at load. A message is normalised the same way, its
unknown words are corrected to the nearest word the catalog knows, and then:

1. stage one scores it against *every* example and keeps the best: with rapidfuzz (`ratio` over
   token-sorted strings, sorted once at load, i.e. token_sort_ratio at the speed of plain `ratio`),
   or, for a long message, by the informative words each example shares with it (one array sum);
2. stage two rescores those with `token_set_ratio`, scaled by how much of the informative words
   (weighted by how few intents use them) the example and the message explain of each other;
3. each intent's best is blended with how much of the message its whole vocabulary explains, and
   its keywords add a bonus;
4. an intent that needs one of some words (`needs_one_of`) and finds none of them in the message
   stays below the threshold: "is it my fault he uses" shares a whole frame with "is it my fault my
   son died", and a grief answer to a parent whose son is alive is the worst kind of wrong answer.

A long message that stays unsure is scored again on its closing sentences; small talk followed
by a clear question ("thanks. what about relapse?") answers the question.

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

import numpy as np
from rapidfuzz import fuzz, process

from bot.asking import QUESTION_OPENERS, asks
from bot.normalise import Normaliser

# Stage one keeps this many examples for stage two: enough to see the best few distinct intents
# (with fewer, an example's own intent-mates can miss the cut: `lantern validate` then warns).
_CANDIDATES = 90
# From this many informative words on, stage one ranks examples by the informative words they
# share with the message instead: a character comparison of a long message with a short example
# mostly measures the difference in length. Shared words single out the few that matter, so
# fewer are kept.
_OVERLAP_WORDS = 12
_OVERLAP_CANDIDATES = 36
# Weight of informative-word coverage on an example's score (0 = plain token_set_ratio).
COVERAGE_WEIGHT = 0.3
# Weight of the intent's whole vocabulary explaining the message (helps long, rambling messages).
VOCABULARY_WEIGHT = 0.4
# A keyword (a distinctive word or phrase an operator lists for an intent) adds this much.
KEYWORD_BONUS = 8.0
# How far under the threshold an intent is held when the message has none of its needed words.
_HELD_BACK_GAP = 1.0
# An unknown word at least this similar to a catalog word is read as that word ("withdrawl").
_SPELLING_CUTOFF = 82.0
_SPELLING_MIN_LENGTH = 4
# A typo adds or drops a letter or two; a word three letters apart is another word ("tremens" is no
# misspelt "treatments").
_SPELLING_LENGTH_GAP = 2

# Long messages often give context first and ask last: their closing sentences are scored too.
_LONG_MESSAGE_WORDS = 14
_TAIL_SENTENCES = 2
# A question read apart from the story around it must say this much on its own to overrule the whole.
_QUESTION_ALONE_WORDS = 3
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+|\u2026\s*|\n+")
# Sentences and comma clauses, for the question that closes a short message.
_CLAUSE_END = re.compile(r"(?<=[.?!,;])\s+|\u2026\s*|\n+|\s+-+\s+")
# A short opening clause ("hi,", "thank you so much,") stands as a sentence of its own.
_OPENING_CLAUSE = re.compile(r"^\s*((?:\S+\s+){0,3}?\S+?)\s*[,;:-]+\s+(\S.*)$", re.S)
# Small talk followed by more sentences gives way to a topic only when the rest is clearly that
# topic on its own: the small talk was already a fair reply.
_AFTER_SMALL_TALK_SCORE = 70.0
# ...or when the rest is this long: a story or a question, not a pleasantry ("thanks, that helped").
_STORY_WORDS = 6

# A message of at most this many words is compared with each example whole (`ratio` over sorted
# words): token-set comparison scores any message found inside an example as a full match, so
# "ok" would score 93 against "is it ok to drink on methadone". Too short to carry a topic, such a
# message has to resemble an example, not merely appear in one.
_SHORT_MESSAGE_WORDS = 2
# The same holds the other way round: a one-word example ("ok", "hi", "right") is found inside many
# longer messages, so against those it counts only as much as it resembles the whole message.

# Small talk answers only a message that is small talk as a whole: past this many words, the
# small talk intent's own words must explain at least this share of the message ("Hey everyone,
# long time lurker here ... <a question about naltrexone>" is no greeting, "<a question about
# insurance> ... thank you reddit" no thanks). Held back, it can no longer hide the question.
_SMALL_TALK_WORDS = 4
_SMALL_TALK_SHARE = 0.5

# A single keyword word counts as stated by the writer only this few words after one of these, or after
# a word of degree a texted fragment opens with ("kinda numb tonight", "mostly numb these days") (the
# last line: their Spanish, normalised, for the Spanish feelings in intents/smalltalk_es.yaml: "estoy",
# "me siento" are the writer's own; "esta deprimido" is about someone else).
_STATING = frozenset({"i", "im", "ive", "am", "me", "feel", "feeling", "feelings", "felt", "feels", "so", "just",
                      "myself", "pretty", "really", "been",
                      "kinda", "mostly", "still", "totally", "completely", "super", "very", "getting", "honestly",
                      "estoy", "toy", "stoy", "ando", "sentir", "tengo", "sigo", "soy", "quede"})
_STATING_REACH = 3

# A topic with this share of its examples naming substances (`Substances`) is about those.
_DRUG_TOPIC_SHARE = 0.4

# A long message is answered only when its best topic is clearly ahead: it shares some words with
# many topics, so a medium score or a narrow lead is mostly chance, and a wrong answer to a long,
# worried message is worse than asking "did you mean...". From this many informative words on, the
# best must score this much and lead the next by this much, or Lantern asks which was meant.
# (Measured on the development sets: wrong answers on real outside questions fell by a quarter,
# while the held-out accuracy stayed above its floor.)
_LONG_CLARIFY_WORDS = 10
_LONG_SURE_SCORE = 60.0
_LONG_MARGIN = 5.0
# A topic's own subject: a word at least this many of its examples use and at most this many
# intents use at all ("relationship" in one example of the involuntary treatment topic is not its
# subject; "force", "commit" are), and its keywords. A message scoring under the sure score with
# none of its best topic's subject words shares only frame or family words with it ("how can I
# improve my relationship with my daughter" against "how can I force my daughter into treatment"):
# Lantern asks which was meant.
_SUBJECT_EXAMPLES = 2
_SUBJECT_INTENTS = 4
# Subject words are compared by their first letters, so "relapsing" names the subject "relapse".
_STEM = 6
_ANCHORED_SCORE = 60.0
# A whole post (this many informative words and more) shares some words with nearly every topic: one
# that never names its best topic's subject must score this much to be answered ("my wife found my
# reddit account... I admitted everything" is no question about harm reduction).
_POST_WORDS = 30
_POST_ANCHORED_SCORE = 70.0

# The deciding scorer for an example. Token-set comparison forgives extra words around the
# question ("hi, sorry to bother you, but why cant my son just quit").
SCORER = fuzz.token_set_ratio
_PRESCORER = fuzz.ratio

MatchKind = Literal["answer", "clarify", "fallback", "empty"]
# A result keeps this many intents, best first: a long post's best few are often small talk held
# under the threshold, and the topics after them are still worth offering.
_RANKED = 5


@dataclass(frozen=True, slots=True)
class Ranked:
    intent: str
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    kind: MatchKind
    ranked: tuple[Ranked, ...]  # distinct intents, best first (at most `_RANKED`)
    canonical: str  # the normalised message, for the operators' unmatched list
    # Whether the message names the best topic's own subject (None: not asked, e.g. small talk).
    anchored: bool | None = None

    @property
    def best(self) -> Ranked | None:
        return self.ranked[0] if self.ranked else None


@dataclass(frozen=True, slots=True)
class IntentPhrases:
    """What the matcher needs of an intent: its id, example phrasings, keywords and the words one
    of which a message must hold for this intent to be answered (none: no such condition)."""

    id: str
    examples: Sequence[str]
    keywords: Sequence[str]
    small_talk: bool = False
    needs_one_of: Sequence[str] = ()
    never_with: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Substances:
    """What people take, as normalised words (`substances` and `opioids` in intents/lexicon.yaml).

    A topic most of whose examples name some of them is about those: a message naming only others is
    not its to answer ("can you get addicted to suboxone" is no question about how addictive heroin
    is). Lantern's topics are written about `opioids`: a message naming only other substances
    ("alcohol withdrawal") is answered only by a topic that names them. Empty: no such rule.
    """

    all: frozenset[str] = frozenset()
    opioids: frozenset[str] = frozenset()


NO_SUBSTANCES = Substances()


def sorted_tokens(form: str) -> str:
    return " ".join(sorted(form.split()))


class Matcher:
    """Compiled examples of one catalog. Immutable after construction (the spelling cache aside)."""

    def __init__(self, intents: Sequence[IntentPhrases], normaliser: Normaliser, threshold: float,
                 clarify_margin: float, substances: Substances = NO_SUBSTANCES) -> None:
        self._normaliser = normaliser
        self._substances = substances
        self._threshold = threshold
        self._margin = clarify_margin
        self.intent_ids = tuple(i.id for i in intents)
        self._position = {intent_id: n for n, intent_id in enumerate(self.intent_ids)}
        self._small_talk = frozenset(index for index, intent in enumerate(intents) if intent.small_talk)
        self.choices: list[str] = []
        self.sorted_choices: list[str] = []
        owner_of: list[int] = []  # each example's intent (index)
        self._token_sets: list[frozenset[str]] = []
        self.positions: dict[tuple[str, int], int] = {}  # (intent id, example index) -> position
        vocabularies: list[set[str]] = [set() for _ in intents]
        for index, intent in enumerate(intents):
            for number, example in enumerate(intent.examples):
                form = normaliser.match_form(normaliser.canonical(example))
                if form:
                    self.positions[(intent.id, number)] = len(self.choices)
                    self.choices.append(form)
                    self.sorted_choices.append(sorted_tokens(form))
                    owner_of.append(index)
                    self._token_sets.append(frozenset(form.split()))
                    vocabularies[index] |= self._token_sets[-1]
        # The words of small talk keywords that no topic uses ("hi", "thanks", not "night" or "real
        # person"): an opening made only of these is a pleasantry before the message.
        topic_words = set().union(*(vocabularies[i] for i in range(len(intents)) if i not in self._small_talk))
        self._opening_words = frozenset(word for intent in intents if intent.small_talk for keyword in intent.keywords
                                        for word in normaliser.match_words(normaliser.canonical(keyword))
                                        if word not in topic_words)
        self._keywords = _PhraseIndex.of([intent.keywords for intent in intents], normaliser)
        self._needs = _PhraseIndex.of([intent.needs_one_of for intent in intents], normaliser)
        self._gated = frozenset(index for index, intent in enumerate(intents) if intent.needs_one_of)
        self._barred = _PhraseIndex.of([intent.never_with for intent in intents], normaliser)
        self._drugs_of, self._names_drugs = _drug_topics(intents, normaliser, substances.all)
        self._weights, self._unknown_weight = _informativeness(vocabularies)
        self._known = tuple(sorted(self._weights))
        self._correct = lru_cache(maxsize=50_000)(self._nearest_known)
        # Which examples and which intents use each word: the weight of the words a message shares
        # with every example (or intent) is then one weighted count over those lists.
        self._word_ids = {t: n for n, t in enumerate(self._known)}
        self._example_index = _WordIndex.of(self._token_sets, self._word_ids)
        self._intent_index = _WordIndex.of(vocabularies, self._word_ids)
        self._subjects = _subjects(intents, self._token_sets, owner_of, vocabularies, normaliser)
        self._example_weights = self._example_index.shared(list(range(len(self._known))),
                                                           [self._weights[t] for t in self._known])
        self._owners = np.array(owner_of, dtype=np.intp)
        self._one_word = np.array([len(t) == 1 for t in self._token_sets], dtype=bool)
        self._is_small_talk = np.array([index in self._small_talk for index in range(len(intents))], dtype=bool)

    # --- scoring -------------------------------------------------------------------------------

    def rank(self, text: str, exclude: int | None = None) -> tuple[str, list[Ranked]]:
        """The normalised message and every intent scored, best first.

        `exclude` leaves one example out (by position in `choices`), so validation can ask how an
        example fares against all the others.
        """
        canonical, ranked = self._ranked(text, exclude)
        return canonical, [Ranked(self.intent_ids[i], s) for i, s in ranked]

    def _ranked(self, text: str, exclude: int | None) -> tuple[str, list[tuple[int, float]]]:
        rest = self._after_pleasantry(text)
        if rest is not None:
            canonical = self._normaliser.canonical(rest)
            ranked = _best_first(self._scores(canonical, exclude))
            if self._answers(ranked):
                return canonical, ranked
        canonical = self._normaliser.canonical(text)
        best = self._scores(canonical, exclude)
        ranked = _best_first(best)
        if ranked and ranked[0][0] in self._small_talk and ranked[0][1] >= self._threshold:
            after = self._after_small_talk(text, ranked, exclude)
            if after is not ranked:
                return canonical, after
        if self._answers(ranked, self._words(canonical)):
            return canonical, self._asked_instead(text, canonical, ranked, exclude) or ranked
        asked = self._closing_question(text, exclude)
        if asked is not None:
            return canonical, asked
        # The question asked ("... Do you know any insurance that covers rehab? ...") is read as a
        # message of its own; the closing sentences in the light of the whole. Neither can make a
        # long post small talk ("How are you all?" in a story is no greeting to answer).
        for part, overlap in ((_questions(text), False), (_closing_sentences(text), True)):
            if part is not None:
                for owner, value in self._scores(self._normaliser.canonical(part), exclude, overlap).items():
                    if owner not in self._small_talk:
                        best[owner] = max(value, best.get(owner, 0.0))
        return canonical, _best_first(best)

    def _asked_instead(self, text: str, whole: str, ranked: list[tuple[int, float]],
                       exclude: int | None) -> list[tuple[int, float]] | None:
        """A story, then a question ("im 5 months clean, i have a job interview next week. do i have to
        tell them im on methadone?"): the story can match a topic (a milestone) that the question is
        not about. When the question, read alone, clearly answers with another topic, that topic is
        what was asked, if the message (`whole`, normalised) names that topic's own subject. None: no
        such question, or it says too little on its own ("is this normal?", "should i be worried?")."""
        alone = self._read_alone(_questions(text), exclude)
        if alone is None:
            return None
        _, words, asked = alone
        if not asked or asked[0][0] == ranked[0][0] or asked[0][0] in self._small_talk or asked[0][1] <= ranked[0][1]:
            return None
        clear = self._answers(asked, words) and self._anchored(asked[0][0], whole)
        return asked if clear else None

    def _closing_question(self, text: str, exclude: int | None) -> list[tuple[int, float]] | None:
        """A short message torn between what it tells and what it asks ("im 30 days clean, how do i deal
        with cravings"): the closing question, when it answers clearly on its own and names its topic's
        subject itself, is what was asked ("should i be worried" names none). None: no such question."""
        if len(text.split()) >= _LONG_MESSAGE_WORDS:
            return None
        alone = self._read_alone(_closing_clause(text), exclude)
        if alone is None:
            return None
        canonical, words, asked = alone
        if not asked or asked[0][0] in self._small_talk or not self._answers(asked, words):
            return None
        return asked if self._anchored(asked[0][0], canonical) else None

    def _read_alone(self, part: str | None, exclude: int | None) -> tuple[str, int, list[tuple[int, float]]] | None:
        """A question taken out of its message, scored as a message of its own: its normal form, how many
        informative words it has, and its intents ranked. None when there is no such part, or it says
        too little on its own to decide anything."""
        if part is None:
            return None
        canonical = self._normaliser.canonical(part)
        words = self._words(canonical)
        if words < _QUESTION_ALONE_WORDS:
            return None
        return canonical, words, _best_first(self._scores(canonical, exclude))

    def _after_pleasantry(self, text: str) -> str | None:
        """The message after an opening that is nothing but small talk ("Hello. Is methadone safe
        long term?"): a greeting or thanks only dilutes the question after it. None: no such opening."""
        rest = _after_first_sentence(text)
        if rest is None:
            return None
        opening = self._corrected_words(self._normaliser.canonical(text[: len(text) - len(rest)]))
        return rest if opening and self._opening_words.issuperset(opening) else None

    def _after_small_talk(self, text: str, ranked: list[tuple[int, float]],
                          exclude: int | None) -> list[tuple[int, float]]:
        """Small talk first, then something more ("Thanks, that helped. What about relapse?", "hi its
        2am... my son got home from detox"). When small talk leads (as the answer or in a near tie)
        but what follows the first sentence answers on its own, that is what was asked: a clear
        topic, a story long enough to be more than a pleasantry, or a feeling after a greeting."""
        rest = _after_first_sentence(text)
        if rest is None:
            return ranked
        rest_ranked = _best_first(self._scores(self._normaliser.canonical(rest), exclude))
        if not rest_ranked or not self._answers(rest_ranked) or rest_ranked[0][0] == ranked[0][0]:
            return ranked
        clear = rest_ranked[0][1] >= _AFTER_SMALL_TALK_SCORE or len(rest.split()) >= _STORY_WORDS
        if rest_ranked[0][0] in self._small_talk and not clear:
            return ranked
        return rest_ranked if clear else ranked

    def _scores(self, canonical: str, exclude: int | None, overlap: bool = False) -> dict[int, float]:
        """Each intent's score for one normalised text (see the module docstring). `overlap` picks
        the candidates by shared words whatever the length (for the closing sentences of a long
        message, read in the light of the whole)."""
        tokens = self._corrected_words(canonical)
        if not tokens:
            return {}
        form = " ".join(tokens)
        ids, known, query_weight = self._query_words(tokens)
        shared_by_example = self._example_index.shared(ids, known)
        if overlap or len(tokens) >= _OVERLAP_WORDS:
            # Only the examples sharing a word with the message can be near it.
            sharing = np.flatnonzero(shared_by_example) if ids else np.arange(len(self.choices))
            shared = shared_by_example[sharing]
            coverage = (shared / self._example_weights[sharing] + shared / query_weight) / 2
            chosen = _best(coverage, _OVERLAP_CANDIDATES, None if exclude is None else _index_of(sharing, exclude))
            candidates, coverage = sharing[chosen], coverage[chosen]
        else:
            prescores = process.cdist([sorted_tokens(form)], self.sorted_choices, scorer=_PRESCORER,
                                      dtype=np.float64)[0]
            candidates = _best(prescores, _CANDIDATES, exclude)
            shared = shared_by_example[candidates]
            coverage = (shared / self._example_weights[candidates] + shared / query_weight) / 2
        if len(tokens) <= _SHORT_MESSAGE_WORDS and not overlap:
            scored = prescores[candidates]
        else:
            scored = process.cdist([form], [self.choices[p] for p in candidates.tolist()], scorer=SCORER,
                                   dtype=np.float64)[0]
            one_word = np.flatnonzero(self._one_word[candidates])
            if len(one_word):
                scored[one_word] = process.cdist([form], [self.choices[p] for p in candidates[one_word].tolist()],
                                                 scorer=_PRESCORER, dtype=np.float64)[0]
        values = scored * (1 - COVERAGE_WEIGHT + COVERAGE_WEIGHT * coverage)
        # Each intent's best example, then the blend, over arrays: the same arithmetic as one intent
        # at a time (element by element, in the same order), at a fraction of the cost.
        owner_of = self._owners[candidates]
        best_example = np.zeros(len(self.intent_ids))
        np.maximum.at(best_example, owner_of, values)
        owners = np.flatnonzero(np.bincount(owner_of, minlength=len(self.intent_ids)))
        share = self._intent_index.shared(ids, known)[owners] / query_weight
        blended = best_example[owners] * (1 - VOCABULARY_WEIGHT) + 100.0 * VOCABULARY_WEIGHT * share
        keyword_owners = self._keywords.hits(canonical)
        if keyword_owners:
            with_keyword = np.zeros(len(self.intent_ids), dtype=bool)
            with_keyword[list(keyword_owners)] = True
            blended[with_keyword[owners]] += KEYWORD_BONUS
        if len(tokens) > _SMALL_TALK_WORDS:
            pleasantries = self._is_small_talk[owners] & (share < _SMALL_TALK_SHARE)
            blended[pleasantries] = np.minimum(blended[pleasantries], self._threshold - _HELD_BACK_GAP)
        best = dict(zip(owners.tolist(), np.minimum(blended, 100.0).tolist(), strict=True))
        self._hold_back_unmet(canonical, form, best)
        return best

    def stated_keyword_intents(self, text: str, among: frozenset[str] | None = None) -> frozenset[str]:
        """The intents with one of their keywords stated anywhere in `text` (a feeling named in a
        long post): a phrase as written ("so alone"), a single word only as the writer's own, a few
        words after "i", "im", "feel", "so" and the like ("feeling incredibly depressed", not
        "what causes depression"). Failing those, a single word that opens the message: texting drops
        the "I'm" ("relieved. he finally agreed to go"), but a feeling stated as above says more ("scared
        ill be alone forever" is about being alone). `among`: only these intents are looked for (the
        feelings: "grateful for my doctor, the first person who talked to me like a human" is grateful,
        whatever the "human" of a question about the bot)."""
        tokens = self._normaliser.canonical(text).split()
        found: set[int] = set()
        opening: set[int] = set()
        wanted = None if among is None else {self._position[i] for i in among if i in self._position}
        for start, length, owners in self._keywords.found(tokens):
            if wanted is not None:
                owners = owners & wanted
                if not owners:
                    continue
            if length > 1 or not _STATING.isdisjoint(tokens[max(0, start - _STATING_REACH):start]):
                found |= owners
            elif start == 0:
                opening |= owners
        return frozenset(self.intent_ids[i] for i in found or opening)

    def ruled_out(self, text: str) -> frozenset[str]:
        """The intents one of whose `never_with` words or phrases `text` holds."""
        canonical = self._normaliser.canonical(text)
        barred = self._barred.hits(canonical) | self._barred.hits(" ".join(self._corrected_words(canonical)))
        return frozenset(self.intent_ids[i] for i in barred)

    def lacks_needed_words(self, intent_id: str, text: str) -> bool:
        """Whether `text` holds none of the words `intent_id` needs, so it can never be that answer."""
        index = self._position[intent_id]
        if index not in self._gated:
            return False
        canonical = self._normaliser.canonical(text)
        return index not in self._needs_met(canonical, " ".join(self._corrected_words(canonical)))

    def _hold_back_unmet(self, canonical: str, corrected: str, best: dict[int, float]) -> None:
        """Keep an intent whose needed words are all missing, or that a word in the message rules
        out (`never_with`), just under the threshold: it may still be offered as a nearby topic, but
        it is never the answer."""
        held = self._barred.hits(canonical) | self._barred.hits(corrected)
        named = self._substances.all.intersection(corrected.split())
        if named:
            held |= {owner for owner, drugs in self._drugs_of.items() if named.isdisjoint(drugs)}
            if named.isdisjoint(self._substances.opioids):
                held |= {owner for owner, drugs in enumerate(self._names_drugs)
                         if owner not in self._small_talk and named.isdisjoint(drugs)}
        gated = self._gated.intersection(best)
        if gated:
            held |= gated - self._needs_met(canonical, corrected)
        for owner in held.intersection(best):
            best[owner] = min(best[owner], self._threshold - _HELD_BACK_GAP)

    def _needs_met(self, canonical: str, corrected: str) -> set[int]:
        """Intents with a needed word in the message as written or as spelling-corrected ("dide" is
        "died"; stopwords are gone from the corrected form, so phrases are found in the first)."""
        return self._needs.hits(canonical) | self._needs.hits(corrected)

    def _query_words(self, tokens: list[str]) -> tuple[list[int], list[float], float]:
        """The ids and informativeness of the message's words the catalog knows, and the total
        informativeness of all its words (those the catalog lacks count here only: no example or
        intent can explain them)."""
        ids: list[int] = []
        known: list[float] = []
        unknown = 0
        for token in dict.fromkeys(tokens):
            word = self._word_ids.get(token)
            if word is None:
                unknown += 1
            else:
                ids.append(word)
                known.append(self._weights[token])
        return ids, known, sum(known) + self._unknown_weight * unknown

    def _verdict(self, best_first: list[float], words: int = 0, anchored: bool | None = None) -> MatchKind:
        """Answer, clarify or fallback for scores sorted best first: the one place that decides.
        `words`: how many informative words the message has (a long one must be clearly ahead);
        `anchored`: whether it names the best topic's own subject (see `_SUBJECT_EXAMPLES`); None:
        not asked (small talk, the parts of a message)."""
        if not best_first or best_first[0] < self._threshold:
            return "fallback"
        if anchored is False and best_first[0] < (_POST_ANCHORED_SCORE if words >= _POST_WORDS else _ANCHORED_SCORE):
            return "clarify"
        long_message = words >= _LONG_CLARIFY_WORDS
        margin = max(self._margin, _LONG_MARGIN) if long_message else self._margin
        if len(best_first) > 1 and best_first[0] - best_first[1] < margin:
            return "clarify"
        if long_message and best_first[0] < _LONG_SURE_SCORE:
            return "clarify"
        return "answer"

    def _answers(self, ranked: list[tuple[int, float]], words: int = 0) -> bool:
        """Whether scores ranked best first already give an answer: then a long message's closing
        sentences, scored to rescue it, would only repeat the work."""
        return self._verdict([score for _, score in ranked[:2]], words) == "answer"

    def _words(self, canonical: str) -> int:
        return len(set(self._corrected_words(canonical)))

    def _anchored(self, owner: int, canonical: str) -> bool:
        """Whether the message names the intent's own subject: one of its subject words, or one of
        its keyword or needed phrases whole. Small talk has no subject to name."""
        corrected = " ".join(self._corrected_words(canonical))
        if not self._subjects[owner].isdisjoint(map(_stem, corrected.split())):
            return True
        return owner in self._keywords.hits(canonical) or owner in self._needs_met(canonical, corrected)

    def match(self, text: str) -> MatchResult:
        canonical, ranked = self._ranked(text, None)
        top = tuple(Ranked(self.intent_ids[i], s) for i, s in ranked[:_RANKED])
        if not canonical.strip():
            return MatchResult("empty", top, canonical)
        anchored = self._anchored(ranked[0][0], canonical) if ranked and ranked[0][0] not in self._small_talk else None
        words = self._words(canonical)
        kind = self._verdict([r.score for r in top], words, anchored)
        if kind == "clarify" and words >= _LONG_CLARIFY_WORDS and anchored and self._asked_agrees(text, ranked[0][0]):
            kind = "answer"
        return MatchResult(kind, top, canonical, anchored)

    def _asked_agrees(self, text: str, best: int) -> bool:
        """Whether the sentences a longer message asks, read alone, answer clearly with its best topic:
        a story torn between topics ("my daughter is 17... she says they're just percs... how worried
        should i be") whose question is plainly about one of them is that one."""
        asked = [sentence for sentence in _sentences(text) if asks(sentence)]
        alone = self._read_alone(" ".join(asked), None) if asked else None
        if alone is None:
            return False
        _, words, ranked = alone
        return bool(ranked) and ranked[0][0] == best and self._answers(ranked, words)

    def without(self, result: MatchResult, intent_ids: frozenset[str]) -> MatchResult:
        """The same result with some intents set aside (the core's judgement that they cannot be
        meant), decided again over the rest by the same rule."""
        kept = tuple(r for r in result.ranked if r.intent not in intent_ids)
        if result.kind == "empty":
            return MatchResult("empty", kept, result.canonical)
        return MatchResult(self._verdict([r.score for r in kept], self._words(result.canonical)), kept,
                           result.canonical)

    def names_subject(self, intent_id: str, canonical: str) -> bool:
        """Whether a normalised message names the intent's own subject (see `_SUBJECT_EXAMPLES`)."""
        index = self._position[intent_id]
        return index not in self._small_talk and self._anchored(index, canonical)

    def names_substance(self, canonical: str) -> bool:
        """Whether a normalised message names something people take (`Substances`)."""
        return not self._substances.all.isdisjoint(self._corrected_words(canonical))

    def _corrected_words(self, canonical: str) -> list[str]:
        """The words matching reads: stopwords dropped, unknown words corrected to known ones."""
        return list(map(self._correct, self._normaliser.match_words(canonical)))

    def _nearest_known(self, token: str) -> str:
        if token in self._weights or len(token) < _SPELLING_MIN_LENGTH:
            return token
        found = process.extractOne(token, self._known, scorer=fuzz.ratio, score_cutoff=_SPELLING_CUTOFF)
        if found is None or abs(len(found[0]) - len(token)) > _SPELLING_LENGTH_GAP:
            return token
        return found[0]


def _best(scores: np.ndarray, count: int, exclude: int | None) -> np.ndarray:
    """Positions of the `count` highest scores; ties at the cut taken in catalog order, so the
    choice is deterministic. `exclude` is never chosen."""
    if exclude is not None:
        scores = scores.copy()
        scores[exclude] = -np.inf
    total = len(scores)
    if total <= count:
        chosen = np.arange(total)
    else:
        # The score at the cut, then all above it and as many at it as fit, in catalog order.
        cut = np.partition(scores, total - count)[total - count]
        above = np.flatnonzero(scores > cut)
        chosen = np.concatenate((above, np.flatnonzero(scores == cut)[: count - len(above)]))
    return chosen[chosen != exclude] if exclude is not None else chosen


def _index_of(positions: np.ndarray, position: int) -> int | None:
    found = np.flatnonzero(positions == position)
    return int(found[0]) if len(found) else None


def _best_first(scores: dict[int, float]) -> list[tuple[int, float]]:
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text[:4000]) if s.strip()]


def first_sentence(text: str) -> str:
    """A message's first sentence (or line: a post's title)."""
    sentences = _sentences(text)
    return sentences[0] if sentences else text


def _after_first_sentence(text: str) -> str | None:
    """What follows the first sentence (or a short opening clause), if there is more."""
    sentences = _sentences(text)
    if len(sentences) > 1:
        return " ".join(sentences[1:])
    opening = _OPENING_CLAUSE.match(text[:4000])
    return opening.group(2) if opening else None


def _closing_clause(text: str) -> str | None:
    """The last sentence or comma clause of a message when it opens like a question ("..., how do i
    deal with cravings") and something came before it; None otherwise."""
    parts = [p.strip() for p in _CLAUSE_END.split(text[:4000]) if p.strip()]
    if len(parts) < 2:
        return None
    first = parts[-1].split(maxsplit=1)[0].lower()
    return parts[-1] if first in QUESTION_OPENERS else None


def _questions(text: str) -> str | None:
    """The sentences a long message asks ("... Do you guys know any insurances that cover rehab?
    ..."): in a story, the question is what wants answering. None for short messages or none asked."""
    if len(text.split()) < _LONG_MESSAGE_WORDS:
        return None
    sentences = _sentences(text)
    asked = [s for s in sentences if "?" in s]
    return " ".join(asked) if asked and len(asked) < len(sentences) else None


def _closing_sentences(text: str) -> str | None:
    """The last sentences of a long, multi-sentence message; None for short ones."""
    if len(text.split()) < _LONG_MESSAGE_WORDS:
        return None
    sentences = _sentences(text)
    if len(sentences) <= _TAIL_SENTENCES:
        return None
    return " ".join(sentences[-_TAIL_SENTENCES:])


class _PhraseIndex:
    """Words and phrases per intent (keywords, needed words), found in a message by its own words."""

    def __init__(self, by_start: dict[str, list[tuple[list[str], set[int]]]]) -> None:
        self._by_start = by_start

    @classmethod
    def of(cls, phrase_lists: Sequence[Sequence[str]], normaliser: Normaliser) -> _PhraseIndex:
        """Phrases are normalised as messages are, so a misspelt or synonym form still counts; they
        are filed under their first word, so a message only tries those starting with one of its own."""
        owners_of: dict[str, set[int]] = {}
        for index, phrases in enumerate(phrase_lists):
            for phrase in phrases:
                canonical = normaliser.canonical(phrase)
                if canonical:
                    owners_of.setdefault(canonical, set()).add(index)
        by_start: dict[str, list[tuple[list[str], set[int]]]] = {}
        for phrase, owners in owners_of.items():
            words = phrase.split()
            by_start.setdefault(words[0], []).append((words, owners))
        return cls(by_start)

    def hits(self, canonical: str) -> set[int]:
        """The intents with one of their phrases in the (normalised) message."""
        owners: set[int] = set()
        for _, _, intents in self.found(canonical.split()):
            owners |= intents
        return owners

    def found(self, tokens: list[str]) -> list[tuple[int, int, set[int]]]:
        """Each phrase found in the message's words: (where it starts, how many words, its intents)."""
        if self._by_start.keys().isdisjoint(tokens):  # most messages start no phrase of a list
            return []
        return [(start, len(words), intents) for start, token in enumerate(tokens)
                for words, intents in self._by_start.get(token, ()) if tokens[start:start + len(words)] == words]


@dataclass(frozen=True, slots=True)
class _WordIndex:
    """For each word id, the rows (examples or intents) that use it."""

    postings: list[np.ndarray]
    sizes: np.ndarray
    rows: int

    @classmethod
    def of(cls, word_sets: Sequence[set[str] | frozenset[str]], word_ids: dict[str, int]) -> _WordIndex:
        postings: list[list[int]] = [[] for _ in word_ids]
        for row, words in enumerate(word_sets):
            for word in words:
                postings[word_ids[word]].append(row)
        return cls([np.array(p, dtype=np.intp) for p in postings], np.array([len(p) for p in postings]),
                   len(word_sets))

    def shared(self, ids: list[int], weights: list[float]) -> np.ndarray:
        """Per row, the summed weight of the given words it uses (one weighted count)."""
        if not ids:
            return np.zeros(self.rows)
        return np.bincount(np.concatenate([self.postings[i] for i in ids]), weights=np.repeat(weights, self.sizes[ids]),
                           minlength=self.rows)


def _subjects(intents: Sequence[IntentPhrases], token_sets: Sequence[frozenset[str]], owner_of: Sequence[int],
              vocabularies: Sequence[set[str]], normaliser: Normaliser) -> tuple[frozenset[str], ...]:
    """Each intent's subject words (see `_SUBJECT_EXAMPLES`): its recurring distinctive words and the
    single-word keywords and needed words (phrases count where the message holds them whole)."""
    used_by = Counter(t for vocabulary in vocabularies for t in vocabulary)
    counts: list[Counter[str]] = [Counter() for _ in intents]
    for owner, tokens in zip(owner_of, token_sets, strict=True):
        counts[owner].update(tokens)
    subjects = []
    for index, intent in enumerate(intents):
        recurring = {t for t, n in counts[index].items() if n >= _SUBJECT_EXAMPLES and used_by[t] <= _SUBJECT_INTENTS}
        words = [normaliser.match_words(normaliser.canonical(p)) for p in (*intent.keywords, *intent.needs_one_of)]
        named = {w[0] for w in words if len(w) == 1}
        subjects.append(frozenset(_stem(w) for w in recurring | named))
    return tuple(subjects)


def _stem(word: str) -> str:
    return word[:_STEM]


def _drug_topics(intents: Sequence[IntentPhrases], normaliser: Normaliser,
                 substances: frozenset[str]) -> tuple[dict[int, frozenset[str]], list[frozenset[str]]]:
    """The intents about particular substances (most examples name one), each with the substances
    its examples and keywords name; and the substances every intent names anywhere."""
    topics: dict[int, frozenset[str]] = {}
    every: list[frozenset[str]] = []
    for index, intent in enumerate(intents):
        named = [substances.intersection(normaliser.match_words(normaliser.canonical(e))) for e in intent.examples]
        keywords = {w for k in intent.keywords for w in normaliser.match_words(normaliser.canonical(k))}
        every.append(frozenset().union(*named) | substances.intersection(keywords))
        if named and sum(map(bool, named)) >= _DRUG_TOPIC_SHARE * len(named):
            topics[index] = every[-1]
    return topics, every


def _informativeness(vocabularies: Sequence[set[str]]) -> tuple[dict[str, float], float]:
    """Inverse intent frequency: a word few intents use says more about which one is meant."""
    count = len(vocabularies)
    used_by = Counter(t for vocabulary in vocabularies for t in vocabulary)
    weights = {t: math.log((count + 1) / (n + 1)) + 1 for t, n in used_by.items()}
    return weights, math.log(count + 1) + 1
