"""End-to-end speed: updates per second through the real Lantern bot, next to a plain echo bot.

Run from the repository root: `python benchmarks/bench_e2e.py [--updates 2000] [--chats 400]`.
Not a test: it prints figures and the targets, and asserts nothing.

Harness: the fake Telegram Bot API server (tests/fake_bot_api.py) runs in this process on
127.0.0.1 and is loaded with N updates before a bot starts. Each bot then runs in its own child
process, polling the fake over HTTP exactly as it would poll Telegram, so the figures include
PTB, HTTP, JSON, the core and (for Lantern) SQLite, and each peak RSS is that bot's own.

- Lantern: `bot.telegram.app.serve`, i.e. `lantern run`, with the shipped content and a real
  SQLite store in a temporary folder. Its traffic is a mix of real questions, crisis messages,
  small talk, unmatched text and commands (tests/data/*.yaml), spread over many chats.
- Echo: PTB's echobot handler (`reply_text(message.text)`) on the same application set-up
  (`application_builder`: same rate limiter, same per-chat update processing, same HTTP client).

Lantern's traffic also holds `--moods` /mood commands from users with 26 nights of check-ins
seeded in its store, so each draws a picture (bot/mood_picture.py) during the run: the peak RSS
reported is the bot's own with pictures drawn, and the drawing processes' peak is reported beside
it. `--chart-runs` times one picture against a text /mood in this process (same store, same rows).

Both run with AIORateLimiter switched on but without its 30 messages/s throttle: with the throttle
both bots would simply measure Telegram's limit. A run is timed from the first getUpdates that
hands out updates to the N-th reply, so process start-up and content loading are not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import resource
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from tests.fake_bot_api import BotMessage, FakeBotApi  # noqa: E402

TARGET_RATIO = 0.9
TARGET_RSS_MB = 150.0
ID_KEY = "benchmark-id-key-0123456789abcdef"
COMMANDS = ("/start", "/help", "/topics", "/sos", "/privacy", "/about")


@dataclass(frozen=True)
class Result:
    bot: str
    updates: int
    seconds: float
    cpu_seconds: float  # the bot process's CPU time (all threads) over the same window
    harness_cpu_share: float  # the fake server's CPU time over the window / the window: near 1.0 = saturated
    peak_rss_mb: float
    requests: dict[str, int]

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_seconds / self.updates


def mood_chats(moods: int) -> list[int]:
    """The chats (private: chat id = user id) that send /mood, one each; their users have check-ins."""
    return list(range(10_000, 10_000 + moods))


def with_moods(messages: list[tuple[int, str]], moods: int) -> list[tuple[int, str]]:
    """`messages` with `moods` of them replaced by /mood, evenly spread over the run."""
    mixed = list(messages)
    for i, chat in enumerate(mood_chats(moods)):
        mixed[(i + 1) * len(mixed) // (moods + 1)] = (chat, "/mood")
    return mixed


async def seed_check_ins(database: Path, chats: list[int]) -> None:
    """26 nights of check-ins (a few missed) for each chat's user, in the store the bot will open."""
    from bot.pseudonym import user_key
    from bot.store import Store
    from bot.timezones import effective_time_zone, night_of

    store = await Store.open(database)
    tonight = night_of(datetime.now(UTC), effective_time_zone(None, "US"))
    try:
        for chat in chats:
            key = user_key(ID_KEY.encode(), chat)
            for days in range(25, -1, -1):
                if days not in (4, 9, 10, 17):
                    await store.save_checkin(key, mood=1 + days % 5, craving=days % 4,
                                             night=tonight - timedelta(days=days))
    finally:
        await store.close()


def traffic(count: int, chats: int, seed: int = 7) -> list[tuple[int, str]]:
    """`count` (chat, text) pairs: mostly questions, some crisis, small talk, noise and commands."""
    data = ROOT / "tests" / "data"
    questions = [row["text"] for row in yaml.safe_load((data / "intent_eval.yaml").read_text())]
    safety = yaml.safe_load((data / "safety_eval.yaml").read_text())
    crises = [row["text"] for row in safety if row["category"] != "none"]
    harmless = [row["text"] for row in safety if row["category"] == "none"]
    small_talk = ["hi", "hello there", "thanks", "thank you so much", "who are you", "ok"]
    noise = ["asdf qwerty", "zzz", "lorem ipsum dolor", "123 456", "what about the weather"]
    rng = random.Random(seed)
    kinds = rng.choices([questions, harmless, crises, small_talk, noise, list(COMMANDS)],
                        weights=[55, 15, 8, 8, 7, 7], k=count)
    chat_ids = itertools.cycle(range(10_000, 10_000 + chats))
    return [(next(chat_ids), rng.choice(kind)) for kind in kinds]


