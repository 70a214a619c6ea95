"""bot.crisis: crisis detection, told through `Lantern.reply` the way a user meets it.

Every message that signals danger must get a crisis reply (kind "crisis", `urgent`, the category
in `reply.crisis`), however it is typed; everyday idioms that borrow crisis words must not.
The detector's own pieces (the crisis form, the built-in core) are checked at the end.
"""

from __future__ import annotations

import pytest

from bot.core import Lantern
from bot.crisis import (
    BUILTIN_LEXICON,
    BUILTIN_REPLY,
    CATEGORIES,
    CrisisDetector,
    CrisisLexicon,
    builtin_detect,
)
from bot.replies import Reply


def crisis_reply(lantern: Lantern, text: str, **kwargs: str) -> Reply:
    reply = lantern.reply("someone", text, **kwargs)
    lantern.forget("someone")
    return reply


def assert_crisis(reply: Reply, category: str) -> None:
    assert reply.kind == "crisis", f"expected a crisis reply, got {reply.kind} ({reply.intent})"
    assert reply.crisis == category
    assert reply.urgent is True


# --- suicide, however it is typed ---------------------------------------------------------------

SUICIDE = [
    "i want to kill myself",
    "I want to die",
    "im going to end my life",
    "i feel suicidal",
    # misspellings
    "kil myself",
    "i want to kil myself",
    "im thinking about suicde",
    "i want to commit suicde",
    # missing or odd apostrophes
    "im going to kill myself",
    "I'm going to kill myself",
    "I\u2019m going to kill myself",
    "i dont want to live anymore",
    # stretched, spaced, leetspeak, look-alike letters
    "i want to diiiie",
    "i want to dieeeee",
    "k i l l myself",
    "k.i.l.l myself",
    "k1ll mys3lf",
    "i w4nt t0 d13",
    "\u0456 w\u0430nt to d\u0456e",  # Cyrillic і and а
    "I WANT TO DIE",
    # slang
    "kms",
    "i might just kms tonight",
    "i want to unalive myself",
    "unalive",
    "thinking about sewerslide",
    "i just want to end it all",
    "end it all",
]


@pytest.mark.parametrize("text", SUICIDE)
def test_suicide_in_any_form_gets_the_suicide_reply(lantern, text):
    assert_crisis(crisis_reply(lantern, text), "suicide")


def test_cyrillic_test_message_really_is_cyrillic():
    spoofed = "\u0456 w\u0430nt to d\u0456e"
    assert "\u0456" in spoofed and "\u0430" in spoofed and "i" not in spoofed.replace("\u0456", "")


@pytest.mark.parametrize("text", ["I\u00b4m suicidal", "i don\u00b4t want to be alive anymore"])
def test_an_acute_accent_typed_as_apostrophe_does_not_hide_a_crisis(lantern, text):
    # Some keyboard layouts type ´ (U+00B4) for an apostrophe; fold() lists it as one.
    assert_crisis(crisis_reply(lantern, text), "suicide")


# --- overdose --------------------------------------------------------------------------------------

OVERDOSE = [
    "he is not breathing",
    "her lips are turning blue",
    "my son wont wake up",
    "he is oding",
    "hes oding",
    "he is od-ing",
    "my daughter is overdosing",
    "she is overdoseing",
    "cant wake him up he is oding",
]


@pytest.mark.parametrize("text", OVERDOSE)
def test_an_overdose_happening_now_gets_the_overdose_reply(lantern, text):
    assert_crisis(crisis_reply(lantern, text), "overdose")


@pytest.mark.parametrize("text", [
    "i think i took too much",
    "i think im overdoseing",
    "i took too much i can barely breathe",
    "used after 3 months clean and my chest is so heavy",
    "took too much. i cant stay awake",
])
def test_an_overdose_of_the_writer_gets_the_reply_for_themself(lantern, text):
    reply = crisis_reply(lantern, text)
    assert_crisis(reply, "overdose_self")
    assert "911" in reply.text and "alone" in reply.text  # call now, and do not stay alone


# --- someone else at risk, danger from others, elevated ----------------------------------------------

@pytest.mark.parametrize("text", [
    "my son said he wants to kill himself",
    "my mom said she wants to die",
    "she keeps saying she wants to kill herself",
    "my wife is suicidal",
])
def test_someone_else_at_risk_gets_the_other_at_risk_reply(lantern, text):
    assert_crisis(crisis_reply(lantern, text), "other_at_risk")


