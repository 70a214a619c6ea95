"""Crisis detection on ordinary recovery talk: the right kind of reply, or none, told through
`Lantern.reply` the way a user meets it.

Kinds read in real recovery forums got the wrong kind of reply: a pain patient's question about a
medicine got the domestic-violence line, a parent describing signs of use and asking what they mean
got "call 911 now", the end of a year of using got the suicide reply. Every clearance here is tested
both ways: the ordinary phrasing is cleared (or lowered to the help line beside the answer), and a
real crisis phrased near it still gets the crisis reply. All messages are written for these tests.
"""

from __future__ import annotations

import pytest

from bot.core import Lantern
from bot.replies import Reply
from tests.crisis_replies import reply_to


def soft_line(lantern: Lantern, category: str) -> str:
    """The start of a category's help line shown beside an answer (before its first placeholder)."""
    catalog = lantern.catalog
    assert catalog is not None
    return catalog.crisis_replies[f"soft_{category}"].split("{")[0]


def assert_crisis(reply: Reply, category: str) -> None:
    assert reply.kind == "crisis", f"expected the {category} crisis reply, got {reply.kind} ({reply.intent})"
    assert reply.crisis == category


def assert_no_alarm_of(lantern: Lantern, reply: Reply, category: str) -> None:
    """Neither the crisis reply nor the help line of `category`."""
    assert reply.kind != "crisis", f"got the {reply.crisis} crisis reply"
    assert soft_line(lantern, category) not in reply.text


# --- the danger line for recovery talk ------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "some of you have followed me here since my first week, thank you all",
    "i started abusing them after my back surgery, now im on day 4 off",
    "got hit with the worst withdrawals today, day 2",
    "it hurts my heart to see my mom cry about my using",
    "my friend is on his way to pick me up for my first meeting",
])
def test_recovery_talk_that_borrows_words_of_violence_gets_no_danger_line(lantern, text):
    assert_no_alarm_of(lantern, reply_to(lantern, text), "danger")


@pytest.mark.parametrize("text", [
    "a man followed me home from the clinic and he is outside now",
    "my ex keeps following me on my way to meetings",
    "he is abusing her again tonight and i can hear it",
    "i got hit by my husband again",
    "i got hit with a belt last night",
    "he said he would hurt my kids if i leave",
    "my ex is on his way here and he is drunk and angry",
])
def test_violence_phrased_near_them_still_gets_the_danger_reply(lantern, text):
    assert_crisis(reply_to(lantern, text), "danger")


# --- signs of use, asked about ----------------------------------------------------------------------

def test_signs_of_use_described_and_asked_about_get_the_answer_with_the_overdose_line(lantern):
    reply = reply_to(lantern, "my son has pinned pupils and keeps nodding off at dinner. is that heroin?")
    assert reply.kind != "crisis"
    assert soft_line(lantern, "overdose") in reply.text  # the help line beside, never nothing
    assert reply.help_line is True


@pytest.mark.parametrize("text", [
    "he's nodding off and won't wake up. is that heroin?",
    "she keeps nodding off and her lips are blue",
    "my son is nodding off on the couch after using",  # told, not asked: escalate by default
])
def test_signs_of_an_overdose_now_still_get_the_overdose_reply(lantern, text):
    assert_crisis(reply_to(lantern, text), "overdose")


def test_the_writer_using_too_much_is_not_a_story_of_the_past(lantern):
    # Squeezed, "used too much" reads "used to much": "used to" alone no longer marks the past.
    assert_crisis(reply_to(lantern, "im nodding off, i used too much"), "overdose_self")
    assert reply_to(lantern, "i used to shoot up but ive been clean 2 years").kind != "crisis"


# --- the end of using is not the end of a life --------------------------------------------------------

@pytest.mark.parametrize("text", [
    "my last day using was friday, 5 days clean now",
    "this is my last night using, tomorrow i start suboxone",
    "my year of using has finally come to an end. 1 week clean!",
])
def test_the_end_of_using_is_a_milestone_not_a_farewell(lantern, text):
    assert_no_alarm_of(lantern, reply_to(lantern, text), "suicide")


