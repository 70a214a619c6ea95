"""bot.conversation: each behaviour of a conversation, tested once, with plain async calls (no front end).

Telegram and the console are thin adapters over this layer; their own tests only check that they
carry it through (one end-to-end test each).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from bot.catalog import Catalog
from bot.checkin import CheckinTexts
from bot.conversation import Conversation, Said
from bot.core import Lantern
from bot.pseudonym import Pseudonyms
from bot.store import Store

SECRET = b"test-id-key-for-conversations-0123"
CRISIS = "i want to kill myself tonight"


class Screen:
    """What a front end would have shown: every `Said`, in order; questions get handles 1, 2, ..."""

    def __init__(self) -> None:
        self.said: list[Said] = []

    async def __call__(self, said: Said) -> int | None:
        self.said.append(said)
        return len(self.said) if said.prompt is not None else None

    @property
    def replies(self):
        return [s.reply for s in self.said if s.reply is not None]

    @property
    def prompts(self):
        return [s.prompt for s in self.said if s.prompt is not None]


class Jobs:
    """A scheduler that remembers what it was asked to do."""

    def __init__(self) -> None:
        self.scheduled: dict[str, tuple[time, int]] = {}

    def schedule(self, user_key: str, at: time, chat_id: int) -> None:
        self.scheduled[user_key] = (at, chat_id)

    def cancel(self, user_key: str) -> None:
        self.scheduled.pop(user_key, None)


@pytest.fixture
def lantern(catalog: Catalog) -> Lantern:
    return Lantern(catalog, "US")


@pytest.fixture
def texts(catalog: Catalog) -> CheckinTexts:
    assert catalog.checkin is not None, "the shipped content has check-in texts"
    return catalog.checkin


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "lantern.sqlite3")
    yield opened
    await opened.close()


@pytest.fixture
def jobs() -> Jobs:
    return Jobs()


@pytest.fixture
def talk(lantern: Lantern, store: Store, jobs: Jobs) -> Conversation:
    conversation = Conversation(lantern, store, Pseudonyms(SECRET), reminders=jobs)
    conversation.regions.fill({})
    return conversation


@pytest.fixture
def broken(lantern: Lantern, jobs: Jobs) -> Conversation:
    conversation = Conversation(lantern, Store.unavailable("disk full"), Pseudonyms(SECRET), reminders=jobs)
    conversation.regions.fill({})
    return conversation


async def check_in(talk: Conversation, key: str, *typed: str) -> Screen:
    screen = Screen()
    await talk.start_checkin(key, screen)
    for line in typed:
        await talk.text(key, line, screen)
    return screen


# ----- who the user is ---------------------------------------------------------------------------


def test_a_user_key_is_a_stable_pseudonym_under_the_install_secret(talk: Conversation):
    assert talk.key_for(42) == talk.key_for(42) != talk.key_for(43)
    assert len(talk.key_for(42)) == 64 and talk.key_for(42) == Pseudonyms(SECRET).key_for("42")
    assert Pseudonyms(b"another-install-secret-000").key_for(42) != talk.key_for(42)
    assert "test-id-key" not in repr(talk.pseudonyms)  # the secret never shows


# ----- commands ----------------------------------------------------------------------------------


async def test_start_welcomes_with_the_users_help_lines_and_a_few_topics(talk: Conversation, lantern: Lantern):
    key = talk.key_for(1)
    welcome = await talk.start(key)
    assert welcome.text == lantern.ui("welcome") and welcome.choices == tuple(lantern.starter_topics())
    await talk.region(key, "AU")
    assert "13 11 14" in (await talk.start(key)).text
    assert (await talk.start(key, in_group=True)).text.endswith(lantern.ui("group_hint"))


async def test_topics_offers_every_topic(talk: Conversation, lantern: Lantern):
    topics = await talk.topics(talk.key_for(1))
    assert topics.text == lantern.ui("topics_header") and topics.choices == tuple(lantern.topics())


async def test_region_offers_the_choices_sets_one_and_refuses_an_unknown_one(talk: Conversation, store: Store,
                                                                             lantern: Lantern):
    key = talk.key_for(2)
    offered = await talk.region(key, None)
    assert offered.text == lantern.ui("region_prompt") and offered.regions == lantern.regions()
    unknown = await talk.region(key, "XX")
    assert "AU (Australia)" in unknown.text and unknown.regions is not None
    assert (await talk.region(key, "gb")).text == lantern.ui("region_set", region="United Kingdom")
    assert await store.get_region(key) == "UK" and talk.cached_region(key) == (True, "UK")
    screen = Screen()
    await talk.sos(key, screen)
    assert "116 123" in screen.replies[0].text  # Samaritans: the UK's lines from now on


async def test_forget_deletes_everything_and_cancels_the_reminder(talk: Conversation, store: Store, jobs: Jobs,
                                                                  lantern: Lantern, texts: CheckinTexts):
    key = talk.key_for(3)
    await talk.region(key, "UK")
    await check_in(talk, key, "4", "0", "skip")
    await talk.remind(key, "22:30", chat_id=3)
    await check_in(talk, key, "2")  # one still open, with its answers so far
    await talk.text(key, CRISIS, Screen())
    question = talk.forget_question()
    assert question.text == lantern.ui("forget_confirm") and question.confirm == (lantern.ui("forget_yes"),
                                                                                 lantern.ui("forget_no"))
    assert (await talk.forget(key)).text == lantern.ui("forget_done")
    assert key not in jobs.scheduled and not talk.checkin_open(key)
    assert await store.all_checkins(key) == [] and (await store.user_settings(key)).reminder_time is None
    assert talk.cached_region(key) == (True, None)
    screen = Screen()
    await talk.text(key, "thanks", screen)
    assert lantern.ui("still_here") not in screen.replies[0].text  # the crisis follow-up is forgotten too


async def test_forget_with_a_broken_store_says_so(broken: Conversation, lantern: Lantern):
    assert (await broken.forget(broken.key_for(4))).text == lantern.ui("store_unavailable")


# ----- messages ------------------------------------------------------------------------------------


async def test_an_answer_is_counted_under_its_topic_and_the_user_seen(talk: Conversation, store: Store):
    screen = Screen()
    reply = await talk.text(talk.key_for(5), "why cant my son just quit", screen)
    assert reply is not None and screen.replies == [reply] and reply.intent
    assert [row[1:] for row in await store.intent_counts()] == [(reply.intent, 1)]
    assert any(kind == "answer" for _, kind, _ in await store.usage_counts())
    assert await store.active_users(since=datetime(2000, 1, 1, tzinfo=UTC)) == 1


async def test_choosing_all_topics_shows_the_menu_not_an_answer(talk: Conversation, lantern: Lantern):
    screen = Screen()
    assert await talk.choose(talk.key_for(6), "topics", screen) is None
    assert screen.said[0].choices == tuple(lantern.topics())


async def test_a_crisis_gets_the_crisis_reply_even_with_a_broken_store(broken: Conversation):
    key = broken.key_for(7)
    await broken.region(key, "AU")  # not saved: the region still holds in memory
    screen = Screen()
    reply = await broken.text(key, CRISIS, screen)
    assert reply is not None and reply.kind == "crisis" and "13 11 14" in reply.text


# ----- the check-in --------------------------------------------------------------------------------


async def test_a_check_in_asks_saves_and_answers(talk: Conversation, store: Store, texts: CheckinTexts):
    key = talk.key_for(8)
    screen = await check_in(talk, key, "4", "0", "skip")
    assert [p.step for p in screen.prompts] == ["mood", "craving", "note"]
    assert screen.said[-2].closes and screen.said[-2].question == 3  # the note question loses its buttons
    assert screen.said[-1].reply.text.startswith(tuple(texts.reply.good))
    assert [(c.mood, c.craving) for c in await store.all_checkins(key)] == [(4, 0)]
    assert not talk.checkin_open(key)


async def test_a_pressed_button_advances_and_an_old_one_has_expired(talk: Conversation, texts: CheckinTexts):
    key = talk.key_for(9)
    screen = await check_in(talk, key)
    token = screen.said[0].token
    await talk.checkin_press(key, token, "3", screen)
    assert screen.said[-1].prompt.step == "craving" and screen.said[-1].answered
    await talk.checkin_press(key, "old", "1", screen)
    assert screen.said[-1].text == texts.expired and screen.said[-1].closes


async def test_a_crisis_typed_during_a_check_in_gets_the_crisis_reply_first(broken: Conversation):
    """Crisis first, whatever the step, even with the store down; the check-in ends."""
    key = broken.key_for(10)
    screen = await check_in(broken, key, "3", CRISIS)
    crisis = screen.said[-2].reply
    assert crisis is not None and crisis.kind == "crisis" and "988" in crisis.text
    assert screen.said[-1].closes and not broken.checkin_open(key)


async def test_a_question_asked_during_a_check_in_is_answered_and_counted(talk: Conversation, store: Store,
                                                                          texts: CheckinTexts):
    """The drift fixed: answers given during a check-in reach the operators' figures like any other."""
    key = talk.key_for(11)
    screen = await check_in(talk, key, "what is naloxone and how do i use it?")
    answer = screen.replies[0]
    assert answer.kind == "answer" and answer.text.endswith(texts.stopped)
    assert [row[1] for row in await store.intent_counts()] == [answer.intent]


