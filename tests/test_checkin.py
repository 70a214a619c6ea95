"""The check-in as a user lives it, through the real core: questions, bad input, notes, replies."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.checkin import (
    CRAVINGS_ANSWER,
    LOW_MOOD_ANSWER,
    CheckinFlow,
    CheckinOutcome,
    CheckinTexts,
    Done,
    Interrupted,
    Prompt,
    export_csv,
    finish,
    load_checkin_texts,
)
from bot.config import Settings
from bot.core import Lantern
from bot.errors import LanternError
from bot.replies import Reply
from bot.store import NOTE_MAX_CHARS, CheckinRow, Store
from bot.timezones import night_of

ID_KEY = b"test-id-key-0123456789abcdef"
USER = "user-key-for-tests"
# 23:00 in New York, the default zone for the US region.
EVENING = datetime(2026, 11, 21, 23, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture(scope="module")
def texts() -> CheckinTexts:
    return load_checkin_texts(Settings().content.responses_dir)


@pytest.fixture(scope="module")
def lantern() -> Lantern:
    return Lantern.from_settings(Settings())


@pytest.fixture
async def store(tmp_path: Path):
    opened = await Store.open(tmp_path / "lantern.sqlite3", busy_timeout_ms=100)
    yield opened
    await opened.close()


def through(flow: CheckinFlow, lantern: Lantern, *typed: str) -> Prompt | Done | Interrupted:
    """Type each message in turn, as the user would; return what the last one got."""
    step: Prompt | Done | Interrupted = flow.start()
    for text in typed:
        step = flow.respond(lantern, USER, text, region="US")
    return step


async def complete(
    texts: CheckinTexts, lantern: Lantern, store: Store, done: Done, *, now: datetime = EVENING
) -> tuple[list[Reply], CheckinOutcome]:
    sent: list[Reply] = []

    async def send(reply: Reply) -> None:
        sent.append(reply)

    outcome = await finish(
        done, lantern=lantern, store=store, user_key=USER, texts=texts, default_region="US", send=send, now=now
    )
    return sent, outcome


# ----- the questions -----------------------------------------------------------------------------


def test_it_asks_mood_on_five_buttons_then_cravings_on_four_then_offers_a_note(texts: CheckinTexts):
    flow = CheckinFlow(texts)
    mood = flow.start()
    assert mood.text == texts.mood.prompt
    assert [c.label for c in mood.choices] == [texts.mood.labels[n] for n in range(1, 6)]
    cravings = flow.choose("3")
    assert cravings.text == texts.craving.prompt
    assert [c.label for c in cravings.choices] == [texts.craving.labels[n] for n in range(4)]
    note = flow.choose("1")
    assert note.text == texts.note.offer and [c.label for c in note.choices] == [texts.note.skip]
    done = flow.choose("skip")
    assert done == Done(done.result) and (done.result.mood, done.result.craving, done.result.note) == (3, 1, None)


@pytest.mark.parametrize("typed", ["7", "0", "abc", "", "   ", "1.5", "-1", "٣", "33", "99999999999999999999"])
def test_a_mood_that_is_not_1_to_5_gets_a_clear_hint_and_the_same_question(texts, lantern, typed):
    flow = CheckinFlow(texts)
    step = through(flow, lantern, typed)
    assert isinstance(step, Prompt) and step.retry and step.step == "mood"
    assert step.text == texts.mood.invalid
    assert [c.value for c in step.choices] == ["1", "2", "3", "4", "5"]
    assert isinstance(flow.respond(lantern, USER, "4"), Prompt)  # and a good answer still works


@pytest.mark.parametrize("typed", ["4", "5", "-1", "lots"])
def test_a_craving_outside_0_to_3_gets_a_clear_hint(texts, lantern, typed):
    step = through(CheckinFlow(texts), lantern, "3", typed)
    assert isinstance(step, Prompt) and step.retry and step.text == texts.craving.invalid


def test_typing_the_numbers_or_the_labels_works_like_the_buttons(texts, lantern):
    step = through(CheckinFlow(texts), lantern, "2", texts.craving.labels[3], texts.note.skip.upper())
    assert isinstance(step, Done) and (step.result.mood, step.result.craving) == (2, 3)


@pytest.mark.parametrize("craving", [0, 1, 2, 3])
def test_a_label_inside_a_longer_answer_is_understood(texts, lantern, craving):
    step = through(CheckinFlow(texts), lantern, "3", f"{texts.craving.labels[craving]} tonight!")
    assert isinstance(step, Prompt) and step.step == "note"
    done = through(CheckinFlow(texts), lantern, "3", f"{texts.craving.labels[craving]} tonight!", "skip")
    assert done.result.craving == craving


def test_a_note_is_never_read_as_a_button(texts, lantern):
    step = through(CheckinFlow(texts), lantern, "3", "1", f"wanted to {texts.note.skip.lower()} the meeting")
    assert isinstance(step, Prompt) and step.text == texts.note.keep_prompt


def test_a_stale_or_forged_button_value_is_refused_politely(texts):
    flow = CheckinFlow(texts)
    flow.start()
    assert flow.choose("keep").retry and flow.choose("9").retry and flow.choose("'; DROP TABLE").retry


# ----- the note ----------------------------------------------------------------------------------


def test_a_typed_note_is_kept_only_when_the_user_says_keep_it(texts, lantern):
    asked = through(CheckinFlow(texts), lantern, "4", "0", "Walked the dog with my brother")
    assert isinstance(asked, Prompt) and asked.text == texts.note.keep_prompt
    kept = through(CheckinFlow(texts), lantern, "4", "0", "Walked the dog with my brother", texts.note.keep)
    dropped = through(CheckinFlow(texts), lantern, "4", "0", "Walked the dog with my brother", texts.note.discard)
    assert kept.result.note == "Walked the dog with my brother"
    assert dropped.result.note is None


def test_an_emoji_only_note_is_a_real_note(texts, lantern):
    done = through(CheckinFlow(texts), lantern, "5", "0", "🙂🙂🎉", "keep")
    assert isinstance(done, Done) and done.result.note == "🙂🙂🎉"


@pytest.mark.parametrize("typed", ["   ", "\u200b\u200b", "\x00\x07"])
def test_an_empty_note_gets_a_clear_hint(texts, lantern, typed):
    step = through(CheckinFlow(texts), lantern, "3", "1", typed)
    assert isinstance(step, Prompt) and step.retry and step.text == texts.note.empty


def test_a_huge_note_is_refused_with_the_limit_and_can_be_shortened(texts, lantern):
    flow = CheckinFlow(texts)
    step = through(flow, lantern, "3", "1", "words " * 2000)
    assert isinstance(step, Prompt) and step.retry and str(NOTE_MAX_CHARS) in step.text
    assert flow.respond(lantern, USER, "shorter now").text == texts.note.keep_prompt


def test_an_answer_to_keep_it_that_is_neither_gets_a_hint(texts, lantern):
    step = through(CheckinFlow(texts), lantern, "3", "1", "ok day", "maybe")
    assert isinstance(step, Prompt) and step.text == texts.note.keep_invalid


# ----- crisis wins over the check-in -------------------------------------------------------------


@pytest.mark.parametrize("moment", [(), ("2",), ("2", "1")])
def test_a_crisis_message_at_any_step_gets_the_crisis_reply(texts, lantern, moment):
    flow = CheckinFlow(texts)
    step = through(flow, lantern, *moment, "I want to kill myself")
    reply = step.reply if isinstance(step, Interrupted) else step.crisis_reply
    assert reply.kind == "crisis" and reply.crisis == "suicide"
    assert flow.finished
    if isinstance(step, Done):  # mood and cravings were given: they are kept, the words are not
        assert step.result.hopeless and step.result.note is None


def test_very_low_mood_with_hopeless_words_goes_to_the_crisis_path(texts, lantern):
    note = "everything is pointless lately"
    assert lantern.reply(USER, note).kind != "crisis"  # the core alone would not flag these words
    low = through(CheckinFlow(texts), lantern, "1", "2", note)
    assert isinstance(low, Done) and low.result.hopeless and low.result.note is None
    steady = through(CheckinFlow(texts), lantern, "3", "2", note)
    assert isinstance(steady, Prompt) and steady.text == texts.note.keep_prompt


def test_a_note_the_crisis_detector_flags_goes_to_the_crisis_path_at_any_mood(texts):
    from bot.checkin import CheckinState, write

    flagged_words = {"the detector's words"}
    state = CheckinState(step="note", mood=4, craving=0)
    _, step = write(texts, state, "the detector's words", detect=lambda t: t if t in flagged_words else None)
    assert isinstance(step, Done) and step.result.hopeless and step.result.note is None
    _, step = write(texts, state, "a calm note", detect=lambda t: t if t in flagged_words else None)
    assert isinstance(step, Prompt) and step.step == "keep"


def test_a_real_question_mid_check_in_is_answered_and_ends_the_check_in(texts, lantern):
    flow = CheckinFlow(texts)
    step = through(flow, lantern, "what is naloxone")
    assert isinstance(step, Interrupted) and step.reply.intent == "naloxone"
    assert texts.stopped in step.reply.text and flow.finished


# ----- the reply fits the answers ----------------------------------------------------------------


async def test_a_low_night_gets_coping_steps_and_the_helplines(texts, lantern, store):
    sent, outcome = await complete(texts, lantern, store, Done(through_result(mood=2, craving=1)))
    [reply] = sent
    assert outcome.saved and reply.intent == "checkin_coping"
    assert lantern.answer(LOW_MOOD_ANSWER).text.strip() in reply.text
    assert "1-800-662-4357" in reply.text and "988" in reply.text  # SAMHSA and the 988 Lifeline


async def test_strong_cravings_get_the_cravings_steps_for_tonight(texts, lantern, store):
    sent, _ = await complete(texts, lantern, store, Done(through_result(mood=2, craving=3)))
    [reply] = sent
    assert lantern.answer(CRAVINGS_ANSWER).text.strip() in reply.text
    assert "1-800-662-4357" in reply.text
    assert [s.answer_id for s in reply.suggestions] == [LOW_MOOD_ANSWER]  # low mood too: one tap away


async def test_good_nights_in_a_row_get_encouragement_and_the_streak(texts, lantern, store):
    for nights_ago in (3, 2, 1):
        earlier = EVENING - timedelta(days=nights_ago)
        await complete(texts, lantern, store, Done(through_result(mood=4, craving=0)), now=earlier)
    sent, outcome = await complete(texts, lantern, store, Done(through_result(mood=5, craving=0)))
    [reply] = sent
    assert outcome.streak == 4 and "4 nights in a row" in reply.text
    assert reply.intent == "checkin_good" and any(line in reply.text for line in texts.reply.good)


async def test_the_first_check_in_says_so_and_a_broken_streak_starts_again(texts, lantern, store):
    days_ago = EVENING - timedelta(days=5)
    first, _ = await complete(texts, lantern, store, Done(through_result(mood=3, craving=1)), now=days_ago)
    assert texts.reply.streak_first in first[0].text
    again, outcome = await complete(texts, lantern, store, Done(through_result(mood=3, craving=1)))
    assert outcome.streak == 1 and texts.reply.streak_restart in again[0].text


async def test_a_check_in_after_midnight_counts_for_the_night_before(texts, lantern, store):
    await complete(texts, lantern, store, Done(through_result(mood=4, craving=0)), now=EVENING - timedelta(days=1))
    after_midnight = EVENING + timedelta(hours=2, minutes=30)  # 01:30 the next morning
    _, outcome = await complete(texts, lantern, store, Done(through_result(mood=4, craving=0)), now=after_midnight)
    assert outcome.streak == 2
    assert night_of(after_midnight, ZoneInfo("America/New_York")) == date(2026, 11, 21)


async def test_a_kept_note_is_saved_and_an_unkept_one_is_not(texts, lantern, store):
    kept = through(CheckinFlow(texts), lantern, "4", "0", "called my sponsor", "keep")
    dropped = through(CheckinFlow(texts), lantern, "4", "0", "private thought", "discard")
    sent, _ = await complete(texts, lantern, store, kept)
    await complete(texts, lantern, store, dropped)
    assert texts.note.kept in sent[0].text
    assert [c.note for c in await store.all_checkins(USER)] == ["called my sponsor", None]
    await store.close()
    raw = b"".join(p.read_bytes() for p in store.path.parent.glob(f"{store.path.name}*"))
    assert b"private thought" not in raw


async def test_the_crisis_reply_goes_out_before_anything_is_saved(texts, lantern, store):
    done = through(CheckinFlow(texts), lantern, "1", "2", "no point anymore, I give up")
    saved_when_sent: list[int] = []

    async def send(reply: Reply) -> None:
        assert reply.kind == "crisis"
        saved_when_sent.append(len(await store.all_checkins(USER)))

    outcome = await finish(
        done, lantern=lantern, store=store, user_key=USER, texts=texts, default_region="US", send=send, now=EVENING
    )
    assert saved_when_sent == [0] and outcome.saved and outcome.escalation
    assert await store.escalation_counts()
    assert [(c.mood, c.note) for c in await store.all_checkins(USER)] == [(1, None)]


async def test_when_the_store_fails_the_user_still_gets_the_reply_and_is_told(texts, lantern, tmp_path):
    broken = Store.unavailable("database unavailable")
    sent, outcome = await complete(texts, lantern, broken, Done(through_result(mood=2, craving=2)))
    [reply] = sent
    assert not outcome.saved and texts.reply.not_saved in reply.text
    assert lantern.answer(CRAVINGS_ANSWER).text.strip() in reply.text  # the help is all still there


async def test_a_locked_database_means_not_saved_not_a_crash(texts, lantern, store):
    import sqlite3

    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        sent, outcome = await complete(texts, lantern, store, Done(through_result(mood=4, craving=0)))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert not outcome.saved and texts.reply.not_saved in sent[0].text
    crisis = through(CheckinFlow(texts), lantern, "1", "1", "I want to end my life")
    sent, _ = await complete(texts, lantern, store, crisis)
    assert sent[0].kind == "crisis"


def through_result(*, mood: int, craving: int):
    from bot.checkin import CheckinResult

    return CheckinResult(mood=mood, craving=craving)


# ----- export and texts --------------------------------------------------------------------------


def test_export_is_a_csv_a_spreadsheet_reads_safely():
    at = datetime(2026, 11, 22, 3, 30, tzinfo=UTC)
    rows = [
        CheckinRow(1, at, date(2026, 11, 21), 4, 0, "🙂 good day, \"really\""),
        CheckinRow(2, at, date(2026, 11, 21), 2, 3, "=HYPERLINK(\"http://x\")"),
        CheckinRow(3, at, date(2026, 11, 21), 3, 1, None),
    ]
    data = export_csv(rows, ZoneInfo("Europe/London"))
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed[0][:4] == ["night", "saved_at", "mood_1_to_5", "cravings_0_to_3"]
    assert parsed[1][2:] == ["4", "0", "🙂 good day, \"really\""]
    assert parsed[2][4].startswith("'=")
    assert parsed[3][4] == "" and parsed[1][1].startswith("2026-11-22 03:30")


def test_a_broken_checkin_file_is_reported_with_file_and_line(tmp_path: Path, texts: CheckinTexts):
    source = (Settings().content.responses_dir / "checkin.yaml").read_text(encoding="utf-8")
    (tmp_path / "checkin.yaml").write_text(source.replace("  prompt: \"Any cravings", "  promt: \"Any cravings"))
    with pytest.raises(LanternError, match=r"checkin\.yaml:\d+: craving"):
        load_checkin_texts(tmp_path)


def test_check_ins_in_progress_are_never_persisted_and_expire():
    import pickle
    from datetime import timedelta

    from bot.checkin import CheckinFlow, CheckinSessions

    texts = load_checkin_texts(Settings().content.responses_dir)
    sessions = CheckinSessions()
    flow = CheckinFlow(texts)
    flow.start()
    flow.choose("3")
    sessions.begin("someone", flow)
    assert len(pickle.loads(pickle.dumps(sessions))) == 0  # PTB persistence would store nothing
    expiring = CheckinSessions(ttl=timedelta(seconds=-1))
    expiring.begin("someone", flow)
    assert expiring.get("someone") is None
