"""Builds the Telegram application and runs it: the one place that wires handlers to PTB.

`build_application` turns settings, a core and a store into a ready `Application`;
`start`/`stop` bring it up and down (polling or webhook); `serve` is the whole life of
`lantern run`, from opening the store to a clean stop on SIGTERM. What each update means lives
in handlers.py, not here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import traceback
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.config import TOKEN_ENV, Settings
from bot.conversation import Conversation
from bot.errors import LanternError
from bot.pseudonym import Pseudonyms
from bot.telegram import checkin_handlers, handlers, operators, reminders, render, webhook_server
from bot.telegram.delivery import REPLY, URGENT, PriorityRateLimiter, RetryPolicy, describe, priority_limiter

if TYPE_CHECKING:
    from bot.core import Lantern
    from bot.store import Store

logger = logging.getLogger(__name__)

# Shown in Telegram's command menu (set with setMyCommands at every start).
BOT_COMMANDS: tuple[BotCommand, ...] = (
    BotCommand("start", "What Lantern can and cannot do"),
    BotCommand("topics", "Browse topics"),
    BotCommand("sos", "Get help now: crisis lines"),
    BotCommand("help", "How to use Lantern"),
    BotCommand("region", "Choose your country for help lines"),
    BotCommand("privacy", "What Lantern keeps about you"),
    BotCommand("forget", "Delete what Lantern keeps about you"),
    BotCommand("about", "About Lantern"),
)

# Only what the handlers use: Telegram then does not even send the rest.
ALLOWED_UPDATES: tuple[str, ...] = (Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY)

MISSING_TOKEN = (f"no Telegram bot token: set {TOKEN_ENV} (or telegram.token in the config file); "
                 "`lantern chat` works without one")


# Every update gets its own task at once (PTB creates one per update anyway; this only caps how
# many may run). A low cap made a crisis message wait for a slot behind updates that were merely
# waiting their turn in the rate limiter (measured: 81 s median in a 5,000-update burst); the rate
# limiter, not this number, now decides what goes out first.
MAX_CONCURRENT_UPDATES = 100_000
# Open connections to the Bot API. httpcore looks at every pooled connection on each request, and
# connections opened in a burst stay open, so PTB's default (256) makes every later request dearer.
# Eight carry far more than Telegram's 30 messages/s; an update finding all eight busy waits for
# one (up to POOL_TIMEOUT_SECONDS) instead of failing, since PTB's default wait is one second.
CONNECTION_POOL_SIZE = 8
POOL_TIMEOUT_SECONDS = 30.0

UrgentCheck = Callable[[Update], bool]
LONG_MESSAGE_CHARS = handlers.OFFLOAD_CHARS


class _ChatLift:
    """One waiting crisis message's lift of its chat's queue, ended exactly once."""

    def __init__(self, limiter: PriorityRateLimiter | None, chat_id: int) -> None:
        self._limiter, self.chat_id = limiter, chat_id
        self._state = "idle"

    def start(self) -> None:
        if self._state == "idle" and self._limiter is not None:
            self._limiter.boost(self.chat_id)
            self._state = "lifted"

    def end(self) -> None:
        if self._state == "lifted" and self._limiter is not None:
            self._limiter.unboost(self.chat_id)
        self._state = "ended"


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates from different chats run concurrently; updates from one chat run in order.

    Why: a crisis reply that is retrying through a flood wait must not hold up everyone else,
    but one person's messages must still be answered in the order they were sent. A crisis
    message that has to wait behind earlier messages of its own chat lifts that chat's queued
    replies to urgent (`PriorityRateLimiter.boost`), so it waits for its chat, not for everyone.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = defaultdict(int)
        self._is_urgent: UrgentCheck | None = None
        self._limiter: PriorityRateLimiter | None = None

    def lift_chats_with_crisis(self, is_urgent: UrgentCheck, limiter: PriorityRateLimiter | None) -> None:
        self._is_urgent, self._limiter = is_urgent, limiter

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._chat_locks.setdefault(chat.id, asyncio.Lock())
        lift = _ChatLift(self._limiter, chat.id)
        urgent = self._urgent_now(update)
        checking = None
        if urgent and lock.locked():
            lift.start()
        elif urgent is None and lock.locked():
            checking = asyncio.create_task(self._lift_if_urgent(update, lift))
        self._waiting[chat.id] += 1
        try:
            async with lock:
                if not urgent:
                    # Updates arrive in batches of up to 100; an ordinary one steps back once (in
                    # its chat's place), so a crisis message later in the same batch is answered
                    # before the rest are worked on.
                    await asyncio.sleep(0)
                await coroutine
        finally:
            if checking is not None:
                checking.cancel()
            lift.end()
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:  # forget idle chats: memory stays flat with many users
                del self._waiting[chat.id], self._chat_locks[chat.id]

    def _urgent_now(self, update: Update) -> bool | None:
        """Crisis (or /sos) or not, for a message short enough to check here; None for a long one
        (checked in a thread only if it has to wait, see `_lift_if_urgent`)."""
        if self._is_urgent is None:
            return False
        message = update.effective_message
        text = (message.text or message.caption or "") if message is not None else ""
        if len(text) > LONG_MESSAGE_CHARS:
            return None
        try:
            return self._is_urgent(update)
        except Exception:
            logger.exception("crisis pre-check failed (message text not logged)")
            return False

    async def _lift_if_urgent(self, update: Update, lift: _ChatLift) -> None:
        """Check a waiting message for crisis beside the others. A long one is checked (in a thread,
        so the check holds up no other chat) only when its chat has replies queued for sending:
        measured, checking every long message in threads cost other chats ~100 ms of GIL."""
        if self._is_urgent is None or self._limiter is None:
            return
        message = update.effective_message
        text = (message.text or message.caption or "") if message is not None else ""
        try:
            if len(text) > LONG_MESSAGE_CHARS:
                if not self._limiter.has_queued(lift.chat_id):
                    return
                urgent = await asyncio.to_thread(self._is_urgent, update)
            else:
                urgent = self._is_urgent(update)
        except Exception:
            logger.exception("crisis pre-check failed (message text not logged)")
            return
        if urgent:
            lift.start()

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def default_rate_limiter() -> PriorityRateLimiter:
    """Telegram's documented limits (30 messages/s overall, 20/min per group), crisis replies first."""
    return PriorityRateLimiter()


