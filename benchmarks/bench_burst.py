"""Bursts under Telegram's limits and faults: what a person in crisis waits for, and what is lost.

Run from the repository root:
    python benchmarks/bench_burst.py --updates 5000 --chats 1000 --crisis 230 --faults 0.02
    python benchmarks/bench_burst.py --updates 300 --chats 100 --crisis 25 --reminders 3000
Not a test: it prints figures and asserts nothing (tests/telegram/test_load.py holds small
versions of the same properties).

Harness: the fake Telegram Bot API (tests/fake_bot_api.py) runs in this process on 127.0.0.1;
`lantern run` (bot.telegram.app.serve, with its production rate limiter: 30 messages/s, crisis
first) runs in a child process polling it over HTTP. A share of sendMessage calls (`--faults`)
is answered 429 (retry after 1 s) or 500, half each. With `--reminders N`, N users have a check-in
reminder due at the same minute (seeded in the database before the bot starts), and the message
burst is sent as the first reminder goes out.

Figures: crisis-reply latency (p50, p99, max) from the moment the fake server handed the update
to the bot, and from the moment it was queued; replies missing; order violations (a chat's
replies arriving in another order than its messages; the expected replies are worked out by the
same core offline, so each reply is compared whole); reminders delivered; the bot's peak RSS.
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
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from tests.fake_bot_api import BotMessage, FakeBotApi, Fault  # noqa: E402

ID_KEY = "benchmark-id-key-0123456789abcdef"
REMINDER_CHATS = 900_000


class FaultyBotApi(FakeBotApi):
    """The fake server, answering a share of sendMessage calls with 429 or 500, and noting when it
    handed each update out."""

    def __init__(self, fault_rate: float, seed: int = 11) -> None:
        super().__init__(record_calls=False)
        self.fault_rate = fault_rate
        self.rng = random.Random(seed)
        self.handed_out: dict[int, float] = {}
        self.faults = 0

    async def _handle(self, request: Any) -> Any:
        if request.match_info.get("method") == "sendMessage" and self.rng.random() < self.fault_rate:
            self.faults += 1
            self.inject("sendMessage", Fault.retry_after(1) if self.rng.random() < 0.5 else Fault.server_error())
        return await super()._handle(request)

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        batch = await super()._api_getUpdates(params)
        now = time.monotonic()
        for update in batch:
            self.handed_out.setdefault(update["update_id"], now)
        return batch


def traffic(updates: int, chats: int, crisis: int, seed: int = 7) -> list[tuple[int, str, bool]]:
    """(chat, text, is_crisis): questions people ask, with `crisis` crisis messages spread through."""
    data = ROOT / "tests" / "data"
    questions = [row["text"] for row in yaml.safe_load((data / "intent_eval.yaml").read_text())]
    safety = yaml.safe_load((data / "safety_eval.yaml").read_text())
    crises = [row["text"] for row in safety if row["category"] != "none"]
    rng = random.Random(seed)
    crisis_at = set(rng.sample(range(updates), min(crisis, updates)))
    chat_ids = itertools.cycle(range(10_000, 10_000 + chats))
    return [(next(chat_ids), rng.choice(crises) if i in crisis_at else rng.choice(questions), i in crisis_at)
            for i in range(updates)]


def expected_replies(plan: list[tuple[int, str, bool]]) -> dict[int, list[str]]:
    """What each chat should see, in order: the same core, offline, one conversation per chat."""
    from bot.config import Settings
    from bot.core import Lantern
    from bot.telegram.render import render_reply

    lantern = Lantern.from_settings(Settings())
    sources = lantern.ui("sources")
    expected: dict[int, list[str]] = defaultdict(list)
    for chat, text, _ in plan:
        reply = lantern.reply(str(chat), text)
        expected[chat] += [m.html for m in render_reply(reply, sources_label=sources)]
    return expected


async def seed_reminders(path: Path, count: int) -> str:
    """`count` users with a reminder at the next whole minute that leaves the bot time to start."""
    from bot.pseudonym import user_key
    from bot.store import Store

    now = datetime.now(UTC)
    due = (now + timedelta(minutes=2 if now.second > 35 else 1)).replace(second=0, microsecond=0)
    store = await Store.open(path)
    for chat in range(REMINDER_CHATS, REMINDER_CHATS + count):
        key = user_key(ID_KEY.encode(), chat)
        await store.set_time_zone(key, "UTC")
        await store.set_reminder(key, due.strftime("%H:%M"), chat)
    await store.close()
    return due.strftime("%H:%M")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    plan = traffic(args.updates, args.chats, args.crisis)
    expected = expected_replies(plan)
    async with FaultyBotApi(args.faults) as api:
        arrivals: dict[int, float] = {}
        crisis_updates: dict[int, tuple[int, int]] = {}  # update id -> (chat, index of its reply)
        reply_index: dict[int, int] = defaultdict(int)
        received: dict[int, list[tuple[float, str]]] = defaultdict(list)
        reminders_sent = 0
        first_reminder = asyncio.Event()

        def on_send(message: BotMessage) -> None:
            nonlocal reminders_sent
            if message.chat_id >= REMINDER_CHATS:
                reminders_sent += 1
                first_reminder.set()
            else:
                received[message.chat_id].append((time.monotonic(), message.text))

        api.on_send = on_send
        with tempfile.TemporaryDirectory() as folder:
            database = Path(folder) / "lantern.sqlite3"
            due = await seed_reminders(database, args.reminders) if args.reminders else None
            env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "LANTERN_ID_KEY": ID_KEY,
                   "PTB_TIMEDELTA": "true", "PYTHONPATH": str(ROOT)}
            child = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--child", "--base-url", api.base_url, "--folder", folder,
                env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE)
            try:
                await api.wait_for(lambda: bool(api.commands), 60)  # started: the command menu is set
                if due is not None:
                    print(f"  waiting for {args.reminders} reminders due at {due} UTC ...", flush=True)
                    await asyncio.wait_for(first_reminder.wait(), 200)
                for chat, text, is_crisis in plan:
                    update = api.push_text(chat, text)
                    arrivals[update["update_id"]] = time.monotonic()
                    if is_crisis:
                        crisis_updates[update["update_id"]] = (chat, reply_index[chat])
                    reply_index[chat] += len([m for m in expected[chat][reply_index[chat]:reply_index[chat] + 1]])
                    if args.arrival_rate:
                        await asyncio.sleep(1 / args.arrival_rate)
                total = sum(len(v) for v in expected.values())
                done = lambda: (sum(len(v) for v in received.values()) >= total  # noqa: E731
                                and reminders_sent >= args.reminders)
                try:
                    await api.wait_for(done, args.timeout)
                except AssertionError:
                    print("  timed out waiting for every reply", flush=True)
            finally:
                child.send_signal(signal.SIGTERM)
                stdout, _ = await asyncio.wait_for(child.communicate(), 120)
        report = json.loads(stdout.decode().strip().splitlines()[-1])
    return summarise(plan, expected, received, api, arrivals, crisis_updates, reminders_sent, report, args)


def summarise(plan: list[tuple[int, str, bool]], expected: dict[int, list[str]],
              received: dict[int, list[tuple[float, str]]], api: FaultyBotApi, arrivals: dict[int, float],
              crisis_updates: dict[int, tuple[int, int]], reminders_sent: int, report: dict[str, Any],
              args: argparse.Namespace) -> dict[str, Any]:
    from_handout, from_arrival, crisis_lost = [], [], 0
    for update_id, (chat, index) in crisis_updates.items():
        got = received.get(chat, [])
        if index >= len(got) or got[index][1] != expected[chat][index]:
            crisis_lost += 1
            continue
        from_handout.append(got[index][0] - api.handed_out.get(update_id, arrivals[update_id]))
        from_arrival.append(got[index][0] - arrivals[update_id])
    missing = sum(max(0, len(want) - len(received.get(chat, []))) for chat, want in expected.items())
    violations = sum(order_violations(want, [text for _, text in received.get(chat, [])])
                     for chat, want in expected.items())
    ordinary = [t for chat, got in received.items() for t, _ in got]
    start = min(api.handed_out.values()) if api.handed_out else 0.0
    return {
        "crisis_p50": pct(from_handout, 50), "crisis_p99": pct(from_handout, 99),
        "crisis_max": max(from_handout or [0]),
        "crisis_p50_from_queued": pct(from_arrival, 50), "crisis_p99_from_queued": pct(from_arrival, 99),
        "crisis_lost": crisis_lost, "missing": missing, "order_violations": violations,
        "all_replies_s": (max(ordinary) - start) if ordinary else 0.0,
        "reminders_sent": reminders_sent, "faults": api.faults, "peak_rss_mb": report["peak_rss_mb"],
        "undelivered": report.get("undelivered", {}),
    }


def order_violations(want: list[str], got: list[str]) -> int:
    """Replies that arrived before one their chat's earlier message should have had first."""
    positions: dict[str, list[int]] = defaultdict(list)
    for index, text in enumerate(want):
        positions[text].append(index)
    seen = [positions[text].pop(0) for text in got if positions.get(text)]
    return sum(1 for before, after in itertools.pairwise(seen) if after < before)


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# --- the child: `lantern run` -------------------------------------------------------------------


