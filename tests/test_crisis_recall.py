"""Crisis recall on risk told without its usual words (intents/crisis_concepts_indirect.yaml).

Each kind is tested both ways, through `Lantern.reply` as a user meets it: wordings of the kind get
the crisis reply of their category, and their everyday neighbours (the same words about a vacation,
a workout, a milestone, a child's broken arm) do not. The wordings are our own, written for these
tests; none is copied from an evaluation set.
"""

from __future__ import annotations

import pytest

from bot.replies import Reply
from tests.crisis_replies import reply_to


def is_alarm(reply: Reply) -> bool:
    return reply.kind == "crisis"


# --- Kind by kind: the crisis reply, and the category it should carry -------------------------------

OVERDOSE_OF_ONES_OWN = [
    "took a weeks worth of my meds at once and im so dizzy",
    "i swallowed my whole month of seroquel twenty minutes ago",
    "popped three days worth of my methadone at once and my breathing feels off",
    "ate my whole prescription at once. cant feel my hands",
    "took double my usual and i can hardly keep my head up",
    "i took too much and my chest feels like its slowing down",
    "i used a lot more than i meant to and i cant keep my head up",
    "took every last one of my klonopin, my arms feel like lead",
    # Back from jail or detox, the old amount (the past-sounding "like i used to" does not clear it).
    "just got out of county and used like i used to, something is very wrong",
    "been clean since prison and tonight i used like i used to, my chest feels weird",
    "me tomé todas mis medicinas de una vez y estoy mareada",
    "me acabo de tomar todas mis pastillas",
]


@pytest.mark.parametrize("text", OVERDOSE_OF_ONES_OWN)
def test_an_overdose_told_as_an_amount_gets_the_reply_for_the_writer(lantern, text):
    reply = reply_to(lantern, text)
    assert is_alarm(reply), text
    assert reply.crisis == "overdose_self", text


EUPHEMISMS = [
    "i want to be done. permanently.",
    "just want to check out permanently",
    "i want out of this life",
    "hoping this bag is the one that finally takes me out",
    "this time i hope it kills me",
    "nobody will have to put up with me much longer",
    "everyone will be free of me soon",
    "ive made my peace with it all and im ready now",
    "i wish they hadnt narcanned me last time",
    "i should have died that night",
    "honestly id be fine if i just didnt wake up tomorrow",
    "i keep thinking about staying under the water in the bath",
    "whats the least painful way to go",
    "ive been researching ways to do it",
    "sitting here with my dads pistol in my lap",
    "i have my grandpas rifle across my lap right now",
    "i plan to take every one of my pills tonight",
    "mamá perdóname por todo. adiós",
    "ya no quiero existir",
]


@pytest.mark.parametrize("text", EUPHEMISMS)
def test_suicide_said_as_an_euphemism_gets_the_suicide_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert is_alarm(reply), text
    assert reply.crisis == "suicide", text


LOVED_ONE_AT_RISK = [
    "my brother says hes going to keep shooting up until it kills him",
    "my son keeps telling me hes going to use until he dies and doesnt care",
    "my sister called and said take care of mom for me, now her phone goes straight to voicemail",
    "my dad left me a voicemail saying to look after my sister and now his phone is off",
    "my boyfriend posted its over, love you all, and now he wont answer",
    "my wife said she wants to join our daughter who died last spring",
    "my son says he wants to join his father who passed last year",
    "found my brother with an extension cord around his neck",
    "my husband had a cord tied around his neck in the garage",
    "i found a note in his room saying hes sorry for everything",
    "my daughter left a note on her pillow that says im sorry and shes not home",
    "mi hija tiene cortes nuevos en los brazos",
    "my friend told me she wont be around for christmas and she picked a date",
    "my mom keeps saying she wont be here for my birthday and that she picked a date",
]


@pytest.mark.parametrize("text", LOVED_ONE_AT_RISK)
def test_a_loved_one_shown_at_risk_by_what_they_did_gets_the_other_at_risk_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert is_alarm(reply), text
    assert reply.crisis == "other_at_risk", text


RAISED_RISK = [
    "got out of detox this morning and im gonna use by myself tonight",
    "leaving detox tomorrow and planning to use alone that night",
    "left rehab against medical advice today and going to pick up tonight",
    "no narcan in the house and im going to use alone",
    "out of narcan and gonna get high tonight",
    "i know these blues are pressed with fent and im buying them anyway",
    "i dont have a plan or anything, im just waiting for the end",
    "i feel numb all the time, nothing at all anymore",
    "i dont even cry anymore, just numb",
    "my dad hasnt left his bed in two weeks and says nothing matters anymore",
    "my mom stopped eating and says nothing matters to her",
    "i havent gotten out of bed in five days",
]


