"""Getting rendered messages to a chat: ordinary replies once, urgent (crisis) replies until delivered.

Why a retry loop of our own: AIORateLimiter retries a 429 only `max_retries` times and nothing in
PTB retries a dropped connection or a 5xx. For an ordinary answer that is an acceptable loss; a
crisis reply lost to a network blip is the one failure Lantern must not have. So urgent replies
are retried (429: wait what Telegram asks; network error or 5xx: back off) until they are
delivered or a deadline passes. A retry after a timeout can duplicate a message Telegram did
receive; for a crisis reply a duplicate is the lesser harm.

Logs say what happened (category, attempts, seconds, error class), never the text or the chat.
Not for deciding what to send (render.py) or when (handlers.py).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.telegram.render import OutgoingMessage, keyboard_json

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try an urgent reply. `deadline` bounds the whole reply, waits included."""

    deadline: float = 60.0
    first_backoff: float = 0.5
    max_backoff: float = 8.0


URGENT = RetryPolicy()


class _GiveUp(Exception):
    """Retrying cannot help (the user blocked the bot, the request itself is refused)."""


async def send_reply(bot: Bot, chat_id: int, messages: Sequence[OutgoingMessage]) -> bool:
    """Send an ordinary reply once (AIORateLimiter still absorbs short floods); True if all went out."""
    for message in messages:
        try:
            await _send(bot, chat_id, message)
        except (TelegramError, _GiveUp) as error:
            logger.warning("reply not delivered: %s", describe(error))
            return False
    return True


async def send_urgent(bot: Bot, chat_id: int, messages: Sequence[OutgoingMessage], *,
                      category: str | None, policy: RetryPolicy = URGENT) -> bool:
    """Deliver every message in order, retrying faults until `policy.deadline`; True if all went out."""
    started = time.monotonic()
    attempts = 0
    last_error = "none"
    for message in messages:
        backoff = policy.first_backoff
        while True:
            remaining = policy.deadline - (time.monotonic() - started)
            if remaining <= 0:
                logger.error("crisis reply (%s) NOT delivered: gave up after %d attempts in %.1fs; last error %s",
                             category, attempts, time.monotonic() - started, last_error)
                return False
            attempts += 1
            try:
                async with asyncio.timeout(remaining):
                    await _send(bot, chat_id, message)
                break
            except RetryAfter as error:
                last_error = describe(error)
                await _sleep_within(retry_after_seconds(error), started, policy)
            except (_GiveUp, Forbidden, InvalidToken) as error:
                logger.error("crisis reply (%s) NOT delivered: %s (attempt %d)",
                             category, describe(error), attempts)
                return False
            except (TelegramError, TimeoutError) as error:  # network error, 5xx, our own deadline
                last_error = describe(error)
                await _sleep_within(backoff, started, policy)
                backoff = min(backoff * 2, policy.max_backoff)
    if attempts > len(messages):
        logger.warning("crisis reply (%s) delivered after %d attempts in %.1fs; last error %s",
                       category, attempts, time.monotonic() - started, last_error)
    return True


async def _send(bot: Bot, chat_id: int, message: OutgoingMessage) -> None:
    """Send as HTML; if Telegram refuses our HTML (a bug, but never the user's problem), send plain."""
    keyboard = {"reply_markup": keyboard_json(message.keyboard)} if message.keyboard is not None else {}
    try:
        await _send_message(bot, {"chat_id": chat_id, "text": message.html, "parse_mode": ParseMode.HTML,
                                  **keyboard})
        return
    except BadRequest as error:
        if "can't parse entities" not in error.message.lower():
            raise _GiveUp(describe(error)) from error
        logger.error("Telegram refused our HTML (%s); sending plain text instead", describe(error))
    try:
        await _send_message(bot, {"chat_id": chat_id, "text": message.plain, **keyboard})
    except BadRequest as error:
        raise _GiveUp(describe(error)) from error


async def _send_message(bot: Bot, parameters: dict[str, object]) -> None:
    """sendMessage, with the parameters in their wire form and Telegram's answer left unread.

    `Bot.send_message` would serialise every button again and then build a `Message` from
    Telegram's answer, which repeats the text, its entities and the whole keyboard. Lantern never
    reads that answer, and for a reply with buttons building it costs about as much as matching
    the question did (bench_e2e). `do_api_request` makes the same request through the same rate
    limiter and raises the same errors; the keyboard is made once per keyboard (render.keyboard_json).
    """
    await bot.do_api_request("sendMessage", api_kwargs=parameters)


# do_api_request warns that send_message exists; choosing it over send_message is the point above.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage' instead", category=PTBUserWarning)


async def _sleep_within(seconds: float, started: float, policy: RetryPolicy) -> None:
    """Sleep, but never past the deadline (the loop then notices it and gives up)."""
    remaining = policy.deadline - (time.monotonic() - started)
    await asyncio.sleep(max(0.0, min(seconds, remaining)))


def retry_after_seconds(error: RetryAfter) -> float:
    """Seconds Telegram asked us to wait (PTB 22 warns while moving this from int to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def describe(error: BaseException) -> str:
    """A log-safe description: the error's class, plus Telegram's reason for refusals.

    Telegram's refusal texts name the problem, never the message; network errors are reduced to
    their class because their text can carry URLs (and URLs carry the bot token).
    """
    if isinstance(error, RetryAfter):
        return f"RetryAfter({retry_after_seconds(error):g}s)"
    if isinstance(error, InvalidToken):  # PTB puts the token itself in this message
        return "InvalidToken"
    if isinstance(error, (BadRequest, Forbidden)):
        return f"{type(error).__name__}({error.message})"
    if isinstance(error, _GiveUp):
        return str(error)
    return type(error).__name__