def application_builder(settings: Settings, rate_limiter: BaseRateLimiter[Any] | None = None) -> ApplicationBuilder:
    """PTB's builder set up as Lantern runs it, before any handler: also the benchmark's echo bot."""
    secret = settings.bot_token()
    if secret is None:
        raise LanternError(MISSING_TOKEN)
    token = secret.get_secret_value()  # the one place it is read: PTB needs it for every request
    redact_in_logs(token)  # httpx and PTB put it in every URL they log
    return (
        Application.builder()
        .token(token)
        .base_url(settings.telegram.base_url)
        .base_file_url(settings.telegram.base_file_url)
        .rate_limiter(rate_limiter or default_rate_limiter())
        .concurrent_updates(PerChatUpdateProcessor())
        .connection_pool_size(CONNECTION_POOL_SIZE)
        .pool_timeout(POOL_TIMEOUT_SECONDS)
    )


def build_application(settings: Settings, lantern: Lantern, store: Store | None, *,
                      rate_limiter: BaseRateLimiter[Any] | None = None,
                      urgent_policy: RetryPolicy = URGENT,
                      reply_policy: RetryPolicy = REPLY,
                      typing_after: float = handlers.TYPING_AFTER,
                      reload_debounce_ms: int = operators.WATCH_DEBOUNCE_MS,
                      pseudonyms: Pseudonyms | None = None) -> Application:
    """Wire the core and store into a PTB Application. Nothing touches the network until `start`.

    Operator commands are wired too, but stay out of the public command menu. Without
    `pseudonyms`, user keys mean something only while this process runs.
    """
    withhold_update_text()
    application = application_builder(settings, rate_limiter).build()
    conversation = Conversation(lantern, store, pseudonyms or Pseudonyms.for_process(), default_region=settings.region,
                                reminders=reminders.JobQueueReminders(application.job_queue))
    application.bot_data[handlers.SERVICES] = handlers.Services(conversation, store, urgent_policy, typing_after,
                                                                reply_policy)
    limiter = priority_limiter(application.bot)
    if isinstance(application.update_processor, PerChatUpdateProcessor):
        application.update_processor.lift_chats_with_crisis(
            lambda update: handlers.looks_urgent(lantern, update), limiter)
    if limiter is not None and store is not None:
        limiter.on_lost = store.count_undelivered
    _check_topic_buttons(lantern)
    commands = list(BOT_COMMANDS)
    _add_own_handlers(application)
    commands += checkin_handlers.register(application, settings)
    operators.register(application, settings, debounce_ms=reload_debounce_ms)  # before the catch-all
    _add_catch_all_handlers(application)
    application.add_error_handler(handlers.log_error)
    application.bot_data[handlers.SERVICES].commands = commands
    return application


