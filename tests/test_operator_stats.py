"""The operators' figures (`bot.operator_stats`): what /stats and `lantern stats` both print, read from a
real store with a clock moved by hand, and the unmatched review and suggestions behind /unmatched
and `lantern unmatched`."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.catalog import Catalog
from bot.operator_stats import (
    ReviewedQuestion,
    content_path,
    format_stats,
    format_unmatched,
    gather_stats,
    review_unmatched,
    suggestion,
    yaml_scalar,
)
from bot.paths import DEFAULT_INTENTS_DIR, DEFAULT_RESPONSES_DIR
from bot.pseudonym import user_key
from bot.store import Store, UnmatchedQuestion

ID_KEY = b"test-id-key-0123456789abcdef"
NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)


@pytest.fixture
async def seeded(tmp_path: Path):
    """A week of use: three days ago, and today; one user each day, plus one seen only long ago."""
    clock = [NOW - timedelta(days=30)]
    store = await Store.open(tmp_path / "lantern.sqlite3", clock=lambda: clock[0])
    await store.touch_user(user_key(ID_KEY, 1))  # a month ago: in neither period
    await store.count_usage("answer")
    await store.count_intent("relapse")
    clock[0] = NOW - timedelta(days=3)
    await store.touch_user(user_key(ID_KEY, 2))
    for kind in ("answer", "answer", "fallback", "clarify", "checkin"):
        await store.count_usage(kind)
    await store.count_intent("relapse")
    await store.count_intent("naloxone")
    await store.count_escalation("overdose")
    await store.save_checkin(user_key(ID_KEY, 2), mood=2, craving=1, night=date(2026, 11, 19))
    clock[0] = NOW - timedelta(hours=2)
    await store.touch_user(user_key(ID_KEY, 3))
    for kind in ("answer", "smalltalk", "fallback", "crisis"):
        await store.count_usage(kind)
    await store.count_intent("relapse")
    await store.count_intent("greeting")
    await store.count_escalation("suicide")
    await store.count_escalation("sos")
    yield store
    await store.close()


async def test_figures_for_today_and_the_last_seven_days(seeded: Store) -> None:
    stats = await gather_stats(seeded, NOW)
    today, week = stats.today, stats.week
    assert (today.since, week.since) == (date(2026, 11, 22), date(2026, 11, 16))
    assert (today.active_users, week.active_users) == (1, 2)
    assert (today.messages, week.messages) == (4, 8)  # check-ins are not messages
    assert today.rate("answer", "smalltalk") == 0.5 and week.rate("fallback") == 0.25
    assert (today.checkins, week.checkins) == (0, 1)
    assert dict(today.escalations) == {"suicide": 1, "sos": 1}
    assert dict(week.escalations) == {"suicide": 1, "sos": 1, "overdose": 1}
    assert today.top_intents[0] in (("greeting", 1), ("relapse", 1))
    assert week.top_intents[0] == ("relapse", 2)  # the month-old answer is outside the week


async def test_the_formatted_figures_name_every_count(seeded: Store) -> None:
    text = format_stats(await gather_stats(seeded, NOW))
    assert text.startswith("Lantern figures at 2026-11-22 15:30 UTC")
    today, week = text.split("\n\nLast 7 days")
    assert "users active: 1" in today and "messages: 4 (answered 50%, fallback 25%, clarify 0%, crisis 25%)" in today
    assert "escalations: sos 1, suicide 1" in today and "check-ins: 0" in today
    assert "users active: 2" in week and "messages: 8 (answered 50%, fallback 25%, clarify 13%, crisis 13%)" in week
    assert "top intents: relapse 2, greeting 1, naloxone 1" in week
    assert "check-ins: 1" in week


async def test_an_empty_store_gives_zeros_not_errors(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "empty.sqlite3")
    try:
        text = format_stats(await gather_stats(store, NOW))
    finally:
        await store.close()
    assert "messages: 0\n" in text and "escalations: none" in text and "top intents: none yet" in text


async def test_intent_counts_hold_the_intent_and_day_only(seeded: Store) -> None:
    assert await seeded.intent_counts(since=date(2026, 11, 22)) == [("2026-11-22", "greeting", 1),
                                                                     ("2026-11-22", "relapse", 1)]
    with sqlite3.connect(seeded.path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(intent_daily)")]
    assert columns == ["day", "intent", "count"]


def question(text: str, count: int = 1) -> UnmatchedQuestion:
    return UnmatchedQuestion(text, count, NOW - timedelta(days=1), NOW)


def test_each_unmatched_question_gets_its_nearest_intent(catalog: Catalog) -> None:
    reviewed = review_unmatched(catalog, [question("how to stay clean after a slip", 4),
                                          question("why cant my son just quit"), question("zzqx vlorp")])
    first, answered, nonsense = reviewed
    assert first.count == 4 and first.nearest_intent in catalog.matcher.intent_ids and first.score > 0
    assert answered.nearest_intent == "why_cant_they_stop" and answered.now_answered
    assert not nonsense.now_answered
    assert review_unmatched(None, [question("anything")])[0].nearest_intent is None


def test_the_unmatched_list_reads_most_frequent_first_with_counts(catalog: Catalog) -> None:
    reviewed = review_unmatched(catalog, [question("is methadone just swapping one drug for another", 7)])
    text = format_unmatched(reviewed, heading="Questions nothing answered")
    assert text.splitlines()[1].split()[0] == "7"
    assert "is methadone just swapping one drug for another" in text and "nearest " in text
    assert format_unmatched([], heading="Questions nothing answered") == "Questions nothing answered: none"


@pytest.mark.parametrize("text", ["how to stay clean after a slip", "what: now", "no", "123", "# hash",
                                  "it's \"quoted\"", "- dash first", "yes or no"])
def test_a_suggested_example_reads_back_as_the_same_text(text: str) -> None:
    assert yaml.safe_load(f"examples:\n  - {yaml_scalar(text)}\n") == {"examples": [text]}


def test_a_suggestion_names_intent_file_and_score_and_is_indented_to_paste() -> None:
    reviewed = ReviewedQuestion("how to stay clean after a slip", 3, NOW, NOW, "relapse", 48.4, False)
    assert suggestion(reviewed, "intents/topics.yaml") == (
        "# under intent 'relapse' in intents/topics.yaml (nearest, score 48)\n"
        "      - how to stay clean after a slip")


def test_content_paths_are_shown_from_the_content_folder_down(tmp_path: Path) -> None:
    folders = (DEFAULT_INTENTS_DIR, DEFAULT_RESPONSES_DIR)
    assert content_path(DEFAULT_INTENTS_DIR / "topics.yaml", folders) == "intents/topics.yaml"
    assert content_path(tmp_path / "elsewhere.yaml", folders) == str(tmp_path / "elsewhere.yaml")