async def test_a_hopeless_note_on_the_worst_night_goes_to_the_crisis_reply(talk: Conversation, texts: CheckinTexts):
    key = talk.key_for(12)
    screen = await check_in(talk, key, "1", "0", texts.hopeless_words[0])
    assert screen.replies[0].kind == "crisis" or screen.replies[0].crisis
    assert screen.said[-1].closes  # the tidying after the crisis reply


async def test_check_ins_are_off_without_their_texts(lantern: Lantern, catalog: Catalog):
    from dataclasses import replace

    conversation = Conversation(Lantern(replace(catalog, checkin=None), "US"), None, Pseudonyms(SECRET))
    screen = Screen()
    await conversation.start_checkin("k", screen)
    assert screen.said[0].text == lantern.ui("unknown_command")


# ----- /mood, /export, /remind, /timezone ------------------------------------------------------------


async def test_mood_and_export_after_a_check_in(talk: Conversation, texts: CheckinTexts):
    key = talk.key_for(13)
    assert (await talk.export(key)).text == texts.export.empty
    await check_in(talk, key, "4", "1", "skip")
    chart = (await talk.mood(key)).chart
    assert chart is not None and chart.chart
    export = await talk.export(key)
    assert export.document is not None and export.document[1] == texts.export.filename
    assert export.text == texts.export.caption.format(count=1)


