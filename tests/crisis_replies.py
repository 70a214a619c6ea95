"""The reply a user meets, for the crisis tests: each message its own conversation, so no risk seen in
one test's message colours the next (bot.core remembers the last risk per user)."""

from __future__ import annotations

from bot.core import Lantern
from bot.replies import Reply


def reply_to(lantern: Lantern, text: str, previous: str | None = None) -> Reply:
    """The reply to `text`, optionally right after `previous` in the same conversation."""
    if previous is not None:
        lantern.reply("someone", previous)
    reply = lantern.reply("someone", text)
    lantern.forget("someone")
    return reply
