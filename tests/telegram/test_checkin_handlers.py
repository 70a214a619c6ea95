"""Check-ins, /mood, /export and reminders with the real bot, through the fake Telegram server."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.checkin import CRAVINGS_ANSWER, CheckinTexts, load_checkin_texts
from bot.config import Settings
from bot.core import Lantern
from bot.store import Store
from bot.telegram import reminders
from bot.telegram.app import build_application, start, stop
from tests.fake_bot_api import BotMessage, FakeBotApi, TelegramRefusal
from tests.telegram.conftest import FAST_RETRIES, ID_KEY, RunningBot, running, settings_for

CHAT = 2002


class BlockableApi(FakeBotApi):
    """The fake server, plus users who have blocked the bot (Telegram answers 403)."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: set[int] = set()

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        if int(params["chat_id"]) in self.blocked:
            raise TelegramRefusal("Forbidden: bot was blocked by the user", status=403)
        return await super()._api_sendMessage(params)


@pytest.fixture
async def fake_api() -> AsyncIterator[BlockableApi]:
    async with BlockableApi() as api:
        yield api


@pytest.fixture(scope="module")
def texts() -> CheckinTexts:
    return load_checkin_texts(Settings().content.responses_dir)


def last(bot: RunningBot) -> BotMessage:
    return bot.api.messages(CHAT)[-1]


async def tap(bot: RunningBot, message: BotMessage, label: str) -> None:
    """Press the button labelled `label` on `message`, and wait until the bot has dealt with it."""
    data = next(b["callback_data"] for row in message.buttons for b in row if b["text"] == label)
    edits, sent = message.edits, len(bot.api.messages(CHAT))
    bot.api.push_callback(CHAT, data, message_id=message.message_id)
    await bot.api.wait_for(lambda: message.edits > edits or len(bot.api.messages(CHAT)) > sent)


