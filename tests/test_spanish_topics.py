"""Spanish topics: a Spanish message that is no crisis gets its topic's Spanish answer, a Spanish
"which did you mean", or the Spanish notice, each with Spanish help lines (bot.spanish, bot.core).

Hotline numbers are asserted exactly, as written in responses/hotlines.yaml (`es:` lines): US 911,
988 (press 2 for Spanish), SAMHSA 1-800-662-4357; UK 999, FRANK 0300 123 6600.
"""

from __future__ import annotations

import re

import pytest

from bot.concepts import SOFT
from bot.console import ConsoleSession
from bot.crisis import CrisisResult
from bot.evaluate import evaluate_intents, load_labelled
from bot.hotlines import fill
from bot.paths import DEFAULT_INTENTS_DIR
from bot.replies import SOS, TOPICS
from bot.spanish import reader_es

US_CRISIS_ES = ("Llama al 988 y marca 2 para español, o envía AYUDA por texto al 988 (988 Línea de Prevención "
                "del Suicidio y Crisis, gratis, 24 horas)")
US_DRUGS_ES = "Línea Nacional de Ayuda de SAMHSA: 1-800-662-4357 (gratis, confidencial, 24 horas, en español)"
UK_DRUGS_ES = "FRANK: 0300 123 6600 (gratis, confidencial; en inglés)"
TESTS_DATA = DEFAULT_INTENTS_DIR.parent / "tests" / "data"


def spanish_text(lantern, answer_id: str, region: str = "US", asked: str = "") -> str:
    """The Spanish answer as sent for the user's region, for whoever `asked` is about."""
    catalog = lantern.catalog
    return fill(catalog.answers_es[answer_id].text_for(reader_es(catalog, asked)), catalog.region(region).values("es"))


@pytest.mark.parametrize(("text", "answer_id"), [
    ("xq mi hijo no puede dejar la heroina", "why_cant_they_stop"),
    ("como empezo mi hija con la heroina", "why_people_start"),
    ("la heroina le empeora la depresion?", "depression_heroin_cycle"),
    ("que es el diagnostico dual", "dual_diagnosis"),
    ("salio del detox y anda super deprimido", "depression_after_detox"),
    ("mi esposo recayo otra vez q hago", "relapse"),
    ("cuanto dura la abstinencia de heroina", "withdrawal"),
    ("donde consigo narcan", "naloxone"),
    ("que es el suboxone", "medications_for_opioid_use"),
    ("como pago el rehab sin seguro", "paying_for_treatment"),
    ("la heroina trae fentanilo?", "fentanyl"),
    ("hay grupos de apoyo para familias en español", "family_groups"),
    ("como le explico a mi nieto de 6 años que su papa esta en rehabilitacion", "talking_with_children"),
    ("mi hermana termina el rehab la otra semana, como nos preparamos en la casa", "coming_home_from_treatment"),
])
def test_a_typical_spanish_question_gets_its_spanish_answer(lantern, text, answer_id):
    reply = lantern.reply("ana", text)
    assert (reply.kind, reply.intent, reply.lang) == ("answer", answer_id, "es")
    assert reply.text == spanish_text(lantern, answer_id, asked=text)
    assert reply.sources == lantern.catalog.answers[answer_id].sources  # publisher and title, as in English


def test_follow_up_buttons_are_spanish_topics_under_spanish_titles(lantern):
    reply = lantern.reply("ana", "que es la naloxona")
    answers_es = lantern.catalog.answers_es
    assert [s.answer_id for s in reply.suggestions] == list(answers_es["naloxone"].follow_ups)
    assert [s.label for s in reply.suggestions] == ["Señales de una sobredosis", "Fentanilo en la heroína",
                                                    "Cómo apoyar a tu ser querido"]


def test_every_spanish_follow_up_has_a_spanish_text(catalog):
    for answer in catalog.answers_es.values():
        assert set(answer.follow_ups) <= set(catalog.answers_es), answer.id


# --- the user's region, in Spanish --------------------------------------------------------------


def test_the_numbers_are_the_us_spanish_lines(lantern):
    naloxone = lantern.reply("ana", "donde consigo narcan").text
    assert "• Llama al 911.\n" in naloxone
    assert naloxone.endswith("En la mayoría de los estados, las leyes del Buen Samaritano protegen a quien pide "
                             "ayuda ante una sobredosis.")
    treatment = lantern.reply("bea", "donde encuentro tratamiento para mi hijo").text
    assert f"• {US_DRUGS_ES}\n" in treatment


