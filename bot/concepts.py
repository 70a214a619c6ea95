"""Risk concepts: the crisis detector's second reading, "could this person be in danger?".

The pattern lexicon (`bot.crisis`) knows phrasings; people in danger rarely use the phrasing one
expected. This module reads a message as the concepts it touches, sentence by sentence: death
wishes, self-harm, lethal means, signs of an overdose, violence, hopelessness, who the sentence is
about. Operators write each concept's words once (`intents/crisis_concepts.yaml`); every
inflection follows (`hang` also finds "hangs", "hanging", "hanged", "hung"; `pill` finds "pills").

A sentence that touches a risk concept escalates unless a clearance applies; combinations of
concepts (`escalations`) escalate to a full crisis reply. A clearance (an informational question,
news or media, a past and resolved story, a dream, a joke, a negation) lowers the level by one
step, never to nothing while the writer speaks of a present risk of their own. Matching is by
word n-grams in a hash table: linear in the message, whatever the operator writes.
Not for choosing the reply: that is `bot.core`'s.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Levels of answer, lowest first: nothing, a help line shown with the answer, the crisis reply.
NONE, SOFT, FULL = 0, 1, 2
# The longest phrase a concept may hold, in words (longer ones are refused by validation).
MAX_PHRASE_WORDS = 6
# A message of at most this many words is also read whole, for the signs combined (`Signs`): "gave my guitar
# away. got plans for my meds. thanks for everything" is one message's worth of signs in three sentences.
SHORT_MESSAGE_WORDS = 45
# What the signs of a combined concept must add up to (a strong family counts 2, a weak one 1): two strong
# families, or a strong and a weak one. Never one family alone, and never weak ones alone.
SIGNS_NEEDED = 3
# A negation followed by one of these words negates nothing ("i dont know how much more i can take").
_NOT_NEGATING = frozenset({"know", "care", "understand", "think", "se", "get"})  # squeezed: "see" is "se"
_VOWELS = frozenset("aeiou")
# The negations that undo a family of signs (see `ConceptReader._negated`), squeezed.
_FAMILY_NEGATIONS = frozenset({"not", "never", "dont", "didnt", "wont", "wouldnt", "isnt", "havent", "hasnt",
                               "no", "nunca"})
# Words never inflected inside a phrase: they carry the grammar, not the concept.
_FUNCTION_WORDS = frozenset(
    "a an the to of in on at by for from up out off with and or not no nor my his her their our your "
    "me him them us it its i im ive id ill is am are was were be been being so too very all any this that "
    "these those there here what how why when where who can cant wont dont didnt doesnt isnt wasnt will "
    "would could should just myself himself herself themselves themself yourself ourselves you we he she they "
    "hes shes theyre youre us again away down now tonight today enough".split()
)
# Irregular forms (past, participle, other) of verbs that crisis messages use.
_IRREGULAR: Mapping[str, tuple[str, ...]] = {
    "hang": ("hung", "hanged"), "take": ("took", "taken", "takin"), "shoot": ("shot",),
    "cut": ("cut",), "slit": ("slit",), "buy": ("bought",), "get": ("got", "gotten"),
    "give": ("gave", "given"), "go": ("went", "gone"), "do": ("did", "done"), "find": ("found",),
    "leave": ("left",), "write": ("wrote", "written"), "say": ("said",), "tell": ("told",),
    "feel": ("felt",), "think": ("thought",), "have": ("has", "had"), "bleed": ("bled",),
    "hit": ("hit",), "beat": ("beaten",), "fall": ("fell", "fallen"), "wake": ("woke", "woken"),
    "drink": ("drank", "drunk"), "lose": ("lost",), "hold": ("held",), "keep": ("kept",),
    "sleep": ("slept",), "overdose": ("od", "oded", "oding", "ods", "odd"), "od": ("oded", "oding", "ods", "odd"),
    "swallow": ("swalowed",), "stab": ("stabbed",), "throw": ("threw", "thrown"), "break": ("broke", "broken"),
    "freeze": ("froze", "frozen"), "swim": ("swam",), "drive": ("drove", "driven"), "run": ("ran",),
    "send": ("sent",), "put": ("put",), "make": ("made",), "mean": ("meant",), "see": ("saw", "seen"),
    "come": ("came",), "stand": ("stood",), "sit": ("sat",), "choose": ("chose", "chosen"),
    "be": ("am", "is", "are", "was", "were", "been", "being"), "die": ("died", "dying", "dies", "dieing"),
    "lie": ("lay", "lying"), "bite": ("bit", "bitten"), "fight": ("fought",), "win": ("won",),
}


_DOUBLED = re.compile(r"([a-z])\1+")
# Real words that squeezing would make into another real word of the lexicons ("noose" into "nose",
# "soon" into "son", "teen" into "ten"): they keep their letters, in a message and in the lexicons
# alike, so that "its up my nose" never reads as a noose. Stretched ("nooose") they still read as
# themselves. Not "too" and "off": "took to much" and "better of dead" are how people type them.
# tests/test_crisis_squeeze.py lists every collision in the lexicons and which side each is on.
DISTINCT_SPELLINGS = frozenset({
    "noose", "soon", "teen", "good", "odds", "noone", "miss", "less", "loss", "poor", "butt", "peer",
})
# Endings a distinct word keeps it distinct with ("nooses", "teens", "missed").
_DISTINCT_ENDINGS = ("", "s", "es", "ed", "d", "ing", "er", "ers")


def _by_squeezed_form(spellings: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Squeezed form -> the distinct words it comes from, the most doubled first ("nose" -> "noose")."""
    found: dict[str, tuple[str, ...]] = {}
    for word in sorted(spellings, key=len, reverse=True):
        plain = _DOUBLED.sub(r"\1", word)
        found[plain] = (*found.get(plain, ()), word)
    return found


