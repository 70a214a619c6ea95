"""Who a message is about: the person in recovery writing about themselves, or a family member.

Some advice differs by reader: a parent angry at a son who relapsed needs something else than the
person who relapsed. Answers may carry a `for_family` and a `for_self` text; this module decides
which one a message calls for, from its words alone ("my son", "he" against "I relapsed", "me").

Pure and cheap: a few set lookups over the message's words, run on every matched message. Not for
topic matching (bot.matcher) nor crisis detection (bot.crisis); it never changes *what* topic is
answered, only which of its texts. When unsure it says "unknown" and the general text is used,
which is written for both readers.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Literal

Reader = Literal["family", "self", "unknown"]

# The people a family member writes about. "my" before one of them is the family's "my".
RELATIVES = frozenset({
    "son", "sons", "daughter", "daughters", "wife", "husband", "hubby", "partner", "boyfriend", "girlfriend", "bf",
    "gf", "fiance", "fiancee", "brother", "sister", "mom", "mum", "mother", "dad", "father", "child", "kid", "kids",
    "children", "stepson", "stepdaughter", "grandson", "granddaughter", "nephew", "niece", "cousin", "uncle",
    "aunt", "friend", "bestfriend", "family", "parents", "spouse", "ex", "baby",
})
_LOVED_ONE = ("loved", "one")
# Someone else as the subject: "he relapsed", "she wont eat".
_THIRD_PERSON = frozenset({"he", "she", "him", "her", "his", "hers", "hes", "shes", "himself", "herself"})
# Someone unnamed: a message about "someone" is not plainly about the writer.
_SOMEONE = frozenset({"someone", "somebody", "they", "them", "their", "theyre", "person", "people"})
_FIRST_PERSON = frozenset({"i", "im", "ive", "id", "ill", "me", "my", "myself", "mine"})
_SUBJECT = frozenset({"i", "im", "ive", "id", "ill"})
# What a person in recovery says they do or go through: after "i" (within a few words) it means
# the message is about the writer's own use, whoever else it names.
_OWN_USE = frozenset({
    "use", "used", "using", "relapse", "relapsed", "relapsing", "slipped", "crave", "craving", "cravings", "detox",
    "detoxing", "withdrawal", "withdrawals", "withdrawing", "wd", "sick", "dopesick", "clean", "sober", "quit",
    "quitting", "tapering", "taper", "shooting", "sniffing", "smoking", "addicted", "addict", "recovering",
    "recovery", "methadone", "suboxone", "subs", "bupe", "buprenorphine", "naltrexone", "vivitrol", "high",
})
# "my relapse", "my cravings": the writer's own.
_OWN_THINGS = _OWN_USE | frozenset({"addiction", "sobriety", "clean", "habit", "doctor", "dose", "meds", "counselor"})
# Ways of asking that put "I" or "me" in a question about anyone: "tell me about methadone".
_ASKING = (("tell", "me"), ("show", "me"), ("explain", "to", "me"), ("can", "i", "ask"), ("could", "i", "ask"),
           ("i", "was", "wondering"), ("i", "wonder"), ("i", "want", "to", "know"), ("id", "like", "to", "know"),
           ("i", "would", "like", "to", "know"), ("i", "heard"), ("i", "read"), ("help", "me", "understand"))
_ASKING_BY_START: dict[str, tuple[tuple[str, ...], ...]] = {
    start: tuple(f for f in _ASKING if f[0] == start) for start in {f[0] for f in _ASKING}}
# A verb phrase is read this many words after its subject, and no further.
_SUBJECT_REACH = 3
_WORD = re.compile(r"[a-z]+")


def words_of(text: str) -> list[str]:
    """Lowercase words with apostrophes dropped ("I'm" is "im"), as people type them."""
    return _WORD.findall(text.lower().replace("'", "").replace("\u2019", ""))


def reader_of(text: str, previous: Reader = "unknown") -> Reader:
    """Who `text` is about. `previous` is what the conversation was about so far: a parent who said
    "my son relapsed" and then asks "what should I do" is still a parent."""
    words = _without_asking(words_of(text))
    if _speaks_of_own_use(words):
        return "self"
    if _names_a_relative(words) or _THIRD_PERSON.intersection(words):
        return "family"
    if _FIRST_PERSON.intersection(words) and not _SOMEONE.intersection(words):
        return previous if previous == "family" and not _asks_for_self(words) else "self"
    return previous


def _without_asking(words: list[str]) -> list[str]:
    """The words with the ways of asking taken out ("tell me about methadone" is about methadone)."""
    dropped: set[int] = set()
    for index, word in enumerate(words):
        for frame in _ASKING_BY_START.get(word, ()):
            if tuple(words[index:index + len(frame)]) == frame:
                dropped.update(range(index, index + len(frame)))
                break
    return [w for i, w in enumerate(words) if i not in dropped] if dropped else words


def _speaks_of_own_use(words: list[str]) -> bool:
    """"I relapsed", "i have been using", "my cravings", "what about me": the writer's own use, even
    in a message that also names others ("my wife is angry because i relapsed")."""
    if _OWN_THINGS.isdisjoint(words):
        return _asks_for_self(words)
    for index, word in enumerate(words):
        if word in _SUBJECT:
            for after in words[index + 1:index + 1 + _SUBJECT_REACH]:
                if after in _THIRD_PERSON or after in _SOMEONE or after in RELATIVES or after == "my":
                    break
                if after in _OWN_USE and not _used_to(words, after):
                    return True
        elif word == "my" and index + 1 < len(words) and words[index + 1] in _OWN_THINGS:
            return True
    return _asks_for_self(words)


def _used_to(words: list[str], verb: str) -> bool:
    """"I used to think" is no drug use."""
    if verb != "used":
        return False
    at = words.index(verb)
    return at + 1 < len(words) and words[at + 1] == "to"


def _asks_for_self(words: list[str]) -> bool:
    """"and for me?", "what about me": the writer turning the question to themselves."""
    if "me" not in words and "myself" not in words:
        return False
    return any(a in {"for", "about"} and b in {"me", "myself"} for a, b in pairwise(words))


def _names_a_relative(words: list[str]) -> bool:
    """"my son", "our daughter", "my loved one", or a relative named without "my" ("son relapsed")."""
    for index, word in enumerate(words):
        if word in RELATIVES and word not in {"family", "friend", "ex", "baby"}:
            return True
        if word in {"my", "our"} and index + 1 < len(words):
            following = words[index + 1]
            if following in RELATIVES or tuple(words[index + 1:index + 3]) == _LOVED_ONE:
                return True
    return False
