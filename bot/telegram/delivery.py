"""Getting rendered messages to a chat: crisis replies first in line and never given up while busy,
ordinary replies retried within a bound, reminders last and spread out.

Two layers. `PriorityRateLimiter` is PTB's rate-limiter hook (a `BaseRateLimiter`, the machinery
`AIORateLimiter` plugs into) that lets requests out at Telegram's overall rate in order of
`Priority`, not of arrival: a crisis reply waits for at most one request slot (1/30 s) however
many ordinary replies and reminders are queued. `send_urgent` and `send_reply` are the retry
loops above it: a 429 is waited out as Telegram asks, a 5xx or a network error backs off and
tries again. An urgent reply is retried until delivered or the chat is gone (blocked, deleted);
an ordinary one gives up after `REPLY.max_attempts`, and a loss is logged and counted (the
operators' /stats shows it). A retry after a timeout can duplicate a message Telegram did
receive; for a crisis reply a duplicate is the lesser harm.

A picture (`OutgoingPhoto`, the /mood chart) goes the same way as a message.

Logs say what happened (category, attempts, seconds, error class), never the text or the chat.
Not for deciding what to send (render.py) or when (handlers.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import heapq
import itertools
import logging
import time
import warnings
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

from telegram import Bot, InputFile
from telegram.constants import FloodLimit, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.telegram.render import OutgoingMessage, keyboard_json

logger = logging.getLogger(__name__)


class Priority(IntEnum):
    """Order of the queue for Telegram's message budget; lower goes first. (No 0: PTB drops a
    falsy `rate_limit_args` on its way to the limiter.)"""

    URGENT = 1  # crisis replies, /sos, and anything queued in a chat with a crisis waiting behind it
    REPLY = 2  # every other answer to something a person just did
    BACKGROUND = 3  # reminders and notices nobody is waiting for


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try one reply.

    `deadline`: give up this many seconds after the first failed attempt (None: never; time spent
    queued behind other messages never counts). `max_attempts`: give up after this many failed
    attempts (None: never). `attempt_timeout`: a request whose answer takes longer is abandoned
    and retried (None: PTB's own read timeout, 5 s); only the request, never the queue, is timed.
    """

    deadline: float | None = None
    max_attempts: int | None = None
    first_backoff: float = 0.5
    max_backoff: float = 8.0
    attempt_timeout: float | None = None


# A crisis reply is retried until delivered or the chat is gone, the first retry after 0.2 s.
URGENT = RetryPolicy(first_backoff=0.2)
# An ordinary reply: five tries over about 8 s of faults (retry_after waits come on top).
REPLY = RetryPolicy(max_attempts=5, first_backoff=0.5, max_backoff=8.0)


@dataclass(frozen=True, slots=True)
class OutgoingPhoto:
    """A picture with a plain-text caption (at most 1024 characters, Telegram's limit), sent
    through the same queue and retries as a message."""

    png: bytes
    filename: str
    caption: str = ""


class _GiveUp(Exception):
    """Retrying cannot help (the user blocked the bot, the request itself is refused)."""


# --- the queue ------------------------------------------------------------------------------


@dataclass(order=True, slots=True)
class _Waiter:
    priority: int
    seq: int
    chat: int | str = field(compare=False)
    ticket: asyncio.Future[None] = field(compare=False)