def test_the_numbers_follow_another_region_in_spanish(lantern):
    naloxone = lantern.reply("ana", "donde consigo narcan", region="UK").text
    assert "• Llama al 999.\n" in naloxone and "911" not in naloxone
    assert "Buen Samaritano" not in naloxone  # the UK has no such line: it is left out
    treatment = lantern.reply("bea", "donde encuentro tratamiento para mi hijo", region="UK").text
    assert f"• {UK_DRUGS_ES}\n" in treatment and "1-800" not in treatment


def test_no_spanish_answer_writes_a_number_of_its_own(catalog):
    for answer in catalog.answers_es.values():
        for number in ("911", "988", "999", "1-800", "741741"):
            assert number not in answer.text, f"{answer.id}: write {number!r} as a placeholder"


def test_spanish_answers_are_person_first(catalog):
    for answer in catalog.answers_es.values():
        assert not re.search(r"\badict[oa]s?\b", answer.text, re.IGNORECASE), answer.id


# --- unsure, and nothing close ------------------------------------------------------------------


def test_a_spanish_question_with_no_spanish_topic_gets_the_notice_with_help_lines(lantern):
    reply = lantern.reply("ana", "me puedes recomendar una receta de tamales")
    assert (reply.kind, reply.lang, reply.help_line) == ("fallback", "es", True)
    assert reply.text.startswith("Gracias por escribir.")
    assert "respuestas en español sobre algunos temas" in reply.text
    assert f"• {US_CRISIS_ES}\n" in reply.text and f"• {US_DRUGS_ES}\n" in reply.text
    assert "llama al 911." in reply.text
    labels = {s.answer_id: s.label for s in reply.suggestions}
    assert labels[TOPICS] == "Todos los temas"
    assert all(a in lantern.catalog.answers_es for a in labels if a != TOPICS)
    assert labels["why_cant_they_stop"] == "¿Por qué no puede simplemente dejarla?"
    # Operators see what nothing answered in Spanish too, in its normal form (scrubbed when stored).
    assert reply.unmatched_text and "tamales" in reply.unmatched_text


def test_the_notice_in_another_region_gives_its_lines(lantern):
    reply = lantern.reply("ana", "me puedes recomendar una receta de tamales", region="UK")
    assert "• Llama a Samaritans al 116 123 (gratis, 24 horas; atiende en inglés)\n" in reply.text
    assert f"• {UK_DRUGS_ES}\n" in reply.text and "llama al 999." in reply.text and "988" not in reply.text


def test_a_spanish_which_did_you_mean_keeps_a_spanish_help_line(lantern):
    reply = lantern.reply("ana", "que es el tratamiento")
    assert (reply.kind, reply.lang, reply.help_line) == ("clarify", "es", True)
    assert reply.text.startswith("Quiero entenderte bien.")
    assert reply.text.endswith(f"Si necesitas a alguien ahora mismo: {US_CRISIS_ES}. En una emergencia, llama al 911.")
    assert "If you need" not in reply.text
    assert len(reply.suggestions) >= 2
    assert all(s.label == lantern.catalog.answers_es[s.answer_id].title for s in reply.suggestions)


def test_typing_a_number_after_a_spanish_clarify_opens_the_spanish_answer(lantern):
    offered = lantern.reply("ana", "que es el tratamiento").suggestions
    reply = lantern.reply("ana", "2")
    assert (reply.kind, reply.intent, reply.lang) == ("answer", offered[1].answer_id, "es")


def test_a_spanish_answer_touching_a_risk_gets_the_soft_spanish_help_line(lantern, monkeypatch):
    monkeypatch.setattr(lantern, "_detect", lambda text, lang: CrisisResult("other_at_risk", level=SOFT, lang=lang))
    reply = lantern.reply("ana", "cuales son las señales de riesgo de suicidio")
    assert (reply.kind, reply.intent, reply.lang) == ("answer", "suicide_risk", "es")
    assert reply.text.endswith(f"Si alguien que quieres podría estar pensando en el suicidio: {US_CRISIS_ES} "
                               "(también ayudan a familias). Si está en peligro ahora, llama al 911.")
    assert reply.suggestions[0].answer_id == SOS and reply.suggestions[0].label == "Ayuda ahora"


