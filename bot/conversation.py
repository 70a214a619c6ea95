"""A conversation with Lantern, for any front end: who the user is, commands, region, /forget and the
check-in, each written once. Telegram (`bot.telegram`) and `lantern chat` (`bot.console`) are thin
adapters over it: they turn what the user did into a call here, and each `Said` into their medium.

It sits above the core (`bot.core.Lantern`, which decides what to say to a message and keeps the
per-conversation memory) and below the front ends. Not for formatting, buttons or the network.

Order of work for every reply: prepare it, show it, and only then write to the store. A crisis
reply never waits for storage (the user's region comes from memory, `RegionCache`), and a store
failure never stops a reply. Anything typed goes through the core's crisis check first, in a
check-in too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Protocol, TypeVar

from bot.checkin import CheckinFlow, CheckinSessions, CheckinTexts, Done, Interrupted, Prompt, Session
from bot.checkin import finish as finish_checkin
from bot.checkin.finish import export_csv, mood_summary
from bot.checkin.reminders import ReminderChange, change_time_zone, remind
from bot.hotlines import canonical_code
from bot.mood_chart import MoodChart
from bot.mood_picture import MoodPicture, mood_picture
from bot.pseudonym import Pseudonyms
from bot.replies import SOS, TOPICS, Reply, Suggestion
from bot.scrub import scrub
from bot.storage import CheckinStore, StoreError
from bot.timezones import effective_time_zone

if TYPE_CHECKING:
    from bot.catalog import Catalog
    from bot.core import Lantern

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Said:
    """One thing for a front end to show. Which fields are set says what it is:

    - `reply`: a core reply (its sources and suggestions; an urgent one must get through faults);
    - `text`, with `choices` (topics to pick), `regions` (regions to pick) or `confirm` (yes and no
      labels for /forget): an interface text;
    - `prompt` and `token`: a check-in question with its choices;
    - `closes`: the open check-in question is over. A front end with buttons takes them off it
      (`answered` is True when the user pressed one of them: that message may become `text`);
    - `picture` (/mood as a PNG, with its own caption), `chart` (/mood as text) or `document`
      (/export, with `text` its caption).
    """

    text: str = ""
    reply: Reply | None = None
    choices: tuple[Suggestion, ...] = ()
    regions: Mapping[str, str] | None = None
    confirm: tuple[str, str] | None = None
    prompt: Prompt | None = None
    token: str = ""
    closes: bool = False
    answered: bool = False
    question: int | None = None  # the front end's handle on the open question (see `Show`)
    chart: MoodChart | None = None
    picture: MoodPicture | None = None
    document: tuple[bytes, str] | None = None  # (content, file name)


# Shows one `Said`; returns the front end's handle on it when it is a question (a message id), so a
# later `Said(closes=True, question=...)` can find it again.
Show = Callable[[Said], Awaitable[int | None]]
ReplyMaker = Callable[["Lantern", str, "str | None"], Reply]


class ReminderJobs(Protocol):
    """A front end's scheduler for the daily check-in reminders (Telegram: JobQueue jobs)."""

    def schedule(self, user_key: str, at: time, chat_id: int) -> None: ...
    def cancel(self, user_key: str) -> None: ...


class RegionCache:
    """Each user's chosen region, in memory, so a crisis reply never waits for the database.

    Loaded once at start (`Conversation.load_regions`); every change made through Lantern updates
    it. Until it is loaded (the store was down at start), a user's region is read from the store
    after their reply, and the install's default serves meanwhile.
    """

    def __init__(self) -> None:
        self.loaded = False
        self._by_user: dict[str, str | None] = {}

    def fill(self, regions: Mapping[str, str]) -> None:
        self._by_user.update(regions)
        self.loaded = True

    def known(self, user_key: str) -> tuple[bool, str | None]:
        """(True, region or None for the default) when known for sure; (False, None) otherwise."""
        if user_key in self._by_user:
            return True, self._by_user[user_key]
        return self.loaded, None

    def has(self, user_key: str) -> bool:
        return user_key in self._by_user

    def set(self, user_key: str, region: str | None) -> None:
        self._by_user[user_key] = region

    def forget(self, user_key: str) -> None:
        self._by_user.pop(user_key, None)

    def __len__(self) -> int:
        return len(self._by_user)