async def measure(bot: str, messages: list[tuple[int, str]], timeout: float, moods: int = 0) -> Result:
    """Load the fake with every update, start the bot, wait for every reply, stop it with SIGTERM.

    `moods`: Lantern's traffic holds that many /mood commands (see `with_moods`), from users whose
    check-ins are seeded first."""
    async with FakeBotApi(record_calls=False) as api:
        replies = 0
        all_replied = asyncio.Event()
        last_reply_at = 0.0

        def count(_: BotMessage) -> None:
            nonlocal replies, last_reply_at
            replies += 1
            last_reply_at = time.monotonic()
            if replies >= len(messages):
                all_replied.set()

        harness_cpu = 0.0

        def count_and_time(message: BotMessage) -> None:
            nonlocal harness_cpu
            count(message)
            if replies >= len(messages):
                harness_cpu = time.process_time()

        api.on_send = count_and_time
        for chat_id, text in messages:
            api.push_text(chat_id, text)
        with tempfile.TemporaryDirectory() as folder:
            if moods:
                await seed_check_ins(Path(folder) / "lantern.sqlite3", mood_chats(moods))
            env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "LANTERN_ID_KEY": ID_KEY,
                   "PTB_TIMEDELTA": "true", "PYTHONPATH": str(ROOT)}
            child = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--child", bot, "--base-url", api.base_url, "--folder", folder,
                env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE)
            try:
                await api.wait_for(lambda: api.first_handed_out_at is not None, timeout)
                harness_cpu_at_start = time.process_time()
                await asyncio.wait_for(all_replied.wait(), timeout)
            finally:
                child.send_signal(signal.SIGTERM)
                stdout, _ = await asyncio.wait_for(child.communicate(), 60)
        assert api.first_handed_out_at is not None
        report = json.loads(stdout.decode().strip().splitlines()[-1])
        samples = report["cpu_samples"]
        cpu = cpu_at(samples, last_reply_at) - cpu_at(samples, api.first_handed_out_at)
        requests = {method: count for method, count in api.method_counts.items() if count}
        seconds = last_reply_at - api.first_handed_out_at
        return Result(bot, len(messages), seconds, cpu, (harness_cpu - harness_cpu_at_start) / seconds,
                      report["peak_rss_mb"], requests)


def cpu_at(samples: list[list[float]], moment: float) -> float:
    """The child's CPU time at `moment`, interpolated between its (monotonic, CPU) samples.

    CLOCK_MONOTONIC is system-wide on Linux, so the parent's timestamps and the child's agree.
    """
    before = max((s for s in samples if s[0] <= moment), default=samples[0], key=lambda s: s[0])
    after = min((s for s in samples if s[0] >= moment), default=samples[-1], key=lambda s: s[0])
    if after[0] == before[0]:
        return before[1]
    return before[1] + (after[1] - before[1]) * (moment - before[0]) / (after[0] - before[0])


# --- the child processes ----------------------------------------------------------------------


def run_child(bot: str, base_url: str, folder: str) -> None:
    from telegram.ext import AIORateLimiter

    samples: list[tuple[float, float]] = []
    sampling = threading.Event()

    def sample_cpu() -> None:  # CPU time is less at the mercy of a busy machine than wall time
        while not sampling.wait(0.02):
            samples.append((time.monotonic(), time.process_time()))

    threading.Thread(target=sample_cpu, daemon=True).start()

    from bot.config import Settings, StorageSettings, TelegramSettings

    settings = Settings(telegram=TelegramSettings(base_url=base_url),
                        storage=StorageSettings(path=Path(folder) / "lantern.sqlite3"), log_level="WARNING")
    unthrottled = AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=2)
    if bot == "lantern":
        from bot.telegram.app import configure_logging, serve

        configure_logging(settings.log_level)
        asyncio.run(serve(settings, rate_limiter=unthrottled, poll_timeout=1.0))
    else:
        asyncio.run(serve_echo(settings, unthrottled))
    sampling.set()
    samples.append((time.monotonic(), time.process_time()))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(json.dumps({"peak_rss_mb": peak_kb / 1024, "cpu_samples": samples}), flush=True)


