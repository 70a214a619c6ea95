"""Replies to a Spanish message that is no crisis: the Spanish topics, or a Spanish notice.

The core (bot.core) runs this exactly where the English matching would run, after the crisis
check, and adds the help lines as it does for English. Here: a Spanish message is matched against
the Spanish intents only (`Catalog.matcher_es`, the same `Matcher` as English, built from
intents/topics_es.yaml with its own lexicon), and answered with the Spanish text of the answer
(responses/answers_es.yaml); unsure, "which did you mean" in Spanish; nothing close, the Spanish
notice (some topics in Spanish, the rest in English) with Spanish topic buttons. A feeling the
message states (intents/smalltalk_es.yaml, read by bot.core's rules) is acknowledged in Spanish
instead, with the nearby topics and the help line. Every unsure reply carries a help line in
Spanish. Pure functions over the catalog: no state, no message text kept.
Not for detecting the language (bot.language) or for crisis replies (bot.core, crisis_es.yaml).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from bot.catalog import Catalog
from bot.conversation_memory import chosen_number
from bot.hotlines import fill
from bot.matcher import MatchResult, Ranked
from bot.normalise import fold, words
from bot.reader import Reader
from bot.replies import (
    ACKNOWLEDGE_BUTTONS,
    CLARIFY_OPTIONS,
    CLARIFY_WITHIN,
    NEAR_BELOW,
    STARTER_COUNT,
    TOPICS,
    Reply,
    Suggestion,
)

# The feeling (a `feeling_*` intent id) a message no topic answered states, or None: bot.core's rules
# over the Spanish intents, handed in so that this module stays free of the core.
FeelingReader = Callable[[str, MatchResult], "str | None"]


@dataclass(frozen=True)
class SpanishReply:
    """A Spanish reply, and the topics it offers to pick from next (what a "2" will choose)."""

    reply: Reply
    offered: tuple[str, ...]
    topic: str | None = None
    reader: Reader = "unknown"


def ui_es(catalog: Catalog, key: str, values: Mapping[str, str]) -> str | None:
    """A Spanish interface text filled for the region (Spanish lines); None when there is none."""
    template = catalog.interface_es.get(key)
    return fill(template, values) if template is not None else None


def reader_es(catalog: Catalog, text: str, previous: Reader = "unknown") -> Reader:
    """Who a Spanish message is about, from the words in `readers_es` (intents/lexicon_es.yaml):
    a relative named ("mi hijo") is a family member writing; else the writer's own use ("recai",
    "tengo ganas") is the person in recovery; else what the conversation was about so far."""
    said = f" {' '.join(words(fold(text)))} "
    for reader in ("family", "self"):
        if any(f" {' '.join(words(fold(phrase)))} " in said for phrase in catalog.readers_es.get(reader, ())):
            return reader  # type: ignore[return-value]
    return previous


def read_spanish(catalog: Catalog, text: str, values: Mapping[str, str], net: str,
                 offered: tuple[str, ...] = (), reader: Reader = "unknown",
                 feeling: FeelingReader | None = None) -> SpanishReply:
    """The reply to a Spanish message. `values`: the region's Spanish lines; `net`: the Spanish help
    line for an unsure reply; `offered`: the Spanish topics the last reply offered ("2" picks one);
    `reader`: who the message is about (`reader_es`), for answers written per reader; `feeling`: reads
    a feeling stated in a message no topic answers (None: never acknowledged)."""
    offered = tuple(a for a in offered if a in catalog.answers_es)  # a reload may drop one
    number = chosen_number(text) if offered else None
    if number is not None and number != 0 and -len(offered) <= number <= len(offered):
        picked = offered[number - 1 if number > 0 else number]
        return answered(catalog, picked, values, 100.0, reader=reader)
    matcher = catalog.matcher_es
    if matcher is None:
        return notice(catalog, values, ())
    result = matcher.match(text)
    best = result.best
    said = feeling(text, result) if feeling is not None else None
    if said is not None and catalog.intent_es(said) is not None:
        # Matched outright, the feeling's own follow-ups serve; unsure, the topics it came near first.
        near = {"clarify": _options(catalog, result.ranked), "fallback": _near(catalog, result)}.get(result.kind, ())
        return acknowledged(catalog, said, near, best.score if best else 0.0, values, net, reader)
    if result.kind == "answer" and best is not None:
        intent = catalog.intent_es(best.intent)
        if intent is not None:
            return answered(catalog, intent.answer, values, best.score, intent.id, intent.kind, reader)
    if result.kind == "clarify" and best is not None:
        return _clarify(catalog, _options(catalog, result.ranked), best.score, values, net)
    return notice(catalog, values, _near(catalog, result), best.score if best else 0.0, result.canonical)


def answered(catalog: Catalog, answer_id: str, values: Mapping[str, str], score: float,
             intent_id: str | None = None, kind: str = "answer", reader: Reader = "unknown") -> SpanishReply:
    """The Spanish answer (its text for this reader), its follow-ups under their Spanish titles, its
    sources as written. Small talk ("hola", "gracias") is no topic: the last topic stays the conversation's."""
    answer = catalog.answers_es[answer_id]
    follow_ups = buttons_es(catalog, answer.follow_ups)
    reply = Reply("smalltalk" if kind == "smalltalk" else "answer", fill(answer.text_for(reader), values),
                  intent=intent_id or answer_id, score=score, suggestions=follow_ups, sources=answer.sources, lang="es")
    return SpanishReply(reply, tuple(s.answer_id for s in follow_ups), None if kind == "smalltalk" else answer_id,
                        reader)


