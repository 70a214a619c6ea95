"""Telegram side of the check-in: /checkin, /mood, /export, /remind, /timezone and their buttons.

Small module-level handlers that translate Telegram to `bot.checkin` (the flow, the replies),
`bot.mood_chart` and `bot.timezones`, and back. `register` wires them; `app.build_application`
calls it. Check-ins in progress live in memory only (`CheckinSessions`, never pickled by PTB
persistence), so an unkept note is never written anywhere. Typed text during a check-in is
picked up here before the general text handler, and goes through the core's crisis check first.
"""

from __future__ import annotations

import html
import logging
import re
import secrets
import time as monotonic_clock
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.checkin import (
    CheckinFlow,
    CheckinTexts,
    Done,
    Interrupted,
    Prompt,
    export_csv,
    finish,
    load_checkin_texts,
    mood_summary,
)
from bot.config import Settings
from bot.errors import LanternError
from bot.mood_picture import mood_picture
from bot.replies import Reply
from bot.store import Store, StoreError, UserSettings
from bot.telegram import reminders
from bot.telegram.delivery import REPLY, URGENT, OutgoingPhoto, Priority, deliver, describe, send_reply, send_urgent
from bot.telegram.render import FORGET_YES, OutgoingMessage, render_reply, render_text
from bot.timezones import effective_time_zone, parse_reminder_time, resolve_time_zone

if TYPE_CHECKING:
    from bot.core import Lantern

log = logging.getLogger(__name__)

T = TypeVar("T")

CALLBACK_PREFIX = "ci"  # "ci:start", or "ci:<flow token>:<value>"
# An unfinished check-in (and any note typed into it) is dropped after this long.
SESSION_TTL = timedelta(minutes=30)
# Runs before the general text handler (group 0), so a check-in gets its typed answers first.
CHECKIN_TEXT_GROUP = -1
# user_data key where the general handlers keep the user's region (bot/telegram/handlers.py).
REGION_KEY = "region"
COMMANDS = ("checkin", "mood", "export", "remind", "timezone")
BOT_COMMANDS: list[BotCommand] = []  # filled by `register` from responses/checkin.yaml


# ----- state kept in bot_data ------------------------------------------------------------------


@dataclass
class Session:
    flow: CheckinFlow
    token: str
    message_id: int | None = None
    started: float = field(default_factory=monotonic_clock.monotonic)


class CheckinSessions:
    """Check-ins in progress by user key. In memory only: pickling (PTB persistence) keeps none."""

    def __init__(self, ttl: timedelta = SESSION_TTL) -> None:
        self._ttl = ttl.total_seconds()
        self._by_user: dict[str, Session] = {}

    def begin(self, user_key: str, flow: CheckinFlow) -> Session:
        self._drop_expired()  # abandoned check-ins (and their unkept notes) do not pile up
        session = Session(flow, secrets.token_hex(3))
        self._by_user[user_key] = session
        return session

    def get(self, user_key: str) -> Session | None:
        session = self._by_user.get(user_key)
        if session is not None and self._expired(session):
            del self._by_user[user_key]
            return None
        return session

    def _expired(self, session: Session) -> bool:
        return monotonic_clock.monotonic() - session.started > self._ttl

    def _drop_expired(self) -> None:
        for user_key in [k for k, s in self._by_user.items() if self._expired(s)]:
            del self._by_user[user_key]

    def end(self, user_key: str) -> Session | None:
        return self._by_user.pop(user_key, None)

    def __len__(self) -> int:
        return len(self._by_user)

    def __getstate__(self) -> dict[str, Any]:
        return {"_ttl": self._ttl, "_by_user": {}}


@dataclass
class CheckinServices:
    """What these handlers need beyond the core and store (which come from the app's Services)."""

    texts: CheckinTexts
    default_region: str
    sessions: CheckinSessions = field(default_factory=CheckinSessions)


# ----- wiring ----------------------------------------------------------------------------------


