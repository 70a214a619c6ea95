"""delivery.py: crisis replies first in line and retried until delivered; ordinary replies retried
within a bound; reminders last; losses logged without text and counted.

The bot here is PTB's real ExtBot with the same PriorityRateLimiter as production, talking HTTP to
the fake Bot API server, so the limiter and the retry loops are tested together. Order is read
from the fake server's record of requests, never from timing. Waits are short by injection, not
by luck: the retry policies here back off for milliseconds, and the fake server's 429s ask for
fractions of a second (production waits what Telegram asks, in whole seconds).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.telegram import render
from bot.telegram.app import default_rate_limiter, redact_in_logs
from bot.telegram.delivery import (
    REPLY,
    Priority,
    PriorityRateLimiter,
    RetryPolicy,
    deliver,
    send_reply,
    send_urgent,
)
from tests.fake_bot_api import FakeBotApi, Fault

CHAT = 4242
FAST = RetryPolicy(first_backoff=0.01, max_backoff=0.05)
FAST_REPLY = RetryPolicy(max_attempts=3, first_backoff=0.01, max_backoff=0.05)
BLINK = RetryPolicy(first_backoff=0.001, max_backoff=0.002)  # for many retries in a row
FLOOD_WAIT = 0.05  # seconds a test's 429 asks for
CRISIS_TEXT = "If you are in danger now, call 911. You can call or text 988 at any time."


@pytest.fixture
async def bot(fake_api: FakeBotApi) -> AsyncIterator[ExtBot[None]]:
    redact_in_logs(fake_api.token)
    async with ExtBot(fake_api.token, base_url=fake_api.base_url, rate_limiter=default_rate_limiter(),
                      request=patient_request()) as bot:
        yield bot


@pytest.fixture
async def unlimited_bot(fake_api: FakeBotApi) -> AsyncIterator[ExtBot[None]]:
    """The same limiter without a rate: for retry loops many attempts long (30 a second would
    make forty attempts take more than a second of the test's time for nothing)."""
    limiter = PriorityRateLimiter(0, background_rate=0)
    async with ExtBot(fake_api.token, base_url=fake_api.base_url, rate_limiter=limiter,
                      request=patient_request()) as bot:
        yield bot


def patient_request() -> HTTPXRequest:
    """PTB's HTTP client with timeouts no busy test machine reaches: a fault here is only ever the
    one the test injected (a request that times out is a different error, and a different test)."""
    return HTTPXRequest(read_timeout=30, write_timeout=30, connect_timeout=30, pool_timeout=30)


def assert_clean_logs(caplog: pytest.LogCaptureFixture, fake_api: FakeBotApi, *texts: str) -> None:
    logged = caplog.text
    assert fake_api.token not in logged
    for text in texts:
        assert text not in logged
        assert text[:20] not in logged


def lost(bot: ExtBot[None]) -> dict[str, int]:
    assert isinstance(bot.rate_limiter, PriorityRateLimiter)
    return dict(bot.rate_limiter.lost)


async def test_crisis_reply_survives_429s_500s_and_a_dropped_connection(
        bot: ExtBot[None], fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture) -> None:
    fake_api.inject("sendMessage", *[Fault.retry_after(FLOOD_WAIT)] * 3,
                    Fault.server_error(), Fault.drop(), Fault.server_error())
    caplog.set_level(logging.INFO)
    started = time.monotonic()
    delivered = await send_urgent(bot, CHAT, render.render_text(CRISIS_TEXT), category="suicide", policy=FAST)
    assert delivered
    assert fake_api.texts(CHAT) == [CRISIS_TEXT]
    assert [c.status for c in fake_api.calls_to("sendMessage")] == [429, 429, 429, 500, 0, 500, 200]
    assert time.monotonic() - started >= 3 * FLOOD_WAIT  # every retry_after was honoured
    assert "crisis reply (suicide) delivered after 7 attempts" in caplog.text
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


async def test_a_crisis_reply_is_never_given_up_on_while_telegram_is_merely_failing(
        unlimited_bot: ExtBot[None], fake_api: FakeBotApi) -> None:
    fake_api.inject("sendMessage", *[Fault.server_error()] * 40)
    assert await send_urgent(unlimited_bot, CHAT, render.render_text(CRISIS_TEXT), category="danger", policy=BLINK)
    assert fake_api.texts(CHAT) == [CRISIS_TEXT]
    assert len(fake_api.calls_to("sendMessage")) == 41
    assert lost(unlimited_bot) == {}


async def test_a_deadline_when_one_is_set_counts_from_the_first_failure(
        bot: ExtBot[None], fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture) -> None:
    fake_api.inject("sendMessage", *[Fault.server_error()] * 500)
    policy = RetryPolicy(deadline=0.3, first_backoff=0.05, max_backoff=0.1)
    assert not await send_urgent(bot, CHAT, render.render_text(CRISIS_TEXT), category="danger", policy=policy)
    assert fake_api.texts(CHAT) == []
    assert "crisis reply (danger) NOT delivered" in caplog.text
    # The last error by its class alone (NetworkError for a 500; TimedOut or TimeoutError on a
    # machine too busy to answer in time), never its text, which can hold a URL and so the token.
    assert re.search(r"NOT delivered: gave up after \d+ attempts in [\d.]+s; last error [A-Za-z]+$", caplog.text,
                     re.MULTILINE)
    assert lost(bot) == {"crisis": 1}
    assert_clean_logs(caplog, fake_api, CRISIS_TEXT)


async def test_a_hanging_request_is_abandoned_and_tried_again(bot: ExtBot[None], fake_api: FakeBotApi) -> None:
    fake_api.inject("sendMessage", Fault.slow(5))
    policy = RetryPolicy(first_backoff=0.01, attempt_timeout=0.3)
    assert await send_urgent(bot, CHAT, render.render_text(CRISIS_TEXT), category="suicide", policy=policy)
    assert fake_api.texts(CHAT) == [CRISIS_TEXT]


async def test_a_blocked_bot_is_not_retried(bot: ExtBot[None], fake_api: FakeBotApi,
                                            caplog: pytest.LogCaptureFixture) -> None:
    fake_api.inject("sendMessage", Fault.refuse(403, "Forbidden: bot was blocked by the user"))
    outcome = await deliver(bot, CHAT, render.render_text(CRISIS_TEXT), policy=FAST, priority=Priority.URGENT,
                            kind="crisis", category="suicide")
    assert outcome == "gone"
    assert len(fake_api.calls_to("sendMessage")) == 1
    assert "bot was blocked by the user" in caplog.text


async def test_html_telegram_refuses_is_resent_as_plain_text(bot: ExtBot[None], fake_api: FakeBotApi,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    broken = render.OutgoingMessage(html="<b>Call 988 now", plain="Call 988 now")
    assert await send_urgent(bot, CHAT, [broken], category="suicide", policy=FAST)
    assert fake_api.texts(CHAT) == ["Call 988 now"]
    assert "Telegram refused our HTML" in caplog.text


async def test_an_ordinary_reply_is_retried_through_faults(bot: ExtBot[None], fake_api: FakeBotApi) -> None:
    fake_api.inject("sendMessage", Fault.server_error(), Fault.drop())
    assert await send_reply(bot, CHAT, render.render_text("About cravings."), policy=FAST_REPLY)
    assert fake_api.texts(CHAT) == ["About cravings."]
    assert [c.status for c in fake_api.calls_to("sendMessage")] == [500, 0, 200]


async def test_an_ordinary_reply_gives_up_after_its_bound_logged_without_text_and_counted(
        bot: ExtBot[None], fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture) -> None:
    fake_api.inject("sendMessage", *[Fault.server_error()] * 3)
    assert not await send_reply(bot, CHAT, render.render_text("About cravings at night."), policy=FAST_REPLY)
    assert len(fake_api.calls_to("sendMessage")) == 3
    assert "reply NOT delivered: gave up after 3 attempts" in caplog.text
    assert lost(bot) == {"reply": 1}
    assert_clean_logs(caplog, fake_api, "About cravings at night.")
    assert REPLY.max_attempts is not None  # production replies are bounded too


async def test_an_ordinary_reply_rides_out_a_flood_as_told(bot: ExtBot[None], fake_api: FakeBotApi) -> None:
    fake_api.inject("sendMessage", Fault.retry_after(FLOOD_WAIT))
    started = time.monotonic()
    assert await send_reply(bot, CHAT, render.render_text("About cravings."), policy=FAST_REPLY)
    assert time.monotonic() - started >= FLOOD_WAIT
    assert fake_api.texts(CHAT) == ["About cravings."]


# --- the queue ----------------------------------------------------------------------------------


class ReleaseOrder(PriorityRateLimiter):
    """Records the order in which the limiter lets messages go. The fake server's order of arrival
    can differ from it: two requests in flight race each other over HTTP on a loaded machine."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.released: list[str] = []

    async def process_request(self, callback: Callable[..., Any], args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: Priority | None) -> Any:
        async def released(*call_args: Any, **call_kwargs: Any) -> Any:
            if "text" in data:  # a message, not getMe
                self.released.append(str(data["text"]))
            return await callback(*call_args, **call_kwargs)

        return await super().process_request(released, args, kwargs, endpoint, data, rate_limit_args)


def release_order(bot: ExtBot[None]) -> list[str]:
    """Each message's first release (a retried one is released again)."""
    limiter = bot.rate_limiter
    assert isinstance(limiter, ReleaseOrder)
    return list(dict.fromkeys(limiter.released))


@pytest.fixture
async def slow_bot(fake_api: FakeBotApi) -> AsyncIterator[ExtBot[None]]:
    """A limiter at 40 messages/s: a queue builds up at once, and the test stays short."""
    limiter = ReleaseOrder(40, background_rate=40)
    async with ExtBot(fake_api.token, base_url=fake_api.base_url, rate_limiter=limiter,
                      request=patient_request()) as bot:
        yield bot


async def turns_until(condition: Callable[[], bool]) -> None:
    """Let the event loop run, a turn at a time, until `condition()` holds (for what the fake
    server cannot see, such as the bot having read an answer)."""
    while not condition():
        await asyncio.sleep(0)


def sent_order(fake_api: FakeBotApi) -> list[str]:
    return [c.params["text"] for c in fake_api.calls_to("sendMessage") if c.status == 200]


async def test_a_crisis_reply_goes_out_before_queued_replies_and_reminders(
        slow_bot: ExtBot[None], fake_api: FakeBotApi) -> None:
    sends = [deliver(slow_bot, 9000 + i, render.render_text(f"reminder {i}"), policy=FAST_REPLY,
                     priority=Priority.BACKGROUND, kind="reminder") for i in range(10)]
    sends += [send_reply(slow_bot, 100 + i, render.render_text(f"answer {i}"), policy=FAST_REPLY) for i in range(10)]
    queued = [asyncio.create_task(send) for send in sends]
    limiter = slow_bot.rate_limiter
    assert isinstance(limiter, PriorityRateLimiter)
    await fake_api.wait_for(lambda: limiter.queued >= 10)
    ahead = len(sends) - limiter.queued  # sent, on their way, or let go already: counted now, not timed
    assert await send_urgent(slow_bot, CHAT, render.render_text(CRISIS_TEXT), category="suicide", policy=FAST)
    await asyncio.gather(*queued)
    assert set(sent_order(fake_api)) == set(release_order(slow_bot))  # every message reached Telegram
    order = release_order(slow_bot)
    assert order.index(CRISIS_TEXT) <= ahead  # behind at most what was already on its way
    answers = [i for i, text in enumerate(order) if text.startswith("answer")]
    reminders = [i for i, text in enumerate(order) if text.startswith("reminder")]
    assert len(answers) == len(reminders) == 10
    assert max(answers) < min(r for r in reminders if r > 1)  # reminders wait for every reply


async def test_a_crisis_in_a_busy_chat_lifts_that_chats_queue(slow_bot: ExtBot[None], fake_api: FakeBotApi) -> None:
    limiter = slow_bot.rate_limiter
    assert isinstance(limiter, PriorityRateLimiter)
    others = [asyncio.create_task(send_reply(slow_bot, 100 + i, render.render_text(f"answer {i}"),
                                             policy=FAST_REPLY)) for i in range(15)]
    mine = asyncio.create_task(send_reply(slow_bot, CHAT, render.render_text("my earlier answer"), policy=FAST_REPLY))
    await fake_api.wait_for(lambda: limiter.queued >= 10)
    ahead = len(others) + 1 - limiter.queued  # sent, on their way, or let go already: counted now, not timed
    limiter.boost(CHAT)
    await mine
    limiter.unboost(CHAT)
    await asyncio.gather(*others)
    assert release_order(slow_bot).index("my earlier answer") <= ahead


async def test_a_429_holds_ordinary_replies_but_not_a_crisis_reply(
        slow_bot: ExtBot[None], fake_api: FakeBotApi) -> None:
    fake_api.inject("sendMessage", Fault.retry_after(0.5))  # long beside one crisis reply (~10 ms)
    limiter = slow_bot.rate_limiter
    assert isinstance(limiter, PriorityRateLimiter)
    flooded = asyncio.create_task(send_reply(slow_bot, 100, render.render_text("answer 0"), policy=FAST_REPLY))
    await fake_api.wait_for(lambda: len(fake_api.calls_to("sendMessage")) == 1)
    await asyncio.wait_for(turns_until(lambda: limiter.in_flight == 0), 30)  # the bot has read the 429
    waiting = asyncio.create_task(send_reply(slow_bot, 101, render.render_text("answer 1"), policy=FAST_REPLY))
    assert await send_urgent(slow_bot, CHAT, render.render_text(CRISIS_TEXT), category="suicide", policy=FAST)
    assert sent_order(fake_api) == [CRISIS_TEXT]  # sent while the others wait out the 429
    await asyncio.gather(flooded, waiting)
    assert sorted(sent_order(fake_api)[1:]) == ["answer 0", "answer 1"]
