"""Live reload of content: load, fully validate, and swap in at once, or keep serving the old.

A change under `intents/` or `responses/` (watched with watchfiles), SIGHUP, or an operator's
/reload all end in `ContentReloader.reload`. A new catalog is built and checked with the same
checks as `lantern validate`; only a catalog without errors is swapped in (one reference swap in
`Lantern`), so a broken edit never serves. Rejections are handed to `on_rejected` (the Telegram
front end tells every operator), and applied reloads to `on_applied` (content the core does not
hold, such as the check-in texts). Not for deciding who may reload: that is the front end's job.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.core import Lantern
from bot.validate import Finding, advisory_checks, validate_dirs

log = logging.getLogger(__name__)


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
                 on_applied: Notify | None = None) -> None:
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
        start = time.perf_counter()
        catalog, findings = validate_dirs(*self.folders, self._settings.matching, advisory=False)
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
