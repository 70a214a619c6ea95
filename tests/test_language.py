"""bot.language: telling a Spanish message from an English one, cheaply and without accents.

What matters to a user: someone writing in Spanish, crisis or not, is recognised (short, typed in a
hurry, no accents, chat spellings); someone writing English with a Spanish word in it is not.
"""

from __future__ import annotations

import pytest

from bot.language import looks_spanish
from tests import test_crisis_es

SPANISH = [
    # short crisis messages, as typed in a hurry
    "quiero morirme",
    "no respira",
    "mi hijo no despierta",
    "me quiero matar",
    "ya no aguanto mas",
    "no puedo mas",
    "sobredosis",
    "se desmayo",
    "me pega",
    "tiene los labios morados",
    "no reacciona",
    # no accents, chat spellings, typos
    "kiero morir",
    "qiero morime",
    "mi hijo dice q se kiere matar",
    "xq no me contesta mi hija",
    # accents and Spanish punctuation
    "¿Qué hago?",
    "Él no respira",
    # everyday questions
    "como ayudo a mi hijo a dejar la heroina",
    "estoy preocupada por mi hija",
    "me muero de risa",
    "me mata el trafico",
    "donde encuentro tratamiento con metadona para mi esposo",
    # Spanglish, mostly Spanish
    "my son no quiere dejar la heroina y no se que hacer",
]
ENGLISH = [
    "thanks, gracias",
    "my abuela",
    "ok gracias amigo",
    "no",
    "help me",
    "kill me",
    "me too",
    "i took too much i can barely breathe",
    "he is not breathing",
    "my son is in detox in el paso",
    "yo whats up",
    "ya know what i mean",
    "my son uses heroin and i dont know what to do",
    "god kill me literally just. hang me stab me burn me",
    "I'm a heroine addict",
    "Suicide and suicidal behavior",
    "cheers mate, that helped",
    "Day 17 no heroin, day 7 no loperamide",
    # Spanglish, mostly English
    "my mom says mi hijo is lazy but he is just depressed",
    "",
    "   ",
    "12345 !!!",
]


@pytest.mark.parametrize("text", SPANISH)
def test_spanish_messages_are_recognised(text):
    assert looks_spanish(text), text


@pytest.mark.parametrize("text", ENGLISH)
def test_english_messages_with_a_spanish_word_are_not(text):
    assert not looks_spanish(text), text


def test_a_non_text_message_is_not_spanish():
    assert not looks_spanish(None)  # type: ignore[arg-type]


def test_a_long_message_is_judged_on_its_start():
    spanish = "mi hijo no quiere dejar la heroina y estoy muy preocupada por el. " * 50
    assert looks_spanish(spanish + " and then a lot of english words at the very end " * 40)


def test_every_spanish_crisis_phrasing_and_neighbour_reads_as_spanish():
    """The phrasings tests/test_crisis_es.py detects (and their calm neighbours) are the messages
    that must get a Spanish reply or the Spanish notice."""
    spanish = [*test_crisis_es.SUICIDE, *test_crisis_es.OVERDOSE, *test_crisis_es.OVERDOSE_SELF,
               *test_crisis_es.OTHER_AT_RISK, *test_crisis_es.DANGER, *test_crisis_es.ELEVATED, *test_crisis_es.CALM]
    assert [text for text in spanish if not looks_spanish(text)] == []


@pytest.mark.parametrize("text", ["hola", "Gracias!", "muchas gracias", "adios amigo"])
def test_a_spanish_greeting_or_thanks_alone_is_spanish(text):
    # A loanword weighs half inside an English message; alone, it is a Spanish speaker's word.
    assert looks_spanish(text)


@pytest.mark.parametrize("text", ["no", "si", "ok gracias", "gracias my friend", "hola lantern"])
def test_a_word_both_languages_use_or_an_english_word_beside_it_is_not(text):
    assert not looks_spanish(text)


def test_a_spanish_thanks_in_an_english_conversation_is_thanked_in_english(lantern):
    assert lantern.reply("ann", "how do i find treatment").lang == "en"
    thanked = lantern.reply("ann", "gracias")
    assert (thanked.lang, thanked.intent) == ("en", "thanks")
    # To open a conversation, the same word is a Spanish speaker's.
    assert lantern.reply("bob", "gracias").lang == "es"