def test_a_spanish_crisis_still_gets_the_crisis_reply_first(lantern):
    reply = lantern.reply("ana", "quiero matarme, ya no aguanto mas")
    assert reply.kind == "crisis" and reply.crisis == "suicide"


# --- English stays English; buttons follow the conversation's language ----------------------------


@pytest.mark.parametrize("text", ["why cant my son just quit", "what is naloxone", "where do i find treatment",
                                  "my son relapsed what now", "is suboxone safe", "gracias for the help"])
def test_an_english_message_never_gets_spanish(lantern, text):
    reply = lantern.reply("ann", text)
    assert reply.lang == "en"
    assert not any(a.text.split("\n")[0] in reply.text for a in lantern.catalog.answers_es.values())


def test_an_english_message_after_a_spanish_one_is_answered_in_english(lantern):
    lantern.reply("ana", "que es la naloxona")
    reply = lantern.reply("ana", "what is naloxone")
    assert (reply.intent, reply.lang) == ("naloxone", "en")
    assert reply.text == fill(lantern.catalog.answers["naloxone"].text, lantern.catalog.region("US").values())


def test_a_button_after_a_spanish_reply_gives_the_spanish_answer(lantern):
    lantern.reply("ana", "que es la naloxona")
    reply = lantern.answer("fentanyl", user_key="ana")
    assert (reply.kind, reply.lang) == ("answer", "es")
    assert reply.text == spanish_text(lantern, "fentanyl")
    again = lantern.answer("harm_reduction", user_key="ana")
    assert again.text == spanish_text(lantern, "harm_reduction")


def test_a_button_after_an_english_reply_gives_the_english_answer(lantern):
    lantern.reply("ann", "what is naloxone")
    reply = lantern.answer("fentanyl", user_key="ann")
    assert reply.lang == "en" and reply.text.startswith("In the US, fentanyl")


def test_all_topics_and_help_now_after_a_spanish_reply_are_spanish(lantern):
    lantern.reply("ana", "me puedes recomendar una receta de tamales")
    topics = lantern.answer(TOPICS, user_key="ana")
    assert topics.text == "Estos son los temas que tengo en español. Toca uno:"
    assert [s.label for s in topics.suggestions] == [a.title for a in lantern.catalog.topic_answers_es()]
    sos = lantern.answer(SOS, user_key="ana")
    assert sos.kind == "crisis" and sos.text.startswith("Ayuda, ahora mismo (Estados Unidos):")


def test_a_topic_with_no_spanish_text_is_answered_in_english(lantern):
    lantern.reply("ana", "que es la naloxona")
    reply = lantern.answer("sober_living", user_key="ana")
    assert reply.lang == "en" and reply.text == lantern.answer("sober_living").text


def test_the_console_labels_sources_and_choices_in_spanish(lantern):
    session = ConsoleSession(lantern)
    try:
        out = session.handle("que es la naloxona")
        assert out.startswith(spanish_text(lantern, "naloxone"))
        assert "\n\nFuentes: CDC: Lifesaving Naloxone; " in out
        assert "Escribe un número para elegir:\n  1. Señales de una sobredosis" in out
        assert session.handle("1").startswith(spanish_text(lantern, "overdose_signs"))
    finally:
        session.close()


# --- how well Spanish questions are understood ----------------------------------------------------


def test_every_spanish_intent_has_at_least_eight_examples(catalog):
    for intent in catalog.intents_es:
        assert len(intent.examples) >= 8, intent.id


@pytest.mark.parametrize(("name", "floor"), [("intent_eval_es.yaml", 0.8), ("intent_eval_es_b.yaml", 0.65),
                                             ("intent_eval_es_c.yaml", 0.75), ("intent_eval_es_feelings.yaml", 0.65)])
def test_held_out_spanish_questions_are_mostly_answered_right(lantern, name, floor):
    """First measured: intent_eval_es.yaml 23/44 (before the examples were tuned on it), _b 28/40,
    _c 30/37 (written after the last tuning), _feelings 11/15 (written after the Spanish feelings).
    Floors, so a content edit that breaks Spanish shows."""
    report = evaluate_intents(lantern, load_labelled(TESTS_DATA / name, "intent"))
    assert report.accuracy >= floor