@pytest.mark.parametrize("text", [
    "he threatened to kill me",
    "my husband hits me",
    "my boyfriend beat me last night",
])
def test_danger_from_someone_gets_the_danger_reply(lantern, text):
    assert_crisis(crisis_reply(lantern, text), "danger")


@pytest.mark.parametrize("text", [
    "whats the point anymore",
    "what's the point anymore",
    "im not suicidal but i feel empty",
    "i feel hopeless",
    "i give up",
    "i hate my life so much right now",
])
def test_hopelessness_gets_the_gentler_elevated_reply(lantern, text):
    assert_crisis(crisis_reply(lantern, text), "elevated")


@pytest.mark.parametrize("text", [
    "i just want to sleep and not wake up",
    "i want to sleep and never wake up",
    "everyone would be better off without me",
])
def test_passive_ideation_gets_the_suicide_reply(lantern, text):
    """A wish not to wake up is suicidal ideation: it gets 988, not the milder check-in."""
    assert_crisis(crisis_reply(lantern, text), "suicide")


@pytest.mark.parametrize(("text", "category"), [
    # a passive wish not to exist, and self-hatred
    ("some nights i keep wishing i was never born", "suicide"),
    ("sometimes i wish i didnt exist", "suicide"),
    ("hate myself for using again", "elevated"),
    ("i just honestly hate myself lately", "elevated"),
    ("used again last night and hate myself for it", "elevated"),
    ("is it normal that i wish i wasnt alive", "suicide"),
    ("is wishing i had never been born a sign of depression", "suicide"),  # about the writer, not a textbook question
    # trying to stop self-harm: self-harm still going on
    ("im trying to quit self harming", "suicide"),
    ("trying to stop self-harming, will i get sent to a hospital", "suicide"),
    ("if i ask for help to stop self harming will they lock me up", "suicide"),  # a fear of admission, not danger
    ("my daughter is trying to stop self harming", "other_at_risk"),
    ("he locked me in the bathroom again", "danger"),
    # kinds read in real posts
    ("so long everyone, bye world", "suicide"),
    ("ive been seriously considering suicide lately", "suicide"),
    ("im not considering killing myself, dont worry", "elevated"),  # under a negation: a check-in, not an alarm
    ("i nearly attempted suicide on friday", "suicide"),  # a near attempt is too recent to wait
    ("i think suicides the right answer for me", "suicide"),
    ("the next suicide attempt is tomorrow", "suicide"),
    ("i dont think i can keep going like this", "elevated"),
    ("honestly i dont want to be me anymore", "elevated"),
    ("i feel so useless lately", "elevated"),
    ("some days im just trying to stay alive", "elevated"),
    ("our suicidal son comes home from the ward tomorrow", "other_at_risk"),
    ("why cant i just die already", "suicide"),
    ("i really dont plan on turning 25", "suicide"),
    ("been saving up a lethal dose just in case", "suicide"),
    ("tonights the night. goodbye", "suicide"),
    ("sometimes i wish i could be gone", "suicide"),
    ("i just want it all to be over", "elevated"),
    ("death has been on my mind a lot", "elevated"),
    ("i feel like a waste of life", "elevated"),
    ("posting this to say my goodbyes", "suicide"),
    ("honestly it would be easier to be dead", "suicide"),
    ("death seems so peaceful lately", "suicide"),
    ("would a bottle of these be enough to kill me", "suicide"),
    ("i really cant do it anymore", "elevated"),
    ("i dont want to carry on like this", "elevated"),
    ("i feel like ending myself tonight", "suicide"),
    ("is it selfish to not want to live anymore", "suicide"),
    ("whats the most painless way to kill yourself", "suicide"),
    ("i dont want my brother to end his life", "other_at_risk"),
    ("nobody will care, i wont be missed", "suicide"),
    ("im too weak to keep going", "elevated"),
    ("i cant stand being alive anymore", "elevated"),
])
def test_kinds_read_in_real_posts_get_their_category(lantern, text, category):
    assert_crisis(crisis_reply(lantern, text), category)


