"""Forget means forget, logs hold no people, and /privacy says what is kept: checked on the real
bot, in the database file's bytes and in everything logged (at DEBUG, the most talkative level)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.core import Lantern
from bot.store import Store
from bot.telegram import reminders, render
from bot.telegram.app import stop
from tests.fake_bot_api import FakeBotApi
from tests.telegram.conftest import RunningBot, running, settings_for

CHAT = 8080
PHONE, STREET, EMAIL = "5551234", "elm street", "zed.quill@gmail.com"


def database_bytes(store: Store) -> bytes:
    folder = store.path.parent
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith(store.path.name))


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.getMessage()}\n{r.exc_text or ''}" for r in caplog.records)


@pytest.mark.usefixtures("lantern_debug_logging")
async def test_after_forget_nothing_of_the_user_is_in_the_database_or_the_log(
        bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    key = bot.user_key(CHAT)
    unmatched = f"my sister maria lives at 12 {STREET} phone {PHONE} email {EMAIL} what about quokkas"
    await bot.say(CHAT, unmatched)
    await bot.say(CHAT, "/region AU")
    await bot.say(CHAT, "/timezone Australia/Perth")
    await bot.say(CHAT, "/remind 21:45")
    await bot.settled(CHAT)
    assert bot.store is not None
    await bot.store.flush_counts()
    [question] = await bot.store.unmatched()
    assert PHONE not in question.text and STREET not in question.text and "gmail" not in question.text
    assert "maria" not in question.text and "quokkas" in question.text  # scrubbed, still useful
    (confirm,) = await bot.say(CHAT, "/forget")
    bot.api.push_callback(CHAT, render.FORGET_YES, message_id=confirm.message_id)
    await bot.api.wait_for(lambda: bot.api.messages(CHAT)[-1].edits == 1)
    await bot.settled(CHAT)
    await bot.store.flush_counts()
    assert await bot.store.unmatched() == []
    assert reminders.find(bot.application.job_queue, key) is None
    await stop(bot.application)
    await bot.store.close()
    kept = database_bytes(bot.store)
    for field in (key, str(CHAT), "Australia/Perth", "21:45", "quokkas", PHONE, STREET, "maria"):
        assert field.encode() not in kept, f"{field!r} is still in the database file"
    text = logged(caplog)
    for field in (key, "quokkas", PHONE, STREET, EMAIL, "maria"):
        assert field not in text, f"{field!r} was logged"


async def test_remind_off_deletes_the_chat_id(bot: RunningBot) -> None:
    assert bot.store is not None
    await bot.say(CHAT, "/remind 22:00")
    assert (await bot.store.user_settings(bot.user_key(CHAT))).reminder_chat_id == CHAT
    await bot.say(CHAT, "/remind off")
    settings = await bot.store.user_settings(bot.user_key(CHAT))
    assert settings.reminder_chat_id is None and settings.reminder_time is None


async def test_privacy_lists_every_field_kept_and_for_how_long(bot: RunningBot) -> None:
    (privacy,) = await bot.say(CHAT, "/privacy")
    text = privacy.plain_text
    for kept in ("pseudonymous key", "region", "time zone", "check-ins", "note", "reminder time",
                 "chat to send it to", "questions I could not answer", "phone numbers", "90 days", "/forget",
                 "/remind off", "logs"):
        assert kept in text, kept


async def test_a_malformed_update_reaches_no_log_with_its_text(
        fake_api: FakeBotApi, lantern: Lantern, store: Store, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    application = await running(fake_api, settings_for(fake_api, tmp_path), lantern, store)
    try:
        fake_api.push_text(CHAT, "a normal message about zebras")
        await fake_api.wait_for_messages(CHAT, 1)
        fake_api.push_update({"message": {"message_id": 1, "date": "not a date", "text": "i feel awful tonight zebras",
                                          "chat": "not a chat", "from": {"id": CHAT}}})
        await fake_api.wait_for(lambda: any(r.levelno >= logging.CRITICAL for r in caplog.records), timeout=10)
    finally:
        fake_api._pending.clear()  # the fake would hand the broken update out again and again
        await stop(application)
    text = logged(caplog)
    assert "zebras" not in text and "i feel awful" not in text
    assert any("withheld" in r.getMessage() or "withheld" in (r.exc_text or "") for r in caplog.records)


@pytest.mark.usefixtures("lantern_debug_logging")
async def test_scheduler_logs_carry_no_user_key(bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    key = bot.user_key(CHAT)
    await bot.say(CHAT, "/remind 22:30")
    await bot.say(CHAT, "/remind off")
    assert any("check-in reminder" in r.getMessage() for r in caplog.records)  # the scheduler did log
    assert key not in logged(caplog)
