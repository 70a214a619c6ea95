"""Telegram side of the check-in: /checkin, /mood, /export, /remind, /timezone and their buttons.

Small module-level handlers that translate Telegram to `bot.conversation` (which drives
`bot.checkin`) and back; typed answers reach an open check-in through the general text handler.
`register` wires them and the reminder jobs (`bot.telegram.reminders`); `app.build_application`
calls it. Check-ins are private: in a group these commands say so and do nothing else.
"""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.config import Settings
from bot.conversation import Said
from bot.telegram import reminders
from bot.telegram.chat import SERVICES, TelegramShow, answer_query, services, show, user_key
from bot.telegram.render import CHECKIN_PREFIX

log = logging.getLogger(__name__)

COMMANDS = ("checkin", "mood", "export", "remind", "timezone")


def register(application: Application, settings: Settings) -> list[BotCommand]:
    """Add the check-in handlers, the reminder jobs' restore and the daily purge; returns the
    commands for Telegram's menu (none when the content has no check-in texts)."""
    application.add_handlers([
        CommandHandler("checkin", checkin_command),
        CommandHandler("mood", mood_command, block=False),  # a chart being drawn holds up no message
        CommandHandler("export", export_command),
        CommandHandler("remind", remind_command),
        CommandHandler("timezone", timezone_command),
        CallbackQueryHandler(checkin_button, pattern=f"^{CHECKIN_PREFIX}:"),
    ])
    reminders.register(application, settings)
    texts = application.bot_data[SERVICES].conversation.checkin_texts
    if texts is None:
        log.error("check-ins are off: responses/checkin.yaml is missing or wrong (`lantern validate` says where)")
        return []
    return [BotCommand(name, texts.commands[name]) for name in COMMANDS if name in texts.commands]


async def checkin_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _private_or_explain(update, context):
        await services(context).conversation.start_checkin(user_key(update, context), TelegramShow(update, context))


async def checkin_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A mood, craving, skip or keep button, or a reminder's 'check in now'."""
    query = update.callback_query
    await answer_query(update)
    if update.effective_user is None or update.effective_chat is None:
        return
    _, token, value = f"{query.data}::".split(":")[:3]
    await services(context).conversation.checkin_press(user_key(update, context), token, value,
                                                       TelegramShow(update, context))


async def mood_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A picture of the last 30 nights with the summary and streak as its caption; without one
    (no check-ins, a chart that failed, a picture Telegram refused) the text chart.

    Registered with block=False: while the chart is drawn (in a process of its own, a second or
    two) the chat's next message, a crisis above all, is answered at once.
    """
    if await _private_or_explain(update, context):
        await show(update, context, await services(context).conversation.mood(user_key(update, context),
                                                                               picture=True))


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user's own check-ins as a CSV file, times in their time zone."""
    if await _private_or_explain(update, context):
        await show(update, context, await services(context).conversation.export(user_key(update, context)))


async def remind_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/remind 22:30` (in the user's time zone), `/remind off`, or `/remind` for the status."""
    if await _private_or_explain(update, context):
        said = await services(context).conversation.remind(user_key(update, context), " ".join(context.args or []),
                                                           update.effective_chat.id)
        await show(update, context, said)


async def timezone_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/timezone Europe/London` or `/timezone london`; `/timezone` alone shows the current one."""
    if await _private_or_explain(update, context):
        said = await services(context).conversation.time_zone(user_key(update, context), " ".join(context.args or []))
        await show(update, context, said)


async def _private_or_explain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    chat = update.effective_chat
    if chat is None or update.effective_user is None:
        return False
    if chat.type != ChatType.PRIVATE:
        conversation = services(context).conversation
        texts = conversation.checkin_texts
        said = Said(texts.private_only) if texts is not None else await conversation.ui(user_key(update, context),
                                                                                         "unknown_command")
        await show(update, context, said)
        return False
    return True
