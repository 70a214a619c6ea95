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
from tests.crisis_replies import reply_to


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


# --- Long posts, set F: kinds that got the crisis reply though the risk was over, imagined or a figure ---
# Each kind cleared narrowly and tested both ways; every message is written for these tests.

# K8: a wish to die, or an own overdose, told as a stretch of life that has ended ("for the longest time",
# "at my lowest", "scary experiences of"): the help line beside the answer. A risk said to be now in the
# same sentence ("i want", "still want", "right now") keeps the crisis reply.
@pytest.mark.parametrize("text", [
    "nine months sober today, happy post! i wanted to kill myself for the longest time and it still amazes me "
    "that i now fix engines for a living",
    "at my lowest i wanted to die every single day. now i coach my daughters softball team",
    "relapsed in the spring for a month. i had two scary experiences of being unconscious for too long and it "
    "shook me. four weeks clean now, is the anxiety after a short run normal?",
])
def test_a_risk_told_as_a_time_that_has_ended_gets_the_help_line_not_the_crisis_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert_no_crisis_reply(reply)
    assert reply.help_line is True


@pytest.mark.parametrize(("text", "category"), [
    ("i want to kill myself again like i did back then", "suicide"),
    ("i wanted to kill myself for the longest time and i still want to", "suicide"),
    ("ive wanted to die for the longest time", "suicide"),
    ("at my lowest i felt this way and right now i feel like killing myself", "suicide"),
    ("he was unconscious and still isnt waking up", "overdose"),
    ("i had a scary experience last year, and tonight im going to kill myself", "suicide"),
    ("i had a close call last year and tonight im taking all my pills", "suicide"),
    ("one day she used alone and now she isnt breathing", "overdose"),
    ("at the time i thought he was asleep but he wont wake up", "overdose"),
    ("one day he told me he wants to kill himself", "other_at_risk"),
])
def test_a_risk_said_to_be_now_beside_a_past_story_keeps_the_crisis_reply(lantern, text, category):
    assert_crisis(reply_to(lantern, text), category)


@pytest.mark.parametrize("text", [
    "the lasagna at that place is to die for",
    "i would die for my kids",
    "she wants someone worth dying for",
    "they asked us to die for 20 bucks an hour",
])
def test_to_die_for_as_praise_or_devotion_is_no_wish(lantern, text):
    assert_no_crisis_reply(reply_to(lantern, text))


@pytest.mark.parametrize("text", [
    "i have wanted to die for months",
    "i want to die for real",
    "i want to die for a while and not feel anything",
])
def test_wanting_to_die_for_a_time_is_a_wish(lantern, text):
    assert_crisis(reply_to(lantern, text), "suicide")


# K9: harm to someone told with its outcome in the next sentence ("hes recovering now", "she pulled
# through"): the event's sentence is cleared too, to the help line. Harm still going on stays.
@pytest.mark.parametrize("text", [
    "my roommate was attacked in our apartment while i was at my shift. robbers beat him and left him "
    "dying on the kitchen floor, hes recovering now thank god. since then i cant stop using",
    "my sister got beaten up outside a bar in june. she pulled through and is back at work",
])
def test_harm_told_with_its_good_outcome_gets_no_crisis_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert_no_crisis_reply(reply)
    assert reply.help_line is True


@pytest.mark.parametrize(("text", "category"), [
    ("my roommate was attacked and hes bleeding on the floor, hes not moving", "overdose"),
    ("my sister got beaten up tonight and he is still here yelling", "danger"),
    ("he hit me again last night. hes asleep now but i am scared", "danger"),
    ("my cousin was attacked, shes recovering now but the guy says he will come back to kill me", "danger"),
])
def test_harm_without_an_outcome_told_stays_a_crisis(lantern, text, category):
    assert reply_to(lantern, text).kind == "crisis"


# K10: a break-in feared or imagined ("thought someone might break in"), and being at home ("i stayed in
# my house"): no danger reply. Someone breaking in now, or a named person in the house, stays danger.
@pytest.mark.parametrize("text", [
    "i get so paranoid at night, last week i pushed a dresser against the door because i thought someone "
    "might break in",
    "for months i stayed in my house, ordered takeout and slept all day",
    "i live in my house with two cats and my sobriety is going ok",
])
def test_imagined_break_ins_and_staying_home_are_no_danger(lantern, text):
    assert_no_crisis_reply(reply_to(lantern, text))


@pytest.mark.parametrize("text", [
    "someone is trying to break in right now",
    "i think someone is breaking in",
    "i stayed in my room but hes in my house screaming",
    "i woke up and my ex is inside my house",
    "i live in my car and im not safe",
])
def test_a_break_in_now_or_someone_in_the_house_is_danger(lantern, text):
    assert_crisis(reply_to(lantern, text), "danger")


