"""A fake Telegram Bot API server for end-to-end tests and benchmarks.

The real `telegram.ext.Application` talks to it over HTTP on 127.0.0.1, through
`telegram.base_url`, exactly as it would talk to api.telegram.org. It keeps what a user would
see (the messages in each chat, their buttons, chat actions, answered button presses) and it
refuses what Telegram refuses, with Telegram's own error text, so a rendering bug fails a test
the way it would fail in production:

- text over 4096 characters after entity parsing: "Bad Request: message is too long"
- `callback_data` outside 1-64 bytes: "Bad Request: BUTTON_DATA_INVALID"
- malformed HTML under parse_mode=HTML: "Bad Request: can't parse entities: ..."
  (deliberately a little stricter than Telegram: a bare `&` that starts no entity is refused,
  because in our output it can only mean a missed `html.escape`)
- sendPhoto: a file that is not an image Pillow can decode ("Bad Request: IMAGE_PROCESS_FAILED"),
  over 10 MB, or outside Telegram's dimensions; a caption over 1024 characters

Faults can be injected per method: 429 with `retry_after`, 500, slow responses and dropped
connections. Not for production, and not a complete Bot API: only the methods Lantern uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Self

from aiohttp import ClientSession, ClientTimeout, web

# Limits as documented at https://core.telegram.org/bots/api (sendMessage, InlineKeyboardButton).
MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
# sendPhoto (https://core.telegram.org/bots/api#sendphoto): at most 10 MB, width + height at most
# 10000, sides at most 20 to 1; captions at most 1024 characters after entity parsing.
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_SIDES = 10_000
MAX_PHOTO_RATIO = 20
MAX_CAPTION_LENGTH = 1024

# Tags Telegram accepts under parse_mode=HTML (https://core.telegram.org/bots/api#html-style).
_HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
     "tg-spoiler", "tg-emoji", "blockquote"}
)
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]+);")
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_MARKUP = re.compile(r"[<&]")

# Parameters PTB sends as plain strings; everything else arrives JSON-encoded in the form.
_STRING_PARAMS = frozenset(
    {"text", "caption", "parse_mode", "action", "url", "secret_token", "callback_query_id",
     "inline_message_id", "language_code", "filename"}
)

FaultKind = Literal["retry_after", "server_error", "slow", "drop", "refuse"]


@dataclass(frozen=True)
class Fault:
    """One injected failure, consumed by the next request to the method it was injected for."""

    kind: FaultKind
    seconds: float = 0.0
    status: int = 0
    description: str = ""

    @classmethod
    def retry_after(cls, seconds: int = 1) -> Fault:
        return cls("retry_after", seconds)

    @classmethod
    def server_error(cls) -> Fault:
        return cls("server_error")

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls("slow", seconds)

    @classmethod
    def drop(cls) -> Fault:
        return cls("drop")

    @classmethod
    def refuse(cls, status: int, description: str) -> Fault:
        """Any other answer Telegram gives, e.g. 403 "Forbidden: bot was blocked by the user"."""
        return cls("refuse", status=status, description=description)


@dataclass
class ApiCall:
    """A request the bot made, with its parameters decoded, and how the fake answered it."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    error: str | None = None


@dataclass(frozen=True)
class Photo:
    """A picture the bot sent, as uploaded, with what decoding it found."""

    filename: str
    data: bytes
    format: str  # Pillow's name for it: "PNG", "JPEG"
    width: int
    height: int


@dataclass
class BotMessage:
    """A message the bot put in a chat, as the user sees it now (edits replace the text)."""

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    buttons: list[list[dict[str, Any]]]
    document: tuple[str, bytes] | None = None
    edits: int = 0
    photo: Photo | None = None  # for a photo, `text` is its caption

    @property
    def plain_text(self) -> str:
        """The text as Telegram displays it: tags removed, entities decoded."""
        return parse_html(self.text) if self.parse_mode == "HTML" else self.text

    @property
    def button_labels(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]

    @property
    def callback_data(self) -> list[str]:
        return [button["callback_data"] for row in self.buttons for button in row
                if "callback_data" in button]


