"""Whether a message asks something, from the words its sentences open with.

People typing on a phone often leave out the question mark ("my dad doesnt know me anymore, how do i
cope"), so a question is told by its first word as well: a statement that asks nothing is heard as one
(bot.core), a short question may lean on the last answer (bot.conversation_memory), and the question
that closes a short message may be what it asks (bot.matcher). One list serves all three.
"""

from __future__ import annotations

import re

from bot.normalise import fold

# The words a question opens with, in English and in US Spanish (accents folded).
QUESTION_OPENERS = frozenset({
    "how", "what", "why", "when", "where", "who", "which", "whats", "hows", "is", "are", "am", "was", "were",
    "can", "could", "should", "would", "will", "do", "does", "did", "has", "have", "had",
    "como", "que", "por", "porque", "cuando", "donde", "quien", "cual", "cuanto", "cuantos", "puedo", "debo",
    "hay", "es", "esta",
})
# Words that may come before a question's first word ("and what about for him", "ok so how do i").
_LEADING = frozenset({"and", "but", "so", "ok", "okay", "well", "then", "also", "hi", "hey", "y", "pero"})
_CLAUSES = re.compile(r"[.,;:!\n]+")
_WORD = re.compile(r"[a-z0-9]+")


def asks(text: str) -> bool:
    """A question mark, or a sentence or comma clause that opens like a question."""
    if "?" in text:
        return True
    for part in _CLAUSES.split(fold(text)):
        words = _WORD.findall(part)
        while words and words[0] in _LEADING:
            words = words[1:]
        if words and words[0] in QUESTION_OPENERS:
            return True
    return False