def register(application: Application, settings: Settings | None = None) -> list[BotCommand]:
    """Add the check-in handlers, the reminder jobs' restore and the daily purge.

    Reminders are re-created from the database (and old unmatched questions purged) by a one-off
    job as soon as the job queue starts, so `build_application` needs no post_init hook for it.
    Returns the commands for Telegram's menu (also left in `BOT_COMMANDS`).
    """
    settings = settings or Settings()
    try:
        texts = load_checkin_texts(settings.content.responses_dir)
    except LanternError as exc:
        log.error("check-ins are off: %s", exc)
        BOT_COMMANDS[:] = []
        return []
    application.bot_data[reminders.CHECKIN_KEY] = CheckinServices(texts, settings.region)
    private = filters.ChatType.PRIVATE
    application.add_handlers(
        [
            CommandHandler("checkin", checkin_command),
            CommandHandler("mood", mood_command, block=False),  # a chart being drawn holds up no message
            CommandHandler("export", export_command),
            CommandHandler("remind", remind_command),
            CommandHandler("timezone", timezone_command),
            CallbackQueryHandler(checkin_button, pattern=f"^{CALLBACK_PREFIX}:"),
        ]
    )
    application.add_handlers(
        [
            MessageHandler(filters.UpdateType.MESSAGE & private & filters.TEXT & ~filters.COMMAND, checkin_text),
            # Runs just before the general /forget handler deletes the rows: no job or note outlives them.
            CallbackQueryHandler(forget_confirmed, pattern=f"^{re.escape(FORGET_YES)}$"),
        ],
        group=CHECKIN_TEXT_GROUP,
    )
    if application.job_queue is not None:
        application.job_queue.run_once(
            _at_start,
            when=0,
            name="checkin_start_up",
            data=settings.storage.retention_days,
            # Scheduled before the job queue starts: with APScheduler's default 1 s grace, a slow
            # start-up (getMe over a bad network) would skip it as "missed".
            job_kwargs={"misfire_grace_time": None},
        )
        reminders.schedule_purge(application.job_queue, settings.storage.retention_days)
    else:
        log.warning("no JobQueue (install python-telegram-bot[job-queue]): reminders are off")
    BOT_COMMANDS[:] = [BotCommand(name, texts.commands[name]) for name in COMMANDS if name in texts.commands]
    return list(BOT_COMMANDS)


async def restore_reminders(application: Application) -> int:
    """Re-create every user's reminder job from the database (PTB persistence does not save jobs)."""
    checkin = application.bot_data.get(reminders.CHECKIN_KEY)
    region = checkin.default_region if checkin is not None else "US"
    return await reminders.restore_reminders(application, default_region=region)


async def forget_user(application: Application, user_key: str) -> None:
    """For /forget: cancel the user's reminder job and drop a check-in in progress (with its note).

    The rows themselves are deleted by `store.forget`.
    """
    reminders.cancel(application.job_queue, user_key)
    checkin = application.bot_data.get(reminders.CHECKIN_KEY)
    if checkin is not None:
        checkin.sessions.end(user_key)


async def forget_confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user confirmed /forget: cancel their reminder job and drop an open check-in.

    Does not answer the button or stop the update: the general forget handler does the rest.
    """
    if update.effective_user is not None:
        await forget_user(context.application, _user_key(update, context))


async def _at_start(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Once, as soon as the job queue runs: reminders back from the database, then the purge."""
    await restore_reminders(context.application)
    await reminders.purge_old_unmatched(context.application, context.job.data)


# ----- the check-in ------------------------------------------------------------------------------


async def checkin_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await _private_or_explain(update, context):
        return
    await _start_checkin(update, context)


async def checkin_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A mood, craving, skip or keep button, or a reminder's 'check in now'."""
    query = update.callback_query
    await _answer_query(update)
    checkin, key = _checkin(context), _user_key(update, context)
    _, token, value = f"{query.data}::".split(":")[:3]
    if token == "start":
        await _remove_buttons(query.message)
        await _start_checkin(update, context)
        return
    session = checkin.sessions.get(key)
    if session is None or session.token != token:
        await _edit(query.message, checkin.texts.expired)
        return
    step = session.flow.choose(value)
    await _advance(update, context, session, step, prompt_message=query.message)


