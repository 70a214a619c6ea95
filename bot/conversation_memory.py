"""A short memory per conversation, so a follow-up is read against what Lantern last said.

"what about for him?", "and how long does that last?" need the last topic; "yes", "ok", "the first
one" need what Lantern last offered. The core keeps one `ConversationMemory` and asks it per user
key, so the console and Telegram (both `Lantern.reply(user_key, ...)`) behave the same.

What it holds is deliberately little: answer ids (the last topic, the topics just offered) and who
the conversation is about. Never any message text. Entries expire after half an hour (a message
the next morning starts afresh), the number of users held is bounded (the least recently active
are dropped), and `forget` removes a user at once. In memory only: a restart forgets everything.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.asking import QUESTION_OPENERS
from bot.reader import RELATIVES, Reader, words_of

# A follow-up half an hour later is a new conversation.
EXPIRE_SECONDS = 30 * 60
# Enough for every user active within the expiry time on a busy deployment; each entry is a few
# short strings.
MAX_CONVERSATIONS = 20_000

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
             "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7, "last": -1}
# Words around a choice that do not change it: "the first one", "number 2", "option two please".
_CHOICE_FILLER = frozenset({"the", "one", "number", "no", "option", "choice", "topic", "please", "that", "pls",
                            "id", "like", "i", "want", "ill", "take", "go", "with"})
# What marks a message as leaning on the last reply.
_FOLLOW_UP_MOST_WORDS = 10
_SHORT_FOLLOW_UP_WORDS = 7
_LEADING_ON = frozenset({"and", "but", "also", "plus", "then"})
_FOLLOW_UP_OPENINGS = frozenset({("what", "about"), ("how", "about"), ("what", "if"), ("same", "for")})
_POINTING_BACK = frozenset({"that", "this", "it", "those", "these", "thats", "its", "they", "them", "then"})
# A question this short ("do i need a prescription", "is it safe") may well ask about what was just
# said (bot.core reads it with the last topic; its own topic wins when it is clearly its own).
_BRIEF_QUESTION_WORDS = 5
# The words of a follow-up that names nobody's topic, only a person.
_FRAME_WORDS = frozenset({
    "and", "but", "also", "plus", "so", "then", "what", "about", "how", "for", "if", "is", "it", "its", "the",
    "same", "that", "thats", "this", "too", "as", "well", "a", "an", "of", "to", "do", "does", "true", "apply",
    "applies", "work", "works", "ok", "okay", "me", "myself", "i", "im", "my", "him", "her", "them", "he", "she",
    "they", "us", "we", "our", "someone", "somebody", "loved", "one", "ones", "person", "people", "case", "in",
    "there", "any", "different", "advice", "tips", "now", "again", "please", "pls",
})
_COUNTED = frozenset({"number", "no", "option", "choice", "topic"})
# What says the last answer did not, or will not, do: "what if that doesnt work", "we already tried
# that". Sending the same answer again would not be listening; the nearby topics are offered instead.
_PUSHBACK_MOST_WORDS = 12
_PUSHBACK = re.compile(
    r"\b(?:(?:doesnt|didnt|dont|wont|not|never|isnt|hasnt|havent|nothing)\s+(?:work|works|working|worked|help|helps|"
    r"helping|helped|changed|changes)|(?:already|all)\s+tried|tried\s+(?:that|this|it|those|these|all|everything|"
    r"already)|been\s+there\s+done\s+that|done\s+all\s+that|no\s+use)\b")
_CHOICE_WORDS = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Turn:
    """What Lantern last said to one user, in ids only.

    `topic`: the last topic answered (kept through small talk: "thanks" and then "and for him?"
    still means that topic). `offered`: the answer ids of the topics just offered as a reply to
    pick from (follow-ups, the options of "which did you mean", nearby topics), in button order.
    `kind`: the last reply's kind. `reader`: who the conversation is about so far. `lang`: the
    language Lantern last answered in ("es": a topic button pressed next is answered in Spanish).
    """

    topic: str | None
    offered: tuple[str, ...]
    kind: str
    reader: Reader
    at: float
    lang: str = "en"


class ConversationMemory:
    """The last turn per user key: bounded, expiring, text-free."""

    def __init__(self, expire_seconds: float = EXPIRE_SECONDS, max_conversations: int = MAX_CONVERSATIONS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._expire = expire_seconds
        self._max = max_conversations
        self._clock = clock
        self._turns: OrderedDict[str, Turn] = OrderedDict()

    def recall(self, user_key: str) -> Turn | None:
        """The user's last turn, unless it has expired."""
        turn = self._turns.get(user_key)
        if turn is None:
            return None
        if self._clock() - turn.at > self._expire:
            del self._turns[user_key]
            return None
        return turn

    def remember(self, user_key: str, *, topic: str | None, offered: tuple[str, ...], kind: str,
                 reader: Reader, lang: str = "en") -> Turn:
        """Record the reply just given. A reply with no topic of its own keeps the last one."""
        previous = self.recall(user_key)
        if topic is None and previous is not None:
            topic = previous.topic
        now = self._clock()
        turn = Turn(topic, offered, kind, reader, now, lang)
        self._turns[user_key] = turn
        self._turns.move_to_end(user_key)
        self._drop_old(now)
        return turn

    def forget(self, user_key: str) -> None:
        self._turns.pop(user_key, None)

    def __len__(self) -> int:
        return len(self._turns)

    def _drop_old(self, now: float) -> None:
        """Oldest first: expired turns, then any beyond the bound (the least recently active)."""
        turns = self._turns
        while turns:
            key, oldest = next(iter(turns.items()))
            if now - oldest.at <= self._expire and len(turns) <= self._max:
                return
            del turns[key]


