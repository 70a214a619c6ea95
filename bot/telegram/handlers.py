"""Telegram handlers: translate an update into a call on the core, and the reply back into messages.

Each handler is small and module-level, in the style of PTB's examples; `bot.telegram.app` wires
them. Nothing here decides what to say (the core does), how it looks (render.py) or how hard to
try sending it (delivery.py).

Order of work for every reply: prepare it, send it, and only then write to the store: a crisis
reply never waits for SQLite (the user's region comes from memory: `RegionCache`, filled once at
start), and a store failure never stops a reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Chat, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes
from telegram.ext.filters import MessageFilter

from bot.hotlines import canonical_code
from bot.replies import SOS as SOS_ANSWER
from bot.replies import TOPICS, Reply, Suggestion
from bot.scrub import scrub
from bot.store import StoreError
from bot.telegram import render
from bot.telegram.delivery import REPLY, URGENT, RetryPolicy, describe, send_reply, send_urgent

if TYPE_CHECKING:
    from bot.catalog import Catalog
    from bot.core import Lantern
    from bot.store import Store

logger = logging.getLogger(__name__)

T = TypeVar("T")

SERVICES = "lantern_services"  # key in application.bot_data
# 'typing…' is shown once preparing a reply has taken this long. Lantern's core answers in about a
# millisecond, so usually the answer itself arrives first; a typing action sent anyway would
# flash unseen and spend a request of Telegram's ~30/s budget (halving answers under load).
TYPING_AFTER = 0.3
_REGION = "region"  # user_data: the user's region code, or None once looked up and unset
_SEEN_ON = "seen_on"  # user_data: the day touch_user last ran, so it runs once a day, not per message
# Messages longer than this are answered in a worker thread: the core is linear in the message's
# length (about 5-35 ms for 4,096 characters), and on the event loop that time would be taken from
# every other chat, a crisis reply included. Short messages (nearly all) skip the thread hop.
OFFLOAD_CHARS = 1000
# How long start-up waits to read every user's chosen region into memory.
REGION_LOAD_SECONDS = 10.0


class RegionCache:
    """Each user's chosen region, in memory, so a crisis reply never waits for the database.

    Loaded once at start (`load_regions`); every change made through the bot updates it. Until
    it is loaded (the store was down at start), a user's region is read from the store in the
    background after their reply, and the install's default serves meanwhile.
    """

    def __init__(self) -> None:
        self.loaded = False
        self._by_user: dict[str, str] = {}

    def fill(self, regions: dict[str, str]) -> None:
        self._by_user.update(regions)
        self.loaded = True

    def known(self, user_key: str) -> tuple[bool, str | None]:
        """(True, region or None for the default) when known for sure; (False, None) otherwise."""
        if user_key in self._by_user:
            return True, self._by_user[user_key]
        return self.loaded, None

    def set(self, user_key: str, region: str) -> None:
        self._by_user[user_key] = region

    def forget(self, user_key: str) -> None:
        self._by_user.pop(user_key, None)

    def __len__(self) -> int:
        return len(self._by_user)


@dataclass(frozen=True)
class Services:
    """What the handlers need, kept in `bot_data` so handlers stay plain functions."""

    lantern: Lantern
    store: Store | None
    urgent_policy: RetryPolicy = URGENT
    typing_after: float = TYPING_AFTER
    reply_policy: RetryPolicy = REPLY
    regions: RegionCache = field(default_factory=RegionCache)
    # Without a store, user keys are still pseudonymous: an HMAC under a key that lives
    # only as long as the process.
    _process_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def user_key(self, telegram_user_id: int) -> str:
        if self.store is not None:
            return self.store.user_key(telegram_user_id)
        return hmac.new(self._process_key, str(telegram_user_id).encode(), hashlib.sha256).hexdigest()


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data[SERVICES]


# --- filters ----------------------------------------------------------------------------------


class AddressedToBot(MessageFilter):
    """In a group, a message is for Lantern if it @mentions it or replies to one of its messages."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        reply_to = message.reply_to_message
        if reply_to is not None and reply_to.from_user is not None and reply_to.from_user.id == bot.id:
            return True
        handle = f"@{bot.username}".lower()
        mentions = [*message.parse_entities(["mention"]).values(),
                    *message.parse_caption_entities(["mention"]).values()]
        return any(mention.lower() == handle for mention in mentions)


class CommandForOtherBot(MessageFilter):
    """`/cmd@otherbot` in a group: not ours to answer, not even with 'unknown command'."""

    def filter(self, message: Message) -> bool:
        first_word = (message.text or "").split(maxsplit=1)[0] if message.text else ""
        _, _, addressee = first_word.partition("@")
        if message.chat.type == ChatType.PRIVATE:
            return False
        return addressee.lower() != (message.get_bot().username or "").lower()