class PriorityRateLimiter(BaseRateLimiter[Priority]):
    """Telegram's overall limit (30 messages/s, https://core.telegram.org/bots/faq) shared out by
    priority; groups also get their 20 messages/min each, as AIORateLimiter does.

    `rate_limit_args` carries a request's `Priority` (PTB passes it through every Bot method).
    Requests without a chat (getUpdates, answerCallbackQuery) are not limited, as in PTB.
    Reminders (BACKGROUND) also go out at no more than `background_rate` a second, so a burst of
    them due at the same minute is spread out and leaves room for replies arriving meanwhile.
    A 429 pauses that chat for what Telegram asks, and everything but urgent replies as well
    (Telegram may mean the whole bot); an urgent reply that meets a 429 waits as told.
    """

    def __init__(self, overall_max_rate: float = FloodLimit.MESSAGES_PER_SECOND, *, burst: int = 1,
                 background_rate: float = FloodLimit.MESSAGES_PER_SECOND / 2,
                 group_max_rate: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
                 group_time_period: float = 60.0) -> None:
        from aiolimiter import AsyncLimiter  # PTB's own dependency for its rate limiter

        self._limiter_type = AsyncLimiter
        self._interval = 1.0 / overall_max_rate if overall_max_rate > 0 else 0.0
        self._background_interval = 1.0 / background_rate if background_rate > 0 else 0.0
        self._burst = max(1, burst)
        self._tokens = float(self._burst)
        self._stamp = time.monotonic()
        self._next_background = 0.0
        self._paused_until = 0.0  # after a 429: everything but urgent waits until then
        self._chat_paused_until: dict[int | str, float] = {}
        self._group_rate = (group_max_rate, group_time_period)
        self._group_limiters: dict[int | str, Any] = {}
        self._waiting: list[_Waiter] = []
        self._seq = itertools.count()
        self._wakeup: asyncio.TimerHandle | None = None
        self._boosted: Counter[int | str] = Counter()
        self.in_flight = 0
        self.lost: Counter[str] = Counter()  # messages given up on since start, by kind
        self.on_lost: Callable[[str], None] | None = None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    # --- what others ask of it

    @property
    def queued(self) -> int:
        """Requests waiting for their turn now (the health endpoint reports it)."""
        return sum(not w.ticket.done() for w in self._waiting)

    def has_queued(self, chat: int | str) -> bool:
        return any(w.chat == chat and not w.ticket.done() for w in self._waiting)

    def boost(self, chat: int | str) -> None:
        """A crisis is waiting in `chat` behind earlier replies: send the chat's queue as urgent."""
        self._boosted[chat] += 1
        if self._boosted[chat] == 1 and any(w.chat == chat for w in self._waiting):
            for waiter in self._waiting:
                if waiter.chat == chat:
                    waiter.priority = Priority.URGENT
            heapq.heapify(self._waiting)
            self._release()

    def unboost(self, chat: int | str) -> None:
        self._boosted[chat] -= 1
        if self._boosted[chat] <= 0:
            del self._boosted[chat]

    def count_lost(self, kind: str) -> None:
        """A message was given up on (logged by the sender, without its text)."""
        self.lost[kind] += 1
        if self.on_lost is not None:
            try:
                self.on_lost(kind)
            except Exception:
                logger.exception("counting an undelivered message failed")

    # --- BaseRateLimiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Priority | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = _chat_key(data.get("chat_id"))
        if chat is None:
            return await callback(*args, **kwargs)
        priority = Priority(rate_limit_args) if rate_limit_args in Priority.__members__.values() else Priority.REPLY
        group = self._group_limiter(chat)
        async with group if group is not None else contextlib.nullcontext():
            await self._chat_pause(chat)
            await self._take_turn(chat, priority)
            self.in_flight += 1
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                self._pause(chat, retry_after_seconds(error))
                raise
            finally:
                self.in_flight -= 1

    # --- the machinery

    async def _take_turn(self, chat: int | str, priority: Priority) -> None:
        if self._boosted.get(chat):
            priority = Priority.URGENT
        if not self._waiting and self._may_go(priority, time.monotonic()):
            self._spend(priority)
            return
        waiter = _Waiter(priority, next(self._seq), chat, asyncio.get_running_loop().create_future())
        heapq.heappush(self._waiting, waiter)
        self._release()
        try:
            await waiter.ticket
        except asyncio.CancelledError:
            if not waiter.ticket.cancelled():  # granted just as we were cancelled: hand it on
                self._tokens = min(self._burst, self._tokens + 1)
                self._release()
            raise

    def _refill(self, now: float) -> None:
        if self._interval:
            self._tokens = min(self._burst, self._tokens + (now - self._stamp) / self._interval)
        else:
            self._tokens = self._burst
        self._stamp = now

    def _may_go(self, priority: int, now: float) -> bool:
        self._refill(now)
        if self._tokens < 1:
            return False
        if priority == Priority.URGENT:
            return True
        if now < self._paused_until:
            return False
        return priority != Priority.BACKGROUND or now >= self._next_background

    def _spend(self, priority: int) -> None:
        self._tokens -= 1
        if priority == Priority.BACKGROUND:
            self._next_background = time.monotonic() + self._background_interval

    def _release(self) -> None:
        """Hand out every turn that is due, best priority first; then sleep until the next one."""
        if self._wakeup is not None:
            self._wakeup.cancel()
            self._wakeup = None
        now = time.monotonic()
        while self._waiting:
            first = self._waiting[0]
            if first.ticket.done():  # its sender was cancelled
                heapq.heappop(self._waiting)
                continue
            if not self._may_go(first.priority, now):
                break
            heapq.heappop(self._waiting)
            self._spend(first.priority)
            first.ticket.set_result(None)
        if self._waiting:
            self._wakeup = asyncio.get_running_loop().call_later(self._next_turn_in(now), self._release)

    def _next_turn_in(self, now: float) -> float:
        first = self._waiting[0].priority
        wait = max(0.0, (1 - self._tokens) * self._interval)
        if first != Priority.URGENT:
            wait = max(wait, self._paused_until - now)
        if first == Priority.BACKGROUND:
            wait = max(wait, self._next_background - now)
        return max(wait, 0.001)

    def _pause(self, chat: int | str, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._chat_paused_until[chat] = max(until, self._chat_paused_until.get(chat, 0.0))
        self._paused_until = max(self._paused_until, until)

    async def _chat_pause(self, chat: int | str) -> None:
        until = self._chat_paused_until.get(chat)
        if until is None:
            return
        remaining = until - time.monotonic()
        if remaining <= 0:
            self._chat_paused_until.pop(chat, None)
            return
        await asyncio.sleep(remaining)

    def _group_limiter(self, chat: int | str) -> Any:
        """Groups and channels (negative ids, @names): 20 messages a minute each, as PTB limits them."""
        if not (isinstance(chat, str) or chat < 0) or not all(self._group_rate):
            return None
        if len(self._group_limiters) > 512:  # forget idle groups, as AIORateLimiter does
            for key, limiter in list(self._group_limiters.items()):
                if limiter.has_capacity(limiter.max_rate):
                    del self._group_limiters[key]
        if chat not in self._group_limiters:
            self._group_limiters[chat] = self._limiter_type(*self._group_rate)
        return self._group_limiters[chat]


def _chat_key(chat_id: object) -> int | str | None:
    if chat_id is None:
        return None
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id)  # type: ignore[call-overload]
    return str(chat_id)


