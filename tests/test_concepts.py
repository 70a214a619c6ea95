"""bot.concepts: the crisis detector's concept reading, on small lexicons written here.

What the shipped concepts catch is tested through `Lantern.reply` in test_crisis.py; here the
mechanism: inflections follow from a word written once, combinations escalate, clearances lower
by one step and never to nothing for the writer's own risk, negations, follow-ups.
"""

from __future__ import annotations

import pytest

from bot.concepts import (
    FULL,
    NONE,
    SOFT,
    ConceptLexicon,
    ConceptReader,
    Escalation,
    Reading,
    Whose,
    inflections,
    phrase_forms,
    squeeze,
)
from bot.content import ContentProblem, load_catalog


@pytest.mark.parametrize(("word", "forms"), [
    ("hang", {"hang", "hangs", "hanging", "hanged", "hung"}),
    ("overdose", {"overdose", "overdoses", "overdosing", "overdosed", "od", "oding"}),
    ("pill", {"pill", "pills"}),
    ("die", {"die", "dies", "dying", "died"}),
    ("cut", {"cut", "cuts", "cutting"}),
    ("bury", {"bury", "buries", "buried", "burying"}),
])
def test_a_word_written_once_finds_its_inflections(word, forms):
    assert forms <= set(inflections(word))


def test_phrases_inflect_their_content_words_and_keep_the_grammar():
    forms = phrase_forms("kill myself")
    assert {"kil myself", "kiling myself", "kiled myself", "kils myself"} <= forms  # squeezed, as messages are
    assert not any(f.startswith("kil myselfs") for f in forms)
    assert phrase_forms("=not breathing") == {"not breathing"}  # "=" takes it exactly as written


LEXICON = ConceptLexicon(
    concepts={
        "me": ("i", "im"),
        "someone": ("he", "she", "son"),
        "wish": ("die", "end my life"),
        "means": ("rope", "pill"),
        "plan": ("going to", "bought"),
        "how": ("how many would it take",),
        "past": ("years ago",),
        "question": ("=what is",),
    },
    soft={"wish": "suicide", "means": "suicide"},
    escalations=(
        Escalation("suicide", ("how",), firm=True),
        Escalation("other_at_risk", ("someone", "wish"), ("me",)),
        Escalation("suicide", ("me", "wish")),
        Escalation("suicide", ("means", "plan")),
    ),
    clearances=("past", "question"),
    self_clearances=("past",),
    first_person="me",
    others=("someone",),
    negations=("not", "never"),
    follow_ups=("i did it", "took them"),
)


@pytest.fixture(scope="module")
def reader() -> ConceptReader:
    return ConceptReader(LEXICON)


def test_concepts_together_in_a_sentence_call_for_the_crisis_reply(reader):
    assert reader.read(["i want to die"]).level == FULL
    assert reader.read(["i want to die"]).category == "suicide"
    assert reader.read(["my son wants to die"]).category == "other_at_risk"
    assert reader.read(["bought a rope today"]).level == FULL  # no stock phrase, a plan and a means


def test_a_risk_concept_alone_shows_the_help_line(reader):
    reading = reader.read(["what does it mean to die"])
    assert reading.level == SOFT and reading.category == "suicide"


def test_nothing_risky_reads_as_nothing(reader):
    assert reader.read(["how do i help my son"]).level == NONE


def test_a_clearance_lowers_by_one_step(reader):
    assert reader.read(["years ago i wanted to die"]).level == SOFT  # full -> soft, not to nothing
    assert reader.read(["what is a rope"]).level == NONE  # soft -> none: a question about someone else's words


def test_a_question_never_clears_the_writers_own_risk(reader):
    assert reader.read(["what is the point i want to die"]).level == FULL


def test_a_firm_rule_is_not_cleared(reader):
    assert reader.read(["what is it how many would it take"]).level == FULL


def test_a_negated_risk_word_counts_for_nothing(reader):
    assert reader.read(["i never want to die"]).level == NONE
    assert reader.read(["i do not want to end my life"]).level == NONE


def test_two_sentences_side_by_side_are_read_together(reader):
    assert reader.read(["bought a rope", "going to do it"]).level == FULL
    assert reader.read(["i am so tired", "my son wants to die"]).category == "other_at_risk"


def test_follow_ups_are_recognised_anywhere_in_a_short_message(reader):
    assert reader.is_follow_up("ok i did it")
    assert reader.is_follow_up(squeeze("took them all"))  # messages arrive as crisis forms, squeezed
    assert not reader.is_follow_up("i did my homework")


SIGNS = ConceptLexicon(
    concepts={
        "me": ("i", "im"),
        "someone": ("he", "she", "son"),
        "sign": ("not breathing", "lips blue"),
        "use_sign": ("nodding off", "pinned pupils"),
        "asking": ("=is that heroin",),
        "question": ("=what is",),
    },
    soft={"sign": "overdose", "use_sign": "overdose"},
    escalations=(Escalation("overdose", ("someone", "sign")), Escalation("overdose", ("someone", "use_sign"))),
    clearances=("question",),
    first_person="me",
    others=("someone",),
    asked_about={"use_sign": ("asking",)},
    own_overdose=Whose(all_of=("me",), none_of=("someone",)),
)


