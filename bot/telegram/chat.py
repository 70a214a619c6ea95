"""The Telegram handlers' helpers, in one place: the typed services, and how a `Said` goes out.

Every handler (handlers.py, checkin_handlers.py, the reminder job) shows what the conversation
layer says through `TelegramShow`, which renders it with render.py and sends it with delivery.py:
urgent replies first in line and retried, others once, questions with their buttons, answered
questions edited so their buttons cannot be pressed twice. Nothing here decides what to say.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram import BotCommand, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.conversation import Conversation, Said
from bot.replies import Reply
from bot.telegram import render
from bot.telegram.delivery import (
    REPLY,
    URGENT,
    OutgoingPhoto,
    Priority,
    RetryPolicy,
    deliver,
    describe,
    send_question,
    send_reply,
    send_urgent,
)

if TYPE_CHECKING:
    from bot.core import Lantern
    from bot.store import Store
    from bot.telegram.operators import OperatorServices

logger = logging.getLogger(__name__)

SERVICES = "lantern_services"  # key in application.bot_data: the one `Services` object
# 'typing…' is shown once preparing a reply has taken this long. Lantern's core answers in about a
# millisecond, so usually the answer itself arrives first; a typing action sent anyway would
# flash unseen and spend a request of Telegram's ~30/s budget (halving answers under load).
TYPING_AFTER = 0.3


@dataclass
class Services:
    """Everything the handlers and jobs need, the one object in `bot_data`, so handlers stay plain
    functions. Filled in by `app.build_application`; nothing changes it once the bot runs."""

    conversation: Conversation
    store: Store | None  # the concrete store, for health checks and the operators' figures
    urgent_policy: RetryPolicy = URGENT
    typing_after: float = TYPING_AFTER
    reply_policy: RetryPolicy = REPLY
    commands: list[BotCommand] = field(default_factory=list)  # Telegram's menu: ours and the check-in's
    operators: OperatorServices | None = None  # /stats, /unmatched, /reload and the content watcher

    @property
    def lantern(self) -> Lantern:
        return self.conversation.lantern

    def user_key(self, telegram_user_id: int) -> str:
        return self.conversation.key_for(telegram_user_id)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data[SERVICES]


def user_key(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    return services(context).user_key(update.effective_user.id)


class TelegramShow:
    """Shows what the conversation says in one chat (see `bot.conversation.Said`)."""

    def __init__(self, update: Update, context: ContextTypes.DEFAULT_TYPE, *,
                 typing: TypingIndicator | None = None) -> None:
        self._bot = context.bot
        self._chat_id = update.effective_chat.id
        self._service = services(context)
        query = update.callback_query
        self._pressed = query.message if query is not None and isinstance(query.message, Message) else None
        self._typing = typing
        user = update.effective_user
        self._user_key = self._service.user_key(user.id) if user is not None else None

    async def __call__(self, said: Said) -> int | None:
        if said.reply is not None:
            await self._reply(said.reply)
        elif said.closes:
            await self._close(said)
        elif said.prompt is not None:
            return await self._question(said)
        elif said.document is not None:
            await self._document(said.document, said.text)
        elif said.picture is not None:
            await self._picture(said)
        elif said.chart is not None:
            await send_reply(self._bot, self._chat_id, render.render_chart(said.chart))
        else:
            await send_reply(self._bot, self._chat_id, render.render_text(said.text, keyboard_for(said)))
        return None

    async def _reply(self, reply: Reply) -> None:
        """Urgent replies go out first in line and are retried; others let a 'typing…' in flight land first."""
        service = self._service
        messages = render.render_reply(reply, sources_label=service.lantern.ui("sources", lang=reply.lang))
        if reply.urgent or reply.kind == "crisis":
            if self._typing is not None:
                self._typing.cancel()
            await send_urgent(self._bot, self._chat_id, messages, category=reply.crisis,
                              policy=service.urgent_policy)
            return
        if self._typing is not None:
            await self._typing.settle()
        await send_reply(self._bot, self._chat_id, messages, policy=service.reply_policy)

    async def _question(self, said: Said) -> int | None:
        """A check-in question: in place of the one whose button was pressed, else a new message (the
        old question losing its buttons, so nobody answers a question that has moved on)."""
        assert said.prompt is not None
        message = render.render_text(said.prompt.text, render.question_keyboard(said.prompt, said.token))[-1]
        if said.answered and self._pressed is not None and await edit(self._pressed, message):
            return self._pressed.message_id
        if not said.answered:
            await remove_buttons(self._bot, self._chat_id, said.question)
        return await send_question(self._bot, self._chat_id, message)

    async def _close(self, said: Said) -> None:
        if said.answered and self._pressed is not None:
            if said.text:
                await edit(self._pressed, render.render_text(said.text)[0])
            else:
                await remove_buttons(self._bot, self._chat_id, self._pressed.message_id)
        else:
            await remove_buttons(self._bot, self._chat_id, said.question)

    async def _picture(self, said: Said) -> None:
        """The /mood picture; if Telegram refuses it (a bad image, a caption too long), the text chart."""
        assert said.picture is not None
        photo = OutgoingPhoto(said.picture.png, said.picture.filename, said.picture.caption)
        # Counted as "picture" if given up on: the text chart follows, so no reply is lost.
        outcome = await deliver(self._bot, self._chat_id, [photo], policy=self._service.reply_policy,
                                priority=Priority.REPLY, kind="picture")
        if outcome == "refused" and self._user_key is not None:
            await self(await self._service.conversation.mood(self._user_key, picture=False))

    async def _document(self, document: tuple[bytes, str], caption: str) -> None:
        content, filename = document
        try:
            await self._bot.send_document(self._chat_id, InputFile(content, filename=filename), caption=caption)
        except TelegramError as error:
            logger.warning("document not delivered: %s", describe(error))


def keyboard_for(said: Said) -> InlineKeyboardMarkup | None:
    if said.choices:
        return render.suggestion_keyboard(said.choices)
    if said.regions is not None:
        return render.region_keyboard(said.regions)
    if said.confirm is not None:
        return render.confirm_keyboard(*said.confirm)
    return None


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE, said: Said) -> None:
    """One `Said` to the update's chat."""
    if update.effective_chat is not None:
        await TelegramShow(update, context)(said)


async def answer_query(update: Update) -> None:
    """Stop the button's spinner first; if Telegram says the press is too old, answer anyway."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer()
    except TelegramError as error:
        logger.info("answerCallbackQuery failed (%s); answering the press anyway", describe(error))


async def replace_question(update: Update, text: str) -> None:
    """Turn a question with buttons into its outcome, so old buttons cannot be pressed twice."""
    query = update.callback_query
    message = render.render_text(text)[0]
    if isinstance(query.message, Message) and await edit(query.message, message):
        return
    await send_reply(query.get_bot(), update.effective_chat.id, render.render_text(text))


async def edit(message: Message, out: render.OutgoingMessage) -> bool:
    """Replace a message's text and buttons; False if Telegram would not (too old, deleted)."""
    try:
        await message.edit_text(out.html, parse_mode="HTML", reply_markup=out.keyboard)
    except TelegramError as error:
        logger.info("could not edit a question (%s)", describe(error))
        return False
    return True


async def remove_buttons(bot: object, chat_id: int, message_id: int | None) -> None:
    """Old questions lose their buttons, so nobody answers a question that has moved on."""
    if message_id is None:
        return
    try:
        await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)  # type: ignore[attr-defined]
    except TelegramError as error:
        logger.info("could not remove old buttons (%s)", describe(error))


def in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


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