def chosen_number(text: str) -> int | None:
    """The choice a short reply names: "2", "the first one", "number two", "#3", "the last one"
    (-1). None when the message is anything more than a choice, or names two."""
    words = _CHOICE_WORDS.findall(text.lower())
    if not words or len(words) > 6:
        return None
    if any(not (w.isdigit() or w in _ORDINALS or w in _CHOICE_FILLER) for w in words):
        return None
    found = [int(w) for w in words if w.isdigit() and len(w) <= 2]
    found += [_ORDINALS[w] for w in words if w in _ORDINALS and w != "one"]
    if not found and "one" in words and (words == ["one"] or words[words.index("one") - 1] in _COUNTED):
        found = [1]  # "one" names the thing in "the first one", "that one"; a number in "number one"
    return found[0] if len(found) == 1 else None


def reads_as_follow_up(text: str) -> bool:
    """Whether a message leans on what came before: "and how long does that last?", "what about
    for him?", "is it the same for methadone?". Only then is it read with the last topic."""
    words = words_of(text)
    if not words or len(words) > _FOLLOW_UP_MOST_WORDS:
        return False
    if words[0] in _LEADING_ON or tuple(words[:2]) in _FOLLOW_UP_OPENINGS or "same" in words:
        return True
    return len(words) <= _SHORT_FOLLOW_UP_WORDS and not _POINTING_BACK.isdisjoint(words)


def asks_briefly(text: str) -> bool:
    """Whether a message is a question of a few words ("do i need a prescription"), which may lean on
    the last answer without pointing back to it."""
    words = words_of(text)
    return bool(words) and len(words) <= _BRIEF_QUESTION_WORDS and words[0] in QUESTION_OPENERS


def names_no_topic(text: str) -> bool:
    """Whether a follow-up names only a person ("what about for him?", "and for me?"): then it asks
    the last topic again, for that reader."""
    words = words_of(text)
    return bool(words) and all(w in _FRAME_WORDS or w in RELATIVES for w in words)


def pushes_back(text: str) -> bool:
    """Whether a short message says the last answer did not help or will not: "what if that doesnt
    work", "we tried all that already", "that didnt help"."""
    words = words_of(text)
    return bool(words) and len(words) <= _PUSHBACK_MOST_WORDS and _PUSHBACK.search(" ".join(words)) is not None