def test_signs_asked_about_anywhere_in_the_message_drop_to_the_help_line():
    reader = ConceptReader(SIGNS)

    def level(*sentences: str) -> int:
        return reader.read([squeeze(s) for s in sentences]).level  # sentences arrive as crisis forms

    assert level("my son is nodding off") == FULL  # told, not asked: escalate by default
    assert level("my son is nodding off", "is that heroin") == SOFT  # asked: never to nothing
    # A sign of an overdose now beside them keeps the crisis reply, question or not.
    assert level("my son is nodding off and his lips blue", "is that heroin") == FULL
    assert level("he is nodding off", "not breathing", "is that heroin") == FULL


def test_whose_overdose_is_read_from_the_concepts_named_in_the_content():
    reader = ConceptReader(SIGNS)
    assert reader.own_overdose(frozenset({"me", "sign"}))
    assert not reader.own_overdose(frozenset({"me", "someone", "sign"}))
    assert not ConceptReader(LEXICON).own_overdose(frozenset({"me", "wish"}))  # not named: never the writer's


def test_whose_risk_a_pair_of_sentences_holds_is_read_sentence_by_sentence(reader):
    # "what is" clears a risk that is not the writer's own; "i" in the next sentence does not make it theirs.
    assert reader.read(["what is it like when your son wants to die", "i think i know"]).level == SOFT
    assert reader.read(["what is the point", "i want to die"]).level == FULL


def test_the_concepts_named_for_whose_overdose_and_asked_about_must_exist(content_copy):
    # The shipped content names them in crisis_concepts.yaml; a typo there is an error at its line.
    content_copy.edit("intents/crisis_concepts.yaml", "own_overdose: {all_of: [first_person],",
                      "own_overdose: {all_of: [first_persn],")
    content_copy.edit("intents/crisis_concepts.yaml", "use_sign: [sign_question]", "use_sign: [sign_questoin]")
    with pytest.raises(ContentProblem) as raised:
        load_catalog(content_copy.intents, content_copy.responses)
    problems = "\n".join(raised.value.problems)
    assert "unknown concept 'first_persn'" in problems
    assert "unknown concept 'sign_questoin'" in problems
    assert "crisis_concepts.yaml:" in problems


# --- A story told as over, an outcome told after it, and words that another phrase hides ----------------

_STORY = ConceptLexicon(
    concepts={"self_subject": ("i",), "first_person": ("i", "me"), "death_wish": ("die",),
              "other_subject": ("he",), "danger_act": ("attacked",), "past": ("=back then",),
              "resolved": ("=recovering now",), "risk_now": ("=i want", "=still"),
              "means_weak": ("pills",), "intent_strong": ("finally",), "relief": ("=finally found",)},
    soft={"death_wish": "suicide", "danger_act": "danger"},
    escalations=(Escalation("suicide", ("self_subject", "death_wish")),
                 Escalation("danger", ("other_subject", "danger_act")),
                 Escalation("suicide", ("self_subject", "means_weak", "intent_strong"))),
    clearances=("past", "resolved"), self_clearances=("past", "resolved"),
    told_as_over=("past", "resolved"), present=("risk_now",), carried_back=("resolved",),
    masked_by={"intent_strong": ("relief",)},
)


def read(reader: ConceptReader, sentences: list[str]) -> Reading:
    """The reading of sentences as the detector passes them: in the crisis form (squeezed)."""
    return reader.read([squeeze(sentence) for sentence in sentences])


def test_a_story_told_as_over_lowers_unless_a_risk_is_said_to_be_now_in_the_same_sentence():
    reader = ConceptReader(_STORY)
    assert read(reader, ["i wanted to die back then"]).level == SOFT
    assert read(reader, ["i want to die again like back then"]).level == FULL
    # A "now" in another sentence cancels only that sentence's own story.
    assert read(reader, ["i still go to meetings", "i wanted to die back then"]).level == SOFT


def test_an_outcome_told_after_the_event_clears_the_events_sentence_too():
    reader = ConceptReader(_STORY)
    assert read(reader, ["he was attacked", "he is recovering now"]).level == SOFT
    assert read(reader, ["he is recovering now", "he was attacked"]).level == FULL  # only backwards
    assert reader.clears(squeeze("he was attacked"), after=squeeze("he is recovering now"))
    assert not reader.clears(squeeze("he was attacked"), after=squeeze("he is fine"))


def test_a_word_inside_a_masking_phrase_counts_for_nothing():
    reader = ConceptReader(_STORY)
    assert read(reader, ["i finally found the pills he hid"]).level == NONE
    assert read(reader, ["i finally have the pills"]).level == FULL
