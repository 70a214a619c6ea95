"""Is a message written in Spanish? A cheap guess from common words, so Lantern can answer a crisis
in Spanish and tell someone writing in Spanish that its topic answers are in English for now.

Words, not letters: a message is scored on the Spanish and English words it holds (function words,
the everyday words of the people Lantern is for, and chat spellings such as "q", "xq", "kiero"),
plus word endings for words in neither list. It reads text without accents and with typos alike,
and a few Spanish loanwords ("gracias", "my abuela") do not turn an English message Spanish.
Not for detecting crises or for translating: `bot.crisis` reads Spanish crisis phrases itself.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.normalise import fold

# Marks English never uses: any of them is strong evidence on its own.
_SPANISH_MARKS = frozenset("ñ¿¡áéíóú")
_WORD = re.compile(r"[a-z]+")
# Only the start of a long message is read: a post of a thousand words costs what a short one does.
_MAX_WORDS = 80

# Spanish words that are not English words. Function words first, then everyday words of families,
# feelings, drugs and crisis, then chat spellings.
_SPANISH = frozenset("""
de del las el los que en un una unos unas por para con pero porque como cuando donde
muy mas mi mis tu tus su sus les nos es esta estas este esto estos eso esa ese esos esas
estoy estamos estan fue era soy eres somos hay ha han hace hizo hacer hago tengo tiene tienes
tienen tenia quieres quiere queria puedo puedes puede podria necesita sabe
cual quien quienes algo alguien nadie nada siempre nunca tambien tampoco todavia ahora hoy ayer
manana noche dia dias sin sobre entre hasta desde mucha muchos poco otra otro todo todos
toda todas ella ellos ellas usted ustedes nosotros mio mia pues entonces aqui alli asi bien mal
hijo hija hijos hijas esposo esposa marido mujer novio novia hermano hermana padre madre
primo prima tio tia nieto nieta pareja ayuda ayudar ayudo consejo dejar deje dejo droga drogas
pastilla adiccion adicto adicta tratamiento recaida vida morir muerte muerto muerta matar mata
suicidio suicidar respirar despertar muero miedo triste tristeza deprimido deprimida depresion
preocupado preocupa sola llorar lloro dolor ansiedad cansado cansada aguanto aguantar dice dijo
decir digo habla hablar pasa paso pasando sigue seguir estar ser va voy pega golpea pistola
cuchillo arma peligro policia labios morados morado azules azul boca cara frio fria
estaria seria mejor peor corto corte corta brazos siento sentido mato muera funciona tome tomo
tomar inyecte inyecto salida veo pelo llamada cuanto cuanta tiempo dura suicida suicidas creo parece
consigo conseguir sintomas senales tratar cuesta pagar seguro apoyar limites buenas buenos noches tardes muchas
q xq pq porq tmb tb ntp xfa porfa pa toy tas kiero kieres weno aki ke
""".split())
# Long words no English message holds: one of them alone marks a message Spanish ("sobredosis").
_UNMISTAKABLE = frozenset("""
quiero necesito ayudame sobredosis suicidarme morirme matarme respira despierta reacciona
pastillas heroina preocupada desmayo desmayado desmayada abstinencia esperanza demasiado demasiada
ojala naloxona metadona buprenorfina naltrexona fentanilo malilla recayo recaer desintoxicacion
""".split())
# Spanish words English speakers also use ("gracias", "amigo", "my abuela"): half weight, so
# one of them in an English message is not enough.
_LOANWORDS = frozenset("""
gracias hola adios amigo amiga abuela abuelo mama papa si no o y yo ya lo loco nada bueno
senor senora solo casa vamos mucho familia la k ta
""".split())
_ENGLISH = frozenset("""
the and is are was were to of in on for with that this what whats how why who when where which
i im ive id ill you youre your my he she it its we they them his her him our their do does did
dont doesnt didnt cant wont isnt wasnt can will would should could have has had be been being not
but or if so just about from at by an want wants need needs help know think get got like feel am
all some any there here out up very really much more too now still again after before one
daughter husband wife mom mum dad kid kids boyfriend girlfriend brother sister friend family
please thanks thank sorry okay ok yes hi hello bye night today tonight tomorrow time day mate
kill die dying dead alive life live hate going gonna wanna myself yourself himself herself people
everything nothing something anything never always because cause go make take took see say said
tell come back well good bad off over only even other than then hang stab burn pain tired sad love
hurt home work heroin heroine fentanyl video audio pills detox rehab clean sober relapse anymore
depression anxiety suicide suicidal overdose overdosed overdosing addiction addict withdrawal depressed
treatment recovery methadone suboxone naloxone narcan behavior behaviour mental health
""".split())
# A message of nothing but Spanish words and one of these ("hola", "gracias", "muchas gracias") is
# Spanish: a loanword weighs half inside an English message, but alone it is a Spanish speaker's.
_SPANISH_ALONE = frozenset({"hola", "gracias", "adios"})
# Object pronouns both languages write ("help me", "me pega"): Spanish only before a Spanish word.
_CLITICS = frozenset({"me", "te", "se", "lo", "le"})
# Endings of words in neither list: Spanish verb forms and suffixes, English ones.
_SPANISH_ENDINGS = ("ando", "iendo", "arme", "erme", "irme", "arse", "erse", "irse", "cion",
                    "ciones", "mente", "idad", "ado", "ada", "ados", "adas", "ido", "ida", "amos",
                    "emos", "imos", "aba", "aban", "ria", "rian", "ito", "ita", "ote", "eza")
_ENGLISH_ENDINGS = ("ing", "ed", "tion", "ly", "ness", "ful", "ght", "th", "ck", "sh", "ous")
_STRONG, _FULL, _HALF, _ENDING = 1.5, 1.0, 0.5, 0.25
# A word one typo away from a Spanish word ("qiero", "morime") counts for this share of it.
_NEAR = 0.75
# At least this much Spanish, and more than the English: one loanword is never enough, and a
# two-word crisis ("no respira") always is.
_MIN_SPANISH = 1.5


def looks_spanish(text: str) -> bool:
    """True when the message reads as Spanish rather than English (Spanglish: the majority wins)."""
    if not isinstance(text, str) or not text.strip():
        return False
    lowered = text.lower()
    spanish = _FULL * min(2, sum(1 for ch in lowered if ch in _SPANISH_MARKS))
    english = 0.0
    after_clitic = False
    words = _WORD.findall(fold(text))[:_MAX_WORDS]
    for word in words:
        if word in _CLITICS:
            after_clitic = True
            continue
        es, en = _weights(word)
        spanish += es + (_HALF if after_clitic and es else 0.0)
        english += en
        after_clitic = False
    if _greeting_alone(words):
        return True
    return spanish >= _MIN_SPANISH and spanish > english


def greets_in_spanish(text: str) -> bool:
    """A Spanish greeting or thanks and nothing else ("hola", "muchas gracias"): Spanish to open a
    conversation with, but in an English one it is a loanword (bot.core keeps the conversation's language)."""
    return isinstance(text, str) and _greeting_alone(_WORD.findall(fold(text))[:_MAX_WORDS])


def _greeting_alone(words: list[str]) -> bool:
    return not _SPANISH_ALONE.isdisjoint(words) and all(_known(w) for w in words)


def _known(word: str) -> float | None:
    """The Spanish weight of a word on the lists, or None for a word on none of them."""
    if word in _UNMISTAKABLE:
        return _STRONG
    if word in _LOANWORDS:
        return _HALF
    if word in _SPANISH:
        return _FULL
    return None


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1:] for i in range(len(word))]


