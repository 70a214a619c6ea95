"""intents/crisis_es.yaml: crisis detection for messages written in Spanish.

Each kind of crisis with phrasings people type (no accents, chat spellings, typos) and, beside
them, the everyday Spanish that shares their words and must stay calm: questions about treatment,
worry, and idioms such as "me muero de risa". Read with the shipped catalog's detector, the one
every user gets.

First-person overdose (`overdose_self`) is a category bot.crisis is gaining; until its CATEGORIES
list has it, these tests read the same lexicon with it added, so the patterns are checked today.
"""

from __future__ import annotations

import pytest

import bot.crisis
from bot.crisis import BUILTIN_LEXICON, CrisisDetector, compile_pattern

SUICIDE = [
    "quiero morirme",
    "kiero morir",
    "me quiero matar",
    "me kiero morir ya",
    "quiero matarme",
    "voy a suicidarme",
    "me voy a suicidar",
    "ya no quiero vivir",
    "no qiero vivir mas",
    "quiero quitarme la vida",
    "quiero acabar con todo",
    "estaria mejor muerta",
    "mejor muerto",
    "me voy a tirar de un puente",
    "me quiero aventar del puente",
    "me corto los brazos",
    "me estoy cortando otra vez",
    "tengo pensamientos suicidas",
    "me siento suicida",
    "pienso en suicidarme todos los dias",
    "hoy me mato",
    "ojala me muera",
    "esta es mi despedida",
    "adios a todos para siempre",
    "Me quiero morir, ya no puedo más",
    "ya me canse de vivir quiero morirme",
    "me quiero ir de este mundo",
    "voy a tomarme todas las pastillas",
    "tengo ganas de matarme",
    "estoy pensando en quitarme la vida",
    "ya decidi que me voy a matar",
    "me voy a colgar",
    "he pensado en suicidarme",
]
OVERDOSE = [
    "no respira",
    "mi hijo no respira que hago",
    "MI HIJA NO DESPIERTA",
    "no reacciona",
    "no lo puedo despertar",
    "tiene los labios morados",
    "se le estan poniendo los labios azules",
    "se esta poniendo azul",
    "sobredosis ahora",
    "creo que es una sobredosis",
    "esta teniendo una sobredosis",
    "se desmayo con la aguja",
    "mi esposo se desmayo despues de inyectarse",
    "le pusimos narcan y no reacciona",
    "la naloxona no funciona",
    "esta inconsciente en el baño",
    "mi hijo esta morado y no respira",
    "mi hija esta tirada en el piso y no reacciona",
    "encontre a mi hermano inconsciente",
    "mi novio se inyecto y se puso azul",
    "creo que mi hijo tiene una sobredosis ayuda",
    "mi esposo no responde y tiene espuma en la boca",
    "se tomo un frasco de pastillas",
    "mi hija se tomo todas las pastillas",
]
OVERDOSE_SELF = [
    "me tome demasiado",
    "me tome todas las pastillas",
    "me tomé todas las pastillas, no puedo respirar",
    "me meti mucha heroina y no puedo respirar",
    "me tome 30 pastillas",
    "me pase con la dosis",
    "me inyecte demasiado",
    "creo que tengo una sobredosis",
    "no puedo respirar",
    "me tome un monton de pastillas",
    "tome demasiada heroina y me siento muy mal",
    "me meti fentanilo y no siento mi cuerpo",
]
OTHER_AT_RISK = [
    "mi hijo dice que se quiere matar",
    "mi hijo dice q se kiere matar",
    "mi hija dice que se quiere morir",
    "mi esposo se quiere suicidar",
    "se quiere suicidar",
    "mi mama dijo que ya no quiere vivir",
    "mi hermano intento suicidarse",
    "mi novio amenaza con suicidarse",
    "mi hija tiene pensamientos suicidas",
    "mi hija se corta",
    "mi hijo se esta cortando los brazos",
    "mi amigo me escribio una carta de despedida",
    "mi esposo tiene una pistola y dice que se va a matar",
    # a worry before the report does not cancel it
    "no se que hacer, mi hijo dice que se quiere matar",
    "no estoy segura pero mi hija dice que se quiere morir",
    "mi hijo me dijo que quiere morir",
    "mi hija me mando un mensaje diciendo que se va a matar",
    "mi esposo esta hablando de suicidarse",
    "mi papa dice que ya no quiere vivir",
    "mi amiga se quiere quitar la vida",
    "mi hijo se va a matar",
    "mi hijo dice que se va a morir",
]
DANGER = [
    "me quiere matar",
    "mi esposo me quiere matar",
    "me quiere matar mi ex",
    "mi esposo me pega",
    "me pega",
    "mi marido me golpea",
    "mi novio me amenazo con matarme",
    "tiene una pistola",
    "estoy en peligro",
    "no me siento segura en mi casa",
    "alguien se esta metiendo a mi casa",
    "tengo miedo de mi esposo",
    "mi marido me amenaza con una pistola",
    "mi pareja me golpeo anoche y tengo miedo",
    "me esta golpeando ayuda",
    "tengo miedo de que me mate",
    "mi ex me esta siguiendo",
]
ELEVATED = [
    "no tiene sentido vivir",
    "la vida no tiene sentido",
    "nada tiene sentido",
    "sin esperanza",
    "ya no tengo esperanza",
    "no puedo mas",
    "ya no aguanto mas",
    "soy una carga",
    "todos estarian mejor sin mi",
    "nadie me extrañaría",
    "estoy cansada de vivir",
    "quiero desaparecer",
    "no veo salida",
    # saying one will not still earns a gentle check-in
    "no voy a matarme",
    "no quiero matarme",
    "no me voy a matar",
    "neta ya no quiero estar aqui",
    "quisiera no haber nacido",
    "no le encuentro sentido a la vida",
    "ya no le veo sentido a nada",
    "todo seria mas facil si yo no estuviera",
    "siento que soy un estorbo para mi familia",
    "me siento sin esperanza",
    "estoy harta de todo",
]
CALM = [
    # treatment and worry
    "como ayudo a mi hijo a dejar la heroina",
    "estoy preocupada por mi hija",
    "estoy muy preocupada por mi esposo",
    "mi hijo usa heroina, que hago",
    "donde encuentro tratamiento con metadona",
    "mi hijo recayo otra vez",
    "tengo miedo de que mi hijo recaiga",
    "tengo miedo de que mi hijo se muera de una sobredosis",
    "no puedo dormir por la abstinencia",
    "ya no aguanto el dolor de la abstinencia",
    "mi hijo no quiere ir al tratamiento",
    "mi hijo no responde mis llamadas",
    "mi hija no reacciona cuando le hablo de su adiccion",
    "mi hijo no despierta temprano para la escuela",
    "no quiero seguir usando drogas",
    "quiero dejar las drogas",
    "quiero terminar con todo esto de las drogas",
    "tengo que acabar con todo el trabajo",
    "ya no puedo mas con el trabajo",
    "no estoy segura de que hacer",
    "la abstinencia me pega fuerte",
    # information, not an emergency
    "que hago si no respira",
    "que es una sobredosis",
    "cuales son las señales de una sobredosis",
    "como se usa la naloxona",
    "mi hijo tuvo una sobredosis hace dos años",
    "mi papa murio de una sobredosis hace tres años",
    # idioms
    "me muero de risa",
    "me muero de hambre",
    "estoy muerta de cansancio",
    "me quiero morir de la verguenza",
    "me mata el trafico",
    "el dolor de la abstinencia me esta matando",
    "mi mama me va a matar si se entera",
    "se me murio el celular",
    "el perro no despierta",
    # other everyday words
    "no quiero morir como mi hermano",
    "me corte el pelo",
    "mi hija se corto el pelo",
    "se corta la llamada",
    "mi esposo tiene un cuchillo de cocina nuevo",
    "me tome demasiado cafe",
    "cuando tengo ansiedad no puedo respirar",
    "mi bebe no respira bien por la nariz",
    "mi hijo es un inconsciente",
    "hola, necesito ayuda con mi hijo",
    "mi hijo tiene una adiccion a la heroina",
    "cuanto tiempo dura la abstinencia",
    "me preocupa que mi hijo vuelva a consumir",
    "mi esposo esta en recuperacion y tengo miedo de que recaiga",
    "donde puedo conseguir naloxona",
    "mi hijo murio hace un año de sobredosis y lo extraño",
    "que pasa si alguien toma demasiado fentanilo",
    "como evito una sobredosis",
    "mi hija dice que quiere dejar las drogas",
    "mi hijo dice que ya no quiere ir a terapia",
    "no tengo esperanza de que cambie",
    "ya no quiero seguir pagando sus deudas",
    "la depresion me esta matando",
    "mi hijo me pego un susto",
    "se murio mi abuela la semana pasada",
    "mi hijo se corto con un vidrio sin querer",
    "tiene una pistola de agua",
    "quiero matar el tiempo",
    "me quiero matar estudiando para el examen",
    "me voy a morir de aburrimiento",
    "mi hijo no reacciona bien al tratamiento",
    "no puedo respirar de la risa",
    "me estan siguiendo en instagram",
    "como hablo con mi hija si dice que se quiere matar",
    "mi hijo se va a morir si sigue asi",
    "mi hijo dice que se va a morir de hambre",
    "como se si mi hijo tiene una sobredosis",
    "que hago si mi hijo no despierta",
]


