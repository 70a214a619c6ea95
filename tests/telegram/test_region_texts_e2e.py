"""The user's region in Lantern's own words over Telegram: after /region UK, the welcome, /about,
a topic answer and the reply to a voice note give the UK's lines, never the US's."""

from __future__ import annotations

from tests.telegram.conftest import RunningBot

CHAT = 2002


async def test_after_region_uk_every_text_gives_uk_lines(bot: RunningBot) -> None:
    (us_welcome,) = await bot.say(CHAT, "/start")
    assert "Call or text 988" in us_welcome.plain_text and "call 911" in us_welcome.plain_text
    await bot.say(CHAT, "/region UK")
    (welcome,) = await bot.say(CHAT, "/start")
    assert welcome.plain_text == bot.lantern.ui("welcome", region_code="UK")
    (about,) = await bot.say(CHAT, "/about")
    (answer,) = await bot.say(CHAT, "3am cravings are bad")
    before = len(bot.api.messages(CHAT))
    bot.api.push_media(CHAT, "voice")
    (voice,) = (await bot.api.wait_for_messages(CHAT, before + 1))[before:]
    assert "Call Samaritans on 116 123" in welcome.plain_text and "call 999" in welcome.plain_text
    assert "FRANK: 0300 123 6600" in about.plain_text
    assert "Call 999 at any sign of overdose." in answer.plain_text
    assert "Call Samaritans on 116 123" in voice.plain_text
    for message in (welcome, about, answer, voice):
        assert "988" not in message.plain_text and "911" not in message.plain_text
        assert "1-800-662-4357" not in message.plain_text