@pytest.mark.parametrize("text", RAISED_RISK)
def test_raised_risk_without_despair_words_gets_the_elevated_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert is_alarm(reply), text
    assert reply.crisis == "elevated", text


DANGER = [
    "someone is trying to break down my front door",
    "a man is kicking in my door right now",
    "mi ex está pateando la puerta",
    "my moms boyfriend goes into my little sisters room at night when hes high",
    "my stepdad comes into my little brothers room at night when hes drunk",
    "the building manager says ill lose my apartment unless i sleep with him",
    "my landlord wants sex for rent",
    "my uncle broke my cousins arm",
    "my brother broke my nose last night",
    "my husband broke my daughters arm",
]


@pytest.mark.parametrize("text", DANGER)
def test_danger_told_without_threat_words_gets_the_danger_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert is_alarm(reply), text
    assert reply.crisis == "danger", text


SOMEONE_FADING = [
    "he is fading out and cant keep his eyes open",
    "she keeps drifting off and cant get words out",
    "my son cant talk and his eyes wont stay open",
    "my friend is slurring and fading in and out after using",
]


@pytest.mark.parametrize("text", SOMEONE_FADING)
def test_someone_fading_out_now_gets_the_overdose_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert is_alarm(reply), text
    assert reply.crisis == "overdose", text


# --- Follow-ups: read against the risk just before --------------------------------------------------

@pytest.mark.parametrize(("first", "then"), [
    ("i keep shaking him and he wont wake up", "still nothing"),
    ("ive been yelling his name, he wont wake up", "nothing yet, nothing is working"),
    ("i gave her narcan and shes still blue", "narcan didnt work"),
    ("tengo todas las pastillas aqui y ya no aguanto", "ya me las tomé todas"),
])
def test_a_follow_up_after_a_risk_gets_the_crisis_reply(lantern, first, then):
    assert is_alarm(reply_to(lantern, then, previous=first)), then


@pytest.mark.parametrize("text", ["still nothing", "nothing yet", "didnt work", "ok i took them all"])
def test_the_same_follow_up_alone_gets_no_crisis_reply(lantern, text):
    assert not is_alarm(reply_to(lantern, text)), text


def test_swallowing_them_all_is_an_overdose_even_after_talk_of_suicide(lantern):
    reply = reply_to(lantern, "ok i swallowed them all", previous="i have all my pills lined up on the table")
    assert is_alarm(reply)


# --- The everyday neighbours: no crisis reply ---------------------------------------------------

CALM = [
    # amounts that are no overdose
    "took a weeks worth of vacation",
    "i took a whole week off work to be with my son in detox",
    "the pharmacy gave me my whole prescription at once for the holidays",
    "my doctor gave me a whole month of suboxone at once, is that normal",
    "i took double my usual dose of suboxone by mistake yesterday, the pharmacist said its fine",
    "i did way more than i should have at the gym and now my chest feels tight",
    "i ate way more than i should have at thanksgiving and my stomach hurts",
    "took a days worth of calls at work and my head is spinning",
    "i used to take a weeks worth of pills at once back when i was using, now 2 years clean",
    "i ate a whole bag of chips",
    "me tomé todo el café de la mañana",
    # out of jail or detox, with plans that are not using
    "got out of jail last month and im doing good, went to my first meeting",
    "my brother just got released and he is going to use his time to get a job",
    "after detox im going to use the skills i learned in group",
    "when i get out of rehab im going to pick up my kids from my moms",
    "im going to a meeting by myself tonight",
    "i have no narcan, where can i get some for free",
    "i bought test strips to check for fent",
    "my daughter might be buying pills online. i read fake pills can have fentanyl. i want to keep narcan at "
    "home, where can i get it",
    # numbness, waiting, staying in bed, for other reasons
    "waiting for the end of my shift",
    "i feel nothing from my sub dose anymore",
    "my face is still numb from the dentist",
    "3 weeks sober and i feel nothing, is that normal",
    "my son hasnt eaten in days, hes detoxing, is that normal",
    "my mom stopped eating sugar for weeks",
    # euphemisms' neighbours
    "i should have died laughing at that meme",
    "im done with dope for good",
    "i want to be done with methadone permanently",
    "i want out of this lease",
    "made my peace with my dad before he passed",
    "researching ways to quit heroin at home",
    "whats the least painful way to detox",
    "my boss will finally take me out for dinner",
    "this week is going to finish me off lol",
    "narcan brought me back to life and im grateful",
    "my ex finally got rid of me",
    "we picked a date for the wedding",
    "i have a plan for saturday, going to see my grandkids",
    # loved ones' neighbours
    "my son wont be here for christmas, hes spending it with his dad",
    "my dad will work until he dies, he loves that job",
    "my mom wants to join a grief group since my dad died",
    "my friend is going to join her mom for christmas",
    "he wears a cord around his neck with his cross",
    "the umbilical cord was around her neck when she was born",
    "found a note from his teacher about his grades",
    "i cant reach him, his phone is dead, probably at work",
    "mi hijo se cortó el brazo jugando futbol",
    # danger's neighbours
    "the dog broke the door",
    "my son broke his arm playing football",
    "my daughter broke her wrist skiing",
    "i broke my arm last year",
    "my husband goes into the kids room at night to check on them",
    "the landlord says ill lose my apartment unless i pay by friday",
    "mi esposo está arreglando la puerta",
    # fading's neighbours
    "he is fading out of my life and i am glad",
    "my son cant talk right now, he is at work",
    "my baby is fading out, finally nap time",
    "he fell asleep watching tv, eyes wont stay open lol",
]