def _near_table() -> dict[str, float]:
    """Every long Spanish word with one letter left out, and its weight: a typo that drops,
    adds or changes one letter then meets it (the symmetric-deletion trick, no distance search)."""
    table: dict[str, float] = {}
    for word in _UNMISTAKABLE | _SPANISH:
        if len(word) >= _NEAR_MIN:
            weight = _known(word) or 0.0
            for variant in (word, *_deletions(word)):
                table[variant] = max(table.get(variant, 0.0), weight)
    return table


_NEAR_MIN = 5
_NEAR_WORDS = _near_table()


@lru_cache(maxsize=50_000)
def _weights(word: str) -> tuple[float, float]:
    """How much one word says Spanish, and how much English (remembered per word: people reuse
    their words, and the typo check of an unknown word is most of reading a message)."""
    known = _known(word)
    if known is not None:
        return known, 0.0
    if word in _ENGLISH:
        return 0.0, _FULL
    if len(word) < 4:
        return 0.0, 0.0
    if len(word) >= _NEAR_MIN:
        near = max((_NEAR_WORDS.get(v, 0.0) for v in (word, *_deletions(word))), default=0.0)
        if near:
            return _NEAR * near, 0.0
    if word.endswith(_SPANISH_ENDINGS):
        return _ENDING, 0.0
    if word.endswith(_ENGLISH_ENDINGS):
        return 0.0, _ENDING
    return 0.0, 0.0