@pytest.mark.parametrize("text", [
    "im useless at cooking",
    "bye for now, talk tomorrow",
    "what is a suicide attempt",
    "i want to be gone by noon",
    "i dont plan on making it to the party",
    "tonight is the night we celebrate",
    "i want it to be over with so i can relax",
    "i dont want to go on the trip",
    "i dont want to keep going back and forth",
    "i hate pictures of myself",  # "off myself" cannot be told from "of myself" once letters are squeezed
    "i wont be missed at the party",
    "im too tired to go on the hike",
    "i dont want my son to die like his father did",  # a fear for him, not a report
    "whats the easiest way out of heroin",  # a wish to quit
    "i would not want to live in a big city",
    # past or textbook forms
    "i stopped self harming three years ago",
    "is wanting to disappear a sign of depression",
    "i dont hate myself anymore",
])
def test_their_everyday_neighbours_stay_calm(lantern, text):
    assert crisis_reply(lantern, text).crisis is None


def test_the_elevated_reply_offers_something_for_tonight(lantern):
    reply = crisis_reply(lantern, "whats the point anymore")
    assert "988" in reply.text
    assert [s.answer_id for s in reply.suggestions] == ["coping_low_mood", "night_cravings"]


@pytest.mark.parametrize("text", [
    "im not going to kill myself",
    "i wont kill myself",
    "i would never kill myself",
    "ive never been this suicidal",  # "never ... this" means more than ever: at least a check-in
])
def test_a_negated_statement_still_gets_at_least_a_gentle_check_in(lantern, text):
    reply = crisis_reply(lantern, text)
    assert reply.kind == "crisis"
    assert reply.crisis in {"elevated", "suicide"}
    assert reply.urgent is True


@pytest.mark.parametrize("text", [
    "i dont want to die",
    "i dont want to die like my brother did, how do i stop using",
    "im scared to die when i detox",
])
def test_fear_of_dying_is_not_a_wish_to_die(lantern, text):
    # Read in real posts: people afraid of dying say this far more often than people at risk.
    reply = lantern.reply("fear", text)
    assert reply.kind != "crisis"


# --- what must NOT fire ---------------------------------------------------------------------------

IDIOMS = [
    "my back is killing me",
    "this traffic is killing me",
    "dying to know",
    "im dying to know what you think",
    "killed it at work",
    "i killed it at my interview",
    "my phone died",
    "my plants died",
    "dead tired",
    "i am dead tired",
    "ran 10 kms",
    "ran 10 kms today",
    "to die for",
    "dinner was to die for",
    "bored to death",
    "i was bored to death",
    "the doctor cut his dose",
    "lol im dead",
]


@pytest.mark.parametrize("text", IDIOMS)
def test_everyday_idioms_do_not_raise_an_alarm(lantern, text):
    reply = crisis_reply(lantern, text)
    assert reply.kind != "crisis"
    assert reply.crisis is None
    assert reply.urgent is False


@pytest.mark.parametrize("text", [
    "the cravings hit me hard at night",
    "it finally hit me that he is sick",
])
def test_something_hitting_me_is_not_self_harm(lantern, text):
    # "hit myself" is self-harm; a craving or a realisation that "hit me" is not.
    reply = crisis_reply(lantern, text)
    assert reply.crisis is None, f"{text!r} got a {reply.crisis} crisis reply"


@pytest.mark.parametrize("text", [
    "what are the signs of an overdose",
    "how do i use narcan",
])
def test_informational_questions_get_the_answer_with_the_emergency_number(lantern, text):
    reply = crisis_reply(lantern, text)
    assert reply.kind == "answer"
    assert reply.crisis is None
    assert "911" in reply.text


# --- two kinds of danger in one message -------------------------------------------------------------


def test_a_message_with_two_kinds_gets_the_primary_reply_and_a_line_for_the_second(lantern):
    reply = crisis_reply(lantern, "my husband hits me and i want to die")
    assert reply.kind == "crisis" and reply.urgent
    assert reply.crisis in {"danger", "suicide"}
    # The violence line and the suicide line are both there, whichever leads.
    assert "1-800-799-7233" in reply.text
    assert "988" in reply.text
    main = lantern.catalog.crisis_replies[reply.crisis]
    assert reply.text.startswith(main.split("{")[0].strip())


