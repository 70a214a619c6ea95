"""Time zones and reminder times as people type them: 'Europe/London', 'london', 'new york', '22:30', '9pm'.

Pure functions over the IANA database (`zoneinfo`, with the `tzdata` package where the system has
none). Not for scheduling: the Telegram reminders module turns these into JobQueue jobs.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Where a user has not chosen a time zone, their region's most populous one.
REGION_DEFAULT_TIME_ZONES = {
    "US": "America/New_York",
    "CA": "America/Toronto",
    "UK": "Europe/London",
    "IE": "Europe/Dublin",
    "AU": "Australia/Sydney",
    "NZ": "Pacific/Auckland",
    "EU": "Europe/Brussels",
}
FALLBACK_TIME_ZONE = "America/New_York"

# A check-in at 01:30 belongs to the night before: the "night" starts at this local hour.
NIGHT_STARTS_AT_HOUR = 6

_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")


def default_time_zone(region: str | None) -> str:
    return REGION_DEFAULT_TIME_ZONES.get((region or "").upper(), FALLBACK_TIME_ZONE)


def effective_time_zone(time_zone: str | None, region: str | None) -> ZoneInfo:
    """The user's own zone if they set a valid one, else their region's default."""
    if time_zone:
        try:
            return ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(default_time_zone(region))


def resolve_time_zone(typed: str) -> str | None:
    """The IANA name for what the user typed, or None.

    Accepts a full name in any case ('europe/london') or a city ('London', 'new york',
    'Los_Angeles'), matched against the last part of every IANA name.
    """
    cleaned = "_".join(typed.strip().split())
    if not cleaned or len(cleaned) > 64:
        return None
    names = _zones_by_lowercase()
    if cleaned.lower() in names:
        return names[cleaned.lower()]
    return _zones_by_city().get(cleaned.lower())


def parse_reminder_time(typed: str) -> time | None:
    """'22:30', '9:05', '21h30', '9pm', '9:30 pm' -> a wall-clock time; anything else -> None."""
    match = _CLOCK.match(typed.strip().lower())
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    elif match.group(2) is None:
        return None  # a bare "22" is too easy to misread; ask for 22:00
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def night_of(moment: datetime, zone: ZoneInfo) -> date:
    """The local night a moment belongs to: 23:50 and 01:30 the next morning are the same night."""
    return (moment.astimezone(zone) - timedelta(hours=NIGHT_STARTS_AT_HOUR)).date()


@lru_cache(maxsize=1)
def _zones_by_lowercase() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


@lru_cache(maxsize=1)
def _zones_by_city() -> dict[str, str]:
    """City part -> zone. Where two zones share a city part the canonical-looking one wins."""
    by_city: dict[str, str] = {}
    for name in sorted(available_timezones(), key=_preference):
        if "/" not in name:
            continue
        by_city.setdefault(name.rsplit("/", 1)[1].lower(), name)
    return by_city


def _preference(name: str) -> tuple[int, str]:
    # Prefer continent zones over legacy aliases ('US/Pacific', 'Etc/...', 'SystemV/...').
    legacy = name.split("/", 1)[0] in {"US", "Canada", "Mexico", "Brazil", "Chile", "Etc", "SystemV"}
    return (1 if legacy else 0, name)
