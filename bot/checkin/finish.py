"""Finishing a check-in: save it, work out the streak, send the reply that fits; and /mood, /export.

Written against `bot.storage.CheckinStore`, not the SQLite store: a store failure never stops the
reply, and on the crisis path the crisis reply is sent before anything touches storage.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.checkin.flow import (
    GOOD_MOOD_AT_LEAST,
    LOW_MOOD_AT_MOST,
    STRONG_CRAVING_AT_LEAST,
    CheckinResult,
    CrisisFirstCore,
    Done,
)
from bot.checkin.texts import CheckinTexts
from bot.mood_chart import CHART_CHECKINS, MoodChart, current_streak, render
from bot.replies import Reply, Suggestion
from bot.storage import CheckinRow, CheckinStore, StoreError
from bot.timezones import effective_time_zone, night_of

log = logging.getLogger(__name__)

# Answer ids in responses/answers.yaml that hold tonight's coping steps.
CRAVINGS_ANSWER = "night_cravings"
LOW_MOOD_ANSWER = "coping_low_mood"



@dataclass(frozen=True, slots=True)
class CheckinOutcome:
    replies: tuple[Reply, ...]
    saved: bool
    checkin_id: int | None = None
    streak: int | None = None
    escalation: str | None = None  # crisis category counted, if the crisis reply was given


async def finish(
    done: Done,
    *,
    lantern: CrisisFirstCore,
    store: CheckinStore,
    user_key: str,
    texts: CheckinTexts,
    default_region: str,
    send: Callable[[Reply], Awaitable[object]],
    region: str | None = None,
    now: datetime | None = None,
) -> CheckinOutcome:
    """Save the check-in and `send` the reply that fits. A store failure never stops the reply.

    On the crisis path the crisis reply is sent before anything touches the database, so a
    locked or slow database cannot delay it. `region`, if the caller knows it, saves a read.
    """
    now = now or datetime.now(UTC)
    result = done.result
    if result.hopeless:
        crisis = done.crisis_reply or lantern.sos(region or default_region)
        await send(crisis)
        category = crisis.crisis or "elevated"
        await _count(store.count_escalation, category)
        _, zone, reachable = await _user_place(store, user_key, region, default_region)
        checkin_id = (await _save(store, user_key, result, zone, now))[0] if reachable else None
        return CheckinOutcome((crisis,), saved=checkin_id is not None, checkin_id=checkin_id, escalation=category)
    region, zone, reachable = await _user_place(store, user_key, region, default_region)
    # A store that cannot even be read (locked, damaged) is not made to time out a second time.
    checkin_id, nights = await _save(store, user_key, result, zone, now) if reachable else (None, [])
    streak = current_streak(nights, night_of(now, zone)) if checkin_id is not None else None
    reply = checkin_reply(
        texts,
        result,
        saved=checkin_id is not None,
        streak=streak,
        first_ever=len(nights) == 1,
        region=region,
        variant=checkin_id or 0,
        answer_text=lambda answer_id: _answer_text(lantern, answer_id, user_key, region),
    )
    await send(reply)
    return CheckinOutcome((reply,), saved=checkin_id is not None, checkin_id=checkin_id, streak=streak)


async def _user_place(
    store: CheckinStore, user_key: str, region: str | None, default_region: str
) -> tuple[str, ZoneInfo, bool]:
    """The user's region and time zone (the defaults if the store cannot say), and whether it could."""
    try:
        settings = await store.user_settings(user_key)
    except StoreError as exc:
        log.warning("check-in: user settings unavailable (%s)", exc.fault)
        chosen = region or default_region
        return chosen, effective_time_zone(None, chosen), False
    chosen = region or settings.region or default_region
    return chosen, effective_time_zone(settings.time_zone, chosen), True


async def _save(
    store: CheckinStore, user_key: str, result: CheckinResult, zone: ZoneInfo, now: datetime
) -> tuple[int | None, list[date]]:
    try:
        checkin_id = await store.save_checkin(
            user_key, mood=result.mood, craving=result.craving, note=result.note, night=night_of(now, zone)
        )
    except StoreError as exc:
        log.warning("check-in not saved: %s", exc)
        return None, []
    await _count(store.count_usage, "checkin")
    try:
        nights = await store.checkin_nights(user_key)
    except StoreError as exc:
        log.warning("check-in saved but streak unavailable: %s", exc)
        nights = [night_of(now, zone)]
    return checkin_id, nights


