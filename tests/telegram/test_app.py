"""`lantern run`'s life: the token and its errors, and a SIGTERM that loses nothing already taken.

The SIGTERM test runs the real entry point (`bot.telegram.app.run`) in a child process against
the fake server, so signals, logging set-up and shutdown are the production ones. It follows the
child by its log, not by a clock: a reply is held at the fake server until the child says the
stop has begun.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
import yaml

from bot.config import TOKEN_ENV, Settings, TelegramSettings
from bot.core import Lantern
from bot.errors import LanternError
from bot.telegram.app import PerChatUpdateProcessor, build_application, run, start, stop
from tests.fake_bot_api import FakeBotApi, Fault
from tests.telegram.conftest import settings_for

ROOT = Path(__file__).resolve().parents[2]


def test_a_missing_token_is_one_line_that_points_to_lantern_chat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with pytest.raises(LanternError) as raised:
        run(Settings())
    message = str(raised.value)
    assert "\n" not in message
    assert TOKEN_ENV in message and "lantern chat" in message


async def test_the_environment_token_wins_over_the_config_file(
        fake_api: FakeBotApi, lantern: Lantern, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, fake_api.token)
    settings = settings_for(fake_api, tmp_path)
    settings = settings.model_copy(update={"telegram": settings.telegram.model_copy(update={"token": "1:stale"})})
    application = build_application(settings, lantern, None)
    try:
        await start(application, settings, poll_timeout=0.5)
        assert fake_api.calls_to("getMe")  # the fake answers only its own token
    finally:
        await stop(application)


async def test_a_token_telegram_refuses_is_reported_without_the_token(
        fake_api: FakeBotApi, lantern: Lantern, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    wrong = "999999:definitely-not-the-right-token"
    settings = Settings(telegram=TelegramSettings(token=wrong, base_url=fake_api.base_url))
    application = build_application(settings, lantern, None)
    try:
        with pytest.raises(LanternError, match="Telegram refused the bot token") as raised:
            await start(application, settings)
        assert wrong not in str(raised.value)
    finally:
        await stop(application)


_RUN = "import sys, pathlib; from bot.config import load_settings; from bot.telegram.app import run; " \
       "run(load_settings(pathlib.Path(sys.argv[1])))"


async def log_until(stream: asyncio.StreamReader, needle: str) -> list[str]:
    """The child's log lines up to and including the first that holds `needle`."""
    lines: list[str] = []
    while not lines or needle not in lines[-1]:
        line = await stream.readline()
        assert line, f"the child's log ended before {needle!r}: {''.join(lines)[-2000:]}"
        lines.append(line.decode(errors="replace"))
    return lines


@pytest.mark.slow
async def test_sigterm_finishes_every_update_already_taken_from_telegram(
        fake_api: FakeBotApi, tmp_path: Path) -> None:
    config = tmp_path / "lantern.yaml"
    config.write_text(yaml.safe_dump({
        "telegram": {"base_url": fake_api.base_url, "base_file_url": fake_api.base_file_url},
        "storage": {"path": str(tmp_path / "lantern.sqlite3")},
        "log_level": "DEBUG",
    }))
    env = {**os.environ, TOKEN_ENV: fake_api.token, "LANTERN_ID_KEY": "k" * 32, "PYTHONPATH": str(ROOT)}
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", _RUN, str(config), env=env, cwd=ROOT,
                                                 stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert child.stderr is not None
    try:
        await fake_api.wait_for(lambda: fake_api.method_counts["getUpdates"] > 0, timeout=60)
        fake_api.inject("sendMessage", Fault.hold())  # the first reply is still on its way...
        first = fake_api.push_text(3001, "/about")
        second = fake_api.push_text(3002, "why cant my son just quit")
        await fake_api.wait_for(lambda: fake_api.handed_out_through >= second["update_id"]
                                and bool(fake_api.calls_to("sendMessage")))
        child.send_signal(signal.SIGTERM)  # ...when the stop comes
        logged = await asyncio.wait_for(log_until(child.stderr, "stop requested"), 60)
        fake_api.release()  # only now does Telegram answer
        logged.append((await asyncio.wait_for(child.stderr.read(), 60)).decode(errors="replace"))
        await asyncio.wait_for(child.wait(), 60)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    logs = "".join(logged)
    assert child.returncode == 0, logs
    assert len(fake_api.messages(3001)) == 1 and len(fake_api.messages(3002)) == 1
    assert fake_api.acknowledged_through >= second["update_id"] > first["update_id"]
    assert fake_api.token not in logs
    assert "why cant my son" not in logs and fake_api.texts(3002)[0][:40] not in logs


async def test_per_chat_processing_keeps_order_and_forgets_idle_chats() -> None:
    from telegram import Chat, Message, Update

    processor = PerChatUpdateProcessor(16)
    seen: list[tuple[int, int]] = []

    async def handle(chat_id: int, n: int) -> None:
        await asyncio.sleep(0.01 * (3 - n))  # later updates would overtake if run freely
        seen.append((chat_id, n))

    def update(chat_id: int, n: int) -> Update:
        chat = Chat(chat_id, "private")
        return Update(n, message=Message(n, date=None, chat=chat))  # type: ignore[arg-type]

    await asyncio.gather(*(processor.process_update(update(chat, n), handle(chat, n))
                           for n in range(3) for chat in (1, 2)))
    assert [n for chat, n in seen if chat == 1] == [0, 1, 2]
    assert [n for chat, n in seen if chat == 2] == [0, 1, 2]
    assert processor._chat_locks == {} and processor._waiting == {}