_STRETCHED = _by_squeezed_form(DISTINCT_SPELLINGS)
# The squeezed forms of the distinct words with their endings ("noses" -> "nose"): a message holding
# none of them is squeezed in one pass; otherwise only those words get a second look.
_ENDED: dict[str, str] = {
    _DOUBLED.sub(r"\1", plain + ending): plain for plain in _STRETCHED for ending in _DISTINCT_ENDINGS}


def distinct_stem(word: str) -> str | None:
    """The distinct spelling a word is, with one of its endings ("nooses" -> "noose"), or None."""
    for ending in _DISTINCT_ENDINGS:
        stem = word[:len(word) - len(ending)] if ending else word
        if word.endswith(ending) and stem in DISTINCT_SPELLINGS:
            return stem
    return None


def _runs(word: str) -> list[tuple[str, int]]:
    return [(m.group(0)[0], len(m.group(0))) for m in re.finditer(r"([a-z])\1*", word)]


def _stretched_from(word: str, distinct: str) -> bool:
    """Whether `word` is `distinct` with letters held longer ("nooose" from "noose", not "sonn" from "soon")."""
    return all(have >= need for (_, have), (_, need) in zip(_runs(word), _runs(distinct), strict=True))


def _squeeze_word(word: str) -> str:
    stem = distinct_stem(word)
    if stem is not None:
        return stem + _DOUBLED.sub(r"\1", word[len(stem):])
    squeezed = _DOUBLED.sub(r"\1", word)
    for distinct in _STRETCHED.get(squeezed, ()):
        if _stretched_from(word, distinct):
            return distinct
    return squeezed


def squeeze(text: str) -> str:
    """Doubled letters become single on both sides of a match ("kill" -> "kil", "diiie" -> "die"):
    the crisis form is squeezed, and so is every word of a concept or a pattern. A word of
    `DISTINCT_SPELLINGS` keeps its letters, and a stretched one reads as it ("nooose" -> "noose"): words
    are told apart by spaces, as in a crisis form or a phrase."""
    squeezed = _DOUBLED.sub(r"\1", text)
    if squeezed == text:
        return text
    words = squeezed.split(" ")
    if _ENDED.keys().isdisjoint(words):
        return squeezed
    written = text.split(" ")  # squeezing keeps the spaces, so the words line up
    return " ".join(_squeeze_word(written[i]) if word in _ENDED else word for i, word in enumerate(words))