class Conversation:
    """Everyone's conversations with one core and one store (either may be missing or failing)."""

    def __init__(self, lantern: Lantern, store: CheckinStore | None, pseudonyms: Pseudonyms, *,
                 default_region: str = "US", reminders: ReminderJobs | None = None) -> None:
        self.lantern = lantern
        self.store = store
        self.pseudonyms = pseudonyms
        self.default_region = default_region
        self.reminders = reminders
        self.regions = RegionCache()
        self.sessions = CheckinSessions()
        self._seen_on: dict[str, str] = {}  # the day each user was last recorded as seen: once a day

    # ----- who the user is, and where -------------------------------------------------------------

    def key_for(self, user_id: int | str) -> str:
        """The user's pseudonymous key: the only name Lantern, its core and its store know them by."""
        return self.pseudonyms.key_for(user_id)

    def cached_region(self, key: str) -> tuple[bool, str | None]:
        """The user's region without touching the store: (known for sure, region or None = default)."""
        return self.regions.known(key)

    async def region_of(self, key: str) -> str | None:
        """The user's region; the store is asked only if the start-up load failed (once per user)."""
        known, region = self.regions.known(key)
        return region if known else await self._region_from_store(key)

    async def load_regions(self, timeout: float) -> bool:
        """At start: every user's chosen region into memory; False (and a warning) if the store cannot."""
        if self.store is None:
            self.regions.fill({})
            return True
        try:
            regions = await asyncio.wait_for(self.store.regions(), timeout)
        except (StoreError, TimeoutError) as error:
            log.warning("users' regions not loaded at start (%s); each is read after the user's first reply",
                        getattr(error, "fault", type(error).__name__))
            return False
        self.regions.fill(regions)
        log.info("loaded %d users' chosen regions", len(regions))
        return True

    async def _region_from_store(self, key: str) -> str | None:
        chosen = await self._stored("get_region", self.store.get_region(key)) if self.store is not None else None
        if not self.regions.has(key):  # a /region meanwhile wins
            self.regions.set(key, chosen)
        return self.regions.known(key)[1]

    # ----- commands --------------------------------------------------------------------------------

    async def start(self, key: str, *, in_group: bool = False) -> Said:
        """Welcome: what Lantern can and cannot do, a few topics and "All topics" (thirty-odd
        choices under a first message would bury it)."""
        text = self.lantern.ui("welcome", region_code=await self.region_of(key))
        if in_group:
            text = f"{text}\n\n{self.lantern.ui('group_hint')}"
        return Said(text, choices=tuple(self.lantern.starter_topics()))

    async def topics(self, key: str) -> Said:
        topics = tuple(self.lantern.topics())
        if not topics:
            return await self.ui(key, "content_unavailable")
        return Said(self.lantern.ui("topics_header"), choices=topics)

    async def ui(self, key: str, name: str) -> Said:
        """An interface text (/help, /privacy, /about, ...) with the help lines of the user's region."""
        return Said(self.lantern.ui(name, region_code=await self.region_of(key)))

    async def region(self, key: str, typed: str | None) -> Said:
        """`/region` offers the regions; `/region GB` sets one ("gb" is the UK's "UK")."""
        regions = self.lantern.regions()
        if not typed or not typed.strip():
            return Said(self.lantern.ui("region_prompt"), regions=regions)
        return await self.set_region(key, canonical_code(typed.strip()))

    async def set_region(self, key: str, code: str) -> Said:
        regions = self.lantern.regions()
        if code not in regions:
            listed = ", ".join(f"{c} ({name})" for c, name in regions.items())
            return Said(self.lantern.ui("region_unknown", regions=listed), regions=regions)
        self.regions.set(key, code)
        if self.store is not None:
            await self._stored("set_region", self.store.set_region(key, code))
        return Said(self.lantern.ui("region_set", region=regions[code]))

    def forget_question(self) -> Said:
        """Ask first: forgetting cannot be undone."""
        return Said(self.lantern.ui("forget_confirm"),
                    confirm=(self.lantern.ui("forget_yes"), self.lantern.ui("forget_no")))

    async def forget(self, key: str) -> Said:
        """Forget everything about the user: their reminder, an open check-in (and its note), the core's
        memory, the remembered region, then the store's rows."""
        if self.reminders is not None:
            self.reminders.cancel(key)
        self.sessions.end(key)
        self.lantern.forget(key)
        self.regions.forget(key)
        if self.store is not None:
            try:
                await self.store.forget(key)
            except StoreError as error:
                log.error("store: forget failed (%s); told the user", type(error).__name__)
                return Said(self.lantern.ui("store_unavailable"))
        return Said(self.lantern.ui("forget_done"))

    # ----- messages and buttons --------------------------------------------------------------------

    async def text(self, key: str, typed: str, show: Show, *, offload: bool = False,
                   checkin: bool = True) -> Reply | None:
        """Anything typed: into an open check-in if there is one (`checkin`), else to the core."""
        if checkin and await self.checkin_text(key, typed, show):
            return None
        return await self.respond(key, lambda lantern, k, region: lantern.reply(k, typed, region=region), show,
                                  offload=offload)

    async def choose(self, key: str, answer_id: str, show: Show) -> Reply | None:
        """A topic picked (a button, a number): that answer; "All topics" is the menu, not an answer."""
        if answer_id == TOPICS:
            await show(await self.topics(key))
            return None
        return await self.respond(key, lambda lantern, k, region: lantern.answer(answer_id, user_key=k, region=region),
                                  show)

    async def sos(self, key: str, show: Show) -> Reply:
        """Help lines at once: no matching (in Spanish when Lantern last answered this user in Spanish)."""
        return await self.respond(key, lambda lantern, k, region: lantern.answer(SOS, user_key=k, region=region), show)

    async def respond(self, key: str, make: ReplyMaker, show: Show, *, offload: bool = False) -> Reply:
        """Prepare a reply with the core, show it, then record what happened (never before the reply)."""
        known, region = self.regions.known(key)
        reply = await self._prepare(make, key, region, offload=offload)
        await show(Said(reply=reply))
        await self.record(key, reply)
        if not known:
            await self._region_from_store(key)
        return reply

    async def _prepare(self, make: ReplyMaker, key: str, region: str | None, *, offload: bool) -> Reply:
        """The core's reply; a long message is worked out in a thread so other chats keep moving."""
        try:
            if offload:
                return await asyncio.to_thread(make, self.lantern, key, region)
            return make(self.lantern, key, region)
        except Exception as error:  # the core promises not to raise; if it does, help now
            log.error("core failed on a message (%s); sent the help-now reply", type(error).__name__)
            return self.lantern.sos(region)

    async def record(self, key: str, reply: Reply) -> None:
        """Counters and the unmatched list, after the reply is out. Never the user's words, except the
        normalised unmatched text the core chose to hand over for the operators' list, scrubbed of
        numbers, addresses and names and kept under the user's key (their /forget removes it)."""
        store = self.store
        if store is None:
            return
        if reply.crisis:
            await self._stored("count_escalation", store.count_escalation(reply.crisis))
        if reply.unmatched_text:
            known = content_words(self.lantern.catalog)
            await self._stored("record_unmatched", store.record_unmatched(scrub(reply.unmatched_text, known), key))
        await self._stored("count_usage", store.count_usage(reply.kind))
        if reply.intent and reply.kind in ("answer", "smalltalk"):  # a topic button counts under its answer id
            await self._stored("count_intent", store.count_intent(reply.intent))
        today = datetime.now(UTC).date().isoformat()
        if self._seen_on.get(key) != today:
            self._seen_on[key] = today  # even if the write fails: retry tomorrow, not per message
            await self._stored("touch_user", store.touch_user(key))

    # ----- the check-in ----------------------------------------------------------------------------

    @property
    def checkin_texts(self) -> CheckinTexts | None:
        """The check-in's words, from the catalog in service (a reload swaps them); None: check-ins off."""
        catalog = self.lantern.catalog
        return catalog.checkin if catalog is not None else None

    def checkin_open(self, key: str) -> bool:
        return self.sessions.get(key) is not None

    async def start_checkin(self, key: str, show: Show) -> None:
        texts = self.checkin_texts
        if texts is None:
            await show(await self.ui(key, "unknown_command"))
            return
        await self.region_of(key)  # looked up now, so a crisis typed mid check-in never waits for it
        flow = CheckinFlow(texts)
        session = self.sessions.begin(key, flow)
        session.shown = await show(Said(prompt=flow.start(), token=session.token))

    async def checkin_press(self, key: str, token: str, value: str, show: Show) -> None:
        """A check-in button: a mood, a craving, skip, keep; or a reminder's 'check in now' ("start")."""
        if token == "start":
            await show(Said(closes=True, answered=True))
            await self.start_checkin(key, show)
            return
        session = self.sessions.get(key)
        texts = self.checkin_texts
        if session is None or session.token != token:
            await show(Said(texts.expired if texts is not None else "", closes=True, answered=True))
            return
        await self._advance(key, session, session.flow.choose(value), show, answered=True)

    async def checkin_text(self, key: str, typed: str, show: Show) -> bool:
        """Typed text while a check-in is open: the crisis check first, then the check-in's answer.
        False (nothing done) when no check-in is open."""
        session = self.sessions.get(key)
        if session is None:
            return False
        region = await self.region_of(key)
        try:
            step = session.flow.respond(self.lantern, key, typed, region=region)
        except Exception as error:  # the core promises not to raise; if it does, help now
            log.error("core failed during a check-in (%s); sent the help-now reply", type(error).__name__)
            step = Interrupted(self.lantern.sos(region))
        if isinstance(step, Interrupted):
            self.sessions.end(key)
            await show(Said(reply=step.reply))
            await self.record(key, step.reply)
            await show(Said(closes=True, question=session.shown))
        else:
            await self._advance(key, session, step, show, answered=False, region=region)
        return True

    async def _advance(self, key: str, session: Session, step: Prompt | Done, show: Show, *, answered: bool,
                       region: str | None = None) -> None:
        """The next question (in place of the one answered), or the end of the check-in."""
        if isinstance(step, Prompt):
            shown = await show(Said(prompt=step, token=session.token, answered=answered, question=session.shown))
            session.shown = shown if shown is not None else (session.shown if answered else None)
            return
        self.sessions.end(key)
        texts = session.flow.texts
        result = step.result
        summary = Said(texts.summary.format(mood=texts.mood.labels[result.mood],
                                            craving=texts.craving.labels[result.craving]),
                       closes=True, answered=answered, question=session.shown)
        if not result.hopeless:  # in a crisis the crisis reply comes first, the tidying later
            await show(summary)

        async def send(reply: Reply) -> None:
            await show(Said(reply=reply))

        await finish_checkin(step, lantern=self.lantern, store=self._checkin_store(), user_key=key, texts=texts,
                             default_region=self.default_region, send=send,
                             region=region or await self.region_of(key))
        if result.hopeless:
            await show(summary)

    # ----- /mood, /export, /remind, /timezone -------------------------------------------------------

    async def mood(self, key: str, *, picture: bool = False) -> Said:
        """With `picture` (a front end that shows images), the last 30 nights drawn, the summary and
        streak as its caption; otherwise, or when there is no picture (no check-ins, a chart that
        failed), the last 14 check-ins as a two-row text chart with the averages, trend and streak."""
        texts = self.checkin_texts
        if texts is None:
            return await self.ui(key, "unknown_command")
        try:
            drawn = await mood_picture(self._checkin_store(), key, texts, self.default_region) if picture else None
            if drawn is not None:
                return Said(picture=drawn)
            chart = await mood_summary(self._checkin_store(), key, texts, self.default_region)
        except StoreError as error:
            log.warning("/mood: store unavailable (%s)", error.fault)
            return Said(texts.chart.unavailable)
        return Said(chart=chart)

    async def export(self, key: str) -> Said:
        """The user's own check-ins as a CSV file, times in their time zone."""
        texts = self.checkin_texts
        if texts is None:
            return await self.ui(key, "unknown_command")
        store = self._checkin_store()
        try:
            rows = await store.all_checkins(key)
            settings = await store.user_settings(key)
        except StoreError as error:
            log.warning("/export: store unavailable (%s)", error.fault)
            return Said(texts.export.unavailable)
        if not rows:
            return Said(texts.export.empty)
        zone = effective_time_zone(settings.time_zone, settings.region or self.default_region)
        return Said(texts.export.caption.format(count=len(rows)),
                    document=(export_csv(rows, zone), texts.export.filename))

    async def remind(self, key: str, typed: str, chat_id: int) -> Said:
        """`/remind 22:30`, `/remind off`, `/remind`: the rule is `bot.checkin.reminders`; the job is ours."""
        texts = self.checkin_texts
        if texts is None:
            return await self.ui(key, "unknown_command")
        change = await remind(self._checkin_store(), key, typed.strip(), chat_id, texts, self.default_region)
        return self._apply(key, change)

    async def time_zone(self, key: str, typed: str) -> Said:
        texts = self.checkin_texts
        if texts is None:
            return await self.ui(key, "unknown_command")
        change = await change_time_zone(self._checkin_store(), key, typed.strip(), texts, self.default_region)
        return self._apply(key, change)

    def _apply(self, key: str, change: ReminderChange) -> Said:
        if self.reminders is not None:
            if change.cancel:
                self.reminders.cancel(key)
            if change.schedule is not None and change.chat_id is not None:
                self.reminders.schedule(key, change.schedule, change.chat_id)
        return Said(change.text)

    # ----- plumbing --------------------------------------------------------------------------------

    def _checkin_store(self) -> CheckinStore:
        return self.store if self.store is not None else _NO_STORE

    @staticmethod
    async def _stored(what: str, call: Awaitable[T]) -> T | None:
        """Run one store call; a StoreError is logged (no user data) and becomes None."""
        try:
            return await call
        except StoreError as error:
            log.warning("store: %s failed (%s); carrying on", what, type(error).__name__)
            return None


class _NoStore:
    """Storage for a Lantern running without any: every call fails as an unavailable store's would."""

    def __getattr__(self, name: str) -> Callable[..., Awaitable[None]]:
        async def refuse(*_args: object, **_kwargs: object) -> None:
            raise StoreError("no store", "closed")

        return refuse


_NO_STORE: CheckinStore = _NoStore()  # type: ignore[assignment]

_content_words: list[tuple[Catalog, frozenset[str]]] = []


def content_words(catalog: Catalog | None) -> frozenset[str]:
    """Every word of the content's examples: a word after "my son" that is none of these is
    taken for a name by the scrubber. Once per catalog (a reload makes a new one)."""
    if catalog is None:
        return frozenset()
    if not _content_words or _content_words[0][0] is not catalog:
        words = frozenset(word for form in catalog.matcher.choices for word in form.split())
        _content_words[:] = [(catalog, words)]
    return _content_words[0][1]