@pytest.mark.parametrize("text", CALM)
def test_their_everyday_neighbours_get_no_crisis_reply(lantern, text):
    assert not is_alarm(reply_to(lantern, text)), text


# --- Idioms and questions that used to raise an alarm ------------------------------------------

@pytest.mark.parametrize("text", [
    "I killed my 90 days!!",
    "killing my first year clean, so proud",
    "my counselor had me write a goodbye letter to heroin",
    "dear addiction, goodbye forever",
    "im so done with this snow",
    "so over this rain",
    "can i give narcan to someone who is just sleeping really deeply",
    "is it ok to use naloxone if he is only asleep",
])
def test_milestones_exercises_weather_and_naloxone_questions_raise_no_alarm(lantern, text):
    assert not is_alarm(reply_to(lantern, text)), text


@pytest.mark.parametrize("text", [
    "i killed my dealer",  # no milestone: the idiom needs a time after it
    "goodbye everyone, this is it",
    "can i give narcan, he isnt breathing",
    "i want to die, so done with all of it",
])
def test_the_idioms_leave_their_crisis_neighbours_alone(lantern, text):
    assert is_alarm(reply_to(lantern, text)), text


def test_an_attempt_told_with_the_age_it_happened_at_gets_the_help_line_not_the_crisis_reply(lantern):
    reply = reply_to(lantern, "my daughter tried to take her life when she was 15. she is 22 now and in college")
    assert not is_alarm(reply)
    assert reply.help_line and reply.urgent


def test_an_attempt_tonight_keeps_the_crisis_reply_whatever_when_says(lantern):
    reply = reply_to(lantern, "my daughter tried to take her life tonight when she was alone")
    assert is_alarm(reply)
    assert reply.crisis == "other_at_risk"


def test_a_goodbye_letter_to_ones_drug_of_choice_is_an_exercise(lantern):
    assert not is_alarm(reply_to(lantern, "group assignment: write a goodbye letter to your drug of choice"))


# --- Blind set F: kinds of risk said in ways the lexicons did not know -----------------------------------
# Each kind tested both ways; the messages are written for these tests, none copied from the set.

