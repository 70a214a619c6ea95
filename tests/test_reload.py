"""bot.reload: a live reload never serves a broken, emptied, half-written or oversized edit, and
never holds the event loop while it checks one."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

import bot.reload
from bot.config import ContentSettings, Settings
from bot.core import Lantern
from bot.reload import MAX_EXAMPLE_CHARS, MAX_FILE_BYTES, ContentReloader, ReloadOutcome, wait_until_written
from tests.conftest import ContentCopy


def reloader_for(content: ContentCopy, lantern: Lantern, *, settle: bool = False) -> ContentReloader:
    settings = Settings(content=ContentSettings(intents_dir=content.intents, responses_dir=content.responses))
    return ContentReloader(lantern, settings, settle=settle)


def test_an_emptied_file_is_not_applied(content_copy: ContentCopy, lantern: Lantern) -> None:
    before = lantern.catalog
    (content_copy.intents / "lexicon.yaml").write_text("# emptied by mistake\n\n", encoding="utf-8")
    outcome = reloader_for(content_copy, lantern).reload_now()
    assert not outcome.applied and lantern.catalog is before
    assert any("lexicon.yaml:1: file is empty" in error for error in outcome.errors)


def test_an_oversized_file_is_refused_before_it_is_parsed(content_copy: ContentCopy, lantern: Lantern) -> None:
    path = content_copy.intents / "topics.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    started = time.perf_counter()
    outcome = reloader_for(content_copy, lantern).reload_now()
    assert time.perf_counter() - started < 0.5  # refused on its size, not after parsing it
    assert not outcome.applied
    assert any("topics.yaml:1: file is 1.1 MB; content files may be at most 1 MB" in e for e in outcome.errors)


def test_an_overlong_example_is_refused_at_its_line(content_copy: ContentCopy, lantern: Lantern) -> None:
    long_example = "my son " * (MAX_EXAMPLE_CHARS // 7 + 5)
    text = (content_copy.intents / "topics.yaml").read_text(encoding="utf-8")
    first_examples = text.index("examples:\n") + len("examples:\n")
    indent = text[first_examples:].split("-", 1)[0]
    (content_copy.intents / "topics.yaml").write_text(
        text[:first_examples] + f"{indent}- {long_example.strip()}\n" + text[first_examples:], encoding="utf-8")
    outcome = reloader_for(content_copy, lantern).reload_now()
    assert not outcome.applied
    assert any(f"examples may be at most {MAX_EXAMPLE_CHARS}" in e for e in outcome.errors)


def test_a_file_still_being_written_is_waited_for(content_copy: ContentCopy) -> None:
    path = content_copy.intents / "lexicon.yaml"
    stop = threading.Event()

    def keep_writing() -> None:
        for i in range(6):
            path.write_text(path.read_text(encoding="utf-8") + f"# line {i}\n", encoding="utf-8")
            time.sleep(0.05)
        stop.set()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    assert wait_until_written(content_copy.intents, settle=0.15, limit=5)
    assert stop.is_set()  # it returned only after the last write
    writer.join()


@pytest.mark.slow  # a real reload checks the whole content (about a second)
async def test_a_reload_runs_beside_the_event_loop(content_copy: ContentCopy, lantern: Lantern,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # The check waits, in the reload's thread, for a sign from the event loop: if the reload held
    # the loop, the sign could never come. (The check itself is the real one, once the sign came.)
    loop_ran = threading.Event()
    real_validate = bot.reload.validate_dirs

    def validate_beside_the_loop(*args: Any, **kwargs: Any) -> Any:
        assert loop_ran.wait(timeout=60), "the event loop was held while the reload ran"
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(bot.reload, "validate_dirs", validate_beside_the_loop)
    reloading = asyncio.create_task(reloader_for(content_copy, lantern, settle=True).reload())
    await asyncio.sleep(0)  # the reload starts its thread...
    loop_ran.set()  # ...and the loop goes on meanwhile
    outcome = await reloading
    assert outcome.applied


async def test_a_finished_reload_wakes_whoever_waits_for_it(content_copy: ContentCopy, lantern: Lantern,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    reloader = reloader_for(content_copy, lantern)
    checked = threading.Event()

    def reload_now() -> ReloadOutcome:  # the checks themselves are the other tests' business
        assert checked.wait(timeout=60)
        return ReloadOutcome(True, (), 0.0)

    monkeypatch.setattr(reloader, "reload_now", reload_now)
    waiting = asyncio.create_task(reloader.wait_until(lambda: reloader.finished >= 1))
    reloading = asyncio.create_task(reloader.reload())
    await asyncio.sleep(0.01)
    assert not waiting.done()  # nothing finished yet
    checked.set()
    await asyncio.wait_for(waiting, 60)
    assert reloading.done() and reloader.finished == 1