async def test_mood_export_and_remind_say_when_the_store_is_down(broken: Conversation, texts: CheckinTexts):
    key = broken.key_for(14)
    assert (await broken.mood(key)).text == texts.chart.unavailable
    assert (await broken.export(key)).text == texts.export.unavailable
    assert (await broken.remind(key, "22:00", chat_id=14)).text == texts.remind.failed


async def test_remind_schedules_moves_with_the_time_zone_and_turns_off(talk: Conversation, jobs: Jobs,
                                                                       texts: CheckinTexts):
    key = talk.key_for(15)
    assert (await talk.remind(key, "", chat_id=15)).text == texts.remind.usage.format(zone="America/New_York")
    assert (await talk.remind(key, "9pm", chat_id=15)).text == texts.remind.set.format(time="21:00",
                                                                                      zone="America/New_York")
    at, chat = jobs.scheduled[key]
    assert (at.hour, at.minute, str(at.tzinfo), chat) == (21, 0, "America/New_York", 15)
    moved = await talk.time_zone(key, "london")
    assert texts.timezone.moved_reminder.format(time="21:00", zone="Europe/London") in moved.text
    assert str(jobs.scheduled[key][0].tzinfo) == "Europe/London"
    assert (await talk.time_zone(key, "Narnia")).text == texts.timezone.unknown.format(typed="Narnia")
    assert (await talk.remind(key, "25:00", chat_id=15)).text == texts.remind.bad_time.format(typed="25:00")
    assert (await talk.remind(key, "off", chat_id=15)).text == texts.remind.turned_off
    assert key not in jobs.scheduled
    assert (await talk.remind(key, "off", chat_id=15)).text == texts.remind.already_off


# ----- moved here from the Telegram end-to-end tests: the same behaviour, without HTTP -------------


async def test_a_follow_up_after_talk_of_pills_gets_the_crisis_reply_and_someone_elses_does_not(
        talk: Conversation, lantern: Lantern):
    """The core keeps risk per user key; the layer gives one person one key across messages."""
    suicide = lantern.catalog.crisis_replies["suicide"].split("\n")[0]
    await talk.text(talk.key_for(20), "i have all my moms pills in front of me", Screen())
    other = await talk.text(talk.key_for(21), "ok i took them", Screen())
    same = await talk.text(talk.key_for(20), "ok i took them", Screen())
    assert same.text.startswith(suicide) and "988" in same.text and "911" in same.text
    assert not other.text.startswith(suicide)


