"""bot.normalise: the forms messages are compared in. Small lexicons written here keep each rule
visible; a few checks use the shipped lexicon because users meet that one."""

from __future__ import annotations

import pytest

from bot.catalog import Catalog
from bot.normalise import MATCH_CHARS, Lexicon, Normaliser, fold, unstretch, words


def normaliser(misspellings=None, synonyms=None, stopwords=()) -> Normaliser:
    return Normaliser(Lexicon(misspellings or {}, synonyms or {}, frozenset(stopwords)))


# --- fold -----------------------------------------------------------------------------------------


def test_fold_lowercases_and_drops_accents():
    assert fold("Héroïne CAFÉ naïve") == "heroine cafe naive"


def test_fold_turns_cyrillic_and_greek_look_alikes_into_latin():
    # "і wаnt to dіe" typed with Cyrillic і (U+0456) and а (U+0430).
    spoofed = "\u0456 w\u0430nt to d\u0456e"
    assert spoofed != "i want to die"
    assert fold(spoofed) == "i want to die"
    assert fold("\u03bfverd\u03bfse") == "overdose"  # Greek omicron


@pytest.mark.parametrize("apostrophe", ["'", "\u2019", "\u2018", "\u02bc", "`", "\u00b4"])
def test_fold_drops_every_kind_of_apostrophe(apostrophe):
    assert fold(f"I{apostrophe}m can{apostrophe}t") == "im cant"


def test_fold_undoes_full_width_and_compatibility_forms():
    assert fold("ｈｅｌｌｏ") == "hello"
    assert fold("ﬁne") == "fine"  # the "fi" ligature


def test_fold_keeps_punctuation_for_later_stages():
    assert fold("help!!") == "help!!"


# --- words, unstretch ----------------------------------------------------------------------------


def test_words_keeps_latin_letters_and_digits_only():
    assert words("3am... cravings 😢 are bad!!") == ["3am", "cravings", "are", "bad"]
    assert words("我想 know") == ["know"]
    assert words("😢😢😢") == []


@pytest.mark.parametrize(("typed", "meant"), [("soooo", "so"), ("pleeease", "please"), ("diiiie", "die")])
def test_unstretch_collapses_three_or_more_of_a_letter(typed, meant):
    assert unstretch(typed) == meant


def test_unstretch_leaves_ordinary_double_letters_alone():
    assert unstretch("withdrawal") == "withdrawal"
    assert unstretch("addiction") == "addiction"
    assert unstretch("sleep") == "sleep"


# --- Normaliser -----------------------------------------------------------------------------------


def test_misspellings_are_corrected_word_by_word():
    n = normaliser(misspellings={"heroine": "heroin", "withdrawl": "withdrawal"})
    assert n.canonical("Heroine WITHDRAWL help") == "heroin withdrawal help"


def test_a_stretched_misspelling_is_still_corrected():
    n = normaliser(misspellings={"pls": "please"})
    assert n.canonical("plssss help") == "please help"


def test_longest_synonym_phrase_wins():
    n = normaliser(synonyms={"dope": "heroin", "dope sick": "withdrawal"})
    assert n.canonical("hes dope sick") == "hes withdrawal"
    assert n.canonical("hes on dope") == "hes on heroin"


def test_synonyms_match_whole_words_only():
    n = normaliser(synonyms={"h": "heroin"})
    assert n.canonical("he uses h daily") == "he uses heroin daily"
    assert n.canonical("hope") == "hope"


def test_synonym_keys_are_normalised_like_messages():
    # An operator may write the key with capitals and punctuation; it must still apply.
    n = normaliser(synonyms={"Co-Occurring": "cooccurring"})
    assert n.canonical("co occurring disorders") == "cooccurring disorders"
    assert n.canonical("Co-occurring disorders") == "cooccurring disorders"


def test_match_form_drops_stopwords_but_canonical_keeps_them():
    n = normaliser(stopwords={"the", "a", "my"})
    canonical = n.canonical("The signs of a relapse in my son")
    assert canonical == "the signs of a relapse in my son"
    assert n.match_form(canonical) == "signs of relapse in son"


def test_canonical_is_bounded_however_long_the_message():
    n = normaliser()
    assert len(n.canonical("word " * 20_000)) <= MATCH_CHARS


def test_canonical_of_emoji_only_is_empty():
    assert normaliser().canonical("😢😢😢") == ""


# --- the shipped lexicon ----------------------------------------------------------------------------


def test_shipped_lexicon_meets_family_words_and_street_names(catalog: Catalog):
    n = catalog.normaliser
    assert n.canonical("my son's on dope") == n.canonical("my daughter's on heroin")
    assert "heroin" in n.canonical("is heroine addictive").split()
    assert n.canonical("dual dx meaning") == "dual diagnosis meaning"


def test_shipped_stopwords_keep_question_words_and_negations(catalog: Catalog):
    # The lexicon promises these stay: "why", "how", "not", "cant" carry meaning.
    form = catalog.normaliser.match_form(catalog.normaliser.canonical("why cant he not stop, how"))
    assert form.split() == ["why", "cant", "they", "not", "stop", "how"]