def inflections(word: str) -> tuple[str, ...]:
    """A word and its regular and irregular inflections; nouns get their plural the same way."""
    forms = {word, *_IRREGULAR.get(word, ())}
    if not word.isalpha() or len(word) < 2:
        return tuple(sorted(forms))
    stem = word[:-1] if word.endswith("e") and not word.endswith(("ee", "ye", "oe")) else word
    if word.endswith("ie"):
        forms.add(word[:-2] + "ying")
    forms.add(stem + "ing")
    forms.add(stem + "in")  # "dyin", "cuttin": dropped g, as typed
    if word.endswith("y") and len(word) > 2 and word[-2] not in _VOWELS:
        forms.update({word[:-1] + "ies", word[:-1] + "ied"})
    elif word.endswith(("s", "x", "z", "ch", "sh", "o")):
        forms.update({word + "es", word + "ed"})
    else:
        forms.add(word + "s")
        forms.add(stem + "ed" if word.endswith("e") else word + "ed")
    if len(word) <= 4 and word[-1] not in _VOWELS and word[-1] not in "wxy" and word[-2] in _VOWELS:
        forms.update({word + word[-1] + "ing", word + word[-1] + "ed", word + word[-1] + "er"})
    return tuple(sorted(forms))


def phrase_forms(phrase: str) -> set[str]:
    """Every form of a concept phrase: each content word inflected, function words kept.

    A phrase written with a leading `=` is taken exactly as written ("=died" in a list that
    must not hold a past tense is written by listing the exact forms it wants).
    """
    if phrase.startswith("="):
        return {squeeze(" ".join(phrase[1:].split()))}
    options: list[tuple[str, ...]] = []
    for word in phrase.split():
        options.append((word,) if word in _FUNCTION_WORDS else inflections(word))
    forms = [""]
    for choices in options:
        forms = [f"{f} {c}".strip() for f in forms for c in choices]
        if len(forms) > 400:  # a phrase of many content words: keep the forms found so far
            break
    return {squeeze(f) for f in forms}


@dataclass(frozen=True)
class Escalation:
    """Concepts that together, in one sentence, call for the full crisis reply of `category`."""

    category: str
    all_of: tuple[str, ...]
    none_of: tuple[str, ...] = ()
    # A firm rule is not lowered by a clearance: a method question is a question, and a crisis.
    firm: bool = False


@dataclass(frozen=True)
class Signs:
    """A concept made of other concepts, the FAMILIES of a risk: present where distinct families add up to
    `SIGNS_NEEDED` (strong 2, weak 1, at least one strong) in a sentence, two side by side, or a short
    message. Written in the content as a concept whose every entry is `@family` (strong), `@family weak`,
    or `-clearance` (a clearance that does not lower a rule naming it: gallows humour, "lol", is no joke)."""

    strong: frozenset[str]
    weak: frozenset[str]
    ignored: frozenset[str]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> Signs | None:
        entries = tuple(entries)
        if not entries or not all(e.startswith(("@", "-")) for e in entries):
            return None
        strong = frozenset(e[1:].split()[0] for e in entries if e.startswith("@") and e.split()[-1] != "weak")
        weak = frozenset(e[1:].split()[0] for e in entries if e.startswith("@") and e.split()[-1] == "weak")
        return cls(strong, weak, frozenset(e[1:].strip() for e in entries if e.startswith("-")))

    def met(self, counted: set[str]) -> bool:
        """Whether the families found (with their phrases as `family:phrase`, see `ConceptReader._counted`)
        add up: a strong family said twice in different words ("empty ... just nothing") counts 3."""
        strong = self.strong.intersection(counted)
        if not strong:
            return False
        score = 2 * len(strong) + len(self.weak.intersection(counted))
        if any(sum(entry.startswith(f"{name}:") for entry in counted) >= 2 for name in strong):
            score += 1
        return score >= SIGNS_NEEDED


