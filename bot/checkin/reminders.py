"""The rules of /remind and /timezone, and of when a stored reminder is due, for any front end.

What a command comes to is a `ReminderChange`: the words to show and the job to make or cancel.
A front end only carries that out with its own scheduler (Telegram: `bot.telegram.reminders`, a
JobQueue job per user). Not for scheduling or sending.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.checkin.texts import CheckinTexts
from bot.storage import CheckinStore, Reminder, StoreError, UserSettings
from bot.timezones import effective_time_zone, parse_reminder_time, resolve_time_zone

log = logging.getLogger(__name__)

OFF_WORDS = ("off", "stop", "none", "cancel")
TYPED_SHOWN = 40  # what the user typed is quoted back at most this long


@dataclass(frozen=True, slots=True)
class ReminderChange:
    """What to show, and what to do with the user's daily job: `schedule` it at a time carrying the
    user's zone, in `chat_id`, or `cancel` it."""

    text: str
    schedule: time | None = None
    chat_id: int | None = None
    cancel: bool = False


async def remind(store: CheckinStore, user_key: str, typed: str, chat_id: int, texts: CheckinTexts,
                 default_region: str) -> ReminderChange:
    """`/remind 22:30` (in the user's time zone), `/remind off`, or `/remind` alone for the status."""
    words = texts.remind
    settings = await _settings(store, user_key, "/remind")
    if settings is None:
        return ReminderChange(words.failed)
    zone = effective_time_zone(settings.time_zone, settings.region or default_region)
    if not typed:
        if settings.reminder_time:
            return ReminderChange(words.status_on.format(time=settings.reminder_time, zone=zone.key))
        return ReminderChange(words.usage.format(zone=zone.key))
    if typed.casefold() in OFF_WORDS:
        if settings.reminder_time is None:
            return ReminderChange(words.already_off, cancel=True)
        try:
            await store.clear_reminder(user_key)
        except StoreError as exc:
            log.warning("/remind off: not saved (%s)", exc.fault)
            return ReminderChange(words.failed, cancel=True)
        return ReminderChange(words.turned_off, cancel=True)
    at = parse_reminder_time(typed)
    if at is None:
        return ReminderChange(words.bad_time.format(typed=typed[:TYPED_SHOWN]))
    hhmm = at.strftime("%H:%M")
    try:
        await store.set_reminder(user_key, hhmm, chat_id)
    except StoreError as exc:
        log.warning("/remind: not saved (%s)", exc.fault)
        return ReminderChange(words.failed)
    return ReminderChange(words.set.format(time=hhmm, zone=zone.key), schedule=at.replace(tzinfo=zone),
                          chat_id=chat_id)


async def change_time_zone(store: CheckinStore, user_key: str, typed: str, texts: CheckinTexts,
                           default_region: str, now: datetime | None = None) -> ReminderChange:
    """`/timezone Europe/London` or `/timezone london`; alone, the current zone. A reminder that is on
    moves with the zone (22:30 stays 22:30 where the user now is)."""
    words = texts.timezone
    now = now or datetime.now(UTC)
    settings = await _settings(store, user_key, "/timezone")
    if settings is None:
        return ReminderChange(words.failed)
    if not typed:
        zone = effective_time_zone(settings.time_zone, settings.region or default_region)
        return ReminderChange(words.status.format(zone=zone.key, local_time=_local(now, zone)))
    name = resolve_time_zone(typed)
    if name is None:
        return ReminderChange(words.unknown.format(typed=typed[:TYPED_SHOWN]))
    try:
        await store.set_time_zone(user_key, name)
    except StoreError as exc:
        log.warning("/timezone: not saved (%s)", exc.fault)
        return ReminderChange(words.failed)
    zone = effective_time_zone(name, None)
    said = words.set.format(zone=name, local_time=_local(now, zone))
    at = parse_reminder_time(settings.reminder_time or "")
    if at is None or settings.reminder_chat_id is None:
        return ReminderChange(said)
    moved = words.moved_reminder.format(time=settings.reminder_time, zone=name)
    return ReminderChange(f"{said} {moved}", schedule=at.replace(tzinfo=zone), chat_id=settings.reminder_chat_id)


def reminder_time(reminder: Reminder, default_region: str) -> time | None:
    """The stored 'HH:MM' as a time in the user's zone; None if the row is unusable."""
    wall_clock = parse_reminder_time(reminder.time)
    if wall_clock is None:
        return None
    zone = effective_time_zone(reminder.time_zone, reminder.region or default_region)
    return wall_clock.replace(tzinfo=zone)


async def _settings(store: CheckinStore, user_key: str, command: str) -> UserSettings | None:
    try:
        return await store.user_settings(user_key)
    except StoreError as exc:
        log.warning("%s: store unavailable (%s)", command, exc.fault)
        return None


def _local(now: datetime, zone: ZoneInfo) -> str:
    return now.astimezone(zone).strftime("%H:%M")
