"""A conversation with the real bot, through the fake Telegram server, as a user would have it.

Every assertion is about what the user sees: the text of the messages Telegram received, their
buttons, the 'typing…' action, the answered button press. The fake server refuses what
Telegram refuses, so a reply that is too long or badly escaped fails here as it would live.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core import Lantern
from bot.hotlines import fill
from bot.replies import Reply
from bot.store import Store
from bot.telegram.app import stop
from tests.fake_bot_api import FakeBotApi, Fault
from tests.telegram.conftest import RunningBot, running, settings_for

CHAT = 1001
OUR_COMMANDS = ["start", "topics", "sos", "help", "region", "privacy", "forget", "about"]


async def test_start_publishes_the_commands_and_welcomes_with_topic_buttons(bot: RunningBot) -> None:
    published = [c["command"] for c in bot.api.commands]
    assert published[:len(OUR_COMMANDS)] == OUR_COMMANDS
    (welcome,) = await bot.say(CHAT, "/start")
    assert welcome.plain_text == bot.lantern.ui("welcome")
    for promise in ("automated helper", "not a clinician", "/privacy", "/sos"):
        assert promise in welcome.plain_text
    # A few topics and "All topics", not a wall of thirty-odd buttons under the welcome.
    assert welcome.button_labels == [t.label for t in bot.lantern.starter_topics()]
    assert welcome.button_labels[-1] == "All topics"
    assert all(len(data.encode()) <= 64 for data in welcome.callback_data)


async def test_a_topic_question_gets_its_answer_with_sources_and_follow_ups(bot: RunningBot) -> None:
    (answer,) = await bot.say(CHAT, "why cant my son just quit")
    expected = bot.lantern.answer("why_cant_they_stop")
    assert answer.plain_text == f"{expected.text}\n\nSources: {'; '.join(expected.sources)}"
    assert answer.text.endswith(f"<i>Sources: {'; '.join(expected.sources)}</i>")
    assert answer.button_labels == [s.label for s in expected.suggestions]
    # Ready in a millisecond: the answer itself arrives, with no 'typing…' flashing before it.
    assert bot.api.chat_actions == []


async def test_typing_shows_while_a_slow_reply_is_prepared_and_never_after_it(
        fake_api: FakeBotApi, lantern: Lantern, store: Store, tmp_path: Path) -> None:
    real_reply = lantern.reply

    def slow_reply(key: str, text: str, *, region: str | None = None) -> Reply:  # a long message, slowly read
        deadline = time.monotonic() + 5
        while not fake_api.chat_actions and time.monotonic() < deadline:  # done once 'typing…' was shown
            time.sleep(0.005)
        return real_reply(key, text, region=region)

    lantern.reply = slow_reply  # type: ignore[method-assign]
    application = await running(fake_api, settings_for(fake_api, tmp_path), lantern, store)
    try:
        bot = RunningBot(fake_api, application, lantern, store)
        long_question = "why cant my son just quit " + "and i keep asking myself why " * 40
        (answer,) = await bot.say(CHAT, long_question)
        assert answer.plain_text.startswith(lantern.answer("why_cant_they_stop").text)
        assert fake_api.chat_actions == [(CHAT, "typing")]
        order = [c.method for c in fake_api.calls if c.method in ("sendChatAction", "sendMessage")]
        assert order == ["sendChatAction", "sendMessage"]
    finally:
        await stop(application)


async def test_a_button_press_is_answered_and_behaves_like_asking_that_topic(bot: RunningBot) -> None:
    (menu,) = await bot.say(CHAT, "/topics")
    assert menu.plain_text == bot.lantern.ui("topics_header")
    topic = bot.lantern.topics()[3]
    (answer,) = await bot.press(CHAT, f"a:{topic.answer_id}")
    assert answer.plain_text.startswith(bot.lantern.answer(topic.answer_id).text)
    assert len(bot.api.answered_callbacks) == 1
    # A follow-up button on that answer works the same way.
    follow_up = answer.callback_data[0]
    (second,) = await bot.press(CHAT, follow_up)
    assert second.plain_text.startswith(bot.lantern.answer(follow_up.removeprefix("a:")).text)
    assert len(bot.api.answered_callbacks) == 2


async def test_a_crisis_message_gets_through_429s_and_500s(bot: RunningBot,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    message = "i cant do this anymore i want to die"
    bot.api.inject("sendMessage", Fault.retry_after(1), Fault.server_error(), Fault.drop(),
                   Fault.retry_after(1), Fault.retry_after(1), Fault.server_error())
    (crisis,) = await bot.say(CHAT, message)
    expected = bot.lantern.sos()
    assert "988" in crisis.plain_text and "911" in crisis.plain_text
    assert crisis.plain_text.split("\n\n")[-1] in expected.text or "988" in expected.text
    assert [c.status for c in bot.api.calls_to("sendMessage")] == [429, 500, 0, 429, 429, 500, 200]
    assert bot.api.texts(CHAT) == [crisis.plain_text]  # once, not once per attempt
    assert message not in caplog.text and crisis.plain_text[:30] not in caplog.text
    assert bot.api.token not in caplog.text
    await bot.settled(CHAT)
    assert [(category, count) for _, category, count in await bot.store.escalation_counts()] == [("suicide", 1)]


async def test_the_help_lines_follow_the_users_region(bot: RunningBot) -> None:
    (prompt,) = await bot.say(CHAT, "/region")
    assert prompt.plain_text == bot.lantern.ui("region_prompt")
    assert "r:UK" in prompt.callback_data
    bot.api.push_callback(CHAT, "r:UK")
    await bot.api.wait_for(lambda: bot.api.messages(CHAT)[-1].edits == 1)
    assert bot.api.texts(CHAT)[-1] == "Got it: I'll use help lines for United Kingdom."
    assert bot.api.messages(CHAT)[-1].buttons == []  # the question cannot be answered twice
    (sos,) = await bot.say(CHAT, "/sos")
    assert sos.plain_text == bot.lantern.sos("UK").text != bot.lantern.sos("US").text
    assert await bot.store.get_region(bot.user_key(CHAT)) == "UK"


async def test_sos_sends_help_lines_at_once_without_typing(bot: RunningBot) -> None:
    (sos,) = await bot.say(CHAT, "/sos")
    assert sos.plain_text == bot.lantern.sos().text
    assert bot.api.chat_actions == []


@pytest.mark.parametrize("kind", ["sticker", "voice", "photo", "document", "location"])
async def test_media_gets_a_kind_text_only_reply_with_help_one_tap_away(bot: RunningBot, kind: str) -> None:
    bot.api.push_media(CHAT, kind)
    (reply,) = await bot.api.wait_for_messages(CHAT, 1)
    assert reply.plain_text == bot.lantern.ui("non_text")
    assert "/sos" in reply.plain_text
    assert reply.button_labels == [bot.lantern.ui("sos_button")]
    (sos,) = await bot.press(CHAT, reply.callback_data[0])
    assert sos.plain_text == bot.lantern.sos().text


async def test_a_photo_caption_is_read_like_a_message(bot: RunningBot) -> None:
    bot.api.push_media(CHAT, "photo", caption="i want to kill myself")
    (crisis,) = await bot.api.wait_for_messages(CHAT, 1)
    assert "988" in crisis.plain_text
    group = -6006
    bot.api.push_media(group, "photo", chat_type="group", user_id=8, caption="why cant my son just quit")
    bot.api.push_media(group, "photo", chat_type="group", user_id=8,
                       caption="@lantern_test_bot why cant my son just quit")
    (answer,) = await bot.api.wait_for_messages(group, 1)
    assert answer.plain_text.startswith(bot.lantern.answer("why_cant_they_stop").text)
    await bot.settled(group)
    assert len(bot.api.messages(group)) == 2  # the answer and the /about barrier, nothing for the first


async def test_a_long_answer_is_split_at_paragraphs_and_every_part_arrives(bot: RunningBot) -> None:
    catalog = bot.lantern.catalog
    answer = catalog.answers["relapse"]
    paragraphs = [f"Part {i}. " + "Relapse is common and it is not the end of recovery. " * 30 for i in range(8)]
    long_answer = replace(answer, text="\n\n".join(paragraphs))
    bot.lantern.swap_catalog(replace(catalog, answers={**catalog.answers, "relapse": long_answer}))
    messages = await bot.press(CHAT, "a:relapse", expect=4)  # 8 paragraphs of ~1,600 characters: 2 a message
    await bot.settled(CHAT)
    assert len(bot.api.messages(CHAT)) == 5  # those four, then the reply to the settling command
    assert all(len(m.plain_text) <= 4096 for m in messages)
    assert "\n\n".join(m.plain_text for m in messages).startswith("\n\n".join(p.strip() for p in paragraphs))
    assert all(m.buttons == [] for m in messages[:-1]) and messages[-1].buttons
    assert all(c.status == 200 for c in bot.api.calls_to("sendMessage"))


async def test_an_unsure_reply_offers_a_few_topics_and_a_button_to_all_of_them(bot: RunningBot) -> None:
    (unsure,) = await bot.say(CHAT, "asdf qwerty")
    starters = bot.lantern.starter_topics()
    assert unsure.button_labels == [s.label for s in starters]
    assert unsure.button_labels[-1] == "All topics"
    (menu,) = await bot.press(CHAT, unsure.callback_data[-1])
    assert menu.plain_text == bot.lantern.ui("topics_header")
    assert menu.button_labels == [t.label for t in bot.lantern.topics()]
    assert len(bot.api.answered_callbacks) == 1
    # The operators' figures count one message that fell back; opening the menu answered nothing.
    await bot.settled(CHAT)
    assert sorted((kind, n) for _, kind, n in await bot.store.usage_counts()) == [("fallback", 1)]


async def test_an_edited_message_is_answered_like_a_new_one(bot: RunningBot) -> None:
    (first,) = await bot.say(CHAT, "asdf qwerty")
    assert first.plain_text.startswith("I'm not sure I understood that")
    (second,) = await bot.say(CHAT, "why cant my son just quit", edited=True)
    assert second.plain_text.startswith(bot.lantern.answer("why_cant_they_stop").text)


async def test_in_a_group_only_commands_and_mentions_are_answered(bot: RunningBot) -> None:
    group = -5005
    bot.api.push_text(group, "why cant my son just quit", chat_type="supergroup", user_id=7)
    bot.api.push_media(group, "sticker", chat_type="supergroup", user_id=7)
    bot.api.push_text(group, "/weather@some_other_bot", chat_type="supergroup", user_id=7)
    bot.api.push_text(group, "/unknown", chat_type="supergroup", user_id=7)
    # Updates from one chat are handled in order: once this is answered, the ones above were seen.
    (answer,) = await bot.say(group, "@lantern_test_bot why cant my son just quit", chat_type="supergroup",
                              user_id=7)
    assert answer.plain_text.startswith(bot.lantern.answer("why_cant_they_stop").text)
    (welcome,) = await bot.say(group, "/start@lantern_test_bot", chat_type="supergroup", user_id=7)
    assert welcome.plain_text.endswith(bot.lantern.ui("group_hint"))
    (hotlines,) = await bot.say(group, "/sos", chat_type="supergroup", user_id=7)
    assert hotlines.plain_text == bot.lantern.sos().text
    assert len(bot.api.messages(group)) == 3


async def test_forget_asks_first_then_deletes_everything(bot: RunningBot) -> None:
    key = bot.user_key(CHAT)
    await bot.say(CHAT, "/region UK")
    (question,) = await bot.say(CHAT, "/forget")
    assert question.plain_text == bot.lantern.ui("forget_confirm")
    assert question.button_labels == [bot.lantern.ui("forget_yes"), bot.lantern.ui("forget_no")]
    bot.api.push_callback(CHAT, "forget:no")
    await bot.api.wait_for(lambda: bot.api.texts(CHAT)[-1] == bot.lantern.ui("forget_cancelled"))
    assert await bot.store.get_region(key) == "UK"
    await bot.say(CHAT, "/forget")
    bot.api.push_callback(CHAT, "forget:yes")
    await bot.api.wait_for(lambda: bot.api.texts(CHAT)[-1] == bot.lantern.ui("forget_done"))
    assert await bot.store.get_region(key) is None
    (sos,) = await bot.say(CHAT, "/sos")  # the in-memory region is gone too
    assert sos.plain_text == bot.lantern.sos("US").text


async def test_replies_in_one_chat_keep_their_order_while_chats_run_side_by_side(bot: RunningBot) -> None:
    bot.api.inject("sendMessage", Fault.slow(1.0))  # the first reply in CHAT is slow to go out
    questions = ["why cant my son just quit", "/privacy", "/about"]
    for text in questions:
        bot.api.push_text(CHAT, text)
    await bot.api.wait_for(lambda: len(bot.api.calls_to("sendMessage")) == 1)
    (other,) = await bot.say(2002, "/help")  # not held up behind the slow chat
    assert other.plain_text == bot.lantern.ui("help")
    assert len(bot.api.messages(CHAT)) == 0
    replies = await bot.api.wait_for_messages(CHAT, 3)
    assert [m.plain_text[:40] for m in replies] == [
        bot.lantern.answer("why_cant_they_stop").text[:40], bot.lantern.ui("privacy")[:40],
        bot.lantern.ui("about")[:40]]


async def test_without_a_working_store_every_reply_still_goes_out(
        fake_api: FakeBotApi, lantern: Lantern, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    broken = Store.unavailable("disk full")
    application = await running(fake_api, settings_for(fake_api, tmp_path), lantern, broken)
    try:
        bot = RunningBot(fake_api, application, lantern, broken)
        (answer,) = await bot.say(CHAT, "why cant my son just quit")
        assert answer.plain_text.startswith(lantern.answer("why_cant_they_stop").text)
        (crisis,) = await bot.say(CHAT, "i want to kill myself")
        assert "988" in crisis.plain_text
        (chosen,) = await bot.say(CHAT, "/region UK")
        assert chosen.plain_text == "Got it: I'll use help lines for United Kingdom."
        (sos,) = await bot.say(CHAT, "/sos")
        assert sos.plain_text == lantern.sos("UK").text  # kept in memory for this session
        await bot.say(CHAT, "/forget")
        fake_api.push_callback(CHAT, "forget:yes")
        await fake_api.wait_for(lambda: fake_api.texts(CHAT)[-1] == lantern.ui("store_unavailable"))
        assert "store: count_escalation failed (StoreError)" in caplog.text
    finally:
        await stop(application)


@pytest.mark.usefixtures("lantern_debug_logging")
async def test_even_debug_logs_hold_no_token_and_no_conversation(bot: RunningBot,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("httpx").setLevel(logging.INFO)  # the one that prints URLs, to prove redaction
    bot.api.inject("sendMessage", Fault.server_error())
    said = ["i want to kill myself", "why cant my son just quit", "zxcv unmatched words"]
    for text in said:
        await bot.say(CHAT, text)
    shown = [m.plain_text for m in bot.api.messages(CHAT)]
    assert "/bot[redacted]/sendMessage" in caplog.text  # httpx logged the URL, without the token
    assert bot.api.token not in caplog.text and bot.api.token.split(":")[1] not in caplog.text
    for text in said + [line for reply in shown for line in reply.split("\n") if len(line) > 20]:
        assert text not in caplog.text


async def test_a_failing_handler_is_logged_and_the_bot_keeps_answering(
        bot: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken_topics() -> tuple[()]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(bot.lantern, "topics", broken_topics)
    bot.api.push_text(CHAT, "/topics")
    (reply,) = await bot.say(CHAT, "/help")
    assert reply.plain_text == bot.lantern.ui("help")
    assert "unexpected RuntimeError" in caplog.text


async def test_if_the_core_fails_on_a_message_the_user_still_gets_help_now(
        bot: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken_reply(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(bot.lantern, "reply", broken_reply)
    (reply,) = await bot.say(CHAT, "something only I would write")
    assert reply.plain_text == bot.lantern.sos().text
    assert "core failed on a message (ValueError)" in caplog.text
    assert "something only I would write" not in caplog.text


async def test_a_spanish_question_gets_its_spanish_answer_and_a_button_stays_spanish(bot: RunningBot) -> None:
    catalog = bot.lantern.catalog
    spanish = catalog.region("US").values("es")
    naloxone = catalog.answers_es["naloxone"]
    (answer,) = await bot.say(CHAT, "donde consigo narcan")
    assert answer.plain_text == f"{fill(naloxone.text, spanish)}\n\nFuentes: {'; '.join(naloxone.sources)}"
    assert answer.button_labels == [catalog.answers_es[a].title for a in naloxone.follow_ups]
    (pressed,) = await bot.press(CHAT, "a:overdose_signs")
    assert pressed.plain_text.startswith(fill(catalog.answers_es["overdose_signs"].text, spanish))
