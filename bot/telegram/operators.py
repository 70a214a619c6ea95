"""Operators in Telegram: /stats, /unmatched and /reload, and word of a rejected content reload.

Only the Telegram user ids listed in `operators` (settings), in a private chat, reach these
handlers; for anyone else the commands fall through to the general unknown-command reply, so a
user cannot even tell they exist. They are not in the public command menu. `register` wires the
handlers and the `ContentReloader`; `bot.telegram.app` starts and stops the file watcher with the
application (`start_watching`, `stop_watching`) and sends SIGHUP to `request_reload`.

Operator messages are plain text (escaped by render.py). The figures come from
`bot.operator_stats`, shared with `lantern stats`; what a reload checks is `bot.reload`'s job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from telegram import Bot, Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.config import Settings
from bot.operator_stats import content_path, format_stats, format_unmatched, gather_stats, review_unmatched
from bot.reload import ContentReloader, ReloadOutcome
from bot.store import StoreError
from bot.telegram import handlers, render
from bot.telegram.delivery import send_reply

log = logging.getLogger(__name__)

COMMANDS = ("stats", "unmatched", "reload")
# Editors save in bursts (a temporary file, then a rename): watchfiles groups changes until 50 ms
# pass without one, for at most this long, so a burst is one reload.
WATCH_DEBOUNCE_MS = 300
UNMATCHED_SHOWN = 20
# A rejection lists at most this many errors; `lantern validate` shows them all.
ERRORS_SHOWN = 30
# How long stopping waits for the watcher's thread to notice (it checks every 50 ms).
_STOP_WAIT = 5.0


@dataclass
class OperatorServices:
    """What the operator handlers and the watcher share (`Services.operators`)."""

    operators: tuple[int, ...]
    reloader: ContentReloader
    debounce_ms: int = WATCH_DEBOUNCE_MS
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    watcher: asyncio.Task[None] | None = None
    reloads: set[asyncio.Task[ReloadOutcome]] = field(default_factory=set)


def register(application: Application, settings: Settings, *, debounce_ms: int = WATCH_DEBOUNCE_MS) -> None:
    """Add the operator commands (before the catch-all unknown-command handler) and the reloader."""
    lantern = application.bot_data[handlers.SERVICES].lantern

    async def tell_operators(outcome: ReloadOutcome) -> None:
        await notify_operators(application.bot, settings.operators, rejection_text(outcome, settings))

    # The check-in texts are part of the catalog: an applied reload swaps them with the rest.
    reloader = ContentReloader(lantern, settings, on_rejected=tell_operators)
    store = application.bot_data[handlers.SERVICES].store
    if store is not None:  # a database file deleted or replaced under the bot is news for operators
        store.on_reopened.append(lambda reason: asyncio.get_running_loop().create_task(
            notify_operators(application.bot, settings.operators, f"Database warning: {reason}")))
    application.bot_data[handlers.SERVICES].operators = OperatorServices(tuple(settings.operators), reloader,
                                                                         debounce_ms)
    # An empty id list matches nobody (PTB's allow_empty=False): with no operators, no one gets in.
    operator_only = filters.ChatType.PRIVATE & filters.User(user_id=settings.operators)
    application.add_handlers([
        CommandHandler("stats", stats, filters=operator_only),
        CommandHandler("unmatched", unmatched, filters=operator_only),
        CommandHandler("reload", reload, filters=operator_only),
    ])


def _services(application: Application) -> OperatorServices | None:
    service = application.bot_data.get(handlers.SERVICES)
    return service.operators if service is not None else None


# --- commands ---------------------------------------------------------------------------------


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The same figures as `lantern stats`."""
    store = handlers.services(context).store
    if store is None:
        text = "No figures: Lantern is running without a store."
    else:
        try:
            text = format_stats(await gather_stats(store, datetime.now(UTC)))
        except StoreError as error:
            text = f"No figures: {error}"
    await _send(context.bot, update, text)


