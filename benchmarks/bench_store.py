"""Store benchmarks: check-ins written per second under 200 concurrent users, and the start-up
time to re-create 10,000 reminder jobs from the database.

Run: `python benchmarks/bench_store.py` (from the repository root; takes under a minute).
Uses a temporary directory on the same disk as the repository's temp dir, with the store's real
settings (WAL, synchronous=FULL: every acknowledged check-in is on disk). Not a test: it prints
figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram.ext import Application

from bot.pseudonym import user_key
from bot.store import Store
from bot.telegram import reminders

ID_KEY = b"benchmark-id-key-0123456789abcdef"


async def checkin_throughput(folder: Path, users: int, per_user: int) -> None:
    store = await Store.open(folder / "throughput.sqlite3")
    keys = [user_key(ID_KEY, n) for n in range(users)]
    latencies: list[float] = []

    async def one_user(key: str) -> None:
        for i in range(per_user):
            started = time.perf_counter()
            await store.save_checkin(key, mood=1 + i % 5, craving=i % 4, night=date(2026, 11, 21))
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one_user(k) for k in keys))
    elapsed = time.perf_counter() - started
    await store.close()
    total = users * per_user
    latencies.sort()
    print(f"check-ins: {total} by {users} concurrent users in {elapsed:.2f} s = {total / elapsed:,.0f} per second")
    print(
        f"  latency per check-in: median {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms (waiting behind the other users included)"
    )


async def reminder_startup(folder: Path, count: int) -> None:
    path = folder / "reminders.sqlite3"
    setup = await Store.open(path)
    keys = [user_key(ID_KEY, n) for n in range(count)]
    await setup.close()
    zones = ["America/New_York", "Europe/London", "Australia/Sydney", None]
    with sqlite3.connect(path) as db:  # bulk set-up; the timed part below is the real start-up path
        db.executemany(
            "INSERT INTO users (user_key, time_zone, reminder_time, reminder_chat_id, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
            [(k, zones[n % 4], f"{20 + n % 4}:{n % 60:02d}", 10_000_000 + n) for n, k in enumerate(keys)],
        )

    application = Application.builder().token("123456:BENCHMARK").build()
    job_queue = application.job_queue
    assert job_queue is not None, "needs python-telegram-bot[job-queue]"
    job_queue.set_application(application)
    await job_queue.start()
    try:
        stalls: list[float] = []
        watcher = asyncio.create_task(_watch_event_loop(stalls))
        started = time.perf_counter()
        store = await Store.open(path)
        opened = time.perf_counter()
        restored = await reminders.restore_reminders(application, store)
        done = time.perf_counter()
        watcher.cancel()
        scheduled = _reminder_jobs(job_queue)
        print(
            f"start-up: {restored} reminders re-created in {done - started:.2f} s "
            f"(open + integrity check {opened - started:.2f} s, read + schedule {done - opened:.2f} s); "
            f"{scheduled} jobs scheduled"
        )
        print(f"  longest the event loop was held meanwhile (updates wait at most this): {max(stalls) * 1000:.0f} ms")
        again = time.perf_counter()
        await reminders.restore_reminders(application, store)
        print(f"  restoring again (jobs replaced by name, no duplicates): {time.perf_counter() - again:.2f} s, "
              f"{_reminder_jobs(job_queue)} jobs")
        await store.close()
    finally:
        await job_queue.stop(wait=False)


def _reminder_jobs(job_queue: object) -> int:
    """Reminder jobs are found by their scheduler id (the prefix); their shown name is shared by all."""
    return sum(job.job.id.startswith(reminders.JOB_PREFIX) for job in job_queue.jobs())


async def _watch_event_loop(stalls: list[float]) -> None:
    """How long the loop goes without running other tasks: the wait an incoming update would see.

    It wakes every millisecond; spinning on sleep(0) instead would itself take half the loop's time
    and make the restore it watches look several times slower than it is."""
    tick = 0.001
    while True:
        before = time.perf_counter()
        await asyncio.sleep(tick)
        stalls.append(max(0.0, time.perf_counter() - before - tick))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--per-user", type=int, default=50)
    parser.add_argument("--reminders", type=int, default=10_000)
    args = parser.parse_args()
    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="lantern-bench-") as folder:
        await checkin_throughput(Path(folder), args.users, args.per_user)
        await reminder_startup(Path(folder), args.reminders)


if __name__ == "__main__":
    asyncio.run(main())