async def checkin_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text while a check-in is open: crisis check first, then the check-in's answer.

    Without an open check-in this does nothing and the general text handler answers as usual.
    """
    checkin = context.application.bot_data.get(reminders.CHECKIN_KEY)
    if checkin is None or update.effective_user is None or update.effective_message is None:
        return
    key = _user_key(update, context)
    session = checkin.sessions.get(key)
    if session is None:
        return
    lantern = _lantern(context)
    region = await _region(context, key)
    try:
        step = session.flow.respond(lantern, key, update.effective_message.text or "", region=region)
    except Exception as exc:  # the core promises not to raise; if it does, help now
        log.error("core failed during a check-in (%s); sent the help-now reply", type(exc).__name__)
        step = Interrupted(lantern.sos(region))
    old_prompt = session.message_id
    if isinstance(step, Interrupted):
        checkin.sessions.end(key)
        await _deliver(update, context, step.reply)
        await _record(context, step.reply)
        await _remove_buttons_by_id(context, update.effective_chat.id, old_prompt)
    elif isinstance(step, Prompt):
        await _remove_buttons_by_id(context, update.effective_chat.id, old_prompt)
        await _advance(update, context, session, step, prompt_message=None)
    else:
        await _advance(update, context, session, step, prompt_message=None, region=region)
    raise ApplicationHandlerStop


async def _start_checkin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    checkin, key = _checkin(context), _user_key(update, context)
    # Looked up now, so that a crisis typed mid check-in never waits for the database.
    await _region(context, key)
    flow = CheckinFlow(checkin.texts)
    prompt = flow.start()
    session = checkin.sessions.begin(key, flow)
    sent = await _send_prompt(context, update.effective_chat.id, prompt, session.token)
    session.message_id = sent.message_id if sent else None


async def _advance(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    session: Session,
    step: Prompt | Done,
    *,
    prompt_message: Message | None,
    region: str | None = None,
) -> None:
    """Show the next question (editing the button message in place), or finish the check-in."""
    checkin, key, chat_id = _checkin(context), _user_key(update, context), update.effective_chat.id
    if isinstance(step, Prompt):
        if prompt_message is not None and await _edit(prompt_message, step.text, _keyboard(step, session.token)):
            return
        sent = await _send_prompt(context, chat_id, step, session.token)
        session.message_id = sent.message_id if sent else None
        return
    checkin.sessions.end(key)
    result = step.result
    if not result.hopeless:  # in a crisis the crisis reply comes first, the tidying later
        await _show_summary(context, chat_id, prompt_message, session, result.mood, result.craving)

    async def send(reply: Reply) -> None:
        await _deliver(update, context, reply)

    store = _store(context) or Store.unavailable(b"", "no store")
    region = region or await _region(context, key)
    await finish(
        step,
        lantern=_lantern(context),
        store=store,
        user_key=key,
        texts=checkin.texts,
        default_region=checkin.default_region,
        send=send,
        region=region,
    )
    if result.hopeless:
        await _show_summary(context, chat_id, prompt_message, session, result.mood, result.craving)


async def _show_summary(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, message: Message | None, session: Session, mood: int, craving: int
) -> None:
    texts = _checkin(context).texts
    summary = texts.summary.format(mood=texts.mood.labels[mood], craving=texts.craving.labels[craving])
    if message is not None:
        await _edit(message, summary)
    else:
        await _remove_buttons_by_id(context, chat_id, session.message_id)


# ----- /mood and /export ---------------------------------------------------------------------------


async def mood_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A picture of the last 30 nights with the summary and streak as its caption; without one
    (no check-ins, a chart that failed, a picture Telegram refused) the text chart, as before.

    Registered with block=False: while the chart is drawn (in a process of its own, a second or
    two) the chat's next message, a crisis above all, is answered at once.
    """
    if not await _private_or_explain(update, context):
        return
    checkin, key = _checkin(context), _user_key(update, context)
    store = _store(context)
    try:
        if store is None:
            raise StoreError("no store", "closed")
        picture = await mood_picture(store, key, checkin.texts, checkin.default_region)
        if picture is not None:
            photo = OutgoingPhoto(picture.png, picture.filename, picture.caption)
            if await deliver(context.bot, update.effective_chat.id, [photo], policy=REPLY,
                             priority=Priority.REPLY, kind="reply") != "refused":
                return
        chart = await mood_summary(store, key, checkin.texts, checkin.default_region)
    except StoreError as exc:
        log.warning("/mood: store unavailable (%s)", exc.fault)
        await _send_plain(context, update.effective_chat.id, checkin.texts.chart.unavailable)
        return
    parts_html = [html.escape(chart.header, quote=False)]
    if chart.chart:
        parts_html.append(f"<pre>{html.escape(chart.chart, quote=False)}</pre>")
    if chart.summary:
        parts_html.append(html.escape(chart.summary, quote=False))
    message = OutgoingMessage("\n".join(parts_html), chart.as_text())
    await send_reply(context.bot, update.effective_chat.id, [message])


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user's own check-ins as a CSV file, times in their time zone."""
    if not await _private_or_explain(update, context):
        return
    checkin, key, chat_id = _checkin(context), _user_key(update, context), update.effective_chat.id
    store = _store(context)
    try:
        if store is None:
            raise StoreError("no store", "closed")
        rows = await store.all_checkins(key)
        settings = await store.user_settings(key)
    except StoreError as exc:
        log.warning("/export: store unavailable (%s)", exc.fault)
        await _send_plain(context, chat_id, checkin.texts.export.unavailable)
        return
    if not rows:
        await _send_plain(context, chat_id, checkin.texts.export.empty)
        return
    zone = effective_time_zone(settings.time_zone, settings.region or checkin.default_region)
    document = InputFile(export_csv(rows, zone), filename=checkin.texts.export.filename)
    caption = checkin.texts.export.caption.format(count=len(rows))
    try:
        await context.bot.send_document(chat_id, document, caption=caption)
    except TelegramError as exc:
        log.warning("/export not delivered: %s", describe(exc))