@pytest.fixture(scope="module")
def detector(catalog):
    """The shipped detector, with `overdose_self` among the categories (see the module docstring)."""
    if "overdose_self" in bot.crisis.CATEGORIES:
        yield catalog.detector
        return
    patched = ("overdose", "overdose_self", *bot.crisis.CATEGORIES[1:])
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(bot.crisis, "CATEGORIES", patched)
        yield CrisisDetector(catalog.crisis_lexicon.merged(BUILTIN_LEXICON))


def category(detector, text: str) -> str | None:
    """The category of the crisis reply the message gets; None when it gets none (an answer with a
    help line beside it, the "soft" level, is not a crisis reply)."""
    result = detector.detect(text)
    return result.category if result and result.full else None


@pytest.mark.parametrize(("expected", "text"), [
    *(("suicide", t) for t in SUICIDE),
    *(("overdose", t) for t in OVERDOSE),
    *(("overdose_self", t) for t in OVERDOSE_SELF),
    *(("other_at_risk", t) for t in OTHER_AT_RISK),
    *(("danger", t) for t in DANGER),
    *(("elevated", t) for t in ELEVATED),
])
def test_each_kind_of_spanish_crisis_is_recognised(detector, expected, text):
    assert category(detector, text) == expected, text


@pytest.mark.parametrize("text", CALM)
def test_everyday_spanish_stays_calm(detector, text):
    assert category(detector, text) is None, text