async def eventually(check: Callable[[], Awaitable[object]], timeout: float = 5.0) -> None:
    """For what the bot does just after its reply is out (counters, saving)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def wait_for_text(bot: RunningBot, *pieces: str) -> BotMessage:
    await bot.api.wait_for(lambda: any(all(p in m.plain_text for p in pieces) for m in bot.api.messages(CHAT)))
    return next(m for m in reversed(bot.api.messages(CHAT)) if all(p in m.plain_text for p in pieces))


async def checkin(bot: RunningBot, texts: CheckinTexts, mood: int, craving: int) -> BotMessage:
    """A whole check-in by buttons, no note; returns the question message (edited in place)."""
    (question,) = await bot.say(CHAT, "/checkin")
    await tap(bot, question, texts.mood.labels[mood])
    await bot.api.wait_for(lambda: question.text.startswith(texts.craving.prompt[:20]))
    await tap(bot, question, texts.craving.labels[craving])
    await bot.api.wait_for(lambda: question.plain_text == texts.note.offer)
    sent_before = len(bot.api.messages(CHAT))
    await tap(bot, question, texts.note.skip)
    await bot.api.wait_for_messages(CHAT, sent_before + 1)
    return question


async def test_a_check_in_by_buttons_ends_with_a_reply_that_fits(bot: RunningBot, texts: CheckinTexts):
    (question,) = await bot.say(CHAT, "/checkin")
    assert question.plain_text == texts.mood.prompt
    assert question.button_labels == [texts.mood.labels[n] for n in range(1, 6)]
    assert len(question.buttons[0]) == 5  # one row: reads like a scale
    question = await checkin(bot, texts, mood=2, craving=3)
    assert question.buttons == []  # answered questions lose their buttons
    assert question.plain_text == texts.summary.format(mood=texts.mood.labels[2], craving=texts.craving.labels[3])
    reply = last(bot)
    assert bot.lantern.answer(CRAVINGS_ANSWER).text.split("\n")[0] in reply.plain_text
    assert "1-800-662-4357" in reply.plain_text and "988" in reply.plain_text
    [saved] = await bot.store.all_checkins(bot.user_key(CHAT))
    assert (saved.mood, saved.craving, saved.note) == (2, 3, None)


async def test_a_typed_note_is_kept_only_after_keep_it(bot: RunningBot, texts: CheckinTexts):
    (question,) = await bot.say(CHAT, "/checkin")
    await tap(bot, question, texts.mood.labels[4])
    await tap(bot, question, texts.craving.labels[0])
    (ask_keep,) = await bot.say(CHAT, "went to my meeting 🙂")
    assert ask_keep.plain_text == texts.note.keep_prompt
    await tap(bot, ask_keep, texts.note.keep)
    reply = await wait_for_text(bot, texts.note.kept)
    assert reply.plain_text.startswith(tuple(texts.reply.good))
    [saved] = await bot.store.all_checkins(bot.user_key(CHAT))
    assert saved.note == "went to my meeting 🙂"


async def test_bad_input_mid_check_in_gets_a_clear_hint(bot: RunningBot, texts: CheckinTexts):
    await bot.say(CHAT, "/checkin")
    (hint,) = await bot.say(CHAT, "7")
    assert hint.plain_text == texts.mood.invalid and len(hint.buttons[0]) == 5
    (craving,) = await bot.say(CHAT, "3")
    assert craving.plain_text == texts.craving.prompt
    (huge,) = await bot.say(CHAT, "x" * 3000)
    assert huge.plain_text == texts.craving.invalid


async def test_a_crisis_message_mid_check_in_gets_the_crisis_reply(bot: RunningBot, texts: CheckinTexts):
    (question,) = await bot.say(CHAT, "/checkin")
    await tap(bot, question, texts.mood.labels[1])
    (crisis,) = await bot.say(CHAT, "i want to kill myself")
    assert crisis.plain_text == bot.lantern.sos("US").text or "988" in crisis.plain_text
    await eventually(bot.store.escalation_counts)
    (after,) = await bot.say(CHAT, "what is naloxone")  # the check-in is over: back to answers
    assert after.plain_text.startswith(bot.lantern.answer("naloxone").text[:40])


async def test_mood_shows_a_chart_and_the_streak(bot: RunningBot, texts: CheckinTexts):
    (empty,) = await bot.say(CHAT, "/mood")
    assert empty.plain_text == texts.chart.empty
    await checkin(bot, texts, mood=4, craving=1)
    (chart,) = await bot.say(CHAT, "/mood")  # a picture (tests/telegram/test_mood_picture_e2e.py)
    assert chart.photo is not None and chart.photo.format == "PNG"
    assert texts.chart.streak_one in chart.plain_text


async def test_export_sends_the_users_own_check_ins_as_csv(bot: RunningBot, texts: CheckinTexts):
    (nothing,) = await bot.say(CHAT, "/export")
    assert nothing.plain_text == texts.export.empty
    await checkin(bot, texts, mood=3, craving=2)
    await checkin(bot, texts, mood=5, craving=0)
    (export,) = await bot.say(CHAT, "/export")
    name, data = export.document
    assert name == texts.export.filename
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["mood_1_to_5"], r["cravings_0_to_3"]) for r in rows] == [("3", "2"), ("5", "0")]


async def test_remind_sets_a_named_daily_job_and_off_removes_it(bot: RunningBot, texts: CheckinTexts):
    key = bot.user_key(CHAT)
    (done,) = await bot.say(CHAT, "/remind 22:30")
    assert done.plain_text == texts.remind.set.format(time="22:30", zone="America/New_York")
    job = reminders.find(bot.application.job_queue, key)
    assert job is not None
    assert job.data == (key, CHAT)
    assert (await bot.store.user_settings(key)).reminder_chat_id == CHAT
    (moved,) = await bot.say(CHAT, "/timezone london")
    assert "Europe/London" in moved.plain_text
    job = reminders.find(bot.application.job_queue, key)
    assert job is not None
    assert str(job.job.trigger.timezone) == "Europe/London"
    (off,) = await bot.say(CHAT, "/remind off")
    assert off.plain_text == texts.remind.turned_off
    assert reminders.find(bot.application.job_queue, key) is None
    assert (await bot.store.user_settings(key)).reminder_chat_id is None


@pytest.mark.parametrize("typed", ["25:00", "tonight", "22", "🙂"])
async def test_a_bad_reminder_time_is_explained(bot: RunningBot, texts: CheckinTexts, typed: str):
    (reply,) = await bot.say(CHAT, f"/remind {typed}")
    assert reply.plain_text == texts.remind.bad_time.format(typed=typed)
    assert reminders.find(bot.application.job_queue, bot.user_key(CHAT)) is None


async def test_an_unknown_time_zone_is_explained(bot: RunningBot, texts: CheckinTexts):
    (reply,) = await bot.say(CHAT, "/timezone Atlantis")
    assert reply.plain_text == texts.timezone.unknown.format(typed="Atlantis")


async def test_the_reminder_button_starts_a_check_in(bot: RunningBot, texts: CheckinTexts):
    key = bot.user_key(CHAT)
    await bot.say(CHAT, "/remind 21:00")
    job = reminders.find(bot.application.job_queue, key)
    assert job is not None
    before = len(bot.api.messages(CHAT))
    await job.run(bot.application)
    [reminder] = (await bot.api.wait_for_messages(CHAT, before + 1))[before:]
    assert reminder.plain_text == texts.remind.message and reminder.button_labels == [texts.remind.button]
    await tap(bot, reminder, texts.remind.button)
    question = await wait_for_text(bot, texts.mood.prompt)
    assert len(question.buttons[0]) == 5


async def test_a_user_who_blocked_the_bot_has_reminders_turned_off(bot: RunningBot):
    key = bot.user_key(CHAT)
    await bot.say(CHAT, "/remind 21:00")
    job = reminders.find(bot.application.job_queue, key)
    assert job is not None
    bot.api.blocked.add(CHAT)
    await job.run(bot.application)
    assert reminders.find(bot.application.job_queue, key) is None
    settings = await bot.store.user_settings(key)
    assert settings.reminder_time is None and settings.reminder_chat_id is None


async def test_at_start_reminders_are_recreated_and_old_unmatched_questions_purged(
    fake_api: BlockableApi, lantern: Lantern, tmp_path: Path
):
    store = await Store.open(tmp_path / "lantern.sqlite3", ID_KEY)
    users = {store.user_key(chat): chat for chat in (301, 302, 303)}
    for key, chat in users.items():
        await store.set_reminder(key, "22:15", chat)
    await store.set_time_zone(store.user_key(302), "Asia/Tokyo")
    await store.clear_reminder(store.user_key(303))
    await store.record_unmatched("asked this week", "k")
    with sqlite3.connect(store.path) as db:
        db.execute("INSERT INTO unmatched VALUES ('asked long ago', 'k', 3, '2020-01-01T00:00:00+00:00', "
                   "'2020-02-01T00:00:00+00:00')")
    settings = settings_for(fake_api, tmp_path)
    application = build_application(settings, lantern, store, urgent_policy=FAST_RETRIES)
    await asyncio.sleep(1.5)  # a slow start-up (getMe over a bad network) must not skip the restore
    await start(application, settings, poll_timeout=1.0)
    try:
        await fake_api.wait_for(lambda: len(application.job_queue.jobs(f"^{reminders.JOB_NAME}$")) == 2)
        tokyo = reminders.find(application.job_queue, store.user_key(302))
        assert tokyo is not None
        assert str(tokyo.job.trigger.timezone) == "Asia/Tokyo" and tokyo.data == (store.user_key(302), 302)

        async def purged() -> bool:
            return [q.text for q in await store.unmatched()] == ["asked this week"]

        await eventually(purged)
        assert application.job_queue.get_jobs_by_name(reminders.PURGE_JOB)  # and again tomorrow
    finally:
        await stop(application)
        await store.close()


async def test_forget_cancels_the_reminder_and_leaves_nothing_in_the_file(bot: RunningBot, texts: CheckinTexts):
    key = bot.user_key(CHAT)
    await bot.say(CHAT, "/remind 22:00")
    await checkin(bot, texts, mood=2, craving=2)
    await bot.say(CHAT, "/forget")
    bot.api.push_callback(CHAT, "forget:yes")
    await bot.api.wait_for(lambda: bot.api.texts(CHAT)[-1] == bot.lantern.ui("forget_done"))
    assert reminders.find(bot.application.job_queue, key) is None
    with sqlite3.connect(bot.store.path) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f"SELECT * FROM {table}"):
                assert key not in row and CHAT not in row, f"{table} still holds {row}"


async def test_when_the_database_fails_the_user_is_told_the_check_in_was_not_saved(
    fake_api: BlockableApi, lantern: Lantern, tmp_path: Path, texts: CheckinTexts
):
    broken = Store.unavailable(ID_KEY, "database is damaged")
    application = await running(fake_api, settings_for(fake_api, tmp_path), lantern, broken)
    try:
        bot = RunningBot(fake_api, application, lantern, broken)
        await checkin(bot, texts, mood=3, craving=1)
        assert texts.reply.not_saved in last(bot).plain_text
        (mood,) = await bot.say(CHAT, "/mood")
        assert mood.plain_text == texts.chart.unavailable
        (remind,) = await bot.say(CHAT, "/remind 22:00")
        assert remind.plain_text == texts.remind.failed
    finally:
        await stop(application)


def test_check_ins_in_progress_are_never_persisted_and_expire():
    import pickle
    from datetime import timedelta

    from bot.checkin import CheckinFlow
    from bot.telegram.checkin_handlers import CheckinSessions

    texts = load_checkin_texts(Settings().content.responses_dir)
    sessions = CheckinSessions()
    flow = CheckinFlow(texts)
    flow.start()
    flow.choose("3")
    sessions.begin("someone", flow)
    assert len(pickle.loads(pickle.dumps(sessions))) == 0  # PTB persistence would store nothing
    expiring = CheckinSessions(ttl=timedelta(seconds=-1))
    expiring.begin("someone", flow)
    assert expiring.get("someone") is None


async def test_timezone_with_a_lone_surrogate_still_gets_a_reply(bot: RunningBot, texts: CheckinTexts):
    (reply,) = await bot.say(CHAT, "/timezone \ud800lantis")
    assert reply.plain_text == texts.timezone.unknown.format(typed="\ufffdlantis")