def run_child(base_url: str, folder: str) -> None:
    from bot.config import Settings, StorageSettings, TelegramSettings
    from bot.telegram import app

    settings = Settings(telegram=TelegramSettings(base_url=base_url),
                        storage=StorageSettings(path=Path(folder) / "lantern.sqlite3"), log_level="WARNING")
    app.configure_logging(settings.log_level)
    limiter = app.default_rate_limiter()
    asyncio.run(app.serve(settings, rate_limiter=limiter, poll_timeout=1.0))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(json.dumps({"peak_rss_mb": peak_kb / 1024, "undelivered": dict(limiter.lost)}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--crisis", type=int, default=46, help="how many of the updates are crisis messages")
    parser.add_argument("--reminders", type=int, default=0, help="check-in reminders due in the same minute")
    parser.add_argument("--faults", type=float, default=0.02, help="share of sendMessage answered 429 or 500")
    parser.add_argument("--arrival-rate", type=float, default=0.0,
                        help="updates queued per second (0: all at once)")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.base_url, args.folder)
        return
    print(f"{args.updates} updates over {args.chats} chats, {args.crisis} crisis; {args.reminders} reminders due; "
          f"{args.faults:.0%} of sendMessage answered 429/500; arrival "
          f"{'all at once' if not args.arrival_rate else f'{args.arrival_rate:g}/s'}", flush=True)
    r = asyncio.run(run(args))
    print(f"  crisis reply latency (from hand-out): p50 {r['crisis_p50']:.3f} s, p99 {r['crisis_p99']:.3f} s, "
          f"max {r['crisis_max']:.3f} s   (target p99 < 2 s)")
    print(f"  crisis reply latency (from queued):   p50 {r['crisis_p50_from_queued']:.3f} s, "
          f"p99 {r['crisis_p99_from_queued']:.3f} s")
    print(f"  crisis replies lost: {r['crisis_lost']}   replies missing: {r['missing']}   "
          f"order violations: {r['order_violations']}   faults injected: {r['faults']}   "
          f"given up (bot's count): {r['undelivered'] or 'none'}")
    print(f"  every reply out after {r['all_replies_s']:.1f} s   reminders delivered: {r['reminders_sent']}   "
          f"peak RSS {r['peak_rss_mb']:.1f} MB")


if __name__ == "__main__":
    main()
