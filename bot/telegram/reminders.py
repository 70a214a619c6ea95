"""Nightly check-in reminders as PTB JobQueue jobs, one per user.

Job names and ids carry no user key: the scheduler logs them ("Removed job ..."), so a job's id is
a keyed hash of the user key under a secret that lives only as long as the process, and the key
itself travels in the job's data. Reminders are the lowest priority in the rate limiter: a
minute with thousands of them due is sent out spread over the next minutes, behind every reply.

PTB's persistence does not save jobs, so the database is the truth: `restore_reminders`
re-creates every job from it at start-up, and each job re-checks the database before sending
(a reminder turned off or forgotten elsewhere cancels itself). A user who blocked the bot has
reminders turned off, which also drops their chat id. Also the daily purge of old unmatched
questions. Only JobQueue glue: when a reminder is due and what /remind and /timezone mean are
`bot.checkin.reminders`' rules, carried out here through `JobQueueReminders`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from datetime import UTC, time, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger
from telegram.ext import Application, ContextTypes, Job, JobQueue

from bot.checkin.reminders import reminder_time
from bot.config import Settings
from bot.storage import StoreError
from bot.telegram.chat import SERVICES, Services
from bot.telegram.delivery import REPLY, Priority, deliver
from bot.telegram.render import CHECKIN_START, render_text, start_checkin_keyboard

if TYPE_CHECKING:
    from bot.storage import CheckinStore

log = logging.getLogger(__name__)

JOB_PREFIX = "reminder:"
JOB_NAME = "check-in reminder"
_JOB_ID_KEY = secrets.token_bytes(16)  # per process: jobs are re-created from the database at start
# Restoring thousands of jobs yields to the event loop this often, so the bot answers meanwhile.
RESTORE_BATCH = 100
PURGE_JOB = "purge_unmatched"
START_CALLBACK = CHECKIN_START  # the reminder's button: starts a check-in (handled in checkin_handlers)


class JobQueueReminders:
    """The conversation layer's `ReminderJobs`, as one PTB JobQueue job per user."""

    def __init__(self, job_queue: JobQueue | None) -> None:
        self._job_queue = job_queue

    def schedule(self, user_key: str, at: time, chat_id: int) -> None:
        if self._job_queue is not None:
            schedule(self._job_queue, user_key, at, chat_id)

    def cancel(self, user_key: str) -> None:
        cancel(self._job_queue, user_key)


def register(application: Application, settings: Settings) -> None:
    """Re-create the reminders from the database (and purge old unmatched questions) as soon as the
    job queue starts, then purge daily; so `build_application` needs no post_init hook for it."""
    if application.job_queue is None:
        log.warning("no JobQueue (install python-telegram-bot[job-queue]): reminders are off")
        return
    application.job_queue.run_once(
        _at_start,
        when=0,
        name="checkin_start_up",
        data=settings.storage.retention_days,
        # Scheduled before the job queue starts: with APScheduler's default 1 s grace, a slow
        # start-up (getMe over a bad network) would skip it as "missed".
        job_kwargs={"misfire_grace_time": None},
    )
    schedule_purge(application.job_queue, settings.storage.retention_days)


async def _at_start(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Once, as soon as the job queue runs: reminders back from the database, then the purge."""
    await restore_reminders(context.application)
    await purge_old_unmatched(context.application, context.job.data)


def job_name(user_key: str) -> str:
    """The scheduler's id for the user's job: stable in this process, meaningless outside it."""
    digest = hashlib.blake2b(user_key.encode(), key=_JOB_ID_KEY, digest_size=10).hexdigest()
    return f"{JOB_PREFIX}{digest}"


def schedule(job_queue: JobQueue, user_key: str, at: time, chat_id: int) -> Job:
    """(Re)schedule the user's daily reminder at `at` (a time carrying the user's zone).

    A daily cron job, as `run_daily` makes, but built with `run_custom` for two reasons that
    matter with thousands of users: the trigger for one (time, zone) is shared by everyone who
    chose it (building a CronTrigger is most of the cost of a job), and the job name doubles as
    the scheduler's job id, so replacing or cancelling one reminder is a lookup, not a scan.
    """
    name = job_name(user_key)
    return job_queue.run_custom(
        send_reminder,
        job_kwargs={
            "trigger": _daily_at(at.hour, at.minute, at.tzinfo),
            "id": name,
            "replace_existing": True,
            "misfire_grace_time": 15 * 60,  # a loop busy at 22:30 (thousands due at once) still sends it
            "coalesce": True,
        },
        name=JOB_NAME,
        data=(user_key, chat_id),
    )


@lru_cache(maxsize=4096)
def _daily_at(hour: int, minute: int, zone: tzinfo | None) -> CronTrigger:
    """Every day at hour:minute in `zone` (DST handled by the trigger). Triggers hold no per-job state."""
    return CronTrigger(hour=hour, minute=minute, second=0, timezone=zone or UTC)


def find(job_queue: JobQueue | None, user_key: str) -> Job | None:
    """The user's reminder job, if there is one."""
    if job_queue is None:
        return None
    scheduled = job_queue.scheduler.get_job(job_name(user_key))
    return Job.from_aps_job(scheduled) if scheduled is not None else None