async def serve_echo(settings: object, rate_limiter: object) -> None:
    """PTB's echobot, on Lantern's application set-up, until SIGTERM."""
    from telegram import Update
    from telegram.ext import ContextTypes, MessageHandler, filters

    from bot.telegram.app import ALLOWED_UPDATES, application_builder

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    application = application_builder(settings, rate_limiter).build()  # type: ignore[arg-type]
    application.add_handler(MessageHandler(filters.TEXT, echo))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with application:
        await application.start()
        await application.updater.start_polling(timeout=1.0, allowed_updates=ALLOWED_UPDATES)
        await stop.wait()
        await application.updater.stop()
        await application.stop()


# --- one picture against a text /mood ---------------------------------------------------------


def median_seconds(run: Callable[[], Awaitable[object]], runs: int) -> float:
    async def timed() -> list[float]:
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            await run()
            seconds.append(time.perf_counter() - started)
        return seconds

    return statistics.median(asyncio.run(timed()))


# Run in a fresh interpreter: the peak RSS of a process doing only what it says (VmHWM, which a
# fork from this big harness does not inflate as ru_maxrss would).
_DRAWING_PROCESS = """
import runpy, sys
try:
    runpy.run_module("bot.mood_picture", run_name="__main__")
except SystemExit:
    pass
print([l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1], file=sys.stderr)
"""
_IN_PROCESS = """
import json, sys
import bot.telegram.app
from bot.mood_picture import _child_main

def kb(field):
    return int([l for l in open("/proc/self/status") if l.startswith(field)][0].split()[1])

before = kb("VmRSS")
_child_main()
print(before, kb("VmHWM"), file=sys.stderr)
"""