@pytest.mark.parametrize(("text", "category"), [
    # overdose signs said other ways, and people named the British and Irish way
    ("found a bloke in the toilets, not responsive and blue round the mouth", "overdose"),
    ("my mate is on the sofa and his breathing is really slow", "overdose"),
    ("she took something and now her breathings gone funny", "overdose"),
    ("mi hija esta tirada en el piso y esta bien palida", "overdose"),
    # the writer's own overdose told by how it feels
    ("i think i did too much, cant feel my arms", "overdose_self"),
    ("shot up alone and somethings wrong, my room is spinning", "overdose_self"),
    ("mixed pills with the dope and my heart is going weird, am i going to be ok", "overdose_self"),
    ("used after 4 months clean, same amount as before and i feel wrong", "overdose_self"),
    # a loved one's goodbye, a means and no answer, ways to die looked up
    ("my brother said dont look for me and drove off", "other_at_risk"),
    ("my wife told me this is the last time youll hear from me and hung up", "other_at_risk"),
    ("my son took his grandads rifle and left, now hes not picking up", "other_at_risk"),
    ("my daughter has been googling ways to die, i found it on her laptop", "other_at_risk"),
    ("he keeps saying he wants to go to sleep for good", "other_at_risk"),
    ("mi papa se encerro en el garage con una soga", "other_at_risk"),
    # the writer's goodbye, voices, self-harm just now, a stockpile of treatment medicine
    ("this is the last one, promise. thanks for trying", "suicide"),
    ("the voices keep telling me to kill myself and i want to listen", "suicide"),
    ("been cutting since i got sober and did it again 10 mins ago", "suicide"),
    ("ive been saving up my take homes for a while now", "suicide"),
    ("le deje una carta a mi mama por si no amanezco", "suicide"),
    ("ya me despedi de todos, gracias por todo", "suicide"),
    # danger said other ways
    ("my stepdad says if i tell anyone hell do me in", "danger"),
    ("he threatened his little brother with a bat", "danger"),
    ("hes drunk and hes hit her twice already", "danger"),
    ("dijeron que vuelven manana a matarnos", "danger"),
    ("mi pareja me rompio la puerta y tengo miedo", "danger"),
    # belongings given away; pills taken along by someone who no longer answers; a parent high at the wheel
    ("ive given away most of my clothes and my guitar. its fine", "elevated"),
    ("mi hermana anda regalando su ropa y sus joyas", "other_at_risk"),
    ("my dad took his pills with him when he left and hes not picking up", "other_at_risk"),
    ("my wife is drunk and driving with the kids right now", "danger"),
    # despair as being a burden, said other ways
    ("im just a weight around everyones neck", "elevated"),
    ("tired of being the problem in my familys life", "elevated"),
    ("siento que esto nunca va a terminar", "elevated"),
])
def test_set_f_kinds_get_their_crisis_reply(lantern, text, category):
    reply = reply_to(lantern, text)
    assert is_alarm(reply), text
    assert reply.crisis == category, text


def test_a_wish_that_starts_with_not_is_not_undone_by_an_earlier_not(lantern):
    # "not waking up" after "not sleeping": the list's first "not" negates nothing of the wish.
    # (Read as the writer's own overdose sign first, which also gets the crisis reply.)
    assert is_alarm(reply_to(lantern, "im done. not eating, not sleeping, not waking up tomorrow either"))
    assert not is_alarm(reply_to(lantern, "im not sure, not tired, not in a hurry"))


@pytest.mark.parametrize("text", [
    "my mate is coming round to watch the match",
    "my roommate and i are done with each other, dont look for me at the party lol",
    "thanks for trying, that answer didnt really help",
    "my son went hunting with his grandads rifle, he will call when hes back",
    "i did too much cardio and my legs are sore",
    "i had my methadone take homes approved today",
    "hit him up when you get a chance",
    "this is the last one i promise, what are the signs of withdrawal",
    "there was a time when he said he felt like dying, but that was years ago and hes doing great",
    "mi hijo esta tirado en el sillon viendo la tele",
    "i gave away my old clothes to the shelter last year",
    "my husband took his pills this morning and went to work",
    "i used to be high when i was driving the kids to school, im 2 years clean now",
    "mi hija regalo su ropa vieja a la iglesia",
])
def test_set_f_neighbours_get_no_crisis_reply(lantern, text):
    assert not is_alarm(reply_to(lantern, text)), text


# --- A story carried into now, a goodbye from a means, self-harm said again -------------------------------

@pytest.mark.parametrize("text", [
    "i wanted to die for the longest time and i still do",
    "i wanted to die for the longest time. i still do",
    "back then i wanted to die. honestly i still feel that way",
    "im on the bridge, goodbye",
    "ive been cutting myself again",
])
def test_a_risk_said_to_be_now_gets_the_suicide_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert is_alarm(reply) and reply.crisis == "suicide", text


@pytest.mark.parametrize("text", [
    "i wanted to die for the longest time but not anymore, 7 months sober",
    "we said goodbye at the bridge where we scattered dads ashes",
    "we started cutting back on his dose",
    "i still cut my own hair",
])
def test_their_neighbours_get_no_crisis_reply(lantern, text):
    assert not is_alarm(reply_to(lantern, text)), text


@pytest.mark.parametrize("text", [
    "if i dont reply tomorrow you know why",
    "i just want everything to stop",
    "honestly i wont be here much longer",
])
def test_the_writers_absence_to_come_gets_the_suicide_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert is_alarm(reply) and reply.crisis == "suicide", text


@pytest.mark.parametrize("text", [
    "i just want the noise to stop",
    "if i dont reply tomorrow its because im at work all day",
    "what should i do if he says he wants it all to stop",
])
def test_absence_with_an_everyday_reason_or_asked_about_is_no_crisis_reply(lantern, text):
    assert not is_alarm(reply_to(lantern, text)), text