def test_the_sos_command_after_a_spanish_reply_gives_the_spanish_help_lines(lantern):
    session = ConsoleSession(lantern)
    try:
        session.handle("que es la naloxona")
        assert session.handle("/sos").startswith("Ayuda, ahora mismo (Estados Unidos):")
        session.handle("what is naloxone")
        assert session.handle("/sos").startswith("Help, right now (United States):")
    finally:
        session.close()


def test_a_spanish_answer_is_written_for_who_the_message_is_about(lantern):
    """"mi hijo recayo" is a family member writing; "recai anoche" the person in recovery."""
    relapse = lantern.catalog.answers_es["relapse"]
    family = lantern.reply("ana", "mi hijo recayo otra vez que hago")
    assert family.intent == "relapse" and family.text.startswith(relapse.for_family.split("\n")[0])
    own = lantern.reply("luis", "recai anoche y me siento horrible")
    assert own.intent == "relapse" and own.text.startswith(relapse.for_self.split("\n")[0])
    neither = lantern.reply("eva", "es normal recaer?")
    assert neither.intent == "relapse" and neither.text.startswith(relapse.text.split("\n")[0])
    # The conversation remembers: a button pressed next is for the same reader.
    cravings = lantern.answer("night_cravings", user_key="ana")
    assert cravings.text.startswith(lantern.catalog.answers_es["night_cravings"].for_family.split("\n")[0])


# --- feelings said in Spanish -----------------------------------------------------------------------

US_NET_ES = f"Si necesitas a alguien ahora mismo: {US_CRISIS_ES}. En una emergencia, llama al 911."


@pytest.mark.parametrize(("text", "feeling"), [
    ("estoy muy cansada, mi hijo sigue usando y ya no se que mas hacer", "feeling_exhausted"),
    ("me siento sola con todo esto", "feeling_alone"),
    ("tengo mucho miedo cada noche que mi hija no regresa a casa", "feeling_waiting_up"),
    ("ya es la 1am y mi hija todavia no llega, no contesta el cel", "feeling_waiting_up"),
    ("siento que falle como mama, en que me equivoque", "feeling_parent_guilt"),
    ("y yo q? nadie me pregunta como estoy", "feeling_need_support"),
    ("toy muy asustada x mi hijo", "feeling_scared"),
    ("nadie me entiende, ni mi propia familia", "feeling_alone"),
    ("me siento solo con todo lo de mi hermano", "feeling_alone"),
    ("extrano a mi hijo como era antes de todo esto", "feeling_missing_them"),
    ("estoy furiosa, otra vez me mintio en la cara", "feeling_angry"),
    ("ya no doy mas, estoy agotado", "feeling_exhausted"),
    ("estoy destrozada, no paro de llorar", "feeling_low"),
    ("no se como sentirme con todo esto", "feeling_heard"),
    ("hoy me siento orgullosa, mi hija cumplio 90 dias limpia", "feeling_good"),
    ("hoy tuve un dia larguisimo en el trabajo, llegue a la casa y otra vez lo mismo con mi esposo, la verdad "
     "estoy bien enojada y ni se q decirle", "feeling_angry"),
])
def test_a_feeling_said_in_spanish_is_acknowledged_in_spanish(lantern, text, feeling):
    reply = lantern.reply("ana", text)
    assert (reply.kind, reply.intent, reply.lang, reply.help_line) == ("smalltalk", feeling, "es", True)
    assert reply.text.startswith(spanish_text(lantern, feeling, asked=text).split("\n")[0])
    assert "Gracias por escribir." not in reply.text  # never the notice
    # One Spanish help line, US numbers: the feeling's own ({crisis}, feeling_low) or the quiet one under it.
    assert reply.text.count(US_CRISIS_ES) == 1 and "If you need" not in reply.text
    if "{crisis}" not in lantern.catalog.answers_es[feeling].text:
        assert reply.text.endswith(US_NET_ES)
    assert all(s.label == lantern.catalog.answers_es[s.answer_id].title for s in reply.suggestions)


def test_feeling_alone_in_spanish_names_samhsa_in_spanish(lantern):
    reply = lantern.reply("ana", "me siento sola con todo esto")
    assert f"\n{US_DRUGS_ES}\n" in reply.text


