"""Fixtures for the Telegram front end: a fake Bot API server on 127.0.0.1, and the real Lantern
application (real core, real content, real SQLite store) polling it over HTTP. The shipped
catalog and a fresh `lantern` over it come from tests/conftest.py (loaded once per process)."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.config import Settings, StorageSettings, TelegramSettings, WebhookSettings
from bot.core import Lantern
from bot.pseudonym import Pseudonyms, user_key
from bot.store import Store
from bot.telegram.app import QUIET_LIBRARIES, build_application, configure_logging, start, stop
from bot.telegram.delivery import RetryPolicy
from tests.fake_bot_api import BotMessage, FakeBotApi

# PTB's documented opt-in to its next major's RetryAfter type; without it every 429 warns.
os.environ.setdefault("PTB_TIMEDELTA", "true")

ID_KEY = b"test-id-key-for-pseudonyms-0123456789"
# Crisis retries in tests: the same loop as production, with short waits.
FAST_RETRIES = RetryPolicy(deadline=15.0, first_backoff=0.02, max_backoff=0.1)


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "lantern.sqlite3")
    yield opened
    await opened.close()


def settings_for(api: FakeBotApi, tmp_path: Path, **telegram: object) -> Settings:
    webhook = telegram.pop("webhook", WebhookSettings())
    return Settings(
        telegram=TelegramSettings(token=api.token, base_url=api.base_url, base_file_url=api.base_file_url,
                                  webhook=webhook, **telegram),  # type: ignore[arg-type]
        storage=StorageSettings(path=tmp_path / "lantern.sqlite3"),
    )


@dataclass
class RunningBot:
    """The real application, started and polling the fake server; `say` is a user typing."""

    api: FakeBotApi
    application: Application
    lantern: Lantern
    store: Store | None

    def user_key(self, user_id: int) -> str:
        return user_key(ID_KEY, user_id)

    async def say(self, chat_id: int, text: str, *, expect: int = 1, **kwargs: object) -> list[BotMessage]:
        """Send `text` as the user in `chat_id`; return the `expect` new messages the bot sends back."""
        before = len(self.api.messages(chat_id))
        self.api.push_text(chat_id, text, **kwargs)  # type: ignore[arg-type]
        return (await self.api.wait_for_messages(chat_id, before + expect))[before:]

    async def settled(self, chat_id: int) -> None:
        """Wait until everything already sent in `chat_id` is fully handled, store writes included:
        updates from one chat are handled in order, so a reply to one more command proves it."""
        await self.say(chat_id, "/about")

    async def press(self, chat_id: int, data: str, *, expect: int = 1) -> list[BotMessage]:
        before = len(self.api.messages(chat_id))
        self.api.push_callback(chat_id, data)
        return (await self.api.wait_for_messages(chat_id, before + expect))[before:]


async def running(api: FakeBotApi, settings: Settings, lantern: Lantern, store: Store | None,
                  **options: Any) -> Application:
    options.setdefault("pseudonyms", Pseudonyms(ID_KEY))
    application = build_application(settings, lantern, store, urgent_policy=FAST_RETRIES, **options)
    await start(application, settings, poll_timeout=1.0)
    return application


@pytest.fixture
async def bot(fake_api: FakeBotApi, lantern: Lantern, store: Store, tmp_path: Path) -> AsyncIterator[RunningBot]:
    application = await running(fake_api, settings_for(fake_api, tmp_path), lantern, store)
    try:
        yield RunningBot(fake_api, application, lantern, store)
    finally:
        await stop(application)


@pytest.fixture
def lantern_debug_logging() -> Iterator[None]:
    """`log_level: DEBUG` as `lantern run` sets it up; logger levels restored afterwards."""
    names = ["", *QUIET_LIBRARIES]
    saved = {name: logging.getLogger(name).level for name in names}
    configure_logging("DEBUG")
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)