def priority_limiter(bot: Bot) -> PriorityRateLimiter | None:
    limiter = getattr(bot, "rate_limiter", None)
    return limiter if isinstance(limiter, PriorityRateLimiter) else None


# --- sending ----------------------------------------------------------------------------------


async def send_reply(bot: Bot, chat_id: int, messages: Sequence[OutgoingMessage | OutgoingPhoto], *,
                     policy: RetryPolicy = REPLY, priority: Priority = Priority.REPLY,
                     kind: str = "reply") -> bool:
    """Send an ordinary reply in order, retrying faults within `policy`; True if all went out.

    What is given up on is logged (kind, attempts, error class) and counted for the operators.
    """
    return await deliver(bot, chat_id, messages, policy=policy, priority=priority, kind=kind) == "sent"


async def send_urgent(bot: Bot, chat_id: int, messages: Sequence[OutgoingMessage], *,
                      category: str | None, policy: RetryPolicy = URGENT) -> bool:
    """Deliver a crisis reply first in line, retrying until delivered or the chat is gone."""
    outcome = await deliver(bot, chat_id, messages, policy=policy, priority=Priority.URGENT, kind="crisis",
                            category=category)
    return outcome == "sent"


Outcome = Literal["sent", "gone", "refused", "failed"]


async def deliver(bot: Bot, chat_id: int, messages: Sequence[OutgoingMessage | OutgoingPhoto], *,
                  policy: RetryPolicy, priority: Priority, kind: str, category: str | None = None) -> Outcome:
    """Send `messages` in order. "gone": the chat cannot be written to (blocked, deleted);
    "refused": Telegram refused the request itself; "failed": faults outlasted `policy`."""
    started = time.monotonic()
    what = (f"crisis reply ({category})" if category else "urgent reply") if kind == "crisis" else kind
    attempts = failures = 0
    last_error = "none"
    first_failure: float | None = None
    for message in messages:
        backoff = policy.first_backoff
        while True:
            attempts += 1
            try:
                await _send(bot, chat_id, message, priority, policy.attempt_timeout)
                break
            except (_GiveUp, Forbidden, InvalidToken) as error:
                logger.error("%s NOT delivered: %s (attempt %d)", what, describe(error), attempts)
                _lost(bot, kind)
                return "gone" if isinstance(error, Forbidden) or _chat_gone(error) else "refused"
            except (RetryAfter, TelegramError, TimeoutError) as error:  # 429, network error, 5xx, hang
                last_error = describe(error)
                failures += 1
                first_failure = first_failure or time.monotonic()
                if _out_of_tries(policy, failures, first_failure):
                    logger.error("%s NOT delivered: gave up after %d attempts in %.1fs; last error %s",
                                 what, attempts, time.monotonic() - started, last_error)
                    _lost(bot, kind)
                    return "failed"
                if isinstance(error, RetryAfter):
                    await asyncio.sleep(retry_after_seconds(error))
                else:
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, policy.max_backoff)
    if failures:
        logger.warning("%s delivered after %d attempts in %.1fs; last error %s",
                       what, attempts, time.monotonic() - started, last_error)
    return "sent"