def _add_own_handlers(application: Application) -> None:
    application.add_handlers([
        CommandHandler("start", handlers.start),
        CommandHandler("help", handlers.help_command),
        CommandHandler("topics", handlers.topics),
        CommandHandler("sos", handlers.sos),
        CommandHandler("region", handlers.region),
        CommandHandler("privacy", handlers.privacy),
        CommandHandler("forget", handlers.forget),
        CommandHandler("about", handlers.about),
        CallbackQueryHandler(handlers.answer_button, pattern=f"^{render.ANSWER_PREFIX}:"),
        CallbackQueryHandler(handlers.region_button, pattern=f"^{render.REGION_PREFIX}:"),
        CallbackQueryHandler(handlers.forget_button, pattern=f"^{render.FORGET_PREFIX}:"),
    ])


def _add_catch_all_handlers(application: Application) -> None:
    """Last in line: text to the core, media to the kind 'text only' reply, unknown commands."""
    messages = filters.UpdateType.MESSAGES
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    has_words = (filters.TEXT | filters.CAPTION) & ~filters.COMMAND
    application.add_handlers([
        MessageHandler(messages & private & has_words, handlers.text_message),
        MessageHandler(messages & groups & has_words & handlers.AddressedToBot(), handlers.text_message),
        MessageHandler(messages & private & ~filters.TEXT & ~filters.CAPTION & ~filters.StatusUpdate.ALL,
                       handlers.non_text_message),
        MessageHandler(messages & filters.COMMAND & ~handlers.CommandForOtherBot(), handlers.unknown_command),
    ])


def _check_topic_buttons(lantern: Lantern) -> None:
    """Catch an answer id too long for callback_data at start-up, not when a user taps."""
    for topic in lantern.topics():
        try:
            render.callback_data(render.ANSWER_PREFIX, topic.answer_id)
        except ValueError:
            logger.warning("topic button %r will not be shown: its id does not fit Telegram's "
                           "64-byte callback_data", topic.answer_id[:40])


