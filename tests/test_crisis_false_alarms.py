"""Full crisis replies to messages that are no crisis, kind by kind, told through `Lantern.reply`.

A blind topic set showed the full crisis reply on ordinary long posts: a violence verb under a
negation, "in danger of" losing a job, a nose read as a noose, money "saved up", the writer's own
temper, 12-step talk of going "back out", and the drowsiness of a treatment told as a habit. Each
kind is tested both ways: its wordings get no crisis reply (at most the help line beside the
answer), and a real crisis in similar words still gets it. All messages are written for these tests.
"""

from __future__ import annotations

import pytest

from bot.core import Lantern
from bot.replies import Reply


def reply_to(lantern: Lantern, text: str) -> Reply:
    reply = lantern.reply("someone", text)
    lantern.forget("someone")
    return reply


def assert_crisis(reply: Reply, category: str) -> None:
    assert reply.kind == "crisis", f"expected the {category} crisis reply, got {reply.kind} ({reply.intent})"
    assert reply.crisis == category


def assert_no_crisis_reply(reply: Reply) -> None:
    assert reply.kind != "crisis", f"got the {reply.crisis} crisis reply"


def soft_line(lantern: Lantern, category: str) -> str:
    """The start of a category's help line shown beside an answer (before its first placeholder)."""
    catalog = lantern.catalog
    assert catalog is not None
    return catalog.crisis_replies[f"soft_{category}"].split("{")[0]


# --- K1: a negation right before the verb of violence ------------------------------------------------

@pytest.mark.parametrize("text", [
    "we argue a lot about his using, even though i know he wouldnt hit me",
    "she would never hurt me, she is just so depressed since the detox",
    "he has never hit us but he drinks every night now",
    "my husband has not hurt me, he yells when he is dopesick",
    "ive never been hit by him, he just goes quiet",
])
def test_violence_denied_gets_the_danger_line_beside_the_answer_not_the_crisis_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert_no_crisis_reply(reply)
    assert reply.help_line is True


@pytest.mark.parametrize("text", [
    "he hit me again last night",
    "he would hit me if i told anyone",
    "he wont stop hitting me",
    "she never stops hurting me",
    "he didnt just hit me, he choked me",
])
def test_violence_told_near_a_negation_still_gets_the_danger_reply(lantern, text):
    assert_crisis(reply_to(lantern, text), "danger")


def test_the_built_in_core_reads_the_negation_too(lantern):
    from bot.crisis import builtin_detect

    assert builtin_detect("he wouldnt hit me, he is not like that") is None
    hit = builtin_detect("he hit me again")
    assert hit is not None and hit.category == "danger"


# --- K2: "in danger of" an event that is nobody's act -------------------------------------------------

@pytest.mark.parametrize("text", [
    "my doctor thinks i am in danger of having a seizure if i stop the benzos cold",
    "i am in danger of losing my job because of the clinic hours",
    "im in danger of failing the class since i relapsed",
    "we are in danger of getting evicted",
])
def test_in_danger_of_an_event_is_no_danger_from_anyone(lantern, text):
    reply = reply_to(lantern, text)
    assert_no_crisis_reply(reply)
    assert soft_line(lantern, "danger") not in reply.text


@pytest.mark.parametrize("text", [
    "i am in danger",
    "my kids are in danger",
    "im not safe here",
    "i am in danger of being hurt by him tonight",
])
def test_danger_said_plainly_still_gets_the_danger_reply(lantern, text):
    assert_crisis(reply_to(lantern, text), "danger")


def test_in_danger_of_overdosing_is_still_an_overdose_risk(lantern):
    assert reply_to(lantern, "im in danger of overdosing").kind == "crisis"


# --- K4: money saved up is no stockpile -------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "i had 13k saved up and its all gone, i spent all of it on pills",
    "i saved up for a car and blew it all on pills",
    "i spent all my savings on dope",
    "i have money saved up and all my meds are covered by insurance",
])
def test_money_saved_up_is_no_stockpile_of_pills(lantern, text):
    assert_no_crisis_reply(reply_to(lantern, text))


@pytest.mark.parametrize("text", [
    "ive been saving up my pills",
    "i saved up enough to do it",
    "ive saved up all my pills for a while now",
    "im saving up my meds to take them all",
])
def test_pills_saved_up_still_get_the_suicide_reply(lantern, text):
    assert_crisis(reply_to(lantern, text), "suicide")


# --- K5: the writer's own temper -------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "i get furious and start throwing things, i hate who i become on dope",
    "when im angry i start throwing things and punching stuff",
    "i was so angry i punched the wall",
    "i lose my temper and start throwing things since i quit",
    "little things set me off. i even start throwing stuff. is that anger issues?",
])
def test_the_writers_own_temper_gets_at_most_the_help_line(lantern, text):
    assert_no_crisis_reply(reply_to(lantern, text))