def acknowledged(catalog: Catalog, feeling: str, near: tuple[str, ...], score: float, values: Mapping[str, str],
                 net: str, reader: Reader = "unknown") -> SpanishReply:
    """A feeling in a Spanish message nothing else answers, as English acknowledges it: its warm
    Spanish words, the topics the message came near then the feeling's own follow-ups as buttons, and
    the Spanish help line (once: a feeling's text may hold it already, "{crisis}")."""
    intent = catalog.intent_es(feeling)
    assert intent is not None
    said = answered(catalog, intent.answer, values, score, intent.id, intent.kind, reader)
    topics = {i.answer for i in catalog.intents_es if i.kind == "answer"}
    chosen = tuple(dict.fromkeys((*(a for a in near if a in topics), *said.offered)))[:ACKNOWLEDGE_BUTTONS]
    suggestions = buttons_es(catalog, chosen)
    own_line = "{crisis}" in catalog.answers_es[intent.answer].text
    text = said.reply.text if own_line else f"{said.reply.text}\n\n{net}"
    reply = replace(said.reply, text=text, suggestions=suggestions, help_line=True)
    return SpanishReply(reply, tuple(s.answer_id for s in suggestions), None, reader)


def topics_es(catalog: Catalog, values: Mapping[str, str], reader: Reader = "unknown") -> SpanishReply:
    """Every Spanish topic as a button, under the Spanish header (the menu after a Spanish turn)."""
    header = ui_es(catalog, "topics_header", values) or catalog.interface.get("topics_header", "")
    topics = tuple(Suggestion(a.id, a.title) for a in catalog.topic_answers_es())
    return SpanishReply(Reply("answer", header, suggestions=topics, lang="es"), (), reader=reader)


def notice(catalog: Catalog, values: Mapping[str, str], near: tuple[str, ...], score: float = 0.0,
           unmatched: str | None = None) -> SpanishReply:
    """Nothing in Spanish fits: the Spanish notice (some answers in Spanish, the rest in English,
    where help in Spanish is), the Spanish topics it came near, then a few others and "All topics".
    `unmatched`: the message's normal form, for the operators' list of what nothing answered (as in English)."""
    text = fill(catalog.interface["spanish_notice"], values)
    suggest = ui_es(catalog, "fallback_suggest", values)
    if near and suggest:
        text = f"{text}\n\n{suggest}"
    chosen = tuple(dict.fromkeys((*near, *_starters(catalog))))[:max(STARTER_COUNT, len(near))]
    suggestions = (*buttons_es(catalog, chosen), *_all_topics(catalog, values))
    reply = Reply("fallback", text, score=score, suggestions=suggestions, help_line=True, lang="es",
                  unmatched_text=unmatched or None)
    return SpanishReply(reply, chosen)


def buttons_es(catalog: Catalog, answer_ids: Iterable[str]) -> tuple[Suggestion, ...]:
    """A button under the Spanish title for each answer that has a Spanish text (others are left out)."""
    return tuple(Suggestion(a, catalog.answers_es[a].title) for a in answer_ids if a in catalog.answers_es)


def _clarify(catalog: Catalog, answer_ids: tuple[str, ...], score: float, values: Mapping[str, str],
             net: str) -> SpanishReply:
    ask = ui_es(catalog, "clarify", values) or catalog.interface.get("clarify", "")
    suggestions = buttons_es(catalog, answer_ids)
    reply = Reply("clarify", f"{ask}\n\n{net}", score=score, suggestions=suggestions, help_line=True, lang="es")
    return SpanishReply(reply, tuple(s.answer_id for s in suggestions))


def _all_topics(catalog: Catalog, values: Mapping[str, str]) -> tuple[Suggestion, ...]:
    label = ui_es(catalog, "topics_button", values)
    return (Suggestion(TOPICS, label),) if label else ()


def _starters(catalog: Catalog) -> tuple[str, ...]:
    """The starter topics that have Spanish texts, then the first Spanish topics."""
    spanish = [a.id for a in catalog.topic_answers_es()]
    return tuple(dict.fromkeys([a for a in catalog.starter_topics if a in spanish] + spanish))


def _options(catalog: Catalog, ranked: tuple[Ranked, ...]) -> tuple[str, ...]:
    """The best two topics, and a third close behind them (as English "which did you mean" offers)."""
    kept = [r for i, r in enumerate(ranked[:CLARIFY_OPTIONS]) if i < 2 or ranked[0].score - r.score <= CLARIFY_WITHIN]
    intents = (catalog.intent_es(r.intent) for r in kept)
    return tuple(dict.fromkeys(i.answer for i in intents if i is not None))


def _near(catalog: Catalog, result: MatchResult) -> tuple[str, ...]:
    """The Spanish topics just under the threshold."""
    floor = catalog.threshold - NEAR_BELOW
    intents = (catalog.intent_es(r.intent) for r in result.ranked if r.score >= floor)
    return tuple(dict.fromkeys(i.answer for i in intents if i is not None and i.kind == "answer"))