def _chat_gone(error: BaseException) -> bool:
    return "chat not found" in str(error).lower()


def _out_of_tries(policy: RetryPolicy, failures: int, first_failure: float) -> bool:
    if policy.max_attempts is not None and failures >= policy.max_attempts:
        return True
    return policy.deadline is not None and time.monotonic() - first_failure >= policy.deadline


def _lost(bot: Bot, kind: str) -> None:
    limiter = priority_limiter(bot)
    if limiter is not None:
        limiter.count_lost(kind)


async def _send(bot: Bot, chat_id: int, message: OutgoingMessage | OutgoingPhoto, priority: Priority,
                timeout: float | None = None) -> None:
    """Send as HTML; if Telegram refuses our HTML (a bug, but never the user's problem), send plain."""
    if isinstance(message, OutgoingPhoto):
        await _send_photo(bot, chat_id, message, priority, timeout)
        return
    keyboard = {"reply_markup": keyboard_json(message.keyboard)} if message.keyboard is not None else {}
    try:
        await _send_message(bot, {"chat_id": chat_id, "text": message.html, "parse_mode": ParseMode.HTML,
                                  **keyboard}, priority, timeout)
        return
    except BadRequest as error:
        if "can't parse entities" not in error.message.lower():
            raise _GiveUp(describe(error)) from error
        logger.error("Telegram refused our HTML (%s); sending plain text instead", describe(error))
    try:
        await _send_message(bot, {"chat_id": chat_id, "text": message.plain, **keyboard}, priority, timeout)
    except BadRequest as error:
        raise _GiveUp(describe(error)) from error


async def _send_message(bot: Bot, parameters: dict[str, object], priority: Priority,
                        timeout: float | None = None) -> None:
    """sendMessage, with the parameters in their wire form and Telegram's answer left unread.

    `Bot.send_message` would serialise every button again and then build a `Message` from
    Telegram's answer, which repeats the text, its entities and the whole keyboard. Lantern never
    reads that answer, and for a reply with buttons building it costs about as much as matching
    the question did (bench_e2e). `do_api_request` makes the same request through the same rate
    limiter and raises the same errors; the keyboard is made once per keyboard (render.keyboard_json).
    """
    timeouts = {"read_timeout": timeout} if timeout is not None else {}
    await bot.do_api_request("sendMessage", api_kwargs=parameters, **rate_limit_args(bot, priority), **timeouts)


async def _send_photo(bot: Bot, chat_id: int, photo: OutgoingPhoto, priority: Priority,
                      timeout: float | None = None) -> None:
    """sendPhoto as a multipart upload; a refusal (a bad image, a caption too long) is not retried."""
    timeouts = {"read_timeout": timeout} if timeout is not None else {}
    try:
        await bot.send_photo(chat_id, InputFile(photo.png, filename=photo.filename), caption=photo.caption or None,
                             **rate_limit_args(bot, priority), **timeouts)
    except BadRequest as error:
        raise _GiveUp(describe(error)) from error


def rate_limit_args(bot: Bot, priority: Priority) -> dict[str, Any]:
    """`rate_limit_args=priority` for a Bot method, when the bot has a limiter that reads it
    (PTB refuses the argument on a bot without a rate limiter)."""
    return {"rate_limit_args": priority} if priority_limiter(bot) is not None else {}


# do_api_request warns that send_message exists; choosing it over send_message is the point above.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage' instead", category=PTBUserWarning)


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
