"""The reply object every front end renders.

The core decides *what* to say; a front end (Telegram, console, `ask --json`) only decides
*how* to show it. Nothing here knows about Telegram or formatting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ReplyKind = Literal["answer", "crisis", "fallback", "smalltalk", "clarify"]

# Buttons that ask for something other than an answer: the help lines, and the whole topic menu.
# Content may not give an answer either id (bot.content refuses it).
SOS = "sos"
TOPICS = "topics"
BUTTON_IDS = frozenset({SOS, TOPICS})

# How an unsure reply is shaped, in either language (bot.core for English, bot.spanish for Spanish).
# Topics scoring within this much under the threshold are offered on a fallback ("Maybe one of
# these is close") ahead of the starter topics. Closer than this and they are mostly right; further
# and they are mostly noise (read on 944 external questions that fell back).
NEAR_BELOW = 3.0
# How many topic buttons an unsure reply shows before "All topics" (a catalog that names no starter
# topics offers its first few).
STARTER_COUNT = 6
# Buttons under a feeling's acknowledgement: the nearby topics first, then the feeling's own follow-ups.
ACKNOWLEDGE_BUTTONS = 4
# "Which did you mean" offers at most this many topics; past the first two, only those this close.
CLARIFY_OPTIONS = 3
CLARIFY_WITHIN = 8.0


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A follow-up the user can pick: `answer_id` is what a button press asks for."""

    answer_id: str
    label: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One reply from the core. `text` is plain text: front ends escape it for their medium."""

    kind: ReplyKind
    text: str
    intent: str | None = None
    score: float = 0.0
    crisis: str | None = None
    suggestions: tuple[Suggestion, ...] = ()
    sources: tuple[str, ...] = ()
    # True for crisis replies and replies shown while an escalation is still "open":
    # front ends must deliver these even through network faults.
    urgent: bool = False
    # The normalised words of a message nothing matched, for the operators' unmatched list.
    unmatched_text: str | None = None
    # True when the text carries a help line: a crisis reply, an answer with the help line shown
    # beside it (the "soft" level), or the quiet line under every fallback and clarify.
    help_line: bool = False
    # "es" for a reply in Spanish: a front end labels its sources in that language too.
    lang: str = "en"

    def as_json(self, message: str) -> dict[str, object]:
        """The shape `lantern ask --json` prints, one object per message."""
        return {
            "text": message,
            "kind": self.kind,
            "intent": self.intent,
            "score": round(self.score, 1),
            "crisis": self.crisis,
            "reply": self.text,
            "suggestions": [s.answer_id for s in self.suggestions],
            "sources": list(self.sources),
            "help_line": self.help_line,
        }
