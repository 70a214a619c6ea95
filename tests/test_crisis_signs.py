"""Signs that are innocent alone and a crisis together (intents/crisis_concepts_signs.yaml).

People about to end their life rarely use a risk word: they give things away, hand over passwords, say
they have decided, that tonight will be it, that the water looks calm. Each family of signs alone is an
ordinary sentence; two families in a short message are a crisis (bot/concepts.py, `Signs`). Each kind is
tested both ways through `Lantern.reply`: combinations get the crisis reply of their category, and one
family alone, or the same words in ordinary life, do not. The wordings are our own, written for these
tests; none is copied from an evaluation set.
"""

from __future__ import annotations

import pytest

from bot.concepts import ConceptLexicon, ConceptReader, Escalation, Signs
from bot.replies import Reply
from tests.crisis_replies import reply_to


def is_alarm(reply: Reply) -> bool:
    return reply.kind == "crisis"


# --- The mechanism, on a lexicon of its own -----------------------------------------------------------

def test_two_families_make_the_combined_concept_and_one_alone_does_not():
    reader = ConceptReader(ConceptLexicon(
        concepts={"give": ["=can have my"], "time": ["tonight"], "resolve": ["=ive decided"],
                  "signs": ["@give", "@resolve", "@time weak", "-joke"], "joke": ["lol"]},
        soft={"signs": "suicide"}, clearances=("joke",), self_clearances=("joke",),
        escalations=(Escalation("suicide", ("signs",)),)))
    assert reader.read(["my brother can have my guitar tonight"]).level == 2  # strong + weak
    assert reader.read(["ive decided", "he can have my guitar"]).level == 2  # two strong, two sentences
    assert reader.read(["my brother can have my guitar"]).level == 0  # one family
    assert reader.read(["tonight"]).level == 0  # a weak family alone
    assert reader.read(["lol ive decided he can have my car"]).level == 2  # gallows humour is no joke here
    assert reader.read(["i havent", "ive decided", "he can have my car", "ok"]).level == 2  # a short message whole


def test_signs_are_parsed_from_entries_that_all_name_families():
    signs = Signs.parse(["@a", "@b weak", "-joke"])
    assert signs is not None and signs.strong == {"a"} and signs.weak == {"b"} and signs.ignored == {"joke"}
    assert Signs.parse(["@a", "a word"]) is None  # an ordinary concept
    assert not signs.met({"b"}) and signs.met({"a", "b"}) and not signs.met({"a"})
    assert signs.met({"a", "a:first words", "a:other words"})  # a strong family said twice in other words


# --- Ending one's life, told by the writer ---------------------------------------------------------

WRITER_ENDING = [
    "my cousin can have my ps5 and my records. hes gonna find out why on sunday",
    "left my bank login and pin in an envelope for my sister. the dog has food for a week",
    "i made up my mind. please dont try to change it",
    "i wrote a note so my dad knows it wasnt his fault. by morning it will all be over",
    "im at the top of the parking garage. it looks so peaceful from up here",
    "put my life insurance in order today. tomorrow nobody has to worry about me",
    "im keeping the bottle of my nans pills. got plans for them this weekend",
    "loaded my dads shotgun and ive been holding it for a while",
    "just want to sleep tonight and never wake. ive got everything i need",
    "im going to drive into the river on the way home. one turn and done",
    "nobody will miss me. this weekend i fix that for good",
    "lmao picture my grave with everyone crying. making it happen tonight, ive decided",
    "ya decidí. les dejé mis cosas a mis primos y una carta a mi mamá",
    "esta noche lo termino todo, ya me despedí",
    "estoy parada en el puente y el agua se ve tranquila",
    "my affairs are in order. ill be gone before anyone wakes up",
    "i know exactly how im going to do it and when. no one can talk me out of it",
    "just took the battery out of my phone so nobody can track me. the river is right there",
    "gave my younger brother my watch and my gaming stuff. im at peace now",
    "i keep the pills in my pocket now. when everyones asleep ill take them all",
    "everything is set. the dog goes to my neighbor and the note is on the fridge",
    "im not asking you to fix anything, i just wanted to say thank you before i go tonight",
    "tengo todo listo para esta noche, ya les escribí a todos",
]


@pytest.mark.parametrize("text", WRITER_ENDING)
def test_signs_of_ending_told_by_the_writer_get_a_crisis_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert is_alarm(reply), text
    assert reply.crisis in {"suicide", "other_at_risk"}, text


# --- The same, told of a loved one -----------------------------------------------------------------

LOVED_ONE_ENDING = [
    "my brother texted me all his account passwords and said he wont need them after tonight",
    "my daughter keeps saying tonight is it and she has a bottle of her xanax saved up",
    "he wrote out who gets his guitar and his car, and now hes not answering",
    "my husband said we would all be better off without him and then he hugged the kids goodbye for a long time",
    "mi hijo me escribió que me cuide mucho y que ya estaba listo, y no contesta",
    "my mom mailed me her wedding ring and a list of who gets her furniture. she wont pick up",
    "my wife keeps saying the kids would be happier without her and she wrote each of them a letter",
]


@pytest.mark.parametrize("text", LOVED_ONE_ENDING)
def test_signs_of_ending_told_of_a_loved_one_get_a_crisis_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert is_alarm(reply), text


# --- Their everyday neighbours: one family alone, or the same words in ordinary life -----------------

