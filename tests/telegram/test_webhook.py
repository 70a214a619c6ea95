"""Webhook mode: Telegram posts updates to us, and only requests carrying our secret are accepted."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

from bot.config import WebhookSettings
from bot.core import Lantern
from bot.errors import LanternError
from bot.store import Store
from bot.telegram.app import build_application, start, stop
from tests.fake_bot_api import FakeBotApi
from tests.telegram.conftest import running, settings_for

CHAT = 7007


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def webhook_settings(port: int, secret: str | None) -> WebhookSettings:
    return WebhookSettings(listen="127.0.0.1", port=port, url_path="lantern-hook",
                           public_url=f"http://127.0.0.1:{port}/", secret_token=secret)


async def test_webhook_accepts_the_right_secret_and_rejects_a_wrong_one(
        fake_api: FakeBotApi, lantern: Lantern, store: Store, tmp_path: Path) -> None:
    port = free_port()
    secret = "the-right_secret-42"
    settings = settings_for(fake_api, tmp_path, mode="webhook", webhook=webhook_settings(port, secret))
    application = await running(fake_api, settings, lantern, store)
    try:
        assert fake_api.webhook_url == f"http://127.0.0.1:{port}/lantern-hook"
        assert fake_api.webhook_secret == secret
        forged = {"update_id": 900, **fake_api.text_update(CHAT, "/sos")}
        assert await fake_api.deliver_raw_webhook(forged, "a-wrong-secret") == 403
        assert await fake_api.deliver_raw_webhook({**forged, "update_id": 901}, None) == 403
        # The same kind of update from Telegram itself (with the secret) is answered.
        fake_api.push_text(CHAT, "/start")
        (welcome,) = await fake_api.wait_for_messages(CHAT, 1)
        assert welcome.plain_text == lantern.ui("welcome")
        fake_api.push_text(CHAT, "i want to kill myself")
        crisis = (await fake_api.wait_for_messages(CHAT, 2))[1]
        assert "988" in crisis.plain_text
        assert fake_api.webhook_deliveries == [200, 200]
        assert len(fake_api.messages(CHAT)) == 2  # nothing was ever sent for the forged updates
    finally:
        await stop(application)


async def test_without_a_configured_secret_a_random_one_still_guards_the_webhook(
        fake_api: FakeBotApi, lantern: Lantern, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    port = free_port()
    settings = settings_for(fake_api, tmp_path, mode="webhook", webhook=webhook_settings(port, None))
    application = await running(fake_api, settings, lantern, None)
    try:
        assert fake_api.webhook_secret and len(fake_api.webhook_secret) >= 32
        forged = {"update_id": 900, **fake_api.text_update(CHAT, "/sos")}
        assert await fake_api.deliver_raw_webhook(forged, None) == 403
        fake_api.push_text(CHAT, "/help")
        (reply,) = await fake_api.wait_for_messages(CHAT, 1)
        assert reply.plain_text == lantern.ui("help")
        assert fake_api.webhook_secret not in caplog.text
    finally:
        await stop(application)


async def test_webhook_mode_needs_a_public_url(fake_api: FakeBotApi, lantern: Lantern, tmp_path: Path) -> None:
    webhook = WebhookSettings(listen="127.0.0.1", port=free_port(), public_url=None)
    settings = settings_for(fake_api, tmp_path, mode="webhook", webhook=webhook)
    application = build_application(settings, lantern, None)
    try:
        with pytest.raises(LanternError, match=r"telegram\.webhook\.public_url is required"):
            await start(application, settings)
    finally:
        await stop(application)


async def post_raw(url: str, body: bytes, secret: str) -> int:
    from aiohttp import ClientSession

    headers = {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}
    async with ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        return response.status


async def test_malformed_bodies_get_400_and_health_reports_the_service(
        fake_api: FakeBotApi, lantern: Lantern, store: Store, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    from aiohttp import ClientSession

    from bot.telegram.webhook_server import content_version

    caplog.set_level(logging.DEBUG)
    port = free_port()
    secret = "the-right_secret-42"
    settings = settings_for(fake_api, tmp_path, mode="webhook", webhook=webhook_settings(port, secret))
    application = await running(fake_api, settings, lantern, store)
    url = f"http://127.0.0.1:{port}/lantern-hook"
    try:
        deep = b'{"update_id": 5, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        for body in (b'{"update_id": 5, "message": {"text": "secret words', b'\xff\xfe{"update_id": 1}', deep,
                     b"[1, 2]", b'{"message": {"text": "secret words"}}'):
            assert await post_raw(url, body, secret) == 400
        assert await post_raw(url, b'{"update_id": 6}', "wrong") == 403  # the secret is still checked first
        fake_api.push_text(CHAT, "/help")  # and Telegram's own updates are still answered
        await fake_api.wait_for_messages(CHAT, 1)
        async with ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200
            health = await response.json()
        assert health == {"status": "ok", "content_version": content_version(lantern.catalog), "store": "ok",
                          "queue": {"updates": 0, "messages": 0, "sending": 0}}
        assert "secret words" not in caplog.text
    finally:
        await stop(application)
