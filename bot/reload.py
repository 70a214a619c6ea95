"""Live reload of content: load, fully validate, and swap in at once, or keep serving the old.

A change under `intents/` or `responses/` (watched with watchfiles), SIGHUP, or an operator's
/reload all end in `ContentReloader.reload`. A new catalog is built and checked with the same
checks as `lantern validate`; only a catalog without errors is swapped in (one reference swap in
`Lantern`), so a broken edit never serves. Rejections are handed to `on_rejected` (the Telegram
front end tells every operator), and applied reloads to `on_applied` (content the core does not
hold, such as the check-in texts). Not for deciding who may reload: that is the front end's job.

Everything runs in a worker thread, and before anything is parsed: the files must have stopped
changing (an editor or a copy still writing is waited out) and none may exceed MAX_FILE_BYTES,
so a 20 MB paste is refused in microseconds instead of being parsed. An emptied file (an emptied
`lexicon.yaml` would silently drop every synonym) is refused by the loader, which names what the
content lacks without it. An example longer than
MAX_EXAMPLE_CHARS is refused too. `lantern validate` states the same limits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.catalog import Catalog
from bot.config import Settings
from bot.core import Lantern
from bot.validate import Finding, advisory_checks, validate_dirs

log = logging.getLogger(__name__)

# The largest shipped content file is about 60 KB and the longest example 113 characters; these
# leave room to grow and refuse what can only be a mistake (a pasted dump, a stray file).
MAX_FILE_BYTES = 1_000_000
MAX_EXAMPLE_CHARS = 500
# A file counts as written once its size and time stay the same this long...
SETTLE_SECONDS = 0.2
# ...and a reload waits at most this long for that before checking what is there.
SETTLE_LIMIT_SECONDS = 5.0


def content_files(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders if folder.is_dir() for p in folder.iterdir()
                  if p.suffix in (".yaml", ".yml") and p.is_file())


def file_findings(*folders: Path) -> list[Finding]:
    """Files too big to be content: each an error at the file (empty ones: see `bot.content`)."""
    found = []
    for path in content_files(*folders):
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            found.append(Finding(f"{path}:1", "error", f"file is {size / 1e6:.1f} MB; content files may be at most "
                                                       f"{MAX_FILE_BYTES / 1e6:.0f} MB"))
    return found


def example_findings(catalog: Catalog) -> list[Finding]:
    """Examples longer than anyone types: an error at the example's line."""
    return [Finding(str(example.where), "error", f"example of {len(example.text)} characters in intent "
                                                 f"'{intent.id}'; examples may be at most {MAX_EXAMPLE_CHARS}")
            for intent in catalog.intents for example in intent.examples if len(example.text) > MAX_EXAMPLE_CHARS]


def wait_until_written(*folders: Path, settle: float = SETTLE_SECONDS, limit: float = SETTLE_LIMIT_SECONDS) -> bool:
    """Block until no content file has changed for `settle` seconds (True), or `limit` passed (False)."""
    deadline = time.monotonic() + limit
    before = _snapshot(folders)
    while True:
        time.sleep(settle)
        now = _snapshot(folders)
        if now == before:
            return True
        if time.monotonic() > deadline:
            return False
        before = now


def _snapshot(folders: tuple[Path, ...]) -> dict[Path, tuple[int, int]]:
    found = {}
    for path in content_files(*folders):
        try:
            stat = path.stat()
        except OSError:
            continue
        found[path] = (stat.st_size, stat.st_mtime_ns)
    return found


@dataclass(frozen=True)
class ReloadOutcome:
    applied: bool
    findings: tuple[Finding, ...]
    elapsed_ms: float

    @property
    def errors(self) -> list[str]:
        return [f"{f.where}: {f.message}" for f in self.findings if f.level == "error"]


Notify = Callable[[ReloadOutcome], Awaitable[None]]


class ContentReloader:
    """Reloads one Lantern's content from the configured folders; one reload at a time."""

    def __init__(self, lantern: Lantern, settings: Settings, on_rejected: Notify | None = None,
                 on_applied: Notify | None = None, *, settle: bool = True) -> None:
        self._settle = settle  # wait for files to stop changing first (tests calling reload_now may skip it)
        self._lantern = lantern
        self._settings = settings
        self._on_rejected = on_rejected
        self._on_applied = on_applied
        self._lock = asyncio.Lock()

    @property
    def folders(self) -> tuple[Path, Path]:
        return self._settings.content.intents_dir, self._settings.content.responses_dir

    def reload_now(self) -> ReloadOutcome:
        """Synchronous reload (for the CLI and tests); swaps only a catalog without errors.

        Every check that can refuse a catalog runs before the swap; the advisory warnings (which
        never block) are worked out just after it, so the new content serves as soon as it is safe.
        """
        if self._settle and not wait_until_written(*self.folders):
            log.warning("content files still changing after %.0f s; checking them as they are", SETTLE_LIMIT_SECONDS)
        start = time.perf_counter()
        findings = file_findings(*self.folders)
        catalog = None
        if not findings:
            catalog, findings = validate_dirs(*self.folders, self._settings.matching, advisory=False)
            if catalog is not None:
                findings += example_findings(catalog)
                if any(f.level == "error" for f in findings):
                    catalog = None
        elapsed = (time.perf_counter() - start) * 1000
        if catalog is not None:
            self._lantern.swap_catalog(catalog)
            findings = sorted(findings + advisory_checks(catalog))
        outcome = ReloadOutcome(catalog is not None, tuple(findings), elapsed)
        if outcome.applied:
            log.info("content reloaded: new content serving after %.0f ms (%d warnings)", elapsed, len(findings))
        else:
            for error in outcome.errors:
                log.error("content reload rejected: %s", error)
            log.error("content reload rejected; the previous content keeps serving")
        return outcome

    async def reload(self) -> ReloadOutcome:
        """Reload off the event loop, so messages (crisis replies above all) keep flowing meanwhile."""
        async with self._lock:
            outcome = await asyncio.to_thread(self.reload_now)
        notify = self._on_applied if outcome.applied else self._on_rejected
        if notify is not None:
            try:
                await notify(outcome)
            except Exception:
                log.exception("after a %s reload: %s failed", "applied" if outcome.applied else "rejected",
                              getattr(notify, "__name__", "the callback"))
        return outcome

    async def watch(self, stop: asyncio.Event, debounce_ms: int = 300) -> None:
        """Reload whenever a YAML file under the content folders changes, until `stop` is set."""
        from watchfiles import awatch

        folders = [str(f) for f in self.folders if f.is_dir()]
        async for changes in awatch(*folders, stop_event=stop, debounce=debounce_ms,
                                    watch_filter=lambda _, path: path.endswith((".yaml", ".yml"))):
            log.info("content changed (%d file(s)); reloading", len(changes))
            await self.reload()
