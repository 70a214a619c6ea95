"""Telegram handlers: translate an update into a call on the conversation layer, and back.

Each handler is small and module-level, in the style of PTB's examples; `bot.telegram.app` wires
them. Nothing here decides what to say (`bot.conversation` and the core do), how it looks
(render.py) or how hard to try sending it (delivery.py); chat.py shows what is said.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes
from telegram.ext.filters import MessageFilter

from bot.conversation import Said
from bot.replies import SOS as SOS_ANSWER
from bot.replies import Suggestion
from bot.telegram import render
from bot.telegram.chat import (
    SERVICES,
    TYPING_AFTER,
    Services,
    TelegramShow,
    TypingIndicator,
    answer_query,
    in_group,
    replace_question,
    services,
    show,
    user_key,
)
from bot.telegram.delivery import describe

if TYPE_CHECKING:
    from bot.core import Lantern

logger = logging.getLogger(__name__)

__all__ = ["SERVICES", "TYPING_AFTER", "Services", "services"]

# Messages longer than this are answered in a worker thread: the core is linear in the message's
# length (about 5-35 ms for 4,096 characters), and on the event loop that time would be taken from
# every other chat, a crisis reply included. Short messages (nearly all) skip the thread hop.
OFFLOAD_CHARS = 1000
# How long start-up waits to read every user's chosen region into memory.
REGION_LOAD_SECONDS = 10.0


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
    """Welcome: what Lantern can and cannot do, privacy in a line, a few topics and "All topics"."""
    await show(update, context, await services(context).conversation.start(user_key(update, context),
                                                                            in_group=in_group(update)))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _show_ui(update, context, "help")


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await show(update, context, await services(context).conversation.topics(user_key(update, context)))


async def sos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hotlines at once: no matching, no typing indicator, delivered through network faults."""
    if update.effective_chat is None or update.effective_user is None:
        return
    await services(context).conversation.sos(user_key(update, context), TelegramShow(update, context))


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _show_ui(update, context, "privacy")


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _show_ui(update, context, "about")


async def region(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/region` shows the choices as buttons; `/region GB` sets it directly."""
    typed = context.args[0] if context.args else None
    await show(update, context, await services(context).conversation.region(user_key(update, context), typed))


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask first: forgetting cannot be undone."""
    await show(update, context, services(context).conversation.forget_question())


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _show_ui(update, context, "unknown_command")


# --- messages and buttons ---------------------------------------------------------------------


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any text (new or edited, or a media caption): into an open check-in, else through the core."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or update.effective_user is None:
        return
    text = message.text or message.caption or ""
    if in_group(update):
        text = _without_mention(text, context.bot.username)
    service, key = services(context), user_key(update, context)
    # A check-in takes typed answers only: a new message in a private chat, not an edit or a caption.
    to_checkin = update.message is not None and message.text is not None and chat.type == ChatType.PRIVATE
    if to_checkin and await service.conversation.checkin_text(key, text, TelegramShow(update, context)):
        return
    typing = TypingIndicator(context, chat.id, service.typing_after)
    try:
        await service.conversation.text(key, text, TelegramShow(update, context, typing=typing),
                                        offload=len(text) > OFFLOAD_CHARS, checkin=False)
    finally:
        typing.cancel()  # a no-op once settled; stops a stray 'typing…' if anything failed


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
    conversation = services(context).conversation
    said = await conversation.ui(user_key(update, context), "non_text")
    help_now = (Suggestion(SOS_ANSWER, conversation.lantern.ui("sos_button")),)
    await show(update, context, Said(said.text, choices=help_now))


async def answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A topic or follow-up button: answer the press at once, then behave like asking that topic."""
    query = update.callback_query
    await answer_query(update)
    if update.effective_chat is None or update.effective_user is None:
        return
    _, answer_id = render.parse_callback(query.data if query else None)
    service = services(context)
    typing = TypingIndicator(context, update.effective_chat.id, service.typing_after)
    try:
        await service.conversation.choose(user_key(update, context), answer_id,
                                          TelegramShow(update, context, typing=typing))
    finally:
        typing.cancel()


async def region_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer_query(update)
    _, code = render.parse_callback(update.callback_query.data)
    said = await services(context).conversation.set_region(user_key(update, context), code)
    if said.regions is not None:  # not a region Lantern knows
        await show(update, context, Said(said.text))
        return
    await replace_question(update, said.text)


async def forget_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget everything about the user: their reminder, an open check-in, the store's rows, the
    core's memory and this process's."""
    await answer_query(update)
    conversation = services(context).conversation
    if update.callback_query.data != render.FORGET_YES:
        await replace_question(update, conversation.lantern.ui("forget_cancelled"))
        return
    if context.user_data is not None:
        context.user_data.clear()
    said = await conversation.forget(user_key(update, context))
    await replace_question(update, said.text)


async def log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log and keep going. Telegram errors are logged by class only; their text can hold URLs."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, TelegramError):
        logger.error("update %s: Telegram error %s", update_id, describe(error))
    else:
        logger.error("update %s: unexpected %s", update_id, type(error).__name__, exc_info=error)


async def load_regions(application: object) -> bool:
    """At start: every user's chosen region into memory, so no crisis reply waits for the database."""
    service: Services = application.bot_data[SERVICES]  # type: ignore[attr-defined]
    return await service.conversation.load_regions(REGION_LOAD_SECONDS)


# --- small helpers ----------------------------------------------------------------------------


async def _show_ui(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str) -> None:
    if update.effective_user is None:
        return
    await show(update, context, await services(context).conversation.ui(user_key(update, context), name))


def _without_mention(text: str, username: str | None) -> str:
    if not username:
        return text
    return re.sub(rf"@{re.escape(username)}\b", "", text, flags=re.IGNORECASE).strip()
