"""/mood in Telegram sends a picture of the last 30 nights with the summary as its caption: the real
bot, the real drawing process, a real PNG uploaded over HTTP to the fake Bot API. Whatever goes
wrong with the picture, the user gets the text summary, and a chart being drawn never holds up a
crisis reply."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image

import bot.mood_picture as mood_picture_module
from bot.checkin import CheckinTexts, load_checkin_texts
from bot.config import Settings
from bot.mood_chart import short_date
from bot.mood_picture import CAPTION_MAX_CHARS
from bot.telegram.delivery import REPLY, OutgoingPhoto, Priority, PriorityRateLimiter, deliver
from bot.timezones import effective_time_zone, night_of
from tests.fake_bot_api import Fault
from tests.telegram.conftest import RunningBot

CHAT = 3003
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Nights before tonight with a check-in: four gaps in the last 30, none of the last three missed.
CHECKED_IN = [d for d in range(26) if d not in (4, 9, 10, 17)]


@pytest.fixture(scope="module")
def texts() -> CheckinTexts:
    return load_checkin_texts(Settings().content.responses_dir)


async def seed_check_ins(bot: RunningBot, nights_ago: list[int]) -> None:
    """Check-ins on those nights, counted back from tonight where the bot thinks the user is."""
    assert bot.store is not None
    key = bot.user_key(CHAT)
    tonight = seeded_tonight()
    for days in sorted(nights_ago, reverse=True):
        await bot.store.save_checkin(key, mood=1 + days % 5, craving=days % 4, night=tonight - timedelta(days=days))


def seeded_tonight() -> date:
    return night_of(datetime.now(UTC), effective_time_zone(None, "US"))


def set_picture_title(bot: RunningBot, title: str) -> None:
    """As a content reload would: a new catalog whose check-in texts carry the title."""
    catalog = bot.lantern.catalog
    chart = catalog.checkin.chart
    picture = chart.picture.model_copy(update={"title": title})
    texts = catalog.checkin.model_copy(update={"chart": chart.model_copy(update={"picture": picture})})
    bot.lantern.swap_catalog(replace(catalog, checkin=texts))


async def test_mood_sends_a_png_of_thirty_days_with_the_summary_as_caption(bot: RunningBot, texts: CheckinTexts):
    await seed_check_ins(bot, CHECKED_IN)
    (sent,) = await bot.say(CHAT, "/mood", expect=1)
    assert sent.photo is not None, f"expected a picture, got text: {sent.plain_text[:80]}"
    assert sent.photo.data.startswith(PNG_SIGNATURE) and sent.photo.format == "PNG"
    assert (sent.photo.width, sent.photo.height) == (800, 500)
    assert 5_000 < len(sent.photo.data) < 1_000_000
    with Image.open(io.BytesIO(sent.photo.data)) as image:
        image.load()
        assert image.size == (800, 500)
    assert sent.photo.filename == texts.chart.picture.filename
    caption = sent.plain_text
    tonight = seeded_tonight()
    first, last = short_date(tonight - timedelta(days=max(CHECKED_IN))), short_date(tonight)
    assert caption.startswith(texts.chart.header.format(count=len(CHECKED_IN), first=first, last=last))
    assert texts.chart.streak.format(count=4) in caption  # nights 0 to 3
    assert texts.chart.mood_row.strip() not in caption  # the sparkline stays in the console
    assert len(caption) <= CAPTION_MAX_CHARS and sent.parse_mode is None
    assert bot.api.messages(CHAT) == [sent]  # the picture alone, no text beside it


async def test_no_check_ins_get_the_text_as_before(bot: RunningBot, texts: CheckinTexts):
    (sent,) = await bot.say(CHAT, "/mood")
    assert sent.photo is None and sent.plain_text == texts.chart.empty
    assert not bot.api.calls_to("sendPhoto")


async def test_a_chart_that_fails_to_draw_sends_the_text_chart(bot: RunningBot, texts: CheckinTexts):
    await seed_check_ins(bot, [0, 1])
    set_picture_title(bot, "{no_such_placeholder}")  # the drawing process fails on it
    (sent,) = await bot.say(CHAT, "/mood")
    assert sent.photo is None and "<pre>" in sent.text
    assert texts.chart.mood_row.strip() in sent.plain_text and texts.chart.streak.format(count=2) in sent.plain_text
    assert "Traceback" not in sent.plain_text and "KeyError" not in sent.plain_text
    assert not bot.api.calls_to("sendPhoto")


async def test_a_picture_telegram_refuses_is_followed_by_the_text_chart(bot: RunningBot, texts: CheckinTexts):
    await seed_check_ins(bot, [0])
    bot.api.inject("sendPhoto", Fault.refuse(400, "Bad Request: IMAGE_PROCESS_FAILED"))
    (sent,) = await bot.say(CHAT, "/mood")
    assert sent.photo is None and texts.chart.streak_one in sent.plain_text and "<pre>" in sent.text
    assert [c.status for c in bot.api.calls_to("sendPhoto")] == [400]
    limiter = bot.application.bot.rate_limiter
    assert isinstance(limiter, PriorityRateLimiter)
    assert limiter.lost == {"picture": 1}  # the operators' figures count no reply lost: the text went


async def test_a_picture_is_retried_through_server_errors(bot: RunningBot):
    await seed_check_ins(bot, [0])
    bot.api.inject("sendPhoto", Fault.server_error())
    (sent,) = await bot.say(CHAT, "/mood")
    assert sent.photo is not None
    assert [c.status for c in bot.api.calls_to("sendPhoto")] == [500, 200]


async def test_a_crisis_message_is_answered_while_the_chart_is_still_being_drawn(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
):
    await seed_check_ins(bot, [0, 1, 2])
    drawing, release = asyncio.Event(), asyncio.Event()
    real_draw = mood_picture_module.draw_off_loop

    async def slow_draw(*args: object, **kwargs: object) -> bytes | None:
        drawing.set()
        await release.wait()
        return await real_draw(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(mood_picture_module, "draw_off_loop", slow_draw)
    bot.api.push_text(CHAT, "/mood")
    await asyncio.wait_for(drawing.wait(), 10)
    (crisis,) = await bot.say(CHAT, "i want to kill myself")
    assert "988" in crisis.plain_text and crisis.photo is None
    assert not bot.api.calls_to("sendPhoto")  # the chart is still on its way
    release.set()
    await bot.api.wait_for(lambda: any(m.photo is not None for m in bot.api.messages(CHAT)), timeout=30)
    assert bot.api.messages(CHAT)[-1].photo is not None


async def test_delivery_sends_a_photo_and_gives_up_on_one_telegram_cannot_read(bot: RunningBot):
    png = await mood_picture_module.draw_off_loop(
        bot.lantern.catalog.checkin.chart.picture, [], night_of(datetime.now(UTC), UTC),
        {0: "None", 1: "Mild", 2: "Strong", 3: "Very strong"})
    assert png is not None
    sent = await deliver(bot.application.bot, CHAT, [OutgoingPhoto(png, "chart.png", "A caption")],
                         policy=REPLY, priority=Priority.REPLY, kind="reply")
    assert sent == "sent" and bot.api.messages(CHAT)[-1].plain_text == "A caption"
    broken = await deliver(bot.application.bot, CHAT, [OutgoingPhoto(png[:200], "chart.png")],
                           policy=REPLY, priority=Priority.REPLY, kind="reply")
    assert broken == "refused"
    assert bot.api.calls_to("sendPhoto")[-1].error == "Bad Request: IMAGE_PROCESS_FAILED"
