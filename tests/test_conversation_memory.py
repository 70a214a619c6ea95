"""bot.conversation_memory: what Lantern last said to each user, briefly, in ids only."""

from __future__ import annotations

import dataclasses

import pytest

from bot.conversation_memory import (
    EXPIRE_SECONDS,
    ConversationMemory,
    chosen_number,
    names_no_topic,
    reads_as_follow_up,
)


class Clock:
    """A clock the test moves by hand: expiry is tested without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def memory(clock: Clock) -> ConversationMemory:
    return ConversationMemory(clock=clock)


def remember(memory: ConversationMemory, key: str = "ann", topic: str | None = "relapse",
             offered: tuple[str, ...] = ("naloxone", "night_cravings"), kind: str = "answer") -> None:
    memory.remember(key, topic=topic, offered=offered, kind=kind, reader="family")


def test_the_last_turn_is_recalled_per_user(memory):
    remember(memory, "ann")
    turn = memory.recall("ann")
    assert turn is not None
    assert (turn.topic, turn.offered, turn.kind, turn.reader) == ("relapse", ("naloxone", "night_cravings"),
                                                                  "answer", "family")
    assert memory.recall("bob") is None


def test_a_turn_holds_ids_only_never_message_text(memory):
    remember(memory)
    fields = {f.name for f in dataclasses.fields(memory.recall("ann"))}
    assert fields == {"topic", "offered", "kind", "reader", "at", "lang"}


def test_small_talk_keeps_the_last_topic(memory):
    remember(memory)
    memory.remember("ann", topic=None, offered=(), kind="smalltalk", reader="family")
    assert memory.recall("ann").topic == "relapse"
    assert memory.recall("ann").offered == ()


def test_a_turn_expires_after_half_an_hour(memory, clock):
    remember(memory)
    clock.now += EXPIRE_SECONDS - 1
    assert memory.recall("ann") is not None
    clock.now += 2
    assert memory.recall("ann") is None
    assert len(memory) == 0


def test_an_expired_topic_is_not_carried_into_a_new_turn(memory, clock):
    remember(memory)
    clock.now += EXPIRE_SECONDS + 1
    memory.remember("ann", topic=None, offered=(), kind="smalltalk", reader="unknown")
    assert memory.recall("ann").topic is None


def test_the_number_of_conversations_is_bounded(clock):
    memory = ConversationMemory(max_conversations=3, clock=clock)
    for key in ("a", "b", "c", "d"):
        clock.now += 1
        remember(memory, key)
    assert len(memory) == 3
    assert memory.recall("a") is None  # the least recently active goes first
    assert memory.recall("d") is not None


def test_expired_turns_are_dropped_as_others_arrive(memory, clock):
    remember(memory, "a")
    clock.now += EXPIRE_SECONDS + 1
    remember(memory, "b")
    assert len(memory) == 1


def test_forget_removes_the_user_at_once(memory):
    remember(memory, "ann")
    remember(memory, "bob")
    memory.forget("ann")
    memory.forget("nobody")
    assert memory.recall("ann") is None
    assert memory.recall("bob") is not None


@pytest.mark.parametrize(("text", "number"), [
    ("1", 1), ("2", 2), ("#3", 3), ("the first one", 1), ("first", 1), ("the second", 2), ("number two", 2),
    ("option 1", 1), ("the 2nd one please", 2), ("the last one", -1), ("one", 1),
])
def test_a_choice_is_read_from_a_short_reply(text, number):
    assert chosen_number(text) == number


@pytest.mark.parametrize("text", ["1 and 2", "what is 1", "one more thing", "that one", "first time using",
                                  "", "i relapsed on day 2"])
def test_anything_more_than_a_choice_is_not_one(text):
    assert chosen_number(text) is None


@pytest.mark.parametrize("text", ["and how long does that last?", "what about for him?",
                                  "is it the same for methadone?", "and for me?", "how about my daughter",
                                  "does that work"])
def test_follow_ups_lean_on_what_came_before(text):
    assert reads_as_follow_up(text)


@pytest.mark.parametrize("text", ["what is naloxone", "my son relapsed last night and i dont know what to do",
                                  "why cant he just stop", ""])
def test_a_question_of_its_own_is_no_follow_up(text):
    assert not reads_as_follow_up(text)


def test_a_follow_up_naming_only_a_person_names_no_topic():
    assert names_no_topic("what about for him?")
    assert names_no_topic("and for my son?")
    assert names_no_topic("and for me")
    assert not names_no_topic("is it the same for methadone?")
    assert not names_no_topic("and how long does that last")
