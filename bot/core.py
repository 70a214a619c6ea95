"""The transport-agnostic core: a user key and a message in, a `Reply` out.

Order on every message: crisis check first (nothing may delay or break it), then matching, then
building the reply from the catalog. Telegram, the console and `lantern ask` are thin adapters
over `Lantern.reply`. The only state kept here is which users had a crisis reply recently, so the
help lines stay one tap away for their next few messages; it lives in memory and holds no text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from bot.catalog import Catalog
from bot.concepts import FULL
from bot.config import MatchingSettings, Settings
from bot.content import OPTIONAL_CRISIS_REPLIES, ContentProblem, load_catalog
from bot.crisis import BUILTIN_REPLY, CrisisResult, builtin_detect
from bot.hotlines import fill
from bot.language import looks_spanish
from bot.matcher import Ranked
from bot.replies import SOS, TOPICS, Reply, Suggestion

log = logging.getLogger(__name__)

# After an escalation, this many further replies keep the help lines one tap away.
FOLLOW_UP_REPLIES = 3
# Topics scoring within this much under the threshold are offered on a fallback ("Maybe one of
# these is close") ahead of the starter topics. Closer than this and they are mostly right; further
# and they are mostly noise (read on 944 external questions that fell back).
_NEAR_BELOW = 3.0
# A catalog that names no starter topics offers its first few.
_STARTER_COUNT = 6
# The few interface words the built-in crisis path needs when the content cannot load at all.
_BUILTIN_UI = {
    "still_here": "I'm still here. Type /sos for help lines any time, or call or text 988 (US).",
    "sos_button": "Help now",
    "topics_button": "All topics",
    "fallback": "I can't load my answers right now. If you need help, type /sos or call or text 988 (US).",
}
# How long a risky message is remembered, so a follow-up ("ok i took them") is read against it.
RISK_MEMORY_SECONDS = 30 * 60
# At most this many conversations remembered at once (the oldest are dropped first).
_RISK_MEMORY_SIZE = 10_000
# The quiet help line under a fallback or clarify when the content cannot give one.
_BUILTIN_NET = "If you need someone to talk to right now: call or text 988 (US) or your local emergency number."
# Offered with an "elevated" reply: something concrete for tonight.
_ELEVATED_SUGGESTIONS = ("coping_low_mood", "night_cravings")


class Lantern:
    """One conversation engine; safe to share across users (per-user state is only a counter)."""

    def __init__(self, catalog: Catalog | None, default_region: str = "US") -> None:
        self._catalog = catalog
        self._default_region = default_region
        self._open_escalations: dict[str, int] = {}
        # user key -> (category, when): the last risk seen in a conversation. No text is kept.
        self._risk: dict[str, tuple[str, float]] = {}

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

    # --- replies -------------------------------------------------------------------------------

    def reply(self, user_key: str, text: str, *, region: str | None = None) -> Reply:
        """The reply to one message. Never raises: any failure after the crisis check is logged.

        Three levels: a crisis takes the reply over; a message that touches a risk (or comes
        after one) gets its answer with the help line beside it; and every fallback and clarify
        carries a quiet help line, so a miss never ends in a reply with no number.
        """
        text = text if isinstance(text, str) else ""
        crisis = self._in_context(user_key, text, self._detect(text))
        if crisis is not None and crisis.full:
            return self._crisis_reply(user_key, crisis, region)
        try:
            notice = self._spanish_notice(region) if self._is_spanish(text) else None
            reply = notice or self._answer_message(text, region)
        except Exception:
            log.exception("reply failed after the crisis check (message text not logged)")
            reply = Reply("fallback", self.ui("content_unavailable", region_code=region))
        if crisis is not None:
            reply = self._with_help_line(reply, crisis, region)
        elif reply.kind in ("fallback", "clarify") and not reply.help_line:
            reply = self._with_net(reply, region)
        return self._keep_help_near(user_key, reply)

    def answer(self, answer_id: str, *, user_key: str | None = None, region: str | None = None) -> Reply:
        """A topic asked for directly (a button press): no matching involved."""
        if answer_id == SOS:
            return self.sos(region)
        catalog = self._catalog
        if answer_id == TOPICS and catalog is not None:
            reply = Reply("answer", self.ui("topics_header"), suggestions=self.topics())
        elif catalog is None or answer_id not in catalog.answers:
            return self._fallback(None, ())
        else:
            reply = self._answer_reply(catalog, answer_id, 100.0, region=region)
        return self._keep_help_near(user_key, reply) if user_key else reply

    def sos(self, region: str | None = None) -> Reply:
        """Help lines at once, with no matching involved."""
        return self._render_crisis(CrisisResult(SOS), region)

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
        chosen = catalog.starter_topics or tuple(a.id for a in catalog.topic_answers()[:_STARTER_COUNT])
        return (*(Suggestion(a, catalog.answers[a].title) for a in chosen), self._all_topics())

    def _all_topics(self) -> Suggestion:
        return Suggestion(TOPICS, self.ui("topics_button"))

    def ui(self, key: str, *, region_code: str | None = None, **values: str) -> str:
        """An interface text with the help lines of `region_code` (the user's region; None: the default).

        A missing key gives the key's name rather than failing a reply. `values` win over the
        region's own, so `ui("region_set", region="Australia")` names the region just chosen.
        """
        catalog = self._catalog
        template = catalog.interface.get(key) if catalog else None
        if catalog is None or template is None:
            if key == "content_unavailable":
                return BUILTIN_REPLY
            return _BUILTIN_UI.get(key, key.replace("_", " "))
        return fill(template, self._region_values(catalog, region_code) | values)

    def _region_values(self, catalog: Catalog, region: str | None) -> dict[str, str]:
        """What fills `{emergency}`, `{crisis}` and the rest for a region: numbers are never written
        into answers or interface texts, so a user in the UK is never told to call 911."""
        return catalog.region(region or self._default_region).values()

    def regions(self) -> dict[str, str]:
        catalog = self._catalog
        return {code: r.name for code, r in catalog.regions.items()} if catalog else {"US": "United States"}

    # --- the pieces ----------------------------------------------------------------------------

    def _detect(self, text: str) -> CrisisResult | None:
        catalog = self._catalog
        try:
            if catalog is not None:
                return self._in_language(text, catalog.detector.detect(text))
        except Exception:
            log.exception("crisis detector failed; using the built-in core")
        return self._in_language(text, builtin_detect(text))

    def _in_language(self, text: str, crisis: CrisisResult | None) -> CrisisResult | None:
        if crisis is None or not self._is_spanish(text):
            return crisis
        return replace(crisis, lang="es")

    @staticmethod
    def _is_spanish(text: str) -> bool:
        try:
            return looks_spanish(text)
        except Exception:
            log.exception("language check failed (message text not logged)")
            return False

    def _in_context(self, user_key: str, text: str, crisis: CrisisResult | None) -> CrisisResult | None:
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
                crisis = CrisisResult(remembered[0], lang="es" if self._is_spanish(text) else "en")
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
        self._open_escalations[user_key] = FOLLOW_UP_REPLIES
        return self._render_crisis(crisis, region)

    def _with_help_line(self, reply: Reply, crisis: CrisisResult, region: str | None) -> Reply:
        """The soft level: the answer as asked, with the help line for what the message touched."""
        line = self._crisis_text(f"soft_{crisis.category}", crisis.lang, region) or self._net_line(region)
        sos = Suggestion(SOS, self.ui("sos_button"))
        return replace(reply, text=f"{reply.text}\n\n{line}", suggestions=(sos, *reply.suggestions),
                       help_line=True, urgent=True)

    def _with_net(self, reply: Reply, region: str | None) -> Reply:
        return replace(reply, text=f"{reply.text}\n\n{self._net_line(region)}", help_line=True)

    def _net_line(self, region: str | None) -> str:
        return self._crisis_text("net", "en", region) or _BUILTIN_NET

    def _crisis_text(self, key: str, lang: str, region: str | None) -> str | None:
        """A crisis text filled for the region (and language): None when the content lacks it."""
        catalog = self._catalog
        if catalog is None:
            return None
        try:
            template = _replies_in(catalog, lang).get(key) or catalog.crisis_replies.get(key)
            return fill(template, _region_values(catalog, region or self._default_region, lang)) if template else None
        except Exception:
            log.exception("crisis text '%s' could not be filled", key)
            return None

    def _spanish_notice(self, region: str | None) -> Reply | None:
        """A Spanish message that is no crisis: told in Spanish that answers are in English for now,
        and where help in Spanish is."""
        catalog = self._catalog
        template = catalog.interface.get("spanish_notice") if catalog is not None else None
        if catalog is None or template is None:
            return None
        text = fill(template, _region_values(catalog, region or self._default_region, "es"))
        return Reply("fallback", text, suggestions=self.starter_topics(), help_line=True)

    def _render_crisis(self, crisis: CrisisResult, region: str | None) -> Reply:
        try:
            catalog = self._catalog
            if catalog is None:
                raise LookupError("no catalog")
            values = _region_values(catalog, region or self._default_region, crisis.lang)
            replies = {**catalog.crisis_replies, **_replies_in(catalog, crisis.lang)}
            category = crisis.category if crisis.category in replies else OPTIONAL_CRISIS_REPLIES[crisis.category]
            parts = [fill(replies[category], values)]
            parts += [fill(replies[f"also_{c}"], values) for c in crisis.also if f"also_{c}" in replies]
            names = _ELEVATED_SUGGESTIONS if crisis.category == "elevated" else ()
            suggestions = tuple(Suggestion(a, catalog.answers[a].title) for a in names if a in catalog.answers)
            return Reply("crisis", "\n\n".join(parts), crisis=crisis.category, score=100.0,
                         suggestions=suggestions, urgent=True, help_line=True)
        except Exception:
            if self._catalog is not None:
                log.exception("crisis reply could not be built from content; sending the built-in one")
            return Reply("crisis", BUILTIN_REPLY, crisis=crisis.category, score=100.0, urgent=True, help_line=True)

    def _answer_message(self, text: str, region: str | None = None) -> Reply:
        catalog = self._catalog
        if catalog is None:
            return Reply("fallback", self.ui("content_unavailable"))
        result = catalog.matcher.match(text)
        if result.kind == "empty":
            key = "no_words" if text.strip() else "empty"
            return Reply("fallback", self.ui(key), suggestions=self.starter_topics())
        best = result.best
        if result.kind == "answer" and best is not None:
            intent = catalog.intent(best.intent)
            return self._answer_reply(catalog, intent.answer, best.score, intent.id, intent.kind, region)
        if result.kind == "clarify":
            options = tuple(dict.fromkeys(catalog.intent(r.intent).answer for r in result.ranked[:2]))
            return Reply("clarify", self.ui("clarify"), score=best.score,
                         suggestions=tuple(Suggestion(a, catalog.answers[a].title) for a in options))
        return self._fallback(result.canonical, self._near(catalog, result.ranked), best.score if best else 0.0)

    @staticmethod
    def _near(catalog: Catalog, ranked: tuple[Ranked, ...]) -> tuple[str, ...]:
        """The answers of topics just under the threshold: small talk is no topic to offer."""
        floor = catalog.threshold - _NEAR_BELOW
        intents = (catalog.intent(r.intent) for r in ranked if r.score >= floor)
        return tuple(dict.fromkeys(i.answer for i in intents if i is not None and i.kind == "answer"))

    def _answer_reply(self, catalog: Catalog, answer_id: str, score: float, intent_id: str | None = None,
                      kind: str = "answer", region: str | None = None) -> Reply:
        answer = catalog.answers[answer_id]
        follow_ups = tuple(Suggestion(f, catalog.answers[f].title) for f in answer.follow_ups)
        text = fill(answer.text, self._region_values(catalog, region))
        return Reply("smalltalk" if kind == "smalltalk" else "answer", text,
                     intent=intent_id or answer_id, score=score, suggestions=follow_ups, sources=answer.sources)

    def _fallback(self, canonical: str | None, near: tuple[str, ...], score: float = 0.0) -> Reply:
        catalog = self._catalog
        if near and catalog is not None:
            text = f"{self.ui('fallback')}\n\n{self.ui('fallback_suggest')}"
            suggestions = (*(Suggestion(a, catalog.answers[a].title) for a in near), self._all_topics())
        else:
            text, suggestions = self.ui("fallback"), self.starter_topics()
        return Reply("fallback", text, score=score, suggestions=suggestions, unmatched_text=canonical or None)

    def _keep_help_near(self, user_key: str, reply: Reply) -> Reply:
        """After an escalation, a few more replies carry the help lines: one 'I'm fine' is not the end."""
        left = self._open_escalations.get(user_key, 0)
        if left <= 0:
            return reply
        if left == 1:
            del self._open_escalations[user_key]
        else:
            self._open_escalations[user_key] = left - 1
        if reply.help_line:  # the soft level or the net already put a help line on it
            return replace(reply, urgent=True)
        sos = Suggestion(SOS, self.ui("sos_button"))
        return replace(reply, text=f"{reply.text}\n\n{self.ui('still_here')}", suggestions=(sos, *reply.suggestions),
                       urgent=True, help_line=True)


def _replies_in(catalog: Catalog, lang: str) -> Mapping[str, str]:
    """The crisis replies written in `lang` (English ones serve where a language lacks a key)."""
    if lang == "es":
        return getattr(catalog, "crisis_replies_es", None) or {}
    return catalog.crisis_replies


def _region_values(catalog: Catalog, region: str, lang: str) -> dict[str, str]:
    return catalog.region(region).values(lang)


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
