"""`lantern unmatched` and `lantern stats`: the operators' list and figures, in a terminal.

Reads the store at `storage.path` (read-only when its schema is current), so it can run beside
`lantern run`. The figures and the nearest-intent review are `bot.operator_stats`, the same code
behind /stats and /unmatched in Telegram; this module only reads, asks and prints. A missing or
unreadable database is one line on stderr (a `LanternError`), never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import functools
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.catalog import Catalog
from bot.config import Settings
from bot.errors import LanternError
from bot.operator_stats import (
    ReviewedQuestion,
    content_path,
    format_stats,
    format_unmatched,
    gather_stats,
    suggestion,
)
from bot.store import Store, StoreError, UnmatchedQuestion

_AGE = re.compile(r"^\s*(\d+)\s*([dh])\s*$")
_DEFAULT_INDENT = "      "  # intents/topics.yaml: `intents:` > `- id:` > `examples:` > `- text`


def age(text: str) -> timedelta:
    """`--since`: '7d', '24h', '30d' (argparse type)."""
    found = _AGE.match(text.lower())
    if not found or int(found.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not an age like 7d, 24h or 30d")
    number, unit = int(found.group(1)), found.group(2)
    return timedelta(days=number) if unit == "d" else timedelta(hours=number)


async def open_for_reading(settings: Settings) -> Store:
    """The store, read-only where possible; a database from an older Lantern is brought up to date
    first (as `lantern run` would do on its next start)."""
    path = settings.storage.path
    if not Path(path).is_file():
        raise LanternError(f"{path}: no database there yet; Lantern creates it when `lantern run` first "
                           "starts (or set storage.path in the config)")
    try:
        return await Store.open(path, read_only=True)
    except StoreError as error:
        if error.fault != "read_only":
            raise
    return await Store.open(path)


def read_unmatched(settings: Settings, *, since: datetime | None, limit: int) -> list[UnmatchedQuestion]:
    """The most frequent questions nothing answered, last asked at `since` or later."""
    async def read() -> list[UnmatchedQuestion]:
        store = await open_for_reading(settings)
        try:
            return await store.unmatched(limit=limit, since=since)
        finally:
            await store.close()

    return asyncio.run(read())


def print_stats(settings: Settings, out: TextIO, now: datetime | None = None) -> None:
    async def read() -> str:
        store = await open_for_reading(settings)
        try:
            return format_stats(await gather_stats(store, now or datetime.now(UTC)))
        finally:
            await store.close()

    out.write(asyncio.run(read()) + "\n")


def print_unmatched(reviewed: list[ReviewedQuestion], out: TextIO, *, heading: str) -> None:
    out.write(format_unmatched(reviewed, heading=heading) + "\n")


def write_csv(reviewed: list[ReviewedQuestion], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["text", "count", "first_seen", "last_seen", "nearest_intent", "score", "answered_now"])
    for q in reviewed:
        writer.writerow([q.text, q.count, q.first_seen.isoformat(), q.last_seen.isoformat(), q.nearest_intent or "",
                         f"{q.score:.0f}", "yes" if q.now_answered else "no"])


def suggest(reviewed: list[ReviewedQuestion], catalog: Catalog | None, settings: Settings, out: TextIO, *,
            ask: Callable[[str], bool] | None = None, note: TextIO | None = None) -> int:
    """Print a YAML example for each question (or each one `ask` accepts); returns how many.

    Questions the current content already answers, and any with no nearest intent, are skipped.
    """
    if catalog is None:
        raise LanternError("the content could not load, so there is no intent to suggest under; "
                           "run `lantern validate`")
    folders = (settings.content.intents_dir, settings.content.responses_dir)
    candidates = [q for q in reviewed if q.nearest_intent and not q.now_answered]
    skipped = len(reviewed) - len(candidates)
    if skipped:
        (note or sys.stderr).write(f"({skipped} question(s) skipped: the current content answers them, "
                                   "or no intent is near)\n")
    printed = 0
    for question in candidates:
        intent = catalog.intent(question.nearest_intent or "")
        if intent is None:
            continue
        if ask is not None:
            try:
                accepted = ask(f'{question.count}x "{question.text}"  nearest: {intent.id} ({question.score:.0f}). '
                               "Add it as an example there? [y/N] ")
            except EOFError:  # the reviewer closed the input: keep what they accepted so far
                break
            if not accepted:
                continue
        where = intent.examples[-1].where if intent.examples else intent.where
        out.write(suggestion(question, content_path(where.path, folders), _indent_at(where.path, where.line)) + "\n")
        printed += 1
    return printed


def terminal_question(prompt: str) -> bool:
    """Ask on the terminal (prompts on stderr, so stdout holds only the YAML)."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if not answer:
        raise EOFError
    return answer.strip().lower() in ("y", "yes")


def _indent_at(path: Path, line: int) -> str:
    """The indentation of the list item at `line`, so a pasted example lines up with its neighbours."""
    try:
        text = _lines(path)[line - 1]
    except (OSError, IndexError, UnicodeDecodeError):
        return _DEFAULT_INDENT
    stripped = text.lstrip(" ")
    return text[:len(text) - len(stripped)] if stripped.startswith("- ") else _DEFAULT_INDENT


@functools.lru_cache(maxsize=64)
def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()