def test_the_detector_reports_the_second_category_separately(catalog):
    result = catalog.detector.detect("my husband hits me and i want to die")
    assert result is not None
    assert {result.category, *result.also} == {"danger", "suicide"}


# --- what the replies say ---------------------------------------------------------------------------


def test_the_overdose_reply_puts_the_emergency_call_first_and_gives_safe_steps(lantern):
    text = crisis_reply(lantern, "he is not breathing").text
    lowered = text.lower()
    assert "911" in text.splitlines()[0]
    assert text.index("911") < lowered.index("naloxone")
    assert "naloxone" in lowered
    assert "rescue breath" in lowered
    assert "recovery position" in lowered
    assert "second dose" in lowered and "2 to 3 minutes" in lowered
    assert "good samaritan" in lowered
    for harmful in ("cold water", "slap", "inject"):
        assert harmful not in lowered, f"the overdose reply must not suggest {harmful!r}"


def test_the_suicide_reply_gives_988_and_uses_safe_language(lantern):
    text = crisis_reply(lantern, "i want to kill myself").text
    assert "988" in text
    assert "committed suicide" not in text.lower()


def test_a_crisis_reply_never_carries_the_message_text(lantern):
    text = "i want to kill myself, zebra-unique-marker"
    reply = crisis_reply(lantern, text)
    assert "zebra" not in reply.text
    assert reply.unmatched_text is None


# --- the detector's pieces ----------------------------------------------------------------------------


def test_the_crisis_form_undoes_disguises(catalog):
    form = catalog.detector.form
    assert form("k1ll mys3lf") == form("kill myself")
    assert form("k i l l myself") == form("kill myself")
    assert form("i want to diiiie") == form("i want to die")
    assert form("suicde") == form("suicide")
    assert form("overdoseing") == form("overdosing")


def test_the_crisis_form_keeps_numbers_with_units(catalog):
    # "3am" and "10mg" are times and doses, not leetspeak for "eam" and "iomg".
    form = catalog.detector.form("3am 10mg 2nd")
    assert form.split() == ["3am", "10mg", "2nd"]


def test_the_built_in_core_works_on_its_own():
    assert builtin_detect("i want to kill myself").category == "suicide"
    assert builtin_detect("he is not breathing").category == "overdose"
    assert builtin_detect("he threatened to kill me").category == "danger"
    assert builtin_detect("my back is killing me") is None
    assert builtin_detect("") is None


def test_the_built_in_reply_gives_the_us_lines_and_overdose_steps():
    assert "988" in BUILTIN_REPLY
    assert "HOME to 741741" in BUILTIN_REPLY
    assert "911" in BUILTIN_REPLY
    assert "naloxone" in BUILTIN_REPLY.lower()


def test_an_operator_lexicon_merged_with_the_core_keeps_both():
    operator = CrisisLexicon(patterns={"elevated": (r"\bcompletely lost\b",)})
    detector = CrisisDetector(operator.merged(BUILTIN_LEXICON))
    assert detector.detect("i feel completely lost").category == "elevated"
    assert detector.detect("i want to kill myself").category == "suicide"


def test_an_overdose_happening_now_leads_over_everything_else(lantern):
    # An overdose needs the emergency number before anything else, even beside suicidal words.
    assert CATEGORIES[0] == "overdose"
    reply = crisis_reply(lantern, "i want to die and my boyfriend is not breathing")
    assert reply.crisis == "overdose"
    assert reply.text.splitlines()[0].startswith("Call 911")


@pytest.mark.parametrize(("text", "found"), [
    ("he really hit me", True),
    ("he hit me", True),
    ("he whit me", False),        # a word written as '\w+ ' does not end inside another word
    ("he said he wants to die", True),
])
def test_a_pattern_word_is_a_whole_word(text, found):
    detector = CrisisDetector(CrisisLexicon(patterns={"danger": (r"\bhe (?:\w+ ){0,3}?hit me\b",),
                                                      "other_at_risk": (r"\bhe (?:\w+ ){0,3}?to die\b",)}))
    assert (detector.detect(text) is not None) is found


def test_hypothetical_clauses_are_blanked_whole_at_the_end_of_a_message(lantern):
    """'if they arent overdosing' describes; the trailing word must be blanked with its clause."""
    assert lantern.reply("someone", "can narcan hurt someone if they arent overdosing").kind != "crisis"
