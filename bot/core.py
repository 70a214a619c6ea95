"""The transport-agnostic core: a user key and a message in, a `Reply` out.

Order on every message: crisis check first (nothing may delay or break it), then matching, then
building the reply from the catalog. Telegram, the console and `lantern ask` are thin adapters
over `Lantern.reply`. The only state kept here is which users had a crisis reply recently, so the
help lines stay one tap away for their next few messages, and a short memory of what Lantern last
said to each user (bot.conversation_memory), so "yes" or "and for him?" are read against it. Both
live in memory and hold no message text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from bot.asking import asks
from bot.catalog import Catalog
from bot.concepts import FULL
from bot.config import MatchingSettings, Settings
from bot.content import OPTIONAL_CRISIS_REPLIES, ContentProblem, load_catalog
from bot.conversation_memory import (
    ConversationMemory,
    Turn,
    asks_briefly,
    chosen_number,
    names_no_topic,
    pushes_back,
    reads_as_follow_up,
)
from bot.crisis import BUILTIN_REPLY, CrisisResult, builtin_detect
from bot.hotlines import RegionNames, fill
from bot.language import greets_in_spanish, looks_spanish
from bot.matcher import MatchResult, Ranked, first_sentence
from bot.normalise import fold
from bot.reader import RELATIVES, Reader, reader_of, words_of
from bot.replies import (
    ACKNOWLEDGE_BUTTONS,
    CLARIFY_OPTIONS,
    CLARIFY_WITHIN,
    NEAR_BELOW,
    SOS,
    STARTER_COUNT,
    TOPICS,
    Reply,
    Suggestion,
)
from bot.spanish import SpanishReply, answered, read_spanish, reader_es, topics_es

log = logging.getLogger(__name__)

# After an escalation, this many further replies keep the help lines one tap away.
FOLLOW_UP_REPLIES = 3
# Topics are offered on a fallback down to `NEAR_BELOW` under the threshold (bot.replies), or this far
# below when the message names the topic's own subject: a long post scores lower against every
# example, and "is a couple of beers ok if heroin was my thing" names the topic on drinking in
# recovery though it scores under it.
_NAMED_NEAR_BELOW = 15.0
# The few interface words the built-in crisis path needs when the content cannot load at all.
_BUILTIN_UI = {
    "still_here": "I'm still here. Type /sos for help lines any time, or call or text 988 (US).",
    "sos_button": "Help now",
    "topics_button": "All topics",
    "fallback": "I can't load my answers right now. If you need help, type /sos or call or text 988 (US).",
}
# How much of a message is read to tell its language.
_LANGUAGE_CHARS = 280
# How long a risky message is remembered, so a follow-up ("ok i took them") is read against it.
RISK_MEMORY_SECONDS = 30 * 60
# At most this many conversations remembered at once (the oldest are dropped first).
_RISK_MEMORY_SIZE = 10_000
# The quiet help line under a fallback or clarify when the content cannot give one.
_BUILTIN_NET = "If you need someone to talk to right now: call or text 988 (US) or your local emergency number."
# Offered with an "elevated" reply: something concrete for tonight.
_ELEVATED_SUGGESTIONS = ("coping_low_mood", "night_cravings")
# Small talk intents that are replies to what Lantern last said (intents/smalltalk.yaml): "yes"
# opens the first topic offered, "ok" offers them again. Without a memory they answer as written.
_AGREE = "agree"
_ACKNOWLEDGE = "acknowledge"
# "And for me?" from a family member after an answer about their loved one: they ask about their own
# needs, which this feeling's acknowledgement meets (intents/smalltalk.yaml).
_NEED_SUPPORT = "feeling_need_support"
# A short statement about the writer or someone close that nothing answers is heard with this feeling's
# general acknowledgement ("tell me more"), up to this many words.
_HEARD = "feeling_heard"
_TOLD_MOST_WORDS = 20
_PERSONAL = frozenset({"i", "im", "ive", "id", "ill", "me", "my", "myself", "we", "were", "us", "our", "he", "she",
                       "him", "her", "his", "hes", "shes", "they", "them", "their"}) | RELATIVES
# The same in Spanish (accents folded): the writer, and the people close to them.
_PERSONAL_ES = frozenset({
    "yo", "mi", "mis", "estoy", "estamos", "nuestro", "nuestra", "nuestros", "conmigo", "ella",
    "ellos", "hijo", "hija", "hijos", "mijo", "mija", "esposo", "esposa", "marido", "mujer", "novio", "novia",
    "pareja", "hermano", "hermana", "papa", "mama", "padre", "madre", "nieto", "nieta", "amigo", "amiga", "familia",
    "tio", "tia", "sobrino", "sobrina", "primo", "prima"})
# A reply to what Lantern said is a few words: in a longer message, "all right" or "i dont think"
# is part of something else.
_REPLIES = frozenset({_AGREE, _ACKNOWLEDGE, "decline"})
_REPLY_MOST_WORDS = 5
# A feeling is read anywhere in a message of at most this many words, and such a message torn between a
# feeling and one topic is the feeling said; in a longer post, a feeling is read only in its opening
# sentence, and nothing torn makes it one. Further in, feeling words are mostly the story around a
# question Lantern cannot answer ("makes me upset or angry"), and acknowledging a feeling the post was
# not about serves worse than an honest "not sure".
_FEELING_MOST_WORDS = 40
# A follow-up scoring this much on its own is its own question, whatever came before.
_CLEAR_ON_ITS_OWN = 85.0


class Lantern:
    """One conversation engine; safe to share across users (per-user state is a counter and a few
    answer ids, see the module docstring)."""

    def __init__(self, catalog: Catalog | None, default_region: str = "US",
                 memory: ConversationMemory | None = None) -> None:
        self._catalog = catalog
        self._default_region = default_region
        # user key -> (replies left that carry the help lines, the crisis reply's language): the lines
        # after a crisis reply follow its language ("ok" is no language).
        self._open_escalations: dict[str, tuple[int, str]] = {}
        # user key -> (category, when): the last risk seen in a conversation. No text is kept.
        self._risk: dict[str, tuple[str, float]] = {}
        self._memory = memory if memory is not None else ConversationMemory()

    @classmethod
    def from_settings(cls, settings: Settings) -> Lantern:
        """Load the content; if it cannot load, still start, with the built-in crisis reply."""
        return cls(try_load(settings.content.intents_dir, settings.content.responses_dir, settings.matching),
                   settings.region)

    @property
    def catalog(self) -> Catalog | None:
        return self._catalog

    def swap_catalog(self, catalog: Catalog) -> None:
        """Live reload: one reference swap, so a message sees either the old or the new catalog."""
        self._catalog = catalog

    def forget(self, user_key: str) -> None:
        self._open_escalations.pop(user_key, None)
        self._risk.pop(user_key, None)
        self._memory.forget(user_key)

    # --- replies -------------------------------------------------------------------------------

    def reply(self, user_key: str, text: str, *, region: str | None = None) -> Reply:
        """The reply to one message. Never raises: any failure after the crisis check is logged.

        Three levels: a crisis takes the reply over; a message that touches a risk (or comes
        after one) gets its answer with the help line beside it; and every fallback and clarify
        carries a quiet help line, so a miss never ends in a reply with no number.
        """
        text = text if isinstance(text, str) else ""
        lang = "es" if self._is_spanish(text) and not self._loanword_in_english(user_key, text) else "en"
        crisis = self._in_context(user_key, text, self._detect(text, lang), lang)
        if crisis is not None and crisis.full:
            return self._crisis_reply(user_key, crisis, region)
        spanish = None
        try:
            spanish = self._spanish_reply(text, user_key, region) if self._in_spanish(lang, user_key, text) else None
            reply = spanish or self._answer_message(text, user_key, region)
        except Exception:
            log.exception("reply failed after the crisis check (message text not logged)")
            reply = Reply("fallback", self.ui("content_unavailable", region_code=region))
        if crisis is not None:
            reply = self._with_help_line(reply, crisis, region)
        reply = self._keep_help_near(user_key, reply, "es" if spanish else lang, region)
        if reply.kind in ("fallback", "clarify") and not reply.help_line:
            reply = self._with_net(reply, region)
        return reply

    def answer(self, answer_id: str, *, user_key: str | None = None, region: str | None = None) -> Reply:
        """A topic asked for directly (a button press): no matching involved."""
        turn = self._memory.recall(user_key) if user_key else None
        # Right after a crisis reply the conversation is forgotten, but not the crisis reply's language.
        said_in = turn.lang if turn else self._open_escalations.get(user_key or "", (0, "en"))[1]
        if answer_id == SOS:
            return self.sos(region, said_in)
        catalog = self._catalog
        spanish = self._spanish_button(answer_id, user_key, region) if said_in == "es" else None
        if spanish is not None:
            reply = spanish
        elif answer_id == TOPICS and catalog is not None:
            reply = Reply("answer", self.ui("topics_header"), suggestions=self.topics())
        elif catalog is None or answer_id not in catalog.answers:
            return self._fallback(None, ())
        else:
            reader = turn.reader if turn else "unknown"
            reply = self._answer_reply(catalog, answer_id, 100.0, reader=reader, region=region)
            if user_key:
                self._remember(user_key, reply, reader)
        lang = "es" if spanish is not None else "en"
        return self._keep_help_near(user_key, reply, lang, region) if user_key else reply

    def sos(self, region: str | None = None, lang: str = "en") -> Reply:
        """Help lines at once, with no matching involved (in Spanish after a Spanish reply)."""
        return self._render_crisis(CrisisResult(SOS, lang=lang), region)

    def topics(self) -> tuple[Suggestion, ...]:
        catalog = self._catalog
        if catalog is None:
            return ()
        return tuple(Suggestion(a.id, a.title) for a in catalog.topic_answers())

    def starter_topics(self) -> tuple[Suggestion, ...]:
        """What an unsure reply offers: a few topics and "All topics". Thirty-odd buttons are a wall
        on a phone, for someone who was just told they were not understood."""
        catalog = self._catalog
        if catalog is None:
            return ()
        chosen = catalog.starter_topics or tuple(a.id for a in catalog.topic_answers()[:STARTER_COUNT])
        return (*_buttons(catalog, chosen), self._all_topics())

    def _starters_after(self, near: tuple[str, ...]) -> tuple[Suggestion, ...]:
        """The starter topics that fill up, after the nearby topics offered first, to as many buttons
        as an unsure reply shows anyway; then "All topics"."""
        starters = [s for s in self.starter_topics() if s.answer_id not in near]
        room = max(0, STARTER_COUNT - len(near))
        return (*[s for s in starters if s.answer_id != TOPICS][:room], self._all_topics())

    def _all_topics(self) -> Suggestion:
        return Suggestion(TOPICS, self.ui("topics_button"))

    def ui(self, key: str, *, region_code: str | None = None, lang: str = "en", **values: str) -> str:
        """An interface text with the help lines of `region_code` (the user's region; None: the default).

        A missing key gives the key's name rather than failing a reply. `values` win over the
        region's own, so `ui("region_set", region="Australia")` names the region just chosen.
        `lang="es"`: the Spanish text (interface_es) with the region's Spanish lines, where there is one.
        """
        catalog = self._catalog
        if catalog is not None and lang == "es" and key in catalog.interface_es:
            return fill(catalog.interface_es[key], self._region_values(catalog, region_code, "es") | values)
        template = catalog.interface.get(key) if catalog else None
        if catalog is None or template is None:
            if key == "content_unavailable":
                return BUILTIN_REPLY
            return _BUILTIN_UI.get(key, key.replace("_", " "))
        return fill(template, self._region_values(catalog, region_code) | values)

    def _region_values(self, catalog: Catalog, region: str | None, lang: str = "en") -> dict[str, str]:
        """What fills `{emergency}`, `{crisis}` and the rest for a region (in Spanish for a Spanish
        reply): numbers are never written into answers or interface texts, so a user in the UK is
        never told to call 911."""
        return catalog.region(region or self._default_region).values(lang)

    def regions(self) -> dict[str, str]:
        """Code -> name of every region; an alias such as 'GB' (the UK) is also found in it."""
        catalog = self._catalog
        return RegionNames({c: r.name for c, r in catalog.regions.items()} if catalog else {"US": "United States"})

    # --- the pieces ----------------------------------------------------------------------------

    def _detect(self, text: str, lang: str) -> CrisisResult | None:
        catalog = self._catalog
        try:
            if catalog is not None:
                return _in_language(catalog.detector.detect(text), lang)
        except Exception:
            log.exception("crisis detector failed; using the built-in core")
        return _in_language(builtin_detect(text), lang)

    @staticmethod
    def _is_spanish(text: str) -> bool:
        """Read from the message's start: a language shows in its first words, and a long post
        must not cost what a page does."""
        try:
            return looks_spanish(text[:_LANGUAGE_CHARS])
        except Exception:
            log.exception("language check failed (message text not logged)")
            return False

    def _loanword_in_english(self, user_key: str, text: str) -> bool:
        """"Gracias" alone after English replies is a loanword: the conversation stays English. To open
        a conversation, or after Spanish replies, it is Spanish."""
        turn = self._memory.recall(user_key)
        return turn is not None and turn.lang == "en" and greets_in_spanish(text)

    def _in_context(self, user_key: str, text: str, crisis: CrisisResult | None, lang: str) -> CrisisResult | None:
        """Read a message against the conversation's last risk: "ok i took them" after talk of
        pills is an emergency, and a second touch of risk is not a soft one any more."""
        now = time.monotonic()
        remembered = self._risk.get(user_key)
        if remembered is not None and now - remembered[1] > RISK_MEMORY_SECONDS:
            remembered = None
            del self._risk[user_key]
        if remembered is not None:
            if crisis is not None and not crisis.full:
                crisis = replace(crisis, level=FULL)
            elif crisis is None and self._follows_up(text):
                crisis = CrisisResult(remembered[0], lang=lang)
        if crisis is not None:
            self._remember_risk(user_key, crisis.category, now)
        return crisis

    def _follows_up(self, text: str) -> bool:
        catalog = self._catalog
        try:
            return catalog is not None and catalog.detector.is_follow_up(text)
        except Exception:
            log.exception("follow-up check failed (message text not logged)")
            return False

    def _remember_risk(self, user_key: str, category: str, now: float) -> None:
        self._risk.pop(user_key, None)
        if len(self._risk) >= _RISK_MEMORY_SIZE:
            del self._risk[next(iter(self._risk))]
        self._risk[user_key] = (category, now)

    def _crisis_reply(self, user_key: str, crisis: CrisisResult, region: str | None) -> Reply:
        self._open_escalations[user_key] = (FOLLOW_UP_REPLIES, crisis.lang)
        return self._render_crisis(crisis, region)

    def _with_help_line(self, reply: Reply, crisis: CrisisResult, region: str | None) -> Reply:
        """The soft level: the answer as asked, with the help line for what the message touched."""
        line = self._crisis_text(f"soft_{crisis.category}", crisis.lang, region) or self._net_line(region, crisis.lang)
        sos = Suggestion(SOS, self.ui("sos_button", lang=crisis.lang))
        return replace(reply, text=f"{reply.text}\n\n{line}", suggestions=(sos, *reply.suggestions),
                       help_line=True, urgent=True)

    def _with_net(self, reply: Reply, region: str | None) -> Reply:
        return replace(reply, text=f"{reply.text}\n\n{self._net_line(region)}", help_line=True)

    def _net_line(self, region: str | None, lang: str = "en") -> str:
        return self._crisis_text("net", lang, region) or _BUILTIN_NET

    def _crisis_text(self, key: str, lang: str, region: str | None) -> str | None:
        """A crisis text filled for the region (and language): None when the content lacks it."""
        catalog = self._catalog
        if catalog is None:
            return None
        try:
            template = catalog.crisis_reply(key, lang)
            return fill(template, self._region_values(catalog, region, lang)) if template else None
        except Exception:
            log.exception("crisis text '%s' could not be filled", key)
            return None

    def _in_spanish(self, lang: str, user_key: str, text: str) -> bool:
        """A Spanish message, or a bare choice ("2") after a Spanish reply: that reply offered the choices."""
        if lang == "es":
            return True
        if chosen_number(text) is None:
            return False
        turn = self._recall(user_key)
        return turn is not None and turn.lang == "es"

    def _spanish_reply(self, text: str, user_key: str, region: str | None) -> Reply | None:
        """A Spanish message that is no crisis: its Spanish topic, else a Spanish "which did you mean"
        or the Spanish notice (bot.spanish). None when there is no content to answer from."""
        catalog = self._catalog
        if catalog is None or "spanish_notice" not in catalog.interface:
            return None
        turn = self._recall(user_key)
        offered = turn.offered if turn is not None and turn.lang == "es" else ()
        reader = reader_es(catalog, text, turn.reader if turn else "unknown")
        spanish = catalog.spanish_view
        def feeling(said: str, result: MatchResult) -> str | None:
            return _feeling_said(spanish, said, result, personal=_PERSONAL_ES)
        found = read_spanish(catalog, text, self._region_values(catalog, region, "es"), self._net_line(region, "es"),
                             offered, reader, feeling)
        return self._remember_spanish(user_key, replace(found, reader=reader))

    def _spanish_button(self, answer_id: str, user_key: str | None, region: str | None) -> Reply | None:
        """A topic button pressed after a Spanish reply: its Spanish text (None: it has none, English serves)."""
        catalog = self._catalog
        if catalog is None:
            return None
        if not (catalog.topic_answers_es() if answer_id == TOPICS else answer_id in catalog.answers_es):
            return None
        values = self._region_values(catalog, region, "es")
        turn = self._memory.recall(user_key) if user_key else None
        reader = turn.reader if turn else "unknown"
        found = (topics_es(catalog, values, reader) if answer_id == TOPICS
                 else answered(catalog, answer_id, values, 100.0, reader=reader))
        return self._remember_spanish(user_key, found)

    def _remember_spanish(self, user_key: str | None, found: SpanishReply) -> Reply:
        if user_key is not None:
            self._memory.remember(user_key, topic=found.topic, offered=found.offered, kind=found.reply.kind,
                                  reader=found.reader, lang="es")
        return found.reply

    def _render_crisis(self, crisis: CrisisResult, region: str | None) -> Reply:
        try:
            catalog = self._catalog
            if catalog is None:
                raise LookupError("no catalog")
            values = self._region_values(catalog, region, crisis.lang)
            category = crisis.category if crisis.category in catalog.crisis_replies \
                else OPTIONAL_CRISIS_REPLIES[crisis.category]
            parts = [fill(catalog.crisis_reply(category, crisis.lang), values)]
            parts += [fill(catalog.crisis_reply(f"also_{c}", crisis.lang), values) for c in crisis.also
                      if f"also_{c}" in catalog.crisis_replies]
            names = _ELEVATED_SUGGESTIONS if crisis.category == "elevated" else ()
            titled = catalog.answers_es if crisis.lang == "es" else catalog.answers
            suggestions = tuple(Suggestion(a, (titled.get(a) or catalog.answers[a]).title)
                                for a in names if a in catalog.answers)
            return Reply("crisis", "\n\n".join(parts), crisis=crisis.category, score=100.0,
                         suggestions=suggestions, urgent=True, help_line=True)
        except Exception:
            if self._catalog is not None:
                log.exception("crisis reply could not be built from content; sending the built-in one")
            return Reply("crisis", BUILTIN_REPLY, crisis=crisis.category, score=100.0, urgent=True, help_line=True)

    # --- matching, read against the conversation so far --------------------------------------------

    def _answer_message(self, text: str, user_key: str | None = None, region: str | None = None) -> Reply:
        """Match one message and build its reply. With a user key, the message is read against what
        Lantern last said to that user (bot.conversation_memory), and the reply is remembered."""
        catalog = self._catalog
        if catalog is None:
            return Reply("fallback", self.ui("content_unavailable"))
        turn = self._recall(user_key)
        reader = reader_of(text, turn.reader if turn else "unknown")
        reply, offered = self._reply_in_context(catalog, text, turn, reader, region)
        if user_key is not None:
            self._remember(user_key, reply, reader, offered)
        return reply

    def _recall(self, user_key: str | None) -> Turn | None:
        """The user's last turn; none right after a crisis reply ("yes" then must not open a topic
        offered before the crisis)."""
        if user_key is None:
            return None
        if self._open_escalations.get(user_key, (0, ""))[0] == FOLLOW_UP_REPLIES:
            self._memory.forget(user_key)
            return None
        return self._memory.recall(user_key)

    def _remember(self, user_key: str, reply: Reply, reader: Reader, offered: tuple[str, ...] | None = None) -> None:
        """What a next "yes", "the first one" or "and for him?" will be read against: the topic
        answered and the topics offered to pick from (`offered`; by default the reply's buttons
        other than the help lines and the menu), ids only."""
        catalog = self._catalog
        intent = catalog.intent(reply.intent) if catalog and reply.intent else None
        topic = intent.answer if intent is not None and intent.kind == "answer" else None
        if intent is None and reply.kind == "answer" and catalog and reply.intent in catalog.answers:
            topic = reply.intent  # a topic asked for directly
        if offered is None:
            offered = tuple(s.answer_id for s in reply.suggestions if s.answer_id not in {SOS, TOPICS})
        self._memory.remember(user_key, topic=topic, offered=offered, kind=reply.kind, reader=reader)

    def _reply_in_context(self, catalog: Catalog, text: str, turn: Turn | None, reader: Reader,
                          region: str | None = None) -> tuple[Reply, tuple[str, ...] | None]:
        """The reply, and the topics it offers to pick from when not simply its buttons."""
        offered = tuple(a for a in turn.offered if a in catalog.answers) if turn else ()  # a reload may drop one
        if offered:
            number = chosen_number(text)
            if number is not None and number != 0 and -len(offered) <= number <= len(offered):
                picked = offered[number - 1 if number > 0 else number]
                return self._answer_reply(catalog, picked, 100.0, reader=reader, region=region), None
        result = catalog.matcher.match(text)
        if turn is not None and turn.topic in catalog.answers and pushes_back(text):
            pushback = self._other_topics(catalog, turn.topic, result)
            if pushback is not None:
                return pushback, tuple(s.answer_id for s in pushback.suggestions)
        if result.best is not None and result.best.intent in _REPLIES and len(words_of(text)) > _REPLY_MOST_WORDS:
            result = catalog.matcher.without(result, _REPLIES)
        if self._asks_for_the_family(catalog, turn, reader, text):
            result, reader = MatchResult("answer", (Ranked(_NEED_SUPPORT, 100.0),), result.canonical), "family"
        elif reads_as_follow_up(text) or (turn is not None and asks_briefly(text)):
            result = self._follow_up(catalog, text, turn.topic if turn else None, result)
        intent = catalog.intent(result.best.intent) if result.kind == "answer" and result.best else None
        if offered and intent is not None and result.best is not None:
            if intent.id == _AGREE:
                return self._answer_reply(catalog, offered[0], result.best.score, reader=reader, region=region), None
            if intent.id == _ACKNOWLEDGE:
                reply = self._answer_reply(catalog, intent.answer, result.best.score, intent.id, intent.kind, reader,
                                           region)
                again = _buttons(catalog, offered)
                return replace(reply, suggestions=again), offered
        if result.kind in ("clarify", "fallback") and (feeling := _feeling_said(catalog, text, result)) is not None:
            near = _options(catalog, result.ranked) if result.kind == "clarify" else self._near(catalog, result)
            reply = self._acknowledge(catalog, feeling, near, result, reader, region)
            return reply, tuple(s.answer_id for s in reply.suggestions)
        if result.kind == "fallback":
            near = self._near(catalog, result)
            return self._fallback(result.canonical, near, result.best.score if result.best else 0.0), near
        return self._reply_to(catalog, text, result, reader, region), None

    @staticmethod
    def _asks_for_the_family(catalog: Catalog, turn: Turn | None, reader: Reader, text: str) -> bool:
        """"And for me?" after an answer about a loved one that has no words for the person in recovery
        (supporting them, say): the family member asks about their own needs. Where the answer has such
        words (relapse), "for me" asks for those."""
        if turn is None or turn.reader != "family" or reader != "self" or not names_no_topic(text):
            return False
        answer = catalog.answers.get(turn.topic) if turn.topic else None
        return answer is not None and answer.for_self is None and catalog.intent(_NEED_SUPPORT) is not None

    def _other_topics(self, catalog: Catalog, topic: str, own: MatchResult) -> Reply | None:
        """"What if that doesnt work", "we already tried that" after an answer: the same answer again
        would not be listening, so "which did you mean" offers the topics next to it. None when the
        message is clearly a different question of its own."""
        best = own.best
        if own.kind == "answer" and best is not None and best.score >= _CLEAR_ON_ITS_OWN:
            intent = catalog.intent(best.intent)
            if intent is not None and intent.kind == "answer" and intent.answer != topic:
                return None
        others = tuple(a for a in catalog.answers[topic].follow_ups if a in catalog.answers and a != topic)
        if not others:
            return None
        return self._clarify(catalog, others, best.score if best else 0.0)

    def _follow_up(self, catalog: Catalog, text: str, topic: str | None, own: MatchResult) -> MatchResult:
        """A follow-up ("and how long does that last?", "what about for him?") read with the last
        topic. Naming only a person, it asks that topic again (for that reader). Clear on its own and
        naming its own subject ("and what about sleep? i cant sleep"), it is its own question, unless the
        last topic leads the message read with it and fits better there: "do i need a prescription"
        after naloxone is about naloxone, though alone it is about methadone (a substance it names,
        "and what if its fentanyl", is always its own subject). Otherwise it is the last topic if the
        message read with that topic's title fits it ("where do i get it" after naloxone), else what it
        says."""
        intent_id = _topic_intent(catalog, topic) if topic in catalog.answers else None
        if intent_id is None:
            # "what about for him?" with nothing before it: no topic to guess from its few words
            return MatchResult("fallback", own.ranked, own.canonical) if names_no_topic(text) else own
        if names_no_topic(text):
            return MatchResult("answer", (Ranked(intent_id, 100.0),), own.canonical)
        best = own.best
        # Thanks, a goodbye or "ok" said outright is what it is, whatever "that" points back to
        # ("thanks, that helps" after the withdrawal answer is no question about withdrawal).
        if own.kind == "answer" and best is not None and _is_pleasantry(catalog, best.intent):
            return own
        clear = own.kind == "answer" and best is not None and best.score >= _CLEAR_ON_ITS_OWN and own.anchored
        # A substance named ("and what if its fentanyl") is the message's own subject: no need to read it
        # with the last topic at all. A generic word ("prescription") is not: when the last topic leads
        # the message read with it, it must be beaten.
        if clear and catalog.matcher.names_substance(own.canonical):
            return own
        _, joined = catalog.matcher.rank(f"{text} {catalog.answers[topic].title}")
        fit = next((r.score for r in joined if r.intent == intent_id), 0.0)
        leads = bool(joined) and joined[0].intent == intent_id
        if clear and not (leads and best.score < fit):
            return own
        if fit >= catalog.threshold:
            return MatchResult("answer", (Ranked(intent_id, fit),), own.canonical)
        return own

    def _reply_to(self, catalog: Catalog, text: str, result: MatchResult, reader: Reader,
                  region: str | None = None) -> Reply:
        if result.kind == "empty":
            key = "no_words" if text.strip() else "empty"
            return Reply("fallback", self.ui(key), suggestions=self.starter_topics())
        best = result.best
        if result.kind == "answer" and best is not None:
            intent = catalog.intent(best.intent)
            if intent.kind == "outside":
                return self._outside_reply(catalog, intent.answer, result, region)
            return self._answer_reply(catalog, intent.answer, best.score, intent.id, intent.kind, reader, region)
        if result.kind == "clarify" and not _outside(catalog, best.intent):
            return self._clarify(catalog, _options(catalog, result.ranked), best.score)
        # Unsure, and most like something Lantern does not cover: "not sure", with any topic it came near.
        return self._fallback(result.canonical, self._near(catalog, result), best.score if best else 0.0)

    def _outside_reply(self, catalog: Catalog, answer_id: str, result: MatchResult, region: str | None) -> Reply:
        """A message plainly about something Lantern does not cover (homework, taxes, a recipe): saying so
        is honest, where the nearest topic would be a confident wrong answer. It is a fallback all the
        same (the quiet help line, the starter topics, the operators' unmatched list)."""
        text = fill(catalog.answers[answer_id].text, self._region_values(catalog, region))
        score = result.best.score if result.best else 0.0
        return Reply("fallback", text, score=score, suggestions=self.starter_topics(),
                     unmatched_text=result.canonical or None)

    def _clarify(self, catalog: Catalog, answer_ids: tuple[str, ...], score: float) -> Reply:
        """"Which did you mean", with those topics as buttons."""
        return Reply("clarify", self.ui("clarify"), score=score, suggestions=_buttons(catalog, answer_ids))

    def _acknowledge(self, catalog: Catalog, feeling: str, near: tuple[str, ...], result: MatchResult, reader: Reader,
                     region: str | None) -> Reply:
        """A feeling in a message nothing else answers: a warm word and a gentle next step (the topics
        the message came near, then the feeling's own follow-ups), with the quiet help line a
        fallback would carry. The message stays in the operators' unmatched list."""
        intent = catalog.intent(feeling)
        assert intent is not None
        reply = self._answer_reply(catalog, intent.answer, result.best.score if result.best else 0.0, intent.id,
                                   intent.kind, reader, region)
        follow_ups = tuple(s.answer_id for s in reply.suggestions)
        chosen = tuple(dict.fromkeys((*near, *follow_ups)))[:ACKNOWLEDGE_BUTTONS]
        suggestions = _buttons(catalog, chosen)
        # A feeling's own words may already hold the help line ("{crisis}"): one line, not two.
        own_line = "{crisis}" in catalog.answers[intent.answer].text
        text = reply.text if own_line else f"{reply.text}\n\n{self._net_line(region)}"
        return replace(reply, text=text, suggestions=suggestions, help_line=True,
                       unmatched_text=result.canonical or None)

    @staticmethod
    def _near(catalog: Catalog, result: MatchResult) -> tuple[str, ...]:
        """The answers of topics just under the threshold, or further under it when the message names
        their subject: small talk is no topic to offer."""
        floor, named = catalog.threshold - NEAR_BELOW, catalog.threshold - _NAMED_NEAR_BELOW
        intents = (catalog.intent(r.intent) for r in result.ranked if r.score >= floor or (
            r.score >= named and catalog.matcher.names_subject(r.intent, result.canonical)))
        return tuple(dict.fromkeys(i.answer for i in intents if i is not None and i.kind == "answer"))

    def _answer_reply(self, catalog: Catalog, answer_id: str, score: float, intent_id: str | None = None,
                      kind: str = "answer", reader: Reader = "unknown", region: str | None = None) -> Reply:
        answer = catalog.answers[answer_id]
        follow_ups = tuple(Suggestion(f, catalog.answers[f].title) for f in answer.follow_ups)
        text = fill(answer.text_for(reader), self._region_values(catalog, region))
        return Reply("smalltalk" if kind == "smalltalk" else "answer", text,
                     intent=intent_id or answer_id, score=score, suggestions=follow_ups, sources=answer.sources)

    def _fallback(self, canonical: str | None, near: tuple[str, ...], score: float = 0.0) -> Reply:
        catalog = self._catalog
        if near and catalog is not None:
            text = f"{self.ui('fallback')}\n\n{self.ui('fallback_suggest')}"
            suggestions = (*_buttons(catalog, near), *self._starters_after(near))
        else:
            text, suggestions = self.ui("fallback"), self.starter_topics()
        return Reply("fallback", text, score=score, suggestions=suggestions, unmatched_text=canonical or None)

    def _keep_help_near(self, user_key: str, reply: Reply, lang: str = "en", region: str | None = None) -> Reply:
        """After an escalation, a few more replies carry the help lines: one 'I'm fine' is not the end.
        They are in the crisis reply's language unless this message is Spanish itself."""
        left, crisis_lang = self._open_escalations.get(user_key, (0, lang))
        if left <= 0:
            return reply
        lang = "es" if lang == "es" else crisis_lang
        if left == 1:
            del self._open_escalations[user_key]
        else:
            self._open_escalations[user_key] = (left - 1, crisis_lang)
        sos = Suggestion(SOS, self.ui("sos_button", lang=lang))
        if reply.help_line:  # the soft level already put a help line and the button on it
            return replace(reply, urgent=True)
        line = self._crisis_text("still_here", lang, region) or self.ui("still_here", region_code=region)
        return replace(reply, text=f"{reply.text}\n\n{line}", suggestions=(sos, *reply.suggestions),
                       urgent=True, help_line=True)


def _in_language(crisis: CrisisResult | None, lang: str) -> CrisisResult | None:
    """A detection in the message's language, so its reply and help lines are in it too."""
    return replace(crisis, lang=lang) if crisis is not None and lang != crisis.lang else crisis


def _buttons(catalog: Catalog, answer_ids: Iterable[str]) -> tuple[Suggestion, ...]:
    """A button for each answer, under its title."""
    return tuple(Suggestion(a, catalog.answers[a].title) for a in answer_ids)


def _options(catalog: Catalog, ranked: tuple[Ranked, ...]) -> tuple[str, ...]:
    """What "which did you mean" offers: the best two, and a third close behind them (a long
    message that was not clearly about one topic often names the right one third)."""
    kept = [r for i, r in enumerate(ranked[:CLARIFY_OPTIONS]) if i < 2 or ranked[0].score - r.score <= CLARIFY_WITHIN]
    intents = [catalog.intent(r.intent) for r in kept]
    topics = [i.answer for i in intents if i is not None and i.kind == "answer"]
    return tuple(dict.fromkeys(topics or [i.answer for i in intents if i is not None]))


def _feelings_stated(catalog: Catalog, text: str) -> list[str]:
    """The feeling intents (in the order written) with one of their keywords in the message, or in a
    long post's opening sentence (its title, as often as not: "I am having a hard time tonight")."""
    said = text if len(words_of(text)) <= _FEELING_MOST_WORDS else first_sentence(text)
    hits = catalog.matcher.stated_keyword_intents(said, catalog.feelings)
    if hits:
        hits -= catalog.matcher.ruled_out(said)
    return [i.id for i in catalog.intents if i.id in hits]


def _feeling_in(catalog: Catalog, text: str) -> str | None:
    """The first feeling the message states (see `_feelings_stated`)."""
    return next(iter(_feelings_stated(catalog, text)), None)


def _feeling_said(catalog: Catalog, text: str, result: MatchResult, *,
                  personal: frozenset[str] = _PERSONAL) -> str | None:
    """The feeling a message states: a feeling matched outright, or one stated where no topic answers
    (nothing close, or a short message torn between a feeling and one topic), by the rules above. Both
    languages ask it here; the Spanish path passes a catalog with the Spanish intents and matcher, and
    the Spanish words `_told` reads who a statement is about by (`personal`)."""
    if result.kind == "answer":
        return result.best.intent if result.best is not None and _is_feeling(catalog, result.best.intent) else None
    if result.kind == "fallback":
        return _feeling_in(catalog, text) or _told(catalog, text, personal)
    if result.kind == "clarify" and len(words_of(text)) <= _FEELING_MOST_WORDS:
        if len(_options(catalog, result.ranked)) < 2:
            # A feeling named in the message's own words says more than one the ranking came near; of
            # several named, the one the ranking came nearest.
            stated, near = _feelings_stated(catalog, text), _feeling_ranked(catalog, result.ranked, text)
            return near if near in stated or not stated else stated[0]
        # Torn between topics, a message that states a feeling and asks nothing ("feel so guilty for
        # kicking him out") is heard first; the topics it was torn between are its buttons all the
        # same. A question ("how do i bring up depression with my doctor") is asked which was meant.
        return None if asks(text) else _feeling_in(catalog, text)
    return None


def _told(catalog: Catalog, text: str, personal: frozenset[str]) -> str | None:
    """A short message nothing answers that asks nothing and tells of the writer or someone close ("he
    left again tonight and took the car"): it is heard (`feeling_heard`, "tell me more"), never met
    with "I'm not sure I understood". None for a question, a long post, or words about nobody."""
    words = words_of(fold(text))
    if not words or len(words) > _TOLD_MOST_WORDS or asks(text) or catalog.intent(_HEARD) is None:
        return None
    return _HEARD if not personal.isdisjoint(words) and _HEARD not in catalog.matcher.ruled_out(text) else None


def _feeling_ranked(catalog: Catalog, ranked: tuple[Ranked, ...], text: str) -> str | None:
    """A feeling among the intents "which did you mean" is torn between, in a short message with one
    topic at most to offer ("i feel like a failure as a parent": a low-mood topic or a parent's guilt): one button
    under "did you mean" leaves the feeling unheard, so it is acknowledged with that topic under it."""
    ruled_out = catalog.matcher.ruled_out(text)
    return next((r.intent for r in ranked[:2] if _is_feeling(catalog, r.intent) and r.intent not in ruled_out), None)


def _is_pleasantry(catalog: Catalog, intent_id: str) -> bool:
    """Small talk that is no feeling: thanks, a greeting, a goodbye, "ok"."""
    intent = catalog.intent(intent_id)
    return intent is not None and intent.kind == "smalltalk" and not _is_feeling(catalog, intent_id)


def _outside(catalog: Catalog, intent_id: str) -> bool:
    """Whether an intent is one of what Lantern does not cover (intents/outside.yaml)."""
    intent = catalog.intent(intent_id)
    return intent is not None and intent.kind == "outside"


def _is_feeling(catalog: Catalog, intent_id: str) -> bool:
    """A feeling said (`Catalog.feelings`), not a pleasantry: when no topic answers a message that
    names one anywhere, it is acknowledged warmly instead of "I'm not sure I understood"."""
    return intent_id in catalog.feelings


def _topic_intent(catalog: Catalog, answer_id: str) -> str | None:
    """The first topic intent that leads to an answer (what a re-asked topic is reported as)."""
    return next((i.id for i in catalog.intents if i.answer == answer_id and i.kind == "answer"), None)


def try_load(intents_dir: Path, responses_dir: Path, matching: MatchingSettings) -> Catalog | None:
    """The catalog, or None (with the problems logged) so Lantern can still answer crises."""
    try:
        catalog = load_catalog(intents_dir, responses_dir, matching)
    except ContentProblem as exc:
        problems = exc.problems
    else:
        # A pattern that can backtrack without end could hold every chat on one message: such a
        # lexicon is not served at start-up, as a live reload would not apply it either.
        from bot.validate import pattern_shapes  # validate builds on this module

        problems = [str(finding) for finding in pattern_shapes(catalog)]
        if not problems:
            return catalog
    for problem in problems:
        log.error("content problem: %s", problem)
    log.error("content could not load: serving crisis replies only")
    return None