async def unmatched(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The questions nothing answered, most frequent first, with the nearest intent of each."""
    service = handlers.services(context)
    if service.store is None:
        text = "No list: Lantern is running without a store."
    else:
        try:
            questions = await service.store.unmatched(limit=UNMATCHED_SHOWN)
        except StoreError as error:
            text = f"No list: {error}"
        else:
            reviewed = review_unmatched(service.lantern.catalog, questions)
            text = format_unmatched(reviewed, heading="Questions nothing answered")
            if reviewed:
                text += "\n\n`lantern unmatched --suggest` turns them into examples to paste."
    await _send(context.bot, update, text)


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reload the content now. A rejection reaches every operator (this one too) as it happens."""
    service = _services(context.application)
    if service is None:
        return
    outcome = await service.reloader.reload()
    if outcome.applied:
        warnings = sum(f.level == "warning" for f in outcome.findings)
        await _send(context.bot, update, f"Content reloaded: the new content serves from now on "
                                         f"(checked in {outcome.elapsed_ms:.0f} ms; {warnings} warning(s), "
                                         "`lantern validate` lists them).")


async def _send(bot: Bot, update: Update, text: str) -> None:
    if update.effective_chat is not None:
        await send_reply(bot, update.effective_chat.id, render.render_text(text))


# --- telling operators ------------------------------------------------------------------------


def rejection_text(outcome: ReloadOutcome, settings: Settings) -> str:
    """The errors as `file:line: message`, paths shown from the content folders down."""
    errors = [f"{_short_where(f.where, settings)}: {f.message}" for f in outcome.findings if f.level == "error"]
    lines = ["Content reload rejected: the previous content keeps serving. Fix these, then save (or /reload):",
             ""]
    lines += errors[:ERRORS_SHOWN]
    if len(errors) > ERRORS_SHOWN:
        lines.append(f"... and {len(errors) - ERRORS_SHOWN} more (`lantern validate` lists them all)")
    return "\n".join(lines)


def _short_where(where: str, settings: Settings) -> str:
    """'/srv/lantern/content/intents/topics.yaml:12' -> 'intents/topics.yaml:12'."""
    folders = (settings.content.intents_dir, settings.content.responses_dir)
    path, colon, line = where.rpartition(":")
    if not colon or not line.isdigit():
        return content_path(where, folders)
    return f"{content_path(path, folders)}:{line}"


async def notify_operators(bot: Bot, operators: Iterable[int], text: str) -> None:
    """Send `text` to each operator's private chat (its id is the user id); a failure is logged."""
    messages = render.render_text(text)
    for operator in operators:
        if not await send_reply(bot, operator, messages):
            log.warning("an operator was not told of a rejected reload (have they started a chat with the bot?)")


# --- watching and signals ---------------------------------------------------------------------


def start_watching(application: Application) -> None:
    """Reload whenever a YAML file under the content folders changes, until `stop_watching`."""
    service = _services(application)
    if service is None or service.watcher is not None:
        return
    service.stop = asyncio.Event()
    service.watcher = asyncio.create_task(_watch(service), name="lantern-content-watch")


async def _watch(service: OperatorServices) -> None:
    folders = [folder for folder in service.reloader.folders if folder.is_dir()]
    if not folders:
        log.warning("content folders not found: not watching for changes (SIGHUP and /reload still work)")
        return
    try:
        await service.reloader.watch(service.stop, debounce_ms=service.debounce_ms)
    except Exception:
        log.exception("watching the content stopped; SIGHUP and /reload still reload it")


async def stop_watching(application: Application) -> None:
    """Stop the watcher and let reloads in progress finish (a half-done reload swaps nothing)."""
    service = _services(application)
    if service is None:
        return
    service.stop.set()
    watcher, service.watcher = service.watcher, None
    if watcher is not None:
        try:
            await asyncio.wait_for(watcher, _STOP_WAIT)
        except TimeoutError:
            log.warning("the content watcher did not stop within %.0f s; cancelled", _STOP_WAIT)
    if service.reloads:
        await asyncio.gather(*service.reloads, return_exceptions=True)


def request_reload(application: Application) -> None:
    """For a signal handler (SIGHUP): reload in the background, as /reload would."""
    service = _services(application)
    if service is None:
        return
    log.info("SIGHUP: reloading the content")
    task = asyncio.get_running_loop().create_task(service.reloader.reload(), name="lantern-content-reload")
    service.reloads.add(task)
    task.add_done_callback(service.reloads.discard)