@dataclass(frozen=True)
class Whose:
    """Concepts that say a risk is the writer's own: all of `all_of` in the message, none of `none_of`
    ("i took too much i cant breathe" is the writer's overdose; "i found him" is someone else's)."""

    all_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConceptLexicon:
    """What `crisis_concepts` in the content holds, before indexing."""

    concepts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Words a concept must not count even though an inflection produces them ("died" for a wish).
    excluded: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Concepts that on their own show a help line, with the category whose line is shown.
    soft: Mapping[str, str] = field(default_factory=dict)
    escalations: tuple[Escalation, ...] = ()
    # Concepts that lower a sentence's level by one step (question, media, past, dream, joke, ...).
    clearances: tuple[str, ...] = ()
    # The clearances that still apply when the writer speaks of a risk of their own: a story
    # told as past or a dream lowers it; a question or a worry does not ("how many would it take").
    self_clearances: tuple[str, ...] = ()
    # Concepts that mean the writer speaks of themself: clearance never lowers their risk to nothing.
    first_person: str = "first_person"
    # Concepts that mean someone else is spoken of: then the risk may be theirs, not the writer's.
    others: tuple[str, ...] = ("other_subject", "generic_person")
    # Words that negate a concept word up to four words after them ("not suicidal", "no thoughts of dying").
    negations: tuple[str, ...] = ()
    # A follow-up that, after a risky message, means the risk went ahead ("ok i took them").
    follow_ups: tuple[str, ...] = ()
    # Risk concepts that a question anywhere in the message lowers by one step, never below the
    # help line, in a sentence whose only risk words are theirs: signs of use described and asked
    # about ("pinned pupils, nodding off. is that heroin?") are a question, not an overdose now.
    asked_about: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # When an overdose is the writer's own (its reply speaks to the person themself). None: never.
    own_overdose: Whose | None = None
    # Clearances that say a risk is over (a story told as past, an outcome told after it): beside a
    # `present` concept in the same sentence (or pair) they clear nothing, so "i want to kill myself
    # again like i did back then" keeps the crisis reply.
    told_as_over: tuple[str, ...] = ()
    # Concepts that say a risk is now ("i want", "still", "tonight"): they cancel `told_as_over`.
    present: tuple[str, ...] = ()
    # Clearances that also reach the sentence just before theirs: an outcome told after the event
    # ("my friend was attacked in my house. hes recovering now").
    carried_back: tuple[str, ...] = ()
    # A concept whose every word found lies inside a phrase of one of these concepts counts for nothing:
    # "finally" is a sign of intent, "we finally found a place" (`relief`) is not.
    masked_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reading:
    """One message's concept reading: the level, the category, and the concepts seen (no text)."""

    level: int
    category: str | None
    concepts: frozenset[str] = frozenset()


NO_RISK = Reading(NONE, None)