@pytest.mark.parametrize("text", [
    "he is throwing things at me",
    "my dad started throwing things and hitting mom",
    "i get furious when he starts throwing things",
    "people started throwing things at me",
    "im scared, throwing things everywhere, i locked myself in the bathroom",
])
def test_things_thrown_by_someone_else_still_get_the_danger_reply(lantern, text):
    assert_crisis(reply_to(lantern, text), "danger")


# --- K6: "going back out" is relapse talk ------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "i dont want to go back out",
    "scared im going to go back out this weekend",
    "i keep going back out every time i hit 30 days",
    "my son keeps going back out, he relapsed again",
])
def test_going_back_out_in_12_step_talk_is_no_overdose(lantern, text):
    reply = reply_to(lantern, text)
    assert_no_crisis_reply(reply)
    assert soft_line(lantern, "overdose") not in reply.text


@pytest.mark.parametrize("text", [
    "he keeps going back out and wont wake up",
    "she's going in and out, lips blue",
    "she came to after the narcan but she keeps going back out",
])
def test_fading_out_after_being_brought_round_still_gets_the_overdose_reply(lantern, text):
    assert_crisis(reply_to(lantern, text), "overdose")


# --- K7: drowsiness told as a habit of a treatment ----------------------------------------------------

@pytest.mark.parametrize("text", [
    "i have a huge problem staying awake on subs, i fall asleep at the wheel",
    "i always nod off after my dose",
    "every afternoon i cant keep my eyes open on methadone, is that the dose?",
])
def test_habitual_drowsiness_gets_the_answer_with_the_overdose_line(lantern, text):
    reply = reply_to(lantern, text)
    assert_no_crisis_reply(reply)
    assert reply.help_line is True


@pytest.mark.parametrize(("text", "category"), [
    ("i took 4 and i cant stay awake", "overdose_self"),
    ("he took too much and is nodding out", "overdose"),
    ("i always nod off but tonight i cant breathe", "overdose_self"),
    ("every night he nods off and we cant wake him", "overdose"),
])
def test_drowsiness_now_still_gets_the_overdose_reply(lantern, text, category):
    assert_crisis(reply_to(lantern, text), category)


@pytest.mark.parametrize("text", [
    "he would never ever hurt me",
    "my dad never hit us kids",
])
def test_violence_denied_with_ever_or_a_longer_object_is_no_crisis(lantern, text):
    assert_no_crisis_reply(reply_to(lantern, text))


@pytest.mark.parametrize("text", [
    "my job is in danger because i missed work",
    "i put my recovery in danger by going to that party",
    "my sobriety is in danger",
])
def test_a_thing_of_ones_life_in_danger_is_no_danger_from_anyone(lantern, text):
    assert_no_crisis_reply(reply_to(lantern, text))


@pytest.mark.parametrize("text", [
    "my sobriety and my kids are in danger",
    "he put my kids in danger",
])
def test_people_in_danger_beside_those_words_still_get_the_danger_reply(lantern, text):
    assert_crisis(reply_to(lantern, text), "danger")


def test_the_writers_temper_then_a_loved_one_named_in_the_next_sentence_is_no_danger_reply(lantern):
    # Sentences are also read two by two: naming a wife after one's own temper is no attacker.
    text = ("My anger has been really bad since I got clean. When something goes wrong I get furious and start "
            "throwing things. My wife is patient with me but I know it is not fair to her. Is irritability "
            "normal in early recovery?")
    assert_no_crisis_reply(reply_to(lantern, text))


def test_someone_elses_violence_against_walls_is_not_the_writers_temper(lantern):
    assert reply_to(lantern, "my son keeps punching walls and screaming at us").kind == "crisis"


# --- Noticed on the way: a loved one's wish not to live, said without "said" ----------------------------

@pytest.mark.parametrize("text", [
    "he doesnt want to live anymore",
    "my daughter doesnt want to be alive",
    "my son no longer wants to live",
])
def test_a_loved_one_not_wanting_to_live_gets_the_other_at_risk_reply(lantern, text):
    assert_crisis(reply_to(lantern, text), "other_at_risk")


def test_where_or_with_whom_they_live_is_no_wish_to_die(lantern):
    assert_no_crisis_reply(reply_to(lantern, "he doesnt want to live with us anymore"))
    assert_crisis(reply_to(lantern, "i told my mom i dont want to live anymore"), "suicide")


# --- what a denial or a negation must not hide ----------------------------------------------------------
# A denial that ends tonight is an attack, and a person who "hasnt woken up" has not been brought round.
@pytest.mark.parametrize("text", [
    "he never hit me before tonight",
    "my husband never laid a hand on me until last night",
    "she had never hit us until today and now she wont stop",
])
def test_a_denial_that_ends_tonight_is_danger(lantern: Lantern, text: str):
    assert_crisis(reply_to(lantern, text), "danger")


@pytest.mark.parametrize("text", [
    "he hasnt woken up since he used",
    "she hasnt been breathing right since she took them",
    "my son still hasnt woken up and i cant get him to wake",
    "hes on the floor and hasnt moved",
])
def test_an_overdose_sign_said_with_hasnt_is_an_overdose(lantern: Lantern, text: str):
    assert_crisis(reply_to(lantern, text), "overdose")
