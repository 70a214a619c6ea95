"""bot.reader: who a message is about, so the answer is written for the person reading it."""

from __future__ import annotations

import pytest

from bot.reader import reader_of, words_of


@pytest.mark.parametrize("text", [
    "I'm so angry at my wife for relapsing",
    "my son relapsed again",
    "is my daughter using again",
    "I'm worried my boyfriend is in withdrawal",
    "i think she relapsed",
    "what about for him?",
    "how do i help my loved one",
    "i used to think my brother would stop on his own",
])
def test_a_message_about_a_relative_is_read_as_family(text):
    assert reader_of(text) == "family"


@pytest.mark.parametrize("text", [
    "i relapsed last night",
    "I have been using again",
    "im 40 days clean and i feel nothing",
    "my cravings are worse at night",
    "my wife is furious because i relapsed",  # a relative named, but the use is the writer's
    "and for me?",
    "what about me",
])
def test_a_message_about_the_writers_own_use_is_read_as_self(text):
    assert reader_of(text) == "self"


@pytest.mark.parametrize("text", ["what is naloxone", "how long does withdrawal last", "is it normal",
                                  "how can i tell if someone relapsed", ""])
def test_a_message_about_nobody_in_particular_is_unknown(text):
    assert reader_of(text) == "unknown"


def test_a_parent_asking_what_to_do_stays_a_parent():
    """'my son relapsed' and then 'what should I do': the 'I' is the parent's."""
    assert reader_of("what should i do", previous="family") == "family"
    assert reader_of("what should i do") == "self"


def test_the_writers_own_use_outweighs_what_the_conversation_was_about():
    assert reader_of("i relapsed too", previous="family") == "self"
    assert reader_of("and for me?", previous="family") == "self"


def test_nothing_in_the_message_keeps_what_the_conversation_was_about():
    assert reader_of("how long does that last", previous="self") == "self"


def test_words_are_read_as_people_type_them():
    assert words_of("I’m SO tired, aren't you?") == ["im", "so", "tired", "arent", "you"]


@pytest.mark.parametrize("text", ["tell me about methadone", "can i ask what naloxone is",
                                  "i was wondering what detox is"])
def test_a_way_of_asking_is_not_the_writer_speaking_of_themselves(text):
    assert reader_of(text) == "unknown"
