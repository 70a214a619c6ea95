"""delivery.py: crisis replies get through faults; ordinary ones are sent once; logs stay clean.

The bot here is PTB's real ExtBot with the same AIORateLimiter as production, talking HTTP to
the fake Bot API server, so the two retry layers are tested together.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import pytest
from telegram.ext import ExtBot

from bot.telegram import render
from bot.telegram.app import default_rate_limiter, redact_in_logs
from bot.telegram.delivery import RetryPolicy, send_reply, send_urgent
from tests.fake_bot_api import FakeBotApi, Fault

CHAT = 4242
FAST = RetryPolicy(deadline=10.0, first_backoff=0.01, max_backoff=0.05)
CRISIS_TEXT = "If you are in danger now, call 911. You can call or text 988 at any time."


@pytest.fixture
async def bot(fake_api: FakeBotApi) -> AsyncIterator[ExtBot[None]]:
    redact_in_logs(fake_api.token)
    async with ExtBot(fake_api.token, base_url=fake_api.base_url, rate_limiter=default_rate_limiter()) as bot:
        yield bot


def assert_clean_logs(caplog: pytest.LogCaptureFixture, fake_api: FakeBotApi, *texts: str) -> None:
    logged = caplog.text
    assert fake_api.token not in logged
    for text in texts:
        assert text not in logged
        assert text[:20] not in logged


async def test_crisis_reply_survives_429s_500s_and_a_dropped_connection(
        bot: ExtBot[None], fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture) -> None:
    # Three 429s: AIORateLimiter absorbs two, the third reaches our loop, which waits as told.
    fake_api.inject("sendMessage", Fault.retry_after(1), Fault.retry_after(1), Fault.retry_after(1),
                    Fault.server_error(), Fault.drop(), Fault.server_error())
    caplog.set_level(logging.INFO)
    started = time.monotonic()
    delivered = await send_urgent(bot, CHAT, render.render_text(CRISIS_TEXT), category="suicide", policy=FAST)
    assert delivered
    assert fake_api.texts(CHAT) == [CRISIS_TEXT]
    assert [c.status for c in fake_api.calls_to("sendMessage")] == [429, 429, 429, 500, 0, 500, 200]
    assert time.monotonic() - started >= 3.0  # every retry_after was honoured
    assert "crisis reply (suicide) delivered after 5 attempts" in caplog.text
    assert_clean_logs(caplog, fake_api, CRISIS_TEXT)


async def test_a_long_crisis_reply_arrives_whole_and_in_order(bot: ExtBot[None], fake_api: FakeBotApi) -> None:
    paragraphs = [f"Step {i}. " + "Stay with them. " * 150 for i in range(4)]
    messages = render.render_text("\n\n".join(paragraphs))
    fake_api.inject("sendMessage", Fault.slow(0.01), Fault.server_error(),
                    Fault.slow(0.01), Fault.drop())
    assert await send_urgent(bot, CHAT, messages, category="overdose", policy=FAST)
    shown = fake_api.texts(CHAT)
    assert len(shown) == len(messages) >= 2
    assert "\n\n".join(shown) == "\n\n".join(p.strip() for p in paragraphs)


async def test_crisis_retries_stop_at_the_deadline_and_say_so_without_the_text(
        bot: ExtBot[None], fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture) -> None:
    fake_api.inject("sendMessage", *[Fault.server_error()] * 500)
    policy = RetryPolicy(deadline=0.6, first_backoff=0.05, max_backoff=0.1)
    started = time.monotonic()
    assert not await send_urgent(bot, CHAT, render.render_text(CRISIS_TEXT), category="danger", policy=policy)
    assert 0.5 <= time.monotonic() - started < 2.0
    assert fake_api.texts(CHAT) == []
    assert "crisis reply (danger) NOT delivered" in caplog.text
    assert "NetworkError" in caplog.text
    assert_clean_logs(caplog, fake_api, CRISIS_TEXT)


async def test_a_hanging_request_cannot_push_past_the_deadline(bot: ExtBot[None], fake_api: FakeBotApi) -> None:
    fake_api.inject("sendMessage", Fault.slow(3))
    policy = RetryPolicy(deadline=0.5, first_backoff=0.05)
    started = time.monotonic()
    assert not await send_urgent(bot, CHAT, render.render_text(CRISIS_TEXT), category="suicide", policy=policy)
    assert time.monotonic() - started < 1.5


async def test_a_blocked_bot_is_not_retried(bot: ExtBot[None], fake_api: FakeBotApi,
                                            caplog: pytest.LogCaptureFixture) -> None:
    fake_api.inject("sendMessage", Fault.refuse(403, "Forbidden: bot was blocked by the user"))
    assert not await send_urgent(bot, CHAT, render.render_text(CRISIS_TEXT), category="suicide", policy=FAST)
    assert len(fake_api.calls_to("sendMessage")) == 1
    assert "bot was blocked by the user" in caplog.text


async def test_html_telegram_refuses_is_resent_as_plain_text(bot: ExtBot[None], fake_api: FakeBotApi,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    broken = render.OutgoingMessage(html="<b>Call 988 now", plain="Call 988 now")
    assert await send_urgent(bot, CHAT, [broken], category="suicide", policy=FAST)
    assert fake_api.texts(CHAT) == ["Call 988 now"]
    assert "Telegram refused our HTML" in caplog.text


async def test_an_ordinary_reply_is_sent_once_and_a_failure_is_logged(
        bot: ExtBot[None], fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture) -> None:
    fake_api.inject("sendMessage", Fault.server_error())
    assert not await send_reply(bot, CHAT, render.render_text("About cravings."))
    assert len(fake_api.calls_to("sendMessage")) == 1
    assert "reply not delivered: NetworkError" in caplog.text
    assert await send_reply(bot, CHAT, render.render_text("About cravings."))
    assert fake_api.texts(CHAT) == ["About cravings."]


async def test_an_ordinary_reply_rides_out_a_short_flood(bot: ExtBot[None], fake_api: FakeBotApi) -> None:
    fake_api.inject("sendMessage", Fault.retry_after(1))
    assert await send_reply(bot, CHAT, render.render_text("About cravings."))
    assert fake_api.texts(CHAT) == ["About cravings."]
