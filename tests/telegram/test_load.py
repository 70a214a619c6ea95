"""Under load and faults, through the fake Telegram server: crisis replies first, no reply lost, no
message that stalls other chats, and a crisis reply that never waits for the database.

What comes first is read from the order in which replies reached the fake server, never from a
clock, so a busy machine cannot fail a working bot (how fast is for benchmarks/bench_burst.py,
of which the bursts here are small versions). The tests that send a hundred replies at
Telegram's rate are marked slow.
"""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import time
from pathlib import Path

import pytest

from bot.core import Lantern
from bot.paths import DEFAULT_INTENTS_DIR
from bot.pseudonym import user_key
from bot.store import Store
from bot.telegram import reminders
from bot.telegram.app import stop
from bot.telegram.delivery import PriorityRateLimiter
from tests.fake_bot_api import FakeBotApi, Fault
from tests.telegram.conftest import ID_KEY, RunningBot, running, settings_for

CRISIS = "i want to kill myself tonight"
ORDINARY = ("why cant my son just quit", "3am cravings are bad", "what is narcan", "how do i talk to my daughter")
# Telegram's longest message, made of the crisis lexicon's own words: every pattern has something
# to try, the most work a message can make the detector and the matcher do.
MAX_CHARS = 4096


def adversarial_messages(count: int, seed: int = 7) -> list[str]:
    words = sorted(set(re.findall(r"[a-z]{2,}", (DEFAULT_INTENTS_DIR / "crisis.yaml").read_text().lower())))
    chosen = random.Random(seed)
    texts = []
    for _ in range(count):
        text = " ".join(chosen.choice(words) for _ in range(900))[:MAX_CHARS]
        texts.append(text.rsplit(" ", 1)[0])
    return texts


def sent_to(api: FakeBotApi) -> list[int]:
    """The chat of each reply the fake server accepted, in the order they arrived."""
    return [int(c.params["chat_id"]) for c in api.calls_to("sendMessage") if c.status == 200]


async def test_long_messages_in_one_chat_do_not_hold_up_another_chats_crisis_reply(bot: RunningBot) -> None:
    flood = adversarial_messages(6)
    for text in flood:
        bot.api.push_text(666, text)
    bot.api.push_text(204, CRISIS)  # in the same batch, behind six of the longest messages there are
    (crisis,) = await bot.api.wait_for_messages(204, 1)
    assert "988" in crisis.plain_text
    await bot.api.wait_for_messages(666, len(flood))  # and every long message was answered
    order = sent_to(bot.api)
    assert order.index(204) <= 1, f"the crisis reply came after {order.index(204)} of the long messages' replies"


@pytest.fixture
async def locked_store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(tmp_path / "lantern.sqlite3", busy_timeout_ms=60_000)
    yield store
    await store.close()


async def test_a_crisis_reply_does_not_wait_for_a_locked_database(
        fake_api: FakeBotApi, lantern: Lantern, locked_store: Store, tmp_path: Path) -> None:
    application = await running(fake_api, settings_for(fake_api, tmp_path), lantern, locked_store)
    other_process = sqlite3.connect(locked_store.path, isolation_level=None, timeout=30, check_same_thread=False)
    # Another process takes SQLite's write lock (in a thread: waiting for it must not stop our loop).
    await asyncio.to_thread(other_process.execute, "BEGIN IMMEDIATE")
    writes = [asyncio.create_task(locked_store.set_time_zone(user_key(ID_KEY, 9), "Europe/Paris"))]
    try:
        fake_api.push_text(31, CRISIS)  # a user never seen before
        (crisis,) = await fake_api.wait_for_messages(31, 1)
        assert "988" in crisis.plain_text
        assert not writes[0].done()  # the lock is still held: the reply did not wait for it
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()
        await asyncio.gather(*writes, return_exceptions=True)
        await stop(application)


@pytest.mark.slow
async def test_a_burst_with_faults_loses_no_reply_keeps_each_chats_order_and_puts_crisis_first(
        fake_api: FakeBotApi, lantern: Lantern, store: Store, tmp_path: Path) -> None:
    chats, per_chat = 24, 3
    plan: dict[int, list[str]] = {}
    for chat in range(1000, 1000 + chats):
        plan[chat] = [ORDINARY[(chat + i) % len(ORDINARY)] for i in range(per_chat)]
    crisis_chats = list(plan)[5::8]
    for chat in crisis_chats:
        plan[chat][-1] = CRISIS
    fake_api.inject("sendMessage", *[Fault.server_error() if i % 2 else Fault.retry_after(0.05) for i in range(6)])
    application = await running(fake_api, settings_for(fake_api, tmp_path), lantern, store)
    limiter = application.bot.rate_limiter
    assert isinstance(limiter, PriorityRateLimiter)
    try:
        for round_ in range(per_chat):
            for chat, texts in plan.items():
                if texts[round_] != CRISIS:
                    fake_api.push_text(chat, f"{texts[round_]} ({round_})")
        # The crisis messages come once ordinary replies queue for Telegram's rate (30 a second):
        # each has to overtake them, its own chat's earlier answers taken along in order.
        await fake_api.wait_for(lambda: limiter.queued >= 20)
        for chat in crisis_chats:
            fake_api.push_text(chat, f"{CRISIS} ({per_chat - 1})")
        await fake_api.wait_for(lambda: all(len(fake_api.messages(c)) >= per_chat for c in plan))
    finally:
        await stop(application)
    for chat in plan:
        shown = fake_api.texts(chat)
        assert len(shown) == per_chat, f"chat {chat}: {len(shown)} replies for {per_chat} messages"
        if chat in crisis_chats:
            assert "988" in shown[-1]  # in order: the crisis reply comes after the chat's earlier answers
    order = sent_to(fake_api)
    last_crisis = max(len(order) - 1 - order[::-1].index(chat) for chat in crisis_chats)
    assert len(order) - 1 - last_crisis >= 10, f"the last crisis reply went out at {last_crisis + 1} of {len(order)}"


@pytest.mark.slow
async def test_a_crisis_reply_overtakes_a_minute_of_due_reminders_and_every_reminder_still_goes(
        fake_api: FakeBotApi, lantern: Lantern, store: Store, tmp_path: Path) -> None:
    limiter = PriorityRateLimiter(60, background_rate=60)  # a faster Telegram, so the test stays short
    application = await running(fake_api, settings_for(fake_api, tmp_path), lantern, store, rate_limiter=limiter)
    try:
        due = []
        for chat in range(5000, 5120):
            key = user_key(ID_KEY, chat)
            await store.set_reminder(key, "22:30", chat)
            job = reminders.schedule(application.job_queue, key, time(22, 30), chat)
            due.append(job)
        sending = [asyncio.create_task(job.run(application)) for job in due]
        await fake_api.wait_for(lambda: len(fake_api.calls_to("sendMessage")) >= 10)
        fake_api.push_text(77, CRISIS)
        await fake_api.wait_for_messages(77, 1)
        sent_before = sum(1 for c in fake_api.calls_to("sendMessage") if c.params.get("chat_id") != 77)
        assert sent_before < 40  # overtook the 80-odd reminders still queued
        await asyncio.gather(*sending)
        assert all(len(fake_api.messages(chat)) == 1 for chat in range(5000, 5120))
    finally:
        await stop(application)