# --- commands ---------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome: what Lantern can and cannot do, privacy in a line, a few topics and "All topics",
    help now. A first message with thirty-odd buttons under it would bury the welcome."""
    lantern = services(context).lantern
    text = lantern.ui("welcome", region_code=await _user_region(update, context))
    if _in_group(update.effective_chat):
        text = f"{text}\n\n{lantern.ui('group_hint')}"
    await _send_text(update, context, text, render.suggestion_keyboard(lantern.starter_topics()))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _send_ui(update, context, "help")


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lantern = services(context).lantern
    keyboard = render.suggestion_keyboard(lantern.topics())
    if keyboard is None:
        await _send_ui(update, context, "content_unavailable")
        return
    await _send_text(update, context, lantern.ui("topics_header"), keyboard)


async def sos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hotlines at once: no matching, no typing indicator, delivered through network faults."""
    await _respond(update, context, lambda lantern, _key, region: lantern.sos(region), typing=False)


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _send_ui(update, context, "privacy")


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _send_ui(update, context, "about")


async def region(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/region` shows the choices as buttons; `/region GB` sets it directly."""
    lantern = services(context).lantern
    regions = lantern.regions()
    if not context.args:
        await _send_text(update, context, lantern.ui("region_prompt"), render.region_keyboard(regions))
        return
    code = canonical_code(context.args[0])  # "gb" -> "UK": the stored code is the one the content uses
    if code not in regions:
        await _send_text(update, context, _region_unknown(lantern), render.region_keyboard(regions))
        return
    await _set_region(update, context, code)
    await _send_text(update, context, lantern.ui("region_set", region=regions[code]))


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask first: forgetting cannot be undone."""
    lantern = services(context).lantern
    keyboard = render.confirm_keyboard(lantern.ui("forget_yes"), lantern.ui("forget_no"))
    await _send_text(update, context, lantern.ui("forget_confirm"), keyboard)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _send_ui(update, context, "unknown_command")


# --- messages and buttons ---------------------------------------------------------------------


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any text (new or edited, or a media caption) goes through the core."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    if _in_group(update.effective_chat):
        text = _without_mention(text, context.bot.username)
    await _respond(update, context, lambda lantern, key, region: lantern.reply(key, text, region=region),
                   offload=len(text) > OFFLOAD_CHARS)


def looks_urgent(lantern: Lantern, update: Update) -> bool:
    """Whether this update will get a crisis reply (or is /sos): asked only for a message that
    has to wait behind earlier ones of its chat, so that chat's queue can go first."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message is not None else ""
    if not text:
        return False
    if text.lstrip().lower().startswith("/sos"):
        return True
    catalog = lantern.catalog
    detector = catalog.detector if catalog is not None else None
    if detector is None:
        from bot.crisis import builtin_detect

        return builtin_detect(text) is not None
    return detector.detect(text) is not None


async def non_text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, voice note, photo, file or location: Lantern cannot read it, so it says so kindly,
    with the way to help now one tap away (a voice note may have been a cry for help)."""
    lantern = services(context).lantern
    help_now = render.suggestion_keyboard([Suggestion(SOS_ANSWER, lantern.ui("sos_button"))])
    await _send_text(update, context, lantern.ui("non_text", region_code=await _user_region(update, context)), help_now)


async def answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A topic or follow-up button: answer the press at once, then behave like asking that topic."""
    query = update.callback_query
    await _answer_query(update)
    _, answer_id = render.parse_callback(query.data if query else None)
    if answer_id == TOPICS:  # "All topics": the menu, as /topics; a menu is not an answer to count
        await topics(update, context)
        return
    await _respond(update, context,
                   lambda lantern, key, region: lantern.answer(answer_id, user_key=key, region=region))


async def region_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _answer_query(update)
    lantern = services(context).lantern
    _, code = render.parse_callback(update.callback_query.data)
    regions = lantern.regions()
    if code not in regions:
        await _send_text(update, context, _region_unknown(lantern))
        return
    await _set_region(update, context, code)
    await _replace_question(update, lantern.ui("region_set", region=regions[code]))


async def forget_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget everything about the user: the store's rows, the core's memory, this process's."""
    await _answer_query(update)
    service = services(context)
    if update.callback_query.data != render.FORGET_YES:
        await _replace_question(update, service.lantern.ui("forget_cancelled"))
        return
    key = service.user_key(update.effective_user.id)
    context.user_data.clear()
    service.lantern.forget(key)
    service.regions.forget(key)
    if service.store is not None:
        try:
            await service.store.forget(key)
        except StoreError as error:
            logger.error("store: forget failed (%s); told the user", type(error).__name__)
            await _replace_question(update, service.lantern.ui("store_unavailable"))
            return
    await _replace_question(update, service.lantern.ui("forget_done"))


async def log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log and keep going. Telegram errors are logged by class only; their text can hold URLs."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, TelegramError):
        logger.error("update %s: Telegram error %s", update_id, describe(error))
    else:
        logger.error("update %s: unexpected %s", update_id, type(error).__name__, exc_info=error)


# --- the reply path ---------------------------------------------------------------------------

ReplyMaker = Callable[["Lantern", str, "str | None"], Reply]


async def _respond(update: Update, context: ContextTypes.DEFAULT_TYPE, make_reply: ReplyMaker, *,
                   typing: bool = True, offload: bool = False) -> None:
    """Prepare a reply with the core (showing 'typing…' if slow), send it, then record what happened.

    Nothing before the send touches the store: the region comes from memory, or is the default
    until the store has told us (looked up after this reply, for the next one).
    """
    service = services(context)
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        return
    typing_shown = TypingIndicator(context, chat.id, service.typing_after) if typing else None
    key = service.user_key(user.id)
    known, region_code = _cached_region(context, key)
    try:
        reply = await _prepare(service.lantern, make_reply, key, region_code, offload=offload)
        await _deliver(update, context, reply, typing=typing_shown)
    finally:
        if typing_shown is not None:
            typing_shown.cancel()  # a no-op once settled; stops a stray 'typing…' if anything failed
    await _record(context, reply, key)
    if not known:
        await _region_from_store(context, key)


async def _prepare(lantern: Lantern, make_reply: ReplyMaker, key: str, region: str | None, *,
                   offload: bool) -> Reply:
    """The core's reply; a long message is worked out in a thread so other chats keep moving."""
    try:
        if offload:
            return await asyncio.to_thread(make_reply, lantern, key, region)
        return make_reply(lantern, key, region)
    except Exception as error:  # the core promises not to raise; if it does, help now
        logger.error("core failed on a message (%s); sent the help-now reply", type(error).__name__)
        return lantern.sos(region)


async def _deliver(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply, *,
                   typing: TypingIndicator | None = None) -> None:
    """Urgent replies go out first in line and are retried; others let a 'typing…' in flight land first."""
    chat_id = update.effective_chat.id
    service = services(context)
    messages = render.render_reply(reply, sources_label=service.lantern.ui("sources"))
    if reply.urgent or reply.kind == "crisis":
        if typing is not None:
            typing.cancel()
        await send_urgent(context.bot, chat_id, messages, category=reply.crisis, policy=service.urgent_policy)
        return
    if typing is not None:
        await typing.settle()
    await send_reply(context.bot, chat_id, messages, policy=service.reply_policy)


async def _record(context: ContextTypes.DEFAULT_TYPE, reply: Reply, key: str) -> None:
    """Counters and the unmatched list, after the reply is out. Never the user's words, except the
    normalised unmatched text the core chose to hand over for the operators' list, scrubbed of
    numbers, addresses and names and kept under the user's key (their /forget removes it)."""
    store = services(context).store
    if store is None:
        return
    if reply.crisis:
        await _stored("count_escalation", store.count_escalation(reply.crisis))
    if reply.unmatched_text:
        known = content_words(services(context).lantern.catalog)
        await _stored("record_unmatched", store.record_unmatched(scrub(reply.unmatched_text, known), key))
    await _stored("count_usage", store.count_usage(reply.kind))
    if reply.intent and reply.kind in ("answer", "smalltalk"):  # a topic button counts under its answer id
        await _stored("count_intent", store.count_intent(reply.intent))
    today = datetime.now(UTC).date().isoformat()
    if context.user_data is not None and context.user_data.get(_SEEN_ON) != today:
        context.user_data[_SEEN_ON] = today  # even if the write fails: retry tomorrow, not per message
        await _stored("touch_user", store.touch_user(key))


class TypingIndicator:
    """'typing…' for a reply that is taking a while: sent once `after` seconds have passed.

    Best effort: a lost typing action never costs the reply. `settle` before sending the reply:
    it drops an indicator not yet due, and lets one in flight land first, so 'typing…' never
    arrives after the answer and lingers under it. Most replies are ready long before `after`,
    so the wait is a plain timer, and a task exists only once the action is really sent.
    """

    def __init__(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, after: float) -> None:
        self._bot, self._chat_id = context.bot, chat_id
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        if after <= 0:
            self._send()
        else:
            self._timer = asyncio.get_running_loop().call_later(after, self._send)

    def _send(self) -> None:
        self._task = asyncio.create_task(self._show())

    async def _show(self) -> None:
        with contextlib.suppress(TelegramError):
            await self._bot.send_chat_action(self._chat_id, ChatAction.TYPING)

    async def settle(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None:
            await self._task

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None:
            self._task.cancel()


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


def _cached_region(context: ContextTypes.DEFAULT_TYPE, key: str) -> tuple[bool, str | None]:
    """The user's region without touching the store: (known for sure, region or None = default)."""
    user_data = context.user_data if context.user_data is not None else {}
    if _REGION in user_data:
        return True, user_data[_REGION]
    known, region = services(context).regions.known(key)
    if known:
        user_data[_REGION] = region
    return known, region


async def cached_region(context: ContextTypes.DEFAULT_TYPE, key: str) -> str | None:
    """For other handlers (check-ins): the region as `_respond` uses it, the store asked only if
    it was not loaded at start, and then after nothing urgent is waiting on it."""
    known, region = _cached_region(context, key)
    return region if known else await _region_from_store(context, key)


async def _region_from_store(context: ContextTypes.DEFAULT_TYPE, key: str) -> str | None:
    """Ask the store once (only when the start-up load failed); remember the answer for this process."""
    store = services(context).store
    chosen = await _stored("get_region", store.get_region(key)) if store is not None else None
    user_data = context.user_data if context.user_data is not None else {}
    if _REGION not in user_data:  # a /region meanwhile wins
        user_data[_REGION] = chosen
    return user_data[_REGION]


async def load_regions(application: Any) -> bool:
    """At start: every user's chosen region into memory; False (and a warning) if the store cannot."""
    service: Services = application.bot_data[SERVICES]
    if service.store is None:
        service.regions.fill({})
        return True
    try:
        regions = await asyncio.wait_for(service.store.regions(), REGION_LOAD_SECONDS)
    except (StoreError, TimeoutError) as error:
        logger.warning("users' regions not loaded at start (%s); each is read after the user's first reply",
                       getattr(error, "fault", type(error).__name__))
        return False
    service.regions.fill(regions)
    logger.info("loaded %d users' chosen regions", len(regions))
    return True


async def _set_region(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    service = services(context)
    key = service.user_key(update.effective_user.id)
    if context.user_data is not None:
        context.user_data[_REGION] = code
    service.regions.set(key, code)
    if service.store is not None:
        await _stored("set_region", service.store.set_region(key, code))


async def _stored(what: str, call: Awaitable[T]) -> T | None:
    """Run one store call; a StoreError is logged (no user data) and becomes None."""
    try:
        return await call
    except StoreError as error:
        logger.warning("store: %s failed (%s); carrying on", what, type(error).__name__)
        return None


# --- small helpers ----------------------------------------------------------------------------


async def _send_ui(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **values: Any) -> None:
    region_code = await _user_region(update, context)
    await _send_text(update, context, services(context).lantern.ui(key, region_code=region_code, **values))


async def _user_region(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The sender's region, for interface texts that give help lines (the welcome, /about)."""
    user = update.effective_user
    return await cached_region(context, services(context).user_key(user.id)) if user is not None else None


async def _send_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str,
                     keyboard: Any = None) -> None:
    if update.effective_chat is not None:
        await send_reply(context.bot, update.effective_chat.id, render.render_text(text, keyboard))


async def _answer_query(update: Update) -> None:
    """Stop the button's spinner first; if Telegram says the press is too old, answer anyway."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer()
    except TelegramError as error:
        logger.info("answerCallbackQuery failed (%s); answering the press anyway", describe(error))


async def _replace_question(update: Update, text: str) -> None:
    """Turn a question with buttons into its outcome, so old buttons cannot be pressed twice."""
    query = update.callback_query
    message = render.render_text(text)[0]
    try:
        await query.edit_message_text(message.html, parse_mode="HTML")
    except TelegramError as error:
        logger.info("could not edit the question (%s); sending the outcome instead", describe(error))
        await send_reply(query.get_bot(), update.effective_chat.id, render.render_text(text))


def _region_unknown(lantern: Lantern) -> str:
    listed = ", ".join(f"{code} ({name})" for code, name in lantern.regions().items())
    return lantern.ui("region_unknown", regions=listed)


def _in_group(chat: Chat | None) -> bool:
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def _without_mention(text: str, username: str | None) -> str:
    if not username:
        return text
    return re.sub(rf"@{re.escape(username)}\b", "", text, flags=re.IGNORECASE).strip()