# K11: being awake as the aim (insomnia, nightmares, night shifts: "finally stay awake by six", "stayed
# awake all night"): no overdose reply. "Cant stay awake" after using stays one.
@pytest.mark.parametrize("text", [
    "how do i stop waking up scared? i keep having dreams of someone chasing me. i wake at four, then five, "
    "and i finally stay awake by six. im always the first one up",
    "i stayed awake all night with the baby and im wrecked",
])
def test_sleeplessness_is_no_overdose(lantern, text):
    assert_no_crisis_reply(reply_to(lantern, text))


@pytest.mark.parametrize(("text", "category"), [
    ("he took a bunch of pills and cant stay awake", "overdose"),
    ("i used and i cant stay awake", "overdose_self"),
    ("i stayed awake all night and now he cant stay awake after using", "overdose"),
])
def test_drowsiness_after_using_stays_an_overdose(lantern, text, category):
    assert_crisis(reply_to(lantern, text), category)


# K12: despair words about a thing or a relationship, not the writer ("worthless jobs", "no hope for a
# relationship between us"): no crisis reply. Said of oneself, they keep it.
@pytest.mark.parametrize("text", [
    "im 38 and feel stuck in my career. i had worthless jobs for a decade and never used my degree",
    "after months of fighting i decided there was no hope for a relationship with my stepdad and moved out",
])
def test_despair_words_about_things_or_relationships_are_no_crisis(lantern, text):
    assert_no_crisis_reply(reply_to(lantern, text))


@pytest.mark.parametrize(("text", "category"), [
    ("i feel worthless", "elevated"),
    ("i have no hope left", "elevated"),
    ("my life is worthless and i want to die", "suicide"),
])
def test_despair_about_oneself_still_gets_the_crisis_reply(lantern, text, category):
    assert_crisis(reply_to(lantern, text), category)


# K13: "finally" as relief ("we finally found a place that takes her"), and "on me" said of what someone
# did to the writer ("a seizure on me"), beside a medicine: no crisis reply. "Finally" or "on me" as
# intent stays.
@pytest.mark.parametrize("text", [
    "no rehab would take my husband because of his seizure meds. we finally found one two hours away and i "
    "dropped him off last night, i am so grateful",
    "my mom ran out of her script early and had a seizure on me last week, so now she is in detox",
])
def test_relief_and_what_was_done_to_me_are_no_intent(lantern, text):
    assert_no_crisis_reply(reply_to(lantern, text))


@pytest.mark.parametrize("text", [
    "i finally have enough pills saved up",
    "im finally ready to end it",
    "i have the pills on me and i want to take them all",
])
def test_finally_and_on_me_as_intent_still_get_the_suicide_reply(lantern, text):
    assert_crisis(reply_to(lantern, text), "suicide")


# K14: a loved one's misuse told as a story ("one day i wasnt there, so she took a bunch of her meds"):
# the help line beside the answer. Told as now, or with "one day" as a future, it stays.
def test_a_loved_ones_past_misuse_told_as_a_story_gets_the_help_line(lantern):
    text = ("my girlfriend is on a lot of psych meds and asked me to hand them out to her. one day i wasnt "
            "around, so of course she took a bunch of her meds. we drove her to inpatient the next morning")
    reply = reply_to(lantern, text)
    assert_no_crisis_reply(reply)
    assert reply.help_line is True


@pytest.mark.parametrize(("text", "category"), [
    ("she just took a bunch of her meds and wont wake up", "overdose"),
    ("one day he will kill himself, he says it all the time", "other_at_risk"),
])
def test_misuse_now_or_a_future_one_day_stays_a_crisis(lantern, text, category):
    assert_crisis(reply_to(lantern, text), category)


# --- staying, deciding on treatment, and someone taking what is not a drug (topic set H, stop 22) --------

@pytest.mark.parametrize("text", [
    "i had to stick around with my boss after the shift, so annoying",
    "i stick around for my kids, they keep me going",
    "i decided to start tapering my methadone next month with my doctor",
    "ive decided its time to go back to meetings and taper off my subs",
])
def test_staying_somewhere_or_deciding_on_treatment_is_no_crisis(lantern, text):
    assert_no_crisis_reply(reply_to(lantern, text))


@pytest.mark.parametrize("text", [
    "i dont want to stick around anymore",
    "honestly not gonna stick around much longer, everyone would be fine",
])
def test_not_wanting_to_stick_around_is_a_crisis(lantern, text):
    assert_crisis(reply_to(lantern, text), "suicide")