async def _count(counter: Callable[[str], object], name: str) -> None:
    try:
        await counter(name)  # type: ignore[misc]
    except StoreError as exc:
        log.warning("counter %s not recorded: %s", name, exc)


def _answer_text(lantern: CrisisFirstCore, answer_id: str, user_key: str, region: str) -> str | None:
    reply = lantern.answer(answer_id, user_key=user_key, region=region)
    return reply.text if reply.kind == "answer" else None


def checkin_reply(
    texts: CheckinTexts,
    result: CheckinResult,
    *,
    saved: bool,
    streak: int | None,
    first_ever: bool,
    region: str,
    variant: int,
    answer_text: Callable[[str], str | None],
) -> Reply:
    """The reply that fits the answers (not for the crisis path, which is the crisis reply).

    Low mood or strong cravings: tonight's coping steps and the help lines. A good night:
    encouragement and the streak. Anything between: a steady word and the streak.
    """
    words = texts.reply
    parts: list[str] = []
    suggestions: tuple[Suggestion, ...] = ()
    strong_craving = result.craving >= STRONG_CRAVING_AT_LEAST
    low_mood = result.mood <= LOW_MOOD_AT_MOST
    if strong_craving or low_mood:
        tone = "coping"
        answer_id = CRAVINGS_ANSWER if strong_craving else LOW_MOOD_ANSWER
        parts.append(words.coping_craving if strong_craving else words.coping_low)
        steps = answer_text(answer_id)
        if steps:
            parts.append(steps.strip())
        parts.append(words.helplines.get(region.upper(), words.helplines["default"]).strip())
        if strong_craving and low_mood and answer_text(LOW_MOOD_ANSWER):
            suggestions = (Suggestion(LOW_MOOD_ANSWER, words.low_night_button),)
    elif result.mood >= GOOD_MOOD_AT_LEAST:
        tone = "good"
        parts.append(words.good[variant % len(words.good)])
    else:
        tone = "steady"
        parts.append(words.steady[variant % len(words.steady)])
    tail = [_streak_text(texts, streak, first_ever)] if saved and streak else []
    if saved and result.note:
        tail.append(texts.note.kept)
    if not saved:
        tail.append(words.not_saved)
    if tail:
        parts.append(" ".join(tail))
    return Reply(kind="answer", text="\n\n".join(parts), intent=f"checkin_{tone}", suggestions=suggestions)


def _streak_text(texts: CheckinTexts, streak: int, first_ever: bool) -> str:
    words = texts.reply
    if streak <= 1:
        return words.streak_first if first_ever else words.streak_restart
    return words.streak_milestones.get(streak) or words.streak.format(count=streak)

# ----- export ----------------------------------------------------------------------------------

EXPORT_COLUMNS = ("night", "saved_at", "mood_1_to_5", "cravings_0_to_3", "note")


async def mood_summary(store: CheckinStore, user_key: str, texts: CheckinTexts, default_region: str,
                       now: datetime | None = None) -> MoodChart:
    """The /mood chart for a user (last check-ins, streak in their time zone); raises StoreError."""
    rows = await store.recent_checkins(user_key, limit=CHART_CHECKINS)
    nights = await store.checkin_nights(user_key)
    settings = await store.user_settings(user_key)
    zone = effective_time_zone(settings.time_zone, settings.region or default_region)
    return render(texts.chart, rows, current_streak(nights, night_of(now or datetime.now(UTC), zone)))


def export_csv(checkins: Sequence[CheckinRow], zone: ZoneInfo) -> bytes:
    """The user's check-ins as CSV (UTF-8 with a BOM so spreadsheet apps read emoji correctly).

    Notes that start like a formula are prefixed with ' so a spreadsheet shows, not runs, them.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in checkins:
        note = row.note or ""
        if note[:1] in ("=", "+", "-", "@", "\t", "\r"):
            note = "'" + note
        saved_at = row.at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
        writer.writerow((row.night.isoformat(), saved_at, row.mood, row.craving, note))
    return out.getvalue().encode("utf-8-sig")
