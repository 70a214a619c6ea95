"""Live reload benchmark: how long until an edited catalog serves, on the real (shipped) content.

Run: `python benchmarks/bench_reload.py [--runs 10]` (from the repository root; about half a minute).
Each run edits one answer in a temporary copy of `intents/` and `responses/` and reloads through
`ContentReloader.reload_now`, as SIGHUP and /reload do. Reported, min and median over the runs:

- serving: from the start of the reload to the swap, i.e. the blocking checks (the same as
  `lantern validate`'s errors) are done and the next message gets the new content (target < 200 ms);
- total: the same reload including the advisory warnings worked out after the swap;
- rejected: a reload of a copy with a YAML syntax error, until the old catalog is kept;
- watched: from saving the file to the swap through the file watcher (includes its debounce).

Not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.catalog import Catalog
from bot.config import ContentSettings, Settings
from bot.core import Lantern
from bot.paths import DEFAULT_INTENTS_DIR, DEFAULT_RESPONSES_DIR
from bot.reload import ContentReloader, ReloadOutcome

ANSWER_FILE = "responses/answers.yaml"
ANSWER_ID = "relapse"


class TimedLantern(Lantern):
    """Notes when a new catalog is swapped in: from then on, messages get it."""

    swapped_at: float = 0.0

    def swap_catalog(self, catalog: Catalog) -> None:
        super().swap_catalog(catalog)
        self.swapped_at = time.perf_counter()


class TimedReloader(ContentReloader):
    """Notes when a reload is over, advisory warnings included (the next one waits for it)."""

    finished_at: float = 0.0

    def reload_now(self) -> ReloadOutcome:
        outcome = super().reload_now()
        self.finished_at = time.perf_counter()
        return outcome


def copy_content(root: Path) -> Settings:
    shutil.copytree(DEFAULT_INTENTS_DIR, root / "intents")
    shutil.copytree(DEFAULT_RESPONSES_DIR, root / "responses")
    return Settings(content=ContentSettings(intents_dir=root / "intents", responses_dir=root / "responses"))


def edit_answer(root: Path, lantern: Lantern, marker: str) -> str:
    """Change the answer's first words to `marker` (a real edit, so the reload has work to do)."""
    path = root / ANSWER_FILE
    current = lantern.answer(ANSWER_ID).text.split("\n")[0].split(".")[0]
    text = path.read_text(encoding="utf-8")
    assert text.count(current) >= 1, "the answer's first sentence moved; adjust the benchmark"
    path.write_text(text.replace(current, marker, 1), encoding="utf-8")
    return marker


def summary(label: str, values: list[float]) -> str:
    return f"  {label:<44} min {min(values):7.1f} ms   median {statistics.median(values):7.1f} ms"


def bench_reload_now(root: Path, settings: Settings, runs: int) -> tuple[list[float], list[float], list[float]]:
    lantern = TimedLantern(None, settings.region)
    reloader = ContentReloader(lantern, settings)
    assert reloader.reload_now().applied, "the shipped content must load"
    serving, total, rejected = [], [], []
    for run in range(runs):
        marker = edit_answer(root, lantern, f"Edited in run {run}")
        started = time.perf_counter()
        outcome = reloader.reload_now()
        ended = time.perf_counter()
        assert outcome.applied and lantern.answer(ANSWER_ID).text.startswith(marker)
        serving.append((lantern.swapped_at - started) * 1000)
        total.append((ended - started) * 1000)
    broken = root / "intents" / "topics.yaml"
    good = broken.read_text(encoding="utf-8")
    broken.write_text(good.replace("examples:", "examples: [", 1), encoding="utf-8")
    for _ in range(runs):
        started = time.perf_counter()
        outcome = reloader.reload_now()
        rejected.append((time.perf_counter() - started) * 1000)
        assert not outcome.applied
    broken.write_text(good, encoding="utf-8")
    return serving, total, rejected


async def bench_watched(root: Path, settings: Settings, runs: int, debounce_ms: int) -> list[float]:
    lantern = TimedLantern(None, settings.region)
    reloader = TimedReloader(lantern, settings)
    assert reloader.reload_now().applied
    stop = asyncio.Event()
    watcher = asyncio.create_task(reloader.watch(stop, debounce_ms=debounce_ms))
    await asyncio.sleep(0.5)  # the watcher is set up
    watched = []
    try:
        for run in range(runs):
            marker = edit_answer(root, lantern, f"Watched edit {run}")
            saved = time.perf_counter()
            while not lantern.answer(ANSWER_ID).text.startswith(marker):
                await asyncio.sleep(0.002)
                if time.perf_counter() - saved > 10:
                    raise RuntimeError("the watcher did not reload within 10 s")
            watched.append((lantern.swapped_at - saved) * 1000)
            while reloader.finished_at < lantern.swapped_at:  # the advisory warnings, then the next edit
                await asyncio.sleep(0.01)
    finally:
        stop.set()
        await watcher
    return watched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--debounce-ms", type=int, default=300, help="the watcher's debounce (default: production's)")
    args = parser.parse_args()
    logging.disable(logging.ERROR)  # the rejected runs log their errors; the figures are what counts
    with tempfile.TemporaryDirectory(prefix="lantern-bench-reload-") as folder:
        root = Path(folder)
        settings = copy_content(root)
        serving, total, rejected = bench_reload_now(root, settings, args.runs)
        watched = asyncio.run(bench_watched(root, settings, args.runs, args.debounce_ms))
    print(f"Live reload of the shipped content, {args.runs} runs:")
    print(summary("serving (blocking checks, then swap)", serving))
    print(summary("total (with the advisory warnings)", total))
    print(summary("rejected (YAML syntax error)", rejected))
    print(summary(f"watched (file saved to swap, debounce {args.debounce_ms} ms)", watched))
    print(f"  target: serving under 200 ms: {'met' if statistics.median(serving) < 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