CALM_NEIGHBOURS = [
    "my nephew can have my old bike, he outgrew his",
    "i changed my passwords tonight so my son cant get into my bank",
    "i decided to go to rehab tomorrow",
    "ive decided to call the treatment center tomorrow morning",
    "tonight is the night we celebrate her 90 days",
    "we said goodbye at the bridge where we scattered dads ashes",
    "my husband keeps his rifle in the gun safe, we go hunting this weekend",
    "fed the dog and went to bed early tonight",
    "i know what im doing wrong with my son, i just dont know how to stop",
    "withdrawal will be over by monday, i just have to ride it out",
    "thanks for everything, see you tomorrow",
    "my dad will be on methadone till he dies and thats ok",
    "wrote a letter to my son for his 30 days, the counselor said to",
    "hes moving out permanently tomorrow and i feel relieved",
    "my son gave away his xbox to pay his dealer, what do i do",
    "everything is paid off, finally debt free!",
    "hoy se cumplen tres años que murió mi papá, lo extraño pero estoy en paz",
    "everyone is asleep and i keep thinking how easy it would be to call my old dealer",
    "i used to feel numb all the time, now im doing better",
    "two years sober on friday, i just wanted to say thanks for the help",
    "the lake looks so peaceful this morning, were camping",
    "gave away all my old baby clothes to my sister today",
    "i still dont understand why people use, pretty soon ill be a year clean",
]


@pytest.mark.parametrize("text", CALM_NEIGHBOURS)
def test_one_family_or_everyday_words_get_no_crisis_reply(lantern, text):
    assert not is_alarm(reply_to(lantern, text)), text


# --- Danger: a threat beside its target, violence beside an injury or fear -----------------------------

DANGER = [
    "her ex keeps texting that hell set the car on fire with her and the kids inside",
    "the guy my son owes just showed up at my work and said pay or else",
    "my boyfriend is wasted and says hell stab me if i call anyone",
    "he threw a plate at me and theres blood everywhere",
    "my brother is high and just hit me, im scared he'll go after my kids",
    "hiding in the bathroom with the baby, hes smashing things in the kitchen",
    "mi esposo anda borracho y dice que va a quemar la casa con nosotros adentro",
    "someone is in my house right now",
]


@pytest.mark.parametrize("text", DANGER)
def test_danger_told_by_its_signs_gets_the_danger_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert is_alarm(reply), text
    assert reply.crisis == "danger", text


DANGER_NEIGHBOURS = [
    "how do i choose between two guys who both like me",
    "is it ok to keep narcan in my house with my kids around",
    "that text really did kill my buzz",
    "my son is high again and im scared for him",
    "mi hijo me pegó un susto anoche cuando llegó tarde",
    "the game tonight was a threat to our lead, my kids loved it",
]


@pytest.mark.parametrize("text", DANGER_NEIGHBOURS)
def test_weak_words_of_danger_alone_get_no_crisis_reply(lantern, text):
    assert not is_alarm(reply_to(lantern, text)), text


# --- Despair: empty, futile, used up, unworthy ---------------------------------------------------

DESPAIR = [
    "hollow. nothing inside, i feel nothing at all",
    "i cant picture it ever getting better, whats the point of trying",
    "my kids deserve better than me, i wreck everything i touch, i ruin everything",
    "nothing left in me. worn out right down to my bones",
    "para que le sigo, siempre vuelvo a caer y no tiene caso",
]


@pytest.mark.parametrize("text", DESPAIR)
def test_despair_told_by_its_kinds_gets_the_gentle_check_in(lantern, text):
    reply = reply_to(lantern, text)
    assert is_alarm(reply), text
    assert reply.crisis in {"elevated", "suicide"}, text


DESPAIR_NEIGHBOURS = [
    "cant stop crying since we dropped her at detox this morning",
    "my sister borrowed my car again, im so done with her",
    "kinda numb today, the new dose is kicking in",
    "the house feels empty since he went to rehab",
    "estoy muy cansada de todo esto, mi hijo recayó",
]


@pytest.mark.parametrize("text", DESPAIR_NEIGHBOURS)
def test_grief_and_frustration_alone_get_no_crisis_reply(lantern, text):
    assert not is_alarm(reply_to(lantern, text)), text


# --- One's own overdose: the body now beside what was taken ----------------------------------------------

OWN_OVERDOSE = [
    "got from a different plug tonight and it hit so much harder, i cant keep my eyes open",
    "snorted what i thought was molly and now my heart is racing and my hands went numb",
    "first time using since rehab and my breathing is slow",
    "mezclé las pastillas con alcohol y me estoy quedando dormido",
    "first time back on it after jail and i feel like im fading, cant keep my head up",
]


@pytest.mark.parametrize("text", OWN_OVERDOSE)
def test_an_overdose_told_by_the_body_and_what_was_taken_gets_a_crisis_reply(lantern, text):
    reply = reply_to(lantern, text)
    assert is_alarm(reply), text
    assert reply.crisis in {"overdose_self", "overdose"}, text


OVERDOSE_NEIGHBOURS = [
    "day 3 of withdrawal, heart racing and cant sleep",
    "my heart is racing before my job interview",
    "i always cant keep my eyes open after my methadone dose",
    "took my first sub too early, pretty sure its precipitated withdrawal, heart is racing",
]


@pytest.mark.parametrize("text", OVERDOSE_NEIGHBOURS)
def test_a_racing_heart_or_drowsiness_alone_gets_no_crisis_reply(lantern, text):
    assert not is_alarm(reply_to(lantern, text)), text


# --- Told as over -----------------------------------------------------------------------------------

def test_abuse_told_as_childhood_is_no_crisis_now(lantern):
    assert not is_alarm(reply_to(lantern, "i was abused as a kid and it still affects how i parent"))
    assert is_alarm(reply_to(lantern, "i am being abused by my boyfriend"))