# ----- /remind and /timezone ---------------------------------------------------------------------


async def _settings_or_say(context: ContextTypes.DEFAULT_TYPE, store: Store | None, key: str, chat_id: int,
                           failed: str, command: str) -> UserSettings | None:
    """The user's settings, or None after telling them the store could not be read."""
    try:
        if store is None:
            raise StoreError("no store", "closed")
        return await store.user_settings(key)
    except StoreError as exc:
        log.warning("%s: store unavailable (%s)", command, exc.fault)
        await _send_plain(context, chat_id, failed)
        return None


async def remind_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/remind 22:30` (in the user's time zone), `/remind off`, or `/remind` for the status."""
    if not await _private_or_explain(update, context):
        return
    checkin, key, chat_id = _checkin(context), _user_key(update, context), update.effective_chat.id
    words = checkin.texts.remind
    typed = " ".join(context.args or []).strip()
    store = _store(context)
    settings = await _settings_or_say(context, store, key, chat_id, words.failed, "/remind")
    if store is None or settings is None:
        return
    zone = effective_time_zone(settings.time_zone, settings.region or checkin.default_region)
    if not typed:
        if settings.reminder_time:
            await _send_plain(context, chat_id, words.status_on.format(time=settings.reminder_time, zone=zone.key))
        else:
            await _send_plain(context, chat_id, words.usage.format(zone=zone.key))
        return
    if typed.casefold() in ("off", "stop", "none", "cancel"):
        reminders.cancel(context.job_queue, key)
        if settings.reminder_time is None:
            await _send_plain(context, chat_id, words.already_off)
            return
        try:
            await store.clear_reminder(key)
        except StoreError as exc:
            log.warning("/remind off: not saved (%s)", exc.fault)
            await _send_plain(context, chat_id, words.failed)
            return
        await _send_plain(context, chat_id, words.turned_off)
        return
    at = parse_reminder_time(typed)
    if at is None:
        await _send_plain(context, chat_id, words.bad_time.format(typed=typed[:40]))
        return
    hhmm = at.strftime("%H:%M")
    try:
        await store.set_reminder(key, hhmm, chat_id)
    except StoreError as exc:
        log.warning("/remind: not saved (%s)", exc.fault)
        await _send_plain(context, chat_id, words.failed)
        return
    if context.job_queue is not None:
        reminders.schedule(context.job_queue, key, at.replace(tzinfo=zone), chat_id)
    await _send_plain(context, chat_id, words.set.format(time=hhmm, zone=zone.key))


async def timezone_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/timezone Europe/London` or `/timezone london`; `/timezone` alone shows the current one."""
    if not await _private_or_explain(update, context):
        return
    checkin, key, chat_id = _checkin(context), _user_key(update, context), update.effective_chat.id
    words = checkin.texts.timezone
    typed = " ".join(context.args or []).strip()
    store = _store(context)
    settings = await _settings_or_say(context, store, key, chat_id, words.failed, "/timezone")
    if store is None or settings is None:
        return
    if not typed:
        zone = effective_time_zone(settings.time_zone, settings.region or checkin.default_region)
        await _send_plain(context, chat_id, words.status.format(zone=zone.key, local_time=_local_now(zone)))
        return
    name = resolve_time_zone(typed)
    if name is None:
        await _send_plain(context, chat_id, words.unknown.format(typed=typed[:40]))
        return
    try:
        await store.set_time_zone(key, name)
    except StoreError as exc:
        log.warning("/timezone: not saved (%s)", exc.fault)
        await _send_plain(context, chat_id, words.failed)
        return
    zone = effective_time_zone(name, None)
    lines = [words.set.format(zone=name, local_time=_local_now(zone))]
    at = parse_reminder_time(settings.reminder_time or "")
    if at is not None and settings.reminder_chat_id is not None and context.job_queue is not None:
        reminders.schedule(context.job_queue, key, at.replace(tzinfo=zone), settings.reminder_chat_id)
        lines.append(words.moved_reminder.format(time=settings.reminder_time, zone=name))
    await _send_plain(context, chat_id, " ".join(lines))


# ----- helpers -------------------------------------------------------------------------------------


def _checkin(context: ContextTypes.DEFAULT_TYPE) -> CheckinServices:
    return context.application.bot_data[reminders.CHECKIN_KEY]


def _store(context: ContextTypes.DEFAULT_TYPE) -> Store | None:
    return reminders.app_services(context.application)[1]


def _lantern(context: ContextTypes.DEFAULT_TYPE) -> Lantern:
    lantern = reminders.app_services(context.application)[0]
    assert lantern is not None, "build_application puts the core in bot_data"
    return lantern


def _user_key(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    _, store, services = reminders.app_services(context.application)
    user_id = update.effective_user.id
    if services is not None:
        return services.user_key(user_id)
    assert store is not None, "no way to make a user key without the store or the app's services"
    return store.user_key(user_id)


async def _region(context: ContextTypes.DEFAULT_TYPE, key: str) -> str | None:
    """The user's region as the general handlers keep it: from memory, so a crisis typed during a
    check-in never waits for the database."""
    if reminders.app_services(context.application)[2] is not None:
        from bot.telegram.handlers import cached_region

        return await cached_region(context, key)
    user_data = context.user_data if context.user_data is not None else {}
    if REGION_KEY in user_data:
        return user_data[REGION_KEY]
    store = _store(context)
    region = await _stored(store.get_region(key)) if store is not None else None
    user_data[REGION_KEY] = region
    return region


async def _record(context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    store = _store(context)
    if store is None:
        return
    if reply.crisis:
        await _stored(store.count_escalation(reply.crisis))
    await _stored(store.count_usage(reply.kind))


async def _stored(call: Awaitable[T]) -> T | None:
    try:
        return await call
    except StoreError as exc:
        log.warning("store: %s; carrying on", exc.fault)
        return None


async def _deliver(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    """Crisis replies through the urgent path (retried through faults), others once."""
    chat_id = update.effective_chat.id
    messages = render_reply(reply)
    if reply.urgent or reply.kind == "crisis":
        services = reminders.app_services(context.application)[2]
        policy = services.urgent_policy if services is not None else URGENT
        await send_urgent(context.bot, chat_id, messages, category=reply.crisis, policy=policy)
        return
    await send_reply(context.bot, chat_id, messages)


def _keyboard(prompt: Prompt, token: str) -> InlineKeyboardMarkup:
    """Mood on one row of five (short labels), the rest two to a row so longer labels fit."""
    buttons = [
        InlineKeyboardButton(choice.label, callback_data=f"{CALLBACK_PREFIX}:{token}:{choice.value}")
        for choice in prompt.choices
    ]
    per_row = len(buttons) if prompt.step == "mood" else 2
    return InlineKeyboardMarkup([buttons[i : i + per_row] for i in range(0, len(buttons), per_row)])


async def _send_prompt(context: ContextTypes.DEFAULT_TYPE, chat_id: int, prompt: Prompt, token: str) -> Message | None:
    try:
        return await context.bot.send_message(
            chat_id, html.escape(prompt.text, quote=False), parse_mode="HTML", reply_markup=_keyboard(prompt, token)
        )
    except TelegramError as exc:
        log.warning("check-in question not delivered: %s", describe(exc))
        return None


async def _send_plain(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
    await send_reply(context.bot, chat_id, render_text(text))


async def _edit(message: Message | None, text: str, keyboard: InlineKeyboardMarkup | None = None) -> bool:
    """Replace a question's text and buttons; False if Telegram would not (too old, deleted)."""
    if message is None:
        return False
    try:
        await message.edit_text(html.escape(text, quote=False), parse_mode="HTML", reply_markup=keyboard)
    except TelegramError as exc:
        log.info("could not edit a check-in question (%s)", describe(exc))
        return False
    return True


async def _remove_buttons(message: Any) -> None:
    if isinstance(message, Message):
        try:
            await message.edit_reply_markup(reply_markup=None)
        except TelegramError as exc:
            log.info("could not remove old buttons (%s)", describe(exc))


async def _remove_buttons_by_id(context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int | None) -> None:
    """Old questions lose their buttons, so nobody answers a question that has moved on."""
    if message_id is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except TelegramError as exc:
        log.info("could not remove old buttons (%s)", describe(exc))


async def _answer_query(update: Update) -> None:
    try:
        await update.callback_query.answer()
    except TelegramError as exc:
        log.info("answerCallbackQuery failed (%s)", describe(exc))


async def _private_or_explain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    chat = update.effective_chat
    if chat is None or update.effective_user is None:
        return False
    if chat.type != ChatType.PRIVATE:
        await _send_plain(context, chat.id, _checkin(context).texts.private_only)
        return False
    return True


def _local_now(zone: Any) -> str:
    return datetime.now(zone).strftime("%H:%M")
