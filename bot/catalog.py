"""The immutable catalog: everything Lantern knows how to say and recognise, loaded and compiled.

A reload builds a whole new `Catalog` and swaps one reference (see `bot.core.Lantern`); nothing
in here is ever changed in place. Loading and schema checks live in `bot.content`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from bot.crisis import CrisisDetector, CrisisLexicon
from bot.hotlines import Region, canonical_code
from bot.matcher import Matcher
from bot.normalise import Lexicon, Normaliser
from bot.reader import Reader

# Small talk intents named so are feelings (intents/smalltalk.yaml): a feeling said, not a pleasantry.
FEELING_PREFIX = "feeling_"

if TYPE_CHECKING:
    from bot.checkin.texts import CheckinTexts


@dataclass(frozen=True, slots=True)
class Where:
    """Where something was written, for `file:line: message` reports."""

    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    where: Where


@dataclass(frozen=True, slots=True)
class Intent:
    id: str
    answer: str
    kind: str  # "answer", "smalltalk" or "outside" (see bot.content.IntentModel)
    examples: tuple[Example, ...]
    keywords: tuple[str, ...]
    where: Where
    needs_one_of: tuple[str, ...] = ()
    never_with: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Answer:
    id: str
    title: str
    text: str
    sources: tuple[str, ...]
    follow_ups: tuple[str, ...]
    where: Where
    # The same answer for one reader (see bot.reader); None: `text` serves both.
    for_family: str | None = None
    for_self: str | None = None

    def text_for(self, reader: Reader) -> str:
        """The text for this reader ("family", "self" or "unknown"), else the general one."""
        variant = self.for_family if reader == "family" else self.for_self if reader == "self" else None
        return variant or self.text


@dataclass(frozen=True)
class Catalog:
    intents: tuple[Intent, ...]
    answers: Mapping[str, Answer]
    lexicon: Lexicon
    crisis_lexicon: CrisisLexicon
    crisis_where: Mapping[str, Where]
    regions: Mapping[str, Region]
    default_region: str
    interface: Mapping[str, str]
    crisis_replies: Mapping[str, str]
    normaliser: Normaliser
    matcher: Matcher
    detector: CrisisDetector
    threshold: float
    clarify_margin: float
    # Answer ids an unsure reply offers first (responses/menu.yaml); empty: the first topics.
    starter_topics: tuple[str, ...] = ()
    # Spanish crisis replies (responses/crisis_es.yaml); a key missing here is sent in English.
    crisis_replies_es: Mapping[str, str] = field(default_factory=dict)
    # What the check-in says (responses/checkin.yaml); None: check-ins are off (see bot.checkin.texts).
    checkin: CheckinTexts | None = None
    # Spanish topics (intents/topics_es.yaml), matched only against Spanish messages by their own
    # matcher (None: no Spanish topics), and the Spanish texts of answers and interface texts
    # (responses/answers_es.yaml, interface_es.yaml), keyed like the English ones.
    intents_es: tuple[Intent, ...] = ()
    answers_es: Mapping[str, Answer] = field(default_factory=dict)
    lexicon_es: Lexicon | None = None
    matcher_es: Matcher | None = None
    interface_es: Mapping[str, str] = field(default_factory=dict)
    # Words that say who a Spanish message is about: "family" and "self" (intents/lexicon_es.yaml,
    # `readers_es`: `family` and `own_use`).
    readers_es: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def intent(self, intent_id: str) -> Intent | None:
        return self._intents_by_id.get(intent_id)

    @cached_property
    def _intents_by_id(self) -> Mapping[str, Intent]:
        """Looked up for every answer: a map once, not a scan of every intent per reply."""
        return {intent.id: intent for intent in self.intents}

    @cached_property
    def feelings(self) -> frozenset[str]:
        """The ids of the feeling intents (`FEELING_PREFIX`, small talk): asked of nearly every message
        nothing answers, so found once per catalog."""
        return frozenset(i.id for i in self.intents if i.kind == "smalltalk" and i.id.startswith(FEELING_PREFIX))

    def intent_es(self, intent_id: str) -> Intent | None:
        return self._intents_es_by_id.get(intent_id)

    @cached_property
    def _intents_es_by_id(self) -> Mapping[str, Intent]:
        return {intent.id: intent for intent in self.intents_es}

    @cached_property
    def spanish_view(self) -> Catalog:
        """This catalog with the Spanish intents and matcher in place of the English ones, so the core's
        rules over intents (which feeling a message states) read Spanish the same way. Built once per
        catalog, not per message; without Spanish topics, the catalog itself (nothing reads it then)."""
        if self.matcher_es is None:
            return self
        return replace(self, intents=self.intents_es, matcher=self.matcher_es)

    def topic_answers_es(self) -> tuple[Answer, ...]:
        """The Spanish answers a Spanish topic menu offers, in the order their intents are written."""
        seen = dict.fromkeys(i.answer for i in self.intents_es if i.kind == "answer")
        return tuple(self.answers_es[a] for a in seen if a in self.answers_es)

    def topic_answers(self) -> tuple[Answer, ...]:
        """The answers a topic menu offers, in the order their intents are written."""
        seen = dict.fromkeys(i.answer for i in self.intents if i.kind == "answer")
        return tuple(self.answers[a] for a in seen if a in self.answers)

    def region(self, code: str | None) -> Region:
        """The region asked for ('GB' reads as 'UK'), else the content's default: never fails for an
        unknown code."""
        return self.regions.get(canonical_code(code)) or self.regions[self.default_region]

    def crisis_reply(self, key: str, lang: str = "en") -> str | None:
        """The crisis reply template for `key` in `lang`; Spanish falls back to English per key."""
        if lang == "es" and key in self.crisis_replies_es:
            return self.crisis_replies_es[key]
        return self.crisis_replies.get(key)
