"""Operators through the fake Telegram server: live reload under a running bot, and the operator commands.

The bot runs on a copy of the shipped content in tmp_path, so a test can edit or break a YAML
file under it exactly as an operator would, and watches it with the real file watcher (a short
debounce keeps the tests quick). Every assertion is about what a chat shows. Waits are on events
(the watcher in place, a reload finished, a message sent), never on a clock: their timeouts only
bound how long a broken build takes to fail.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.catalog import Catalog
from bot.config import ContentSettings, Settings
from bot.core import Lantern
from bot.reload import ContentReloader
from bot.store import Store
from bot.telegram import operators
from bot.telegram.app import serve, stop
from bot.telegram.chat import SERVICES
from tests.conftest import ContentCopy, copy_shipped_content
from tests.fake_bot_api import FakeBotApi
from tests.telegram.conftest import ID_KEY, RunningBot, running, settings_for

OPERATOR = 4242  # a private chat's id is its user's id
USER = 1001
QUESTION = "why cant my son just quit"
ANSWER_ID = "why_cant_they_stop"
ANSWERS = "responses/answers.yaml"
TOPICS = "intents/topics.yaml"
RELOAD_WAIT = 60.0  # seconds before a reload that never comes fails the test (a real one takes ~1 s)


@dataclass
class LiveBot(RunningBot):
    content: ContentCopy = None  # type: ignore[assignment]

    def first_sentence(self) -> str:
        return self.lantern.answer(ANSWER_ID).text.split(". ")[0]

    async def served(self, condition: Callable[[], bool]) -> None:
        """Wait until `condition()` holds, checking it as each reload finishes."""
        await asyncio.wait_for(reloader_of(self.application).wait_until(condition), RELOAD_WAIT)


def reloader_of(application: Application) -> ContentReloader:
    services = application.bot_data[SERVICES]
    assert services.operators is not None, "operators are configured in these tests"
    return services.operators.reloader


def live_settings(api: FakeBotApi, tmp_path: Path, content: ContentCopy) -> Settings:
    return settings_for(api, tmp_path).model_copy(update={
        "content": ContentSettings(intents_dir=content.intents, responses_dir=content.responses),
        "operators": (OPERATOR,),
    })


@pytest.fixture
async def live(fake_api: FakeBotApi, catalog: Catalog, store: Store, tmp_path: Path) -> AsyncIterator[LiveBot]:
    content = copy_shipped_content(tmp_path / "content")
    settings = live_settings(fake_api, tmp_path, content)
    lantern = Lantern(catalog, settings.region)  # the copy's own catalog, as loaded already; reloads read the copy
    application = await running(fake_api, settings, lantern, store, reload_debounce_ms=50)
    try:
        await asyncio.wait_for(reloader_of(application).watching.wait(), RELOAD_WAIT)  # edits from now on are seen
        yield LiveBot(fake_api, application, lantern, store, content)
    finally:
        await stop(application)


@pytest.mark.slow  # a reload checks the whole content (about a second)
async def test_an_edited_answer_serves_on_the_next_question(live: LiveBot) -> None:
    (before,) = await live.say(USER, QUESTION)
    old = live.first_sentence()
    assert before.plain_text.startswith(old)
    live.content.edit(ANSWERS, old, "Edited live: addiction changes how the brain weighs choices")
    await live.served(lambda: live.lantern.answer(ANSWER_ID).text.startswith("Edited live"))  # the watcher
    (after,) = await live.say(USER, QUESTION)
    assert after.plain_text.startswith("Edited live: addiction changes how the brain weighs choices")
    assert live.api.texts(OPERATOR) == []  # a good edit bothers no one


@pytest.mark.slow  # a reload checks the whole content (about a second)
async def test_reload_command_applies_an_edit_at_once(fake_api: FakeBotApi, catalog: Catalog, store: Store,
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operators, "start_watching", lambda application: None)  # /reload alone
    content = copy_shipped_content(tmp_path / "content")
    settings = live_settings(fake_api, tmp_path, content)
    lantern = Lantern(catalog, settings.region)
    application = await running(fake_api, settings, lantern, store)
    try:
        bot = LiveBot(fake_api, application, lantern, store, content)
        content.edit(ANSWERS, bot.first_sentence(), "Reloaded by command")
        (unchanged,) = await bot.say(USER, QUESTION)
        assert not unchanged.plain_text.startswith("Reloaded by command")
        (done,) = await bot.say(OPERATOR, "/reload")
        assert done.plain_text.startswith("Content reloaded: the new content serves from now on")
        (after,) = await bot.say(USER, QUESTION)
        assert after.plain_text.startswith("Reloaded by command")
    finally:
        await stop(application)


@pytest.mark.slow  # a reload checks the whole content (about a second)
async def test_a_broken_file_keeps_the_old_answer_and_tells_the_operator_where(live: LiveBot) -> None:
    (before,) = await live.say(USER, QUESTION)
    live.content.edit(TOPICS, f"    answer: {ANSWER_ID}\n", f"\tanswer: {ANSWER_ID}\n")  # a tab: YAML refuses it
    line = live.content.line_of(TOPICS, f"\tanswer: {ANSWER_ID}")
    notice = (await live.api.wait_for_messages(OPERATOR, 1))[0]
    assert notice.plain_text.startswith("Content reload rejected: the previous content keeps serving.")
    assert f"\n{TOPICS}:{line}: YAML syntax error: found a tab character" in notice.plain_text
    assert str(live.content.root) not in notice.plain_text  # paths from the content folder down
    (after,) = await live.say(USER, QUESTION)
    assert after.plain_text == before.plain_text
    assert live.api.texts(USER + 1) == []  # nobody else was told


@pytest.mark.slow  # a reload checks the whole content (about a second)
async def test_removing_a_core_crisis_phrase_is_refused_too(live: LiveBot) -> None:
    live.content.edit("intents/crisis.yaml", "    self: [myself, meself, my self]\n", "    self: [meself]\n")
    notice = (await live.api.wait_for_messages(OPERATOR, 1))[0]
    assert "no longer catches core phrase 'i want to kill myself' as suicide" in notice.plain_text
    (crisis,) = await live.say(USER, "i want to kill myself")
    assert "988" in crisis.plain_text


@pytest.mark.parametrize("command", ["/stats", "/unmatched", "/reload"])
async def test_someone_not_an_operator_gets_the_unknown_command_reply(live: LiveBot, command: str) -> None:
    (reply,) = await live.say(USER, command)
    assert reply.plain_text == live.lantern.ui("unknown_command")
    published = {c["command"] for c in live.api.commands}
    assert not published & set(operators.COMMANDS)


async def test_an_operator_in_a_group_gets_no_figures(live: LiveBot) -> None:
    group = -7007
    (reply,) = await live.say(group, "/stats@lantern_test_bot", chat_type="supergroup", user_id=OPERATOR)
    assert reply.plain_text == live.lantern.ui("unknown_command")


async def test_stats_and_unmatched_show_the_figures_after_a_few_messages(live: LiveBot) -> None:
    for text in (QUESTION, "zxqv blorp", "zxqv blorp", "i want to kill myself"):
        await live.say(USER, text)
    await live.settled(USER)
    (figures,) = await live.say(OPERATOR, "/stats")
    today = figures.plain_text.split("\n\nLast 7 days")[0]
    assert "users active: 1" in today
    assert "messages: 4 (answered 25%, fallback 50%, clarify 0%, crisis 25%)" in today
    assert "escalations: suicide 1" in today and f"top intents: {ANSWER_ID} 1" in today
    (listed,) = await live.say(OPERATOR, "/unmatched")
    lines = listed.plain_text.splitlines()
    assert lines[0] == "Questions nothing answered (most frequent first):"
    assert lines[1].split()[:3] == ["2", "zxqv", "blorp"] and "(nearest " in lines[1]


@pytest.mark.slow  # a reload checks the whole content (about a second)
async def test_sighup_reloads_the_content_of_lantern_run(
        fake_api: FakeBotApi, catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operators, "start_watching", lambda application: None)  # SIGHUP alone
    made: list[ContentReloader] = []

    class Noted(ContentReloader):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(operators, "ContentReloader", Noted)  # to wait on the reload, not on a clock
    monkeypatch.setenv("LANTERN_ID_KEY", ID_KEY.decode())
    content = copy_shipped_content(tmp_path / "content")
    settings = live_settings(fake_api, tmp_path, content)
    old = Lantern(catalog).answer(ANSWER_ID).text.split(". ")[0]
    running_bot = asyncio.create_task(serve(settings, poll_timeout=1.0, stop_signals=(signal.SIGUSR2,)))
    try:
        await fake_api.wait_for(lambda: fake_api.method_counts["getUpdates"] > 0)
        content.edit(ANSWERS, old, "Reloaded by SIGHUP")
        os.kill(os.getpid(), signal.SIGHUP)
        (reloader,) = made
        await asyncio.wait_for(reloader.wait_until(lambda: reloader.finished >= 1), RELOAD_WAIT)
        (reply,) = await RunningBot(fake_api, None, None, None).say(USER, QUESTION)  # type: ignore[arg-type]
        assert reply.plain_text.startswith("Reloaded by SIGHUP")
    finally:
        os.kill(os.getpid(), signal.SIGUSR2)
        await asyncio.wait_for(running_bot, RELOAD_WAIT)


@pytest.mark.slow  # a reload checks the whole content (about a second)
async def test_an_edited_check_in_text_serves_too(live: LiveBot) -> None:
    old = 'private_only: "Check-ins are private: send /checkin in a private chat with me."'
    live.content.edit("responses/checkin.yaml", old, 'private_only: "Edited: check-ins happen in private."')
    conversation = live.application.bot_data[SERVICES].conversation  # the texts come with the new catalog
    await live.served(lambda: conversation.checkin_texts.private_only == "Edited: check-ins happen in private.")
    (reply,) = await live.say(-8008, "/checkin@lantern_test_bot", chat_type="group", user_id=USER)
    assert reply.plain_text == "Edited: check-ins happen in private."