async def start(application: Application, settings: Settings, *, poll_timeout: float = 10.0) -> None:
    """Connect (getMe), publish the command menu, start watching the content, then start polling
    or the webhook server."""
    if settings.telegram.mode == "webhook" and not settings.telegram.webhook.public_url:
        raise LanternError("telegram.webhook.public_url is required when telegram.mode is webhook")
    try:
        await application.initialize()
    except InvalidToken as error:
        raise LanternError(f"Telegram refused the bot token ({describe(error)}); check {TOKEN_ENV}") from None
    except TelegramError as error:
        raise LanternError(f"could not reach Telegram at {settings.telegram.base_url} "
                           f"({describe(error)})") from None
    await handlers.load_regions(application)
    if application.post_init is not None:  # as run_polling/run_webhook would (check-ins use it)
        await application.post_init(application)
    try:
        await application.bot.set_my_commands(application.bot_data[handlers.SERVICES].commands)
    except TelegramError as error:
        logger.warning("could not publish the command menu (%s); commands still work", describe(error))
    await application.start()
    operators.start_watching(application)
    updater = application.updater
    assert updater is not None  # built with the default Updater
    if settings.telegram.mode == "webhook":
        webhook = settings.telegram.webhook
        assert webhook.public_url is not None  # checked above, before connecting
        # Telegram echoes the secret on every webhook request; with none configured, a random one
        # still keeps anyone else from posting fake updates to us.
        secret = webhook.secret_token.get_secret_value() if webhook.secret_token else secrets.token_urlsafe(32)
        redact_in_logs(secret)
        await updater.start_webhook(
            listen=webhook.listen,
            port=webhook.port,
            url_path=webhook.url_path,
            webhook_url=f"{webhook.public_url.rstrip('/')}/{webhook.url_path.lstrip('/')}",
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        webhook_server.install(application, webhook.url_path, secret)
        logger.info("Lantern is running (webhook on %s:%d)", webhook.listen, webhook.port)
    else:
        await updater.start_polling(timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES)
        logger.info("Lantern is running (polling)")


async def stop(application: Application) -> None:
    """Stop fetching, then finish every update already taken from Telegram, then disconnect.

    Polling: `Updater.stop` confirms the fetched updates to Telegram, and `Application.stop`
    processes all of them before returning, so nothing acknowledged is lost. Webhook: updates are
    acknowledged (HTTP 200) once queued, and the queue is drained the same way. The content
    watcher stops first; a reload already running finishes (or swaps nothing).
    """
    await operators.stop_watching(application)
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def serve(settings: Settings, *, rate_limiter: BaseRateLimiter[Any] | None = None,
                poll_timeout: float = 10.0,
                stop_signals: Iterable[signal.Signals] = (signal.SIGINT, signal.SIGTERM)) -> None:
    """The whole life of `lantern run`: open, run until a stop signal, stop cleanly, close.

    SIGHUP reloads the content (as a change under the content folders or /reload does).
    """
    from bot.core import Lantern  # the core loads content: only when really starting

    token = settings.bot_token()
    if token is None:
        raise LanternError(MISSING_TOKEN)
    webhook_secret = settings.telegram.webhook.secret_token
    redact_in_logs(token.get_secret_value(), webhook_secret.get_secret_value() if webhook_secret else None)
    pseudonyms = Pseudonyms.from_env()  # missing or weak: a one-line LanternError for the operator
    redact_in_logs(pseudonyms.secret.decode("utf-8", "replace"))
    store = await _open_store(settings)
    lantern = Lantern.from_settings(settings)
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in stop_signals:
        loop.add_signal_handler(stop_signal, stop_requested.set)
    hangup: signal.Signals | None = None
    try:
        application = build_application(settings, lantern, store, rate_limiter=rate_limiter, pseudonyms=pseudonyms)
        hangup = _reload_on_hangup(loop, application)
        try:
            await start(application, settings, poll_timeout=poll_timeout)
            await stop_requested.wait()
            logger.info("stop requested: finishing the updates already received")
        finally:
            await stop(application)
    finally:
        for stop_signal in stop_signals:
            loop.remove_signal_handler(stop_signal)
        if hangup is not None:
            loop.remove_signal_handler(hangup)
        await store.close()


def _reload_on_hangup(loop: asyncio.AbstractEventLoop, application: Application) -> signal.Signals | None:
    """SIGHUP reloads the content, where the platform and loop allow it (not on Windows)."""
    hangup = getattr(signal, "SIGHUP", None)
    if hangup is None:
        return None
    try:
        loop.add_signal_handler(hangup, operators.request_reload, application)
    except (NotImplementedError, RuntimeError, ValueError):
        logger.info("SIGHUP is not available here: reload with /reload or by saving a content file")
        return None
    return hangup


async def _open_store(settings: Settings) -> Store:
    """The store, or a stand-in that refuses every call if the database cannot open: answers and
    crisis help never depend on storage; only remembered regions and counters do."""
    from bot.store import Store, StoreError

    try:
        return await Store.open(settings.storage.path)
    except StoreError as error:
        logger.error("storage unavailable, running without it: %s", error)
        return Store.unavailable(str(error))


def run(settings: Settings) -> None:
    """Entry point of `lantern run`. Raises LanternError (one line) for what an operator must fix."""
    if settings.bot_token() is None:
        raise LanternError(MISSING_TOKEN)
    # PTB's documented opt-in to its next major's RetryAfter type (delivery.py reads either);
    # without it every 429 also prints a deprecation warning.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    configure_logging(settings.log_level)
    asyncio.run(serve(settings))


# --- logs -------------------------------------------------------------------------------------

_REDACTED = "[redacted]"
_secrets_to_redact: set[str] = set()


# Libraries whose DEBUG output carries what users wrote or what Lantern replied (PTB prints every
# update and every request's parameters, aiosqlite every statement's parameters): they stay at INFO
# even when Lantern itself runs at DEBUG. httpx logs each request's URL (with the token) at INFO.
QUIET_LIBRARIES = {"telegram": logging.INFO, "aiosqlite": logging.INFO, "apscheduler": logging.INFO,
                    "httpx": logging.WARNING, "httpcore": logging.WARNING,
                    "watchfiles": logging.WARNING}  # Lantern logs each content change itself


def configure_logging(level: str) -> None:
    """Plain logs to stderr at `level` for Lantern; never message text from libraries."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name, floor in QUIET_LIBRARIES.items():
        logging.getLogger(name).setLevel(max(floor, logging.getLevelName(level)))
    withhold_update_text()


_WITHHELD = "[withheld: may hold what a user wrote]"


class WithholdUpdateText(logging.Filter):
    """python-telegram-bot logs updates and API payloads as they are: every update at DEBUG, a
    malformed one (message text included) at CRITICAL, a webhook body, an unreadable API answer.
    This keeps the library's words and numbers and replaces every other argument (updates, JSON,
    parameters) with a placeholder; an exception keeps its traceback and class, not its message.
    Installed on every `telegram` logger (a logger's filters do not reach its children)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(a if isinstance(a, (int, float, bool)) or a is None else _WITHHELD for a in args)
        if record.exc_info and record.exc_info[1] is not None:
            kind, _error, trace = record.exc_info
            frames = "".join(traceback.format_tb(trace))
            record.exc_text = f"Traceback (most recent call last):\n{frames}{kind.__name__}: {_WITHHELD}"
            record.exc_info = None
        return True


_UPDATE_TEXT_FILTER = WithholdUpdateText()


def withhold_update_text() -> None:
    """Install `WithholdUpdateText` on python-telegram-bot's loggers (safe to call again)."""
    import telegram.ext  # noqa: F401  (its modules create their loggers on import)

    names = ["telegram", *(n for n in logging.root.manager.loggerDict if n.startswith("telegram."))]
    for name in names:
        target = logging.getLogger(name)
        if _UPDATE_TEXT_FILTER not in target.filters:
            target.addFilter(_UPDATE_TEXT_FILTER)


def redact_in_logs(*values: str | None) -> None:
    """Replace these secrets in every log record, whoever logs it and whatever handler prints it.

    Done in the record factory rather than a handler filter so it also covers handlers added
    later (pytest's caplog, an operator's own logging config) and formatted tracebacks.
    """
    fresh = {value for value in values if value and len(value) >= 8} - _secrets_to_redact
    if not fresh:
        return
    if not _secrets_to_redact:
        logging.setLogRecordFactory(_redacting(logging.getLogRecordFactory()))
    _secrets_to_redact.update(fresh)


def _redacting(make_record: Any) -> Any:
    def make_redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = make_record(*args, **kwargs)
        with contextlib.suppress(Exception):  # a malformed log call must still be logged
            message = record.getMessage()
            if any(secret in message for secret in _secrets_to_redact):
                record.msg, record.args = _redact(message), None
            if record.exc_info:
                record.exc_text = _redact(logging.Formatter().formatException(record.exc_info))
            if record.stack_info:
                record.stack_info = _redact(record.stack_info)
        return record

    return make_redacted_record


def _redact(text: str) -> str:
    for secret in _secrets_to_redact:
        text = text.replace(secret, _REDACTED)
    return text