@pytest.mark.parametrize("text", [
    "tonight is my last night, im sorry",
    "this is my last day, goodbye everyone",
    "i want to end it all tonight",
])
def test_a_farewell_phrased_near_them_still_gets_the_suicide_reply(lantern, text):
    assert_crisis(reply_to(lantern, text), "suicide")


# --- medicines, tapering, weariness ----------------------------------------------------------------

def test_a_question_about_side_effects_gets_an_answer_that_carries_the_crisis_line(lantern):
    reply = reply_to(lantern, "my doctor said gabapentin can cause suicidal thoughts, did it do that to anyone here?")
    assert reply.kind != "crisis"
    assert "988" in reply.text  # the answer on suicide risk, or the help line beside another
    # The writer's own, told as a side effect: the help line beside the answer, never nothing.
    mine = reply_to(lantern, "my psychiatrist warned this antidepressant can cause suicidal thoughts, is that common?")
    assert mine.kind != "crisis"
    assert soft_line(lantern, "suicide") in mine.text


@pytest.mark.parametrize("text", [
    "im cutting down my dose by 2mg a week and my arms and legs ache",
    "been cutting back on my subs, 4mg now",
    "i wrapped my wrists tight so i dont cut off circulation",
    "ive had enough of these withdrawals, day 3",
    "i barely have enough for rent since i quit using",
    "i don t want to die, i want to get clean",  # an apostrophe typed as a space
])
def test_tapering_and_weariness_get_no_suicide_reply(lantern, text):
    assert reply_to(lantern, text).kind != "crisis"


@pytest.mark.parametrize("text", [
    "my new meds can cause suicidal thoughts and tonight i want to kill myself",
    "i cut my arms again last night",
    "i have enough pills saved to do it",
    "im stockpiling my meds and i already picked the date",
    "i don t want to live anymore",
])
def test_a_crisis_phrased_near_them_still_gets_the_suicide_reply(lantern, text):
    assert_crisis(reply_to(lantern, text), "suicide")


def test_myself_is_not_my_someone(lantern):
    # "my \w+" in a pattern means "my son", never "myself": this is the writer's own history.
    reply = reply_to(lantern, "theres a long family history of suicide and myself i deal with mild depression")
    assert reply.crisis != "other_at_risk"
    assert soft_line(lantern, "other_at_risk") not in reply.text


# --- what the negations hid ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "category"), [
    # "i don't want to die" is set aside as a fear; what follows it still speaks.
    ("i don't want to die but i don't want to continue living this way either", "suicide"),
    ("i don't want to die, i sometimes wish i'd never been born", "suicide"),
    ("i don't want to die but i cant see any other way out and i need the pain to stop", "elevated"),
    ("had enough of life, im so tired of it all", "elevated"),
    ("thats it, ive had enough. see you later world", "suicide"),
    ("i tried to kill myself last week and nothing feels different", "suicide"),  # recent: no story of the past
])
def test_despair_beside_a_negation_or_weariness_still_gets_its_reply(lantern, text, category):
    assert_crisis(reply_to(lantern, text), category)


def test_an_overdose_told_as_wont_wake_up_gets_no_line_about_suicide(lantern):
    # "won't wake up" is a sign of an overdose here, not a loved one's wish to die.
    reply = reply_to(lantern, "he's nodding off and won't wake up")
    assert_crisis(reply, "overdose")
    also = lantern.catalog.crisis_replies["also_other_at_risk"].split("{")[0]
    assert also not in reply.text
    # Said as his wish, it is both.
    wish = reply_to(lantern, "my brother took pills on purpose and wont wake up")
    assert_crisis(wish, "overdose")
    assert also in wish.text


def test_a_warning_about_a_loved_ones_medicine_is_no_report_of_their_wish(lantern):
    warning = reply_to(lantern, "the doctor warned my son that his new medicine can cause suicidal thoughts")
    assert warning.kind != "crisis"
    assert_crisis(reply_to(lantern, "my son says the new meds made him suicidal and he wants to die"), "other_at_risk")