class ConceptReader:
    """An indexed concept lexicon. Immutable; safe to share between threads and swap on reload."""

    def __init__(self, lexicon: ConceptLexicon) -> None:
        self._lexicon = lexicon
        index: dict[str, set[str]] = {}
        # Concepts made of families of other concepts (see `Signs`): found by counting, not by words.
        self._signs = {name: signs for name, phrases in lexicon.concepts.items()
                       if (signs := Signs.parse(phrases)) is not None}
        # Every family, strong ones first (see `_echoes`).
        self._families = tuple(dict.fromkeys([*(f for signs in self._signs.values() for f in sorted(signs.strong)),
                                              *(f for signs in self._signs.values() for f in sorted(signs.weak))]))
        families = set(self._families)
        # Families that are no risk concept of their own: a risk word keeps the risk words' negation.
        self._family_only = frozenset(families) - frozenset(lexicon.soft)
        for name, phrases in lexicon.concepts.items():
            if name in self._signs:
                continue
            excluded = {squeeze(w) for w in lexicon.excluded.get(name, ())}
            for phrase in phrases:
                for form in phrase_forms(phrase) - excluded:
                    index.setdefault(form, set()).add(name)
        # Phrases by their first word, then by length: most words start none, and cost one lookup;
        # the others, one lookup per length of phrase they start.
        by_first: dict[str, dict[int, dict[tuple[str, ...], frozenset[str]]]] = {}
        for form, names in index.items():
            words = tuple(form.split())
            by_first.setdefault(words[0], {}).setdefault(len(words), {})[words] = frozenset(names)
        self._by_first = by_first
        # The first two words of every longer phrase: where a word and the next are not among them,
        # no phrase of two or more words starts there, and none is looked up.
        self._openings = frozenset(words[:2] for lengths in by_first.values() for length, phrases in lengths.items()
                                   if length > 1 for words in phrases)
        self._negations = frozenset(squeeze(n) for n in lexicon.negations)
        self._follow_ups = frozenset(squeeze(" ".join(f.split())) for f in lexicon.follow_ups)
        self._soft = frozenset(lexicon.soft)
        # A family of signs is negated as a risk word is ("not tonight", "i havent decided").
        self._negatable = self._soft | families
        self._rules = tuple((frozenset(e.all_of), frozenset(e.none_of), e) for e in lexicon.escalations)
        # Each rule filed under the one of its concepts that fewest rules share: a sentence then tries
        # only the rules filed under concepts it holds (a rule needs all of its own), not all of them
        # in turn, which was most of the reading's time on a long message.
        uses = Counter(name for all_of, _, _ in self._rules for name in all_of)
        self._rules_under: dict[str, list[int]] = {}
        self._rules_always = [n for n, (all_of, _, _) in enumerate(self._rules) if not all_of]
        for number, (all_of, _, _) in enumerate(self._rules):
            if all_of:
                self._rules_under.setdefault(min(sorted(all_of), key=uses.__getitem__), []).append(number)
        self._clear_all = frozenset(lexicon.clearances)
        self._clear_self = frozenset(lexicon.self_clearances)
        self._others = frozenset(lexicon.others)
        self._asked_about = {name: frozenset(askers) for name, askers in lexicon.asked_about.items()}
        self._told_as_over = frozenset(lexicon.told_as_over)
        self._present = frozenset(lexicon.present)
        self._carried_back = frozenset(lexicon.carried_back)
        self._masked_by = {name: frozenset(maskers) for name, maskers in lexicon.masked_by.items()}
        whose = lexicon.own_overdose
        self._own_overdose = (frozenset(whose.all_of), frozenset(whose.none_of)) if whose and whose.all_of else None

    def concepts_in(self, tokens: list[str]) -> dict[str, list[int]]:
        """Each concept found in a sentence's words, with the word positions it starts at."""
        found: dict[str, list[int]] = {}
        for start, token in enumerate(tokens):
            lengths = self._by_first.get(token)
            if lengths is None:
                continue
            opens = tuple(tokens[start:start + 2]) in self._openings
            for length, phrases in lengths.items():
                if length > 1 and not opens:
                    continue
                names = phrases.get(tuple(tokens[start:start + length]))
                for name in names or ():
                    found.setdefault(name, []).append(start)
        return found

    def read(self, sentences: Iterable[str]) -> Reading:
        """The highest level any sentence, or two sentences side by side, reaches (sentences are
        crisis forms): "took too much. cant stay awake" is one report in two sentences. A short message is
        also read whole, for the signs combined (`Signs`) only."""
        sentences = list(sentences)
        read = []
        for sentence in sentences:
            tokens = sentence.split()
            found = self.concepts_in(tokens)
            live = self._live(found, tokens)
            # The families of signs counted: not one found only inside another's words (`_echoes`).
            counted = self._counted(live, found, tokens) if self._signs else live
            read.append((set(found), live, counted))
        seen = set().union(*(names for names, _, _ in read))
        if self._carried_back:
            read = [(self._carried(names, read[n + 1][0] if n + 1 < len(read) else set()), live, counted)
                    for n, (names, live, counted) in enumerate(read)]
        asked = frozenset(name for name, askers in self._asked_about.items() if not askers.isdisjoint(seen))
        best = NO_RISK
        previous: tuple[set[str], set[str], bool, set[str]] | None = None
        for names, live, counted in read:
            # Whose risk: the writer's when one sentence holds both the writer and the risk ("did it
            # cause suicidal ideation for you. i think it helps" asks about others).
            current = (self._clearing(names), live, self._first_person_risk(live), counted)
            pairs = [current]
            if previous:
                # Each sentence's own risk said to be now cancels only its own story told as over.
                pairs.append((previous[0] | current[0], previous[1] | live, previous[2] or current[2],
                              previous[3] | counted))
            for pair_names, pair_live, own, pair_counted in pairs:
                level, category = self._judge(pair_names, pair_live, own, asked, pair_counted)
                if level > best.level:
                    best = Reading(level, category)
            previous = current
        if self._signs and len(read) > 2 and sum(len(s.split()) for s in sentences) <= SHORT_MESSAGE_WORDS:
            # A short message read whole, for the signs combined only: each sentence may hold one family.
            names = set().union(*(self._clearing(n) for n, _, _ in read))
            live = set().union(*(lv for _, lv, _ in read))
            counted = set().union(*(c for _, _, c in read))
            own = any(self._first_person_risk(lv) for _, lv, _ in read)
            level, category = self._judge(names, live, own, asked, counted, signs_only=True)
            if level > best.level:
                best = Reading(level, category)
        return Reading(best.level, best.category, frozenset(seen))

    def own_overdose(self, concepts: frozenset[str]) -> bool:
        """Whether the concepts a message touched say an overdose in it is the writer's own."""
        if self._own_overdose is None:
            return False
        all_of, none_of = self._own_overdose
        return all_of <= concepts and none_of.isdisjoint(concepts)

    def clears(self, sentence: str, after: str = "") -> bool:
        """Whether a clearance applies to a sentence a known phrasing matched (to lower that hit by
        a step), `after` being the sentence that follows it. Only the clearances that hold for
        first-person risk: the patterns read questions and negations themselves."""
        names = set(self.concepts_in(sentence.split()))
        if after and self._carried_back:
            names = self._carried(names, set(self.concepts_in(after.split())))
        return not self._clear_self.isdisjoint(self._clearing(names))

    def _carried(self, names: set[str], following: set[str]) -> set[str]:
        """A sentence's concepts with those of the next sentence that reach back to it (`carried_back`: an
        outcome told after the event, "hes recovering now"; the story carried into now, "i still do")."""
        return names | (following & self._carried_back)

    def _clearing(self, names: set[str]) -> set[str]:
        """The concepts that may clear a sentence: a risk said to be now (`present`) leaves no story
        of it told as over (`told_as_over`)."""
        return names - self._told_as_over if not self._present.isdisjoint(names) else names

    def is_follow_up(self, form: str) -> bool:
        """A short message that reports the risk went ahead ("i did it", "took them all")."""
        tokens = form.split()
        return any(" ".join(tokens[i:i + n]) in self._follow_ups
                   for n in range(1, 6) for i in range(len(tokens) - n + 1))

    def _judge(self, names: set[str], live: set[str], own: bool, asked: frozenset[str] = frozenset(),
               counted: set[str] | None = None, signs_only: bool = False) -> tuple[int, str | None]:
        """A sentence's level and category from the concepts in it (`names`: all found, less the clearances
        a risk said to be now cancels, see `_clearing`; `live`: those not negated; `own`:
        the writer speaks of a risk of their own; `asked`: the risk concepts the message asks about,
        see `ConceptLexicon.asked_about`)."""
        if not names:
            return NONE, None
        met = {name for name, signs in self._signs.items() if signs.met(live if counted is None else counted)}
        if met:
            live = live | met
            names = names | met
            # The writer's own signs: "i" and nobody else beside them.
            own = own or (self._lexicon.first_person in live and live.isdisjoint(self._others))
        elif signs_only:
            return NONE, None
        level, category, firm, used = self._level(live)
        if level == NONE or (signs_only and used.isdisjoint(met)):
            return NONE, None
        ignored = frozenset().union(*(self._signs[n].ignored for n in used & met)) if met else frozenset()
        cleared = not (self._clear_self if own else self._clear_all).isdisjoint(names - ignored)
        risks = live & self._soft
        questioned = bool(asked) and bool(risks) and risks <= asked
        if not firm and (cleared or questioned):
            floor = SOFT if own or not cleared else NONE
            level = max(level - 1, floor)
        return level, category if level else None

    def _live(self, found: dict[str, list[int]], tokens: list[str]) -> set[str]:
        """The concepts found that are not negated (only risk concepts can be) nor masked (`masked_by`)."""
        return {name for name, starts in found.items()
                if (name not in self._negatable or not all(self._negated(tokens, s, name in self._family_only)
                                                           for s in starts))
                and not (name in self._masked_by and self._masked(starts, self._masked_by[name], found, tokens))}

    def _counted(self, live: set[str], found: dict[str, list[int]], tokens: list[str]) -> set[str]:
        """The live concepts less the families that only echo another (`_echoes`), with each family's
        phrases as `family:phrase` (a strong family said twice in different words counts more, see `Signs`)."""
        counted = live - self._echoes(live, found, tokens)
        for name in self._families:
            if name in counted:
                ends = 0
                for start in sorted(found[name]):
                    if start < ends:
                        continue  # inside this family's own longer phrase
                    ends = start + self._length(name, start, tokens)
                    counted.add(f"{name}:{' '.join(tokens[start:ends])}")
        return counted

    def _echoes(self, live: set[str], found: dict[str, list[int]], tokens: list[str]) -> set[str]:
        """Families of signs whose every word found lies inside a longer phrase of another family: one sign
        said once ("all my meds" is a means, not a means and a weak means; "tonight" inside "tonight is the
        night") counts as one family. Of two families found at the very same words, the first in the order
        of `_families` (strong before weak) counts."""
        families = [name for name in self._families if name in live]
        if len(families) < 2:
            return set()
        spans = {name: [(s, s + self._length(name, s, tokens)) for s in found[name]] for name in families}
        echoes: set[str] = set()
        for rank, name in enumerate(families):
            others = [(n, other, span) for n, other in enumerate(families)
                      if other != name and other not in echoes for span in spans[other]]
            if all(any(o[0] <= span[0] and span[1] <= o[1] and (o[1] - o[0] > span[1] - span[0] or n < rank)
                       for n, _, o in others) for span in spans[name]):
                echoes.add(name)
        return echoes

    def _length(self, name: str, start: int, tokens: list[str]) -> int:
        """The longest phrase of a concept found at a word."""
        return max((length for length, phrases in self._by_first.get(tokens[start], {}).items()
                    if name in phrases.get(tuple(tokens[start:start + length]), ())), default=1)

    def _masked(self, starts: list[int], maskers: frozenset[str], found: dict[str, list[int]],
                tokens: list[str]) -> bool:
        """Whether every word a concept was found at lies inside a phrase of one of `maskers`."""
        covered = {word for name in maskers for start in found.get(name, ())
                   for word in range(start, start + self._length(name, start, tokens))}
        return bool(covered) and all(s in covered for s in starts)

    def _level(self, live: set[str]) -> tuple[int, str | None, bool, frozenset[str]]:
        """The first rule (in the order written) that the live concepts meet, else the first soft
        concept among them; and the concepts the rule needed."""
        numbers = [n for name in live for n in self._rules_under.get(name, ())]
        for number in sorted(numbers + self._rules_always if self._rules_always else numbers):
            all_of, none_of, escalation = self._rules[number]
            if all_of <= live and none_of.isdisjoint(live):
                return FULL, escalation.category, escalation.firm, all_of
        if not live.isdisjoint(self._soft):
            for name, category in self._lexicon.soft.items():
                if name in live:
                    return SOFT, category, False, frozenset({name})
        return NONE, None, False, frozenset()

    def _first_person_risk(self, live: set[str]) -> bool:
        """The writer speaks of a risk of their own: first person, a risk word, and nobody else."""
        return self._lexicon.first_person in live and live.isdisjoint(self._others) and not live.isdisjoint(self._soft)

    def _negated(self, tokens: list[str], start: int, family: bool = False) -> bool:
        """A negation up to four words before a concept word. A phrase that starts with a negation of its
        own ("not waking up") is not undone by another ("not trying again, not waking up again"). A family
        of signs only by a verb's negation right before it ("not tonight", "i havent decided"): signs
        are short and come in lists, where "without him around and tonight" negates nothing."""
        if tokens[start] in self._negations:
            return False
        negations = _FAMILY_NEGATIONS if family else self._negations
        return any(tokens[i] in negations and (i + 1 >= len(tokens) or tokens[i + 1] not in _NOT_NEGATING)
                   for i in range(max(0, start - (2 if family else 4)), start))