def test_the_shipped_catalog_catches_spanish_crises(catalog):
    """Without any patching: what users get today."""
    assert catalog.detector.detect("quiero morirme").category == "suicide"
    assert catalog.detector.detect("mi hijo no respira").category == "overdose"


# A loved one who does not respond, after pills or on the floor, is an overdose; not answering messages is not.
@pytest.mark.parametrize("text", ["mi hijo no responde", "mi hijo tomo muchas pastillas y no responde",
                                  "esta tirado en el piso y no responde", "mi esposo no responde nada, que hago"])
def test_a_loved_one_who_does_not_respond_is_an_overdose(catalog, text):
    result = catalog.detector.detect(text)
    assert result is not None and result.full and result.category == "overdose", text


@pytest.mark.parametrize("text", ["mi hijo no responde mis mensajes", "mi hija no responde al tratamiento"])
def test_not_answering_messages_or_treatment_is_no_overdose(catalog, text):
    result = catalog.detector.detect(text)
    assert result is None or not result.full, text


# What the spell corrector makes of Spanish key words: itself, or the English word the patterns expect.
CORRECTED = {"suicidio": "suicidio", "sobredosis": "sobredosis", "suicidarme": "suicidarme", "suicidar": "suicidar",
             "suicidarse": "suicidarse", "despierto": "despierto", "respiro": "respiro", "suicida": "suicidal",
             "suicidas": "suicidal", "naloxona": "naloxone", "sobredossis": "sobredosis", "suisidarme": "suicidarme"}


@pytest.mark.parametrize(("word", "form"), sorted(CORRECTED.items()))
def test_the_spell_corrector_keeps_spanish_words_spanish(catalog, word, form):
    """The corrector reads near-misses of key words as the word: a Spanish word must not become an
    unrelated English one, nor the writer's own "despierto" someone else's "despierta"."""
    assert catalog.detector.form(word) == form


@pytest.mark.parametrize("typo", ["suicides", "suicidw", "sucide", "suicdal"])
def test_english_typos_still_read_as_english(catalog, typo):
    assert catalog.detector.form(typo) in {"suicide", "suicidal"}


def test_every_spanish_pattern_compiles(catalog):
    """Patterns of a category bot.crisis does not know yet are not compiled by the detector: compile
    them here, so a broken one is found before it is needed."""
    lexicon = catalog.crisis_lexicon
    for table in (lexicon.patterns, lexicon.soft_patterns):
        for sources in table.values():
            for source in sources:
                compile_pattern(source, lexicon.groups)


def test_the_lines_after_a_spanish_crisis_reply_stay_in_spanish(lantern):
    """A short follow-up ("ok") has no language of its own: the conversation's is the crisis reply's."""
    catalog = lantern.catalog
    spanish, english = catalog.crisis_replies_es["still_here"], lantern.ui("still_here")
    assert spanish != english
    first = lantern.reply("alguien", "quiero matarme, ya no aguanto mas")
    assert first.kind == "crisis" and first.crisis == "suicide"
    for text in ("ok", "what is naloxone"):
        reply = lantern.reply("alguien", text)
        assert spanish in reply.text and english not in reply.text
        assert reply.help_line is True


def test_the_lines_after_an_english_crisis_reply_stay_in_english(lantern):
    lantern.reply("someone", "i want to kill myself")
    reply = lantern.reply("someone", "ok")
    assert lantern.ui("still_here") in reply.text
    assert lantern.catalog.crisis_replies_es["still_here"] not in reply.text
