"""The transport-agnostic core: a user key and a message in, a `Reply` out.

Order on every message: crisis check first (nothing may delay or break it), then matching, then
building the reply from the catalog. Telegram, the console and `lantern ask` are thin adapters
over `Lantern.reply`. The only state kept here is which users had a crisis reply recently, so the
help lines stay one tap away for their next few messages; it lives in memory and holds no text.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.catalog import Catalog
from bot.config import MatchingSettings, Settings
from bot.content import ContentProblem, load_catalog
from bot.crisis import BUILTIN_REPLY, CrisisResult, builtin_detect
from bot.hotlines import RegionNames, fill
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
# Offered with an "elevated" reply: something concrete for tonight.
_ELEVATED_SUGGESTIONS = ("coping_low_mood", "night_cravings")


class Lantern:
    """One conversation engine; safe to share across users (per-user state is only a counter)."""

    def __init__(self, catalog: Catalog | None, default_region: str = "US") -> None:
        self._catalog = catalog
        self._default_region = default_region
        self._open_escalations: dict[str, int] = {}

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

    # --- replies -------------------------------------------------------------------------------

    def reply(self, user_key: str, text: str, *, region: str | None = None) -> Reply:
        """The reply to one message. Never raises: any failure after the crisis check is logged."""
        text = text if isinstance(text, str) else ""
        crisis = self._detect(text)
        if crisis is not None:
            return self._crisis_reply(user_key, crisis, region)
        try:
            reply = self._answer_message(text)
        except Exception:
            log.exception("reply failed after the crisis check (message text not logged)")
            reply = Reply("fallback", self.ui("content_unavailable"))
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
            reply = self._answer_reply(catalog, answer_id, 100.0)
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

    def ui(self, key: str, **values: str) -> str:
        """An interface text; a missing key gives the key's name rather than failing a reply."""
        catalog = self._catalog
        template = catalog.interface.get(key) if catalog else None
        if template is None:
            if key == "content_unavailable":
                return BUILTIN_REPLY
            return _BUILTIN_UI.get(key, key.replace("_", " "))
        return fill(template, values) if values else template.strip()

    def regions(self) -> dict[str, str]:
        """Code -> name of every region; an alias such as 'GB' (the UK) is also found in it."""
        catalog = self._catalog
        return RegionNames({c: r.name for c, r in catalog.regions.items()} if catalog else {"US": "United States"})

    # --- the pieces ----------------------------------------------------------------------------

    def _detect(self, text: str) -> CrisisResult | None:
        catalog = self._catalog
        try:
            if catalog is not None:
                return catalog.detector.detect(text)
        except Exception:
            log.exception("crisis detector failed; using the built-in core")
        return builtin_detect(text)

    def _crisis_reply(self, user_key: str, crisis: CrisisResult, region: str | None) -> Reply:
        self._open_escalations[user_key] = FOLLOW_UP_REPLIES
        return self._render_crisis(crisis, region)

    def _render_crisis(self, crisis: CrisisResult, region: str | None) -> Reply:
        try:
            catalog = self._catalog
            if catalog is None:
                raise LookupError("no catalog")
            values = catalog.region(region or self._default_region).values()
            parts = [fill(catalog.crisis_replies[crisis.category], values)]
            parts += [fill(catalog.crisis_replies[f"also_{c}"], values) for c in crisis.also
                      if f"also_{c}" in catalog.crisis_replies]
            names = _ELEVATED_SUGGESTIONS if crisis.category == "elevated" else ()
            suggestions = tuple(Suggestion(a, catalog.answers[a].title) for a in names if a in catalog.answers)
            return Reply("crisis", "\n\n".join(parts), crisis=crisis.category, score=100.0,
                         suggestions=suggestions, urgent=True)
        except Exception:
            if self._catalog is not None:
                log.exception("crisis reply could not be built from content; sending the built-in one")
            return Reply("crisis", BUILTIN_REPLY, crisis=crisis.category, score=100.0, urgent=True)

    def _answer_message(self, text: str) -> Reply:
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
            return self._answer_reply(catalog, intent.answer, best.score, intent.id, intent.kind)
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
                      kind: str = "answer") -> Reply:
        answer = catalog.answers[answer_id]
        follow_ups = tuple(Suggestion(f, catalog.answers[f].title) for f in answer.follow_ups)
        return Reply("smalltalk" if kind == "smalltalk" else "answer", answer.text.strip(),
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
        sos = Suggestion(SOS, self.ui("sos_button"))
        return Reply(reply.kind, f"{reply.text}\n\n{self.ui('still_here')}", reply.intent, reply.score,
                     reply.crisis, (sos, *reply.suggestions), reply.sources, urgent=True,
                     unmatched_text=reply.unmatched_text)


def try_load(intents_dir: Path, responses_dir: Path, matching: MatchingSettings) -> Catalog | None:
    """The catalog, or None (with the problems logged) so Lantern can still answer crises."""
    try:
        return load_catalog(intents_dir, responses_dir, matching)
    except ContentProblem as exc:
        for problem in exc.problems:
            log.error("content problem: %s", problem)
        log.error("content could not load: serving crisis replies only")
        return None
