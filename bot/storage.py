"""What the domain may ask of storage, apart from how it is stored: records, the error, protocols.

The check-in, the reminders and the conversation layer are written against these protocols, so
they run over `bot.store.Store` (SQLite), over a stand-in that fails every call, or over a test's
dictionary alike. Not for SQL or files: that is `bot.store`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from bot.errors import LanternError

NOTE_MAX_CHARS = 1000

StoreFault = Literal["busy", "read_only", "full", "corrupt", "schema", "io", "closed", "other"]


class StoreError(LanternError):
    """The store could not do what was asked. `fault` says why, in a word callers can branch on."""

    def __init__(self, message: str, fault: StoreFault = "other") -> None:
        super().__init__(message)
        self.fault: StoreFault = fault


@dataclass(frozen=True, slots=True)
class CheckinRow:
    id: int
    at: datetime
    night: date
    mood: int
    craving: int
    note: str | None


@dataclass(frozen=True, slots=True)
class UserSettings:
    region: str | None = None
    time_zone: str | None = None
    reminder_time: str | None = None  # 'HH:MM' in time_zone; None when reminders are off
    reminder_chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class Reminder:
    """One user's daily reminder, as start-up needs it to re-create the job."""

    user_key: str
    time: str
    time_zone: str | None
    region: str | None
    chat_id: int


class Counters(Protocol):
    """The operators' figures: counts only, never who or what (every call may raise StoreError)."""

    async def count_escalation(self, category: str) -> None: ...
    async def count_usage(self, kind: str) -> None: ...
    async def count_intent(self, intent_id: str) -> None: ...
    async def record_unmatched(self, normalised_text: str, user_key: str) -> None: ...
    async def touch_user(self, user_key: str) -> None: ...


class UserStore(Counters, Protocol):
    """Per-user settings and /forget, as the conversation layer needs them."""

    async def user_settings(self, user_key: str) -> UserSettings: ...
    async def get_region(self, user_key: str) -> str | None: ...
    async def set_region(self, user_key: str, region: str) -> None: ...
    async def regions(self) -> dict[str, str]: ...
    async def forget(self, user_key: str) -> None: ...


class CheckinStore(UserStore, Protocol):
    """What the check-in, /mood, /export, /remind and /timezone read and write."""

    async def save_checkin(self, user_key: str, *, mood: int, craving: int, night: date,
                           note: str | None = None) -> int: ...
    async def checkin_nights(self, user_key: str, limit: int = 400) -> list[date]: ...
    async def recent_checkins(self, user_key: str, limit: int = 14) -> list[CheckinRow]: ...
    async def all_checkins(self, user_key: str) -> list[CheckinRow]: ...
    async def set_time_zone(self, user_key: str, time_zone: str) -> None: ...
    async def set_reminder(self, user_key: str, time_hhmm: str, chat_id: int) -> None: ...
    async def clear_reminder(self, user_key: str) -> None: ...
    async def reminders(self) -> list[Reminder]: ...
    async def purge_unmatched(self, older_than_days: int) -> int: ...