def drawing_memory(request: bytes) -> tuple[float, float, float]:
    """MB: a drawing process's peak; the bot's Telegram stack before and after drawing in-process."""
    import subprocess

    def run(code: str) -> list[int]:
        done = subprocess.run([sys.executable, "-c", code], input=request, capture_output=True, check=True,
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"})
        assert done.stdout.startswith(b"\x89PNG"), done.stderr.decode()[-300:]
        return [int(kb) for kb in done.stderr.split()[-2:]]

    drawing = run(_DRAWING_PROCESS)[-1]
    before, after = run(_IN_PROCESS)
    return drawing / 1024, before / 1024, after / 1024


def chart_timing(runs: int, lantern_peak_mb: float) -> None:
    """A text /mood and a picture /mood for the same user in this process; the pure drawing too."""
    from bot.checkin import load_checkin_texts, mood_summary
    from bot.config import Settings
    from bot.mood_picture import draw_png, last_per_night, mood_picture
    from bot.pseudonym import user_key
    from bot.store import Store
    from bot.timezones import effective_time_zone, night_of

    texts = load_checkin_texts(Settings().content.responses_dir)
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "lantern.sqlite3"
        asyncio.run(seed_check_ins(database, [1]))

        def with_store(use: Callable[[Store, str], Awaitable[object]]) -> Callable[[], Awaitable[object]]:
            async def run() -> object:
                store = await Store.open(database)
                try:
                    return await use(store, user_key(ID_KEY.encode(), 1))
                finally:
                    await store.close()
            return run

        text = median_seconds(with_store(lambda store, key: mood_summary(store, key, texts, "US")), runs)
        picture = median_seconds(with_store(lambda store, key: mood_picture(store, key, texts, "US")), runs)
        rows = asyncio.run(with_store(lambda store, key: store.recent_checkins(key, limit=120))())
    tonight = night_of(datetime.now(UTC), effective_time_zone(None, "US"))
    shown = last_per_night(rows, tonight)  # type: ignore[arg-type]
    started = time.perf_counter()
    draw_png(texts.chart.picture, shown, tonight, texts.craving.labels)  # type: ignore[arg-type]
    first = time.perf_counter() - started
    warm = statistics.median(_timed_draws(texts, shown, tonight, runs))
    print(f"  chart    text /mood {1000 * text:6.1f} ms   picture /mood {1000 * picture:6.0f} ms "
          f"({picture / text:.0f}x the text; a drawing process each, matplotlib imported in it)   "
          f"median of {runs}")
    print(f"           drawing alone, in-process: first {1000 * first:.0f} ms (importing matplotlib), "
          f"then {1000 * warm:.0f} ms")
    request = json.dumps({"texts": texts.chart.picture.model_dump(),  # type: ignore[union-attr]
                          "checkins": [[r.night.isoformat(), r.mood, r.craving] for r in shown],
                          "tonight": tonight.isoformat(),
                          "craving_labels": {str(k): v for k, v in texts.craving.labels.items()}}).encode()
    drawing, before, after = drawing_memory(request)
    print(f"           memory: a drawing process peaks at {drawing:.1f} MB while it draws (one at a time), "
          f"so at most {lantern_peak_mb + drawing:.0f} MB with the bot's peak; drawing in the bot's own "
          f"process instead would take its Telegram stack from {before:.1f} to {after:.1f} MB "
          f"(+{after - before:.1f} MB, kept)")


def _timed_draws(texts: object, shown: list[object], tonight: object, runs: int) -> list[float]:
    from bot.mood_picture import draw_png

    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        draw_png(texts.chart.picture, shown, tonight, texts.craving.labels)  # type: ignore[attr-defined]
        seconds.append(time.perf_counter() - started)
    return seconds


# --- report -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3, help="runs per bot, interleaved; medians reported")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--moods", type=int, default=5, help="/mood pictures drawn during each Lantern run")
    parser.add_argument("--chart-runs", type=int, default=5, help="runs timing a picture against a text /mood")
    parser.add_argument("--child", choices=["lantern", "echo"], help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.base_url, args.folder)
        return
    messages = traffic(args.updates, args.chats)
    lantern_messages = with_moods(messages, args.moods)
    print(f"{args.updates} updates over {args.chats} chats; each bot in its own process polling the fake "
          f"Bot API on 127.0.0.1 (rate limiter on, unthrottled); {args.repeat} interleaved runs per bot; "
          f"{args.moods} of Lantern's updates are /mood from users with check-ins (a picture each)")
    runs: dict[str, list[Result]] = {"echo": [], "lantern": []}
    for _ in range(args.repeat):  # interleaved, so a noisy neighbour hurts both bots alike
        for bot in runs:
            if bot == "lantern":
                result = asyncio.run(measure(bot, lantern_messages, args.timeout, args.moods))
            else:
                result = asyncio.run(measure(bot, messages, args.timeout))
            runs[bot].append(result)
            print(f"    {bot:<8} {result.per_second:7.0f} updates/s  ({result.seconds:5.2f} s, "
                  f"{result.cpu_ms_per_update:.2f} ms CPU/update, peak RSS {result.peak_rss_mb:5.1f} MB; "
                  f"fake server busy {result.harness_cpu_share:.0%})")
    per_second = {bot: statistics.median(r.per_second for r in results) for bot, results in runs.items()}
    cpu_ms = {bot: statistics.median(r.cpu_ms_per_update for r in results) for bot, results in runs.items()}
    peak_rss = {bot: max(r.peak_rss_mb for r in results) for bot, results in runs.items()}
    print("  medians (updates/s, CPU per update) and worst peak RSS:")
    for bot in runs:
        calls = ", ".join(f"{method} {count / args.updates:.2f}" for method, count in
                          sorted(runs[bot][-1].requests.items()) if method not in ("getUpdates", "getMe"))
        print(f"  {bot:<8} {per_second[bot]:7.0f} updates/s   {cpu_ms[bot]:5.2f} ms CPU/update   "
              f"peak RSS {peak_rss[bot]:6.1f} MB   requests per update: {calls}")
    ratio = per_second["lantern"] / per_second["echo"]
    cpu_ratio = cpu_ms["echo"] / cpu_ms["lantern"]
    print(f"  ratio    {ratio:7.2f} of the echo bot's updates/s   (target >= {TARGET_RATIO})   "
          f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}")
    print(f"           {cpu_ratio:7.2f} by CPU per update (echo / Lantern; steadier on a busy machine)")
    pictures = min(r.requests.get("sendPhoto", 0) for r in runs["lantern"])
    print(f"  memory   {peak_rss['lantern']:7.1f} MB peak RSS for Lantern   (target < {TARGET_RSS_MB:.0f} MB)   "
          f"{'met' if peak_rss['lantern'] < TARGET_RSS_MB else 'NOT met'}, "
          f"with {pictures} of {args.moods} /mood pictures sent in every run")
    if args.chart_runs:
        chart_timing(args.chart_runs, peak_rss["lantern"])


if __name__ == "__main__":
    main()
