"""The crisis detector's levels and memory of risk, as a Telegram user meets them.

The core keeps the memory per user key; these tests show the Telegram front end gives one person
one key across messages, so a follow-up after a risky message reaches the crisis reply here too.
"""

from __future__ import annotations

from tests.telegram.conftest import RunningBot

CHAT = 2002


async def test_a_follow_up_after_talk_of_pills_gets_the_crisis_reply(bot: RunningBot) -> None:
    await bot.say(CHAT, "i have all my moms pills in front of me")
    (reply,) = await bot.say(CHAT, "ok i took them")
    assert "988" in reply.plain_text and "911" in reply.plain_text
    assert reply.plain_text.startswith(bot.lantern.catalog.crisis_replies["suicide"].split("\n")[0])


async def test_the_same_words_from_someone_else_are_read_alone(bot: RunningBot) -> None:
    await bot.say(CHAT, "i have all my moms pills in front of me")
    (reply,) = await bot.say(CHAT + 1, "ok i took them")
    assert not reply.plain_text.startswith(bot.lantern.catalog.crisis_replies["suicide"].split("\n")[0])


async def test_a_fallback_carries_the_quiet_help_line(bot: RunningBot) -> None:
    (reply,) = await bot.say(CHAT, "xyzzy plugh frobnicate")
    assert reply.plain_text.startswith(bot.lantern.ui("fallback"))
    assert "988" in reply.plain_text