def cancel(job_queue: JobQueue | None, user_key: str) -> bool:
    """Remove the user's reminder job if there is one; True if there was."""
    if job_queue is None:
        return False
    scheduled = job_queue.scheduler.get_job(job_name(user_key))
    if scheduled is None:
        return False
    scheduled.remove()
    return True


async def restore_reminders(application: Application, store: CheckinStore | None = None, *,
                            default_region: str = "US") -> int:
    """Re-create every reminder job from `store` (the bot's own by default); returns how many. Safe
    to run twice."""
    if store is None:
        conversation = _services(application).conversation
        store, default_region = conversation.store, conversation.default_region
    job_queue = application.job_queue
    if store is None or job_queue is None:
        log.warning("reminders not restored: %s", "no store" if store is None else "no job queue")
        return 0
    try:
        reminders = await store.reminders()
    except StoreError as exc:
        log.error("reminders not restored (%s); they come back at the next start", exc)
        return 0
    restored = 0
    for reminder in reminders:
        at = reminder_time(reminder, default_region)
        if at is None:
            log.warning("skipped a reminder with an unreadable time")
            continue
        schedule(job_queue, reminder.user_key, at, reminder.chat_id)
        restored += 1
        if restored % RESTORE_BATCH == 0:
            await asyncio.sleep(0)  # let updates (a crisis message above all) through meanwhile
    log.info("restored %d check-in reminders", restored)
    return restored


async def send_reminder(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The job: ask the user to check in, with a button that starts the check-in."""
    job = context.job
    user_key, chat_id = job.data
    conversation = _services(context.application).conversation
    store, texts = conversation.store, conversation.checkin_texts
    if store is not None:
        try:
            if (await store.user_settings(user_key)).reminder_time is None:
                cancel(context.job_queue, user_key)  # turned off or forgotten since it was scheduled
                return
        except StoreError as exc:
            log.warning("reminder sent without checking the database (%s)", exc.fault)
    if texts is None:
        return
    button = start_checkin_keyboard(texts.remind.button)
    outcome = await deliver(context.bot, chat_id, render_text(texts.remind.message, button), policy=REPLY,
                            priority=Priority.BACKGROUND, kind="reminder")
    if outcome == "gone":
        # Blocked, or the account is gone: stop trying, and stop keeping their chat id.
        cancel(context.job_queue, user_key)
        if store is not None:
            try:
                await store.clear_reminder(user_key)
            except StoreError as exc:
                log.warning("blocked user's reminder cancelled, but not cleared in the database (%s)", exc.fault)
        log.info("reminders turned off for a user who blocked the bot")


def schedule_purge(job_queue: JobQueue, retention_days: int) -> Job:
    """Every day from a day after start (the start-up run is `purge_old_unmatched`, called by the
    start-up job): unmatched questions older than `retention_days` are deleted."""
    return job_queue.run_repeating(
        purge_unmatched,
        interval=timedelta(days=1),
        first=timedelta(days=1),
        name=PURGE_JOB,
        data=retention_days,
        job_kwargs={"id": PURGE_JOB, "replace_existing": True, "misfire_grace_time": None},
    )


async def purge_unmatched(context: ContextTypes.DEFAULT_TYPE) -> None:
    await purge_old_unmatched(context.application, context.job.data)


async def purge_old_unmatched(application: Application, retention_days: int) -> int:
    """Delete unmatched questions older than `retention_days`; a store failure waits for tomorrow."""
    store = _services(application).conversation.store
    if store is None:
        return 0
    try:
        purged = await store.purge_unmatched(older_than_days=retention_days)
    except StoreError as exc:
        log.warning("unmatched questions not purged today (%s)", exc.fault)
        return 0
    if purged:
        log.info("purged %d unmatched questions older than %d days", purged, retention_days)
    return purged


def _services(application: Application) -> Services:
    return application.bot_data[SERVICES]