async def test_a_fallback_carries_the_quiet_help_line_and_its_words_go_to_the_unmatched_list(
        talk: Conversation, store: Store, lantern: Lantern):
    fallback = await talk.text(talk.key_for(22), "asdf qwerty", Screen())
    assert fallback.text.startswith(lantern.ui("fallback")) and "988" in fallback.text
    await talk.text(talk.key_for(22), "why cant my son just quit", Screen())
    assert [q.text for q in await store.unmatched()] == ["asdf qwerty"]
    assert sorted((kind, n) for _, kind, n in await store.usage_counts()) == [("answer", 1), ("fallback", 1)]


async def test_after_region_uk_every_text_gives_uk_lines(talk: Conversation):
    key = talk.key_for(23)
    assert "Call or text 988" in (await talk.start(key)).text
    await talk.region(key, "UK")
    welcome, about, voice = await talk.start(key), await talk.ui(key, "about"), await talk.ui(key, "non_text")
    answer = await talk.text(key, "3am cravings are bad", Screen())
    assert "Call Samaritans on 116 123" in welcome.text and "call 999" in welcome.text
    assert "FRANK: 0300 123 6600" in about.text
    assert "Call 999 at any sign of overdose." in answer.text
    assert "Call Samaritans on 116 123" in voice.text
    for text in (welcome.text, about.text, answer.text, voice.text):
        assert "988" not in text and "911" not in text and "1-800-662-4357" not in text


@pytest.mark.parametrize("name", ["help", "privacy", "about", "unknown_command"])
async def test_plain_commands_are_interface_texts(talk: Conversation, lantern: Lantern, name: str):
    assert (await talk.ui(talk.key_for(24), name)).text == lantern.ui(name)


async def test_without_any_store_regions_live_in_memory_and_forget_clears_them(lantern: Lantern, jobs: Jobs):
    talk = Conversation(lantern, None, Pseudonyms(SECRET), reminders=jobs)
    talk.regions.fill({})
    key = talk.key_for(25)
    await talk.region(key, "UK")
    assert "116 123" in (await talk.sos(key, Screen())).text
    assert (await talk.forget(key)).text == lantern.ui("forget_done")
    assert "988" in (await talk.sos(key, Screen())).text


async def test_a_region_chosen_before_the_store_answers_wins(lantern: Lantern, store: Store):
    """The start-up load failed: the store is asked after the reply, and a /region meanwhile wins."""
    key = Pseudonyms(SECRET).key_for(26)
    await store.set_region(key, "AU")
    talk = Conversation(lantern, store, Pseudonyms(SECRET))  # regions not loaded
    assert "988" in (await talk.sos(key, Screen())).text  # the default until the store has told us
    assert "13 11 14" in (await talk.sos(key, Screen())).text
    await talk.region(key, "UK")
    assert await talk.region_of(key) == "UK"


async def test_bad_input_mid_check_in_gets_a_clear_hint(talk: Conversation, texts: CheckinTexts):
    screen = await check_in(talk, talk.key_for(27), "7", "3", "x" * 3000)
    assert [(p.step, p.text) for p in screen.prompts[1:]] == [
        ("mood", texts.mood.invalid), ("craving", texts.craving.prompt), ("craving", texts.craving.invalid)]


@pytest.mark.parametrize("typed", ["25:00", "tonight", "22", "🙂"])
async def test_a_bad_reminder_time_is_explained_and_nothing_scheduled(talk: Conversation, jobs: Jobs,
                                                                     texts: CheckinTexts, typed: str):
    assert (await talk.remind(talk.key_for(28), typed, chat_id=28)).text == texts.remind.bad_time.format(typed=typed)
    assert jobs.scheduled == {}


async def test_a_reload_swaps_the_check_in_texts_with_the_catalog(talk: Conversation, catalog: Catalog):
    from dataclasses import replace

    edited = catalog.checkin.model_copy(update={"expired": "Edited: that question has passed."})
    talk.lantern.swap_catalog(replace(catalog, checkin=edited))
    screen = Screen()
    await talk.checkin_press(talk.key_for(29), "gone", "3", screen)
    assert screen.said[-1].text == "Edited: that question has passed."
    assert catalog.checkin.expired != edited.expired  # the old catalog is untouched
