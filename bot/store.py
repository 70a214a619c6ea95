"""Lantern's SQLite store: pseudonymous users, check-ins, reminders and the operators' counters.

One SQLite file in WAL mode behind one aiosqlite connection. Every write runs in its own
transaction behind an asyncio lock, so a failure leaves nothing half-written and nothing already
committed is touched. Every failure surfaces as `StoreError` with a short reason and never the
user's text: callers catch it, tell the user if it matters, and carry on (crisis replies never
depend on the store). No message text is stored by default: only a check-in note the user chose
to keep, and normalised unmatched questions, scrubbed of what could identify anyone (`bot.scrub`)
and kept under the asker's pseudonymous key so `forget` removes them.

Not for deciding anything: streaks, charts, check-in replies and time zones are computed by the
pure modules (`bot.checkin`, `bot.mood_chart`, `bot.timezones`) from what this returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from bot.migrations import Migration, load_migrations, statements
from bot.scrub import scrub
from bot.storage import NOTE_MAX_CHARS, CheckinRow, Reminder, StoreError, StoreFault, UserSettings

log = logging.getLogger(__name__)

# "LNTN": marks the file as Lantern's, so the store never migrates somebody else's database.
APPLICATION_ID = 0x4C4E544E
UNMATCHED_MAX_CHARS = 500
SETTINGS_READ_MAX = 500  # users' settings read in one statement (SQLite allows 32766 parameters)
DEFAULT_BUSY_TIMEOUT_MS = 5000
_WAL_RETRY_SECONDS = 0.02  # see _use_wal

# usage_daily kinds for messages given up on: "undelivered:crisis", "undelivered:reply", ...
UNDELIVERED_PREFIX = "undelivered:"

# How long counters, unmatched questions and last-seen times may wait in memory before they are
# written (see `Store._hold`).
COUNTS_FLUSH_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class UnmatchedQuestion:
    text: str
    count: int
    first_seen: datetime
    last_seen: datetime


class Store:
    """Open with `await Store.open(path)`. Every method raises StoreError, never sqlite3 errors.

    Keys users by the pseudonymous keys it is given (`bot.pseudonym.Pseudonyms` makes them): it never
    holds the secret behind them, so the operators' tools open it without one.
    """

    def __init__(
        self,
        db: aiosqlite.Connection | None,
        *,
        path: Path | None,
        clock: Callable[[], datetime],
        unavailable_reason: str | None = None,
        read_only: bool = False,
    ) -> None:
        self._db = db
        self._read_only = read_only
        self._clock = clock
        self._lock = asyncio.Lock()
        self._unavailable_reason = unavailable_reason
        self._pending_checkins: list[_PendingCheckin] = []
        self._settings_wanted: dict[str, asyncio.Future[UserSettings]] = {}
        self._settings_reader: asyncio.Task[None] | None = None
        self._checkin_writer: asyncio.Task[None] | None = None
        # Counters, unmatched questions and last-seen times, held in memory and written together
        # (see `_hold`).
        self._pending = _PendingWrites()
        self._counts_writer: asyncio.Task[None] | None = None
        self.path = path
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file we opened
        self._busy_timeout_ms = DEFAULT_BUSY_TIMEOUT_MS
        # Called (with a one-line reason) when the file was deleted or replaced and has been reopened.
        self.on_reopened: list[Callable[[str], Any]] = []

    @property
    def state(self) -> str:
        """'ok', 'read_only' or 'unavailable', for health checks (no reason: it may name paths)."""
        if self._db is None:
            return "unavailable"
        return "read_only" if self._read_only else "ok"

    # ----- opening and closing ---------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        read_only: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> Store:
        """Open (or create) the database at `path` and bring its schema up to date.

        Raises StoreError with an operator-actionable message when the file is damaged, not a
        Lantern database, or from a newer Lantern: it is never overwritten or downgraded.
        """
        path = Path(path)
        where = str(path)
        if read_only:
            target, uri = f"{path.resolve().as_uri()}?mode=ro", True
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{where}: cannot create its folder ({exc.strerror})", "io") from exc
            target, uri = where, False
        try:
            db = await aiosqlite.connect(target, uri=uri, isolation_level=None)
        except sqlite3.Error as exc:
            raise _store_error(exc, where) from exc
        store = cls(db, path=path, clock=clock or _utc_now, read_only=read_only)
        store._busy_timeout_ms = busy_timeout_ms
        try:
            await store._prepare(busy_timeout_ms=busy_timeout_ms, read_only=read_only)
        except BaseException:
            await db.close()
            raise
        store._identity = _file_identity(path)
        return store

    @classmethod
    def unavailable(cls, reason: str) -> Store:
        """A stand-in whose every database call raises StoreError(reason).

        For start-up when the database cannot be opened: the bot still answers and escalates,
        and every caller already handles StoreError, so nobody needs a `store is None` branch.
        """
        return cls(None, path=None, clock=_utc_now, unavailable_reason=reason)

    async def close(self) -> None:
        """Finish the check-ins already handed in, write the counters held in memory, then close."""
        if self._db is None:
            return
        if self._checkin_writer is not None:
            await asyncio.gather(self._checkin_writer, return_exceptions=True)
        try:
            await self.flush_counts()
        except StoreError as exc:
            log.warning("counters not written at close (%s)", exc.fault)
        db, self._db = self._db, None
        self._unavailable_reason = "the store is closed"
        async with self._lock:
            try:
                await db.close()
            except sqlite3.Error as exc:
                log.warning("closing the store: %s", _store_error(exc, str(self.path)))

    async def _prepare(self, *, busy_timeout_ms: int, read_only: bool) -> None:
        where = str(self.path)
        db = self._conn()
        try:
            await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if not read_only:
                mode = await _use_wal(db, busy_timeout_ms / 1000)
                if mode != "wal":
                    log.warning("%s: journal mode is %s, not WAL (file system without shared memory?)", where, mode)
            # FULL: a check-in acknowledged to the user survives a crash of the machine, not only
            # of the process. secure_delete: /forget overwrites the deleted bytes, not just unlinks.
            await db.execute("PRAGMA synchronous = FULL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA secure_delete = ON")
            async with db.execute("PRAGMA quick_check") as cursor:
                problems = [row[0] for row in await cursor.fetchall()]
            if problems != ["ok"]:
                raise StoreError(
                    f"{where}: the database is damaged ({problems[0]}). Lantern will not write to it: "
                    "move it aside and restore a backup.",
                    "corrupt",
                )
            await self._migrate(load_migrations(), read_only=read_only)
        except sqlite3.Error as exc:
            raise _store_error(exc, where) from exc

    async def _migrate(self, migrations: tuple[Migration, ...], *, read_only: bool) -> None:
        """Apply the migrations this file has not seen, each in its own transaction."""
        where = str(self.path)
        latest = migrations[-1].version if migrations else 0
        db = self._conn()
        version, app_id, has_tables = await self._schema_facts(db)
        if version > latest:
            raise StoreError(
                f"{where}: the database has schema version {version}, but this Lantern knows only up to "
                f"{latest}. Upgrade Lantern (or restore a backup made with this version); "
                "Lantern will not downgrade it.",
                "schema",
            )
        if app_id not in (0, APPLICATION_ID) or (version == 0 and app_id == 0 and has_tables):
            raise StoreError(
                f"{where}: this SQLite file is not a Lantern database; choose another storage.path", "schema"
            )
        if version == latest:
            return
        if read_only:
            raise StoreError(
                f"{where}: opened read-only but needs schema version {latest} (has {version})", "read_only"
            )
        for migration in migrations:
            if migration.version <= version:
                continue
            await db.execute("BEGIN IMMEDIATE")
            try:
                # Re-read inside the write lock: another process may have migrated meanwhile.
                current, _, _ = await self._schema_facts(db)
                if current < migration.version:
                    for statement in statements(migration.sql):
                        await db.execute(statement)
                    await db.execute(f"PRAGMA user_version = {migration.version}")
                    await db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                await db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    await db.execute("ROLLBACK")
                raise
            log.info("%s: schema migrated to version %d (%s)", where, migration.version, migration.name)

    @staticmethod
    async def _schema_facts(db: aiosqlite.Connection) -> tuple[int, int, bool]:
        """Version, application id and 'has tables', read in one statement so they agree even
        while another process is migrating the same file."""
        row = await _one(
            db,
            "SELECT (SELECT user_version FROM pragma_user_version), "
            "(SELECT application_id FROM pragma_application_id), "
            "(SELECT count(*) FROM sqlite_schema)",
        )
        version, app_id, tables = row
        return version, app_id, tables > 0

    async def schema_version(self) -> int:
        async with self._reading() as db:
            return (await _one(db, "PRAGMA user_version"))[0]

    # ----- users ------------------------------------------------------------------------------

    async def touch_user(self, user_key: str) -> None:
        """The user was seen now: their row is created or its last_seen moved, at the next flush."""
        self._writable()
        self._pending.seen[user_key] = self._now_text()
        self._hold()

    async def regions(self) -> dict[str, str]:
        """Every user's chosen region (users on the default are left out), read once at start so a
        crisis reply never waits for the database to learn which help lines to give."""
        async with self._reading() as db:
            rows = await db.execute_fetchall("SELECT user_key, region FROM users WHERE region IS NOT NULL")
        return {key: region for key, region in rows}

    async def get_region(self, user_key: str) -> str | None:
        return (await self.user_settings(user_key)).region

    async def set_region(self, user_key: str, region: str) -> None:
        await self._update_user(user_key, "region = ?", (region,))

    async def set_time_zone(self, user_key: str, time_zone: str) -> None:
        await self._update_user(user_key, "time_zone = ?", (time_zone,))

    async def user_settings(self, user_key: str) -> UserSettings:
        """Everything per-user in one read; defaults (all None) for a user never seen.

        Every new user's first message asks for their region, so many of these arrive together
        when traffic is high: the users asking at the same moment are read in one statement (as
        check-ins are written in one transaction), instead of each queueing for the database
        behind the others while their reply waits.
        """
        self._conn()
        wanted = self._settings_wanted.get(user_key)
        if wanted is None:
            wanted = asyncio.get_running_loop().create_future()
            self._settings_wanted[user_key] = wanted
            if self._settings_reader is None or self._settings_reader.done():
                self._settings_reader = asyncio.create_task(self._read_wanted_settings())
        return await asyncio.shield(wanted)

    async def _read_wanted_settings(self) -> None:
        """Drain the asks: whatever arrived while one read ran is the next read."""
        while self._settings_wanted:
            wanted: dict[str, asyncio.Future[UserSettings]] = {}
            try:
                async with self._reading() as db:
                    wanted = self._take_wanted_settings()
                    rows = await db.execute_fetchall(
                        "SELECT user_key, region, time_zone, reminder_time, reminder_chat_id FROM users "
                        f"WHERE user_key IN ({', '.join('?' * len(wanted))})",
                        list(wanted),
                    )
            except StoreError as exc:
                for future in (wanted or self._take_wanted_settings()).values():
                    _fail(future, exc)
                continue
            except BaseException as exc:
                for future in [*wanted.values(), *self._settings_wanted.values()]:
                    _fail(future, StoreError(f"settings not read ({type(exc).__name__})", "other"))
                self._settings_wanted.clear()
                raise
            found = {row[0]: UserSettings(*row[1:]) for row in rows}
            for key, future in wanted.items():
                if not future.done():
                    future.set_result(found.get(key, UserSettings()))

    def _take_wanted_settings(self) -> dict[str, asyncio.Future[UserSettings]]:
        keys = list(itertools.islice(self._settings_wanted, SETTINGS_READ_MAX))
        return {key: self._settings_wanted.pop(key) for key in keys}

    async def _update_user(self, user_key: str, assignments: str, values: tuple[object, ...]) -> None:
        async with self._writing() as db:
            now = self._now_text()
            await _ensure_user(db, user_key, now)
            await db.execute(f"UPDATE users SET {assignments} WHERE user_key = ?", (*values, user_key))

    # ----- reminders --------------------------------------------------------------------------

    async def set_reminder(self, user_key: str, time_hhmm: str, chat_id: int) -> None:
        """Turn reminders on at `time_hhmm` (in the user's time zone), sent to `chat_id`."""
        await self._update_user(user_key, "reminder_time = ?, reminder_chat_id = ?", (time_hhmm, chat_id))

    async def clear_reminder(self, user_key: str) -> None:
        """Reminders off; the chat id is dropped with them, it is kept for nothing else."""
        async with self._writing() as db:
            await db.execute(
                "UPDATE users SET reminder_time = NULL, reminder_chat_id = NULL WHERE user_key = ?", (user_key,)
            )

    async def reminders(self) -> list[Reminder]:
        """Every reminder that is on, for re-creating the jobs at start-up."""
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                "SELECT user_key, reminder_time, time_zone, region, reminder_chat_id FROM users "
                "WHERE reminder_time IS NOT NULL"
            )
        return [Reminder(*row) for row in rows]

    # ----- check-ins --------------------------------------------------------------------------

    async def save_checkin(
        self, user_key: str, *, mood: int, craving: int, night: date, note: str | None = None
    ) -> int:
        """Save one check-in and return its id once it is committed (only then is it 'saved').

        Check-ins arriving together are committed together (group commit): one transaction
        and one fsync for the whole group, instead of one each, so many users checking in at
        22:00 do not queue behind each other's disk flushes. Each caller still gets its own id
        only after the commit, or a StoreError if the group could not be committed.
        """
        if not 1 <= mood <= 5 or not 0 <= craving <= 3:
            raise StoreError(f"check-in out of range (mood {mood}, craving {craving})", "other")
        if note is not None and not 1 <= len(note) <= NOTE_MAX_CHARS:
            raise StoreError(f"a note must be 1 to {NOTE_MAX_CHARS} characters", "other")
        self._conn()
        saved: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending_checkins.append(
            _PendingCheckin((user_key, self._now_text(), night.isoformat(), mood, craving, note), saved)
        )
        if self._checkin_writer is None or self._checkin_writer.done():
            self._checkin_writer = asyncio.create_task(self._write_pending_checkins())
        return await asyncio.shield(saved)

    async def _write_pending_checkins(self) -> None:
        """Drain the queue: whatever arrived while the last group was being written is the next group."""
        while self._pending_checkins:
            async with self._lock:
                group, self._pending_checkins = self._pending_checkins, []
                try:
                    await self._check_file()
                    ids = await self._insert_checkins([p.row for p in group])
                except sqlite3.IntegrityError:
                    # One bad row must not sink the others: write them one by one.
                    for pending in group:
                        await self._write_alone(pending)
                    continue
                except (sqlite3.Error, StoreError) as exc:
                    error = exc if isinstance(exc, StoreError) else _store_error(exc, str(self.path))
                    for pending in group:
                        _fail(pending.saved, error)
                    continue
                except BaseException as exc:
                    for pending in group:
                        _fail(pending.saved, StoreError(f"check-in not saved ({type(exc).__name__})", "other"))
                    raise
                for pending, checkin_id in zip(group, ids, strict=True):
                    if not pending.saved.done():
                        pending.saved.set_result(checkin_id)

    async def _write_alone(self, pending: _PendingCheckin) -> None:
        try:
            [checkin_id] = await self._insert_checkins([pending.row])
        except sqlite3.Error as exc:
            _fail(pending.saved, _store_error(exc, str(self.path)))
        except StoreError as exc:
            _fail(pending.saved, exc)
        else:
            if not pending.saved.done():
                pending.saved.set_result(checkin_id)

    async def _insert_checkins(self, rows: list[tuple[object, ...]]) -> list[int]:
        """One transaction for all `rows`; returns their ids in order. Caller holds the lock."""
        db = self._conn()
        await db.execute("BEGIN IMMEDIATE")
        try:
            await db.executemany(
                "INSERT INTO users (user_key, first_seen, last_seen) VALUES (?, ?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET last_seen = excluded.last_seen",
                [(row[0], row[1], row[1]) for row in rows],
            )
            await db.executemany(
                "INSERT INTO checkins (user_key, at, night, mood, craving, note) VALUES (?, ?, ?, ?, ?, ?)", rows
            )
            last_id = (await _one(db, "SELECT last_insert_rowid()"))[0]
            await db.execute("COMMIT")
        except BaseException:
            await asyncio.shield(_rollback_quietly(db))
            raise
        # Inside one write transaction SQLite numbers new rows max(id)+1, +2, ...: contiguous.
        return list(range(last_id - len(rows) + 1, last_id + 1))

    async def recent_checkins(self, user_key: str, limit: int = 14) -> list[CheckinRow]:
        """The user's last `limit` check-ins, oldest first (the order a chart reads in)."""
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                "SELECT id, at, night, mood, craving, note FROM checkins WHERE user_key = ? "
                "ORDER BY id DESC LIMIT ?",
                (user_key, limit),
            )
        return [_checkin(row) for row in reversed(list(rows))]

    async def all_checkins(self, user_key: str) -> list[CheckinRow]:
        """Every check-in of the user, oldest first, for their own export."""
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                "SELECT id, at, night, mood, craving, note FROM checkins WHERE user_key = ? ORDER BY id",
                (user_key,),
            )
        return [_checkin(row) for row in rows]

    async def checkin_nights(self, user_key: str, limit: int = 400) -> list[date]:
        """The distinct nights the user checked in, newest first: enough to compute a streak."""
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                "SELECT DISTINCT night FROM checkins WHERE user_key = ? ORDER BY night DESC LIMIT ?",
                (user_key, limit),
            )
        return [date.fromisoformat(row[0]) for row in rows]

    # ----- operators' counters ----------------------------------------------------------------

    async def record_unmatched(self, normalised_text: str, user_key: str) -> None:
        """One more ask of a question nothing answered, at the next flush: scrubbed of phone numbers,
        emails, addresses and names, and kept under the asker's key so their /forget removes it."""
        text = scrub(normalised_text.strip())[:UNMATCHED_MAX_CHARS].strip()
        if not text:
            return
        self._writable()
        self._pending.add_unmatched((text, user_key), self._now_text())
        self._hold()

    async def unmatched(self, limit: int = 50, *, since: datetime | None = None) -> list[UnmatchedQuestion]:
        """The most asked questions nothing matched, most frequent first; `since`: last asked then or later."""
        await self.flush_counts()
        cutoff = _time_text(since) if since else ""
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                "SELECT text, sum(count) AS asked, min(first_seen), max(last_seen) AS last FROM unmatched "
                "WHERE last_seen >= ? GROUP BY text ORDER BY asked DESC, last DESC LIMIT ?",
                (cutoff, limit),
            )
        return [
            UnmatchedQuestion(text, count, datetime.fromisoformat(first), datetime.fromisoformat(last))
            for text, count, first, last in rows
        ]

    async def purge_unmatched(self, older_than_days: int) -> int:
        """Delete unmatched questions last seen more than `older_than_days` ago; returns how many."""
        await self.flush_counts()  # the questions held in memory carry their own last_seen
        cutoff = (self._clock().astimezone(UTC) - timedelta(days=older_than_days)).isoformat(timespec="seconds")
        async with self._writing() as db:
            cursor = await db.execute("DELETE FROM unmatched WHERE last_seen < ?", (cutoff,))
            return cursor.rowcount

    async def count_escalation(self, category: str) -> None:
        """One more crisis reply in this category this hour (UTC): never who or what."""
        self._writable()
        hour = self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H")
        self._count("escalations", "hour, category", (hour, category))

    async def count_usage(self, kind: str) -> None:
        self._writable()
        day = self._clock().astimezone(UTC).date().isoformat()
        self._count("usage_daily", "day, kind", (day, kind))

    async def count_intent(self, intent_id: str) -> None:
        """One more answer from this intent today (UTC): the intent id only, never who or what."""
        self._writable()
        day = self._clock().astimezone(UTC).date().isoformat()
        self._count("intent_daily", "day, intent", (day, intent_id))

    def count_undelivered(self, kind: str) -> None:
        """One more message given up on today (its kind only: crisis, reply, reminder), for /stats.
        Never fails: a count lost with the store is only a count."""
        try:
            self._writable()
        except StoreError:
            return
        day = self._clock().astimezone(UTC).date().isoformat()
        self._count("usage_daily", "day, kind", (day, f"{UNDELIVERED_PREFIX}{kind}"))

    def _count(self, table: str, key_columns: str, key: tuple[str, str]) -> None:
        self._pending.counts[(table, key_columns, key)] += 1
        self._hold()

    def _hold(self) -> None:
        """Counters, unmatched questions and last-seen times come with every message: one durable
        write each would cost a disk flush (and a trip to the database thread) per message. They
        are kept here and written in one transaction within COUNTS_FLUSH_SECONDS (and before any
        read of them, and at close); a crash loses at most those seconds of statistics, never
        anything a user was told was saved."""
        if self._counts_writer is None or self._counts_writer.done():
            self._counts_writer = asyncio.get_running_loop().create_task(self._write_counts_later())

    def _writable(self) -> None:
        """Refuse at once what could never be written, as a direct write would have."""
        self._conn()
        if self._read_only:
            raise StoreError(f"{self.path}: {_FAULTS['SQLITE_READONLY'][1]}", "read_only")

    async def _write_counts_later(self) -> None:
        await asyncio.sleep(COUNTS_FLUSH_SECONDS)
        try:
            await self.flush_counts()
        except StoreError as exc:
            log.warning("counters not written (%s); kept for the next try", exc.fault)

    async def flush_counts(self) -> None:
        """Write what `_hold` keeps in memory; on failure it stays in memory for the next try.

        Taken from memory only once the write lock is held, so a `forget` either comes first (and
        its user's last-seen time is no longer held) or deletes what this wrote.
        """
        if not self._pending:
            return
        pending: _PendingWrites | None = None
        try:
            async with self._writing() as db:
                pending, self._pending = self._pending, _PendingWrites()
                await _write_pending(db, pending)
        except BaseException:
            if pending is not None:
                pending.merge(self._pending)
                self._pending = pending
            raise

    async def escalation_counts(self, since: date | None = None) -> list[tuple[str, str, int]]:
        """(hour, category, count), newest hour first; `since`: from that UTC day on."""
        await self.flush_counts()
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                "SELECT hour, category, count FROM escalations WHERE hour >= ? ORDER BY hour DESC, category",
                (_day_text(since),),
            )
        return [tuple(row) for row in rows]

    async def usage_counts(self, since: date | None = None) -> list[tuple[str, str, int]]:
        """(day, kind, count), newest day first; `since`: from that UTC day on."""
        await self.flush_counts()
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                "SELECT day, kind, count FROM usage_daily WHERE day >= ? ORDER BY day DESC, kind", (_day_text(since),)
            )
        return [tuple(row) for row in rows]

    async def intent_counts(self, since: date | None = None) -> list[tuple[str, str, int]]:
        """(day, intent, count), newest day first; `since`: from that UTC day on."""
        await self.flush_counts()
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                "SELECT day, intent, count FROM intent_daily WHERE day >= ? ORDER BY day DESC, intent",
                (_day_text(since),),
            )
        return [tuple(row) for row in rows]

    async def active_users(self, since: datetime) -> int:
        """How many users were last seen at `since` or later (a count; no key leaves the store)."""
        await self.flush_counts()
        async with self._reading() as db:
            row = await _one(db, "SELECT count(*) FROM users WHERE last_seen >= ?", (_time_text(since),))
        return row[0]

    async def checkin_count(self, since: datetime) -> int:
        """How many check-ins were saved at `since` or later, by anyone."""
        async with self._reading() as db:
            row = await _one(db, "SELECT count(*) FROM checkins WHERE at >= ?", (_time_text(since),))
        return row[0]

    # ----- forgetting -------------------------------------------------------------------------

    async def forget(self, user_key: str) -> None:
        """Delete every row about the user (check-ins, notes, settings, the reminder's chat id, the
        questions they asked that nothing answered).

        secure_delete overwrites the freed bytes, and the WAL is checkpointed and truncated so
        old copies of the pages do not linger there either.
        """
        async with self._writing() as db:
            # Under the lock: a flush that failed before it has put back what it took by now.
            self._pending.forget(user_key)  # else the next flush would bring the rows back
            await db.execute("DELETE FROM checkins WHERE user_key = ?", (user_key,))
            await db.execute("DELETE FROM unmatched WHERE user_key = ?", (user_key,))
            await db.execute("DELETE FROM users WHERE user_key = ?", (user_key,))
        try:
            async with self._reading() as db:
                await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except StoreError as exc:  # the rows are gone; a later checkpoint finishes the job
            log.warning("forget: WAL checkpoint deferred (%s)", exc)

    # ----- plumbing ---------------------------------------------------------------------------

    def _conn(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError(self._unavailable_reason or "the store is closed", "closed")
        return self._db

    def _now_text(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="seconds")

    async def _check_file(self) -> None:
        """Notice a database file deleted or replaced under us (caller holds the lock).

        Deleted: the open connection still holds every row, so they are copied into a new file
        at the same path (check-ins acknowledged meanwhile are not lost at the next start).
        Replaced (a restored backup, say): the new file is opened, as its operator meant.
        Either way operators are warned: this should never happen silently.
        """
        if self._identity is None or self.path is None or self._read_only or self._db is None:
            return
        now = _file_identity(self.path)
        if now == self._identity:
            return
        old, path, where = self._db, self.path, str(self.path)
        self._db = None  # until the new file is open, calls fail fast instead of using the old one
        self._unavailable_reason = f"{where}: the database file changed and could not be reopened"
        recovered = path.with_name(f"{path.name}.recovered")
        try:
            if now is None:  # deleted: every row is still readable through the open connection
                copy = await aiosqlite.connect(str(recovered), isolation_level=None)
                await old.backup(copy)
                await copy.close()
            with contextlib.suppress(sqlite3.Error):
                await old.close()
            # The old file's log and index are found by name: a new file must not start with them.
            for leftover in (f"{where}-wal", f"{where}-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(leftover)
            if now is None:
                os.replace(recovered, path)
            self._db = await aiosqlite.connect(where, isolation_level=None)
            await self._prepare(busy_timeout_ms=self._busy_timeout_ms, read_only=False)
        except sqlite3.Error as exc:
            log.error("store: %s changed on disk and could not be reopened (%s)", where, type(exc).__name__)
            raise _store_error(exc, where) from exc
        except OSError as exc:
            log.error("store: %s changed on disk and could not be reopened (%s)", where, exc.strerror)
            raise StoreError(f"{where}: could not be reopened ({exc.strerror})", "io") from exc
        self._identity = _file_identity(self.path)
        reason = (f"{where} was deleted while Lantern ran: recreated from the open connection, nothing lost"
                  if now is None else f"{where} was replaced by another file while Lantern ran: now using the new file")
        log.warning("store: %s", reason)
        for tell in self.on_reopened:
            try:
                tell(reason)
            except Exception:
                log.exception("telling operators about the reopened database failed")

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """One connection, many coroutines: the lock keeps a read out of someone's transaction."""
        self._conn()
        async with self._lock:
            await self._check_file()
            db = self._conn()
            try:
                yield db
            except sqlite3.Error as exc:
                raise _store_error(exc, str(self.path)) from exc

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: all of it commits, or none of it does."""
        self._conn()
        async with self._lock:
            await self._check_file()
            db = self._conn()
            try:
                await db.execute("BEGIN IMMEDIATE")
                yield db
                await db.execute("COMMIT")
            except BaseException as exc:
                await asyncio.shield(_rollback_quietly(db))
                if isinstance(exc, sqlite3.Error):
                    raise _store_error(exc, str(self.path)) from exc
                raise


@dataclass(slots=True)
class _PendingWrites:
    """What `Store._hold` keeps until the next flush: statistics only, never message text."""

    counts: Counter[tuple[str, str, tuple[str, str]]] = field(default_factory=Counter)
    # (text, user key): (count, first, last seen)
    unmatched: dict[tuple[str, str], tuple[int, str, str]] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)  # user key: last seen

    def __bool__(self) -> bool:
        return bool(self.counts or self.unmatched or self.seen)

    def add_unmatched(self, text: tuple[str, str], now: str) -> None:
        self._add_unmatched(text, 1, now, now)

    def merge(self, newer: _PendingWrites) -> None:
        """Add what arrived while a failed flush was being written (newer last-seen times win)."""
        self.counts.update(newer.counts)
        for text, (times, first, last) in newer.unmatched.items():
            self._add_unmatched(text, times, first, last)
        self.seen.update(newer.seen)

    def forget(self, user_key: str) -> None:
        self.seen.pop(user_key, None)
        for asked in [a for a in self.unmatched if a[1] == user_key]:
            del self.unmatched[asked]

    def _add_unmatched(self, text: tuple[str, str], times: int, first: str, last: str) -> None:
        count, held_first, held_last = self.unmatched.get(text, (0, first, last))
        self.unmatched[text] = (count + times, min(held_first, first), max(held_last, last))


@dataclass(slots=True)
class _PendingCheckin:
    row: tuple[object, ...]  # user_key, at, night, mood, craving, note
    saved: asyncio.Future[int]


def _fail(waiting: asyncio.Future[Any], error: StoreError) -> None:
    if not waiting.done():
        waiting.set_exception(error)


async def _rollback_quietly(db: aiosqlite.Connection) -> None:
    try:
        if db.in_transaction:
            await db.execute("ROLLBACK")
    except sqlite3.Error as exc:  # SQLite may already have rolled back (disk full, I/O error)
        log.debug("rollback after a failed write: %s", exc)


async def _ensure_user(db: aiosqlite.Connection, user_key: str, now: str) -> None:
    await db.execute(
        "INSERT INTO users (user_key, first_seen, last_seen) VALUES (?, ?, ?) "
        "ON CONFLICT (user_key) DO UPDATE SET last_seen = excluded.last_seen",
        (user_key, now, now),
    )


async def _use_wal(db: aiosqlite.Connection, patience: float) -> str:
    """Switch to WAL; returns the journal mode the file has now.

    Switching takes the file's exclusive lock, and while another process switches the same new
    file, SQLite answers 'busy' at once instead of waiting out its busy timeout (seen with two
    bots, or a bot and `lantern chat`, starting together). So wait here, as the timeout would have.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            async with db.execute("PRAGMA journal_mode = WAL") as cursor:
                return str((await cursor.fetchone() or ("?",))[0])
        except sqlite3.OperationalError as exc:
            if _fault(exc)[0] != "busy" or time.monotonic() > deadline:
                raise
            await asyncio.sleep(_WAL_RETRY_SECONDS)


async def _one(db: aiosqlite.Connection, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Row | None:
    """The first row, in one trip to the database thread (execute, fetch and close are three)."""
    rows = list(await db.execute_fetchall(sql, params))
    return rows[0] if rows else None


async def _write_pending(db: aiosqlite.Connection, pending: _PendingWrites) -> None:
    """One statement per table for everything held: the caller's transaction makes it all or nothing."""
    if pending.seen:
        await db.executemany(
            "INSERT INTO users (user_key, first_seen, last_seen) VALUES (?, ?, ?) "
            "ON CONFLICT (user_key) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)",
            [(user_key, seen, seen) for user_key, seen in pending.seen.items()],
        )
    if pending.unmatched:
        await db.executemany(
            "INSERT INTO unmatched (text, user_key, count, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (text, user_key) DO UPDATE SET count = count + excluded.count, "
            "last_seen = max(last_seen, excluded.last_seen)",
            [(*asked, *row) for asked, row in pending.unmatched.items()],
        )
    by_table: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    for (table, key_columns, key), times in pending.counts.items():
        by_table.setdefault((table, key_columns), []).append((*key, times))
    for (table, key_columns), rows in by_table.items():
        await db.executemany(_add_count_sql(table, key_columns), rows)


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _checkin(row: sqlite3.Row) -> CheckinRow:
    id_, at, night, mood, craving, note = row
    return CheckinRow(id_, datetime.fromisoformat(at), date.fromisoformat(night), mood, craving, note)


def _add_count_sql(table: str, key_columns: str) -> str:
    """Add to a (key, key, count) row, creating it at that count the first time."""
    return (f"INSERT INTO {table} ({key_columns}, count) VALUES (?, ?, ?) "
            f"ON CONFLICT ({key_columns}) DO UPDATE SET count = count + excluded.count")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _day_text(day: date | None) -> str:
    """A UTC day as stored ('YYYY-MM-DD'); '' (before every row) for no limit. Hours
    ('YYYY-MM-DDTHH') compare after their own day, so this bounds them too."""
    return day.isoformat() if day else ""


def _time_text(moment: datetime) -> str:
    """A moment as stored (UTC, seconds), so text comparison is time comparison."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


_FAULTS: dict[str, tuple[StoreFault, str]] = {
    "SQLITE_BUSY": ("busy", "the database is busy (locked by another process)"),
    "SQLITE_LOCKED": ("busy", "the database is busy (locked by another process)"),
    "SQLITE_READONLY": ("read_only", "the database is read-only"),
    "SQLITE_FULL": ("full", "the database or its disk is full"),
    "SQLITE_CORRUPT": ("corrupt", "the database is damaged; move it aside and restore a backup"),
    "SQLITE_NOTADB": (
        "corrupt",
        "the file is not a SQLite database, or it is damaged; move it aside and restore a backup",
    ),
    "SQLITE_CANTOPEN": ("io", "the database file cannot be opened (check the path and permissions)"),
    "SQLITE_IOERR": ("io", "reading or writing the database file failed"),
    "SQLITE_PERM": ("read_only", "no permission to write the database"),
}


def _store_error(exc: sqlite3.Error, where: str) -> StoreError:
    """A short, actionable message: SQLite's error class, never the statement's values."""
    fault, message = _fault(exc)
    return StoreError(f"{where}: {message}", fault)


def _fault(exc: sqlite3.Error) -> tuple[StoreFault, str]:
    """What kind of fault SQLite reported; an extended code (SQLITE_BUSY_RECOVERY) counts as its base."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    base = "_".join(name.split("_")[0:2])
    return _FAULTS.get(name) or _FAULTS.get(base, ("other", f"database error ({exc})"))