def test_a_spanish_feeling_in_another_region_gives_its_lines(lantern):
    reply = lantern.reply("ana", "me siento sola con todo esto", region="UK")
    assert reply.lang == "es" and f"\n{UK_DRUGS_ES}\n" in reply.text
    assert "llama al 999." in reply.text and "988" not in reply.text and "SAMHSA" not in reply.text


def test_a_spanish_feeling_in_a_message_nothing_answers_offers_the_nearby_topics(lantern):
    text = "estoy furiosa, otra vez me mintio en la cara"
    assert lantern.catalog.matcher_es.match(text).kind == "fallback"  # read anywhere, not matched outright
    reply = lantern.reply("ana", text)
    assert reply.intent == "feeling_angry" and reply.suggestions
    assert reply.suggestions[0].label == lantern.catalog.answers_es["enabling_and_boundaries"].title


@pytest.mark.parametrize(("text", "answer_id"), [
    ("que es la naloxona", "naloxone"),
    ("mi esposo recayo otra vez q hago", "relapse"),
    ("mi hijo esta muy deprimido desde que salio del detox", "depression_after_detox"),
    ("como me cuido yo si estoy agotada", "caring_for_yourself"),
])
def test_a_spanish_topic_question_still_gets_its_topic(lantern, text, answer_id):
    reply = lantern.reply("ana", text)
    assert (reply.kind, reply.intent, reply.lang) == ("answer", answer_id, "es")


@pytest.mark.parametrize("text", ["solo tengo una duda", "me entiendes?",
                                  "me sentia bien toda la semana pero recai anoche"])
def test_words_that_only_look_like_a_feeling_are_not_acknowledged(lantern, text):
    """"solo" is also "only", "me entiendes?" asks Lantern, good news inside a relapse is no good news."""
    reply = lantern.reply("ana", text)
    assert reply.intent not in ("feeling_alone", "feeling_good")


@pytest.mark.parametrize("text", ["i feel so alone", "im so scared", "im so angry"])
def test_an_english_feeling_never_gets_spanish(lantern, text):
    reply = lantern.reply("ann", text)
    assert reply.lang == "en" and reply.intent.startswith("feeling_")
    assert not any(a.text.split("\n")[0] in reply.text for a in lantern.catalog.answers_es.values())


def test_every_english_feeling_has_a_spanish_one(catalog):
    english = {i.id for i in catalog.intents if i.id.startswith("feeling_")}
    assert english == {i.id for i in catalog.intents_es if i.id.startswith("feeling_") and i.kind == "smalltalk"}
    assert english <= set(catalog.answers_es)


def test_a_spanish_crisis_reply_offers_its_topics_in_spanish_and_they_open_in_spanish(lantern):
    """After a crisis reply the conversation is forgotten, but not its language: the buttons under a
    Spanish "heavy night" reply are Spanish, and pressing one answers in Spanish, with the Spanish line."""
    reply = lantern.reply("sofia", "ya no veo ninguna salida, todo es oscuro y sin esperanza")
    assert reply.kind == "crisis" and reply.crisis == "elevated"
    titles = lantern.catalog.answers_es
    assert [s.label for s in reply.suggestions] == [titles[s.answer_id].title for s in reply.suggestions]
    opened = lantern.answer(reply.suggestions[0].answer_id, user_key="sofia")
    assert opened.lang == "es"
    assert opened.text.startswith(spanish_text(lantern, reply.suggestions[0].answer_id)[:80])
    assert US_CRISIS_ES in opened.text
    assert lantern.answer(SOS, user_key="sofia").text.startswith(lantern.sos(lang="es").text[:40])


@pytest.mark.parametrize("text", ["mi esposo se fue otra vez con sus amigos y no se cuando vuelve",
                                  "mi hijo ya no me habla desde navidad"])
def test_a_short_spanish_statement_about_someone_close_is_heard_in_spanish(lantern, text):
    reply = lantern.reply("sofia", text)
    assert reply.kind == "smalltalk" and reply.intent == "feeling_heard" and reply.lang == "es"
    assert reply.text.startswith(lantern.catalog.answers_es["feeling_heard"].text.strip()[:40])
    assert US_CRISIS_ES in reply.text


def test_a_spanish_request_about_nobody_close_is_not_taken_for_a_feeling(lantern):
    reply = lantern.reply("sofia", "a que hora cierra la tienda de la esquina")
    assert reply.intent != "feeling_heard"