class TelegramRefusal(Exception):
    """What Telegram answers with HTTP 400: `description` is Telegram's own wording."""

    def __init__(self, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.description = description
        self.status = status


def utf16_length(text: str) -> int:
    """Telegram measures text in UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """Parse Telegram-style HTML; return the plain text or raise TelegramRefusal as Telegram would."""
    plain: list[str] = []
    open_tags: list[str] = []
    position = 0

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    def refuse(reason: str) -> TelegramRefusal:
        return TelegramRefusal(f"Bad Request: can't parse entities: {reason}")

    while True:
        markup = _MARKUP.search(text, position)
        if markup is None:
            plain.append(text[position:])
            break
        plain.append(text[position:markup.start()])
        position = markup.start()
        if text[position] == "<":
            end = text.find(">", position)
            if end == -1:
                kind = "end" if text.startswith("</", position) else "start"
                raise refuse(f"Unclosed {kind} tag at byte offset {byte_offset(position)}")
            inside = text[position + 1:end]
            if inside.startswith("/"):
                name = inside[1:].strip().lower()
                if not open_tags:
                    raise refuse(f"Unexpected end tag at byte offset {byte_offset(position)}")
                if name != open_tags[-1]:
                    raise refuse(
                        f"Unmatched end tag at byte offset {byte_offset(position)}, "
                        f'expected "</{open_tags[-1]}>", found "</{name}>"'
                    )
                open_tags.pop()
            else:
                match = _TAG_NAME.match(inside)
                name = match.group(0).lower() if match else ""
                if name not in _HTML_TAGS:
                    raise refuse(f'Unsupported start tag "{name}" at byte offset {byte_offset(position)}')
                open_tags.append(name)
            position = end + 1
        else:
            match = _ENTITY.match(text, position)
            if match is None or (match.group(1)[0] != "#" and match.group(1) not in _NAMED_ENTITIES):
                raise refuse(f"Unsupported HTML entity at byte offset {byte_offset(position)}")
            body = match.group(1)
            if body.startswith("#x"):
                plain.append(chr(int(body[1:], 0)))
            elif body.startswith("#"):
                plain.append(chr(int(body[1:])))
            else:
                plain.append(_NAMED_ENTITIES[body])
            position = match.end()
    if open_tags:
        raise refuse(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(plain)


def check_text(text: str | None, parse_mode: str | None) -> str:
    """Apply sendMessage's refusals to `text`; return the text the user would see."""
    if text is None:
        raise TelegramRefusal("Bad Request: message text is empty")
    shown = parse_html(text) if parse_mode == "HTML" else text
    if not shown.strip():
        raise TelegramRefusal("Bad Request: message text is empty")
    if utf16_length(shown) > MAX_MESSAGE_LENGTH:
        raise TelegramRefusal("Bad Request: message is too long")
    return shown


def check_photo(filename: str, data: bytes) -> Photo:
    """Apply sendPhoto's refusals to an upload: it must decode as an image within Telegram's limits."""
    from PIL import Image, UnidentifiedImageError  # Pillow comes with matplotlib

    if len(data) > MAX_PHOTO_BYTES:
        raise TelegramRefusal("Bad Request: file is too big")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
            kind, (width, height) = image.format or "", image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise TelegramRefusal("Bad Request: IMAGE_PROCESS_FAILED") from error
    if width + height > MAX_PHOTO_SIDES or max(width, height) > MAX_PHOTO_RATIO * min(width, height):
        raise TelegramRefusal("Bad Request: PHOTO_INVALID_DIMENSIONS")
    return Photo(filename, data, kind, width, height)


def check_keyboard(reply_markup: Any) -> list[list[dict[str, Any]]]:
    """Apply Telegram's refusals to an inline keyboard; return its rows."""
    if not reply_markup:
        return []
    rows = reply_markup.get("inline_keyboard")
    if not isinstance(rows, list):
        raise TelegramRefusal("Bad Request: can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not button.get("text"):
                raise TelegramRefusal("Bad Request: BUTTON_TEXT_INVALID")
            if "callback_data" in button:
                size = len(str(button["callback_data"]).encode("utf-8"))
                if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                    raise TelegramRefusal("Bad Request: BUTTON_DATA_INVALID")
            elif "url" not in button:
                raise TelegramRefusal("Bad Request: can't find field \"callback_data\"")
    return rows


class FakeBotApi:
    """The server, plus what a test needs to drive it: push updates in, read what users see.

    Use as `async with FakeBotApi() as api:`; point the bot at `api.base_url` with `api.token`.
    """

    def __init__(self, token: str = "123456:FAKE-token-for-tests", *, username: str = "lantern_test_bot",
                 record_calls: bool = True) -> None:
        self.token = token
        self.username = username
        self.bot_user = {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "Lantern",
                         "username": username, "can_join_groups": True,
                         "can_read_all_group_messages": False, "supports_inline_queries": False}
        self.record_calls = record_calls
        self.calls: list[ApiCall] = []
        self.chats: dict[int, list[BotMessage]] = defaultdict(list)
        self.chat_actions: list[tuple[int, str]] = []
        self.answered_callbacks: list[dict[str, Any]] = []
        self.commands: list[dict[str, str]] = []
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_deliveries: list[int] = []  # HTTP status of each webhook POST
        self.acknowledged_through = 0  # highest update_id confirmed by a getUpdates offset
        self.handed_out_through = 0  # highest update_id a getUpdates response has carried
        self.first_handed_out_at: float | None = None  # time.monotonic() of the first such response
        self.method_counts: dict[str, int] = defaultdict(int)
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._callback_ids = itertools.count(1)
        self._faults: dict[str, list[Fault]] = defaultdict(list)
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._client: ClientSession | None = None
        self.port = 0
        self.on_send: Callable[[BotMessage], None] | None = None

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What goes in `telegram.base_url`; PTB appends the token and the method name."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        self._closing = True
        self._notify()  # end pending long polls now rather than at their timeout
        if self._webhook_task:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._client:
            await self._client.close()
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- driving a conversation ------------------------------------------------------------

    def inject(self, method: str, *faults: Fault) -> None:
        """Make the next requests to `method` fail in order, one fault per request."""
        self._faults[method].extend(faults)

    def push_text(self, chat_id: int, text: str, *, user_id: int | None = None,
                  chat_type: str = "private", edited: bool = False) -> dict[str, Any]:
        """A user sends (or edits to) `text`; commands and @mentions get their entities."""
        return self.push_update(self.text_update(chat_id, text, user_id=user_id, chat_type=chat_type,
                                                 edited=edited))

    def text_update(self, chat_id: int, text: str, *, user_id: int | None = None,
                    chat_type: str = "private", edited: bool = False) -> dict[str, Any]:
        """The update `push_text` would queue, without queueing it (no update_id yet)."""
        message = self._user_message(chat_id, user_id, chat_type)
        message["text"] = text
        entities = _entities_for(text)
        if entities:
            message["entities"] = entities
        if edited:
            message["edit_date"] = int(time.time())
        return {"edited_message" if edited else "message": message}

    def push_media(self, chat_id: int, kind: str, *, user_id: int | None = None,
                   chat_type: str = "private", caption: str | None = None) -> dict[str, Any]:
        """A user sends a sticker, voice note, photo, document or location (photos may have a caption)."""
        message = self._user_message(chat_id, user_id, chat_type)
        if caption is not None:
            message["caption"] = caption
            entities = _entities_for(caption)
            if entities:
                message["caption_entities"] = entities
        file = {"file_id": f"{kind}-file", "file_unique_id": f"{kind}-unique"}
        message.update({
            "sticker": {"sticker": {**file, "width": 512, "height": 512, "is_animated": False,
                                    "is_video": False, "type": "regular"}},
            "voice": {"voice": {**file, "duration": 3}},
            "photo": {"photo": [{**file, "width": 90, "height": 90}]},
            "document": {"document": {**file, "file_name": "notes.pdf"}},
            "location": {"location": {"latitude": 51.5, "longitude": -0.12}},
        }[kind])
        return self.push_update({"message": message})

    def push_callback(self, chat_id: int, data: str, *, message_id: int | None = None,
                      user_id: int | None = None) -> dict[str, Any]:
        """A user presses the button carrying `data` (on the bot's last message by default)."""
        sent = self.chats[chat_id]
        target = next((m for m in reversed(sent) if m.message_id == message_id), None) if message_id \
            else (sent[-1] if sent else None)
        bot_message: dict[str, Any] = {
            "message_id": target.message_id if target else 1, "date": int(time.time()),
            "chat": _chat(chat_id, "private"), "from": self.bot_user,
            "text": target.plain_text if target else "",
        }
        if target and target.buttons:
            bot_message["reply_markup"] = {"inline_keyboard": target.buttons}
        query = {"id": str(next(self._callback_ids)), "from": _user(user_id or chat_id),
                 "chat_instance": str(chat_id), "message": bot_message, "data": data}
        return self.push_update({"callback_query": query})

    def push_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue one update (given without update_id) for getUpdates or the webhook."""
        update = {"update_id": next(self._update_ids), **payload}
        self._pending.append(update)
        self._notify()
        if self.webhook_url and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.create_task(self._deliver_webhook())
        return update

    def messages(self, chat_id: int) -> list[BotMessage]:
        """What the user in `chat_id` sees from the bot, oldest first."""
        return list(self.chats.get(chat_id, ()))

    def texts(self, chat_id: int) -> list[str]:
        return [m.plain_text for m in self.messages(chat_id)]

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until `predicate()` holds; fail loudly with what was sent if it never does."""
        try:
            await asyncio.wait_for(self._wait_until(predicate), timeout)
        except TimeoutError:
            seen = {chat: [m.plain_text[:80] for m in msgs] for chat, msgs in self.chats.items()}
            raise AssertionError(f"condition not met within {timeout}s; chats: {seen}") from None

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = 5.0) -> list[BotMessage]:
        await self.wait_for(lambda: len(self.chats.get(chat_id, ())) >= count, timeout)
        return self.messages(chat_id)

    async def deliver_raw_webhook(self, update: dict[str, Any], secret: str | None) -> int:
        """POST `update` to the bot's webhook with any secret, as an attacker could; return status."""
        assert self.webhook_url, "no webhook set"
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with self._session().post(self.webhook_url, json=update, headers=headers) as response:
            return response.status

    # --- the HTTP side ---------------------------------------------------------------------

    def _notify(self) -> None:
        """Wake everyone waiting for a change (a long poll, a test's wait_for)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, predicate: Callable[[], bool]) -> None:
        while not predicate():
            await self._changed.wait()

    def _session(self) -> ClientSession:
        if self._client is None:
            self._client = ClientSession(timeout=ClientTimeout(total=10))
        return self._client

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        params = await _read_params(request)
        self.method_counts[method] += 1
        call = ApiCall(method, params, time.monotonic())
        if self.record_calls:
            self.calls.append(call)
        self._notify()  # tests may be waiting for a request to arrive, not only to finish
        faults = self._faults.get(method)
        if faults:
            fault = faults.pop(0)
            if fault.kind == "slow":
                with contextlib.suppress(TimeoutError):  # a closing server stops being slow
                    await asyncio.wait_for(self._wait_until(lambda: self._closing), fault.seconds)
            elif fault.kind == "drop":
                call.status, call.error = 0, "connection dropped"
                assert request.transport is not None
                request.transport.abort()
                return web.Response(status=500)  # never reaches the client: the socket is gone
            elif fault.kind == "refuse":
                call.status, call.error = fault.status, fault.description
                return _error(fault.status, fault.description)
            elif fault.kind == "retry_after":
                call.status, call.error = 429, "retry_after"
                return _error(429, f"Too Many Requests: retry after {int(fault.seconds)}",
                              parameters={"retry_after": int(fault.seconds)})
            else:
                call.status, call.error = 500, "Internal Server Error"
                return _error(500, "Internal Server Error")
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            call.status, call.error = 404, "Not Found"
            return _error(404, "Not Found: method not found")
        try:
            result = await handler(params)
        except TelegramRefusal as refusal:
            call.status, call.error = refusal.status, refusal.description
            return _error(refusal.status, refusal.description)
        self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook_url:
            raise TelegramRefusal("Conflict: can't use getUpdates method while webhook is active; "
                                  "use deleteWebhook to delete the webhook first", status=409)
        offset = int(params.get("offset") or 0)
        if offset:
            self.acknowledged_through = max(self.acknowledged_through, offset - 1)
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if not self._pending and timeout:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wait_until(lambda: bool(self._pending) or self._closing), timeout)
        batch = self._pending[:limit]
        if batch:
            self.handed_out_through = max(self.handed_out_through, batch[-1]["update_id"])
            if self.first_handed_out_at is None:
                self.first_handed_out_at = time.monotonic()
        return batch

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = self.webhook_secret = None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        url = params.get("url") or ""
        if url and not url.startswith(("http://127.0.0.1", "https://")):
            raise TelegramRefusal("Bad Request: bad webhook: HTTPS url must be provided for webhook")
        self.webhook_url = url or None
        self.webhook_secret = params.get("secret_token")
        if self.webhook_url and self._pending:
            self._webhook_task = asyncio.create_task(self._deliver_webhook())
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": self.webhook_url or "", "has_custom_certificate": False,
                "pending_update_count": len(self._pending)}

    async def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise TelegramRefusal("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise TelegramRefusal("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands = commands
        return True

    async def _api_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self.commands

    async def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        self.chat_actions.append((int(params["chat_id"]), params.get("action", "")))
        return True

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        text, parse_mode = params.get("text"), params.get("parse_mode")
        check_text(text, parse_mode)
        buttons = check_keyboard(params.get("reply_markup"))
        message = BotMessage(chat_id, next(self._message_ids[chat_id]), str(text), parse_mode, buttons)
        self.chats[chat_id].append(message)
        if self.on_send:
            self.on_send(message)
        return self._message_json(message)

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        text, parse_mode = params.get("text"), params.get("parse_mode")
        check_text(text, parse_mode)
        buttons = check_keyboard(params.get("reply_markup"))
        target = next((m for m in self.chats.get(chat_id, ()) if m.message_id == message_id), None)
        if target is None:
            raise TelegramRefusal("Bad Request: message to edit not found")
        if target.text == text and target.buttons == buttons:
            raise TelegramRefusal("Bad Request: message is not modified: specified new message content "
                                  "and reply markup are exactly the same as a current content and reply "
                                  "markup of the message")
        target.text, target.parse_mode, target.buttons = str(text), parse_mode, buttons
        target.edits += 1
        return self._message_json(target)

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        target = next((m for m in self.chats.get(chat_id, ()) if m.message_id == message_id), None)
        if target is None:
            raise TelegramRefusal("Bad Request: message to edit not found")
        target.buttons = check_keyboard(params.get("reply_markup"))
        return self._message_json(target)

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        if len(params.get("text") or "") > MAX_CALLBACK_ANSWER_LENGTH:
            raise TelegramRefusal("Bad Request: MESSAGE_TOO_LONG")
        self.answered_callbacks.append(params)
        return True

    async def _api_sendDocument(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        document = params.get("document")
        if not isinstance(document, tuple):
            raise TelegramRefusal("Bad Request: there is no document in the request")
        caption = params.get("caption")
        if caption:
            shown = parse_html(caption) if params.get("parse_mode") == "HTML" else caption
            if utf16_length(shown) > 1024:
                raise TelegramRefusal("Bad Request: message caption is too long")
        message = BotMessage(chat_id, next(self._message_ids[chat_id]), str(caption or ""),
                             params.get("parse_mode"), check_keyboard(params.get("reply_markup")),
                             document=document)
        self.chats[chat_id].append(message)
        return {**self._message_json(message),
                "document": {"file_id": "doc", "file_unique_id": "doc", "file_name": document[0]}}

    async def _api_sendPhoto(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        upload = params.get("photo")
        if not isinstance(upload, tuple):  # a file_id or URL: Lantern only uploads
            raise TelegramRefusal("Bad Request: there is no photo in the request")
        photo = check_photo(*upload)
        caption = params.get("caption")
        if caption:
            shown = parse_html(caption) if params.get("parse_mode") == "HTML" else caption
            if utf16_length(shown) > MAX_CAPTION_LENGTH:
                raise TelegramRefusal("Bad Request: message caption is too long")
        message = BotMessage(chat_id, next(self._message_ids[chat_id]), str(caption or ""),
                             params.get("parse_mode"), check_keyboard(params.get("reply_markup")), photo=photo)
        self.chats[chat_id].append(message)
        if self.on_send:
            self.on_send(message)
        body = self._message_json(message)
        del body["text"]
        if caption:
            body["caption"] = message.plain_text
        size = {"file_id": f"photo-{message.message_id}", "file_unique_id": f"photo-{message.message_id}",
                "width": photo.width, "height": photo.height, "file_size": len(photo.data)}
        return {**body, "photo": [size]}

    def _message_json(self, message: BotMessage) -> dict[str, Any]:
        body: dict[str, Any] = {"message_id": message.message_id, "date": int(time.time()),
                                "chat": _chat(message.chat_id, "private"), "from": self.bot_user,
                                "text": message.plain_text}
        if message.buttons:
            body["reply_markup"] = {"inline_keyboard": message.buttons}
        return body

    async def _deliver_webhook(self) -> None:
        """Push pending updates to the webhook one by one, as Telegram does, retrying refusals."""
        while self._pending and self.webhook_url:
            update = self._pending[0]
            headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret} if self.webhook_secret else {}
            try:
                async with self._session().post(self.webhook_url, json=update, headers=headers) as response:
                    status = response.status
            except OSError:
                status = 0
            self.webhook_deliveries.append(status)
            if status == 200:
                self._pending.pop(0)
                self.acknowledged_through = max(self.acknowledged_through, update["update_id"])
            else:
                await asyncio.sleep(0.1)

    def _user_message(self, chat_id: int, user_id: int | None, chat_type: str) -> dict[str, Any]:
        return {"message_id": next(self._message_ids[chat_id]), "date": int(time.time()),
                "chat": _chat(chat_id, chat_type), "from": _user(user_id or abs(chat_id))}


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "en"}


def _chat(chat_id: int, chat_type: str) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = f"User{chat_id}"
    else:
        chat["title"] = f"Group {chat_id}"
    return chat


def _entities_for(text: str) -> list[dict[str, Any]]:
    """The entities Telegram's clients attach: a leading /command and any @mentions."""
    entities = []
    command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_length(command.group(0))})
    for mention in re.finditer(r"(?<![\w/])@[A-Za-z0-9_]{5,32}", text):
        entities.append({"type": "mention", "offset": utf16_length(text[:mention.start()]),
                         "length": utf16_length(mention.group(0))})
    return entities


def _error(status: int, description: str, *, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Decode a Bot API request: JSON body, or a form whose non-string values are JSON."""
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        return dict(body)
    form = await request.post() if request.can_read_body else request.query
    params: dict[str, Any] = dict(request.query)
    for name, value in form.items():
        if isinstance(value, web.FileField):
            params[name] = (value.filename, value.file.read())
        elif name in _STRING_PARAMS:
            params[name] = value
        else:
            try:
                params[name] = json.loads(value)
            except (TypeError, ValueError):
                params[name] = value
    return params

